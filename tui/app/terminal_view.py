"""The embedded terminal (`s` on a pod): a shell in the pod, inside the TUI.

The engine's TerminalSession owns the exec WebSocket on its own thread; this widget feeds
the bytes it takes into a pyte screen (a VT100/xterm emulator) and draws that screen with
the Line API. Keys become the bytes a terminal would send. `ctrl+]` (telnet's escape)
leaves; every other key, `esc` and `ctrl+c` included, goes to the pod.

Known limits (pyte): no alternate screen (full-screen programs draw over the shell and
leave their picture behind), no scrollback, and cursor keys are always sent in normal mode.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyte
from rich.color import Color, ColorParseError
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from tui.app.dialogs import ErrorDialog
from tui.core.errors import PodbayError
from tui.core.terminal import TerminalExit, TerminalSession
from tui.core.workbench import Workbench

LEAVE_KEY = "ctrl+right_square_bracket"
KEYS: dict[str, bytes] = {
    "enter": b"\r",
    "tab": b"\t",
    "shift+tab": b"\x1b[Z",
    "backspace": b"\x7f",
    "escape": b"\x1b",
    "up": b"\x1b[A",
    "down": b"\x1b[B",
    "right": b"\x1b[C",
    "left": b"\x1b[D",
    "home": b"\x1b[H",
    "end": b"\x1b[F",
    "insert": b"\x1b[2~",
    "delete": b"\x1b[3~",
    "pageup": b"\x1b[5~",
    "pagedown": b"\x1b[6~",
    "f1": b"\x1bOP",
    "f2": b"\x1bOQ",
    "f3": b"\x1bOR",
    "f4": b"\x1bOS",
    "f5": b"\x1b[15~",
    "f6": b"\x1b[17~",
    "f7": b"\x1b[18~",
    "f8": b"\x1b[19~",
    "f9": b"\x1b[20~",
    "f10": b"\x1b[21~",
    "f11": b"\x1b[23~",
    "f12": b"\x1b[24~",
    "ctrl+space": b"\x00",
    "ctrl+at": b"\x00",
    "ctrl+backslash": b"\x1c",
    "ctrl+circumflex_accent": b"\x1e",
    "ctrl+underscore": b"\x1f",
}


def key_bytes(event: events.Key) -> bytes | None:
    """The bytes a terminal sends for this key (None: nothing to send)."""
    key = event.key
    if key in KEYS:
        return KEYS[key]
    if key.startswith("ctrl+") and len(key) == 6 and key[5].isalpha():
        return bytes([ord(key[5].lower()) - ord("a") + 1])  # ctrl+a .. ctrl+z
    if key.startswith("alt+") or key.startswith("meta+"):
        rest = key.split("+", 1)[1]
        return b"\x1b" + (rest.encode() if len(rest) == 1 else KEYS.get(rest, b""))
    if event.character and event.is_printable:
        return event.character.encode("utf-8")
    return None


def _colour(name: str) -> Color | None:
    """pyte's colour names (``red``, ``brown``, ``brightblue``, ``ff00d7``) as rich colours."""
    if name == "default":
        return None
    if len(name) == 6 and all(c in "0123456789abcdefABCDEF" for c in name):
        return Color.parse("#" + name)
    bright = name.startswith("bright")
    base = name[6:] if bright else name
    base = "yellow" if base == "brown" else base
    try:
        return Color.parse(("bright_" if bright else "") + base)
    except ColorParseError:  # an odd name from a program: the default colour
        return None


def _style(char: Any) -> Style:
    return Style(
        color=_colour(char.fg),
        bgcolor=_colour(char.bg),
        bold=char.bold,
        italic=char.italics,
        underline=char.underscore,
        strike=char.strikethrough,
        reverse=char.reverse,
    )


class _Screen(pyte.Screen):
    """A pyte screen that answers the program's queries (cursor position, device
    attributes) through the session, as a real terminal does."""

    def __init__(self, columns: int, lines: int, reply: Callable[[bytes], None]) -> None:
        super().__init__(columns, lines)
        self._reply = reply

    def write_process_input(self, data: str) -> None:
        self._reply(data.encode("utf-8"))


