"""Settings and Test connection: a form over ``Settings`` and the engine's diagnosis.

Nothing is written while any field is invalid; each error sits under the field it names.
Test connection diagnoses the settings *as typed*, before they are saved.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Select, Static, Switch
from textual.worker import Worker, WorkerState

from tui.app.buglog import record_bug
from tui.app.dialogs import ConfirmDialog, ErrorDialog
from tui.core.errors import PodbayError
from tui.core.problems import problems
from tui.core.settings import Settings, settings_path
from tui.core.workbench import Workbench

# (field id, label, hint) in the order of the form; ids are Settings keys, with
# "resources.<key>" for default_resources.
TEXT_FIELDS = [
    (
        "kubeconfig",
        "Kubeconfig path",
        "empty: /workspace/.kube/kubeconfig, $KUBECONFIG, ~/.kube/config",
    ),
    ("namespace", "Namespace", "where podbay lists and creates"),
    (
        "namespace_allow_list",
        "Namespace allow-list",
        "comma-separated; empty allows every namespace",
    ),
    (
        "host_path_prefixes",
        "hostPath prefixes",
        "comma-separated host directories hostPath mounts may use (with the switch on)",
    ),
    ("extra_ca_file", "Extra CA file", "PEM added to the trust set (like NODE_EXTRA_CA_CERTS)"),
    ("protect_selector", "Protect selector", "cleanup never deletes pods matching it"),
    ("default_ttl_seconds", "Default TTL (s)", "activeDeadlineSeconds for new pods; empty: none"),
    ("resources.cpu_request", "CPU request", "default for pods that set none"),
    ("resources.memory_request", "Memory request", ""),
    ("resources.cpu_limit", "CPU limit", "empty: no limit"),
    ("resources.memory_limit", "Memory limit", "empty: no limit"),
]
LIST_FIELDS = ("namespace_allow_list", "host_path_prefixes")  # comma-separated in the form
SWITCHES = [
    ("enabled", "Enabled"),
    ("in_cluster", "In-cluster credentials"),
    ("allow_host_path", "Allow hostPath mounts"),
]
MARKS = {
    "ok": ("✓", "green"),
    "fail": ("✗", "red"),
    "warn": ("!", "yellow"),
    "skipped": ("–", "bright_black"),
}


def _dom_id(field: str) -> str:
    return "f-" + field.replace(".", "-").replace("_", "-")


class SettingsScreen(Screen[bool]):
    """Dismissed with True when settings were saved (the caller reconnects)."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+t", "test", "Test connection"),
        Binding("escape", "back", "Back"),
    ]

    DEFAULT_CSS = """
    SettingsScreen { layout: vertical; }
    #settings-title { height: 1; background: $panel; padding: 0 1; }
    #settings-body { height: 1fr; }
    #form { padding: 0 1; height: auto; }
    #diagnosis-pane { padding: 0 1; height: auto; }
    .row { height: auto; }
    .row { margin-top: 1; }
    .row Label { width: 24; padding: 0 1 0 0; }
    .row Input { width: 1fr; }
    .row Select { width: 1fr; }
    .hint { color: $text-muted; padding-left: 24; height: auto; }
    .problem { color: $error; padding-left: 24; height: auto; display: none; }
    .problem.shown { display: block; }
    #switches { height: auto; }
    #switches Horizontal { height: auto; width: auto; margin-right: 2; }
    #switches Label { padding: 0 1 0 1; }
    #switches Switch { border: none; height: 1; padding: 0; }
    #diagnosis { height: auto; margin-bottom: 1; }
    """

    def __init__(self, workbench: Workbench) -> None:
        super().__init__()
        self.wb = workbench
        self.original = workbench.settings
        self.path = workbench.settings_file or settings_path()
        self.testing = False
        self._contexts_filled = False

    # ---- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        s = self.original
        yield Static(
            Text.assemble(("Settings", "bold"), f"  saved to {self.path}"),
            id="settings-title",
        )
        with VerticalScroll(id="settings-body"):
            with Vertical(id="diagnosis-pane"):
                yield Static(
                    Text("Test connection (ctrl+t) checks the settings as typed.", "dim"),
                    id="diagnosis",
                )
            with Vertical(id="form"):
                with Horizontal(id="switches"):
                    for field, label in SWITCHES:
                        with Horizontal():
                            yield Switch(bool(getattr(s, field)), id=_dom_id(field))
                            yield Label(label)
                with Horizontal(classes="row"):
                    yield Label("Context")
                    yield Select[str](
                        [],
                        prompt="(the kubeconfig's current context)",
                        id="f-context",
                        compact=True,
                    )
                yield Static("", classes="problem", id="p-context")
                for field, label, hint in TEXT_FIELDS:
                    with Horizontal(classes="row"):
                        yield Label(label)
                        yield Input(self._initial(field), id=_dom_id(field), compact=True)
                    if hint:
                        yield Static(hint, classes="hint")
                    yield Static("", classes="problem", id="p-" + _dom_id(field)[2:])
        yield Footer()

    def _initial(self, field: str) -> str:
        s = self.original
        if field.startswith("resources."):
            value = getattr(s.default_resources, field.split(".", 1)[1])
        elif field in LIST_FIELDS:
            value = ", ".join(getattr(s, field))
        else:
            value = getattr(s, field)
        return "" if value is None else str(value)

    def on_mount(self) -> None:
        self.refresh_contexts()
        self.query_one(Switch).focus()

    # ---- the context picker follows the kubeconfig field ---------------------------------
    @on(Input.Changed, "#f-kubeconfig")
    def _kubeconfig_changed(self) -> None:
        self.refresh_contexts()

    def refresh_contexts(self) -> None:
        from tui.core.connection import contexts

        select = self.query_one("#f-context", Select)
        problem = self.query_one("#p-context", Static)
        path = self.query_one("#f-kubeconfig", Input).value.strip() or None
        try:
            names, current = contexts(self.original.model_copy(update={"kubeconfig": path}))
        except PodbayError as exc:
            names, current = [], None
            problem.update(f"{exc.what} — {exc.fix}")
            problem.add_class("shown")
        else:
            problem.remove_class("shown")
        # keep what is chosen (or saved) even when this kubeconfig does not name it: dropping
        # it silently would change the settings behind the user's back
        if self._contexts_filled:
            chosen = select.value if isinstance(select.value, str) else None
        else:
            chosen, self._contexts_filled = self.original.context, True
        options = [(f"{n}{'  (current)' if n == current else ''}", n) for n in names]
        if chosen and chosen not in names:
            options.append((f"{chosen}  (not in this kubeconfig)", chosen))
        select.set_options(options)
        if chosen:
            select.value = chosen

    # ---- reading the form ----------------------------------------------------------------
    def _form(self) -> dict[str, Any]:
        data: dict[str, Any] = self.original.model_dump()
        resources = dict(data["default_resources"])
        for field, _ in SWITCHES:
            data[field] = self.query_one(f"#{_dom_id(field)}", Switch).value
        context = self.query_one("#f-context", Select).value
        data["context"] = context if isinstance(context, str) else None
        for field, _, _ in TEXT_FIELDS:
            raw = self.query_one(f"#{_dom_id(field)}", Input).value.strip()
            if field.startswith("resources."):
                key = field.split(".", 1)[1]
                resources[key] = raw or (None if key.endswith("limit") else raw)
            elif field in LIST_FIELDS:
                data[field] = [item.strip() for item in raw.split(",") if item.strip()]
            elif field in ("kubeconfig", "extra_ca_file", "default_ttl_seconds"):
                data[field] = raw or None
            else:
                data[field] = raw
        data["default_resources"] = resources
        return data

    def validated(self, doing: str = "Not saved") -> Settings | None:
        """The settings as typed, or None after showing every problem under its field."""
        for problem in self.query(".problem"):
            if problem.id != "p-context":
                problem.remove_class("shown")
        try:
            return Settings.model_validate(self._form())
        except ValidationError as exc:
            for found in problems(exc):
                key, _, inner = found["field"].partition(".")
                field = f"resources.{inner}" if key == "default_resources" and inner else key
                target = self.query(f"#p-{_dom_id(field)[2:]}")
                if target:
                    widget = target.first(Static)
                    widget.update(found["reason"])
                    widget.add_class("shown")
            self.notify(f"{doing}: fix the fields marked in red", severity="error")
            return None

    @property
    def dirty(self) -> bool:
        try:
            return Settings.model_validate(self._form()) != self.original
        except ValidationError:
            return True

    # ---- actions ---------------------------------------------------------------------------
    def action_save(self) -> None:
        new = self.validated()
        if new is None:
            return
        try:
            self.wb.update_settings(new, persist=True)
        except (PodbayError, OSError) as exc:
            what = exc.what if isinstance(exc, PodbayError) else str(exc)
            fix = (
                exc.fix
                if isinstance(exc, PodbayError)
                else f"check that {self.path} is writable (or set $PODBAY_CONFIG)"
            )
            self.app.push_screen(ErrorDialog(f"settings not saved: {what}", fix))
            return
        self.dismiss(True)

    def action_back(self) -> None:
        if not self.dirty:
            self.dismiss(False)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(False)

        self.app.push_screen(
            ConfirmDialog(
                "Discard unsaved changes?",
                ["(the settings file stays as it was)"],
                action="Discard",
            ),
            answered,
        )

    def action_test(self) -> None:
        settings = self.validated("Not tested")
        if settings is None or self.testing:
            return
        self.testing = True
        self.query_one("#diagnosis", Static).update(Text("Testing the connection…", "yellow"))
        self.run_diagnosis(settings)

    @work(thread=True, group="diagnose", exclusive=True, exit_on_error=False)
    def run_diagnosis(self, settings: Settings) -> None:
        from tui.core.diagnosis import diagnose

        diag = diagnose(settings)
        self.app.call_from_thread(self._show_diagnosis, diag)

    def _show_diagnosis(self, diag: Any) -> None:
        self.testing = False
        self.query_one("#diagnosis", Static).update(render_diagnosis(diag))
        self.query_one("#settings-body", VerticalScroll).scroll_home(animate=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """diagnose() reports what it finds as checks; anything it raises is a bug."""
        if event.state != WorkerState.ERROR:
            return
        self.testing = False
        error = event.worker.error
        log = record_bug(error)
        self.query_one("#diagnosis", Static).update(
            Text(f"Test connection failed unexpectedly: {type(error).__name__}: {error}", "red")
        )
        self.app.push_screen(
            ErrorDialog(
                f"unexpected error while testing the connection: {type(error).__name__}: {error}",
                f"this is a podbay bug; the traceback is in {log} — please report it",
            )
        )


def render_diagnosis(diag: Any) -> Text:
    """The checklist: one line per check, the fix under every failed or degraded one."""
    text = Text()
    failed = [c for c in diag.checks if c.status == "fail"]
    missing = [c for c in diag.checks if c.name.startswith("can ") and c.status != "ok"]
    if diag.ok:
        summary = f"Connected to {diag.server}" + (f" as {diag.user}" if diag.user else "")
        if missing:
            summary += f"; {len(missing)} optional permission(s) missing"
        text.append(summary + "\n\n", "bold green")
    else:
        text.append(
            f"Not usable: {failed[0].name} failed\n\n" if failed else "Not usable\n\n", "bold red"
        )
    for check in diag.checks:
        mark, colour = MARKS.get(check.status, ("?", ""))
        text.append(f"{mark} ", colour)
        text.append(check.name, "bold" if check.status != "ok" else "")
        if check.detail:
            text.append(f"  {check.detail}", "dim" if check.status == "ok" else "")
        text.append("\n")
        if check.fix and check.status in ("fail", "warn"):
            text.append(f"    fix: {check.fix}\n", colour)
    return text
