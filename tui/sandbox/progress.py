"""Progress of long sandbox steps: which component, how far, how long.

Two displays of the same calls. On a terminal, a rich progress display (spinner, bar when
the work can be counted, elapsed time, the latest line) while a step runs, cleared when the
next step starts. Elsewhere (a pipe, a log file, or ``CI=true``) plain lines: every step,
and an update at most once per ``every`` seconds, so CI logs stay short and stable.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    import rich.progress


@dataclass(frozen=True)
class Meter:
    """What the terminal display shows for an update, instead of its plain line: a short
    label, how far when the work can be counted, and the latest detail (a package, a line
    of a build tool's output)."""

    label: str
    done: int | None = None
    total: int | None = None
    unit: str = ""
    detail: str = ""


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


class Progress:
    """Writes step progress to a stream (stderr); see the module's doc for the two displays.
    :meth:`close` (or the next :meth:`step`) ends a terminal display."""

    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.live = (
            not quiet and self.stream.isatty() and not _in_ci() and os.environ.get("TERM") != "dumb"
        )
        self._last = 0.0
        self._display: rich.progress.Progress | None = None
        self._task: rich.progress.TaskID | None = None

    def step(self, message: str) -> None:
        """A new step: always printed on its own line."""
        self.close()
        if not self.quiet:
            print(f"podbay sandbox: {message}", file=self.stream, flush=True)

    def update(self, message: str, *, every: float = 30.0, meter: Meter | None = None) -> None:
        """An in-progress update: ``meter`` (else ``message``) on the terminal display,
        otherwise ``message`` as a line at most once per ``every`` seconds."""
        if self.quiet:
            return
        if self.live:
            self._show(meter or Meter(message))
            return
        now = time.monotonic()
        if now - self._last >= every:
            self._last = now
            print(f"podbay sandbox: {message}", file=self.stream, flush=True)

    def close(self) -> None:
        """End the terminal display of the current step (it is cleared)."""
        if self._display is not None:
            self._display.stop()
            self._display = self._task = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _show(self, meter: Meter) -> None:
        count = f"{meter.done}/{meter.total} {meter.unit}".rstrip() if meter.total else ""
        if self._display is None or self._task is None:
            self._display = _terminal_display(self.stream)
            self._display.start()
            self._task = self._display.add_task("", total=None, count="", detail="")
        self._display.update(
            self._task,
            description=meter.label,
            total=meter.total,
            completed=meter.done or 0,
            count=count,
            detail=meter.detail,
        )


def _terminal_display(stream: TextIO) -> rich.progress.Progress:
    from rich.console import Console
    from rich.progress import BarColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress
    from rich.table import Column

    def text(field: str, style: str = "none", ratio: int | None = None) -> TextColumn:
        column = Column(no_wrap=True, overflow="ellipsis", ratio=ratio)
        return TextColumn(field, style=style, markup=False, table_column=column)

    return RichProgress(
        SpinnerColumn(),
        text("{task.description}"),
        BarColumn(bar_width=30),
        text("{task.fields[count]}"),
        TimeElapsedColumn(),
        text("{task.fields[detail]}", style="dim", ratio=1),
        console=Console(file=stream),
        transient=True,
        expand=True,
    )


def elapsed(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"
