"""What ``up`` applies once the apiserver answers, before the other components start."""

from __future__ import annotations

from pathlib import Path
from string import Template

from tui.sandbox.components import Layout
from tui.sandbox.kubeconfigs import write_token_kubeconfigs
from tui.sandbox.kubectl import Kubectl
from tui.sandbox.kwoknodes import release_kwok_leases

# The spec's least-privilege account; its Role is manifests/restricted-rbac.yaml.
RESTRICTED_NAMESPACE = "opencode-manager"
RESTRICTED_ACCOUNT = "opencode-manager"
MANIFESTS = Path(__file__).resolve().parent / "manifests"


def grant_restricted(kubectl: Kubectl, namespace: str) -> str:
    """Bind the spec's Role to a ServiceAccount in ``namespace``; return a minted token."""
    manifest = Template((MANIFESTS / "restricted-rbac.yaml").read_text())
    kubectl.apply(manifest.substitute(NAMESPACE=namespace))
    return kubectl(
        "create", "token", RESTRICTED_ACCOUNT, "-n", namespace, "--duration=8760h"
    ).strip()


def bootstrap(kubectl: Kubectl, lay: Layout, *, server: str, cluster: str) -> None:
    """The restricted account and its kubeconfigs, CoreDNS's RBAC, and kwok's old leases."""
    kubectl("create", "namespace", RESTRICTED_NAMESPACE, check=False)
    token = grant_restricted(kubectl, RESTRICTED_NAMESPACE)
    write_token_kubeconfigs(
        lay,
        "restricted",
        server=server,
        cluster=cluster,
        account=RESTRICTED_ACCOUNT,
        namespace=RESTRICTED_NAMESPACE,
        token=token,
    )
    kubectl.apply((MANIFESTS / "coredns-rbac.yaml").read_text())
    release_kwok_leases(kubectl)
