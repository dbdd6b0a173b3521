"""A new pod, step by step: the engine of the TUI's progress view (no Textual here).

``derive(pod, events)`` is a pure function from the pod's raw JSON and its events to a
``Progress``: a checklist of stages (Created → Scheduled → [Init containers →] Image pulled →
Started → Running, or Completed / Exited), a headline, and, when something is wrong, a
``Problem``: the reason, the message, the event behind it and what to do. ``events=None``
means the events could not be listed (the spec's Role has no ``list events``): everything
is then read from the pod's status alone (container waiting/terminated reasons and
messages, the PodScheduled condition) and nothing fails for it.

``ProgressFollower`` polls the pod and its events on its own thread every half second (the
spec's Role has no ``watch`` either) and calls back when the picture changes. It also reads
the last log lines of a container that ended or crashed (the previous container in a crash
loop) and, when an image cannot be pulled, which images the nodes have (when the account
may list nodes; otherwise that part of the advice is just absent).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, Protocol

from tui.core.age import parse_timestamp
from tui.core.errors import ApiError, PodbayError
from tui.core.events import event_sort_key, event_time

if TYPE_CHECKING:
    from tui.core.workbench import Workbench

__all__ = [
    "ClusterSource",
    "Event",
    "LogTarget",
    "Problem",
    "Progress",
    "ProgressFollower",
    "Stage",
    "derive",
    "gone",
]

Obj = dict[str, Any]
StageStatus = Literal["ok", "running", "failed", "pending"]
State = Literal["waiting", "running", "succeeded", "failed", "gone"]

LOG_LINES = 10  # the last lines shown under a crash or an exit
POLL_SECONDS = 0.5
FINAL_POLL_SECONDS = 2.0  # a pod that has finished changes only when it is deleted

IMAGE_REASONS = frozenset(
    {
        "ErrImagePull",
        "ImagePullBackOff",
        "InvalidImageName",
        "ErrImageNeverPull",
        "RegistryUnavailable",
        "ImageInspectError",
        "SignatureValidationFailed",
    }
)
START_REASONS = frozenset(
    {
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
        "PreCreateHookError",
        "PreStartHookError",
        "PostStartHookError",
        "StartError",
        "ContainerCannotRun",
    }
)
#: Warnings that explain a pod stuck before its container starts (it may still recover).
SETUP_WARNINGS = frozenset({"FailedMount", "FailedAttachVolume", "FailedCreatePodSandBox"})
NO_EVENTS = (
    'events are not shown: this account may not "list events" here; '
    "the view reads the pod's status alone"
)
_EPOCH = "1970-01-01T00:00:00Z"
_BACKOFF_PREFIX = re.compile(r'^Back-off pulling image "[^"]*": (?:\w+: )?')


# -- the result ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One event about the pod, as the view shows it."""

    type: str  # Normal | Warning
    reason: str
    message: str
    source: str  # kubelet, default-scheduler, ...
    count: int
    time: str  # RFC 3339 of its last occurrence
    field_path: str = ""  # spec.containers{runner}

    def line(self) -> str:
        source = f" ({self.source})" if self.source else ""
        return f"{self.type} {self.reason}{source}: {self.message}"


@dataclass(frozen=True)
class Problem:
    """Why the pod does not get further, and what to do. ``severity`` "warning": it may still
    recover (a volume not mounted yet, a readiness probe failing)."""

    reason: str
    message: str
    fix: str
    event: Event | None = None
    container: str = ""
    exit_code: int | None = None
    severity: Literal["error", "warning"] = "error"


@dataclass(frozen=True)
class Stage:
    key: str  # created | scheduled | init | pulled | started | running
    label: str
    status: StageStatus
    detail: str = ""


@dataclass(frozen=True)
class LogTarget:
    """Whose last log lines explain the outcome: ``instance`` is the ended container's ID, so
    the lines are read once per container run."""

    container: str
    previous: bool
    instance: str


@dataclass(frozen=True)
class Progress:
    name: str
    namespace: str
    uid: str
    state: State
    headline: str
    stages: tuple[Stage, ...]
    problem: Problem | None = None
    node: str = ""
    phase: str = ""
    containers: tuple[str, ...] = ()  # the pod's containers (for the log viewer)
    created: float | None = None  # epoch seconds
    finished: float | None = None  # when the last container ended, for a finished pod
    log_target: LogTarget | None = None
    log_lines: tuple[str, ...] = ()
    logs_note: str = ""  # why the log lines are missing
    events_note: str = ""  # why events are not shown ("" when they are)
    note: str = ""  # a passing trouble of the follower (the cluster unreachable, ...)

    @property
    def final(self) -> bool:
        """Nothing will change any more (Succeeded, Failed, or deleted)."""
        return self.state == "gone" or self.phase in ("Succeeded", "Failed")

    def elapsed(self, now: float) -> float | None:
        """Seconds since creation; for a finished pod, until its last container ended."""
        if self.created is None:
            return None
        end = self.finished if self.final and self.finished is not None else now
        return max(0.0, end - self.created)


