"""How a container's run ended, read from its pod's status: what a log viewer says once the
log stream has ended (kubectl leaves that to ``describe``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["ContainerEnd", "container_end"]

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
