"""What ``podbay sandbox status`` reports: each component's process, readiness, nodes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.sandbox import processes
from tui.sandbox.state import SandboxState


@dataclass
class ComponentStatus:
    name: str
    state: str  # running | stopped | exited
    pid: int | None = None
    detail: str = ""


@dataclass
class SandboxStatus:
    name: str
    root: Path
    components: list[ComponentStatus] = field(default_factory=list)
    apiserver: str | None = None
    ready: bool = False
    nodes: list[str] = field(default_factory=list)

    @property
    def any_running(self) -> bool:
        return any(c.state == "running" for c in self.components)

    @property
    def all_running(self) -> bool:
        return all(c.state == "running" for c in self.components)

    def component(self, name: str) -> ComponentStatus:
        return next(c for c in self.components if c.name == name)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "root": str(self.root),
            "apiserver": self.apiserver,
            "ready": self.ready,
            "nodes": self.nodes,
            "components": [c.__dict__ for c in self.components],
        }


def component_statuses(state: SandboxState) -> list[ComponentStatus]:
    """Each component the sandbox runs, in start order, as its recorded process is now."""
    statuses = []
    for comp in state.components():
        rec = state.processes.get(comp)
        if rec is None:
            statuses.append(ComponentStatus(comp, "stopped"))
        elif processes.alive(rec):
            statuses.append(ComponentStatus(comp, "running", rec.pid))
        else:
            statuses.append(ComponentStatus(comp, "exited", rec.pid, f"see {rec.log}"))
    return statuses
