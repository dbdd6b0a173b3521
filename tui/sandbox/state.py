"""The sandbox's state file (``state.json``): what the last ``up`` chose and started.

The file outlives the CLI process: ``status``, ``down`` and the next ``up`` read it to find the
ports, binaries and processes (pid + start time) of the sandbox.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.sandbox.components import NODE_ORDER, ORDER
from tui.sandbox.errors import SandboxError
from tui.sandbox.paths import state_root
from tui.sandbox.processes import ProcRecord


@dataclass
class SandboxState:
    name: str = ""
    ports: dict[str, int] = field(default_factory=dict)  # PORT_NAMES -> port
    bins: dict[str, str] = field(default_factory=dict)  # component or tool -> binary path
    processes: dict[str, ProcRecord] = field(default_factory=dict)  # component -> process
    real_node: bool = False
    # False when another sandbox's kube-proxy owns this machine's Service rules; None until
    # the real node has started (and for kwok-only sandboxes)
    services: bool | None = None
    # the real node's cgroup root (machine.cgroup_root); "" before the node has started
    cgroup_root: str = ""

    def components(self) -> tuple[str, ...]:
        """The components this sandbox runs, in start order (``down`` stops in reverse)."""
        if not self.real_node:
            return ORDER
        if self.services is False:
            return ORDER + tuple(c for c in NODE_ORDER if c != "kube-proxy")
        return ORDER + NODE_ORDER

    @property
    def routes_services(self) -> bool:
        """Whether Service ClusterIPs route here (this sandbox runs kube-proxy)."""
        return self.real_node and self.services is not False

    def binary(self, name: str) -> Path:
        return Path(self.bins[name])

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "ports": self.ports,
            "bins": self.bins,
            "processes": {k: rec.to_json() for k, rec in self.processes.items()},
            "real_node": self.real_node,
        }
        if self.services is not None:
            data["services"] = self.services
        if self.cgroup_root:
            data["cgroup_root"] = self.cgroup_root
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SandboxState:
        services = data.get("services")
        return cls(
            name=str(data.get("name", "")),
            ports={k: int(v) for k, v in data.get("ports", {}).items()},
            bins={k: str(v) for k, v in data.get("bins", {}).items()},
            processes={k: ProcRecord.from_json(v) for k, v in data.get("processes", {}).items()},
            real_node=bool(data.get("real_node")),
            services=None if services is None else bool(services),
            cgroup_root=str(data.get("cgroup_root", "")),
        )


@dataclass(frozen=True)
class StateFile:
    path: Path

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> SandboxState | None:
        """The saved state; None when the sandbox was never started (or was purged)."""
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise SandboxError(
                f"the sandbox state file {self.path} is unreadable: {exc}",
                hint="run 'podbay sandbox down --purge' to reset this sandbox",
            ) from exc
        return SandboxState.from_json(data)

    def save(self, state: SandboxState) -> None:
        """Replace the file atomically: a reader never sees half a state."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state.to_json(), indent=2))
        tmp.replace(self.path)


def list_sandboxes() -> list[str]:
    """Names of the sandboxes that have a state file under :func:`state_root`."""
    root = state_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "state.json").exists())
