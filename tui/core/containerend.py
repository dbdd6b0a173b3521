"""How a container's run ended, read from its pod's status: what a log viewer says once the
log stream has ended (kubectl leaves that to ``describe``); and whether a log refused for it
only means that it has not started yet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["ContainerEnd", "container_end", "log_not_started"]

#: Termination reasons that add nothing to the exit code (OOMKilled, say, does).
PLAIN_REASONS = ("", "Completed", "Error")


@dataclass(frozen=True)
class ContainerEnd:
    """``terminated`` (with its exit code), ``running`` (only the stream ended) or
    ``unknown`` (no status for that container, or it is waiting)."""

    state: Literal["terminated", "running", "unknown"]
    exit_code: int | None = None
    reason: str = ""

    @property
    def summary(self) -> str:
        """``exited with code 137 (OOMKilled)``; "" unless terminated."""
        if self.state != "terminated":
            return ""
        text = f"exited with code {self.exit_code}"
        if self.reason not in PLAIN_REASONS:
            text += f" ({self.reason})"
        return text


def container_end(pod: dict[str, Any], container: str, *, previous: bool = False) -> ContainerEnd:
    """The end of ``container`` in ``pod`` (raw JSON); ``previous``: of its previous instance
    (``lastState``), as ``kubectl logs --previous`` shows."""
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        if status.get("name") != container:
            continue
        state = status.get("lastState" if previous else "state") or {}
        done = state.get("terminated")
        if done:
            return ContainerEnd("terminated", done.get("exitCode"), done.get("reason") or "")
        if "running" in state:
            return ContainerEnd("running")
    return ContainerEnd("unknown")


def log_not_started(pod: dict[str, Any], container: str | None, *, previous: bool = False) -> bool:
    """Whether a refused log request for ``container`` of ``pod`` (raw JSON, read after the
    refusal) only means that the container has not started yet, so that asking again will
    answer. The kubelet decides from the container's state, and so does this: never for the
    previous instance, nor for a container the pod does not have, nor for one that ended
    without ever starting; yes while it waits (created, initialising, pulling its image) or
    has no status yet, and yes when it has started since the refusal."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    if previous:
        return False
    names = [str(c.get("name")) for c in spec.get("containers") or []]
    if container is None:  # the apiserver's default: the only container
        container = names[0] if len(names) == 1 else None
    for key in ("initContainers", "ephemeralContainers"):
        names += [str(c.get("name")) for c in spec.get(key) or []]
    if container is None or container not in names:
        return False
    statuses = [
        st
        for key in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses")
        for st in status.get(key) or []
        if st.get("name") == container
    ]
    if not statuses:
        return True  # not scheduled, or the kubelet has not reported it yet
    state, last = statuses[0].get("state") or {}, statuses[0].get("lastState") or {}
    if "running" in state:
        return True
    ended = [t for t in (state.get("terminated"), last.get("terminated")) if t]
    if ended:  # a log to read exists only for an instance that had a container
        return any(t.get("containerID") for t in ended)
    return True  # waiting
