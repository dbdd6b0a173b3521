"""Helpers for the pod-terminal tests: a running pod, and accounts with and without exec."""

from __future__ import annotations

from pathlib import Path

from kubernetes import client

from tests.conftest import Namespace
from tests.kube_helpers import pod_manifest, wait_pod
from tui.sandbox.kubeconfigs import write_kubeconfig

NO_EXEC_ACCOUNT = "no-exec"


def running_pod(ns: Namespace, name: str = "box") -> str:
    """A pod whose container sleeps (a real container on the real node)."""
    ns.core.create_namespaced_pod(
        ns.name, pod_manifest(name, container={"command": ["sleep", "600"]})
    )
    wait_pod(ns.core, ns.name, name, ("Running",))
    return name


def _kubeconfig(ns: Namespace, path: Path, user: str, token: str) -> Path:
    return write_kubeconfig(
        path,
        server=ns.sandbox.server,
        cluster="sandbox",
        user=user,
        namespace=ns.name,
        ca=ns.sandbox.ca,
        token=token,
    )


def restricted_kubeconfig(ns: Namespace, tmp_path: Path) -> Path:
    """A kubeconfig for the spec's least-privilege Role (which includes pods/exec)."""
    token = ns.sandbox.grant_restricted(ns.name)
    return _kubeconfig(ns, tmp_path / "restricted.kubeconfig", "opencode-manager", token)


def no_exec_kubeconfig(ns: Namespace, tmp_path: Path) -> Path:
    """A kubeconfig for an account that may read and manage pods but not exec into them
    (the spec's Role minus ``pods/exec``)."""
    rbac = client.RbacAuthorizationV1Api(ns.admin)
    ns.core.create_namespaced_service_account(ns.name, {"metadata": {"name": NO_EXEC_ACCOUNT}})
    rbac.create_namespaced_role(
        ns.name,
        {
            "metadata": {"name": NO_EXEC_ACCOUNT},
            "rules": [
                {
                    "apiGroups": [""],
                    "resources": ["pods", "pods/log"],
                    "verbs": ["get", "list", "create", "delete"],
                }
            ],
        },
    )
    rbac.create_namespaced_role_binding(
        ns.name,
        {
            "metadata": {"name": NO_EXEC_ACCOUNT},
            "subjects": [{"kind": "ServiceAccount", "name": NO_EXEC_ACCOUNT, "namespace": ns.name}],
            "roleRef": {
                "kind": "Role",
                "name": NO_EXEC_ACCOUNT,
                "apiGroup": "rbac.authorization.k8s.io",
            },
        },
    )
    minted = ns.core.create_namespaced_service_account_token(
        NO_EXEC_ACCOUNT, ns.name, {"spec": {"expirationSeconds": 3600}}
    )
    return _kubeconfig(ns, tmp_path / "no-exec.kubeconfig", NO_EXEC_ACCOUNT, minted.status.token)
