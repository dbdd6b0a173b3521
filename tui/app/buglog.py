"""Where unexpected errors go: a traceback in a log file, never on the screen.

Engine- and Textual-free, so the command line reports its own unexpected errors here too.
"""

from __future__ import annotations

import datetime as dt
import traceback
from pathlib import Path

from tui.userdirs import PODBAY_DIRS


def record_bug(error: BaseException | None, what: str = "") -> Path:
    """Append the traceback of an unexpected error (and ``what`` was being done) to podbay's
    bug log, ``$XDG_STATE_HOME/podbay/tui.log``; its path."""
    log = PODBAY_DIRS.user_state_path / "tui.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as f:
        f.write(f"--- {dt.datetime.now(dt.UTC).isoformat()}{f' {what}' if what else ''}\n")
        if error is not None:
            f.writelines(traceback.format_exception(error))
    return log
