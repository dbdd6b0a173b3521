"""What the browser does with the current row (or the marked ones): describe, YAML, delete,
logs, shell, progress, new, cleanup.

Each action reads the row, list and namespace on the UI thread; the slow part runs in a
thread worker with those plain values and answers with a message.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual import work
from textual.message import Message

from tui.app.browser_state import BrowserState
from tui.app.dialogs import ConfirmDialog, ErrorDialog, TextViewer
from tui.core import cleanup as cleanup_mod
from tui.core.actionaccess import POD_ACTIONS, create_access
from tui.core.errors import PodbayError
from tui.core.kinds import KINDS, PODS, AnyKind, ListRow
from tui.core.workbench import Workbench


class RowActions(BrowserState):
    class Described(Message, bubble=False):
        def __init__(self, title: str, text: str) -> None:
            super().__init__()
            self.title = title
            self.text = text

    class Deleted(Message, bubble=False):
        """A delete finished: ``done`` went, each of ``failures`` says why not."""

        def __init__(self, kind: AnyKind, done: int, failures: list[str], fix: str) -> None:
            super().__init__()
            self.kind = kind
            self.done = done
            self.failures = failures
            self.fix = fix

    class CleanedUp(Message, bubble=False):
        def __init__(self, result: cleanup_mod.CleanupResult) -> None:
            super().__init__()
            self.result = result

    def _row_object(self, row: ListRow) -> dict[str, Any] | None:
        """The raw object behind ``row``, from the list's cache."""
        live = self.lives.get(self.kind.plural)
        if live is None:
            return None
        return next((o for o in live.cache.items() if o["metadata"]["uid"] == row.key), None)

    # ---- reading ---------------------------------------------------------------------------
    def action_yaml(self) -> None:
        from tui.core.resourceyaml import resource_yaml

        row = self.table.current
        obj = self._row_object(row) if row else None
        if row is None or obj is None:
            return
        text = resource_yaml(obj, api_version=self.kind.api_version, kind=self.kind.kind)
        title = f"{self.kind.kind} {row.name} — YAML"
        self.app.push_screen(TextViewer(title, text, syntax="yaml"))

    def action_describe(self) -> None:
        row = self.table.current
        if row is None:
            return
        self.describe(self.wb, self.kind.singular, row.name, self.namespace)

    @work(thread=True, group="describe", exclusive=True, exit_on_error=False)
    def describe(self, workbench: Workbench, singular: str, name: str, namespace: str) -> None:
        from tui.core.describe import describe

        text = describe(workbench.api, singular, name, namespace)
        self.post_message(self.Described(f"Describe {singular} {name}", text))

    def on_row_actions_described(self, message: Described) -> None:
        self.app.push_screen(TextViewer(message.title, message.text))

    # ---- screens on the current pod --------------------------------------------------------
    def action_logs(self) -> None:
        """Follow the current pod's log (its first container; `c` there picks another)."""
        if self.kind is not PODS or self.refuse_if_denied(POD_ACTIONS["logs"]):
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
        if self.kind is not PODS or self.refuse_if_denied(POD_ACTIONS["shell"]):
            return
        row = self.table.current
        if row is None:
            return
        from tui.app.terminal_view import TerminalScreen

        self.app.push_screen(TerminalScreen(self.wb, self.namespace, row.name))

    def action_progress(self) -> None:
        """The current pod's way to Running (or why it is not there): the view a create
        opens, for any pod."""
        if self.kind is not PODS:
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
        need = create_access(kind.plural)
        if need in self.denied:
            self.app.push_screen(ErrorDialog(self.denied[need], title=f"Cannot {need}"))
            return
        taken = {row.name for row in self.table_of(kind).rows.values()}
        forms = {"pods": PodForm, "services": ServiceForm, "ingresses": IngressForm}
        self.app.push_screen(forms[kind.plural](self.wb, self.namespace, taken=taken))

    # ---- deleting --------------------------------------------------------------------------
    def action_delete(self) -> None:
        kind = self.kind
        if self.refuse_if_denied(f"delete {kind.plural}"):
            return
        rows = self.table.selected()
        if not rows:
            return
        what = kind.plural if len(rows) > 1 else kind.singular
        title = f"Delete {len(rows)} {what} in namespace {self.namespace}?"
        workbench, namespace = self.wb, self.namespace

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.delete_rows(workbench, kind, namespace, rows)

        self.app.push_screen(ConfirmDialog(title, [r.name for r in rows]), confirmed)

    @work(thread=True, group="delete", exit_on_error=False)
    def delete_rows(
        self, workbench: Workbench, kind: AnyKind, namespace: str, rows: list[ListRow]
    ) -> None:
        collection = workbench.collection(kind)  # may connect: off the UI thread
        failures: list[str] = []
        fix = ""
        for row in rows:
            try:
                collection.delete(row.name, namespace, uid=row.key)
            except PodbayError as exc:
                failures.append(f"{row.name}: {exc.what}")
                fix = exc.fix
        self.post_message(self.Deleted(kind, len(rows) - len(failures), failures, fix))

    def on_row_actions_deleted(self, message: Deleted) -> None:
        self.table_of(message.kind).clear_marks()
        done, plural = message.done, message.kind.plural
        self.notify(f"deleting {done} {plural}" if done else "nothing deleted")
        if message.failures:
            failures = "\n".join(message.failures)
            self.app.push_screen(ErrorDialog(failures, message.fix, title="Delete failed"))

    def action_cleanup(self, include_failed: bool = False) -> None:
        if self.kind is not PODS or self.refuse_if_denied(POD_ACTIONS["cleanup"]):
            return
        live = self.lives.get(PODS.plural)
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
        workbench, namespace = self.wb, self.namespace

        def confirmed(yes: bool | None) -> None:
            if yes and chosen:
                self.run_cleanup(workbench, namespace, chosen)

        self.app.push_screen(ConfirmDialog(title, items, action="Delete"), confirmed)

    @work(thread=True, group="cleanup", exit_on_error=False)
    def run_cleanup(
        self, workbench: Workbench, namespace: str, chosen: list[cleanup_mod.Candidate]
    ) -> None:
        result = cleanup_mod.CleanupResult(namespace, dry_run=False)
        cleanup_mod.delete_candidates(workbench.pods, namespace, chosen, result)
        self.post_message(self.CleanedUp(result))

    def on_row_actions_cleaned_up(self, message: CleanedUp) -> None:
        result = message.result
        self.notify(f"cleanup: deleted {len(result.deleted)}, kept {len(result.skipped)}")
        if result.errors:
            errs = "\n".join(f"{e.name}: {e.reason}" for e in result.errors)
            self.app.push_screen(ErrorDialog(errs, title="Cleanup errors"))
