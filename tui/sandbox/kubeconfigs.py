"""Kubeconfig files for the sandbox's users and components."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import yaml

from tui.sandbox.components import Layout

USERS = ("admin", "restricted")  # the users `podbay sandbox kubeconfig` hands out
# Certificate users, each with a kubeconfig (and a cert of that name in pki/)
CERT_USERS = (
    "admin",
    "controller-manager",
    "scheduler",
    "kwok",
    "kubelet",
    "kube-proxy",
    "coredns",
)
ADMIN_USER = "podbay-admin"


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def write_kubeconfig(
    path: Path,
    *,
    server: str,
    cluster: str,
    user: str,
    namespace: str | None = None,
    ca: Path | None = None,
    client_cert: Path | None = None,
    client_key: Path | None = None,
    token: str | None = None,
) -> Path:
    """Write a one-context kubeconfig (mode 0600: it holds credentials).

    ``ca=None`` leaves certificate-authority-data out, so the caller must supply a CA another
    way (the extra-CA path); everything else embeds data so the file stands alone.
    """
    cluster_entry: dict[str, Any] = {"server": server}
    if ca is not None:
        cluster_entry["certificate-authority-data"] = _b64(ca)
    user_entry: dict[str, Any] = {}
    if client_cert and client_key:
        user_entry["client-certificate-data"] = _b64(client_cert)
        user_entry["client-key-data"] = _b64(client_key)
    if token:
        user_entry["token"] = token
    context: dict[str, Any] = {"cluster": cluster, "user": user}
    if namespace:
        context["namespace"] = namespace
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": cluster, "cluster": cluster_entry}],
        "users": [{"name": user, "user": user_entry}],
        "contexts": [{"name": f"{user}@{cluster}", "context": context}],
        "current-context": f"{user}@{cluster}",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        yaml.safe_dump(doc, fh, sort_keys=False)
    tmp.replace(path)
    return path


def cluster_name(sandbox: str) -> str:
    return f"podbay-sandbox-{sandbox}"


def server_url(ports: dict[str, int]) -> str:
    return f"https://127.0.0.1:{ports['apiserver']}"


def write_cert_kubeconfigs(lay: Layout, *, server: str, cluster: str) -> None:
    """One kubeconfig per certificate user, and admin's again without CA data ("admin-noca")."""
    pki = lay.pki
    ca = pki / "ca.crt"
    for user in CERT_USERS:
        write_kubeconfig(
            lay.kubeconfig(user),
            server=server,
            cluster=cluster,
            user=ADMIN_USER if user == "admin" else user,
            ca=ca,
            client_cert=pki / f"{user}.crt",
            client_key=pki / f"{user}.key",
        )
    write_kubeconfig(
        lay.kubeconfig("admin-noca"),
        server=server,
        cluster=cluster,
        user=ADMIN_USER,
        client_cert=pki / "admin.crt",
        client_key=pki / "admin.key",
    )


def write_token_kubeconfigs(
    lay: Layout, name: str, *, server: str, cluster: str, account: str, namespace: str, token: str
) -> None:
    """``name`` and ``name-noca``: a ServiceAccount token user, defaulting to ``namespace``."""
    for suffix, ca in (("", lay.pki / "ca.crt"), ("-noca", None)):
        write_kubeconfig(
            lay.kubeconfig(f"{name}{suffix}"),
            server=server,
            cluster=cluster,
            user=account,
            namespace=namespace,
            ca=ca,
            token=token,
        )
