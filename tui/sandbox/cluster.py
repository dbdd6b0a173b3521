"""One sandbox instance: start, stop and inspect its processes, write its kubeconfigs."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

import yaml

from tui.sandbox import build, health, node, processes
from tui.sandbox.components import (
    KWOK_TAINT_KEY,
    NODE_ORDER,
    ORDER,
    PORT_NAMES,
    Layout,
    apiserver_argv,
    controller_manager_argv,
    etcd_argv,
    kwok_argv,
    kwok_node,
    scheduler_argv,
)
from tui.sandbox.errors import SandboxError
from tui.sandbox.kubeconfigs import write_kubeconfig
from tui.sandbox.mounts import unmount_all
from tui.sandbox.paths import state_root, validate_name
from tui.sandbox.pki import Authority, CertPair, service_account_keys
from tui.sandbox.ports import is_free, pick_free
from tui.sandbox.processes import ProcRecord
from tui.sandbox.progress import Progress, elapsed

RESTRICTED_NAMESPACE = "opencode-manager"
RESTRICTED_ACCOUNT = "opencode-manager"
MANIFESTS = Path(__file__).resolve().parent / "manifests"
USERS = ("admin", "restricted")

_Argv = Callable[[Path, Layout, dict[str, int]], list[str]]
_ARGV: dict[str, tuple[str, _Argv]] = {
    "etcd": ("etcd", etcd_argv),
    "kube-apiserver": ("kube-apiserver", apiserver_argv),
    "kube-controller-manager": ("kube-controller-manager", controller_manager_argv),
    "kube-scheduler": ("kube-scheduler", scheduler_argv),
    "kwok": ("kwok", kwok_argv),
    "containerd": ("containerd", node.containerd_argv),
    "kubelet": ("kubelet", node.kubelet_argv),
    "coredns": ("coredns", node.coredns_argv),
    "kube-proxy": ("kube-proxy", node.kube_proxy_argv),
}
_START_TIMEOUT = {"etcd": 30.0, "kube-apiserver": 90.0, "kubelet": 60.0}
_HINTS = {
    "etcd": "etcd keeps its data in {root}/etcd; if it is corrupt, run "
    "'podbay sandbox down --purge' and 'up' again",
    "kube-apiserver": "the apiserver needs etcd and its certificates in {root}/pki; "
    "'podbay sandbox down --purge' recreates both",
}


@dataclass
class ComponentStatus:
    name: str
    state: str  # running | stopped | exited
    pid: int | None = None
    detail: str = ""


@dataclass
class SandboxStatus:
    name: str
    root: Path
    components: list[ComponentStatus] = field(default_factory=list)
    apiserver: str | None = None
    ready: bool = False
    nodes: list[str] = field(default_factory=list)

    @property
    def any_running(self) -> bool:
        return any(c.state == "running" for c in self.components)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "root": str(self.root),
            "apiserver": self.apiserver,
            "ready": self.ready,
            "nodes": self.nodes,
            "components": [c.__dict__ for c in self.components],
        }


class Sandbox:
    """A local Kubernetes under ``state_root()/<name>``; see :meth:`up` and :meth:`down`."""

    def __init__(self, name: str = "default", progress: Progress | None = None) -> None:
        self.name = validate_name(name)
        self.layout = Layout(state_root() / name)
        self.progress = progress or Progress()

    # ---- state ---------------------------------------------------------------------------
    def _read_state(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self.layout.state.read_text())
            return data
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise SandboxError(
                f"the sandbox state file {self.layout.state} is unreadable: {exc}",
                hint="run 'podbay sandbox down --purge' to reset this sandbox",
            ) from exc

    def _write_state(self, state: dict[str, Any]) -> None:
        self.layout.root.mkdir(parents=True, exist_ok=True)
        tmp = self.layout.state.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2))
        tmp.replace(self.layout.state)

    def _records(self, state: dict[str, Any]) -> dict[str, ProcRecord]:
        return {k: ProcRecord.from_json(v) for k, v in state.get("processes", {}).items()}

    @property
    def ports(self) -> dict[str, int]:
        return dict(self._read_state().get("ports", {}))

    @property
    def server(self) -> str:
        port = self.ports.get("apiserver")
        if not port:
            raise SandboxError(
                f"sandbox {self.name!r} has never been started",
                hint=f"run 'podbay sandbox up{self._name_flag}'",
            )
        return f"https://127.0.0.1:{port}"

    @property
    def _name_flag(self) -> str:
        return "" if self.name == "default" else f" --name {self.name}"

    def binary(self, name: str) -> Path:
        bins = self._read_state().get("bins", {})
        if name not in bins:
            raise SandboxError(
                f"sandbox {self.name!r} has no {name} binary recorded",
                hint=f"run 'podbay sandbox up{self._name_flag}'",
            )
        return Path(bins[name])

    @property
    def ca(self) -> Path:
        return self.layout.pki / "ca.crt"

    def kubeconfig(self, user: str = "admin", *, with_ca: bool = True) -> Path:
        if user not in USERS:
            raise SandboxError(f"unknown sandbox user {user!r}; choose one of {', '.join(USERS)}")
        path = self.layout.kubeconfig(user if with_ca else f"{user}-noca")
        if not path.exists():
            raise SandboxError(
                f"sandbox {self.name!r} has no {user} kubeconfig yet",
                hint=f"run 'podbay sandbox up{self._name_flag}'",
            )
        return path

    # ---- status --------------------------------------------------------------------------
    def status(self) -> SandboxStatus:
        state = self._read_state()
        st = SandboxStatus(self.name, self.layout.root)
        records = self._records(state)
        for comp in self._order(state):
            rec = records.get(comp)
            if rec is None:
                st.components.append(ComponentStatus(comp, "stopped"))
            elif processes.alive(rec):
                st.components.append(ComponentStatus(comp, "running", rec.pid))
            else:
                st.components.append(ComponentStatus(comp, "exited", rec.pid, f"see {rec.log}"))
        if state.get("ports"):
            st.apiserver = self.server
        if all(c.state == "running" for c in st.components):
            reason = health.probe(state["ports"]["apiserver"], "/readyz", self._admin_tls())
            st.ready = reason is None
            if reason:
                st.components[1].detail = f"/readyz: {reason}"
            else:
                st.nodes = self._ready_nodes()
        return st

    @staticmethod
    def _order(state: dict[str, Any]) -> tuple[str, ...]:
        if not state.get("real_node"):
            return ORDER
        if state.get("services") is False:  # another sandbox owns the host's Service rules
            return ORDER + tuple(c for c in NODE_ORDER if c != "kube-proxy")
        return ORDER + NODE_ORDER

    @property
    def real_node(self) -> bool:
        return bool(self._read_state().get("real_node"))

    @property
    def services(self) -> bool:
        """Whether Service ClusterIPs route here (this sandbox runs kube-proxy)."""
        state = self._read_state()
        return bool(state.get("real_node")) and state.get("services") is not False

    def _admin_tls(self) -> Any:
        pair = CertPair(self.layout.pki / "admin.crt", self.layout.pki / "admin.key")
        return health.tls_context(self.ca, pair)

    def _ready_nodes(self) -> list[str]:
        out = self.kubectl("get", "nodes", "-o", "json", check=False)
        try:
            items = json.loads(out).get("items", [])
        except ValueError:
            return []
        return [
            n["metadata"]["name"]
            for n in items
            if any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for c in n.get("status", {}).get("conditions", [])
            )
        ]

    # ---- up ------------------------------------------------------------------------------
    def up(
        self, *, kwok_nodes: int = 2, max_pods: int = 10000, real_node: bool | None = None
    ) -> SandboxStatus:
        """Start everything (building first if needed); a no-op when already healthy.

        ``real_node``: True requires the kubelet + containerd node, False leaves it out,
        None keeps the last choice, or enables it when this machine can run it.
        """
        started = time.monotonic()
        real = self._decide_real_node(real_node)
        current = self.status()
        wanted_nodes = kwok_nodes + (1 if real else 0)
        if current.ready and len(current.nodes) >= wanted_nodes and self.real_node == real:
            self.progress.step(f"sandbox {self.name!r} is already running at {current.apiserver}")
            return current
        if current.any_running:
            self.progress.step("some components are not healthy; restarting the sandbox")
            self._stop_processes()
        bins = self._ensure_binaries(real)
        self.layout.root.mkdir(parents=True, exist_ok=True)
        ports = self._choose_ports()
        state: dict[str, Any] = {
            "name": self.name,
            "ports": ports,
            "bins": {k: str(v) for k, v in bins.items()},
            "processes": {},
            "real_node": real,
        }
        self._write_state(state)
        self._write_pki()
        self._write_component_kubeconfigs(ports)
        try:
            for comp in ORDER:
                self._start(comp, bins, ports, state)
                if comp == "kube-apiserver":
                    self._bootstrap_restricted()
                    self._bootstrap_cluster_roles()
                    self._release_kwok_leases()
            self._ensure_kwok_nodes(kwok_nodes, max_pods, tainted=real, kwok_port=ports["kwok"])
            self._wait_ready(
                lambda ready: sum(n.startswith("kwok-node-") for n in ready) >= kwok_nodes,
                f"{kwok_nodes} kwok nodes",
                "kwok",
                "check that kwok is running ('podbay sandbox status')",
                timeout=60.0,
            )
            if real:
                self._start_real_node(bins, ports, state)
        except BaseException:
            self._stop_processes()
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
        if real_node is None:
            real_node = not node.missing_prerequisites()
        real = self._decide_real_node(real_node)
        bins = self._ensure_binaries(real)
        if real:
            from tui.sandbox import images

            bins.update(images.ensure_images(self.progress))
        return bins

    def _decide_real_node(self, wanted: bool | None) -> bool:
        if wanted is None and self.layout.state.exists():
            wanted = self.real_node
        missing = node.missing_prerequisites()
        if wanted and missing:
            raise SandboxError(
                "the real node cannot run on this machine; missing: " + "; ".join(missing),
                hint="install them (as root: make deps), or use --no-real-node for kwok only",
            )
        if wanted is None:
            if missing:
                self.progress.step(
                    "real node disabled (missing: " + "; ".join(missing) + "); kwok nodes only"
                )
            return not missing
        return wanted

    def _start_real_node(
        self, bins: dict[str, Path], ports: dict[str, int], state: dict[str, Any]
    ) -> None:
        from tui.sandbox import images

        archives = images.ensure_images(self.progress)
        node.prepare_cgroups(self.name)
        bridge, subnet, node_ip = node.ensure_bridge(self.name)
        Authority(self.layout.pki).issue(
            node.serving_cert_stem(node_ip),
            f"system:node:{node.NODE_NAME}",
            orgs=("system:nodes",),
            server=True,
            hosts=(node_ip, node.NODE_NAME),
        )
        node.write_cni_config(self.layout, bridge, subnet)
        node.write_containerd_config(self.layout, self.name)
        node.write_kubelet_config(self.layout, self.name, ports, node_ip)
        self._start("containerd", bins, ports, state)
        t0 = time.monotonic()
        images.import_images(node.ctr_argv(self.layout)[:-2], archives)
        self.progress.step(f"images ready in containerd in {time.monotonic() - t0:.1f}s")
        self._start("kubelet", bins, ports, state)
        self._wait_ready(
            lambda ready: node.NODE_NAME in ready,
            f"the real node {node.NODE_NAME}",
            "kubelet",
            "read the kubelet log above; 'podbay sandbox status' shows what runs",
            timeout=90.0,
        )
        node.write_coredns_config(self.layout, ports, node_ip)
        self._start("coredns", bins, ports, state)
        owner = self._other_kube_proxy()
        state["services"] = owner is None
        self._write_state(state)
        if owner is not None:
            self.progress.step(
                f"kube-proxy not started: sandbox {owner!r} already programs this machine's "
                "iptables Service rules (one sandbox at a time); Service ClusterIPs will not "
                "route here, pod IPs and DNS do"
            )
            return
        node.enable_forwarding()
        node.write_kube_proxy_config(self.layout, ports, subnet)
        self._start("kube-proxy", bins, ports, state)

    def _other_kube_proxy(self) -> str | None:
        """The name of another sandbox whose kube-proxy is running on this machine."""
        for name in list_sandboxes():
            if name == self.name:
                continue
            other = Sandbox(name, Progress(quiet=True))
            rec = other._records(other._read_state()).get("kube-proxy")
            if rec is not None and processes.alive(rec):
                return name
        return None

    def _ensure_binaries(self, real_node: bool) -> dict[str, Path]:
        bins: dict[str, Path] = {}
        for binset in (*build.CONTROL_PLANE_SETS, *((build.COREDNS,) if real_node else ())):
            directory = build.ensure_built(binset, self.progress)
            for name in binset.packages:
                bins[name] = directory / name
        if real_node:
            bins["containerd"] = Path(shutil.which("containerd") or "/usr/bin/containerd")
        return bins

    def _choose_ports(self) -> dict[str, int]:
        """Keep last run's ports when they are still free (etcd remembers its peer URL)."""
        old = self.ports
        if set(old) == set(PORT_NAMES) and all(is_free(p) for p in old.values()):
            return old
        fresh = pick_free(len(PORT_NAMES))
        return dict(zip(PORT_NAMES, fresh, strict=True))

    def _write_pki(self) -> None:
        ca = Authority(self.layout.pki)
        hosts = (
            "127.0.0.1",
            "localhost",
            "10.96.0.1",
            "kubernetes",
            "kubernetes.default",
            "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local",
        )
        ca.issue("apiserver", "kube-apiserver", server=True, hosts=hosts)
        ca.issue("etcd-server", "etcd", server=True, client=True, hosts=("127.0.0.1", "localhost"))
        ca.issue("apiserver-etcd-client", "kube-apiserver-etcd-client", client=True)
        ca.issue(
            "apiserver-kubelet-client",
            "kube-apiserver-kubelet-client",
            orgs=("system:masters",),
            client=True,
        )
        ca.issue("kwok-serving", "kwok", server=True, hosts=("127.0.0.1", "localhost"))
        ca.issue("admin", "podbay-admin", orgs=("system:masters",), client=True)
        ca.issue("controller-manager", "system:kube-controller-manager", client=True)
        ca.issue("scheduler", "system:kube-scheduler", client=True)
        ca.issue("kwok", "kwok-controller", orgs=("system:masters",), client=True)
        ca.issue("kubelet", f"system:node:{node.NODE_NAME}", orgs=("system:nodes",), client=True)
        ca.issue("kube-proxy", "system:kube-proxy", client=True)
        ca.issue("coredns", "podbay-coredns", client=True)
        service_account_keys(self.layout.pki)

    def _write_component_kubeconfigs(self, ports: dict[str, int]) -> None:
        server = f"https://127.0.0.1:{ports['apiserver']}"
        pki = self.layout.pki
        users = (
            "admin",
            "controller-manager",
            "scheduler",
            "kwok",
            "kubelet",
            "kube-proxy",
            "coredns",
        )
        for user in users:
            write_kubeconfig(
                self.layout.kubeconfig(user),
                server=server,
                cluster=self._cluster_name,
                user=user if user != "admin" else "podbay-admin",
                ca=self.ca,
                client_cert=pki / f"{user}.crt",
                client_key=pki / f"{user}.key",
            )
        write_kubeconfig(
            self.layout.kubeconfig("admin-noca"),
            server=server,
            cluster=self._cluster_name,
            user="podbay-admin",
            client_cert=pki / "admin.crt",
            client_key=pki / "admin.key",
        )

    @property
    def _cluster_name(self) -> str:
        return f"podbay-sandbox-{self.name}"

    def _start(
        self, comp: str, bins: dict[str, Path], ports: dict[str, int], state: dict[str, Any]
    ) -> None:
        binary_name, argv_of = _ARGV[comp]
        log = self.layout.log(comp)
        argv = argv_of(bins[binary_name], self.layout, ports)
        t0 = time.monotonic()
        self.progress.update(f"starting {comp}", every=0)
        rec = processes.start(argv, log)
        state["processes"][comp] = rec.to_json()
        self._write_state(state)
        reason = health.wait_until(
            self._health_check(comp, ports),
            _START_TIMEOUT.get(comp, 45.0),
            still_running=lambda: processes.alive(rec),
        )
        if reason is not None:
            exited = not processes.alive(rec)
            what = (
                f"{comp} exited during start-up"
                if exited
                else f"{comp} did not become healthy within "
                f"{_START_TIMEOUT.get(comp, 45.0):.0f}s ({reason})"
            )
            hint = _HINTS.get(comp, "").format(root=self.layout.root) or (
                f"read {log}; 'podbay sandbox down{self._name_flag}' then 'up' retries"
            )
            if "address already in use" in _log_text(log):
                hint = (
                    "a port was taken between choosing and binding it; run "
                    f"'podbay sandbox up{self._name_flag}' again to pick new ports"
                )
            raise SandboxError(what, log=log, hint=hint)
        self.progress.step(f"{comp} ready in {time.monotonic() - t0:.1f}s (pid {rec.pid})")

    def _health_check(self, comp: str, ports: dict[str, int]) -> Callable[[], str | None]:
        pki = self.layout.pki
        if comp == "etcd":
            etcd_tls = health.tls_context(
                self.ca,
                CertPair(pki / "apiserver-etcd-client.crt", pki / "apiserver-etcd-client.key"),
            )
            return lambda: health.probe(ports["etcd"], "/health", etcd_tls)
        if comp == "kube-apiserver":
            admin = self._admin_tls()
            return lambda: health.probe(ports["apiserver"], "/readyz", admin)
        if comp == "containerd":
            argv = [*node.ctr_argv(self.layout)[:-2], "version"]
            return lambda: (
                None
                if subprocess.run(argv, capture_output=True, check=False, timeout=10).returncode
                == 0
                else "ctr version failed"
            )
        if comp == "kubelet":
            return lambda: health.probe(ports["kubelet_healthz"], "/healthz", None)
        if comp == "coredns":
            return lambda: health.probe(ports["coredns_health"], "/health", None)
        if comp == "kube-proxy":
            return lambda: health.probe(ports["kube_proxy_healthz"], "/livez", None)
        if comp == "kwok":
            kwok_tls = health.tls_context(self.ca)
            return lambda: health.probe(ports["kwok"], "/healthz", kwok_tls)
        port = ports["controller_manager" if comp == "kube-controller-manager" else "scheduler"]
        insecure = health.tls_context(None)  # self-signed serving certs; /healthz is public
        return lambda: health.probe(port, "/healthz", insecure)

    # ---- cluster objects -----------------------------------------------------------------
    def kubectl(self, *args: str, stdin: str | None = None, check: bool = True) -> str:
        """Run the sandbox's own kubectl as admin; the output, or SandboxError on failure."""
        argv = [str(self.binary("kubectl")), f"--kubeconfig={self.layout.kubeconfig('admin')}"]
        proc = subprocess.run(
            [*argv, *args], input=stdin, capture_output=True, text=True, check=False, timeout=120
        )
        if check and proc.returncode != 0:
            raise SandboxError(
                f"kubectl {' '.join(args)} failed: {proc.stderr.strip()}",
                hint=f"inspect {self.layout.logs}",
            )
        return proc.stdout

    def apply(self, docs: list[dict[str, Any]] | str) -> None:
        text = docs if isinstance(docs, str) else yaml.safe_dump_all(docs)
        self.kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", stdin=text)

    def grant_restricted(self, namespace: str) -> str:
        """Bind the spec's Role to a ServiceAccount in ``namespace``; return a minted token."""
        manifest = Template((MANIFESTS / "restricted-rbac.yaml").read_text())
        self.apply(manifest.substitute(NAMESPACE=namespace))
        token = self.kubectl(
            "create", "token", RESTRICTED_ACCOUNT, "-n", namespace, "--duration=8760h"
        ).strip()
        return token

    def _bootstrap_cluster_roles(self) -> None:
        self.apply((MANIFESTS / "coredns-rbac.yaml").read_text())

    def _bootstrap_restricted(self) -> None:
        self.kubectl("create", "namespace", RESTRICTED_NAMESPACE, check=False)
        token = self.grant_restricted(RESTRICTED_NAMESPACE)
        for suffix, ca in (("", self.ca), ("-noca", None)):
            write_kubeconfig(
                self.layout.kubeconfig(f"restricted{suffix}"),
                server=self.server,
                cluster=self._cluster_name,
                user=RESTRICTED_ACCOUNT,
                namespace=RESTRICTED_NAMESPACE,
                ca=ca,
                token=token,
            )

    def _release_kwok_leases(self) -> None:
        """Drop node leases a previous kwok held, so the new kwok manages the nodes at once.

        kwok only manages a node whose Lease it holds; after a restart it would otherwise
        wait for the old lease (40 s) to expire, and new pods would stay Pending meanwhile.
        """
        nodes = self.kubectl(
            "get", "nodes", "-l", "type=kwok", "-o", "jsonpath={.items[*].metadata.name}"
        ).split()
        if nodes:
            self.kubectl("delete", "lease", "-n", "kube-node-lease", "--ignore-not-found", *nodes)

    def _ensure_kwok_nodes(
        self, count: int, max_pods: int, *, tainted: bool, kwok_port: int
    ) -> None:
        """Create missing kwok nodes; with a real node, taint them so only pods that
        tolerate ``kwok.x-k8s.io/node`` (scale tests) land there. Nodes kept from an earlier
        run point their kubelet endpoint at this run's kwok port (it changes on every up),
        or logs and exec on them would be refused."""
        nodes = [
            kwok_node(f"kwok-node-{i}", i, max_pods=max_pods, tainted=tainted) for i in range(count)
        ]
        existing = set(self.kubectl("get", "nodes", "-o", "name").split())
        missing = [n for n in nodes if f"node/{n['metadata']['name']}" not in existing]  # type: ignore[index]
        if missing:
            # create (not apply): a Node's status is only taken from the create request
            self.kubectl("create", "-f", "-", stdin=yaml.safe_dump_all(missing))
        endpoint = {"status": {"daemonEndpoints": {"kubeletEndpoint": {"Port": kwok_port}}}}
        for n in nodes:
            if n not in missing:
                name = n["metadata"]["name"]  # type: ignore[index]
                self.kubectl(
                    "patch",
                    "node",
                    name,
                    "--subresource=status",
                    "--type=merge",
                    "-p",
                    json.dumps(endpoint),
                )
        taint = f"{KWOK_TAINT_KEY}=fake:NoSchedule"
        if tainted:
            self.kubectl("taint", "nodes", "-l", "type=kwok", taint, "--overwrite")
        else:
            self.kubectl("taint", "nodes", "-l", "type=kwok", f"{KWOK_TAINT_KEY}-", check=False)

    def _wait_ready(
        self, ok: Callable[[list[str]], bool], what: str, log: str, hint: str, timeout: float
    ) -> None:
        """Wait until ``ok(ready node names)``; explain with ``log``'s tail if it never is."""
        t0 = time.monotonic()
        reason = health.wait_until(
            lambda: None if ok(self._ready_nodes()) else f"{what} not Ready",
            timeout,
            interval=0.3,
        )
        if reason:
            raise SandboxError(
                f"{what} did not become Ready within {timeout:.0f}s",
                log=self.layout.log(log),
                hint=hint,
            )
        self.progress.step(f"{what} Ready in {time.monotonic() - t0:.1f}s")

    def restart(self, component: str, *, down_seconds: float = 0.0) -> None:
        """Stop and start one running component on its ports (fault-injection for tests);
        ``down_seconds`` keeps it stopped that long, an outage clients must notice."""
        state = self._read_state()
        records = self._records(state)
        if component not in records:
            raise SandboxError(f"{component} is not part of sandbox {self.name!r}")
        processes.stop(records[component])
        time.sleep(down_seconds)
        bins = {k: Path(v) for k, v in state["bins"].items()}
        self._start(component, bins, state["ports"], state)

    # ---- down ----------------------------------------------------------------------------
    def _stop_processes(self) -> list[str]:
        state = self._read_state()
        records = self._records(state)
        stopped = []
        for comp in reversed(self._order(state)):
            rec = records.get(comp)
            if comp == "containerd" and rec is not None and processes.alive(rec):
                node.stop_workloads(self.layout)  # the kubelet is already stopped
            if rec is not None and processes.alive(rec):
                processes.stop(rec)
                stopped.append(comp)
            if comp == "containerd" and state.get("real_node"):
                node.kill_orphan_shims(self.layout)
                node.release_network(self.layout)
        state["processes"] = {}
        if state:
            self._write_state(state)
        return stopped

    def down(self, *, purge: bool = False) -> list[str]:
        """Stop every component (none is left running); ``purge`` also deletes all data.

        Purging unmounts everything below the sandbox first and refuses to delete while
        anything is still mounted there: a bind mount could lead into the user's files.
        """
        stopped = self._stop_processes() if self.layout.state.exists() else []
        if purge and self.layout.root.exists():
            if self.real_node:
                node.delete_bridge(self.layout)
                node.remove_cgroups(self.name)
            left = unmount_all(self.layout.root)
            if left:
                raise SandboxError(
                    f"not deleting {self.layout.root}: still mounted there: "
                    + ", ".join(map(str, left)),
                    hint="unmount them (umount PATH) and run 'down --purge' again",
                )
            shutil.rmtree(self.layout.root)
        return stopped


def _log_text(path: Path) -> str:
    try:
        return path.read_text(errors="replace")[-20000:]
    except OSError:
        return ""


def list_sandboxes() -> list[str]:
    root = state_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "state.json").exists())
