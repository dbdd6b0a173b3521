"""The browser's live lists: connecting, going live per list, the access review, and
switching list, namespace or context (each switch starts the lists over)."""

from __future__ import annotations

import time

from textual import work
from textual.message import Message
from textual.widgets import ContentSwitcher

from tui.app.browser_state import BrowserState
from tui.app.dialogs import ErrorDialog, Picker
from tui.app.live import MIN_INTERVAL, LiveList
from tui.core.actionaccess import denials
from tui.core.errors import PodbayError
from tui.core.kinds import KINDS, AnyKind
from tui.core.workbench import Workbench


class LiveLists(BrowserState):
    class Connected(Message, bubble=False):
        """The connect worker made the connection."""

    class ConnectFailed(Message, bubble=False):
        def __init__(self, error: PodbayError) -> None:
            super().__init__()
            self.error = error

    class AccessReviewed(Message, bubble=False):
        def __init__(self, namespace: str, denied: dict[str, str]) -> None:
            super().__init__()
            self.reviewed_namespace = namespace  # .namespace is Message's own
            self.denied = denied

    class NamespacesListed(Message, bubble=False):
        def __init__(self, names: list[str]) -> None:
            super().__init__()
            self.names = names

    class NamespacesUnlisted(Message, bubble=False):
        """The namespaces could not be listed: ``error`` says why."""

        def __init__(self, error: PodbayError) -> None:
            super().__init__()
            self.error = error

    # ---- connecting ----------------------------------------------------------------------
    def connect(self) -> None:
        """Connect (may run an exec plugin or time out) off the UI thread, then go live."""
        self.open_connection(self.wb)

    @work(thread=True, group="connect", exclusive=True, exit_on_error=False)
    def open_connection(self, workbench: Workbench) -> None:
        try:
            workbench.connection  # noqa: B018
        except PodbayError as exc:
            self.post_message(self.ConnectFailed(exc))
            return
        self.post_message(self.Connected())

    def on_live_lists_connect_failed(self, message: ConnectFailed) -> None:
        self.connected = False
        self.connect_error = message.error
        self.update_chrome()

    def on_live_lists_connected(self) -> None:
        self.connected = True
        self.connect_error = None
        self.go_live(self.kind)
        self.update_chrome()

    def reconnect(self) -> None:
        """Start over with the workbench's current settings (new context or settings)."""
        self.stop_live()
        self.connected = False
        self.denied = {}
        self.access_asked = False
        self.update_chrome()
        self.connect()

    # ---- live lists ----------------------------------------------------------------------
    def go_live(self, kind: AnyKind) -> None:
        if kind.plural in self.lives or not self.connected:
            return
        try:
            live = LiveList(kind, self.wb.collection(kind), self.namespace, self)
        except PodbayError as exc:
            self.show_error(exc)
            return
        self.lives[kind.plural] = live.start()

    def stop_live(self) -> None:
        for live in self.lives.values():
            live.stop()
        self.lives.clear()
        for kind in KINDS.values():
            self.table_of(kind).replace([])

    def on_unmount(self) -> None:
        for live in self.lives.values():  # their watch threads end with the screen
            live.stop()

    def on_live_list_changed(self, message: LiveList.Changed) -> None:
        live = message.live
        if self.lives.get(live.kind.plural) is not live:
            return  # a list we already left (namespace or context switched)
        wait = MIN_INTERVAL - (time.monotonic() - live.last_apply)
        if wait > 0:
            self.set_timer(wait, lambda: self._apply(live))
        else:
            self._apply(live)

    def _apply(self, live: LiveList) -> None:
        if self.lives.get(live.kind.plural) is live:
            live.apply_to(self.table_of(live.kind))
            self.update_chrome()
            if not self.access_asked:  # after the first rows: never delay the list itself
                self.access_asked = True
                self.review_access(self.wb, self.namespace)

    def action_reload(self) -> None:
        self.stop_live()
        self.go_live(self.kind)

    # ---- the access review ---------------------------------------------------------------
    @work(thread=True, group="access", exclusive=True, exit_on_error=False)
    def review_access(self, workbench: Workbench, namespace: str) -> None:
        try:
            from tui.core.access import review

            result = review(workbench.api, namespace)
        except PodbayError:
            return
        self.post_message(self.AccessReviewed(namespace, denials(result)))

    def on_live_lists_access_reviewed(self, message: AccessReviewed) -> None:
        if message.reviewed_namespace != self.namespace:
            return  # asked about a namespace we have left; its own review follows
        self.denied = message.denied
        self.refresh_bindings()
        self.update_chrome()

    # ---- switching -----------------------------------------------------------------------
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
            self.show_error(exc)
            return
        self.stop_live()
        self.namespace = namespace
        self.access_asked = False
        self.go_live(self.kind)
        self.update_chrome()

    def pick_namespace(self) -> None:
        """A picker of the namespaces (listed off the UI thread: it may connect)."""
        self.list_namespaces(self.wb)

    @work(thread=True, group="pick", exclusive=True, exit_on_error=False)
    def list_namespaces(self, workbench: Workbench) -> None:
        from tui.core.namespaces import namespace_choices

        try:
            names = namespace_choices(workbench)
        except PodbayError as exc:
            self.post_message(self.NamespacesUnlisted(exc))
            return
        self.post_message(self.NamespacesListed(names))

    def on_live_lists_namespaces_listed(self, message: NamespacesListed) -> None:
        self.app.push_screen(
            Picker("Namespace", message.names, self.namespace),
            lambda ns: self.switch_namespace(ns) if ns else None,
        )

    def on_live_lists_namespaces_unlisted(self, message: NamespacesUnlisted) -> None:
        error = message.error
        fix = f"{error.fix}; or switch by name: :ns <name>" if error.fix else ":ns <name>"
        self.app.push_screen(ErrorDialog(error.what, fix, title="Cannot list namespaces"))

    def switch_context(self, context: str) -> None:
        """Switch to ``context`` of the kubeconfig; an unknown name is refused up front (the
        current connection stays) with the names there are."""
        from tui.core.connection import contexts

        try:
            names, _ = contexts(self.wb.settings)
        except PodbayError as exc:
            self.show_error(exc)
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

    def pick_context(self) -> None:
        from tui.core.connection import contexts

        try:
            names, current = contexts(self.wb.settings)
        except PodbayError as exc:
            self.show_error(exc)
            return
        chosen = self.wb.settings.context or current
        self.app.push_screen(
            Picker("Context", names, chosen),
            lambda ctx: self.switch_context(ctx) if ctx else None,
        )

    def action_settings(self) -> None:
        from tui.app.settings_screen import SettingsScreen

        def done(changed: bool | None) -> None:
            if changed:
                self.namespace = self.wb.settings.namespace
                self.reconnect()

        self.app.push_screen(SettingsScreen(self.wb), done)
