"""The progress view's engine on hand-written pods and events: every path from Pending to
Running or to a failure, with and without permission to list events; and the follower on a
scripted source (no cluster)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tui.core.errors import ApiError, PodbayError
from tui.core.podprogress import (
    NO_EVENTS,
    LogTarget,
    Progress,
    ProgressFollower,
    derive,
    gone,
    image_fix,
    schedule_fix,
)

UID = "0b7a3c1e-0000-4000-8000-000000000001"
CREATED = "2026-01-01T00:00:00Z"
NODE_IMAGES = [
    "podbay.local/debian:12",
    "podbay.local/node:18",
    "podbay.local/pause:3.10",
    "podbay.local/python:3.11",
]
PULL_MESSAGE = (
    'failed to pull and unpack image "podbay.local/nope:1": failed to resolve reference '
    '"podbay.local/nope:1": failed to do request: Head '
    '"https://podbay.local/v2/nope/manifests/1": dial tcp: lookup podbay.local: no such host'
)
UNSCHEDULABLE = (
    "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 node(s) "
    "had untolerated taint(s). preemption: 0/3 nodes are available: 3 Preemption is not "
    "helpful for scheduling."
)


# ---- hand-written objects ----------------------------------------------------------------


def make_pod(
    *,
    phase: str = "Pending",
    node: str = "",
    statuses: list[dict[str, Any]] | None = None,
    init_statuses: list[dict[str, Any]] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    restart: str = "Never",
    image: str = "podbay.local/debian:12",
    init: list[str] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "metadata": {"name": "web", "namespace": "dev", "uid": UID, "creationTimestamp": CREATED},
        "spec": {
            "restartPolicy": restart,
            "containers": [{"name": "runner", "image": image}],
            **spec,
        },
        "status": {"phase": phase, "conditions": conditions or []},
    }
    if node:
        body["spec"]["nodeName"] = node
    if init:
        body["spec"]["initContainers"] = [
            {"name": name, "image": "podbay.local/debian:12"} for name in init
        ]
    if statuses is not None:
        body["status"]["containerStatuses"] = statuses
    if init_statuses is not None:
        body["status"]["initContainerStatuses"] = init_statuses
    return body


def status(
    *,
    name: str = "runner",
    image: str = "podbay.local/debian:12",
    waiting: tuple[str, str] | None = None,
    running: bool = False,
    terminated: dict[str, Any] | None = None,
    last: dict[str, Any] | None = None,
    restarts: int = 0,
    ready: bool = False,
    image_id: str = "",
) -> dict[str, Any]:
    state: dict[str, Any] = {}
    if waiting:
        state["waiting"] = {"reason": waiting[0], "message": waiting[1]}
    if running:
        state["running"] = {"startedAt": "2026-01-01T00:00:02Z"}
    if terminated is not None:
        state["terminated"] = terminated
    return {
        "name": name,
        "image": image,
        "imageID": image_id or ("sha256:abc" if running or terminated else ""),
        "state": state,
        "lastState": {"terminated": last} if last else {},
        "restartCount": restarts,
        "ready": ready,
        "started": running,
    }


def ended(code: int, reason: str = "Error", n: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "exitCode": code,
        "reason": reason,
        "startedAt": "2026-01-01T00:00:02Z",
        "finishedAt": f"2026-01-01T00:00:{3 + n:02d}Z",
        "containerID": f"containerd://run{n}",
        **extra,
    }


def event(
    reason: str,
    message: str,
    *,
    type: str = "Normal",
    field: str = "spec.containers{runner}",
    at: str = "2026-01-01T00:00:05Z",
    uid: str = UID,
    component: str = "kubelet",
    rv: int = 1,
) -> dict[str, Any]:
    return {
        "type": type,
        "reason": reason,
        "message": message,
        "involvedObject": {"kind": "Pod", "name": "web", "uid": uid, "fieldPath": field},
        "source": {"component": component},
        "lastTimestamp": at,
        "count": 1,
        "metadata": {"resourceVersion": str(rv)},
    }


def scheduled_events() -> list[dict[str, Any]]:
    return [
        {
            **event("Scheduled", "Successfully assigned dev/web to podbay-node", field=""),
            "source": {},
            "reportingComponent": "default-scheduler",
            "lastTimestamp": None,
            "eventTime": "2026-01-01T00:00:00.5Z",
        }
    ]


def marks(p: Progress) -> dict[str, str]:
    return {s.key: s.status for s in p.stages}


# ---- scheduling ---------------------------------------------------------------------------


def test_a_new_pod_waits_for_the_scheduler() -> None:
    p = derive(make_pod(), [])
    assert p.state == "waiting" and not p.final
    assert marks(p) == {
        "created": "ok",
        "scheduled": "running",
        "pulled": "pending",
        "started": "pending",
        "running": "pending",
    }
    assert p.headline == "Waiting for the scheduler to pick a node"
    assert p.problem is None and p.events_note == ""


def test_an_unschedulable_pod_names_the_schedulers_message_and_the_selector() -> None:
    condition = {
        "type": "PodScheduled",
        "status": "False",
        "reason": "Unschedulable",
        "message": UNSCHEDULABLE,
    }
    events = [
        event("FailedScheduling", UNSCHEDULABLE, type="Warning", field="", component=""),
        # the same name, an earlier pod: never shown
        event("FailedScheduling", "old pod", type="Warning", field="", uid="other", rv=9),
    ]
    events[0]["reportingComponent"] = "default-scheduler"
    p = derive(make_pod(conditions=[condition], nodeSelector={"disk": "ssd"}), events)
    assert p.state == "failed"
    assert marks(p)["scheduled"] == "failed" and marks(p)["pulled"] == "pending"
    assert p.stages[1].detail == "0/3 nodes are available"
    assert p.headline == "Cannot be scheduled: no node can take it"
    assert p.problem is not None
    assert p.problem.reason == "Unschedulable"
    assert p.problem.message == UNSCHEDULABLE
    assert p.problem.event is not None
    assert (
        p.problem.event.line() == f"Warning FailedScheduling (default-scheduler): {UNSCHEDULABLE}"
    )
    assert "nodeSelector (disk=ssd)" in p.problem.fix
    assert "toleration" not in p.problem.fix  # the taint clause is about the other nodes


def test_an_unschedulable_pod_without_events_reads_the_condition() -> None:
    condition = {
        "type": "PodScheduled",
        "status": "False",
        "reason": "Unschedulable",
        "message": "0/3 nodes are available: 3 node(s) had untolerated taint(s).",
    }
    p = derive(make_pod(conditions=[condition]), None)
    assert p.state == "failed" and p.problem is not None
    assert p.problem.event is None
    assert p.problem.message.startswith("0/3 nodes are available: 3 node(s) had untolerated")
    assert "add a toleration" in p.problem.fix
    assert p.events_note == NO_EVENTS


@pytest.mark.parametrize(
    ("message", "needle"),
    [
        ("0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.", "cpu, memory"),
        ('0/1 nodes are available: persistentvolumeclaim "data" not found.', "PVC"),
        ("0/1 nodes are available: 1 node(s) were unschedulable.", "uncordon"),
        ("0/1 nodes are available: 1 node(s) didn't have free ports", "hostPort"),
        ("0/0 nodes are available", "no nodes"),
        ("something new the scheduler says", "each clause"),
    ],
)
def test_scheduling_fixes(message: str, needle: str) -> None:
    assert needle in schedule_fix(message, {})


# ---- images -------------------------------------------------------------------------------


def test_pulling_shows_the_image() -> None:
    pod = make_pod(node="podbay-node", statuses=[status(waiting=("ContainerCreating", ""))])
    events = [*scheduled_events(), event("Pulling", 'Pulling image "podbay.local/debian:12"')]
    p = derive(pod, events)
    assert p.state == "waiting"
    assert marks(p)["scheduled"] == "ok" and p.stages[1].detail == "on podbay-node"
    assert marks(p)["pulled"] == "running"
    assert p.stages[2].detail == "pulling podbay.local/debian:12"
    assert p.headline == "Pulling image podbay.local/debian:12"


def test_before_the_kubelet_reports_it_waits_for_the_node() -> None:
    p = derive(make_pod(node="podbay-node"), None)
    assert marks(p)["pulled"] == "running"
    assert p.headline == "Waiting for the kubelet on podbay-node to start the pod"


def _pull_failure(reason: str, message: str) -> dict[str, Any]:
    return make_pod(
        node="podbay-node",
        image="podbay.local/nope:1",
        statuses=[status(image="podbay.local/nope:1", waiting=(reason, message))],
    )


def test_an_image_no_node_has_is_explained_with_the_event_and_the_sandbox_images() -> None:
    events = [
        *scheduled_events(),
        event("Pulling", 'Pulling image "podbay.local/nope:1"', rv=2),
        event(
            "Failed",
            f'Failed to pull image "podbay.local/nope:1": {PULL_MESSAGE}',
            type="Warning",
            rv=3,
        ),
        event("Failed", "Error: ErrImagePull", type="Warning", rv=4),
    ]
    p = derive(_pull_failure("ErrImagePull", PULL_MESSAGE), events, node_images=NODE_IMAGES)
    assert p.state == "failed"
    assert marks(p)["pulled"] == "failed" and marks(p)["started"] == "pending"
    assert p.stages[2].detail == "podbay.local/nope:1: ErrImagePull"
    assert p.headline == "Image podbay.local/nope:1 cannot be pulled"
    assert p.problem is not None
    assert p.problem.reason == "ErrImagePull"
    assert p.problem.event is not None
    assert p.problem.event.message.startswith('Failed to pull image "podbay.local/nope:1"')
    assert p.problem.fix == (
        "no node has this image and the registry cannot be reached: check the name and tag; "
        "in the sandbox use a podbay.local/… image (podbay.local/debian:12, "
        "podbay.local/node:18, podbay.local/python:3.11)"
    )


def test_image_pull_backoff_is_the_same_failure_between_two_attempts() -> None:
    backoff = f'Back-off pulling image "podbay.local/nope:1": ErrImagePull: {PULL_MESSAGE}'
    p = derive(_pull_failure("ImagePullBackOff", backoff), None)
    assert p.problem is not None
    assert p.problem.reason == "ErrImagePull"
    assert p.problem.message == PULL_MESSAGE
    assert p.problem.event is None and p.events_note == NO_EVENTS
    # the nodes' images unknown: only the node the pod is on is known to lack it
    assert p.problem.fix.startswith("the node does not have this image and the registry")
    assert "podbay.local/… image" in p.problem.fix


def test_image_fixes() -> None:
    assert "not a valid image reference" in image_fix("InvalidImageName", "", "A B", None)
    assert "imagePullPolicy is Never" in image_fix("ErrImageNeverPull", "", "x:1", None)
    denied = image_fix("ErrImagePull", "401 Unauthorized", "ghcr.io/me/app:1", [])
    assert "imagePullSecret" in denied and "podbay.local" not in denied
    missing = image_fix("ErrImagePull", "manifest unknown", "ghcr.io/me/app:9", None)
    assert "no such name or tag" in missing


def test_an_invalid_image_name() -> None:
    p = derive(_pull_failure("InvalidImageName", 'couldn\'t parse image name "x y"'), [])
    assert p.headline == "Image name podbay.local/nope:1 is not valid"
    assert p.problem is not None and p.problem.reason == "InvalidImageName"


# ---- starting and running -----------------------------------------------------------------


def test_running_and_ready() -> None:
    pod = make_pod(phase="Running", node="podbay-node", statuses=[status(running=True, ready=True)])
    events = [
        *scheduled_events(),
        event("Pulled", 'Container image "podbay.local/debian:12" already present on machine'),
        event("Created", "Created container: runner"),
        event("Started", "Started container runner"),
    ]
    p = derive(pod, events)
    assert p.state == "running" and not p.final
    assert set(marks(p).values()) == {"ok"}
    details = {s.key: s.detail for s in p.stages}
    assert details["pulled"] == "podbay.local/debian:12, already on the node"
    assert details["started"] == "container runner"
    assert details["running"] == "ready"
    assert p.headline == "Running on podbay-node"
    assert p.problem is None and p.log_target is None
    assert p.elapsed(p.created + 125 if p.created else 0) == 125


def test_running_but_not_ready_warns_about_the_probe() -> None:
    pod = make_pod(phase="Running", node="n1", statuses=[status(running=True)])
    events = [event("Unhealthy", "Readiness probe failed: connection refused", type="Warning")]
    p = derive(pod, events)
    assert p.state == "waiting"
    assert marks(p)["running"] == "running"
    assert p.problem is not None and p.problem.severity == "warning"
    assert "readiness probe" in p.problem.fix


def test_a_volume_that_cannot_be_mounted_is_a_warning_while_creating() -> None:
    pod = make_pod(node="n1", statuses=[status(waiting=("ContainerCreating", ""))])
    events = [
        event("Pulled", 'Container image "podbay.local/debian:12" already present on machine'),
        event("FailedMount", 'MountVolume.SetUp failed: secret "tls" not found', type="Warning"),
    ]
    p = derive(pod, events)
    assert marks(p)["pulled"] == "ok" and marks(p)["started"] == "running"
    assert p.state == "waiting"
    assert p.problem is not None and p.problem.severity == "warning"
    assert p.problem.reason == "FailedMount" and "volume" in p.problem.fix


def test_succeeded_with_exit_code_zero() -> None:
    pod = make_pod(
        phase="Succeeded", node="n1", statuses=[status(terminated=ended(0, "Completed"))]
    )
    p = derive(pod, [])
    assert p.state == "succeeded" and p.final
    assert p.stages[-1].label == "Completed" and p.stages[-1].detail == "exit code 0"
    assert p.headline == "Completed: container runner exited with code 0"
    assert p.log_target == LogTarget("runner", False, "containerd://run1")
    assert p.created is not None
    assert p.elapsed(p.created + 999) == 4  # until the container ended, not now


def test_failed_with_an_exit_code() -> None:
    pod = make_pod(phase="Failed", node="n1", statuses=[status(terminated=ended(3))])
    p = derive(pod, [])
    assert p.state == "failed" and p.final
    assert p.stages[-1].label == "Exited" and marks(p)["running"] == "failed"
    assert p.stages[-1].detail == "exit code 3 (Error)"
    assert p.headline == "Failed: container runner exited with code 3"
    assert p.problem is not None
    assert (p.problem.reason, p.problem.exit_code, p.problem.container) == ("Error", 3, "runner")
    assert "exit code 3" in p.problem.fix and "back-off" not in p.problem.fix
    assert p.log_target == LogTarget("runner", False, "containerd://run1")


def test_a_crash_loop_reads_the_previous_container() -> None:
    pod = make_pod(
        phase="Running",
        node="n1",
        restart="Always",
        statuses=[
            status(
                waiting=("CrashLoopBackOff", "back-off 20s restarting failed container=runner"),
                last=ended(3, n=2),
                restarts=2,
                image_id="sha256:abc",
            )
        ],
    )
    events = [
        event("Started", "Started container runner", rv=1),
        event(
            "BackOff",
            "Back-off restarting failed container runner in pod web_dev(uid)",
            type="Warning",
            rv=2,
        ),
    ]
    p = derive(pod, events)
    assert p.state == "failed" and not p.final
    assert marks(p)["started"] == "ok" and marks(p)["running"] == "failed"
    assert p.stages[-1].detail == "crashing: exit code 3"
    assert p.headline == "Container runner keeps crashing: exit code 3 (restarted 2 times)"
    assert p.problem is not None
    assert (p.problem.reason, p.problem.exit_code) == ("CrashLoopBackOff", 3)
    assert p.problem.message == ""  # the back-off's own message says nothing about why
    assert p.problem.event is not None and p.problem.event.reason == "BackOff"
    assert "back-off" in p.problem.fix
    assert p.log_target == LogTarget("runner", True, "containerd://run2")


def test_between_two_restarts_the_ended_container_is_the_current_one() -> None:
    pod = make_pod(
        phase="Running",
        node="n1",
        restart="Always",
        statuses=[status(terminated=ended(3, n=3), restarts=1)],
    )
    p = derive(pod, None)
    assert p.state == "failed"
    assert p.problem is not None and p.problem.reason == "Error" and p.problem.exit_code == 3
    assert p.log_target == LogTarget("runner", False, "containerd://run3")


def test_exit_zero_under_restart_policy_always() -> None:
    pod = make_pod(
        phase="Running",
        node="n1",
        restart="Always",
        statuses=[status(waiting=("CrashLoopBackOff", ""), last=ended(0, "Completed"), restarts=3)],
    )
    p = derive(pod, [])
    assert p.problem is not None and "restartPolicy Never" in p.problem.fix


def test_out_of_memory() -> None:
    pod = make_pod(phase="Failed", node="n1", statuses=[status(terminated=ended(137, "OOMKilled"))])
    pod["spec"]["containers"][0]["resources"] = {"limits": {"memory": "64Mi"}}
    p = derive(pod, [])
    assert p.problem is not None and p.problem.reason == "OOMKilled"
    assert "resources.limits.memory (64Mi)" in p.problem.fix


def test_a_command_that_is_not_in_the_image() -> None:
    message = (
        "failed to create containerd task: failed to create shim task: OCI runtime create "
        'failed: runc create failed: unable to start container process: exec: "/nope": stat '
        "/nope: no such file or directory: unknown"
    )
    term = {
        "exitCode": 128,
        "reason": "StartError",
        "message": message,
        "startedAt": "1970-01-01T00:00:00Z",
        "finishedAt": "2026-01-01T00:00:03Z",
    }
    pod = make_pod(phase="Failed", node="n1", statuses=[status(terminated=term)])
    p = derive(pod, [event("Failed", f"Error: {message}", type="Warning")])
    assert marks(p)["started"] == "failed" and marks(p)["running"] == "pending"
    assert p.headline == "Container runner could not start: StartError"
    assert p.problem is not None and p.problem.exit_code == 128
    assert "does not exist in the image" in p.problem.fix
    assert p.log_target is None  # it never ran: there is no log
    assert p.final and p.finished is not None


def test_a_missing_secret() -> None:
    pod = make_pod(
        node="n1",
        statuses=[status(waiting=("CreateContainerConfigError", 'secret "db" not found'))],
    )
    pod["status"]["containerStatuses"][0]["imageID"] = "sha256:abc"
    p = derive(pod, None)
    assert marks(p)["started"] == "failed"
    assert p.problem is not None and "create the missing secret" in p.problem.fix


def test_a_failing_init_container() -> None:
    pod = make_pod(
        node="n1",
        init=["migrate"],
        init_statuses=[status(name="migrate", terminated=ended(1))],
        statuses=[status(waiting=("PodInitializing", ""))],
    )
    pod["status"]["phase"] = "Failed"
    p = derive(pod, [])
    assert [s.key for s in p.stages] == [
        "created", "scheduled", "init", "pulled", "started", "running"
    ]  # fmt: skip
    assert marks(p)["init"] == "failed" and marks(p)["pulled"] == "pending"
    assert p.problem is not None and p.problem.container == "migrate"
    assert p.headline == "Init container migrate failed with exit code 1"
    assert p.log_target == LogTarget("migrate", False, "containerd://run1")


def test_a_pod_that_failed_without_a_container_reason() -> None:
    pod = make_pod(phase="Failed", node="n1", statuses=[status(running=True)])
    pod["status"].update(reason="Evicted", message="The node was low on resource: memory.")
    p = derive(pod, [])
    assert p.state == "failed" and p.problem is not None and p.problem.reason == "Evicted"
    assert p.headline.startswith("Failed: Evicted")


@pytest.mark.parametrize(
    "pod",
    [
        make_pod(),
        make_pod(node="n1", statuses=[status(waiting=("ContainerCreating", ""))]),
        _pull_failure("ErrImagePull", PULL_MESSAGE),
        make_pod(phase="Running", node="n1", statuses=[status(running=True, ready=True)]),
        make_pod(phase="Failed", node="n1", statuses=[status(terminated=ended(3))]),
        make_pod(phase="Succeeded", node="n1", statuses=[status(terminated=ended(0))]),
        {},  # nothing at all: still a picture
    ],
)
def test_without_events_nothing_fails_and_the_view_says_why(pod: dict[str, Any]) -> None:
    with_events = derive(pod, [])
    without = derive(pod, None)
    assert without.events_note == NO_EVENTS and with_events.events_note == ""
    assert [s.status for s in without.stages] == [s.status for s in with_events.stages]
    assert without.state == with_events.state


def test_gone_keeps_the_last_picture() -> None:
    last = derive(make_pod(phase="Running", node="n1", statuses=[status(running=True)]), [])
    p = gone(last, "web", "dev", "pod web not found")
    assert p.state == "gone" and p.final and p.stages == last.stages
    assert p.headline == "Pod web is gone (deleted)"
    never = gone(None, "web", "dev", "pod web not found")
    assert never.headline == "Pod web does not exist" and never.state == "gone"


# ---- the follower -------------------------------------------------------------------------


class Script:
    """A source that answers from lists (the last answer repeats)."""

    def __init__(self, pods: list[Any], events: Any = None) -> None:
        self.pods = pods
        self.event_answer = events if events is not None else []
        self.log_reads: list[LogTarget] = []
        self.node_reads = 0

    def pod(self) -> dict[str, Any]:
        answer = self.pods.pop(0) if len(self.pods) > 1 else self.pods[0]
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, dict)
        return answer

    def events(self, pod: dict[str, Any]) -> list[dict[str, Any]]:
        if isinstance(self.event_answer, Exception):
            raise self.event_answer
        assert isinstance(self.event_answer, list)
        return self.event_answer

    def logs(self, target: LogTarget, tail: int) -> list[str]:
        self.log_reads.append(target)
        return ["line 1", "boom"][-tail:]

    def node_images(self) -> list[str] | None:
        self.node_reads += 1
        return NODE_IMAGES


def test_follower_without_events_permission_and_logs_read_once() -> None:
    forbidden = ApiError(403, "forbidden: cannot list events in namespace dev", "grant it")
    crash = make_pod(
        phase="Running",
        node="n1",
        restart="Always",
        statuses=[status(waiting=("CrashLoopBackOff", ""), last=ended(3, n=1), restarts=1)],
    )
    between = make_pod(
        phase="Running",
        node="n1",
        restart="Always",
        statuses=[status(terminated=ended(3, n=1), restarts=1)],
    )
    source = Script([crash, between, crash], events=forbidden)
    f = ProgressFollower(source, "web", "dev")
    first = f.poll()
    assert first.events_note == NO_EVENTS
    assert first.log_lines == ("line 1", "boom")
    f.poll()
    f.poll()
    assert len(source.log_reads) == 1  # the same ended container: its lines are kept


def test_follower_asks_for_node_images_once_for_an_image_failure() -> None:
    source = Script([_pull_failure("ErrImagePull", PULL_MESSAGE)])
    f = ProgressFollower(source, "web", "dev")
    for _ in range(3):
        p = f.poll()
    assert source.node_reads == 1
    assert p.problem is not None and "podbay.local/python:3.11" in p.problem.fix


def test_follower_calls_back_on_change_and_survives_errors() -> None:
    pending = make_pod()
    running = make_pod(phase="Running", node="n1", statuses=[status(running=True, ready=True)])
    lost = PodbayError("cannot get pod web: the cluster is unreachable", "check")
    missing = ApiError(404, "cannot get pod web in namespace dev: pod not found", "check")
    source = Script([pending, pending, running, lost, running, missing])
    seen: list[Progress] = []
    done = threading.Event()

    def changed(p: Progress) -> None:
        seen.append(p)
        if p.state == "gone":
            done.set()

    f = ProgressFollower(source, "web", "dev", on_change=changed, interval=0.01)
    f.start()
    assert done.wait(10)
    f.stop()
    assert f.wait(5)
    states = [(p.state, p.note.split(";")[0]) for p in seen]
    assert states == [
        ("waiting", ""),
        ("running", ""),
        ("running", "cannot get pod web: the cluster is unreachable"),
        ("running", ""),
        ("gone", ""),
    ]
    assert seen[-1].problem is not None and "not found" in seen[-1].problem.message
