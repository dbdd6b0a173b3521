"""Where unexpected errors go: a traceback in a log file, never on the screen."""

from __future__ import annotations

import datetime as dt
import os
import traceback
from pathlib import Path


def record_bug(error: BaseException | None) -> Path:
    """Append the traceback of an unexpected error to the TUI's log (never shown on screen)."""
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    log = state / "podbay" / "tui.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as f:
        f.write(f"--- {dt.datetime.now(dt.UTC).isoformat()}\n")
        if error is not None:
            f.writelines(traceback.format_exception(error))
    return log
