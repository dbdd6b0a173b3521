"""Which certificates the sandbox issues from its CA (the mechanics are in :mod:`pki`).

Each file stem in ``pki/`` is what :mod:`components`, :mod:`node` and :mod:`kubeconfigs`
refer to; client certificates carry the user and groups RBAC sees.
"""

from __future__ import annotations

import ssl
from pathlib import Path

from tui.sandbox import health, node
from tui.sandbox.pki import Authority, CertPair, service_account_keys

LOCAL_HOSTS = ("127.0.0.1", "localhost")
# Names a pod may use for the apiserver; 10.96.0.1 is the kubernetes Service's ClusterIP.
APISERVER_HOSTS = (
    *LOCAL_HOSTS,
    "10.96.0.1",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
)


def issue_cluster_certificates(pki: Path) -> None:
    """The CA (created once), every component's certificate and the service-account keys."""
    ca = Authority(pki)
    ca.issue("apiserver", "kube-apiserver", server=True, hosts=APISERVER_HOSTS)
    ca.issue("etcd-server", "etcd", server=True, client=True, hosts=LOCAL_HOSTS)
    ca.issue("apiserver-etcd-client", "kube-apiserver-etcd-client", client=True)
    ca.issue(
        "apiserver-kubelet-client",
        "kube-apiserver-kubelet-client",
        orgs=("system:masters",),
        client=True,
    )
    ca.issue("kwok-serving", "kwok", server=True, hosts=LOCAL_HOSTS)
    ca.issue("admin", "podbay-admin", orgs=("system:masters",), client=True)
    ca.issue("controller-manager", "system:kube-controller-manager", client=True)
    ca.issue("scheduler", "system:kube-scheduler", client=True)
    ca.issue("kwok", "kwok-controller", orgs=("system:masters",), client=True)
    ca.issue("kubelet", f"system:node:{node.NODE_NAME}", orgs=("system:nodes",), client=True)
    ca.issue("kube-proxy", "system:kube-proxy", client=True)
    ca.issue("coredns", "podbay-coredns", client=True)
    service_account_keys(pki)


def issue_kubelet_serving(pki: Path, node_ip: str) -> None:
    """The kubelet's serving certificate, one per node IP (the sandbox bridge's gateway)."""
    Authority(pki).issue(
        node.serving_cert_stem(node_ip),
        f"system:node:{node.NODE_NAME}",
        orgs=("system:nodes",),
        server=True,
        hosts=(node_ip, node.NODE_NAME),
    )


def ca_file(pki: Path) -> Path:
    return pki / "ca.crt"


def admin_tls(pki: Path) -> ssl.SSLContext:
    """A client context for the apiserver as the admin user."""
    return health.tls_context(ca_file(pki), CertPair(pki / "admin.crt", pki / "admin.key"))


def etcd_client_tls(pki: Path) -> ssl.SSLContext:
    pair = CertPair(pki / "apiserver-etcd-client.crt", pki / "apiserver-etcd-client.key")
    return health.tls_context(ca_file(pki), pair)
