"""The main screen: live lists of pods / services / ingresses with k9s's keys.

The screen is put together from parts: its state and chrome (browser_state.py), the live
lists and switching (live_lists.py) and the actions on rows (row_actions.py); here are the
keys, the layout, the prompt (command_line.py) and what is allowed when.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import ContentSwitcher, Footer, Input, Static
from textual.worker import Worker, WorkerState

from tui.app.buglog import record_bug
from tui.app.command_line import COMMAND_HINT, CommandLine, parse_command
from tui.app.dialogs import ErrorDialog, HelpScreen
from tui.app.live_lists import LiveLists
from tui.app.resource_table import ResourceTable, filter_predicate
from tui.app.row_actions import RowActions
from tui.core.actionaccess import access_needed, action_enabled
from tui.core.errors import PodbayError
from tui.core.kinds import KINDS

SORT_KEYS = {"N": "NAME", "A": "AGE", "S": "STATUS", "T": "RESTARTS", "O": "NODE", "R": "READY"}


class Browser(LiveLists, RowActions):
    BINDINGS = [
        Binding("colon", "command", "Command", key_display=":"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("d", "describe", "Describe"),
        Binding("y", "yaml", "YAML"),
        Binding("l", "logs", "Logs"),
        Binding("s", "shell", "Shell"),
        Binding("ctrl+d", "delete", "Delete"),
        Binding("n", "new", "New"),
        Binding("p", "progress", "Progress", show=False),
        Binding("x", "cleanup(False)", "Cleanup", show=False),
        Binding("X", "cleanup(True)", "Cleanup incl. Failed", show=False),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("comma", "settings", "Settings", key_display=",", show=False),
        Binding("escape", "back", "Clear filter/marks", show=False),
        Binding("ctrl+r", "reload", "Re-list", show=False),
        *(
            Binding(str(i), f"show('{kind.plural}')", kind.title, show=False)
            for i, kind in enumerate(KINDS.values(), 1)
        ),
        *(
            Binding(key, f"sort('{title}')", f"Sort by {title.lower()}", show=False)
            for key, title in SORT_KEYS.items()
        ),
    ]

    DEFAULT_CSS = """
    Browser { layout: vertical; }
    #crumbs { height: 1; background: $panel; }
    #lists { height: 1fr; }
    #bottom { height: auto; }
    #banner { height: auto; background: $error; color: $text; display: none; padding: 0 1; }
    #banner.shown { display: block; }
    #prompt { dock: bottom; height: 1; border: none; padding: 0 1; display: none; }
    #prompt.shown { display: block; }
    #status { height: 1; background: $panel; color: $text-muted; }
    """

    # ---- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="crumbs")
        yield Static(id="banner")
        with ContentSwitcher(initial=f"table-{self.kind.plural}", id="lists"):
            for kind in KINDS.values():
                yield ResourceTable(kind.columns, clock=self.app_clock, id=f"table-{kind.plural}")
        with Vertical(id="bottom"):
            yield CommandLine(id="prompt")
            yield Static(id="status")
        yield Footer()

    @property
    def prompt(self) -> CommandLine:
        return self.query_one("#prompt", CommandLine)

    def on_mount(self) -> None:
        self.table.focus()
        self.update_chrome()
        self.set_interval(1.0, self.tick)
        self.connect()

    def tick(self) -> None:
        self.table.refresh()  # ages move on
        self.update_chrome()

    def on_resource_table_cursor_moved(self) -> None:
        self.update_chrome()  # marks and the row count live in the status bar

    # ---- prompt: ':' commands and '/' filter ----------------------------------------------
    def action_command(self) -> None:
        self.prompt.open("command")

    def action_filter(self) -> None:
        self.prompt.open("filter", self.filters.get(self.kind.plural, ""))

    def _close_prompt(self) -> None:
        self.prompt.close()
        self.table.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input is self.prompt and self.prompt.mode == "filter":
            self._set_filter(event.value, live=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input is not self.prompt:
            return
        mode, value = self.prompt.mode, event.value.strip()
        self._close_prompt()
        if mode == "filter":
            self._set_filter(value, live=False)
        elif mode == "command" and value:
            self.run_command(value)

    def _set_filter(self, text: str, *, live: bool) -> None:
        try:
            predicate = filter_predicate(text)
        except ValueError as exc:
            if not live:
                self.app.push_screen(
                    ErrorDialog(f"label selector: {exc}", "write it like kubectl's -l: a=b,c!=d")
                )
            return
        self.filters[self.kind.plural] = text
        self.table.set_filter(predicate)
        self.update_chrome()

    def run_command(self, line: str) -> None:
        command = parse_command(line)
        if command is None:
            self.app.push_screen(ErrorDialog(f"unknown command ':{line}'", COMMAND_HINT))
            return
        arg = command.arg
        match command.verb:
            case "show":
                self.action_show(arg)
            case "namespace" if arg:
                self.switch_namespace(arg)
            case "namespace":
                self.pick_namespace()
            case "context" if arg:
                self.switch_context(arg)
            case "context":
                self.pick_context()
            case "settings":
                self.action_settings()
            case "help":
                self.action_help()
            case "cleanup":
                self.action_cleanup(arg == "failed")
            case "quit":
                self.app.exit()

    def action_back(self) -> None:
        if self.prompt.is_open:
            self._close_prompt()
        elif self.table.marks:
            self.table.clear_marks()
        elif self.filters.get(self.kind.plural):
            self._set_filter("", live=False)
        self.update_chrome()

    def action_sort(self, title: str) -> None:
        if any(c.title == title for c in self.kind.columns):
            self.table.sort_by(title)

    def action_help(self) -> None:
        from tui.app.keys import help_sections

        self.app.push_screen(HelpScreen(help_sections(self)))

    # ---- what the account may do ---------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not action_enabled(action, self.kind.plural, self.denied):
            return None  # shown disabled; pressing it explains why (on_key)
        return True

    def on_key(self, event: events.Key) -> None:
        """A disabled key (the account lacks the verb) explains itself instead of doing
        nothing: Textual passes keys of disabled bindings on to here."""
        action = KEY_ACTIONS.get(event.key)
        need = access_needed(action, self.kind.plural) if action else None
        if need and need in self.denied and not self.prompt.is_open:
            event.stop()
            self.refuse_if_denied(need)

    # ---- errors from workers become dialogs ----------------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, PodbayError):
            self.show_error(error)
        else:
            log = record_bug(error)
            self.app.push_screen(
                ErrorDialog(
                    f"unexpected error: {type(error).__name__}: {error}",
                    f"this is a podbay bug; the traceback is in {log} — please report it",
                )
            )


#: key -> action name, from the bindings ("x" -> "cleanup"), for keys shown disabled.
KEY_ACTIONS = {
    key: b.action.split("(")[0]
    for b in Browser.BINDINGS
    if isinstance(b, Binding)
    for key in b.key.split(",")
}
