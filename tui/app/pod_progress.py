"""The progress view: a new pod followed from Pending to Running, or to a clear failure.

The engine's ProgressFollower (tui/core/podprogress.py, no Textual) polls the pod and its
events on its own thread and posts each new picture to this screen, which draws it on the
UI thread: the stages as a checklist, the headline, and for a failure the reason, the event
behind it, what to do and the container's last log lines. `l` opens the log viewer, `s` a
shell, `esc` goes back. Only the status line changes by itself (the elapsed time, once a
second, read from the app's clock).
"""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.app.dialogs import ErrorDialog
from tui.core.age import format_age
from tui.core.podprogress import ClusterSource, Progress, ProgressFollower
from tui.core.workbench import Workbench

MARKS = {
    "ok": ("✓", "green"),
    "running": ("◌", "yellow"),
    "failed": ("✗", "red"),
    "pending": ("·", "bright_black"),
}
HEADLINE = {
    "running": ("✓", "bold green"),
    "succeeded": ("✓", "bold green"),
    "failed": ("✗", "bold red"),
    "gone": ("✗", "bold red"),
    "waiting": ("◌", "bold yellow"),
}
FACTS = [("reason", "Reason"), ("message", "Message"), ("event", "Event"), ("fix", "What to do")]
#: The access each key needs (labels of tui.core.access), as the browser gates them.
NEEDS = {"logs": "get pods/log", "shell": "create pods/exec"}


class PodProgress(Screen[None]):
    BINDINGS = [
        Binding("l", "logs", "Logs"),
        Binding("s", "shell", "Shell"),
        Binding("escape,q", "back", "Back"),
        Binding("j,down", "scroll(1)", "Down", show=False),
        Binding("k,up", "scroll(-1)", "Up", show=False),
    ]

    DEFAULT_CSS = """
    PodProgress { layout: vertical; }
    #progress-title { height: 1; background: $panel; }
    #progress-body { height: 1fr; padding: 1 1 0 1; }
    #progress-body > * { height: auto; }
    #progress-headline, #progress-facts, #progress-logs, #progress-note { margin-top: 1; }
    #progress-note { color: $text-muted; }
    .fact { height: auto; }
    .fact-key { width: 11; text-style: bold; }
    .fact-value { width: 1fr; height: auto; }
    #progress-status { height: 1; background: $panel; color: $text-muted; }
    """

    def __init__(self, workbench: Workbench, namespace: str, pod: str) -> None:
        super().__init__()
        self.wb = workbench
        self.namespace = namespace
        self.pod = pod
        self.progress: Progress | None = None
        self.follower: ProgressFollower | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="progress-title")
        with VerticalScroll(id="progress-body"):
            yield Static(id="progress-stages")
            yield Static(id="progress-headline")
            with Vertical(id="progress-facts"):
                for key, label in FACTS:
                    with Horizontal(classes="fact", id=f"fact-{key}"):
                        yield Static(label, classes="fact-key")
                        yield Static(classes="fact-value", id=f"value-{key}")
            yield Static(id="progress-logs")
            yield Static(id="progress-note")
        yield Static(id="progress-status")
        yield Footer()

    # ---- the follower ----------------------------------------------------------------
    class Changed(Message):
        """Posted from the follower's thread: a new picture of the pod."""

        def __init__(self, follower: ProgressFollower, progress: Progress) -> None:
            super().__init__()
            self.follower = follower
            self.progress = progress

    def on_mount(self) -> None:
        self.query_one("#progress-body").focus()
        follower = ProgressFollower(
            ClusterSource(self.wb, self.namespace, self.pod), self.pod, self.namespace
        )

        def changed(progress: Progress) -> None:  # the follower's thread: post is thread-safe
            self.post_message(self.Changed(follower, progress))

        follower.on_change = changed
        self.follower = follower.start()
        self.draw()
        self.set_interval(1.0, self.draw_status)

    def on_unmount(self) -> None:
        if self.follower is not None:
            self.follower.stop()

    def on_pod_progress_changed(self, message: Changed) -> None:
        if message.follower is self.follower:
            self.progress = message.progress
            self.draw()

    # ---- drawing ---------------------------------------------------------------------
    def now(self) -> float:
        clock: Any = getattr(self.app, "clock", None)
        return float(clock()) if callable(clock) else time.time()

    def draw(self) -> None:
        p = self.progress
        title = Text.assemble((" Pod progress ", "reverse bold"), f" {self.pod}")
        title.append(f"  ns {self.namespace}", "dim")
        self.query_one("#progress-title", Static).update(title)
        self.query_one("#progress-stages", Static).update(stages_text(p))
        self.query_one("#progress-headline", Static).update(headline_text(p, self.pod))
        facts = facts_of(p)
        self.query_one("#progress-facts").display = bool(facts)
        for key, _ in FACTS:
            row = self.query_one(f"#fact-{key}")
            row.display = key in facts
            if key in facts:
                self.query_one(f"#value-{key}", Static).update(facts[key])
        for part, text in (("logs", logs_text(p)), ("note", note_text(p))):
            widget = self.query_one(f"#progress-{part}", Static)
            widget.display = bool(text.plain)
            widget.update(text)
        self.draw_status()

    def draw_status(self) -> None:
        p = self.progress
        status = Text(" ")
        if p is None:
            status.append("○ connecting", "yellow")
        elif p.note:
            status.append(f"○ {p.note}", "yellow")
        elif p.state == "gone":
            status.append("■ gone", "bright_black")
        elif p.final:
            status.append("■ finished", "bright_black")
        else:
            status.append("● following", "green")
        elapsed = p.elapsed(self.now()) if p is not None else None
        if elapsed is not None:
            status.append(f" │ {'took' if p is not None and p.final else 'elapsed'} ")
            status.append(format_age(elapsed))
        if p is not None and p.phase:
            status.append(f" │ phase {p.phase}")
        self.query_one("#progress-status", Static).update(status)

    # ---- keys ------------------------------------------------------------------------
    def _denied(self, action: str) -> bool:
        """Like the browser: a key the account may not use says which Role rule to add."""
        from tui.app.browser import Browser

        need = NEEDS[action]
        for screen in self.app.screen_stack:
            if isinstance(screen, Browser) and need in screen.denied:
                self.app.push_screen(
                    ErrorDialog(
                        f"this account cannot {need}", screen.denied[need], title="Not allowed"
                    )
                )
                return True
        return False

    def action_logs(self) -> None:
        if self._denied("logs"):
            return
        from tui.app.logviewer import LogViewer

        p = self.progress
        containers = list(p.containers) if p is not None else []
        container = p.problem.container if p is not None and p.problem is not None else ""
        if container and container not in containers:  # an init container
            containers.append(container)
        self.app.push_screen(
            LogViewer(self.wb, self.namespace, self.pod, containers, container=container or None)
        )

    def action_shell(self) -> None:
        if self._denied("shell"):
            return
        from tui.app.terminal_view import TerminalScreen

        self.app.push_screen(TerminalScreen(self.wb, self.namespace, self.pod))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_scroll(self, lines: int) -> None:
        self.query_one("#progress-body", VerticalScroll).scroll_relative(y=lines, animate=False)


