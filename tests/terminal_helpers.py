"""Helpers for the pod-terminal tests: a running pod, and accounts with and without exec."""

from __future__ import annotations

from pathlib import Path

from tests.accounts import account_kubeconfig
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
    rules = [
        {
            "apiGroups": [""],
            "resources": ["pods", "pods/log"],
            "verbs": ["get", "list", "create", "delete"],
        }
    ]
    return account_kubeconfig(ns, tmp_path, NO_EXEC_ACCOUNT, rules)
