"""Where podbay's own log goes when it runs as the TUI: one file under the state directory,
``$XDG_STATE_HOME/podbay/tui.log`` (``~/.local/state/podbay/tui.log``). Unexpected errors
leave their traceback there, never on the screen, and the engine's log records (a terminal's
I/O thread that failed, a watch cache that restarted) are written there too, rotated.

Engine- and Textual-free, so the command line reports its own unexpected errors here too.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path

from tui.userdirs import PODBAY_DIRS

#: the loggers routed to the file: ``tui.*`` (the engine's modules log under ``__name__``,
#: tui.core.watchcache) and ``podbay.*`` (podbay.terminal)
ENGINE_LOGGERS = ("tui", "podbay")
LOG_BYTES = 1_000_000  # then tui.log becomes tui.log.1 (and .1 .2, .2 .3), ~4 MB at most
LOG_BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"


def log_path() -> Path:
    """The TUI's log file (read at every call: tests point XDG_STATE_HOME elsewhere)."""
    return PODBAY_DIRS.user_state_path / "tui.log"


def record_bug(error: BaseException | None, what: str = "") -> Path:
    """Append the traceback of an unexpected error (and ``what`` was being done) to podbay's
    log file, ``$XDG_STATE_HOME/podbay/tui.log``; its path."""
    log = log_path()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as f:
        f.write(f"--- {dt.datetime.now(dt.UTC).isoformat()}{f' {what}' if what else ''}\n")
        if error is not None:
            f.writelines(traceback.format_exception(error))
    return log


class EngineLog(RotatingFileHandler):
    """The handler :func:`log_to_file` installs; it knows the levels it changed."""

    levels: dict[str, int]


def log_to_file(
    path: Path | None = None, *, max_bytes: int = LOG_BYTES, backups: int = LOG_BACKUPS
) -> EngineLog | None:
    """Send the engine's log records (INFO and up, tracebacks included) to the TUI's log
    file, rotated at ``max_bytes``; the handler, for :func:`stop_logging_to_file`. None when
    the state directory cannot be made (the records then go where Python sends them)."""
    path = path or log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    handler = EngineLog(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(logging.INFO)
    handler.levels = {}
    for name in ENGINE_LOGGERS:
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        handler.levels[name] = logger.level
        if logger.level == logging.NOTSET or logger.level > logging.INFO:
            logger.setLevel(logging.INFO)
    return handler


def stop_logging_to_file(handler: EngineLog | None) -> None:
    """Undo :func:`log_to_file`: the handler is removed and closed, the levels restored."""
    if handler is None:
        return
    for name, level in handler.levels.items():
        logger = logging.getLogger(name)
        logger.removeHandler(handler)
        logger.setLevel(level)
    handler.close()
