"""Cleanup deletes exactly the podbay pods it should; everything else survives."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Namespace, api_client
from tests.kube_helpers import pod_manifest, wait_pod
from tests.netproxy import CuttableProxy
from tui.core.cleanup import Candidate, CleanupResult, cleanup, delete_candidates, select
from tui.core.errors import ApiError
from tui.core.identity import OwnPod, own_pod
from tui.core.models import MANAGED_BY, PodRequest
from tui.core.pods import Pods
from tui.core.selectors import compile_selector
from tui.core.settings import Settings

NOW = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


def _pod(name: str, phase: str, finished_ago: float | None, **labels: str) -> dict[str, Any]:
    created = (NOW - dt.timedelta(hours=5)).isoformat().replace("+00:00", "Z")
    statuses = []
    if finished_ago is not None:
        fin = (NOW - dt.timedelta(seconds=finished_ago)).isoformat().replace("+00:00", "Z")
        statuses = [{"state": {"terminated": {"finishedAt": fin, "exitCode": 0}}}]
    return {
        "metadata": {
            "name": name,
            "uid": f"uid-{name}",
            "creationTimestamp": created,
            "labels": {MANAGED_BY: "podbay", **labels},
        },
        "status": {"phase": phase, "containerStatuses": statuses},
    }


def test_selection_rules() -> None:
    unmanaged = _pod("theirs", "Succeeded", 999)
    del unmanaged["metadata"]["labels"][MANAGED_BY]
    pods = [
        _pod("old", "Succeeded", 7200),
        _pod("fresh", "Succeeded", 10),  # started 5 h ago, finished 10 s ago
        _pod("failed", "Failed", 7200),
        _pod("running", "Running", None),
        _pod("manager", "Succeeded", 7200, app="opencode-manager"),
        _pod("me", "Succeeded", 7200),
        unmanaged,
    ]
    chosen, spared = select(pods, max_age_seconds=3600, own_pod="me", now=NOW)
    assert [c.name for c in chosen] == ["old"]
    reasons = {s.name: s.reason for s in spared}
    assert reasons["fresh"].startswith("finished 10s ago")
    assert "protect selector" in reasons["manager"]
    assert reasons["me"] == "podbay's own pod"
    assert reasons["theirs"] == "not created by podbay"
    assert "running" not in reasons and "failed" not in reasons
    chosen, _ = select(pods, phases=("Succeeded", "Failed"), max_age_seconds=3600, now=NOW)
    assert sorted(c.name for c in chosen) == ["failed", "me", "old"]


def test_own_pod_comes_from_the_environment(tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr("tui.core.identity.SERVICE_ACCOUNT_NAMESPACE", tmp_path / "none")
    assert own_pod({}) is None  # not in a pod: nothing to spare
    assert own_pod({"POD_NAME": "pb-1", "POD_NAMESPACE": "ci"}) == OwnPod("pb-1", "ci")
    assert own_pod({"PODBAY_POD_NAME": "a", "POD_NAME": "b"}) == OwnPod("a", None)
    (tmp_path / "ns").write_text("from-sa\n")
    monkeypatch.setattr("tui.core.identity.SERVICE_ACCOUNT_NAMESPACE", tmp_path / "ns")
    in_cluster = own_pod({"KUBERNETES_SERVICE_HOST": "10.96.0.1"})
    assert in_cluster is not None and in_cluster.namespace == "from-sa" and in_cluster.name
    mine = OwnPod("me", "ci")
    assert mine.is_("me", "ci") and not mine.is_("me", "other") and not mine.is_("you", "ci")
    assert OwnPod("me").is_("me", "anywhere")  # namespace unknown: spared everywhere


def test_cleanup_spares_the_pod_podbay_runs_in(monkeypatch: Any) -> None:
    pods = [_pod("me", "Succeeded", 7200), _pod("other", "Succeeded", 7200)]
    for p in pods:
        p["metadata"]["namespace"] = "ci"
    monkeypatch.setenv("POD_NAME", "me")
    monkeypatch.setenv("POD_NAMESPACE", "ci")
    chosen, spared = select(pods, now=NOW)
    assert [c.name for c in chosen] == ["other"]
    assert [(s.name, s.reason) for s in spared] == [("me", "podbay's own pod")]
    monkeypatch.setenv("POD_NAMESPACE", "elsewhere")  # a namesake in another namespace goes
    chosen, _ = select(pods, now=NOW)
    assert sorted(c.name for c in chosen) == ["me", "other"]


@pytest.mark.parametrize(
    ("selector", "labels", "match"),
    [
        ("app=opencode-manager", {"app": "opencode-manager"}, True),
        ("app=opencode-manager", {"app": "x"}, False),
        ("app!=x,tier", {"app": "y", "tier": "db"}, True),
        ("!keep", {"keep": ""}, False),
        ("env in (a, b)", {"env": "b"}, True),
        ("env notin (a,b)", {"env": "a"}, False),
        ("", {"anything": "x"}, False),
    ],
)
def test_selectors(selector: str, labels: dict[str, str], match: bool) -> None:
    assert compile_selector(selector)(labels) is match


def _finished(ns: Namespace, pods: Pods, name: str, **labels: str) -> None:
    pods.create(
        PodRequest(name=name, image="podbay.local/debian:12", command=["true"], labels=labels)
    )
    wait_pod(ns.core, ns.name, name, ("Succeeded",))


@pytest.mark.cluster
def test_cleanup_spares_protected_unmanaged_and_running(real_node: Namespace) -> None:
    pods = Pods(real_node.admin, Settings(namespace=real_node.name))
    _finished(real_node, pods, "done-1")
    _finished(real_node, pods, "done-2")
    _finished(real_node, pods, "manager", app="opencode-manager")
    pods.create(PodRequest(name="busy", image="podbay.local/debian:12", command=["sleep", "600"]))
    real_node.core.create_namespaced_pod(
        real_node.name,
        {
            "metadata": {"name": "unmanaged"},
            "spec": {
                "restartPolicy": "Never",
                "containers": [
                    {"name": "c", "image": "podbay.local/debian:12", "command": ["true"]}
                ],
            },
        },
    )
    wait_pod(real_node.core, real_node.name, "unmanaged", ("Succeeded",))

    preview = cleanup(pods, dry_run=True)
    assert sorted(preview.would_delete) == ["done-1", "done-2"]
    assert preview.deleted == []
    assert {p.name for p in pods.list()} >= {"done-1", "done-2"}

    result = cleanup(pods)
    assert sorted(result.deleted) == ["done-1", "done-2"]
    assert result.to_json()["success"] and result.to_json()["count"] == 2
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        left = {p.name for p in pods.list()}
        if not left & {"done-1", "done-2"}:
            break
        time.sleep(0.2)
    assert left == {"manager", "busy", "unmanaged"}


@pytest.mark.cluster
def test_a_pod_replaced_under_the_same_name_is_not_deleted(real_node: Namespace) -> None:
    pods = Pods(real_node.admin, Settings(namespace=real_node.name))
    _finished(real_node, pods, "reused")
    chosen, _ = select(pods.list_raw()["items"])
    assert [c.name for c in chosen] == ["reused"]
    pods.delete("reused", grace_seconds=0)
    deadline = time.monotonic() + 30
    while any(p.name == "reused" for p in pods.list()) and time.monotonic() < deadline:
        time.sleep(0.1)
    pods.create(PodRequest(name="reused", image="podbay.local/debian:12", command=["sleep", "60"]))
    result = CleanupResult(real_node.name, dry_run=False)
    delete_candidates(pods, real_node.name, chosen, result)
    assert result.deleted == []
    assert [s.reason for s in result.skipped] == ["replaced since selection (UID changed)"]
    assert any(p.name == "reused" for p in pods.list())


@pytest.mark.cluster
def test_deletes_take_the_collections_path_gone_replaced_and_cut_alike(
    namespace: Namespace, proxy: CuttableProxy, tmp_path: Path
) -> None:
    """One delete path (the collection's, UID-preconditioned): 404 is 'already gone', 409
    is 'replaced', and a cut connection is an ApiError 503 naming what was deleted, never a
    urllib3 exception escaping to the caller."""
    ns = namespace.name
    for name in ("a", "b"):
        namespace.core.create_namespaced_pod(ns, pod_manifest(name, kwok=True))
    uids = {p.metadata.name: p.metadata.uid for p in namespace.core.list_namespaced_pod(ns).items}
    api = api_client(proxy.kubeconfig(namespace.sandbox.kubeconfig("admin"), tmp_path / "kc"))
    pods = Pods(api, Settings(namespace=ns))
    try:
        proxy.cut()
        cut = CleanupResult(ns, dry_run=False)
        with pytest.raises(ApiError) as caught:
            delete_candidates(pods, ns, [Candidate("a", uids["a"], "Succeeded", 60)], cut)
        assert caught.value.status == 503
        assert f"cleanup in namespace {ns} did not finish: 0 of 1 pods deleted" in (
            caught.value.what
        )
        assert f"cannot delete pod a in namespace {ns}" in caught.value.what
        assert "run cleanup again" in caught.value.fix
        assert [e.name for e in cut.errors] == ["a"]

        proxy.restore()
        chosen = [
            Candidate("a", uids["a"], "Succeeded", 60),
            Candidate("b", "a-uid-it-no-longer-has", "Succeeded", 60),
            Candidate("gone", "whatever", "Succeeded", 60),
        ]
        result = CleanupResult(ns, dry_run=False)
        delete_candidates(pods, ns, chosen, result)
        assert result.deleted == ["a"] and result.errors == []
        assert {s.name: s.reason for s in result.skipped} == {
            "b": "replaced since selection (UID changed)",
            "gone": "already gone",
        }
    finally:
        api.close()
