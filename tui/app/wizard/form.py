"""The frame every creation form shares: labelled rows with a hint and an inline problem,
validation as you type with the request model REST uses, a YAML preview with the
apiserver's dry run, ``$EDITOR`` on the YAML, and the create itself.

A form subclass says which rows it has (``compose_rows``) and how they become a request
body (``body``); problems the model reports are shown under the row that owns the field
(``row_for``). Cluster calls run in thread workers that get plain values, never widgets,
and answer with messages.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ValidationError
from rich.text import Text
from textual import work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, Select, Static, Switch

from tui.app.dialogs import TextViewer
from tui.core import drafts
from tui.core.errors import PodbayError
from tui.core.kinds import KINDS
from tui.core.problems import problems
from tui.core.resources import Collection
from tui.core.workbench import Workbench

FORM_CSS = """
CreateForm { layout: vertical; }
CreateForm #form-title { height: 1; background: $panel; padding: 0 1; }
CreateForm #form-status { height: auto; padding: 0 1; }
CreateForm #form-status.bad { color: $error; }
CreateForm #form-status.good { color: $success; }
CreateForm #form-body { height: 1fr; padding: 0 1; }
CreateForm .row { height: auto; margin-top: 1; }
CreateForm .row Label { width: 18; padding: 0 1 0 0; }
CreateForm .row Input { width: 1fr; }
CreateForm .row Select { width: 1fr; }
CreateForm .row Switch { border: none; height: 1; padding: 0; }
CreateForm .hint { color: $text-muted; padding-left: 18; height: auto; }
CreateForm .problem { color: $error; padding-left: 18; height: auto; display: none; }
CreateForm .problem.shown { display: block; }
"""


class FieldError(ValueError):
    """A text field that cannot be read (an unclosed quote, ``KEY`` without ``=``)."""

    def __init__(self, row: str, reason: str) -> None:
        super().__init__(reason)
        self.row = row


def editor_command() -> list[str]:
    """``$VISUAL`` or ``$EDITOR`` (split as a shell would: ``code -w``), else vi."""
    value = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    return shlex.split(value) or ["vi"]


class CreateForm(Screen[str | None]):
    """Dismissed with the created object's name (None when cancelled)."""

    plural: ClassVar[str]
    model: ClassVar[type[BaseModel]]
    title_text: ClassVar[str]

    BINDINGS = [
        Binding("ctrl+s", "create", "Create"),
        Binding("ctrl+y", "preview", "YAML + dry run"),
        Binding("ctrl+o", "edit", "Edit YAML"),
        Binding("escape", "cancel", "Cancel"),
    ]
    DEFAULT_CSS = FORM_CSS

    class Checked(Message):
        """A dry run's or a create's answer, from a worker thread."""

        def __init__(
            self, action: str, manifest: dict[str, Any], error: PodbayError | None
        ) -> None:
            super().__init__()
            self.action = action
            self.manifest = manifest
            self.error = error

    def __init__(self, workbench: Workbench, namespace: str) -> None:
        super().__init__()
        self.wb = workbench
        self.namespace = namespace
        self.edited: dict[str, Any] | None = None  # YAML from $EDITOR replaces the form
        self.busy = False

    # ---- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(
            Text.assemble((self.title_text, "bold"), f"  in namespace {self.namespace}"),
            id="form-title",
        )
        yield Static("", id="form-status")
        with VerticalScroll(id="form-body"):
            yield from self.compose_rows()
        yield Footer()

    def compose_rows(self) -> Iterator[Widget]:
        raise NotImplementedError

    def row(self, key: str, label: str, widget: Widget, hint: str = "") -> Iterator[Widget]:
        """One labelled field: ``#f-<key>`` holds the value, ``#p-<key>`` its problem."""
        with Horizontal(classes="row", id=f"r-{key}"):
            yield Label(label)
            yield widget
        if hint:
            yield Static(Text(hint), classes="hint", id=f"h-{key}")
        yield Static("", classes="problem", id=f"p-{key}")

    def on_mount(self) -> None:
        first = self.query("#form-body Input")
        if first:
            first.first().focus()
        self.revalidate()

    # ---- reading the form ------------------------------------------------------------------
    def text(self, key: str) -> str:
        return self.query_one(f"#f-{key}", Input).value.strip()

    def choice(self, key: str) -> str | None:
        value = self.query_one(f"#f-{key}", Select).value
        return value if isinstance(value, str) else None

    def switch(self, key: str) -> bool:
        return bool(self.query_one(f"#f-{key}", Switch).value)

    def body(self) -> dict[str, Any]:
        """The request body as typed (FieldError for a text field that cannot be read)."""
        raise NotImplementedError

    def row_for(self, field: str) -> str:
        """The row that shows a problem with the model's ``field`` (e.g. ``ports.0.port``)."""
        return field.split(".", 1)[0]

    def request(self) -> BaseModel | None:
        """The validated request, or None after showing every problem under its row."""
        for shown in self.query(".problem.shown"):
            shown.remove_class("shown")
        try:
            data = self.body()
            data["namespace"] = self.namespace
            request = self.model.model_validate(data)
        except FieldError as exc:
            self._problem(exc.row, str(exc))
            return None
        except ValidationError as exc:
            unplaced = []
            for p in problems(exc):
                if not self._problem(self.row_for(p["field"]), f"{p['field']}: {p['reason']}"):
                    unplaced.append(p["reason"])
            self.status("; ".join(unplaced), "bad") if unplaced else self.status("")
            return None
        if self.edited is None:
            self.status("")
        return request

    def _problem(self, row: str, reason: str) -> bool:
        target = self.query(f"#p-{row}")
        if not target:
            return False
        widget = target.first(Static)
        widget.update(Text(reason))
        widget.add_class("shown")
        return True

    def status(self, text: str, tone: str = "") -> None:
        widget = self.query_one("#form-status", Static)
        widget.update(Text(text))
        widget.set_classes(tone)

    def revalidate(self) -> None:
        if self.is_mounted:
            self.request()

    def on_input_changed(self, event: Input.Changed) -> None:
        if self.edited is not None and event.input.id and event.input.id.startswith("f-"):
            self.edited = None
            self.status("form edited: the YAML from the editor is dropped", "bad")
        self.revalidate()

    def on_select_changed(self, _: Select.Changed) -> None:
        self.revalidate()

    def on_switch_changed(self, _: Switch.Changed) -> None:
        self.revalidate()

    # ---- preview, dry run, edit, create ----------------------------------------------------
    def collection(self) -> Collection:
        return self.wb.collection(KINDS[self.plural])

    def manifest(self) -> dict[str, Any] | None:
        """What a create sends: the edited YAML if there is one, else the form's request
        (policy problems, such as a hostPath outside the prefixes, go to the status line)."""
        if self.edited is not None:
            return self.edited
        request = self.request()
        if request is None:
            self.notify("fix the fields marked in red first", severity="error")
            return None
        try:
            return self.collection().manifest(request)  # type: ignore[arg-type]
        except PodbayError as exc:
            self.status(f"{exc.what} — {exc.fix}", "bad")
            return None

    def action_preview(self) -> None:
        manifest = self.manifest()
        if manifest is None:
            return
        self.app.push_screen(
            TextViewer(
                f"{self.title_text}: what will be sent", drafts.to_yaml(manifest), syntax="yaml"
            )
        )
        self.status("dry run: asking the apiserver…")
        self.submit(manifest, dry_run=True)

    def action_create(self) -> None:
        if self.busy:
            return
        manifest = self.manifest()
        if manifest is not None:
            self.status("creating…")
            self.submit(manifest, dry_run=False)

    @work(thread=True, exclusive=True, group="submit")
    def submit(self, manifest: dict[str, Any], *, dry_run: bool) -> None:
        """A dry run, or a create after a passing dry run (admission errors then show in
        the form and nothing is stored)."""
        self.busy = True
        action = "dry run" if dry_run else "create"
        try:
            col = self.collection()
            col.create_manifest(dict(manifest), dry_run=True)
            if not dry_run:
                manifest = col.create_manifest(dict(manifest))
            self.post_message(self.Checked(action, manifest, None))
        except PodbayError as exc:
            self.post_message(self.Checked(action, manifest, exc))
        finally:
            self.busy = False

    def on_create_form_checked(self, message: Checked) -> None:
        if message.error is not None:
            self.status(
                f"{message.action} refused: {message.error.what} — {message.error.fix}", "bad"
            )
            return
        if message.action == "dry run":
            self.status("dry run passed: the apiserver accepts it (ctrl+s creates it)", "good")
            return
        self.created(str(message.manifest.get("metadata", {}).get("name", "")))

    def created(self, name: str) -> None:
        """After a create (forms of kinds with a follow-up view override this)."""
        self.notify(f"created {name}")
        self.dismiss(name)

    def action_edit(self) -> None:
        manifest = self.manifest()
        if manifest is None:
            return
        original = drafts.to_yaml(manifest)
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", prefix="podbay-", delete=False) as fh:
            fh.write(original)
            path = Path(fh.name)
        try:
            try:
                with self.app.suspend():
                    done = subprocess.run([*editor_command(), str(path)], check=False)
            except SuspendNotSupported:  # no terminal to hand over (tests): run it as is
                done = subprocess.run(
                    [*editor_command(), str(path)], check=False, stdin=subprocess.DEVNULL
                )
            text = path.read_text()
        except OSError as exc:
            self.status(
                f"cannot run the editor {editor_command()[0]!r}: {exc} — set $EDITOR", "bad"
            )
            return
        finally:
            path.unlink(missing_ok=True)
        if done.returncode != 0 or text == original:
            self.status("the editor changed nothing; the form is unchanged")
            return
        try:
            self.edited = drafts.read_yaml(self.plural, text)
        except drafts.DraftError as exc:
            self.status(exc.what, "bad")
            return
        self.status("using the edited YAML (ctrl+y checks it, ctrl+s creates it)", "good")

    def action_cancel(self) -> None:
        self.dismiss(None)
