"""One sandbox instance: :class:`Sandbox` puts the parts together in order.

The parts: :mod:`state` (state.json), :mod:`certificates`, :mod:`kubeconfigs`,
:mod:`launcher` (start/stop components), :mod:`bootstrap` (applied once the apiserver
answers), :mod:`kwoknodes`, :mod:`realnode` and :mod:`status`.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from tui.sandbox import health, machine, node, processes, realnode
from tui.sandbox.bootstrap import bootstrap, grant_restricted
from tui.sandbox.build import ensure_binaries
from tui.sandbox.certificates import admin_tls, ca_file, issue_cluster_certificates
from tui.sandbox.components import ORDER, PORT_NAMES, Layout
from tui.sandbox.errors import SandboxError
from tui.sandbox.kubeconfigs import USERS, cluster_name, server_url, write_cert_kubeconfigs
from tui.sandbox.kubectl import Kubectl
from tui.sandbox.kwoknodes import ensure_kwok_nodes, wait_kwok_nodes_ready
from tui.sandbox.launcher import Launcher
from tui.sandbox.mounts import unmount_all
from tui.sandbox.paths import name_flag, state_root, validate_name
from tui.sandbox.ports import choose_ports
from tui.sandbox.progress import Progress, elapsed
from tui.sandbox.state import SandboxState, StateFile, list_sandboxes
from tui.sandbox.status import ComponentStatus, SandboxStatus, component_statuses

__all__ = ["ComponentStatus", "Sandbox", "SandboxStatus", "list_sandboxes"]


class Sandbox:
    """A local Kubernetes under ``state_root()/<name>``; see :meth:`up` and :meth:`down`."""

    def __init__(self, name: str = "default", progress: Progress | None = None) -> None:
        self.name = validate_name(name)
        self.layout = Layout(state_root() / name)
        self.progress = progress or Progress()
        self._state_file = StateFile(self.layout.state)

    # ---- what the last up recorded -------------------------------------------------------
    def _state(self) -> SandboxState:
        """The saved state; an empty one (nothing running) if the sandbox never started."""
        return self._state_file.load() or SandboxState()

    @property
    def ports(self) -> dict[str, int]:
        return dict(self._state().ports)

    @property
    def server(self) -> str:
        if not self.ports.get("apiserver"):
            raise SandboxError(
                f"sandbox {self.name!r} has never been started",
                hint=f"run 'podbay sandbox up{name_flag(self.name)}'",
            )
        return server_url(self.ports)

    def binary(self, name: str) -> Path:
        state = self._state()
        if name not in state.bins:
            raise SandboxError(
                f"sandbox {self.name!r} has no {name} binary recorded",
                hint=f"run 'podbay sandbox up{name_flag(self.name)}'",
            )
        return state.binary(name)

    @property
    def ca(self) -> Path:
        return ca_file(self.layout.pki)

    def kubeconfig(self, user: str = "admin", *, with_ca: bool = True) -> Path:
        if user not in USERS:
            raise SandboxError(f"unknown sandbox user {user!r}; choose one of {', '.join(USERS)}")
        path = self.layout.kubeconfig(user if with_ca else f"{user}-noca")
        if not path.exists():
            raise SandboxError(
                f"sandbox {self.name!r} has no {user} kubeconfig yet",
                hint=f"run 'podbay sandbox up{name_flag(self.name)}'",
            )
        return path

    @property
    def real_node(self) -> bool:
        return self._state().real_node

    @property
    def services(self) -> bool:
        """Whether Service ClusterIPs route here (this sandbox runs kube-proxy)."""
        return self._state().routes_services

    # ---- status --------------------------------------------------------------------------
    def status(self) -> SandboxStatus:
        state = self._state()
        st = SandboxStatus(self.name, self.layout.root, component_statuses(state))
        if state.ports:
            st.apiserver = self.server
        if st.all_running:
            reason = health.probe(state.ports["apiserver"], "/readyz", admin_tls(self.layout.pki))
            st.ready = reason is None
            if reason:
                st.component("kube-apiserver").detail = f"/readyz: {reason}"
            else:
                st.nodes = self._kubectl().ready_nodes()
        return st

    # ---- up ------------------------------------------------------------------------------
    def up(
        self, *, kwok_nodes: int = 2, max_pods: int = 10000, real_node: bool | None = None
    ) -> SandboxStatus:
        """Start everything (building first if needed); a no-op when already healthy.

        ``real_node``: True requires the kubelet + containerd node, False leaves it out,
        None keeps the last choice, or enables it when this machine can run it.
        """
        with self.progress:  # a terminal display ends with the call, error or not
            started = time.monotonic()
            real = self._decide_real_node(real_node)
            current = self.status()
            wanted_nodes = kwok_nodes + (1 if real else 0)
            if current.ready and len(current.nodes) >= wanted_nodes and self.real_node == real:
                machine.register(self.name, self.layout.root)  # one started by an older podbay
                self.progress.step(
                    f"sandbox {self.name!r} is already running at {current.apiserver}"
                )
                return current
            launcher = self._launcher()
            if current.any_running:
                self.progress.step("some components are not healthy; restarting the sandbox")
                launcher.stop_all()
            bins = ensure_binaries(self.progress, real_node=real)
            self.layout.root.mkdir(parents=True, exist_ok=True)
            state = SandboxState(
                name=self.name,
                ports=choose_ports(PORT_NAMES, self.ports),
                bins={k: str(v) for k, v in bins.items()},
                real_node=real,
            )
            self._state_file.save(state)
            machine.register(self.name, self.layout.root)
            issue_cluster_certificates(self.layout.pki)
            server, cluster = server_url(state.ports), cluster_name(self.name)
            write_cert_kubeconfigs(self.layout, server=server, cluster=cluster)
            kubectl = self._kubectl()
            try:
                for comp in ORDER:
                    launcher.start(comp, state)
                    if comp == "kube-apiserver":
                        bootstrap(kubectl, self.layout, server=server, cluster=cluster)
                ensure_kwok_nodes(
                    kubectl, kwok_nodes, max_pods, tainted=real, kwok_port=state.ports["kwok"]
                )
                wait_kwok_nodes_ready(
                    kubectl, kwok_nodes, log=self.layout.log("kwok"), progress=self.progress
                )
                if real:
                    realnode.start_real_node(self.name, state, launcher, kubectl)
            except BaseException:
                launcher.stop_all()
                raise
            self.progress.step(
                f"sandbox {self.name!r} is up at {self.server} "
                f"({elapsed(time.monotonic() - started)}); "
                f"kubeconfig: {self.kubeconfig('admin')}"
            )
            return self.status()

    def build(self, *, real_node: bool | None = None) -> dict[str, Path]:
        """Build (or find cached) everything ``up`` needs, without starting anything.

        ``real_node=None`` means: whatever this machine can run (not the last ``up``'s choice).
        """
        with self.progress:
            if real_node is None:
                real_node = not node.missing_prerequisites()
            real = self._decide_real_node(real_node)
            bins = ensure_binaries(self.progress, real_node=real)
            if real:
                from tui.sandbox import images

                bins.update(images.ensure_images(self.progress))
            return bins

    def _decide_real_node(self, wanted: bool | None) -> bool:
        previous = None
        if wanted is None and self._state_file.exists():
            previous = self.real_node
        return realnode.decide(wanted, previous, self.progress)

    def _launcher(self) -> Launcher:
        return Launcher(self.layout, self._state_file, self.progress, name_flag(self.name))

    # ---- cluster objects -----------------------------------------------------------------
    def _kubectl(self) -> Kubectl:
        return Kubectl(self.binary("kubectl"), self.layout.kubeconfig("admin"), self.layout.logs)

    def kubectl(self, *args: str, stdin: str | None = None, check: bool = True) -> str:
        """Run the sandbox's own kubectl as admin; the output, or SandboxError on failure."""
        return self._kubectl()(*args, stdin=stdin, check=check)

    def apply(self, docs: list[dict[str, Any]] | str) -> None:
        self._kubectl().apply(docs)

    def grant_restricted(self, namespace: str) -> str:
        """Bind the spec's Role to a ServiceAccount in ``namespace``; return a minted token."""
        return grant_restricted(self._kubectl(), namespace)

    def restart(self, component: str, *, down_seconds: float = 0.0) -> None:
        """Stop and start one running component on its ports (fault-injection for tests);
        ``down_seconds`` keeps it stopped that long, an outage clients must notice."""
        state = self._state()
        rec = state.processes.get(component)
        if rec is None:
            raise SandboxError(f"{component} is not part of sandbox {self.name!r}")
        processes.stop(rec)
        time.sleep(down_seconds)
        self._launcher().start(component, state)

    # ---- down ----------------------------------------------------------------------------
    def down(self, *, purge: bool = False) -> list[str]:
        """Stop every component (none is left running); ``purge`` also deletes all data.

        Purging unmounts everything below the sandbox first and refuses to delete while
        anything is still mounted there: a bind mount could lead into the user's files.
        """
        state = self._state_file.load() if self._state_file.exists() else None
        stopped = self._stop_unrecorded() if state is None else self._launcher().stop_all()
        machine.unregister(self.layout.root)
        if purge and self.layout.root.exists():
            if state is None or state.real_node:
                node.delete_bridge(self.layout)
                node.remove_cgroups(self._cgroup_root(state))
            left = unmount_all(self.layout.root)
            if left:
                raise SandboxError(
                    f"not deleting {self.layout.root}: still mounted there: "
                    + ", ".join(map(str, left)),
                    hint="unmount them (umount PATH) and run 'down --purge' again",
                )
            shutil.rmtree(self.layout.root)
        return stopped

    def _cgroup_root(self, state: SandboxState | None) -> str:
        if state is not None and state.cgroup_root:
            return state.cgroup_root
        if state is not None and state.real_node:  # started before the root was recorded
            return machine.legacy_cgroup_root(self.name)
        return machine.cgroup_root(self.name, self.layout.root)

    def _stop_unrecorded(self) -> list[str]:
        """``down`` without a state file (deleted, or lost with its directory): stop the
        processes whose command lines name this sandbox's directory, then the pods'
        containers in its cgroup tree; what was stopped, by command name."""
        if not self.layout.root.exists():
            return []
        found = machine.processes_under(self.layout.root)
        names = [machine.command_name(pid) for pid in found]
        machine.kill_pids(found)
        pods = machine.kill_cgroup_tree(self._cgroup_root(None))
        if found or pods:
            node.kill_orphan_shims(self.layout)
            node.release_network(self.layout)
            self.progress.step(
                f"sandbox {self.name!r} had no state file; stopped {len(found)} processes "
                f"found by their state directory {self.layout.root}"
                + (f" and {pods} container processes" if pods else "")
            )
        return sorted(set(names))