# -- small readers -------------------------------------------------------------------------


def _epoch(ts: Any) -> float | None:
    t = parse_timestamp(ts)
    return t.timestamp() if t else None


def pod_events(pod: Obj, events: Iterable[Obj]) -> list[Event]:
    """The events of this very pod (a pod re-created under the same name has another UID),
    oldest first."""
    meta = pod.get("metadata") or {}
    name, uid = meta.get("name"), meta.get("uid")
    mine = []
    for e in events:
        involved = e.get("involvedObject") or {}
        if involved.get("kind", "Pod") != "Pod" or involved.get("name") != name:
            continue
        if uid and involved.get("uid") and involved.get("uid") != uid:
            continue
        mine.append(e)
    out = []
    for e in sorted(mine, key=event_sort_key):
        series = e.get("series") or {}
        out.append(
            Event(
                type=str(e.get("type") or "Normal"),
                reason=str(e.get("reason") or ""),
                message=" ".join(str(e.get("message") or "").split()),
                source=str(
                    (e.get("source") or {}).get("component") or e.get("reportingComponent") or ""
                ),
                count=int(series.get("count") or e.get("count") or 1),
                time=event_time(e),
                field_path=str((e.get("involvedObject") or {}).get("fieldPath") or ""),
            )
        )
    return out


def _latest(
    events: Sequence[Event],
    reasons: Iterable[str],
    *,
    container: str | None = None,
    contains: str = "",
) -> Event | None:
    wanted = set(reasons)
    for e in reversed(events):
        if e.reason not in wanted or contains not in e.message:
            continue
        if container is not None and e.field_path and not e.field_path.endswith(f"{{{container}}}"):
            continue
        return e
    return None


def _state(status: Obj, which: str = "state") -> tuple[str, Obj]:
    """(waiting | running | terminated | "", its fields) of a container status."""
    state = status.get(which) or {}
    for key in ("waiting", "running", "terminated"):
        if key in state and state[key] is not None:
            return key, dict(state[key])
    return "", {}


def _exit(term: Obj) -> int | None:
    code = term.get("exitCode")
    return int(code) if isinstance(code, int) else None


def _never_ran(term: Obj) -> bool:
    return term.get("reason") in START_REASONS or term.get("startedAt") in (None, "", _EPOCH)


def _clean(message: str) -> str:
    return " ".join(str(message or "").split())


