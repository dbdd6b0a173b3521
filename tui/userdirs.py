"""Where podbay keeps its own files: the XDG base directories, on every platform.

``~/.config/podbay`` (settings), ``~/.local/state/podbay`` (sandboxes, the bug log) and
``~/.cache/podbay`` (builds), or below ``$XDG_CONFIG_HOME`` / ``$XDG_STATE_HOME`` /
``$XDG_CACHE_HOME`` when those are set (relative values are ignored, as the XDG spec says).
platformdirs' XDG flavour is used everywhere, macOS too, so files stay where podbay always
put them. Read at every call: tests point HOME and XDG_* elsewhere after import.
"""

from __future__ import annotations

from platformdirs.unix import Unix

PODBAY_DIRS = Unix("podbay")
