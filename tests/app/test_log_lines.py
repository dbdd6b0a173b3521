"""The log viewer's line list without a cluster: cleaning, the filter, and a full buffer
that drops its oldest lines in one go while the filter's matches stay right."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tui.app.loglines import LogLines, _clean, compile_filter


class _Host(App[None]):
    def compose(self) -> ComposeResult:
        yield LogLines(max_lines=100, id="lines")


def test_cleaning_keeps_colours_and_drops_what_corrupts_a_screen() -> None:
    assert _clean("plain") == "plain"
    assert _clean("a\tb") == "a       b"
    assert _clean("progress\r") == "progress"
    assert _clean("\x1b[31mred\x1b[0m\x07") == "\x1b[31mred\x1b[0m"  # bell dropped, ESC kept
    assert compile_filter("(oops") is not None and compile_filter("  ") is None


async def test_a_full_buffer_drops_the_oldest_and_keeps_matches_right() -> None:
    app = _Host()
    async with app.run_test(size=(80, 10)) as pilot:
        lines = app.query_one(LogLines)
        lines.set_filter(compile_filter("7$"))
        for start in range(0, 250, 25):
            lines.append([f"line {i}" for i in range(start, start + 25)])
            await pilot.pause()
        assert lines.dropped + len(lines.lines) == 250
        assert len(lines.lines) <= 110 and lines.lines[-1] == "line 249"
        oldest = int(lines.lines[0].split()[1])
        want = [f"line {i}" for i in range(oldest, 250) if str(i).endswith("7")]
        assert lines.shown() == want and lines.count() == len(want)
        lines.set_filter(None)
        assert lines.count() == len(lines.lines) and lines.shown()[0] == f"line {oldest}"
        await pilot.pause()
        assert lines.scroll_y == lines.max_scroll_y  # following: at the end
