"""Test connection is a diagnosis, checked against the sandbox's real apiserver."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.kube_helpers import unreachable_kubeconfig
from tui.core.diagnosis import Diagnosis, diagnose
from tui.core.settings import Settings
from tui.sandbox.cluster import Sandbox

pytestmark = pytest.mark.cluster


def _by_name(diag: Diagnosis) -> dict[str, object]:
    return {c.name: c for c in diag.checks}


def _settings(kubeconfig: Path, **kw: object) -> Settings:
    return Settings(kubeconfig=str(kubeconfig), **kw)  # type: ignore[arg-type]


def test_admin_passes_every_step(sandbox: Sandbox) -> None:
    diag = diagnose(_settings(sandbox.kubeconfig("admin"), namespace="default"))
    assert diag.ok, diag.to_json()
    checks = {c.name: c for c in diag.checks}
    assert [c.name for c in diag.checks][:6] == [
        "kubeconfig",
        "dns",
        "tcp",
        "tls",
        "authentication",
        "server version",
    ]
    assert "trusted via the kubeconfig's certificate-authority" in checks["tls"].detail
    assert checks["authentication"].detail.startswith("as podbay-admin")
    assert checks["server version"].detail == "v1.34.4"
    assert all(c.status == "ok" for c in diag.checks)


def test_spec_role_is_usable_and_names_what_it_lacks(sandbox: Sandbox) -> None:
    diag = diagnose(_settings(sandbox.kubeconfig("restricted"), namespace="opencode-manager"))
    assert diag.ok, diag.to_json()
    checks = {c.name: c for c in diag.checks}
    assert diag.user == "system:serviceaccount:opencode-manager:opencode-manager"
    assert checks["can create pods/exec"].status == "ok"
    assert checks["can list ingresses (networking.k8s.io)"].status == "ok"
    watch = checks["can watch pods"]
    assert watch.status == "warn"
    assert "polling" in watch.detail
    assert 'resources: ["pods"]  verbs: ["watch"]' in watch.fix
    assert checks["can list events"].status == "warn"


def test_required_access_missing_is_a_failure_with_the_rule(sandbox: Sandbox) -> None:
    diag = diagnose(_settings(sandbox.kubeconfig("restricted"), namespace="kube-system"))
    assert not diag.ok
    create = {c.name: c for c in diag.checks}["can create pods"]
    assert create.status == "fail"
    assert "not granted in namespace kube-system" in create.detail
    assert 'verbs: ["create"]' in create.fix


def test_missing_ca_names_the_trust_set_and_the_fix_then_extra_ca_works(
    sandbox: Sandbox,
) -> None:
    noca = sandbox.kubeconfig("admin", with_ca=False)
    diag = diagnose(_settings(noca, namespace="default"))
    tls = {c.name: c for c in diag.checks}["tls"]
    assert tls.status == "fail"
    assert "certificate verify failed" in tls.detail
    assert "the system store" in tls.detail
    assert "extra CA file" in tls.fix and "NODE_EXTRA_CA_CERTS" in tls.fix
    assert {c.name: c.status for c in diag.checks}["authentication"] == "skipped"

    fixed = diagnose(_settings(noca, namespace="default", extra_ca_file=str(sandbox.ca)))
    assert fixed.ok, fixed.to_json()
    assert (
        f"trusted via the extra CA file {sandbox.ca}"
        in {c.name: c for c in fixed.checks}["tls"].detail
    )


def test_unreachable_server_is_a_tcp_failure(sandbox: Sandbox, tmp_path: Path) -> None:
    path = unreachable_kubeconfig(sandbox.kubeconfig("admin"), tmp_path / "kc")
    tcp = {c.name: c for c in diagnose(_settings(path)).checks}["tcp"]
    assert tcp.status == "fail"
    assert "refused" in tcp.detail
    assert "is the apiserver running" in tcp.fix


def test_bad_token_is_an_authentication_failure(sandbox: Sandbox, tmp_path: Path) -> None:
    doc = yaml.safe_load(sandbox.kubeconfig("restricted").read_text())
    doc["users"][0]["user"]["token"] = "not-a-valid-token"
    path = tmp_path / "kc"
    path.write_text(yaml.safe_dump(doc))
    auth = {c.name: c for c in diagnose(_settings(path)).checks}["authentication"]
    assert auth.status == "fail"
    assert "401" in auth.detail
    assert "kubectl create token" in auth.fix
    assert "not-a-valid-token" not in auth.detail + auth.fix


def test_missing_kubeconfig_and_unknown_context(sandbox: Sandbox, tmp_path: Path) -> None:
    diag = diagnose(_settings(tmp_path / "nope"))
    first = diag.checks[0]
    assert (first.name, first.status) == ("kubeconfig", "fail")
    assert "does not exist" in first.detail
    assert {c.status for c in diag.checks[1:]} == {"skipped"}

    diag = diagnose(_settings(sandbox.kubeconfig("admin"), context="nonexistent"))
    first = diag.checks[0]
    assert first.status == "fail"
    assert "podbay-admin@podbay-sandbox" in first.fix
