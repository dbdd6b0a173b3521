"""Typed states: the watch cache's phase as the browser shows it, and a starting container
told apart from a failed log request by the pod's container state (not by error text)."""

from __future__ import annotations

from typing import Any

import pytest

from tui.app import status
from tui.core.containerend import log_not_started
from tui.core.errors import PodbayError
from tui.core.watchcache import POLLING, STARTING, WATCHING, CacheState, Phase


def test_the_banner_and_the_status_word_follow_the_phase() -> None:
    lost = CacheState(Phase.RECONNECTING, "ProtocolError: connection reset")
    assert status.banner(None, lost) == (
        "Connection lost — reconnecting (ProtocolError: connection reset); rows may be stale"
    )
    for quiet in (None, STARTING, WATCHING, POLLING):
        assert status.banner(None, quiet) is None
    words = {
        None: "○ connecting",
        STARTING: "○ listing",
        WATCHING: "● live",
        POLLING: "● polling (no watch permission)",
        lost: "● reconnecting",
    }
    for state, word in words.items():
        assert status.connection_state(None, state).plain == word
    down = PodbayError("no kubeconfig", "set one")
    assert status.connection_state(down, WATCHING).plain == "● disconnected"
    assert (status.banner(down, lost) or "").startswith("Not connected: no kubeconfig")


def _pod(status: dict[str, Any] | None = None, *, init: bool = False) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "runner"}]}
    if init:
        spec["initContainers"] = [{"name": "init"}]
    return {"spec": spec, "status": {"containerStatuses": [status]} if status else {}}


def _st(state: dict[str, Any], last: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": "runner", "state": state, "lastState": last or {}}


ENDED = {"terminated": {"exitCode": 0, "containerID": "containerd://1"}}
NEVER_RAN = {"terminated": {"exitCode": 128, "reason": "StartError"}}


@pytest.mark.parametrize(
    ("pod", "container", "previous", "waits"),
    [
        (_pod(), "runner", False, True),  # no status yet: not scheduled or not reported
        (_pod(_st({"waiting": {"reason": "ContainerCreating"}})), "runner", False, True),
        (_pod(_st({"waiting": {"reason": "PodInitializing"}})), "runner", False, True),
        (_pod(_st({"waiting": {"reason": "ImagePullBackOff"}})), "runner", False, True),
        (_pod(_st({"waiting": {"reason": "ContainerCreating"}})), None, False, True),
        (_pod(_st({"running": {}})), "runner", False, True),  # started since the refusal
        (_pod(_st(ENDED)), "runner", False, True),  # and even ended since: its log is there
        (_pod(_st({"waiting": {}})), "runner", True, False),  # no previous instance
        (_pod(_st({"waiting": {}})), "nope", False, False),  # no such container
        (_pod(_st(NEVER_RAN)), "runner", False, False),  # ended without ever starting
        (_pod(_st({"waiting": {}}, NEVER_RAN)), "runner", False, False),
        (_pod(_st({"waiting": {}}, ENDED)), "runner", False, True),
        (_pod(init=True), "init", False, True),  # an init container's log is asked too
    ],
)
def test_log_not_started(
    pod: dict[str, Any], container: str | None, previous: bool, waits: bool
) -> None:
    assert log_not_started(pod, container, previous=previous) is waits


def test_without_a_container_name_only_a_single_container_pod_has_a_default() -> None:
    two = _pod()
    two["spec"]["containers"].append({"name": "sidecar"})
    assert log_not_started(two, None) is False
