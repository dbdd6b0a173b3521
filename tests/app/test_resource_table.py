"""The table: incremental merges of watch batches equal a full re-sort; the filter rules."""

from __future__ import annotations

import random

import pytest
from textual.app import App, ComposeResult

from tui.app.resource_table import ResourceTable, filter_predicate
from tui.app.rows import POD_COLUMNS, Row


def _row(i: int, rnd: random.Random) -> Row:
    status = rnd.choice(["Running", "Pending", "Completed", "Error"])
    name = f"pod-{i:04d}"
    cells = (name, "1/1", status, str(rnd.randint(0, 12)), "", f"node-{i % 3}", "img")
    return Row(name, name, cells, created=float(rnd.randint(0, 50)), labels={"i": str(i % 5)})


class _Host(App[None]):
    def compose(self) -> ComposeResult:
        yield ResourceTable(POD_COLUMNS)


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
                merged = [r.key for r in table.view]
                table.rebuild()
                assert merged == [r.key for r in table.view], (title, pattern)


def test_filter_is_a_regex_else_plain_text_else_a_label_selector() -> None:
    row = Row(
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
