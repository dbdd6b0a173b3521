"""Snapshots that need no cluster, at 80x24 and 120x40: the settings screen and the browser
when it cannot connect (a fixed, missing kubeconfig, so every run renders the same text,
including the diagnosis that stops at step one) or is switched off in the settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from tests.app.helpers import browser_app, steady_carets, until

SIZES = [(80, 24), (120, 40)]
KUBECONFIG = Path("/nonexistent/podbay/kubeconfig")
SETTINGS_FILE = Path("/nonexistent/podbay/settings.yaml")


def _app() -> Any:
    return browser_app(
        KUBECONFIG,
        "opencode-manager",
        settings_file=SETTINGS_FILE,
        namespace_allow_list=["opencode-manager", "ci"],
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_settings_form(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await pilot.press("comma")
        steady_carets(pilot.app.screen)
        await pilot.pause(0.3)

    assert snap_compare(_app(), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_settings_diagnosis(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await pilot.press("comma", "ctrl+t")
        steady_carets(pilot.app.screen)
        await until(
            pilot,
            lambda: "Not usable" in str(pilot.app.screen.query_one("#diagnosis", Static).render()),
            "the diagnosis",
        )
        await pilot.pause(0.3)

    assert snap_compare(_app(), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_settings_field_error(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await pilot.press("comma")
        steady_carets(pilot.app.screen)
        pilot.app.screen.query_one("#f-namespace").value = "Bad_NS"
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)

    assert snap_compare(_app(), terminal_size=size, run_before=run)


async def _banner_shown(pilot: Pilot[Any]) -> None:
    banner = pilot.app.screen.query_one("#banner")
    await until(pilot, lambda: banner.has_class("shown"), "the banner")
    await pilot.pause(0.3)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_not_connected_banner(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(_app(), terminal_size=size, run_before=_banner_shown)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_disabled_banner(snap_compare: Any, size: tuple[int, int]) -> None:
    app = browser_app(KUBECONFIG, "opencode-manager", settings_file=SETTINGS_FILE, enabled=False)
    assert snap_compare(app, terminal_size=size, run_before=_banner_shown)
