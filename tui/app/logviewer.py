"""The log viewer (`l` on a pod): follows a container's log live, k9s's keys.

The stream runs on the engine's LogFollower thread; this screen takes its new lines at most
~10 times a second, so a chatty container cannot flood the UI. Switching timestamps, the
previous container, the time window or the container restarts the stream with the new
query; a container that has not started yet is waited for.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from tui.app.dialogs import ErrorDialog, Picker
from tui.app.loglines import LogLines, compile_filter
from tui.core.containerend import container_end
from tui.core.errors import PodbayError
from tui.core.logfollow import MAX_LINES, FollowState, LogFollower
from tui.core.logs import LogQuery
from tui.core.workbench import Workbench

APPLY_INTERVAL = 0.1  # at most ~10 UI updates a second, however fast the log is
RETRY_SECONDS = 1.0  # a container that is still starting is asked again this often
#: k9s's time windows: 0 = everything, then 1m / 5m / 15m / 30m / 1h.
SINCE = {"0": None, "1": 60, "2": 300, "3": 900, "4": 1800, "5": 3600}


def _window(seconds: int) -> str:
    return f"{seconds // 3600}h" if seconds >= 3600 else f"{seconds // 60}m"


def _window_label(seconds: int | None) -> str:
    """What a time-window key shows (its binding's description, for the help)."""
    return f"Last {_window(seconds)}" if seconds else "Everything"


class LogViewer(Screen[None]):
    BINDINGS = [
        Binding("escape,q", "back", "Back"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("s", "autoscroll", "Autoscroll"),
        Binding("t", "timestamps", "Timestamps"),
        Binding("p", "previous", "Previous"),
        Binding("c", "container", "Container"),
        Binding("ctrl+s", "save", "Save"),
        Binding("question_mark", "help", "Help", key_display="?"),
        *(Binding(k, f"since('{k}')", _window_label(s), show=False) for k, s in SINCE.items()),
    ]

    DEFAULT_CSS = """
    LogViewer { layout: vertical; }
    #log-title { height: 1; background: $panel; }
    #log-prompt { dock: bottom; height: 1; border: none; padding: 0 1; display: none; }
    #log-prompt.shown { display: block; }
    #log-status { height: 1; background: $panel; color: $text-muted; }
    """

    def __init__(
        self,
        workbench: Workbench,
        namespace: str,
        pod: str,
        containers: list[str],
        *,
        container: str | None = None,
        max_lines: int = MAX_LINES,
    ) -> None:
        super().__init__()
        self.wb = workbench
        self.containers = containers or ["runner"]
        self.log_query = LogQuery(pod, namespace, container or self.containers[0])
        self.max_lines = max_lines
        self.follower: LogFollower | None = None
        self.filter_text = ""
        self.note = ""  # why the stream is not (yet) showing: waiting, ended, failed
        self._last_apply = 0.0
        self._pending = False

    def compose(self) -> ComposeResult:
        yield Static(id="log-title")
        yield LogLines(max_lines=self.max_lines, id="log-lines")
        yield Input(id="log-prompt", placeholder="regex (plain text if not one); esc clears")
        yield Static(id="log-status")
        yield Footer()

    @property
    def lines(self) -> LogLines:
        return self.query_one(LogLines)

    def on_mount(self) -> None:
        self.lines.focus()
        self.restart()

    def on_unmount(self) -> None:
        if self.follower is not None:
            self.follower.stop()

    # ---- the stream ------------------------------------------------------------------
    def restart(self, query: LogQuery | None = None) -> None:
        """(Re)open the stream: the buffer starts over with the new query."""
        if query is not None:
            self.log_query = query
        if self.follower is not None:
            self.follower.stop()
        self.lines.clear()
        self.note = "connecting"
        try:
            api = self.wb.api
        except PodbayError as exc:  # the connection went away since the list was shown
            self.app.push_screen(ErrorDialog(exc.what, exc.fix), self._leave)
            return
        follower = LogFollower(api, self.log_query)

        def on_new() -> None:  # on the reader thread; post_message is thread-safe
            self.post_message(self.NewLines(follower))

        follower.on_new = on_new
        self.follower = follower.start()
        self.update_chrome()

    def _leave(self, _: None) -> None:
        """Back to the list. Not awaited: as a dialog's callback this runs in the screen's
        own message loop, where awaiting its dismissal is an error."""
        self.dismiss(None)

    class NewLines(Message):
        """Posted from the reader thread: lines (or an end) wait to be taken."""

        def __init__(self, follower: LogFollower) -> None:
            super().__init__()
            self.follower = follower

    def on_log_viewer_new_lines(self, message: NewLines) -> None:
        if message.follower is self.follower:
            self._schedule()

    def _schedule(self) -> None:
        if self._pending:
            return
        wait = APPLY_INTERVAL - (time.monotonic() - self._last_apply)
        self._pending = True
        if wait > 0:
            self.set_timer(wait, self._apply)
        else:  # a timer of 0 s is an error in Textual
            self.call_later(self._apply)

    def _apply(self) -> None:
        self._pending = False
        follower = self.follower
        if follower is None:
            return
        self._last_apply = time.monotonic()
        fresh = follower.take()
        if fresh:
            self.lines.append(fresh)
        progress = follower.progress
        if progress.state is FollowState.FOLLOWING:
            self.note = ""
        elif progress.state is FollowState.WAITING:
            self.note = "waiting for the container to start"
            self.set_timer(RETRY_SECONDS, self._retry_if(follower))
        elif progress.state is FollowState.FAILED and progress.error is not None:
            self.note = "failed"
            self.app.push_screen(ErrorDialog(progress.error.what, progress.error.fix))
        elif progress.state is FollowState.ENDED:
            self.describe_end(follower)
        self.update_chrome()

    def _retry_if(self, follower: LogFollower) -> Any:
        def retry() -> None:
            if self.follower is follower and self.is_mounted:
                self.restart()

        return retry

    class EndDescribed(Message):
        """How the container of ``follower``'s stream ended, as the status bar says it."""

        def __init__(self, follower: LogFollower, note: str) -> None:
            super().__init__()
            self.follower = follower
            self.note = note

    def describe_end(self, follower: LogFollower) -> None:
        """Say how the container ended (its exit code), once the stream has."""
        self.read_container_end(self.wb, follower, self.log_query)

    @work(thread=True, group="log-end", exclusive=True, exit_on_error=False)
    def read_container_end(self, workbench: Workbench, follower: LogFollower, q: LogQuery) -> None:
        try:
            pod = workbench.pods.get(q.pod, q.namespace)
        except PodbayError as exc:
            note = f"stream ended ({exc.what})"
        else:
            end = container_end(pod, q.container or "", previous=q.previous)
            note = end.summary or "stream ended"
            if end.state == "running":
                note = "stream ended; the container is still running (press 0 to follow again)"
        self.post_message(self.EndDescribed(follower, note))

    def on_log_viewer_end_described(self, message: EndDescribed) -> None:
        if message.follower is self.follower:  # not a stream started since
            self.note = message.note
            self.update_chrome()

    # ---- chrome ----------------------------------------------------------------------
    def update_chrome(self) -> None:
        q = self.log_query
        title = Text.assemble(
            (" Logs ", "reverse bold"),
            f" {q.pod}",
            ("/", "dim"),
            (q.container or "", "bold"),
            f"  ns {q.namespace}",
        )
        flags = [
            "previous container" if q.previous else "",
            "timestamps" if q.timestamps else "",
            f"last {_window(q.since_seconds)}" if q.since_seconds else "",
        ]
        if any(flags):
            title.append("  [" + ", ".join(f for f in flags if f) + "]", "cyan")
        self.query_one("#log-title", Static).update(title)
        lines = self.lines
        follower = self.follower
        state = follower.progress.state if follower else FollowState.CONNECTING
        mark = {
            FollowState.FOLLOWING: ("● following", "green"),
            FollowState.WAITING: ("○ waiting for the container to start", "yellow"),
            FollowState.ENDED: ("■ ended", "bright_black"),
        }
        label, style = mark.get(state, ("○ " + (self.note or state.value), "yellow"))
        if state is FollowState.ENDED and self.note:
            label = f"■ ended: {self.note}"
        status = Text.assemble(" ", (label, style), " │ ", f"{len(lines.lines):,} lines")
        if lines.pattern is not None:
            status.append(f" │ /{self.filter_text}: {lines.count():,} match", "cyan")
        if lines.dropped:
            status.append(f" │ {lines.dropped:,} oldest dropped", "yellow")
        status.append(" │ autoscroll " + ("on" if lines.autoscroll else "off"))
        self.query_one("#log-status", Static).update(status)

    # ---- keys ------------------------------------------------------------------------
    def action_back(self) -> None:
        prompt = self.query_one("#log-prompt", Input)
        if prompt.has_class("shown"):
            self._close_prompt()
        elif self.filter_text:
            self._set_filter("")
        else:
            self.dismiss(None)

    def action_filter(self) -> None:
        prompt = self.query_one("#log-prompt", Input)
        prompt.value = self.filter_text
        prompt.add_class("shown")
        prompt.focus()

    def _close_prompt(self) -> None:
        self.query_one("#log-prompt", Input).remove_class("shown")
        self.lines.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "log-prompt":
            self._set_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "log-prompt":
            self._close_prompt()
            self._set_filter(event.value)

    def _set_filter(self, text: str) -> None:
        self.filter_text = text.strip()
        self.lines.set_filter(compile_filter(self.filter_text))
        self.update_chrome()

    def action_help(self) -> None:
        from tui.app.dialogs import HelpScreen
        from tui.app.keys import log_help_sections

        self.app.push_screen(HelpScreen(log_help_sections(self)))

    def action_autoscroll(self) -> None:
        lines = self.lines
        lines.autoscroll = not lines.autoscroll
        if lines.autoscroll:
            lines.scroll_end(animate=False, x_axis=False)
        self.update_chrome()

    def action_timestamps(self) -> None:
        self.restart(replace(self.log_query, timestamps=not self.log_query.timestamps))

    def action_previous(self) -> None:
        self.restart(replace(self.log_query, previous=not self.log_query.previous))

    def action_since(self, key: str) -> None:
        self.restart(replace(self.log_query, since_seconds=SINCE[key]))

    def action_container(self) -> None:
        if len(self.containers) < 2:
            self.notify(f"pod {self.log_query.pod} has one container: {self.containers[0]}")
            return

        def chosen(name: str | None) -> None:
            if name and name != self.log_query.container:
                self.restart(replace(self.log_query, container=name, previous=False))

        self.app.push_screen(Picker("Container", self.containers, self.log_query.container), chosen)

    def action_save(self) -> None:
        """Write what the viewer holds (all of it, not only the matches) to a file."""
        q = self.log_query
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        folder = Path.home() / "podbay-logs"
        path = folder / f"{q.namespace}-{q.pod}-{q.container}-{stamp}.log"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(f"{line}\n" for line in self.lines.lines))
        except OSError as exc:
            self.app.push_screen(
                ErrorDialog(
                    f"cannot save the log to {path}: {exc.strerror or exc}",
                    f"make {folder} writable, or free some disk space",
                )
            )
            return
        self.notify(f"saved {len(self.lines.lines):,} lines to {path}")
