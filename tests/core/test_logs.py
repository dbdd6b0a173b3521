"""Logs through the engine on the real node: tail, previous, follow that ends."""

from __future__ import annotations

import time

import pytest

from tests.conftest import Namespace
from tests.kube_helpers import wait_pod
from tui.core.errors import ApiError
from tui.core.logs import LogQuery, follow, read
from tui.core.models import PodRequest
from tui.core.pods import Pods
from tui.core.settings import Settings

pytestmark = pytest.mark.cluster


def test_read_follow_tail_and_previous(real_node: Namespace) -> None:
    pods = Pods(real_node.admin, Settings(namespace=real_node.name))
    ns = real_node.name
    pods.create(
        PodRequest(
            name="count",
            image="podbay.local/debian:12",
            command=["sh", "-c", "for i in 1 2 3; do echo line-$i; sleep 1; done"],
        )
    )
    wait_pod(real_node.core, ns, "count", ("Running", "Succeeded"))
    t0 = time.monotonic()
    lines = list(follow(real_node.admin, LogQuery("count", ns), idle_timeout=20))
    assert lines == ["line-1\n", "line-2\n", "line-3\n"]
    assert time.monotonic() - t0 < 15
    assert read(real_node.admin, LogQuery("count", ns, tail_lines=1)) == "line-3\n"
    stamped = read(real_node.admin, LogQuery("count", ns, timestamps=True))
    assert stamped.splitlines()[0].endswith(" line-1") and stamped[:4].isdigit()

    retry = PodRequest(
        name="retry",
        image="podbay.local/debian:12",
        restart_policy="OnFailure",
        command=["sh", "-c", "echo attempt-$(date +%s%N); exit 1"],
    )
    pods.create(retry)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        statuses = pods.get("retry").get("status", {}).get("containerStatuses") or []
        if (
            statuses
            and statuses[0].get("restartCount", 0) >= 1
            and statuses[0]["state"].get("running")
        ):
            break
        time.sleep(0.3)
    previous = read(real_node.admin, LogQuery("retry", ns, previous=True))
    assert previous.startswith("attempt-")


def test_logs_of_a_missing_pod_is_404(real_node: Namespace) -> None:
    with pytest.raises(ApiError) as exc:
        read(real_node.admin, LogQuery("ghost", real_node.name))
    assert exc.value.status == 404


def test_a_follower_on_a_quiet_log_stops_at_once(real_node: Namespace) -> None:
    """The viewer's follower blocks on a log that says nothing; stop() must end its thread
    now (it shuts the HTTP stream down), not when the next line arrives."""
    from tests.kube_helpers import pod_manifest
    from tui.core.logfollow import FollowState, LogFollower

    quiet = pod_manifest("quiet", container={"command": ["sh", "-c", "echo hello; sleep 600"]})
    real_node.core.create_namespaced_pod(real_node.name, quiet)
    wait_pod(real_node.core, real_node.name, "quiet", ("Running",))
    follower = LogFollower(real_node.admin, LogQuery("quiet", real_node.name)).start()
    deadline = time.monotonic() + 30
    got: list[str] = []
    while "hello" not in got:
        got += follower.take()
        assert time.monotonic() < deadline, (got, follower.progress)
        time.sleep(0.05)
    assert follower.progress.state is FollowState.FOLLOWING
    t0 = time.monotonic()
    follower.stop()
    assert follower.wait(5), "the reader thread still blocks on the quiet stream"
    assert time.monotonic() - t0 < 5


def test_a_follower_tells_a_starting_container_from_a_failure(real_node: Namespace) -> None:
    """A container still initialising is WAITING (ask again), read from the pod's state;
    a container the pod does not have, or the previous instance of a fresh one, FAILED."""
    from tests.kube_helpers import pod_manifest
    from tui.core.logfollow import FollowState, LogFollower

    slow = pod_manifest("slow", container={"command": ["sh", "-c", "echo up; sleep 600"]})
    slow["spec"]["initContainers"] = [
        {"name": "init", "image": "podbay.local/debian:12", "command": ["sleep", "30"]}
    ]
    real_node.core.create_namespaced_pod(real_node.name, slow)

    def settled(query: LogQuery) -> LogFollower:
        follower = LogFollower(real_node.admin, query).start()
        assert follower.wait(20), "the follower neither failed nor waited"
        return follower

    waiting = settled(LogQuery("slow", real_node.name, "runner"))
    assert waiting.progress.state is FollowState.WAITING, waiting.progress
    assert waiting.progress.error is not None and waiting.progress.error.reason == "BadRequest"
    for query in (
        LogQuery("slow", real_node.name, "nope"),
        LogQuery("slow", real_node.name, "runner", previous=True),
    ):
        failed = settled(query)
        assert failed.progress.state is FollowState.FAILED, (query, failed.progress)
