"""Pod operations and one-shot exec through the engine, against the sandbox."""

from __future__ import annotations

import time

import pytest

from tests.conftest import Namespace
from tests.kube_helpers import KWOK_PLACEMENT, wait_pod
from tui.core.errors import ApiError
from tui.core.execution import exit_code_of, run
from tui.core.models import MANAGED_BY, PodRequest
from tui.core.pods import Pods, PolicyError
from tui.core.settings import Settings

pytestmark = pytest.mark.cluster


def _pods(ns: Namespace, **settings: object) -> Pods:
    return Pods(ns.admin, Settings(namespace=ns.name, **settings))  # type: ignore[arg-type]


def _sleeper(pods: Pods, name: str) -> None:
    pods.create(PodRequest(name=name, image="podbay.local/debian:12", command=["sleep", "600"]))


def test_create_list_get_delete(real_node: Namespace) -> None:
    pods = _pods(real_node)
    created = pods.create(
        PodRequest.model_validate(
            {
                "name": "web",
                "image": "podbay.local/debian:12",
                "command": ["sleep", "600"],
                "labels": {"app": "web"},
                "env": {"A": "1"},
            }
        )
    )
    assert created["metadata"]["labels"] == {"app": "web", MANAGED_BY: "podbay"}
    wait_pod(real_node.core, real_node.name, "web", ("Running",))
    [row] = pods.list()
    assert (row.name, row.status, row.ready, row.restarts) == ("web", "Running", "1/1", 0)
    assert row.images == ["podbay.local/debian:12"] and row.ip and row.node == "podbay-node"
    assert pods.get("web")["spec"]["containers"][0]["name"] == "runner"
    pods.delete("web", grace_seconds=0)
    with pytest.raises(ApiError) as exc:
        pods.get("does-not-exist")
    assert exc.value.status == 404


def test_status_column_says_why(real_node: Namespace) -> None:
    pods = _pods(real_node)
    pods.create(PodRequest(name="noimg", image="podbay.local/missing:1"))
    pods.create(PodRequest(name="done", image="podbay.local/debian:12", command=["true"]))
    pods.create(PodRequest(name="bad", image="podbay.local/debian:12", command=["false"]))
    wanted = {
        "noimg": ("ErrImagePull", "ImagePullBackOff"),
        "done": ("Completed",),
        "bad": ("Error",),
    }
    deadline = time.monotonic() + 60
    seen: dict[str, str] = {}
    while time.monotonic() < deadline:
        seen = {r.name: r.status for r in pods.list()}
        if all(seen.get(n) in w for n, w in wanted.items()):
            break
        time.sleep(0.3)
    assert all(seen.get(n) in w for n, w in wanted.items()), seen


def test_policy_refuses_host_path_and_foreign_namespaces(real_node: Namespace) -> None:
    req = PodRequest(name="hp", image="x", mount_path="/w", host_path="/etc")
    with pytest.raises(PolicyError, match="hostPath mounts are disabled"):
        _pods(real_node).create(req)
    fenced = _pods(real_node, namespace_allow_list=["elsewhere"])
    with pytest.raises(PolicyError, match="not in podbay's allow-list"):
        fenced.list()


def test_restricted_account_gets_a_403_naming_the_action(real_node: Namespace) -> None:
    pods = Pods(real_node.restricted(), Settings(namespace="default"))
    with pytest.raises(ApiError) as exc:
        pods.list()
    assert exc.value.status == 403
    assert "cannot list pods in namespace default" in exc.value.what
    assert 'cannot list resource "pods"' in exc.value.what


def test_exec_separates_streams_and_returns_the_exit_code(real_node: Namespace) -> None:
    pods = _pods(real_node)
    _sleeper(pods, "box")
    wait_pod(real_node.core, real_node.name, "box", ("Running",))
    ok = run(real_node.admin, real_node.name, "box", ["sh", "-c", "echo out; echo err >&2"])
    assert (ok.stdout, ok.stderr, ok.exit_code, ok.timed_out) == ("out\n", "err\n", 0, False)
    failed = run(real_node.admin, real_node.name, "box", ["sh", "-c", "exit 7"])
    assert failed.exit_code == 7
    # Keystrokes that parse as JSON are just data (the original system dropped them).
    literal = run(real_node.admin, real_node.name, "box", ["echo", "1", "true", "{}"])
    assert literal.stdout == "1 true {}\n"
    missing = run(real_node.admin, real_node.name, "box", ["no-such-binary"])
    assert missing.exit_code is None and "no-such-binary" in missing.error


def test_exec_timeout(real_node: Namespace) -> None:
    pods = _pods(real_node)
    _sleeper(pods, "slow")
    wait_pod(real_node.core, real_node.name, "slow", ("Running",))
    t0 = time.monotonic()
    res = run(real_node.admin, real_node.name, "slow", ["sleep", "30"], timeout=1.5)
    assert res.timed_out and res.exit_code is None
    assert time.monotonic() - t0 < 10
    assert "may still run" in res.error


def test_exec_errors_are_honest(real_node: Namespace) -> None:
    with pytest.raises(ApiError) as exc:
        run(real_node.admin, real_node.name, "ghost", ["true"])
    assert exc.value.status == 404
    with pytest.raises(ApiError) as forbidden:
        run(real_node.restricted(), "default", "anything", ["true"])
    assert forbidden.value.status == 403


def test_exec_exit_code_on_kwok_nodes(namespace: Namespace) -> None:
    manifest = {
        "metadata": {"name": "fake"},
        "spec": {"containers": [{"name": "runner", "image": "x"}], **KWOK_PLACEMENT},
    }
    namespace.core.create_namespaced_pod(namespace.name, manifest)
    wait_pod(namespace.core, namespace.name, "fake", ("Running",))
    res = run(namespace.admin, namespace.name, "fake", ["sh", "-c", "exit 4"])
    assert res.exit_code == 4


def test_exit_code_parsing() -> None:
    assert exit_code_of({"status": "Success"}) == (0, "")
    nonzero = {
        "status": "Failure",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": "42"}]},
    }
    assert exit_code_of(nonzero) == (42, "")
    assert exit_code_of({"status": "Failure", "message": "cmd wait: x: exit status 9"})[0] == 9
    assert exit_code_of({"status": "Failure", "message": "boom"}) == (None, "boom")
