"""The sandbox's own kubectl, run as admin: how the sandbox talks to its cluster."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tui.sandbox import health
from tui.sandbox.errors import SandboxError
from tui.sandbox.progress import Progress


@dataclass(frozen=True)
class Kubectl:
    binary: Path
    kubeconfig: Path
    logs: Path  # the sandbox's log directory, named when a command fails

    def __call__(self, *args: str, stdin: str | None = None, check: bool = True) -> str:
        """The command's output, or SandboxError when it fails (unless ``check=False``)."""
        argv = [str(self.binary), f"--kubeconfig={self.kubeconfig}", *args]
        proc = subprocess.run(
            argv, input=stdin, capture_output=True, text=True, check=False, timeout=120
        )
        if check and proc.returncode != 0:
            raise SandboxError(
                f"kubectl {' '.join(args)} failed: {proc.stderr.strip()}",
                hint=f"inspect {self.logs}",
            )
        return proc.stdout

    def apply(self, docs: list[dict[str, Any]] | str) -> None:
        text = docs if isinstance(docs, str) else yaml.safe_dump_all(docs)
        self("apply", "--server-side", "--force-conflicts", "-f", "-", stdin=text)

    def ready_nodes(self) -> list[str]:
        """Names of the nodes whose Ready condition is True (empty if kubectl cannot say)."""
        out = self("get", "nodes", "-o", "json", check=False)
        try:
            items = json.loads(out).get("items", [])
        except ValueError:
            return []
        return [
            n["metadata"]["name"]
            for n in items
            if any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for c in n.get("status", {}).get("conditions", [])
            )
        ]

    def wait_nodes_ready(
        self,
        ok: Callable[[list[str]], bool],
        what: str,
        *,
        log: Path,
        hint: str,
        timeout: float,
        progress: Progress,
    ) -> None:
        """Wait until ``ok(ready node names)``; explain with ``log``'s tail if it never is."""
        t0 = time.monotonic()
        reason = health.wait_until(
            lambda: None if ok(self.ready_nodes()) else f"{what} not Ready",
            timeout,
            interval=0.3,
        )
        if reason:
            raise SandboxError(
                f"{what} did not become Ready within {timeout:.0f}s", log=log, hint=hint
            )
        progress.step(f"{what} Ready in {time.monotonic() - t0:.1f}s")
