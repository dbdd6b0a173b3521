"""The prompt under the lists: ``:`` commands (k9s's) and the ``/`` filter.

The parser is plain data (one table for parsing, completion and help); the widget only
opens, closes and remembers which of the two it is asking for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual.suggester import SuggestFromList
from textual.widgets import Input

from tui.core.kinds import KINDS, kind_for

PromptMode = Literal["", "command", "filter"]
Verb = Literal["show", "namespace", "context", "settings", "help", "cleanup", "quit"]


@dataclass(frozen=True)
class CommandSpec:
    verb: Verb
    words: tuple[str, ...]  # what may be typed (the first word of the line)
    usage: str  # as the help shows it
    summary: str


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "show",
        tuple(name for kind in KINDS.values() for name in kind.names),
        "  ".join(f":{kind.command}" for kind in KINDS.values()),
        f"show {' / '.join(KINDS)} (also {' '.join(str(i) for i in range(1, len(KINDS) + 1))})",
    ),
    CommandSpec(
        "namespace",
        ("ns", "namespace"),
        ":ns [name]",
        "switch namespace (a picker without a name)",
    ),
    CommandSpec(
        "context",
        ("ctx", "context"),
        ":ctx [name]",
        "switch kubeconfig context (a picker without a name)",
    ),
    CommandSpec("settings", ("settings",), ":settings", "settings and test connection (also ,)"),
    CommandSpec(
        "cleanup", ("cleanup",), ":cleanup [failed]", "preview, then delete finished podbay pods"
    ),
    CommandSpec("help", ("help",), ":help", "this screen (also ?)"),
    CommandSpec("quit", ("q", "q!", "quit"), ":q", "quit (also ctrl+q)"),
)

_LISTS = [kind.command for kind in KINDS.values()]  # pods svc ing

#: Completions while typing a command, first match wins ("s" completes to "svc"): each
#: list's word, then its other names but the singular.
COMPLETIONS = [
    *(
        word
        for kind in KINDS.values()
        for word in dict.fromkeys((kind.command, kind.plural, *kind.short_names))
    ),
    *("ns ", "ctx ", "settings", "help", "cleanup", "q"),
]
COMMAND_PLACEHOLDER = " | ".join(
    [*_LISTS, "ns <name>", "ctx <name>", "settings", "cleanup", "help", "q"]
)
FILTER_PLACEHOLDER = "regex, or -l key=value (label selector); enter applies, esc clears"
COMMAND_HINT = "try " + ", ".join(
    f":{word}" for word in [*_LISTS, "ns <name>", "ctx <name>", "settings", "cleanup", "q"]
)


@dataclass(frozen=True)
class Command:
    """One parsed line: ``verb`` and its argument (a list's name for ``show``)."""

    verb: Verb
    arg: str = ""


def parse_command(line: str) -> Command | None:
    """The command ``line`` asks for (without the ``:``), or None when it is not one."""
    word, _, arg = line.strip().partition(" ")
    arg = arg.strip()
    kind = kind_for(word)
    if kind is not None:
        return Command("show", kind.plural)
    spec = next((s for s in COMMANDS if word in s.words), None)
    return Command(spec.verb, arg) if spec is not None else None


class CommandLine(Input):
    """The one-line prompt: hidden until ``:`` or ``/`` opens it."""

    mode: PromptMode = ""

    def open(self, mode: Literal["command", "filter"], value: str = "") -> None:
        self.mode = mode
        command = mode == "command"
        self.placeholder = COMMAND_PLACEHOLDER if command else FILTER_PLACEHOLDER
        self.suggester = SuggestFromList(COMPLETIONS) if command else None
        self.value = value
        self.add_class("shown")
        self.focus()

    def close(self) -> None:
        self.remove_class("shown")
        self.mode = ""

    @property
    def is_open(self) -> bool:
        return self.mode != ""
