"""The access review against the sandbox's real authorizer, as admin and as the spec's Role."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Namespace, api_client
from tests.kube_helpers import unreachable_kubeconfig
from tui.core.access import ACCESS, review
from tui.sandbox.cluster import Sandbox

pytestmark = pytest.mark.cluster

# What tui/sandbox/manifests/restricted-rbac.yaml does not grant (no watch, no events, no PVCs).
SPEC_ROLE_LACKS = {"watch pods", "list persistentvolumeclaims", "list events"}


def test_admin_is_allowed_everything(namespace: Namespace) -> None:
    result = review(namespace.admin, namespace.name)
    assert [v.access for v in result.verdicts] == list(ACCESS)
    assert result.denied() == [] and result.unknown() == []
    assert result.usable
    assert all(result.allowed(a.verb, a.resource, a.subresource) is True for a in ACCESS)
    assert all(v.status == "ok" and v.fix == "" for v in result.verdicts)


def test_spec_role_lacks_exactly_watch_events_and_pvcs(namespace: Namespace) -> None:
    result = review(namespace.restricted(), namespace.name, user="opencode-manager")
    assert {v.access.label for v in result.denied()} == SPEC_ROLE_LACKS
    assert result.unknown() == []
    assert result.usable  # everything missing is optional
    assert result.allowed("create", "pods", "exec") is True
    assert result.allowed("list", "ingresses", group="networking.k8s.io") is True
    assert result.allowed("watch", "pods") is False
    assert result.allowed("patch", "pods") is None  # not something podbay reviews

    events = next(v for v in result.denied() if v.access.resource == "events")
    assert events.status == "warn"
    assert events.reason == f"not granted in {namespace.name}: describe shows no events"
    assert events.fix == (
        'to enable, add to the Role: - apiGroups: [""]  resources: ["events"]  verbs: ["list"]'
    )


def test_required_permission_missing_is_a_failure_naming_the_account(
    namespace: Namespace,
) -> None:
    # The Role is bound in namespace.name only; kube-system grants this account nothing.
    result = review(namespace.restricted(), "kube-system", user="opencode-manager")
    assert {v.access.label for v in result.denied()} == {a.label for a in ACCESS}
    assert not result.usable
    create = result.verdict("create", "pods")
    assert create is not None and create.status == "fail"
    assert create.reason == "not granted in namespace kube-system"
    assert create.fix.startswith("add to the Role bound to opencode-manager: ")
    assert 'resources: ["pods"]  verbs: ["create"]' in create.fix


def test_unreachable_server_makes_every_answer_unknown(sandbox: Sandbox, tmp_path: Path) -> None:
    path = unreachable_kubeconfig(sandbox.kubeconfig("admin"), tmp_path / "kc")
    api = api_client(path)
    api.configuration.retries = 0
    try:
        result = review(api, "default", timeout=2)
    finally:
        api.close()
    assert result.denied() == []
    assert len(result.unknown()) == len(ACCESS)
    assert result.allowed("get", "pods") is None
    v = result.unknown()[0]
    assert v.status == "warn" and v.fix == ""
    assert v.reason.startswith("could not ask the server: ")
