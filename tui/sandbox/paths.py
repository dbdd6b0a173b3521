"""Where the sandbox keeps its build cache and its per-instance state."""

from __future__ import annotations

import os
import re
from pathlib import Path

from tui.userdirs import PODBAY_DIRS

GOSRC = Path(__file__).resolve().parent / "gosrc"
_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$")


def cache_root() -> Path:
    """Build outputs, keyed by version: ``$PODBAY_CACHE_DIR`` or ``~/.cache/podbay``."""
    return Path(os.environ.get("PODBAY_CACHE_DIR") or PODBAY_DIRS.user_cache_path)


def state_root() -> Path:
    """Running sandboxes: ``$PODBAY_STATE_DIR`` or ``~/.local/state/podbay/sandboxes``."""
    return Path(os.environ.get("PODBAY_STATE_DIR") or PODBAY_DIRS.user_state_path / "sandboxes")


def validate_name(name: str) -> str:
    if not _NAME_RE.match(name):
        raise ValueError(
            f"sandbox name {name!r} is not valid: use 1-32 lower-case letters, digits and '-'"
        )
    return name


def name_flag(name: str) -> str:
    """The ``--name`` option a suggested command needs for this sandbox (none for default)."""
    return "" if name == "default" else f" --name {name}"
