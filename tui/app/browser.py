"""The main screen: live lists of pods / services / ingresses with k9s's keys."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import yaml
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widgets import ContentSwitcher, Footer, Input, Static
from textual.worker import Worker, WorkerState

from tui.app import status
from tui.app.buglog import record_bug
from tui.app.dialogs import ConfirmDialog, ErrorDialog, HelpScreen, Picker, TextViewer
from tui.app.live import MIN_INTERVAL, LiveList
from tui.app.resource_table import ResourceTable, filter_predicate
from tui.app.rows import KINDS, ListKind, Row, kind_for
from tui.core import cleanup as cleanup_mod
from tui.core.errors import PodbayError
from tui.core.resources import Collection
from tui.core.workbench import Workbench

COMMANDS = [
    "pods",
    "po",
    "svc",
    "services",
    "ing",
    "ingresses",
    "ns ",
    "ctx ",
    "settings",
    "help",
    "cleanup",
    "q",
]
SORT_KEYS = {"N": "NAME", "A": "AGE", "S": "STATUS", "T": "RESTARTS", "O": "NODE", "R": "READY"}


#: Actions on the current pod, and the access each needs (labels of tui.core.access).
POD_ACTIONS = {"cleanup": "delete pods", "logs": "get pods/log", "shell": "create pods/exec"}


class Browser(Screen[None]):
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
        Binding("1", "show('pods')", "Pods", show=False),
        Binding("2", "show('services')", "Services", show=False),
        Binding("3", "show('ingresses')", "Ingresses", show=False),
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

    def __init__(self, workbench: Workbench) -> None:
        super().__init__()
        self.wb = workbench
        self.kind: ListKind = KINDS["pods"]
        self.namespace = workbench.settings.namespace
        self.lives: dict[str, LiveList] = {}
        self.connected = False
        self.connect_error: PodbayError | None = None
        self.denied: dict[str, str] = {}  # "delete pods" -> why
        self.access_asked = False
        self.filters: dict[str, str] = {}
        self.prompt_mode = ""  # "command" | "filter"

    # ---- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="crumbs")
        yield Static(id="banner")
        with ContentSwitcher(initial="table-pods", id="lists"):
            for kind in KINDS.values():
                yield ResourceTable(kind.columns, clock=self.app_clock, id=f"table-{kind.name}")
        with Vertical(id="bottom"):
            yield Input(id="prompt")
            yield Static(id="status")
        yield Footer()

    def app_clock(self) -> float:
        clock: Any = getattr(self.app, "clock", None)
        return float(clock()) if callable(clock) else time.time()

    @property
    def table(self) -> ResourceTable:
        return self.query_one(f"#table-{self.kind.name}", ResourceTable)

    def on_mount(self) -> None:
        self.table.focus()
        self.update_chrome()
        self.set_interval(1.0, self.tick)
        self.connect()

    # ---- connecting and live lists -------------------------------------------------------
    @work(thread=True, group="connect", exclusive=True, exit_on_error=False)
    def connect(self) -> None:
        """Connect (may run an exec plugin or time out) off the UI thread, then go live."""
        try:
            self.wb.connection  # noqa: B018
        except PodbayError as exc:
            self.app.call_from_thread(self._connect_failed, exc)
            return
        self.app.call_from_thread(self._connected)

    def _connect_failed(self, exc: PodbayError) -> None:
        self.connected = False
        self.connect_error = exc
        self.update_chrome()

    def _connected(self) -> None:
        self.connected = True
        self.connect_error = None
        self.go_live(self.kind)
        self.update_chrome()

    def collection(self, kind: ListKind) -> Collection:
        col: Collection = getattr(self.wb, kind.name)
        return col

    def go_live(self, kind: ListKind) -> None:
        if kind.name in self.lives or not self.connected:
            return
        try:
            live = LiveList(kind, self.collection(kind), self.namespace, self)
        except PodbayError as exc:
            self.app.push_screen(ErrorDialog(exc.what, exc.fix))
            return
        self.lives[kind.name] = live.start()

    def on_unmount(self) -> None:
        for live in self.lives.values():  # their watch threads end with the screen
            live.stop()

    def stop_live(self) -> None:
        for live in self.lives.values():
            live.stop()
        self.lives.clear()
        for kind in KINDS.values():
            self.query_one(f"#table-{kind.name}", ResourceTable).replace([])

    def on_live_list_changed(self, message: LiveList.Changed) -> None:
        live = message.live
        if self.lives.get(live.kind.name) is not live:
            return  # a list we already left (namespace or context switched)
        wait = MIN_INTERVAL - (time.monotonic() - live.last_apply)
        if wait > 0:
            self.set_timer(wait, lambda: self._apply(live))
        else:
            self._apply(live)

    def _apply(self, live: LiveList) -> None:
        if self.lives.get(live.kind.name) is live:
            live.apply_to(self.query_one(f"#table-{live.kind.name}", ResourceTable))
            self.update_chrome()
            if not self.access_asked:  # after the first rows: never delay the list itself
                self.access_asked = True
                self.review_access()

    def on_resource_table_cursor_moved(self) -> None:
        self.update_chrome()  # marks and the row count live in the status bar

    @work(thread=True, group="access", exclusive=True, exit_on_error=False)
    def review_access(self) -> None:
        try:
            from tui.core.access import review

            result = review(self.wb.api, self.namespace)
        except PodbayError:
            return
        denied = {v.access.label: v.fix for v in result.denied()}
        self.app.call_from_thread(self._set_denied, denied)

    def _set_denied(self, denied: dict[str, str]) -> None:
        self.denied = denied
        self.refresh_bindings()
        self.update_chrome()

    # ---- chrome ----------------------------------------------------------------------------
    def tick(self) -> None:
        self.table.refresh()  # ages move on
        self.update_chrome()

    def update_chrome(self) -> None:
        table = self.table
        counts = {
            name: len(self.query_one(f"#table-{name}", ResourceTable).rows) for name in self.lives
        }
        self.query_one("#crumbs", Static).update(status.crumbs(self.kind, counts))
        live = self.lives.get(self.kind.name)
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
            filter=self.filters.get(self.kind.name, ""),
            marks=len(table.marks),
            denied=list(self.denied),
        )
        self.query_one("#status", Static).update(line.render())

    def connection_context(self) -> str | None:
        """The context the current connection was made from (None before connecting)."""
        try:
            return self.wb.connection.context if self.connected else None
        except PodbayError:
            return None

    # ---- switching views -----------------------------------------------------------------
    def action_show(self, name: str) -> None:
        self.kind = KINDS[name]
        self.query_one(ContentSwitcher).current = f"table-{name}"
        self.go_live(self.kind)
        self.table.focus()
        self.update_chrome()
        self.refresh_bindings()

    def switch_namespace(self, namespace: str) -> None:
        from tui.core.resources import allowed_namespace

        try:
            allowed_namespace(self.wb.settings, namespace)
        except PodbayError as exc:
            self.app.push_screen(ErrorDialog(exc.what, exc.fix))
            return
        self.stop_live()
        self.namespace = namespace
        self.access_asked = False
        self.go_live(self.kind)
        self.update_chrome()

    def switch_context(self, context: str) -> None:
        """Switch to ``context`` of the kubeconfig; an unknown name is refused up front (the
        current connection stays) with the names there are."""
        from tui.core.connection import contexts

        try:
            names, _ = contexts(self.wb.settings)
        except PodbayError as exc:
            self.app.push_screen(ErrorDialog(exc.what, exc.fix))
            return
        if context not in names:
            self.app.push_screen(
                ErrorDialog(
                    f"no context '{context}' in the kubeconfig",
                    f"pick one of: {', '.join(names) or 'none'} (':ctx' opens a picker)",
                )
            )
            return
        new = self.wb.settings.model_copy(update={"context": context})
        self.wb.update_settings(new, persist=False)
        self.reconnect()

    def reconnect(self) -> None:
        """Start over with the workbench's current settings (new context or settings)."""
        self.stop_live()
        self.connected = False
        self.denied = {}
        self.access_asked = False
        self.update_chrome()
        self.connect()

    def action_reload(self) -> None:
        self.stop_live()
        self.go_live(self.kind)

    # ---- prompt: ':' commands and '/' filter ----------------------------------------------
    def _open_prompt(self, mode: str, value: str = "") -> None:
        prompt = self.query_one("#prompt", Input)
        self.prompt_mode = mode
        prompt.placeholder = (
            "pods | svc | ing | ns <name> | ctx <name> | settings | cleanup | help | q"
            if mode == "command"
            else "regex, or -l key=value (label selector); enter applies, esc clears"
        )
        prompt.suggester = SuggestFromList(COMMANDS) if mode == "command" else None
        prompt.value = value
        prompt.add_class("shown")
        prompt.focus()

    def action_command(self) -> None:
        self._open_prompt("command")

    def action_filter(self) -> None:
        self._open_prompt("filter", self.filters.get(self.kind.name, ""))

    def _close_prompt(self) -> None:
        prompt = self.query_one("#prompt", Input)
        prompt.remove_class("shown")
        self.prompt_mode = ""
        self.table.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "prompt" and self.prompt_mode == "filter":
            self._set_filter(event.value, live=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "prompt":
            return
        mode, value = self.prompt_mode, event.value.strip()
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
        self.filters[self.kind.name] = text
        self.table.set_filter(predicate)
        self.update_chrome()

    def run_command(self, line: str) -> None:
        word, _, arg = line.partition(" ")
        arg = arg.strip()
        kind = kind_for(word)
        if kind is not None:
            self.action_show(kind.name)
        elif word in ("ns", "namespace"):
            if arg:
                self.switch_namespace(arg)
            else:
                self.pick_namespace()
        elif word in ("ctx", "context"):
            if arg:
                self.switch_context(arg)
            else:
                self.pick_context()
        elif word == "settings":
            self.action_settings()
        elif word == "help":
            self.action_help()
        elif word == "cleanup":
            self.action_cleanup(arg == "failed")
        elif word in ("q", "q!", "quit"):
            self.app.exit()
        else:
            self.app.push_screen(
                ErrorDialog(
                    f"unknown command ':{line}'",
                    "try :pods, :svc, :ing, :ns <name>, :ctx <name>, :settings, :cleanup, :q",
                )
            )

    @work(thread=True, group="pick", exclusive=True, exit_on_error=False)
    def pick_namespace(self) -> None:
        names = list(self.wb.settings.namespace_allow_list)
        if not names:
            try:
                import json

                from kubernetes import client

                core: Any = client.CoreV1Api(self.wb.api)
                resp = core.list_namespace(_preload_content=False)
                names = sorted(i["metadata"]["name"] for i in json.loads(resp.data)["items"])
            except Exception:
                names = [self.namespace]
        self.app.call_from_thread(
            self.app.push_screen,
            Picker("Namespace", names, self.namespace),
            lambda ns: self.switch_namespace(ns) if ns else None,
        )

    def pick_context(self) -> None:
        from tui.core.connection import contexts

        try:
            names, current = contexts(self.wb.settings)
        except PodbayError as exc:
            self.app.push_screen(ErrorDialog(exc.what, exc.fix))
            return
        chosen = self.wb.settings.context or current
        self.app.push_screen(
            Picker("Context", names, chosen),
            lambda ctx: self.switch_context(ctx) if ctx else None,
        )

    def action_back(self) -> None:
        if self.prompt_mode:
            self._close_prompt()
        elif self.table.marks:
            self.table.clear_marks()
        elif self.filters.get(self.kind.name):
            self._set_filter("", live=False)
        self.update_chrome()

    def action_sort(self, title: str) -> None:
        if any(c.title == title for c in self.kind.columns):
            self.table.sort_by(title)

    # ---- actions on rows ---------------------------------------------------------------
    def _access_needed(self, action: str) -> str | None:
        """The access-review label an action needs (None: it needs nothing reviewed)."""
        if action == "delete":
            return f"delete {self.kind.name}"
        return POD_ACTIONS.get(action)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        needs = self._access_needed(action)
        if needs and needs in self.denied:
            return None  # shown disabled; pressing it explains why
        if action in POD_ACTIONS and self.kind.name != "pods":
            return None
        return True

    def on_key(self, event: events.Key) -> None:
        """A disabled key (the account lacks the verb) explains itself instead of doing
        nothing: Textual passes keys of disabled bindings on to here."""
        binding = KEY_ACTIONS.get(event.key)
        need = self._access_needed(binding) if binding else None
        if need and need in self.denied and not self.prompt_mode:
            event.stop()
            self._denied(need)

    def _denied(self, needs: str) -> bool:
        if needs in self.denied:
            self.app.push_screen(
                ErrorDialog(f"this account cannot {needs}", self.denied[needs], title="Not allowed")
            )
            return True
        return False

    def action_help(self) -> None:
        from tui.app.keys import help_sections

        self.app.push_screen(HelpScreen(help_sections(self)))

    def action_settings(self) -> None:
        from tui.app.settings_screen import SettingsScreen

        def done(changed: bool | None) -> None:
            if changed:
                self.namespace = self.wb.settings.namespace
                self.reconnect()

        self.app.push_screen(SettingsScreen(self.wb), done)

    def _row_object(self, row: Row) -> dict[str, Any] | None:
        live = self.lives.get(self.kind.name)
        if live is None:
            return None
        return next((o for o in live.cache.items() if o["metadata"]["uid"] == row.key), None)

    def action_logs(self) -> None:
        """Follow the current pod's log (its first container; `c` there picks another)."""
        if self.kind.name != "pods" or self._denied(POD_ACTIONS["logs"]):
            return
        row = self.table.current
        obj = self._row_object(row) if row else None
        if row is None or obj is None:
            return
        from tui.app.logviewer import LogViewer

        spec = obj.get("spec") or {}
        containers = [c["name"] for c in spec.get("containers") or [] if c.get("name")]
        self.app.push_screen(LogViewer(self.wb, self.namespace, row.name, containers))

    def action_shell(self) -> None:
        """A shell in the current pod, inside the TUI (bash if the image has it, else sh)."""
        if self.kind.name != "pods" or self._denied(POD_ACTIONS["shell"]):
            return
        row = self.table.current
        if row is None:
            return
        from tui.app.terminal_view import TerminalScreen

        self.app.push_screen(TerminalScreen(self.wb, self.namespace, row.name))

    def action_progress(self) -> None:
        """The current pod's way to Running (or why it is not there): the view a create
        opens, for any pod."""
        if self.kind.name != "pods":
            return
        row = self.table.current
        if row is None:
            return
        from tui.app.pod_progress import PodProgress

        self.app.push_screen(PodProgress(self.wb, self.namespace, row.name))

    def action_new(self, plural: str | None = None) -> None:
        """The creation form of ``plural`` (default: the kind on screen)."""
        from tui.app.wizard.ingress_form import IngressForm
        from tui.app.wizard.pod_form import PodForm
        from tui.app.wizard.service_form import ServiceForm

        kind = KINDS[plural] if plural else self.kind
        need = f"create {kind.name}"
        if need in self.denied:
            self.app.push_screen(ErrorDialog(self.denied[need], title=f"Cannot {need}"))
            return
        table = self.query_one(f"#table-{kind.name}", ResourceTable)
        taken = {row.name for row in table.rows.values()}
        forms = {"pods": PodForm, "services": ServiceForm, "ingresses": IngressForm}
        self.app.push_screen(forms[kind.name](self.wb, self.namespace, taken=taken))

    def action_yaml(self) -> None:
        row = self.table.current
        obj = self._row_object(row) if row else None
        if row is None or obj is None:
            return
        meta = {k: v for k, v in obj["metadata"].items() if k != "managedFields"}
        kind = {"apiVersion": self.kind.api_version, "kind": self.kind.kind}
        text = yaml.safe_dump({**kind, **obj, "metadata": meta}, sort_keys=False)
        title = f"{self.kind.kind} {row.name} — YAML"
        self.app.push_screen(TextViewer(title, text, syntax="yaml"))

    @work(thread=True, group="describe", exclusive=True, exit_on_error=False)
    def action_describe(self) -> None:
        row = self.table.current
        if row is None:
            return
        from tui.core.describe import describe

        singular = {"pods": "pod", "services": "service", "ingresses": "ingress"}[self.kind.name]
        text = describe(self.wb.api, singular, row.name, self.namespace)
        self.app.call_from_thread(
            self.app.push_screen, TextViewer(f"Describe {singular} {row.name}", text)
        )

    def action_delete(self) -> None:
        kind = self.kind
        if self._denied(f"delete {kind.name}"):
            return
        rows = self.table.selected()
        if not rows:
            return
        what = kind.name if len(rows) > 1 else kind.title[:-1].lower()
        title = f"Delete {len(rows)} {what} in namespace {self.namespace}?"

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.delete_rows(kind, rows)

        self.app.push_screen(ConfirmDialog(title, [r.name for r in rows]), confirmed)

    @work(thread=True, group="delete", exit_on_error=False)
    def delete_rows(self, kind: ListKind, rows: list[Row]) -> None:
        collection = self.collection(kind)
        failures: list[str] = []
        fix = ""
        for row in rows:
            try:
                collection.delete(row.name, self.namespace, uid=row.key)
            except PodbayError as exc:
                failures.append(f"{row.name}: {exc.what}")
                fix = exc.fix
        done = len(rows) - len(failures)

        def report() -> None:
            table = self.query_one(f"#table-{kind.name}", ResourceTable)
            table.clear_marks()
            self.notify(f"deleting {done} {kind.name}" if done else "nothing deleted")
            if failures:
                self.app.push_screen(ErrorDialog("\n".join(failures), fix, title="Delete failed"))

        self.app.call_from_thread(report)

    def action_cleanup(self, include_failed: bool = False) -> None:
        if self.kind.name != "pods" or self._denied(POD_ACTIONS["cleanup"]):
            return
        live = self.lives.get("pods")
        if live is None:
            return
        phases = ("Succeeded", "Failed") if include_failed else ("Succeeded",)
        chosen, spared = cleanup_mod.select(
            live.cache.items(),
            phases=phases,
            protect_selector=self.wb.settings.protect_selector,
            now=dt.datetime.fromtimestamp(self.app_clock(), dt.UTC),
        )
        from tui.core.age import format_age

        items = [
            f"delete  {c.name}  ({c.phase}, finished {format_age(c.finished_seconds_ago)} ago)"
            for c in chosen
        ]
        items += [f"keep    {s.name}  ({s.reason})" for s in spared]
        which = " and ".join(phases)
        title = f"Cleanup: delete {len(chosen)} {which} podbay pods in {self.namespace}?"
        if not chosen:
            title = f"Cleanup: no {which} podbay pods to delete in {self.namespace}"
        ns = self.namespace

        def confirmed(yes: bool | None) -> None:
            if yes and chosen:
                self.run_cleanup(ns, chosen)

        self.app.push_screen(ConfirmDialog(title, items, action="Delete"), confirmed)

    @work(thread=True, group="cleanup", exit_on_error=False)
    def run_cleanup(self, namespace: str, chosen: list[cleanup_mod.Candidate]) -> None:
        result = cleanup_mod.CleanupResult(namespace, dry_run=False)
        cleanup_mod.delete_candidates(self.wb.pods, namespace, chosen, result)

        def report() -> None:
            self.notify(f"cleanup: deleted {len(result.deleted)}, kept {len(result.skipped)}")
            if result.errors:
                errs = "\n".join(f"{e.name}: {e.reason}" for e in result.errors)
                self.app.push_screen(ErrorDialog(errs, title="Cleanup errors"))

        self.app.call_from_thread(report)

    # ---- errors from workers become dialogs ----------------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, PodbayError):
            self.app.push_screen(ErrorDialog(error.what, error.fix))
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
