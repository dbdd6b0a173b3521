"""The browser's chrome as text: the tab bar, the fault banner and the status bar.

Pure functions of what the browser knows, so the wording lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text

from tui.core.errors import PodbayError
from tui.core.kinds import KINDS, AnyKind
from tui.core.watchcache import CacheState, Phase

#: The status bar's word for each phase of the list's watch cache.
PHASE_MARKS = {
    Phase.STARTING: ("○ listing", "yellow"),
    Phase.WATCHING: ("● live", "green"),
    Phase.POLLING: ("● polling (no watch permission)", "yellow"),
    Phase.RECONNECTING: ("● reconnecting", "red"),
    Phase.ERROR: ("● list failed, restarting", "red"),
}


def crumbs(active: AnyKind, counts: dict[str, int]) -> Text:
    """``Pods(12)  Services  Ingresses`` — counts only for lists that are live."""
    text = Text()
    for kind in KINDS.values():
        count = f"({counts[kind.plural]})" if kind.plural in counts else ""
        text.append(f" {kind.title}{count} ", "reverse bold" if kind is active else "")
        text.append(" ")
    return text


def banner(connect_error: PodbayError | None, live_state: CacheState | None) -> str | None:
    """What is wrong with the connection, or None when nothing is."""
    if connect_error is not None:
        return (
            f"Not connected: {connect_error.what}\n"
            f"What to do: {connect_error.fix}  (',' opens Settings)"
        )
    if live_state is not None and live_state.phase is Phase.RECONNECTING:
        return f"Connection lost — reconnecting ({live_state.reason}); rows may be stale"
    if live_state is not None and live_state.phase is Phase.ERROR:
        return (
            f"The live list failed ({live_state.reason}) — a podbay bug, see the log; "
            "restarting it, rows may be stale"
        )
    return None


def connection_state(connect_error: PodbayError | None, live_state: CacheState | None) -> Text:
    if connect_error is not None:
        return Text("● disconnected", "red")
    if live_state is None:
        return Text("○ connecting", "yellow")
    return Text(*PHASE_MARKS[live_state.phase])


@dataclass
class StatusLine:
    state: Text
    kind: AnyKind
    shown: int
    total: int
    namespace: str
    context: str | None
    filter: str = ""
    marks: int = 0
    denied: list[str] = field(default_factory=list)

    def render(self) -> Text:
        """What changes most comes first, so an 80-column bar keeps it."""
        noun = self.kind.singular if self.total == 1 else self.kind.plural
        count = f"{self.total} {noun}"
        if self.shown != self.total:
            count = f"{self.shown}/{count}"
        text = Text.assemble(" ", self.state, " │ ", count)
        if self.filter:
            text.append(f" │ /{self.filter}", "cyan")
        if self.marks:
            text.append(f" │ {self.marks} marked", "magenta")
        text.append(" │ ns ")
        text.append(self.namespace, "bold")
        text.append(" │ ")
        text.append(self.context or "-", "bold")
        if self.denied:
            text.append(" │ cannot: " + ", ".join(sorted(self.denied)), "yellow")
        return text
