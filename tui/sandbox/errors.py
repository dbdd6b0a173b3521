"""Errors the sandbox raises: each says what failed, shows evidence and what to do."""

from __future__ import annotations

from pathlib import Path


class SandboxError(Exception):
    """A sandbox failure explained for a person: what, evidence (log lines), and a fix."""

    def __init__(self, what: str, *, hint: str = "", log: Path | None = None, lines: int = 25):
        self.what = what
        self.hint = hint
        self.log = log
        self.evidence = tail(log, lines) if log else ""
        super().__init__(self.render())

    def render(self) -> str:
        parts = [self.what]
        if self.evidence:
            parts.append(f"last lines of {self.log}:\n" + _indent(self.evidence))
        if self.hint:
            parts.append(f"what to do: {self.hint}")
        return "\n".join(parts)


def tail(path: Path, lines: int = 25) -> str:
    """The last ``lines`` lines of a log file, or an empty string if it does not exist."""
    try:
        with path.open("rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


def _indent(text: str) -> str:
    return "\n".join("  | " + line for line in text.splitlines())
