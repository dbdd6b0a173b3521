"""The lines of a log, drawn with Textual's Line API: only the lines on screen are rendered,
so a 200,000-line log scrolls like a 20-line one.

Lines keep their ANSI colours; a filter (case-insensitive regex, plain text when it is not
one) shows only matching lines with the matches highlighted. While following, the view
stays at the end unless the user scrolled away from it.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

MATCH = Style(reverse=True, bold=True)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f]")  # keep ESC (\x1b) for colours


def compile_filter(text: str) -> re.Pattern[str] | None:
    text = text.strip()
    if not text:
        return None
    try:
        return re.compile(text, re.IGNORECASE)
    except re.error:
        return re.compile(re.escape(text), re.IGNORECASE)


def _clean(line: str) -> str:
    return _CONTROL.sub("", line.rstrip("\r").expandtabs(8))


class LogLines(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    LogLines { height: 1fr; scrollbar-size-vertical: 1; scrollbar-size-horizontal: 1; }
    """

    BINDINGS = [
        Binding("up,k", "scroll_up", "Up", show=False),
        Binding("down,j", "scroll_down", "Down", show=False),
        Binding("left,h", "scroll_left", "Left", show=False),
        Binding("right,l", "scroll_right", "Right", show=False),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False),
        Binding("home,g", "scroll_home", "Top", show=False),
        Binding("end,G", "scroll_end", "Bottom", show=False),
    ]

    def __init__(self, *, max_lines: int, id: str | None = None) -> None:
        super().__init__(id=id)
        self.max_lines = max_lines
        self.lines: list[str] = []
        self.view: list[int] = []  # indices of the lines shown (all, or the matches)
        self.pattern: re.Pattern[str] | None = None
        self.dropped = 0  # lines let go because the buffer was full
        self.autoscroll = True
        self._width = 0

    # ---- data ----------------------------------------------------------------------------
    def clear(self) -> None:
        self.lines, self.view, self.dropped, self._width = [], [], 0, 0
        self._resize()

    def append(self, new: list[str]) -> None:
        at_end = self.scroll_y >= self.max_scroll_y
        start = len(self.lines)
        self.lines.extend(_clean(line) for line in new)
        over = len(self.lines) - self.max_lines
        if over > 0:  # drop the oldest; indices of the view shift with them
            del self.lines[:over]
            self.dropped += over
            start -= over
            self.view = [i - over for i in self.view if i >= over]
        added = range(max(start, 0), len(self.lines))
        pattern = self.pattern
        self.view.extend(i for i in added if pattern is None or pattern.search(self.lines[i]))
        self._width = max(self._width, *(cell_len(self.lines[i]) for i in added), 0)
        self._resize()
        if self.autoscroll and at_end:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def set_filter(self, pattern: re.Pattern[str] | None) -> None:
        self.pattern = pattern
        self.view = [
            i for i, line in enumerate(self.lines) if pattern is None or pattern.search(line)
        ]
        self._resize()
        if self.autoscroll:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def _resize(self) -> None:
        self.virtual_size = Size(self._width, len(self.view))
        self.refresh()

    # ---- drawing -------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.size.width
        index = y + int(self.scroll_y)
        if index >= len(self.view):
            return Strip.blank(width)
        text = Text.from_ansi(self.lines[self.view[index]], no_wrap=True, end="")
        if self.pattern is not None:
            text.highlight_regex(self.pattern, MATCH)
        strip = Strip(list(text.render(self.app.console)), text.cell_len)
        x = int(self.scroll_x)
        return strip.crop(x, x + width).extend_cell_length(width)
