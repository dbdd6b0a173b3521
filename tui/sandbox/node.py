"""The sandbox's real node: containerd + runc (Debian) and a kubelet built with the control
plane, pods networked by a bridge CNI config, all state under the sandbox directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

import yaml

from tui.sandbox.components import Layout
from tui.sandbox.mounts import unmount_all

NODE_NAME = "podbay-node"
CNI_BIN = Path("/usr/lib/cni")
PAUSE_IMAGE = "podbay.local/pause:3.10"
CGROUP_V1 = Path("/sys/fs/cgroup")
NODE_LABEL = "podbay.dev/sandbox-node"


def node_dir(lay: Layout) -> Path:
    return lay.root / "node"


def containerd_socket(lay: Layout) -> Path:
    return node_dir(lay) / "containerd.sock"


def ctr_base_argv(lay: Layout) -> list[str]:
    """ctr talking to this sandbox's containerd, no namespace chosen yet."""
    return ["ctr", "--address", str(containerd_socket(lay))]


def ctr_argv(lay: Layout) -> list[str]:
    return [*ctr_base_argv(lay), "-n", "k8s.io"]


def missing_prerequisites() -> list[str]:
    """What this machine lacks for a real node, each with the fix; empty when ready."""
    missing = []
    if os.geteuid() != 0:
        missing.append("root privileges (containerd and the kubelet manage cgroups and mounts)")
    for tool, pkg in (("containerd", "containerd"), ("runc", "runc"), ("ctr", "containerd")):
        if not shutil.which(tool):
            missing.append(f"{tool} (apt-get install {pkg})")
    if not shutil.which("iptables"):
        missing.append("iptables (apt-get install iptables), for Service ClusterIPs")
    if not (CNI_BIN / "bridge").exists():
        missing.append("CNI plugins in /usr/lib/cni (apt-get install containernetworking-plugins)")
    for tool in ("ip", "mount"):
        if not shutil.which(tool):
            missing.append(f"{tool} (apt-get install iproute2 mount)")
    return missing


def _bridge_and_subnet(key: str) -> tuple[str, str]:
    """A bridge name and /16 pod subnet of this sandbox's own that no host route overlaps;
    ``key`` is unique on the machine (:func:`machine.instance_key`), not the name."""
    digest = int(hashlib.sha256(key.encode()).hexdigest(), 16)
    routes = subprocess.run(["ip", "-4", "route"], capture_output=True, text=True, check=False)
    taken = []
    for line in routes.stdout.splitlines():
        dest = line.split()[0]
        if dest != "default":
            try:
                taken.append(ipaddress.ip_network(dest, strict=False))
            except ValueError:
                continue
    bridge = f"pb{digest % 16**6:06x}"
    for i in range(100):
        net = ipaddress.ip_network(f"10.{100 + (digest + i) % 100}.0.0/16")
        owned = any(
            r == net and bridge in line for r in taken for line in routes.stdout.splitlines()
        )
        if owned or not any(net.overlaps(r) for r in taken):
            return bridge, str(net)
    raise RuntimeError("no free 10.x.0.0/16 for the sandbox's pod network")


def ensure_bridge(key: str) -> tuple[str, str, str]:
    """Create the pod bridge with its gateway address; (bridge, subnet, node IP).

    The gateway doubles as the node's InternalIP (a kubelet refuses a loopback node IP), so
    the kubelet listens there and the apiserver reaches it without leaving the machine.
    """
    bridge, subnet = _bridge_and_subnet(key)
    gateway = str(next(ipaddress.ip_network(subnet).hosts()))
    prefix = subnet.split("/")[1]
    if subprocess.run(["ip", "link", "show", bridge], capture_output=True).returncode != 0:
        subprocess.run(["ip", "link", "add", bridge, "type", "bridge"], check=True)
    addrs = subprocess.run(
        ["ip", "-4", "addr", "show", "dev", bridge], capture_output=True, text=True, check=True
    ).stdout
    if f"inet {gateway}/" not in addrs:
        subprocess.run(["ip", "addr", "add", f"{gateway}/{prefix}", "dev", bridge], check=True)
    subprocess.run(["ip", "link", "set", bridge, "up"], check=True)
    return bridge, subnet, gateway


def write_cni_config(lay: Layout, bridge: str, subnet: str) -> None:
    conf_dir = node_dir(lay) / "cni" / "net.d"
    conf_dir.mkdir(parents=True, exist_ok=True)
    conf = {
        "cniVersion": "0.4.0",
        "name": "podbay",
        "plugins": [
            {
                "type": "bridge",
                "bridge": bridge,
                "isGateway": True,
                "ipMasq": False,
                "hairpinMode": True,
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": subnet}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                    "dataDir": str(node_dir(lay) / "cni" / "ipam"),
                },
            },
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }
    (conf_dir / "10-podbay.conflist").write_text(json.dumps(conf, indent=2))