def stages_text(p: Progress | None) -> Text:
    """The checklist: a mark, the stage and its detail, one line each."""
    text = Text()
    for i, stage in enumerate(p.stages if p is not None else ()):
        mark, colour = MARKS[stage.status]
        pending = stage.status == "pending"
        text.append("\n" if i else "")
        text.append(f"{mark} ", colour)
        text.append(f"{stage.label:<14}", "bright_black" if pending else "bold")
        if stage.detail:
            text.append(f" {stage.detail}", "red" if stage.status == "failed" else "dim")
    return text


def headline_text(p: Progress | None, pod: str) -> Text:
    if p is None:
        return Text(f"◌ Looking for pod {pod}…", "bold yellow")
    mark, style = HEADLINE[p.state]
    if p.problem is not None and p.problem.severity == "warning":
        mark, style = "!", "bold yellow"
    return Text(f"{mark} {p.headline}", style)


def facts_of(p: Progress | None) -> dict[str, Text]:
    """The explanation of a problem: reason, message (unless the event says it), the event
    behind it and what to do."""
    problem = p.problem if p is not None else None
    if problem is None:
        return {}
    reason = problem.reason
    if problem.exit_code is not None:
        reason += f" (exit code {problem.exit_code})"
    facts = {"reason": Text(reason)}
    event = problem.event
    if problem.message and (event is None or problem.message not in event.message):
        facts["message"] = Text(problem.message)
    if event is not None:
        facts["event"] = Text(event.line())
    colour = "yellow" if problem.severity == "warning" else "cyan"
    facts["fix"] = Text(problem.fix, colour)
    return facts


def logs_text(p: Progress | None) -> Text:
    if p is None or p.log_target is None:
        return Text()
    which = " (previous container)" if p.log_target.previous else ""
    text = Text(f"Last log lines of {p.log_target.container}{which}:", "bold")
    for line in p.log_lines:
        text.append("\n  ")
        text.append_text(Text.from_ansi(line))
    if p.logs_note:
        text.append(f"\n  {p.logs_note}", "dim")
    return text


def note_text(p: Progress | None) -> Text:
    return Text(p.events_note if p is not None else "")
