"""The lines of a log, drawn with Textual's Line API: only the lines on screen are rendered,
so a 200,000-line log scrolls like a 20-line one.

Lines keep their ANSI colours; a filter (case-insensitive regex, plain text when it is not
one) shows only matching lines with the matches highlighted. While following, the view
stays at the end unless the user scrolled away from it.
"""

from __future__ import annotations

import bisect
import re

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

MATCH = Style(reverse=True, bold=True)
# control characters other than ESC (kept for colours) would corrupt the screen: dropped
_CONTROL = {c: None for c in (*range(0x00, 0x09), *range(0x0B, 0x1B), *range(0x1C, 0x20), 0x7F)}
SLACK = 0.1  # the buffer may grow 10% over max_lines before the oldest are dropped at once


def compile_filter(text: str) -> re.Pattern[str] | None:
    text = text.strip()
    if not text:
        return None
    try:
        return re.compile(text, re.IGNORECASE)
    except re.error:
        return re.compile(re.escape(text), re.IGNORECASE)


def _clean(line: str) -> str:
    if line.isprintable():  # the common case: nothing to do
        return line
    line = line.rstrip("\r")
    if "\t" in line:
        line = line.expandtabs(8)
    return line.translate(_CONTROL)


def _width(line: str) -> int:
    return len(line) if line.isascii() else cell_len(line)


class LogLines(ScrollView, can_focus=True):
    """``lines`` holds the newest ``max_lines`` (``dropped`` counts the ones let go);
    ``matches`` (absolute line numbers) exists only while a filter is set, so an unfiltered
    follow costs one list append per line."""

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
        self.dropped = 0  # lines let go because the buffer was full (the first line's number)
        self.matches: list[int] | None = None
        self.pattern: re.Pattern[str] | None = None
        self.autoscroll = True
        self._width = 0
        self._end_pending = False  # a scroll to the end waits for the next layout

    # ---- reading -------------------------------------------------------------------------
    def count(self) -> int:
        """How many lines are shown (all of them, or the matches)."""
        return len(self.matches) if self.matches is not None else len(self.lines)

    def shown(self) -> list[str]:
        if self.matches is None:
            return list(self.lines)
        return [self.lines[i - self.dropped] for i in self.matches]

    def _line(self, row: int) -> str:
        number = self.matches[row] if self.matches is not None else self.dropped + row
        return self.lines[number - self.dropped]

    # ---- data ----------------------------------------------------------------------------
    def clear(self) -> None:
        self.lines, self.dropped, self._width = [], 0, 0
        self.matches = [] if self.pattern is not None else None
        self._resize()

    def append(self, new: list[str]) -> None:
        at_end = self._end_pending or self.scroll_y >= self.max_scroll_y
        first = self.dropped + len(self.lines)
        cleaned = [_clean(line) for line in new]
        self.lines.extend(cleaned)
        if self.matches is not None and self.pattern is not None:
            search = self.pattern.search
            self.matches.extend(first + i for i, line in enumerate(cleaned) if search(line))
        if cleaned:
            self._width = max(self._width, max(map(_width, cleaned)))
        removed_rows = 0
        if len(self.lines) > self.max_lines * (1 + SLACK):  # drop the oldest, in one go
            over = len(self.lines) - self.max_lines
            del self.lines[:over]
            self.dropped += over
            removed_rows = over
            if self.matches is not None:
                cut = bisect.bisect_left(self.matches, self.dropped)
                del self.matches[:cut]
                removed_rows = cut
        self._resize()
        if self.autoscroll and at_end:
            self._to_end()
        elif removed_rows:  # keep the same lines in view while the oldest go
            self.scroll_to(y=max(0, self.scroll_y - removed_rows), animate=False, immediate=True)

    def set_filter(self, pattern: re.Pattern[str] | None) -> None:
        self.pattern = pattern
        if pattern is None:
            self.matches = None
        else:
            search, base = pattern.search, self.dropped
            self.matches = [base + i for i, line in enumerate(self.lines) if search(line)]
        self._resize()
        if self.autoscroll:
            self._to_end()

    def _to_end(self) -> None:
        """Scroll to the last line once the new size is laid out (scrolling now would use
        the old one); until then, new lines still count as arriving at the end."""
        if self._end_pending:
            return
        self._end_pending = True

        def scroll() -> None:
            self._end_pending = False
            self.scroll_end(animate=False, immediate=True, x_axis=False)

        self.call_after_refresh(scroll)

    def _resize(self) -> None:
        self.virtual_size = Size(self._width, self.count())
        self.refresh()

    # ---- drawing -------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.size.width
        row = y + int(self.scroll_y)
        if row >= self.count():
            return Strip.blank(width)
        text = Text.from_ansi(self._line(row), no_wrap=True, end="")
        if self.pattern is not None:
            text.highlight_regex(self.pattern, MATCH)
        strip = Strip(list(text.render(self.app.console)), text.cell_len)
        x = int(self.scroll_x)
        return strip.crop(x, x + width).extend_cell_length(width)
