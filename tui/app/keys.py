"""The help screen's content, generated from the live bindings so it cannot drift."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.screen import Screen

COMMANDS = [
    (":pods  :svc  :ing", "show pods / services / ingresses (also 1 2 3)"),
    (":ns [name]", "switch namespace (a picker without a name)"),
    (":ctx [name]", "switch kubeconfig context (a picker without a name)"),
    (":settings", "settings and test connection (also ,)"),
    (":cleanup [failed]", "preview, then delete finished podbay pods"),
    (":q", "quit (also ctrl+q)"),
]
FILTER = [
    ("/text", "case-insensitive regex over the visible columns"),
    ("/-l app=web", "label selector, like kubectl -l (a=b, a!=b, a in (x,y), !a)"),
    ("esc", "close the prompt, then clear marks, then clear the filter"),
]
MOVE = [
    ("j k ↑ ↓", "move"),
    ("g G home end", "first / last row"),
    ("ctrl+f ctrl+b", "page down / up"),
    ("space", "mark / unmark the row (bulk delete)"),
]


def _key_name(binding: Binding) -> str:
    if binding.key_display:
        return binding.key_display
    return ", ".join(k.replace("question_mark", "?") for k in binding.key.split(","))


def help_sections(screen: Screen[Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    keys: list[tuple[str, str]] = []
    for binding in screen.BINDINGS:
        if isinstance(binding, Binding):
            keys.append((_key_name(binding), binding.description))
    app_keys = [("ctrl+p", "command palette"), ("ctrl+q", "quit")]
    return [
        ("Keys", keys),
        ("Moving and marking", MOVE),
        ("Commands (:)", COMMANDS),
        ("Filter (/)", FILTER),
        ("Anywhere", app_keys),
    ]


LOG_MOVE = [
    ("j k ↑ ↓  h l ← →", "scroll"),
    ("g G home end", "first / last line"),
    ("ctrl+f ctrl+b", "page down / up"),
    ("0 1 2 3 4 5", "window: everything, last 1m / 5m / 15m / 30m / 1h"),
    ("/text", "show only lines matching a regex (plain text if not one); esc clears"),
]


def log_help_sections(screen: Screen[Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    keys = [
        (_key_name(b), b.description)
        for b in screen.BINDINGS
        if isinstance(b, Binding) and b.show is not False
    ]
    return [("Log viewer", keys), ("Moving", LOG_MOVE), ("Anywhere", [("ctrl+q", "quit")])]