def write_containerd_config(lay: Layout, sandbox: str) -> Path:
    nd = node_dir(lay)
    cri = '"io.containerd.grpc.v1.cri"'
    text = f"""version = 2
root = "{nd / "containerd" / "root"}"
state = "{nd / "containerd" / "state"}"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "{containerd_socket(lay)}"

[ttrpc]
  address = ""

[plugins.{cri}]
  sandbox_image = "{PAUSE_IMAGE}"
  netns_mounts_under_state_dir = true
  # This machine denies lowering oom_score_adj (the kubelet asks -998 for pod sandboxes);
  # clamp to containerd's own value instead of failing every pod.
  restrict_oom_score_adj = true
  enable_unprivileged_ports = true
  [plugins.{cri}.containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins.{cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.{cri}.containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins.{cri}.cni]
    bin_dir = "{CNI_BIN}"
    conf_dir = "{nd / "cni" / "net.d"}"

[plugins."io.containerd.internal.v1.opt"]
  path = "{nd / "containerd" / "opt"}"
"""
    path = lay.config / "containerd.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def containerd_argv(binary: Path, lay: Layout, ports: dict[str, int]) -> list[str]:
    return [str(binary), f"--config={lay.config / 'containerd.toml'}"]


def prepare_cgroups(cgroup: str) -> None:
    """The kubelet requires its cgroup root to exist in every v1 hierarchy."""
    for controller in CGROUP_V1.iterdir():
        if controller.is_dir() and not controller.is_symlink() and controller.name != "unified":
            (controller / cgroup.lstrip("/")).mkdir(parents=True, exist_ok=True)


def serving_cert_stem(node_ip: str) -> str:
    return f"kubelet-serving-{node_ip}"


def write_kubelet_config(lay: Layout, cgroup: str, ports: dict[str, int], node_ip: str) -> Path:
    nd = node_dir(lay)
    pki = lay.pki
    serving = serving_cert_stem(node_ip)
    doc = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "address": node_ip,
        "port": ports["kubelet"],
        "readOnlyPort": 0,
        "healthzBindAddress": "127.0.0.1",
        "healthzPort": ports["kubelet_healthz"],
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": True},
            "x509": {"clientCAFile": str(pki / "ca.crt")},
        },
        "authorization": {"mode": "Webhook"},
        "tlsCertFile": str(pki / f"{serving}.crt"),
        "tlsPrivateKeyFile": str(pki / f"{serving}.key"),
        "cgroupDriver": "cgroupfs",
        "cgroupRoot": cgroup,
        "failCgroupV1": False,
        "failSwapOn": False,
        "containerRuntimeEndpoint": f"unix://{containerd_socket(lay)}",
        # Images are imported, never pulled: keep them however full the disk gets.
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
        "evictionHard": {
            "memory.available": "100Mi",
            "nodefs.available": "1%",
            "imagefs.available": "1%",
            "nodefs.inodesFree": "1%",
        },
        "serializeImagePulls": False,
        "podLogsDir": str(nd / "pod-logs"),
        "localStorageCapacityIsolation": False,
        "protectKernelDefaults": False,
        "rotateCertificates": False,
        "clusterDomain": "cluster.local",
        "clusterDNS": [node_ip],
        "resolvConf": "/etc/resolv.conf",
        "maxPods": 110,
        "nodeStatusUpdateFrequency": "5s",
        "syncFrequency": "10s",
        "fileCheckFrequency": "10s",
        "shutdownGracePeriod": "0s",
    }
    path = lay.config / "kubelet.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def kubelet_argv(binary: Path, lay: Layout, ports: dict[str, int]) -> list[str]:
    nd = node_dir(lay)
    return [
        str(binary),
        f"--config={lay.config / 'kubelet.yaml'}",
        f"--kubeconfig={lay.kubeconfig('kubelet')}",
        f"--hostname-override={NODE_NAME}",
        f"--node-ip={node_ip(lay)}",
        f"--root-dir={nd / 'kubelet'}",
        f"--cert-dir={nd / 'kubelet' / 'pki'}",
        f"--node-labels={NODE_LABEL}=real",
        "--v=1",
    ]


def node_ip(lay: Layout) -> str:
    return str(yaml.safe_load((lay.config / "kubelet.yaml").read_text())["address"])


