"""The table: incremental merges of watch batches equal a full re-sort; the filter rules;
column widths that follow the rows and cuts that show."""

from __future__ import annotations

import random

import pytest
from textual.app import App, ComposeResult

from tui.app.resource_table import ResourceTable, filter_predicate, fit
from tui.core.kinds import PODS, ListRow


def _row(i: int, rnd: random.Random) -> ListRow:
    status = rnd.choice(["Running", "Pending", "Completed", "Error"])
    name = f"pod-{i:04d}"
    cells = (name, "1/1", status, str(rnd.randint(0, 12)), "", f"node-{i % 3}", "img")
    return ListRow(name, name, cells, created=float(rnd.randint(0, 50)), labels={"i": str(i % 5)})


class _Host(App[None]):
    def compose(self) -> ComposeResult:
        yield ResourceTable(PODS.columns)


async def test_merging_batches_matches_a_full_rebuild() -> None:
    rnd = random.Random(7)
    async with _Host().run_test() as pilot:
        table = pilot.app.query_one(ResourceTable)
        table.replace(_row(i, rnd) for i in range(400))
        for title, pattern in (
            ("NAME", ""),
            ("AGE", ""),
            ("STATUS", "-l i in (1,2)"),
            ("RESTARTS", "r"),
        ):
            table.sort_by(title)
            if rnd.random() < 0.5:
                table.sort_by(title)  # descending too
            table.set_filter(filter_predicate(pattern))
            for _ in range(30):
                upserts = [_row(rnd.randrange(450), rnd) for _ in range(rnd.randint(0, 5))]
                removals = [f"pod-{rnd.randrange(450):04d}" for _ in range(rnd.randint(0, 3))]
                removals = [k for k in removals if k not in {r.key for r in upserts}]
                table.apply(upserts, removals)
                merged, widths = [r.key for r in table.view], table._widths
                table.rebuild()
                assert merged == [r.key for r in table.view], (title, pattern)
                assert widths == table._widths, (title, pattern)


def _kwok_pod(name: str, status: str = "Running") -> ListRow:
    cells = (name, "1/1", status, "0", "", "kwok-node-0", "podbay.local/debian:12")
    return ListRow(name, name, cells, created=0.0)


def _lines(table: ResourceTable) -> list[str]:
    return [table.render_line(y).text.rstrip() for y in range(len(table.view) + 1)]


async def test_a_name_that_arrives_later_is_shown_whole_or_cut_with_a_mark() -> None:
    """At 80 columns a pod created after the first layout kept to the old room and lost its
    last letter without a sign (issue 9)."""
    async with _Host().run_test(size=(80, 10)) as pilot:
        table = pilot.app.query_one(ResourceTable)
        table.replace([_kwok_pod("web"), _kwok_pod("db")])
        await pilot.pause()
        assert "IMAGE" in _lines(table)[0]

        table.apply([_kwok_pod("arrives-later", "Pending")], [])
        await pilot.pause()
        lines = _lines(table)
        assert lines[1].startswith("  arrives-later ") and "Pending" in lines[1], lines
        assert "IMAGE" not in lines[0]  # dropped to make room for the name

        table.apply([], ["arrives-later"])  # widths follow the rows down again
        await pilot.pause()
        assert "IMAGE" in _lines(table)[0]

        long = "a-name-far-too-long-for-a-narrow-terminal-0123456789"
        table.apply([_kwok_pod(long)], [])
        await pilot.resize_terminal(40, 10)
        await pilot.pause()
        line = next(line for line in _lines(table) if "a-name" in line)
        name = line.split()[0]
        assert name.endswith("…") and long.startswith(name[:-1]), line
        assert all(len(line) <= 40 for line in _lines(table))


def test_fit_pads_or_cuts_with_an_ellipsis() -> None:
    assert fit("web", 5) == "web  "
    assert fit("arrives-later", 12) == "arrives-lat…"
    assert fit("日本語", 4) == "日 …"  # a wide character is not split
    assert fit("x", 0) == ""


def test_filter_is_a_regex_else_plain_text_else_a_label_selector() -> None:
    row = ListRow(
        key="u1",
        name="web-1",
        cells=("web-1", "1/1", "Running", "0", "5m", "node-a", "img(v2)"),
        created=0.0,
        labels={"app": "web", "tier": "front"},
    )
    for text, matches in [
        ("^web-\\d", True),  # a regex over the cells
        ("RUNNING", True),  # case-insensitive
        ("img(v2", True),  # not a regex (unbalanced): taken as plain text
        ("img(v3", False),
        ("-l app=web,tier!=back", True),  # a label selector
        ("-l app=db", False),
    ]:
        predicate = filter_predicate(text)
        assert predicate is not None and predicate(row) is matches, text
    assert filter_predicate("   ") is None
    with pytest.raises(ValueError):
        filter_predicate("-l app in (web")
