"""What every part of the browser shares: its state, its tables and its chrome.

``Browser`` (browser.py) is this screen with the live lists (live_lists.py), the row
actions (row_actions.py) and the keys mixed in; each part reads and changes the state here
on the UI thread only. Thread workers get plain values and answer with messages.
"""

from __future__ import annotations

import time
from typing import Any

from textual.screen import Screen
from textual.widgets import Static

from tui.app import status
from tui.app.dialogs import ErrorDialog
from tui.app.live import LiveList
from tui.app.resource_table import ResourceTable
from tui.core.errors import PodbayError
from tui.core.kinds import KINDS, PODS, AnyKind
from tui.core.workbench import Workbench


class BrowserState(Screen[None]):
    def __init__(self, workbench: Workbench) -> None:
        super().__init__()
        self.wb = workbench
        self.kind: AnyKind = PODS
        self.namespace = workbench.settings.namespace
        self.lives: dict[str, LiveList] = {}  # list name -> its live list, once shown
        self.connected = False
        self.connect_error: PodbayError | None = None
        self.denied: dict[str, str] = {}  # access label ("delete pods") -> the fix
        self.access_asked = False
        self.filters: dict[str, str] = {}  # list name -> its filter text

    @property
    def table(self) -> ResourceTable:
        """The table of the list on screen."""
        return self.table_of(self.kind)

    def table_of(self, kind: AnyKind) -> ResourceTable:
        return self.query_one(f"#table-{kind.plural}", ResourceTable)

    def app_clock(self) -> float:
        """The app's clock (snapshot tests pin it), else the wall clock."""
        clock: Any = getattr(self.app, "clock", None)
        return float(clock()) if callable(clock) else time.time()

    def show_error(self, error: PodbayError) -> None:
        self.app.push_screen(ErrorDialog(error.what, error.fix))

    def refuse_if_denied(self, needs: str) -> bool:
        """True (after saying which Role rule is missing) when the account lacks ``needs``."""
        if needs in self.denied:
            self.app.push_screen(
                ErrorDialog(f"this account cannot {needs}", self.denied[needs], title="Not allowed")
            )
            return True
        return False

    def connection_context(self) -> str | None:
        """The context the current connection was made from (None before connecting)."""
        conn = self.wb.current_connection  # the UI thread never connects or waits
        return conn.context if self.connected and conn is not None else None

    def update_chrome(self) -> None:
        """Redraw the tab bar, the fault banner and the status bar from the state."""
        table = self.table
        counts = {name: len(self.table_of(KINDS[name]).rows) for name in self.lives}
        self.query_one("#crumbs", Static).update(status.crumbs(self.kind, counts))
        live = self.lives.get(self.kind.plural)
        live_state = live.state if live is not None else None
        text = status.banner(self.connect_error, live_state)
        shown = self.query_one("#banner", Static)
        shown.set_class(text is not None, "shown")
        if text is not None:
            shown.update(text)
        line = status.StatusLine(
            state=status.connection_state(self.connect_error, live_state),
            kind=self.kind,
            shown=len(table.view),
            total=len(table.rows),
            namespace=self.namespace,
            context=self.wb.settings.context or self.connection_context(),
            filter=self.filters.get(self.kind.plural, ""),
            marks=len(table.marks),
            denied=list(self.denied),
        )
        self.query_one("#status", Static).update(line.render())
