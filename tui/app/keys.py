"""The help screens' content, generated so it cannot drift from what the keys do.

Keys come from the bindings (the screen's, its list widget's and the app's: key display and
description), the ``:`` commands from the table the command line parses with. Only the
filter syntax is written here, since no binding describes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.binding import Binding, BindingType
from textual.screen import Screen

from tui.app.command_line import COMMANDS
from tui.app.loglines import LogLines
from tui.app.resource_table import ResourceTable

Section = tuple[str, list[tuple[str, str]]]

#: How keys are written in the help (others as Textual names them: ``ctrl+d``, ``escape``).
KEY_SYMBOLS = {
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "pageup": "pgup",
    "pagedown": "pgdn",
    "question_mark": "?",
}
#: App bindings whose Textual description says too little.
APP_DESCRIPTIONS = {"command_palette": "Command palette"}

FILTER = [
    ("/text", "case-insensitive regex over the visible columns"),
    ("/-l app=web", "label selector, like kubectl -l (a=b, a!=b, a in (x,y), !a)"),
    ("esc", "close the prompt, then clear marks, then clear the filter"),
]
LOG_FILTER = [("/text", "show only lines matching a regex (plain text if not one); esc clears")]


def key_names(binding: Binding) -> str:
    if binding.key_display:
        return binding.key_display
    return ", ".join(KEY_SYMBOLS.get(k, k) for k in binding.key.split(","))


def binding_lines(
    bindings: Iterable[BindingType], *, shown: bool | None = None
) -> list[tuple[str, str]]:
    """(keys, description) per binding; ``shown``: only those the footer shows (True) or
    hides (False)."""
    return [
        (key_names(b), b.description)
        for b in bindings
        if isinstance(b, Binding) and (shown is None or b.show is shown)
    ]


def app_lines(screen: Screen[Any]) -> list[tuple[str, str]]:
    """The app's own keys that work on ``screen`` (the palette is off in the terminal)."""
    lines: list[tuple[str, str]] = []
    for active in screen.active_bindings.values():
        binding = active.binding
        if active.node is screen.app and not binding.system and binding.description:
            what = APP_DESCRIPTIONS.get(binding.action, binding.description)
            lines.append((key_names(binding), what))
    return lines


def help_sections(screen: Screen[Any]) -> list[Section]:
    """The browser's help."""
    return [
        ("Keys", binding_lines(screen.BINDINGS)),
        ("Moving and marking", binding_lines(ResourceTable.BINDINGS)),
        ("Commands (:)", [(c.usage, c.summary) for c in COMMANDS]),
        ("Filter (/)", FILTER),
        ("Anywhere", app_lines(screen)),
    ]


def log_help_sections(screen: Screen[Any]) -> list[Section]:
    """The log viewer's help: the footer's keys, then the time windows it has no room for."""
    return [
        ("Log viewer", binding_lines(screen.BINDINGS, shown=True)),
        ("Time window", binding_lines(screen.BINDINGS, shown=False)),
        ("Moving", binding_lines(LogLines.BINDINGS) + LOG_FILTER),
        ("Anywhere", app_lines(screen)),
    ]
