"""Command lines and config files of the sandbox's components.

Everything listens on 127.0.0.1 only, every hop is TLS with sandbox-CA certificates, and
rate limits are lifted so thousands of pods schedule in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

SERVICE_CIDR = "10.96.0.0/16"
KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node"
UNLIMITED_QPS = "5000"

# Start order; ``down`` stops in reverse. The real node's components follow when enabled.
ORDER = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")
NODE_ORDER = ("containerd", "kubelet", "coredns", "kube-proxy")
PORT_NAMES = (
    "etcd",
    "etcd_peer",
    "apiserver",
    "controller_manager",
    "scheduler",
    "kwok",
    "kubelet",
    "kubelet_healthz",
    "coredns_health",
    "kube_proxy_healthz",
    "kube_proxy_metrics",
)


@dataclass(frozen=True)
class Layout:
    """Paths of one sandbox instance."""

    root: Path

    @property
    def pki(self) -> Path:
        return self.root / "pki"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def etcd_data(self) -> Path:
        return self.root / "etcd"

    @property
    def config(self) -> Path:
        return self.root / "config"

    @property
    def kubeconfigs(self) -> Path:
        return self.root / "kubeconfigs"

    @property
    def kwok_logs(self) -> Path:
        """The CRI-format log file kwok serves for every pod on a kwok node."""
        return self.root / "kwok" / "pod.log"

    @property
    def state(self) -> Path:
        return self.root / "state.json"

    def log(self, component: str) -> Path:
        return self.logs / f"{component}.log"

    def kubeconfig(self, name: str) -> Path:
        return self.kubeconfigs / f"{name}.kubeconfig"


def etcd_argv(binary: Path, lay: Layout, ports: dict[str, int]) -> list[str]:
    pki = lay.pki
    client = f"https://127.0.0.1:{ports['etcd']}"
    peer = f"http://127.0.0.1:{ports['etcd_peer']}"
    return [
        str(binary),
        "--name=sandbox",
        f"--data-dir={lay.etcd_data}",
        f"--listen-client-urls={client}",
        f"--advertise-client-urls={client}",
        f"--listen-peer-urls={peer}",
        f"--initial-advertise-peer-urls={peer}",
        f"--initial-cluster=sandbox={peer}",
        "--listen-metrics-urls=",
        f"--cert-file={pki / 'etcd-server.crt'}",
        f"--key-file={pki / 'etcd-server.key'}",
        f"--trusted-ca-file={pki / 'ca.crt'}",
        "--client-cert-auth=true",
        # A throwaway cluster: durability is not worth an fsync per write on a slow disk.
        "--unsafe-no-fsync=true",
        "--quota-backend-bytes=8589934592",
        "--log-level=warn",
    ]


def apiserver_argv(binary: Path, lay: Layout, ports: dict[str, int]) -> list[str]:
    pki = lay.pki
    return [
        str(binary),
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        f"--secure-port={ports['apiserver']}",
        f"--etcd-servers=https://127.0.0.1:{ports['etcd']}",
        f"--etcd-cafile={pki / 'ca.crt'}",
        f"--etcd-certfile={pki / 'apiserver-etcd-client.crt'}",
        f"--etcd-keyfile={pki / 'apiserver-etcd-client.key'}",
        f"--client-ca-file={pki / 'ca.crt'}",
        f"--tls-cert-file={pki / 'apiserver.crt'}",
        f"--tls-private-key-file={pki / 'apiserver.key'}",
        f"--kubelet-client-certificate={pki / 'apiserver-kubelet-client.crt'}",
        f"--kubelet-client-key={pki / 'apiserver-kubelet-client.key'}",
        f"--kubelet-certificate-authority={pki / 'ca.crt'}",
        "--kubelet-preferred-address-types=InternalIP,Hostname",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        f"--service-account-key-file={pki / 'sa.pub'}",
        f"--service-account-signing-key-file={pki / 'sa.key'}",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        "--authorization-mode=Node,RBAC",
        "--allow-privileged=true",
        # The "kubernetes" Service cannot point at a loopback address; skip reconciling it.
        "--endpoint-reconciler-type=none",
        "--profiling=false",
        "--max-requests-inflight=2000",
        "--max-mutating-requests-inflight=1000",
        "--event-ttl=30m",
    ]


def controller_manager_argv(binary: Path, lay: Layout, ports: dict[str, int]) -> list[str]:
    pki = lay.pki
    kubeconfig = lay.kubeconfig("controller-manager")
    return [
        str(binary),
        f"--kubeconfig={kubeconfig}",
        f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        "--bind-address=127.0.0.1",
        f"--secure-port={ports['controller_manager']}",
        "--leader-elect=false",
        f"--service-account-private-key-file={pki / 'sa.key'}",
        f"--root-ca-file={pki / 'ca.crt'}",
        f"--cluster-signing-cert-file={pki / 'ca.crt'}",
        f"--cluster-signing-key-file={pki / 'ca.key'}",
        "--use-service-account-credentials=true",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        f"--kube-api-qps={UNLIMITED_QPS}",
        f"--kube-api-burst={UNLIMITED_QPS}",
        "--concurrent-gc-syncs=50",
        "--concurrent-namespace-syncs=20",
        "--profiling=false",
    ]


def scheduler_config(lay: Layout) -> Path:
    path = lay.config / "scheduler.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "apiVersion": "kubescheduler.config.k8s.io/v1",
        "kind": "KubeSchedulerConfiguration",
        "clientConnection": {
            "kubeconfig": str(lay.kubeconfig("scheduler")),
            "qps": float(UNLIMITED_QPS),
            "burst": int(UNLIMITED_QPS),
        },
        "leaderElection": {"leaderElect": False},
    }
    path.write_text(yaml.safe_dump(doc))
    return path


def scheduler_argv(binary: Path, lay: Layout, ports: dict[str, int]) -> list[str]:
    kubeconfig = lay.kubeconfig("scheduler")
    return [
        str(binary),
        f"--config={scheduler_config(lay)}",
        f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        "--bind-address=127.0.0.1",
        f"--secure-port={ports['scheduler']}",
        "--profiling=false",
    ]


def kwok_config(lay: Layout) -> Path:
    """kwok's config: every pod on a kwok node gets the same log file and local exec.

    Exec runs on the host as ``nobody`` in ``/``: kwok pods have no container, so the least
    privilege we can give it is an unprivileged user that cannot read the sandbox's keys.
    """
    path = lay.config / "kwok.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    lay.kwok_logs.parent.mkdir(parents=True, exist_ok=True)
    if not lay.kwok_logs.exists():
        lay.kwok_logs.write_text(
            "1970-01-01T00:00:00.000000000Z stdout F podbay sandbox: this pod is on a kwok "
            "node; it runs no container (logs come from a shared file)\n"
        )
    lay.kwok_logs.chmod(0o666)
    docs = [
        {
            "apiVersion": "kwok.x-k8s.io/v1alpha1",
            "kind": "ClusterLogs",
            "metadata": {"name": "podbay-logs"},
            "spec": {"logs": [{"logsFile": str(lay.kwok_logs), "follow": True}]},
        },
        {
            "apiVersion": "kwok.x-k8s.io/v1alpha1",
            "kind": "ClusterExec",
            "metadata": {"name": "podbay-exec"},
            "spec": {
                "execs": [
                    {
                        "local": {
                            "workDir": "/",
                            "securityContext": {"runAsUser": 65534, "runAsGroup": 65534},
                        }
                    }
                ]
            },
        },
    ]
    path.write_text(yaml.safe_dump_all(docs))
    return path


def kwok_argv(binary: Path, lay: Layout, ports: dict[str, int]) -> list[str]:
    pki = lay.pki
    return [
        str(binary),
        f"--kubeconfig={lay.kubeconfig('kwok')}",
        f"--config={kwok_config(lay)}",
        f"--manage-nodes-with-annotation-selector={KWOK_NODE_ANNOTATION}=fake",
        "--node-ip=127.0.0.1",
        "--node-name=localhost",
        f"--node-port={ports['kwok']}",
        f"--server-address=127.0.0.1:{ports['kwok']}",
        f"--tls-cert-file={pki / 'kwok-serving.crt'}",
        f"--tls-private-key-file={pki / 'kwok-serving.key'}",
        # Without a lease duration kwok v0.7 heartbeats only every ~10 min and
        # the node lifecycle controller marks its nodes NotReady.
        "--node-lease-duration-seconds=40",
    ]
