"""ServiceAccounts with a chosen Role in a test namespace, as kubeconfig files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kubernetes import client

from tests.conftest import Namespace
from tui.sandbox.kubeconfigs import write_kubeconfig


def account_kubeconfig(
    ns: Namespace, directory: Path, name: str, rules: list[dict[str, Any]]
) -> Path:
    """A token kubeconfig for ServiceAccount ``name`` bound to a Role with ``rules``."""
    rbac = client.RbacAuthorizationV1Api(ns.admin)
    ns.core.create_namespaced_service_account(ns.name, {"metadata": {"name": name}})
    rbac.create_namespaced_role(ns.name, {"metadata": {"name": name}, "rules": rules})
    rbac.create_namespaced_role_binding(
        ns.name,
        {
            "metadata": {"name": name},
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": ns.name}],
            "roleRef": {"kind": "Role", "name": name, "apiGroup": "rbac.authorization.k8s.io"},
        },
    )
    minted = ns.core.create_namespaced_service_account_token(
        name, ns.name, {"spec": {"expirationSeconds": 3600}}
    )
    return write_kubeconfig(
        directory / f"{name}.kubeconfig",
        server=ns.sandbox.server,
        cluster="sandbox",
        user=name,
        namespace=ns.name,
        ca=ns.sandbox.ca,
        token=minted.status.token,
    )