def _cut(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# -- what to do ----------------------------------------------------------------------------


def _selector_text(spec: Obj) -> str:
    sel = spec.get("nodeSelector") or {}
    return ", ".join(f"{k}={v}" for k, v in sorted(sel.items()))


def schedule_fix(message: str, spec: Obj) -> str:
    """What to do about a FailedScheduling message, clause by clause (at most two fixes)."""
    m = message
    fixes: list[str] = []
    if "node affinity/selector" in m or "didn't match Pod's node affinity" in m:
        sel = _selector_text(spec)
        if sel:
            fixes.append(
                f"no node has the labels of its nodeSelector ({sel}): fix or remove the "
                "nodeSelector (kubectl get nodes --show-labels lists the labels)"
            )
        else:
            fixes.append("no node matches its node affinity: relax or remove the affinity")
    insufficient = sorted(set(re.findall(r"Insufficient ([\w./-]+)", m)))
    if insufficient:
        fixes.append(
            f"no node has enough free {', '.join(insufficient)} for its requests: lower "
            "resources.requests, or free capacity on a node"
        )
    if "Too many pods" in m:
        fixes.append("the nodes hold as many pods as they may: delete finished pods (x)")
    if "persistentvolumeclaim" in m.lower() or "PersistentVolumeClaim" in m:
        fixes.append("a PVC it mounts is missing or not bound: create it, or check its volume")
    if "volume node affinity conflict" in m:
        fixes.append("its volume lives on a node the pod cannot use: move the volume or the pod")
    if "free ports" in m:
        fixes.append("the hostPort it asks for is taken on every node: drop it or pick another")
    if "were unschedulable" in m:
        fixes.append("nodes are cordoned: uncordon one (kubectl uncordon NODE)")
    if "untolerated taint" in m and not fixes:
        fixes.append(
            "every node it could use is tainted: add a toleration for the taint (kubectl "
            "describe node shows it) or use an untainted node; in the podbay sandbox only "
            "podbay-node runs containers (the kwok nodes are tainted kwok.x-k8s.io/node)"
        )
    if re.search(r"\b0/0 nodes\b", m) or "no nodes available" in m:
        fixes.append("the cluster has no nodes: add one (podbay sandbox up starts podbay-node)")
    if not fixes:
        return (
            "each clause of the scheduler's message says why nodes turned it down: change the "
            "pod (nodeSelector, tolerations, requests) or the nodes"
        )
    return "; ".join(fixes[:2])


def _sandbox_images(node_images: Sequence[str] | None) -> list[str]:
    return sorted(
        {
            n
            for n in node_images or ()
            if n.startswith("podbay.local/") and "@" not in n and "/pause:" not in n
        }
    )


def image_fix(reason: str, message: str, image: str, node_images: Sequence[str] | None) -> str:
    """What to do about an image that cannot be pulled."""
    low = message.lower()
    if reason == "InvalidImageName":
        return f"{image!r} is not a valid image reference: write it as [registry/]name:tag"
    on_nodes = _sandbox_images(node_images)
    sandbox = image.startswith("podbay.local/") or bool(on_nodes)
    if reason == "ErrImageNeverPull":
        head = f"imagePullPolicy is Never and the node has no {image}: use IfNotPresent"
    else:
        if any(
            s in low
            for s in ("no such host", "dial tcp", "connection refused", "i/o timeout", "timeout")
        ):
            cause = "the registry cannot be reached"
            sandbox = True  # a cluster without network: most likely the sandbox
        elif any(s in low for s in ("unauthorized", "authentication", "denied", "forbidden")):
            cause = "the registry refused access (private image? add an imagePullSecret)"
        elif any(s in low for s in ("not found", "manifest unknown", "404")):
            cause = "the registry has no such name or tag"
        else:
            cause = "it could not be pulled"
        nobody = node_images is not None and image not in node_images
        where = "no node has this image" if nobody else "the node does not have this image"
        head = f"{where} and {cause}: check the name and tag"
    if sandbox:
        head += "; in the sandbox use a podbay.local/… image"
        if on_nodes:
            head += f" ({', '.join(on_nodes)})"
    return head


def start_fix(reason: str, message: str) -> str:
    low = message.lower()
    if reason == "CreateContainerConfigError":
        kind = "secret" if "secret" in low else "configmap" if "configmap" in low else "object"
        return f"create the missing {kind}, or fix its name in env / envFrom / volumes"
    if "no such file or directory" in low or "executable file not found" in low:
        return (
            "the command does not exist in the image: fix command (or args), or pick an "
            "image that has it"
        )
    if "permission denied" in low:
        return "the command is not executable in the image: fix its path or permissions"
    if "hook" in reason.lower():
        return "a lifecycle hook failed: fix or remove the hook"
    return "the container runtime refused to start it: the message says why"


def exit_fix(code: int | None, reason: str, *, restarts: bool, memory_limit: str = "") -> str:
    """What to do about a container that ended with ``code`` (``restarts``: it is restarted
    again and again, a crash loop)."""
    again = "; while it fails, Kubernetes restarts it with a growing back-off" if restarts else ""
    if reason == "OOMKilled":
        limit = f" ({memory_limit})" if memory_limit else ""
        return f"it ran out of memory: raise resources.limits.memory{limit}, or use less"
    if code == 0 and restarts:
        return (
            "the command finished (exit code 0) and restartPolicy Always starts it again: "
            "use restartPolicy Never (or OnFailure) for a one-shot run, or a command that "
            "keeps running"
        )
    if code == 127:
        return "the command was not found in the image: fix command / args, or pick another image"
    if code == 126:
        return "the command is not executable: fix its path or permissions" + again
    if code == 137:
        return (
            "it was killed (SIGKILL): out of memory, or a liveness probe that failed (see the "
            "events)" + again
        )
    if code == 143:
        return "it was stopped with SIGTERM" + again
    return (
        f"the command failed with exit code {code}: its last log lines say why; fix the "
        "command, its arguments or what it needs (env, files, services)" + again
    )


# -- the derivation ------------------------------------------------------------------------


@dataclass
class _Unit:
    """One container of the spec with its status (empty until the kubelet reports it)."""

    name: str
    image: str
    status: Obj
    init: bool

    @property
    def kind(self) -> str:
        return "initContainers" if self.init else "containers"

    def pulled(self, events: Sequence[Event]) -> bool:
        state, _ = _state(self.status)
        if self.status.get("imageID") or state in ("running", "terminated"):
            return True
        if _state(self.status, "lastState")[0] == "terminated":  # it ran before
            return True
        return (
            _latest(events, ["Pulled"], container=self.name, contains=f'"{self.image}"') is not None
        )

    def started(self) -> bool:
        state, fields = _state(self.status)
        if state == "running" or self.status.get("started"):
            return True
        if state == "terminated" and not _never_ran(fields):
            return True
        last, last_fields = _state(self.status, "lastState")
        return last == "terminated" and not _never_ran(last_fields)


def _units(spec: Obj, st: Obj, key: str, status_key: str, init: bool) -> list[_Unit]:
    statuses = {s.get("name"): s for s in st.get(status_key) or [] if isinstance(s, dict)}
    return [
        _Unit(
            str(c.get("name", "")), str(c.get("image", "")), statuses.get(c.get("name")) or {}, init
        )
        for c in spec.get(key) or []
        if isinstance(c, dict)
    ]


def _image_problem(
    units: Sequence[_Unit], events: Sequence[Event], node_images: Sequence[str] | None
) -> tuple[_Unit, Problem] | None:
    for u in units:
        state, fields = _state(u.status)
        reason = str(fields.get("reason") or "")
        if state != "waiting" or reason not in IMAGE_REASONS:
            continue
        message = _clean(fields.get("message") or "")
        if reason == "ImagePullBackOff":
            # the same failure as ErrImagePull, between two attempts: say what failed
            inner = re.search(r": (ErrImagePull|ErrImageNeverPull|RegistryUnavailable):", message)
            reason = inner.group(1) if inner else "ErrImagePull"
            message = _BACKOFF_PREFIX.sub("", message)
        event = _latest(events, ["Failed"], container=u.name, contains="Failed to pull image")
        event = event or _latest(
            events, ["Failed", "InspectFailed", "ErrImageNeverPull"], container=u.name
        )
        if not message and event is not None:
            message = event.message
        fix = image_fix(
            reason, message + " " + (event.message if event else ""), u.image, node_images
        )
        return u, Problem(reason, message, fix, event, u.name)
    return None


def _start_problem(units: Sequence[_Unit], events: Sequence[Event]) -> tuple[_Unit, Problem] | None:
    for u in units:
        state, fields = _state(u.status)
        last, last_fields = _state(u.status, "lastState")
        reason = str(fields.get("reason") or "")
        if (state == "waiting" and reason in START_REASONS) or (
            state == "terminated" and _never_ran(fields) and reason
        ):
            message = _clean(fields.get("message") or "")
        elif (
            state == "waiting"
            and reason == "CrashLoopBackOff"
            and last == "terminated"
            and _never_ran(last_fields)
        ):
            reason = str(last_fields.get("reason") or "StartError")
            message = _clean(last_fields.get("message") or "")
        else:
            continue
        event = _latest(events, ["Failed"], container=u.name, contains="Error")
        if not message and event is not None:
            message = event.message
        code = _exit(fields) if state == "terminated" else _exit(last_fields)
        return u, Problem(reason, message, start_fix(reason, message), event, u.name, code)
    return None


def _memory_limit(spec: Obj, name: str) -> str:
    for c in spec.get("containers") or []:
        if c.get("name") == name:
            return str(((c.get("resources") or {}).get("limits") or {}).get("memory") or "")
    return ""


def _restarts(spec: Obj, term: Obj) -> bool:
    """Whether the kubelet starts a container that ended so again (its restart policy)."""
    policy = spec.get("restartPolicy") or "Always"
    return policy == "Always" or (policy == "OnFailure" and _exit(term) != 0)


def _crash(
    u: _Unit, spec: Obj, phase: str, events: Sequence[Event]
) -> tuple[Problem, LogTarget, str] | None:
    """A container that ended and will be (or was) started again: (problem, logs, headline)."""
    state, fields = _state(u.status)
    last, last_fields = _state(u.status, "lastState")
    restarts = int(u.status.get("restartCount") or 0)
    if state == "waiting" and fields.get("reason") == "CrashLoopBackOff" and last == "terminated":
        term, previous, reason = last_fields, True, "CrashLoopBackOff"
    elif state == "terminated" and phase in ("Running", "Pending") and _restarts(spec, fields):
        term, previous, reason = fields, False, str(fields.get("reason") or "Error")
    else:
        return None
    code = _exit(term)
    term_reason = str(term.get("reason") or "")
    if term_reason == "OOMKilled":
        reason = "OOMKilled"
    times = f"restarted {restarts} time{'s' if restarts != 1 else ''}"
    if restarts:
        headline = f"Container {u.name} keeps crashing: exit code {code} ({times})"
    else:
        headline = f"Container {u.name} exited with code {code}; it will be restarted"
    message = _clean(term.get("message") or "")
    event = _latest(events, ["BackOff"], container=u.name, contains="restarting")
    fix = exit_fix(code, term_reason, restarts=True, memory_limit=_memory_limit(spec, u.name))
    target = LogTarget(u.name, previous, str(term.get("containerID") or f"restart-{restarts}"))
    return Problem(reason, message, fix, event, u.name, code), target, headline


def _pod_failure_reason(st: Obj) -> tuple[str, str]:
    return str(st.get("reason") or ""), _clean(st.get("message") or "")


def derive(
    pod: Obj,
    events: Sequence[Obj] | None,
    *,
    node_images: Sequence[str] | None = None,
    events_note: str | None = None,
) -> Progress:
    """The progress of ``pod`` (raw JSON) given its ``events`` (None: not permitted).

    ``node_images``: the image names the nodes hold, when known (makes "no node has this
    image" certain and lists the sandbox's images in the advice)."""
    meta: Obj = pod.get("metadata") or {}
    spec: Obj = pod.get("spec") or {}
    st: Obj = pod.get("status") or {}
    phase = str(st.get("phase") or "Pending")
    evs = pod_events(pod, events or [])
    node = str(spec.get("nodeName") or "")
    inits = _units(spec, st, "initContainers", "initContainerStatuses", True)
    mains = _units(spec, st, "containers", "containerStatuses", False)
    conditions = {str(c.get("type")): c for c in st.get("conditions") or [] if isinstance(c, dict)}
    stages: list[Stage] = [Stage("created", "Created", "ok")]
    problem: Problem | None = None
    log_target: LogTarget | None = None
    headline = ""
    finished: float | None = None

    # -- scheduled ---------------------------------------------------------------------
    scheduled_cond = conditions.get("PodScheduled") or {}
    if node:
        stages.append(Stage("scheduled", "Scheduled", "ok", f"on {node}"))
    elif (
        scheduled_cond.get("status") == "False"
        and scheduled_cond.get("reason") == "SchedulingGated"
    ):
        message = _clean(scheduled_cond.get("message") or "")
        stages.append(Stage("scheduled", "Scheduled", "running", "held by scheduling gates"))
        headline = "Waiting: scheduling gates hold the pod"
        problem = Problem(
            "SchedulingGated", message, "remove spec.schedulingGates when it may run", None,
            severity="warning",
        )  # fmt: skip
    else:
        event = _latest(evs, ["FailedScheduling"])
        unschedulable = scheduled_cond.get("status") == "False" and scheduled_cond.get(
            "reason"
        ) in ("Unschedulable", "")
        if unschedulable or event is not None:
            message = (event.message if event else "") or _clean(
                scheduled_cond.get("message") or ""
            )
            problem = Problem("Unschedulable", message, schedule_fix(message, spec), event)
            stages.append(Stage("scheduled", "Scheduled", "failed", _cut(_first_clause(message))))
            headline = "Cannot be scheduled: no node can take it"
        else:
            stages.append(Stage("scheduled", "Scheduled", "running", "waiting for the scheduler"))
            headline = "Waiting for the scheduler to pick a node"

    blocked = not node  # later stages cannot have started

    # -- init containers ---------------------------------------------------------------
    if inits:
        initialized = (conditions.get("Initialized") or {}).get("status") == "True" or all(
            _state(u.status)[0] == "terminated" and _exit(_state(u.status)[1]) == 0 for u in inits
        )
        if blocked:
            stages.append(Stage("init", "Init containers", "pending"))
        elif initialized:
            stages.append(Stage("init", "Init containers", "ok", f"{len(inits)} done"))
        else:
            found = _image_problem(inits, evs, node_images) or _start_problem(inits, evs)
            crash = None
            if found is None:
                for u in inits:
                    crash = _crash(u, spec, phase, evs) or _init_failed(u)
                    if crash:
                        break
            if found is not None:
                u, problem = found
                stages.append(
                    Stage("init", "Init containers", "failed", f"{u.name}: {problem.reason}")
                )
                headline = _headline_for(problem, u)
            elif crash is not None:
                problem, log_target, headline = crash
                stages.append(
                    Stage(
                        "init",
                        "Init containers",
                        "failed",
                        f"{problem.container}: exit code {problem.exit_code}",
                    )
                )
            else:
                current = next((u for u in inits if _state(u.status)[0] != "terminated"), inits[0])
                stages.append(
                    Stage("init", "Init containers", "running", f"running {current.name}")
                )
                headline = f"Running init container {current.name}"
            blocked = True

    # -- image pulled ------------------------------------------------------------------
    if blocked:
        stages.append(Stage("pulled", "Image pulled", "pending"))
    else:
        found = _image_problem(mains, evs, node_images)
        if found is not None:
            u, problem = found
            stages.append(Stage("pulled", "Image pulled", "failed", f"{u.image}: {problem.reason}"))
            headline = _headline_for(problem, u)
            blocked = True
        elif all(u.pulled(evs) for u in mains):
            stages.append(Stage("pulled", "Image pulled", "ok", _pulled_detail(mains, evs)))
        else:
            waiting = [u for u in mains if not u.pulled(evs)]
            pulling = [
                u for u in waiting if _latest(evs, ["Pulling"], container=u.name) is not None
            ]
            if pulling:
                detail = f"pulling {pulling[0].image}"
                headline = f"Pulling image {pulling[0].image}"
            else:
                detail = f"waiting for the kubelet on {node}"
                headline = f"Waiting for the kubelet on {node} to start the pod"
            stages.append(Stage("pulled", "Image pulled", "running", detail))
            blocked = True

    # -- started -----------------------------------------------------------------------
    if blocked:
        stages.append(Stage("started", "Started", "pending"))
    else:
        found = _start_problem(mains, evs)
        if found is not None:
            u, problem = found
            stages.append(Stage("started", "Started", "failed", f"{u.name}: {problem.reason}"))
            headline = f"Container {u.name} could not start: {problem.reason}"
            blocked = True
        elif all(u.started() for u in mains):
            names = ", ".join(u.name for u in mains)
            stages.append(Stage("started", "Started", "ok", f"container {names}"))
        else:
            u = next(u for u in mains if not u.started())
            stages.append(Stage("started", "Started", "running", f"creating container {u.name}"))
            headline = f"Creating container {u.name}"
            warning = _latest(evs, SETUP_WARNINGS)
            if warning is not None and problem is None:
                problem = Problem(
                    warning.reason, warning.message, _setup_fix(warning.reason), warning,
                    severity="warning",
                )  # fmt: skip
            blocked = True

    # -- running / completed / exited --------------------------------------------------
    state: State = "waiting"
    if blocked:
        stages.append(Stage("running", "Running", "pending"))
    elif phase == "Succeeded":
        stages.append(Stage("running", "Completed", "ok", "exit code 0"))
        headline = "Completed: " + (
            f"container {mains[0].name} exited with code 0"
            if len(mains) == 1
            else "every container exited with code 0"
        )
        log_target = _log_target(mains[0], previous=False) if mains else None
        state = "succeeded"
    elif phase == "Failed":
        bad = next(
            (
                u
                for u in mains
                if _state(u.status)[0] == "terminated" and _exit(_state(u.status)[1]) != 0
            ),
            None,
        )
        if bad is not None:
            term = _state(bad.status)[1]
            code = _exit(term)
            reason = str(term.get("reason") or "Error")
            fix = exit_fix(code, reason, restarts=False, memory_limit=_memory_limit(spec, bad.name))
            problem = Problem(reason, _clean(term.get("message") or ""), fix, None, bad.name, code)
            stages.append(Stage("running", "Exited", "failed", f"exit code {code} ({reason})"))
            headline = f"Failed: container {bad.name} exited with code {code}"
            log_target = _log_target(bad, previous=False)
        else:
            reason, message = _pod_failure_reason(st)
            reason = reason or "Failed"
            event = _latest(evs, [reason]) if reason != "Failed" else None
            problem = Problem(reason, message, _pod_failed_fix(reason), event)
            stages.append(Stage("running", "Exited", "failed", reason))
            headline = f"Failed: {reason}" + (f": {_cut(message, 50)}" if message else "")
        state = "failed"
    else:
        crash = None
        for u in mains:
            crash = _crash(u, spec, phase, evs)
            if crash:
                break
        if crash is not None:
            problem, log_target, headline = crash
            stages.append(
                Stage("running", "Running", "failed", f"crashing: exit code {problem.exit_code}")
            )
        elif any(_state(u.status)[0] == "running" for u in mains) and all(
            _state(u.status)[0] in ("running", "terminated") for u in mains
        ):  # (a container of restartPolicy Never may have finished before the others)
            running = [u for u in mains if _state(u.status)[0] == "running"]
            ready = all(u.status.get("ready") for u in running)
            restarted = sum(int(u.status.get("restartCount") or 0) for u in mains)
            extra = (
                f"; restarted {restarted} time{'s' if restarted != 1 else ''}" if restarted else ""
            )
            if ready:
                stages.append(Stage("running", "Running", "ok", "ready" + extra))
                headline = f"Running on {node}"
                state = "running"
            else:
                stages.append(Stage("running", "Running", "running", "waiting to be ready" + extra))
                headline = "Running, waiting for the readiness probe"
                unhealthy = _latest(evs, ["Unhealthy"])
                if unhealthy is not None and problem is None:
                    problem = Problem(
                        "Unhealthy", unhealthy.message,
                        "the readiness probe fails: check its port, path and timing", unhealthy,
                        severity="warning",
                    )  # fmt: skip
        else:
            stages.append(Stage("running", "Running", "running", "starting"))
            headline = "Starting"

    if any(s.status == "failed" for s in stages):
        state = "failed"
    if phase in ("Succeeded", "Failed"):
        ends = [
            _epoch(_state(u.status)[1].get("finishedAt"))
            for u in (*inits, *mains)
            if _state(u.status)[0] == "terminated"
        ]
        finished = max((t for t in ends if t is not None), default=None)
    if meta.get("deletionTimestamp"):
        headline = "Being deleted"
    return Progress(
        name=str(meta.get("name", "")),
        namespace=str(meta.get("namespace", "")),
        uid=str(meta.get("uid", "")),
        state=state,
        headline=headline,
        stages=tuple(stages),
        problem=problem,
        node=node,
        phase=phase,
        containers=tuple(u.name for u in mains),
        created=_epoch(meta.get("creationTimestamp")),
        finished=finished,
        log_target=log_target,
        events_note=(NO_EVENTS if events_note is None else events_note) if events is None else "",
    )


def _first_clause(message: str) -> str:
    """The scheduler's summary: "0/3 nodes are available" (the rest is in the message)."""
    return message.split(":", 1)[0] if message else "no node fits"


def _headline_for(problem: Problem, u: _Unit) -> str:
    if problem.reason == "InvalidImageName":
        return f"Image name {u.image} is not valid"
    return f"Image {u.image} cannot be pulled"


def _pulled_detail(units: Sequence[_Unit], events: Sequence[Event]) -> str:
    images = list(dict.fromkeys(u.image for u in units))
    present = all(
        _latest(events, ["Pulled"], container=u.name, contains="already present") is not None
        for u in units
    )
    text = ", ".join(images)
    return text + (", already on the node" if present and events else "")


def _log_target(u: _Unit, *, previous: bool) -> LogTarget | None:
    state, fields = _state(u.status, "lastState" if previous else "state")
    if state != "terminated" or _never_ran(fields):
        return None
    return LogTarget(u.name, previous, str(fields.get("containerID") or u.name))


def _init_failed(u: _Unit) -> tuple[Problem, LogTarget, str] | None:
    state, fields = _state(u.status)
    code = _exit(fields)
    if state != "terminated" or code in (0, None):
        return None
    reason = str(fields.get("reason") or "Error")
    fix = exit_fix(code, reason, restarts=False)
    problem = Problem(reason, _clean(fields.get("message") or ""), fix, None, u.name, code)
    target = LogTarget(u.name, False, str(fields.get("containerID") or u.name))
    return problem, target, f"Init container {u.name} failed with exit code {code}"


def _setup_fix(reason: str) -> str:
    if reason in ("FailedMount", "FailedAttachVolume"):
        return (
            "a volume cannot be mounted: check that the PVC, secret, configmap or hostPath exists"
        )
    return "the node could not set up the pod (network or runtime): the message says why"


def _pod_failed_fix(reason: str) -> str:
    return {
        "Evicted": "the node ran short of a resource and evicted it: use less, or free the node",
        "DeadlineExceeded": "activeDeadlineSeconds ran out: raise it or make the run shorter",
    }.get(reason, "the message says why; describe (d on the list) shows its events")


def gone(last: Progress | None, name: str, namespace: str, why: str) -> Progress:
    """The picture once the pod no longer exists (deleted, or never created)."""
    if last is None or not last.uid:  # never seen
        return Progress(
            name, namespace, "", "gone", f"Pod {name} does not exist",
            (Stage("created", "Created", "failed"),),
            problem=Problem("NotFound", why, "check the name and namespace, or create it"),
        )  # fmt: skip
    return Progress(
        name=name,
        namespace=namespace,
        uid=last.uid,
        state="gone",
        headline=f"Pod {name} is gone (deleted)",
        stages=last.stages,
        problem=Problem("NotFound", why, "create it again (n on the pod list)"),
        node=last.node,
        phase=last.phase,
        containers=last.containers,
        created=last.created,
        finished=last.finished,
    )


# -- following a pod -----------------------------------------------------------------------


class ProgressSource(Protocol):
    """Where the follower reads from (the cluster, or a test's script)."""

    def pod(self) -> Obj: ...

    def events(self, pod: Obj) -> list[Obj]: ...

    def logs(self, target: LogTarget, tail: int) -> list[str]: ...

    def node_images(self) -> list[str] | None: ...


class ClusterSource:
    """A pod and its events through the workbench's connection (raw JSON)."""

    def __init__(self, workbench: Workbench, namespace: str, name: str) -> None:
        self.wb = workbench
        self.namespace = namespace
        self.name = name

    def pod(self) -> Obj:
        return self.wb.pods.get(self.name, self.namespace)

    def events(self, pod: Obj) -> list[Obj]:
        from kubernetes import client
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        from tui.core.errors import from_api_exception, from_transport_error

        ns = self.wb.pods.namespace(self.namespace)
        action = f"list events in namespace {ns}"
        try:
            core: Any = client.CoreV1Api(self.wb.api)  # raw JSON: not the typed models
            resp = core.list_namespaced_event(
                ns, field_selector=f"involvedObject.name={self.name}", _preload_content=False
            )
            items: list[Obj] = (json.loads(resp.data) if resp.data else {}).get("items") or []
            return items
        except ApiException as exc:
            raise from_api_exception(exc, action) from exc
        except HTTPError as exc:
            raise from_transport_error(exc, action) from exc

    def logs(self, target: LogTarget, tail: int) -> list[str]:
        from tui.core.logs import LogQuery, read

        query = LogQuery(
            self.name,
            self.wb.pods.namespace(self.namespace),
            target.container,
            tail_lines=tail,
            previous=target.previous,
        )
        return read(self.wb.api, query).splitlines()[-tail:]

    def node_images(self) -> list[str] | None:
        from kubernetes import client
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        try:
            core: Any = client.CoreV1Api(self.wb.api)
            resp = core.list_node(_preload_content=False)
            nodes: list[Obj] = (json.loads(resp.data) if resp.data else {}).get("items") or []
        except (ApiException, HTTPError, PodbayError, ValueError):
            return None  # not permitted (the spec's Role) or not now: the advice goes without
        return sorted(
            {
                str(name)
                for n in nodes
                for image in (n.get("status") or {}).get("images") or []
                for name in image.get("names") or []
            }
        )


@dataclass
class _Memory:
    """What the follower keeps between polls."""

    events_allowed: bool = True
    node_images: list[str] | None = None
    node_images_asked: bool = False
    logs: dict[tuple[str, str], tuple[tuple[str, ...], str]] = field(default_factory=dict)


class ProgressFollower:
    """Polls a pod (and its events) on a thread; ``on_change`` gets each new Progress.

    ``on_change`` runs on the follower's thread: a UI hands it to its own thread."""

    def __init__(
        self,
        source: ProgressSource,
        name: str,
        namespace: str,
        *,
        on_change: Callable[[Progress], None] | None = None,
        interval: float = POLL_SECONDS,
        final_interval: float = FINAL_POLL_SECONDS,
    ) -> None:
        self.source = source
        self.name = name
        self.namespace = namespace
        self.on_change = on_change
        self.interval = interval
        self.final_interval = final_interval
        self.latest: Progress | None = None
        self._memory = _Memory()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"progress-{name}", daemon=True)

    def start(self) -> ProgressFollower:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def wait(self, timeout: float) -> bool:
        """Whether the thread ended within ``timeout``."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            progress = self.poll()
            self._publish(progress)
            self._stop.wait(self.final_interval if progress.final else self.interval)

    def poll(self) -> Progress:
        """One look at the pod: the new picture (never raises for the cluster's sake)."""
        mem = self._memory
        try:
            pod = self.source.pod()
        except ApiError as exc:
            if exc.status == 404:
                return gone(self.latest, self.name, self.namespace, exc.what)
            return self._trouble(exc)
        except PodbayError as exc:
            return self._trouble(exc)
        events: list[Obj] | None = None
        note: str | None = None
        if mem.events_allowed:
            try:
                events = self.source.events(pod)
            except ApiError as exc:
                if exc.status == 403:
                    mem.events_allowed = False
                else:
                    note = f"events could not be read ({exc.what})"
            except PodbayError as exc:
                note = f"events could not be read ({exc.what})"
        progress = derive(pod, events, node_images=mem.node_images, events_note=note)
        if (
            progress.problem is not None
            and progress.problem.reason in IMAGE_REASONS
            and not mem.node_images_asked
        ):
            mem.node_images_asked = True
            mem.node_images = self.source.node_images()
            progress = derive(pod, events, node_images=mem.node_images, events_note=note)
        return self._with_logs(progress)

    def _with_logs(self, progress: Progress) -> Progress:
        target = progress.log_target
        if target is None:
            return progress
        key = (target.container, target.instance)
        if key not in self._memory.logs:
            try:
                lines = tuple(self.source.logs(target, LOG_LINES))
                self._memory.logs[key] = (lines, "" if lines else "the container printed nothing")
            except PodbayError as exc:
                # not kept: a log that is not there yet (or a passing error) is asked again
                return replace(progress, logs_note=f"no log lines: {exc.what}")
        lines, note = self._memory.logs[key]
        return replace(progress, log_lines=lines, logs_note=note)

    def _trouble(self, exc: PodbayError) -> Progress:
        note = f"{exc.what}; trying again"
        if self.latest is None:
            return Progress(
                self.name, self.namespace, "", "waiting", f"Looking for pod {self.name}",
                (Stage("created", "Created", "running"),), note=note,
            )  # fmt: skip
        return replace(self.latest, note=note)

    def _publish(self, progress: Progress) -> None:
        if progress == self.latest:
            return
        self.latest = progress
        if self.on_change is not None and not self._stop.is_set():
            self.on_change(progress)
