"""Progress lines for long sandbox steps: which component, how far, how long."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Writes step progress to a stream; rewrites one line on a TTY, throttles otherwise."""

    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.tty = self.stream.isatty()
        self._last = 0.0
        self._open_line = False

    def step(self, message: str) -> None:
        """A new step: always printed on its own line."""
        self._finish_line()
        if not self.quiet:
            print(f"podbay sandbox: {message}", file=self.stream, flush=True)

    def update(self, message: str, *, every: float = 30.0) -> None:
        """An in-progress update: in place on a TTY, otherwise at most once per ``every`` s."""
        if self.quiet:
            return
        now = time.monotonic()
        if self.tty:
            if now - self._last < 0.2:
                return
            self._last = now
            width = 120
            print("\r" + message[:width].ljust(width), end="", file=self.stream, flush=True)
            self._open_line = True
        elif now - self._last >= every:
            self._last = now
            print(f"podbay sandbox: {message}", file=self.stream, flush=True)

    def _finish_line(self) -> None:
        if self._open_line:
            print(file=self.stream, flush=True)
            self._open_line = False


def elapsed(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"
