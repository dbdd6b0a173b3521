"""The real node beside the kwok nodes: containerd, kubelet, CoreDNS and kube-proxy.

Whether a sandbox gets one is decided here; what each of them runs with is in :mod:`node`.
"""

from __future__ import annotations

import time
from pathlib import Path

from tui.sandbox import machine, node, processes
from tui.sandbox.certificates import issue_kubelet_serving
from tui.sandbox.errors import SandboxError
from tui.sandbox.kubectl import Kubectl
from tui.sandbox.launcher import Launcher
from tui.sandbox.paths import state_root
from tui.sandbox.progress import Progress
from tui.sandbox.state import SandboxState, StateFile, list_sandboxes


def decide(wanted: bool | None, previous: bool | None, progress: Progress) -> bool:
    """Whether to run the real node: ``wanted`` if given (True fails when this machine
    cannot), else the ``previous`` choice, else whether this machine can run it."""
    if wanted is None:
        wanted = previous
    missing = node.missing_prerequisites()
    if wanted and missing:
        raise SandboxError(
            "the real node cannot run on this machine; missing: " + "; ".join(missing),
            hint="install them (as root: make deps), or use --no-real-node for kwok only",
        )
    if wanted is None:
        if missing:
            progress.step(
                "real node disabled (missing: " + "; ".join(missing) + "); kwok nodes only"
            )
        return not missing
    return wanted


def start_real_node(
    sandbox: str, state: SandboxState, launcher: Launcher, kubectl: Kubectl
) -> None:
    """Bring up the node after the control plane and kwok: images, network, then each
    component; kube-proxy only when no other sandbox already programs Service rules."""
    from tui.sandbox import images  # the image builder is only needed with a real node

    lay, progress = launcher.layout, launcher.progress
    archives = images.ensure_images(progress)
    state.cgroup_root = machine.cgroup_root(sandbox, lay.root)
    launcher.state_file.save(state)
    node.prepare_cgroups(state.cgroup_root)
    bridge, subnet, node_ip = node.ensure_bridge(machine.instance_key(lay.root))
    issue_kubelet_serving(lay.pki, node_ip)
    node.write_cni_config(lay, bridge, subnet)
    node.write_containerd_config(lay, sandbox)
    node.write_kubelet_config(lay, state.cgroup_root, state.ports, node_ip)
    launcher.start("containerd", state)
    t0 = time.monotonic()
    images.import_images(node.ctr_base_argv(lay), archives)
    progress.step(f"images ready in containerd in {time.monotonic() - t0:.1f}s")
    launcher.start("kubelet", state)
    kubectl.wait_nodes_ready(
        lambda ready: node.NODE_NAME in ready,
        f"the real node {node.NODE_NAME}",
        log=lay.log("kubelet"),
        hint="read the kubelet log above; 'podbay sandbox status' shows what runs",
        timeout=90.0,
        progress=progress,
    )
    node.write_coredns_config(lay, state.ports, node_ip)
    launcher.start("coredns", state)
    owner = other_kube_proxy(lay.root)
    state.services = owner is None
    launcher.state_file.save(state)
    if owner is not None:
        progress.step(
            f"kube-proxy not started: sandbox {owner.name!r} ({owner.root}) already programs "
            "this machine's iptables Service rules (one sandbox at a time); Service "
            "ClusterIPs will not route here, pod IPs and DNS do"
        )
        return
    node.enable_forwarding()
    node.write_kube_proxy_config(lay, state.ports, subnet)
    launcher.start("kube-proxy", state)


def other_kube_proxy(root: Path) -> machine.Registration | None:
    """Another sandbox on this machine, whatever its state directory, whose kube-proxy runs."""
    siblings = [  # same state directory: also those started before the registry existed
        machine.Registration(name, (state_root() / name).resolve(), "")
        for name in list_sandboxes()
        if (state_root() / name).resolve() != root.resolve()
    ]
    for other in machine.others(root) + siblings:
        try:
            state = StateFile(other.state_file).load()
        except SandboxError:  # unreadable: not ours to judge, and not running for us
            continue
        rec = state.processes.get("kube-proxy") if state else None
        if rec is not None and processes.alive(rec):
            return other
    return None