class PodTerminal(Widget, can_focus=True):
    """A pyte screen drawn line by line; keystrokes go to the session as bytes."""

    DEFAULT_CSS = "PodTerminal { height: 1fr; }"

    class Output(Message):
        """Posted from the session's I/O thread: output (or the end) waits to be taken."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.vt_screen = _Screen(80, 24, self._reply)
        self.stream = pyte.ByteStream(self.vt_screen)
        self.session: TerminalSession | None = None
        self._styles: dict[Any, Style] = {}

    def _reply(self, data: bytes) -> None:
        if self.session is not None:
            self.session.write(data)

    def attach(self, session: TerminalSession) -> None:
        self.session = session
        self.take()

    def take(self) -> None:
        session = self.session
        if session is None:
            return
        data = session.read_nowait()
        if data:
            self.stream.feed(data)
            self.refresh()

    def text(self) -> str:
        """What the screen shows, as plain text (for tests and copying)."""
        return "\n".join(line.rstrip() for line in self.vt_screen.display)

    def size_cells(self) -> tuple[int, int]:
        return max(self.size.width, 2), max(self.size.height, 2)

    def on_resize(self, event: events.Resize) -> None:
        cols, rows = self.size_cells()
        self.vt_screen.resize(rows, cols)
        if self.session is not None and self.session.exit is None:
            self.session.resize(cols, rows)
        self.refresh()

    def on_key(self, event: events.Key) -> None:
        if event.key == LEAVE_KEY:
            return  # the screen's binding leaves
        data = key_bytes(event)
        session = self.session
        if data is not None and session is not None and session.exit is None:
            event.stop()
            event.prevent_default()
            session.write(data)

    def on_paste(self, event: events.Paste) -> None:
        if self.session is not None:
            self.session.write(event.text.replace("\n", "\r").encode("utf-8"))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        screen = self.vt_screen
        if y >= screen.lines:
            return Strip.blank(width)
        row = screen.buffer[y]
        cursor = screen.cursor
        show_cursor = self.has_focus and not cursor.hidden and y == cursor.y
        segments: list[Segment] = []
        run, run_style = "", None
        for x in range(min(screen.columns, width)):
            char = row[x]
            key = (char.fg, char.bg, char.bold, char.italics, char.underscore,
                   char.strikethrough, char.reverse)  # fmt: skip
            style = self._styles.get(key)
            if style is None:
                style = self._styles[key] = _style(char)
            if show_cursor and x == cursor.x:
                style = style + Style(reverse=not char.reverse)
            if style is not run_style and run:
                segments.append(Segment(run, run_style))
                run = ""
            run_style = style
            run += char.data or " "
        if run:
            segments.append(Segment(run, run_style))
        return Strip(segments).crop_extend(0, width, None)


class TerminalScreen(Screen[None]):
    BINDINGS = [Binding(LEAVE_KEY, "leave", "Back to the list", key_display="ctrl+]")]

    DEFAULT_CSS = """
    TerminalScreen { layout: vertical; }
    #term-title { height: 1; background: $panel; }
    #term-status { height: 1; background: $panel; color: $text-muted; }
    """

    def __init__(
        self, workbench: Workbench, namespace: str, pod: str, container: str | None = None
    ) -> None:
        super().__init__()
        self.wb = workbench
        self.namespace = namespace
        self.pod = pod
        self.container = container
        self.session: TerminalSession | None = None
        self.ended: TerminalExit | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="term-title")
        yield PodTerminal(id="term")
        yield Static(id="term-status")

    @property
    def terminal(self) -> PodTerminal:
        return self.query_one(PodTerminal)

    def on_mount(self) -> None:
        title = Text.assemble((" Shell ", "reverse bold"), f" {self.pod}", f"  ns {self.namespace}")
        self.query_one("#term-title", Static).update(title)
        self._status("○ connecting")
        self.terminal.focus()
        self.call_after_refresh(self.start)

    def _status(self, text: str, style: str = "") -> None:
        line = Text.assemble(" ", (text, style), "  │  ctrl+] back to the list")
        self.query_one("#term-status", Static).update(line)

    class Opened(Message, bubble=False):
        def __init__(self, session: TerminalSession) -> None:
            super().__init__()
            self.session = session

    class OpenFailed(Message, bubble=False):
        def __init__(self, error: PodbayError) -> None:
            super().__init__()
            self.error = error

    def start(self) -> None:
        """Open the session at the terminal's size (read here, on the UI thread)."""
        terminal = self.terminal
        cols, rows = terminal.size_cells()
        self.open_session(
            self.wb, terminal, cols, rows, self.namespace, self.pod, container=self.container
        )

    @work(thread=True, group="terminal", exclusive=True, exit_on_error=False)
    def open_session(
        self,
        workbench: Workbench,
        terminal: PodTerminal,
        cols: int,
        rows: int,
        namespace: str,
        pod: str,
        *,
        container: str | None,
    ) -> None:
        def ready() -> None:  # the I/O thread; post_message is thread-safe
            terminal.post_message(PodTerminal.Output())

        try:
            session = TerminalSession.open(
                workbench.api,
                namespace,
                pod,
                container=container,
                cols=cols,
                rows=rows,
                on_ready=ready,
            )
        except PodbayError as exc:
            self.post_message(self.OpenFailed(exc))
            return
        if not self.post_message(self.Opened(session)):
            session.close()  # the screen has gone meanwhile: nobody else would close it

    def on_terminal_screen_opened(self, message: Opened) -> None:
        session = message.session
        if not self.is_mounted:
            session.close()
            return
        self.session = session
        self.terminal.attach(session)
        cols, rows = self.terminal.size_cells()
        if (cols, rows) != (self.terminal.vt_screen.columns, self.terminal.vt_screen.lines):
            self.terminal.vt_screen.resize(rows, cols)
        session.resize(cols, rows)
        self._status(f"● {session.description}", "green")

    def on_terminal_screen_open_failed(self, message: OpenFailed) -> None:
        self._status("✗ could not open a shell", "red")
        error = message.error
        # not ``lambda _: self.dismiss(None)``: the callback runs in this screen's own message
        # loop, where awaiting the dismissal (what a returned awaitable gets) is an error
        self.app.push_screen(ErrorDialog(error.what, error.fix), lambda _: self.action_leave())

    def on_pod_terminal_output(self, _: PodTerminal.Output) -> None:
        terminal = self.terminal
        session = terminal.session
        if session is None:
            return
        ended = session.exit  # read before the output: then the output is complete
        terminal.take()
        if ended is not None and self.ended is None:
            self.ended = ended
            if ended.reason == "exited":
                text = f"■ exited with code {ended.exit_code}"
            else:
                text = f"■ {ended.reason}" + (f": {ended.message}" if ended.message else "")
            self._status(text + " — press any key", "bright_black")

    def on_key(self, event: events.Key) -> None:
        if self.ended is not None:  # the shell is gone: any key goes back
            event.stop()
            self.dismiss(None)

    def action_leave(self) -> None:
        self.dismiss(None)

    def on_unmount(self) -> None:
        if self.session is not None:
            self.session.close()  # the shell gets a hang-up, as when a terminal closes
