"""Where credentials come from, against the sandbox: ``$KUBECONFIG`` with several files and
their contexts, and in-cluster service-account credentials (the pod's files, written where
the kubernetes client reads them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from kubernetes import client
from kubernetes.config import incluster_config

from tests.conftest import Namespace
from tui.core import connection
from tui.core.connection import connect, contexts, resolve_source
from tui.core.diagnosis import diagnose
from tui.core.errors import PodbayError
from tui.core.pods import Pods
from tui.core.settings import Settings
from tui.sandbox.kubeconfigs import write_kubeconfig

pytestmark = pytest.mark.cluster


def _identity(settings: Settings) -> str:
    conn = connect(settings)
    api = conn.api_client()
    try:
        review = client.AuthenticationV1Api(api).create_self_subject_review({})
        return str(review.status.user_info.username)
    finally:
        api.close()


@pytest.fixture
def no_default_kubeconfig(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Nothing at /workspace/.kube/kubeconfig or ~/.kube/config; not in a cluster."""
    monkeypatch.setattr(connection, "WORKSPACE_KUBECONFIG", tmp_path / "no-workspace")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)


@pytest.mark.usefixtures("no_default_kubeconfig")
def test_kubeconfig_env_with_several_files_and_their_contexts(
    namespace: Namespace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sb = namespace.sandbox
    token = sb.grant_restricted(namespace.name)
    restricted = write_kubeconfig(
        tmp_path / "b.yaml",
        server=sb.server,
        cluster="sandbox-b",
        user="agent",
        namespace=namespace.name,
        ca=sb.ca,
        token=token,
    )
    missing = tmp_path / "gone.yaml"  # kubectl skips a missing file in the list; so do we
    monkeypatch.setenv("KUBECONFIG", f"{sb.kubeconfig('admin')}:{missing}:{restricted}")
    settings = Settings(namespace=namespace.name)
    source = resolve_source(settings)
    assert source.paths == (sb.kubeconfig("admin"), restricted)
    names, current = contexts(settings)
    assert "agent@sandbox-b" in names and current == names[0]  # the first file's current
    assert _identity(settings) == "podbay-admin"  # the first file's current context
    chosen = Settings(namespace=namespace.name, context="agent@sandbox-b")
    assert _identity(chosen) == f"system:serviceaccount:{namespace.name}:opencode-manager"
    assert Pods(connect(chosen).api_client(), chosen).list() == []  # the Role's list works
    diag = diagnose(chosen)
    assert diag.context == "agent@sandbox-b"
    assert diag.checks[0].status == "ok" and str(restricted) in diag.checks[0].detail

    wrong = Settings(namespace=namespace.name, context="no-such")
    with pytest.raises(PodbayError) as exc:
        connect(wrong)
    assert "agent@sandbox-b" in exc.value.fix  # the fix lists the contexts there are


@pytest.mark.usefixtures("no_default_kubeconfig")
def test_in_cluster_service_account(
    namespace: Namespace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As in a pod: KUBERNETES_SERVICE_HOST/PORT, and the token and CA files (here under
    tmp_path; the kubernetes client reads them from its module constants)."""
    sb = namespace.sandbox
    sa = tmp_path / "serviceaccount"
    sa.mkdir()
    (sa / "token").write_text(sb.grant_restricted(namespace.name))
    (sa / "ca.crt").write_bytes(sb.ca.read_bytes())
    monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(sa / "token"))
    monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(sa / "ca.crt"))
    monkeypatch.setattr(connection, "IN_CLUSTER_TOKEN", sa / "token")
    host, port = sb.server.removeprefix("https://").rsplit(":", 1)

    explicit = Settings(namespace=namespace.name, in_cluster=True)
    with pytest.raises(PodbayError) as exc:  # outside a pod: says so and what to do
        connect(explicit)
    assert "in-cluster" in exc.value.fix

    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", host)
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", port)
    want = f"system:serviceaccount:{namespace.name}:opencode-manager"
    assert _identity(explicit) == want
    conn = connect(explicit)
    assert conn.source.in_cluster and conn.context is None
    found = Settings(namespace=namespace.name)  # no kubeconfig anywhere: in-cluster is found
    assert resolve_source(found).in_cluster
    assert _identity(found) == want
    diag = diagnose(found)
    assert diag.ok, [c for c in diag.checks if c.status == "fail"]
    assert "in-cluster service account" in diag.checks[0].detail
