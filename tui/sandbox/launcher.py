"""Start one component and wait until it is healthy; stop them all in reverse order.

Every started process is recorded in the state file at once, so a CLI killed mid-``up``
still leaves ``down`` able to find it.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tui.sandbox import health, node, processes
from tui.sandbox.certificates import admin_tls, ca_file, etcd_client_tls
from tui.sandbox.components import (
    Layout,
    apiserver_argv,
    controller_manager_argv,
    etcd_argv,
    kwok_argv,
    scheduler_argv,
)
from tui.sandbox.errors import SandboxError
from tui.sandbox.progress import Progress
from tui.sandbox.state import SandboxState, StateFile

ArgvBuilder = Callable[[Path, Layout, dict[str, int]], list[str]]
# component -> its command line, given its binary (recorded under the component's name)
ARGV: dict[str, ArgvBuilder] = {
    "etcd": etcd_argv,
    "kube-apiserver": apiserver_argv,
    "kube-controller-manager": controller_manager_argv,
    "kube-scheduler": scheduler_argv,
    "kwok": kwok_argv,
    "containerd": node.containerd_argv,
    "kubelet": node.kubelet_argv,
    "coredns": node.coredns_argv,
    "kube-proxy": node.kube_proxy_argv,
}
START_TIMEOUT = {"etcd": 30.0, "kube-apiserver": 90.0, "kubelet": 60.0}
DEFAULT_START_TIMEOUT = 45.0
_HINTS = {
    "etcd": "etcd keeps its data in {root}/etcd; if it is corrupt, run "
    "'podbay sandbox down --purge' and 'up' again",
    "kube-apiserver": "the apiserver needs etcd and its certificates in {root}/pki; "
    "'podbay sandbox down --purge' recreates both",
}

HealthCheck = Callable[[], str | None]  # None when healthy, else the reason it is not


@dataclass(frozen=True)
class Launcher:
    layout: Layout
    state_file: StateFile
    progress: Progress
    name_flag: str  # the --name option of the commands a hint suggests

    def start(self, comp: str, state: SandboxState) -> None:
        """Start ``comp`` on ``state``'s ports and binaries; SandboxError if it is not healthy
        in time, with the log and what to do."""
        log = self.layout.log(comp)
        argv = ARGV[comp](state.binary(comp), self.layout, state.ports)
        t0 = time.monotonic()
        self.progress.update(f"starting {comp}", every=0)
        rec = processes.start(argv, log)
        state.processes[comp] = rec
        self.state_file.save(state)
        timeout = START_TIMEOUT.get(comp, DEFAULT_START_TIMEOUT)
        reason = health.wait_until(
            health_check(comp, self.layout, state.ports),
            timeout,
            still_running=lambda: processes.alive(rec),
        )
        if reason is not None:
            what = (
                f"{comp} exited during start-up"
                if not processes.alive(rec)
                else f"{comp} did not become healthy within {timeout:.0f}s ({reason})"
            )
            raise SandboxError(what, log=log, hint=self._hint(comp, log))
        self.progress.step(f"{comp} ready in {time.monotonic() - t0:.1f}s (pid {rec.pid})")

    def _hint(self, comp: str, log: Path) -> str:
        if "address already in use" in _log_text(log):
            return (
                "a port was taken between choosing and binding it; run "
                f"'podbay sandbox up{self.name_flag}' again to pick new ports"
            )
        return _HINTS.get(comp, "").format(root=self.layout.root) or (
            f"read {log}; 'podbay sandbox down{self.name_flag}' then 'up' retries"
        )

    def stop_all(self) -> list[str]:
        """Stop every recorded component, last started first; the names of those stopped.

        With the real node, containerd's containers go first and its shims and pod network
        are cleaned up even if containerd itself was already gone.
        """
        state = self.state_file.load()
        if state is None:
            return []
        stopped = []
        for comp in reversed(state.components()):
            rec = state.processes.get(comp)
            if comp == "containerd" and rec is not None and processes.alive(rec):
                node.stop_workloads(self.layout)  # the kubelet is already stopped
            if rec is not None and processes.alive(rec):
                processes.stop(rec)
                stopped.append(comp)
            if comp == "containerd" and state.real_node:
                node.kill_orphan_shims(self.layout)
                node.release_network(self.layout)
        state.processes = {}
        self.state_file.save(state)
        return stopped


def health_check(comp: str, lay: Layout, ports: dict[str, int]) -> HealthCheck:
    """How to tell that ``comp`` serves: its health endpoint, or ``ctr version``."""
    if comp == "etcd":
        etcd_tls = etcd_client_tls(lay.pki)
        return lambda: health.probe(ports["etcd"], "/health", etcd_tls)
    if comp == "kube-apiserver":
        admin = admin_tls(lay.pki)
        return lambda: health.probe(ports["apiserver"], "/readyz", admin)
    if comp == "containerd":
        argv = [*node.ctr_base_argv(lay), "version"]
        return lambda: (
            None
            if subprocess.run(argv, capture_output=True, check=False, timeout=10).returncode == 0
            else "ctr version failed"
        )
    if comp == "kubelet":
        return lambda: health.probe(ports["kubelet_healthz"], "/healthz", None)
    if comp == "coredns":
        return lambda: health.probe(ports["coredns_health"], "/health", None)
    if comp == "kube-proxy":
        return lambda: health.probe(ports["kube_proxy_healthz"], "/livez", None)
    if comp == "kwok":
        kwok_tls = health.tls_context(ca_file(lay.pki))
        return lambda: health.probe(ports["kwok"], "/healthz", kwok_tls)
    port = ports["controller_manager" if comp == "kube-controller-manager" else "scheduler"]
    insecure = health.tls_context(None)  # self-signed serving certs; /healthz is public
    return lambda: health.probe(port, "/healthz", insecure)


def _log_text(path: Path) -> str:
    try:
        return path.read_text(errors="replace")[-20000:]
    except OSError:
        return ""