def write_coredns_config(lay: Layout, ports: dict[str, int], dns_ip: str) -> Path:
    """Cluster DNS on the bridge gateway: Services and pods by name, the rest via the host."""
    corefile = f""".:53 {{
    bind {dns_ip}
    errors
    health 127.0.0.1:{ports["coredns_health"]}
    kubernetes cluster.local in-addr.arpa ip6.arpa {{
        kubeconfig {lay.kubeconfig("coredns")}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 5
    }}
    forward . /etc/resolv.conf
    cache 5
}}
"""
    path = lay.config / "Corefile"
    path.write_text(corefile)
    return path


def coredns_argv(binary: Path, lay: Layout, ports: dict[str, int]) -> list[str]:
    return [str(binary), "-conf", str(lay.config / "Corefile")]


def write_kube_proxy_config(lay: Layout, ports: dict[str, int], subnet: str) -> Path:
    doc = {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "clientConnection": {"kubeconfig": str(lay.kubeconfig("kube-proxy"))},
        "hostnameOverride": NODE_NAME,
        "mode": "iptables",
        "clusterCIDR": subnet,
        "bindAddress": "127.0.0.1",
        "healthzBindAddress": f"127.0.0.1:{ports['kube_proxy_healthz']}",
        "metricsBindAddress": f"127.0.0.1:{ports['kube_proxy_metrics']}",
        # Leave the host's conntrack sysctls alone.
        "conntrack": {"maxPerCore": 0},
        "nodePortAddresses": ["primary"],
    }
    path = lay.config / "kube-proxy.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def kube_proxy_argv(binary: Path, lay: Layout, ports: dict[str, int]) -> list[str]:
    return [str(binary), f"--config={lay.config / 'kube-proxy.yaml'}", "--v=1"]


def enable_forwarding() -> None:
    """Service traffic is DNAT-ed on the host and forwarded back onto the pod bridge."""
    for knob, value in (
        ("/proc/sys/net/ipv4/ip_forward", "1"),
        ("/proc/sys/net/bridge/bridge-nf-call-iptables", "1"),
    ):
        path = Path(knob)
        if path.exists() and path.read_text().strip() != value:
            path.write_text(value)


def stop_workloads(lay: Layout) -> None:
    """Kill every container (and pod sandbox) of this node; called with containerd running."""
    base = ctr_argv(lay)
    listing = subprocess.run(
        [*base, "tasks", "ls", "-q"], capture_output=True, text=True, check=False, timeout=30
    )
    for task in listing.stdout.split():
        subprocess.run(
            [*base, "tasks", "kill", "-a", "-s", "SIGKILL", task], capture_output=True, check=False
        )
    for task in listing.stdout.split():
        for _ in range(50):
            done = subprocess.run(
                [*base, "tasks", "delete", task], capture_output=True, check=False, timeout=30
            )
            if done.returncode == 0 or b"not found" in done.stderr:
                break
            subprocess.run(["sleep", "0.1"], check=False)


def kill_orphan_shims(lay: Layout) -> None:
    """Shims outlive containerd by design; end the ones that belong to this sandbox."""
    sock = str(containerd_socket(lay))
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if cmdline and cmdline[0].endswith(b"containerd-shim-runc-v2") and sock.encode() in cmdline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(proc.name), signal.SIGKILL)


def release_network(lay: Layout) -> None:
    """Drop pod network namespaces and IP allocations; the pods are gone after a stop."""
    netns_dir = node_dir(lay) / "containerd" / "state"
    unmount_all(netns_dir)
    shutil.rmtree(node_dir(lay) / "cni" / "ipam", ignore_errors=True)


def delete_bridge(lay: Layout) -> None:
    conf = node_dir(lay) / "cni" / "net.d" / "10-podbay.conflist"
    try:
        bridge = json.loads(conf.read_text())["plugins"][0]["bridge"]
    except (OSError, ValueError, KeyError, IndexError):
        return
    subprocess.run(["ip", "link", "del", bridge], capture_output=True, check=False)


def remove_cgroups(cgroup: str) -> None:
    """Remove the (now empty) cgroup tree of this sandbox's pods, deepest first."""
    for controller in CGROUP_V1.iterdir():
        top = controller / cgroup.lstrip("/")
        if not top.is_dir() or controller.is_symlink():
            continue
        for path in sorted(top.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if path.is_dir():
                with contextlib.suppress(OSError):
                    path.rmdir()
        with contextlib.suppress(OSError):
            top.rmdir()
        with contextlib.suppress(OSError):
            top.parent.rmdir()  # /podbay, once no sandbox uses it
