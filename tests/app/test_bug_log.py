"""The TUI's log file: an unexpected error's traceback goes there, never onto the screen,
and so do the engine's own log records (rotated)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.app.helpers import browser_app, names, until
from tests.conftest import Namespace
from tests.kube_helpers import pod_manifest
from tui.app.buglog import ENGINE_LOGGERS, log_to_file, record_bug, stop_logging_to_file
from tui.core.watchcache import Change, WatchCache


def test_record_bug_appends_the_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    try:
        raise KeyError("boom")
    except KeyError as exc:
        log = record_bug(exc)
    assert log == tmp_path / "podbay" / "tui.log"
    text = log.read_text()
    assert "Traceback" in text and "KeyError: 'boom'" in text
    record_bug(ValueError("again"))
    assert log.read_text().count("---") == 2


def test_the_engine_log_rotates_and_is_removed_again(tmp_path: Path) -> None:
    path = tmp_path / "podbay" / "tui.log"
    before = {name: logging.getLogger(name).level for name in ENGINE_LOGGERS}
    handler = log_to_file(path, max_bytes=2_000, backups=2)
    assert handler is not None
    try:
        for i in range(200):
            logging.getLogger("tui.core.watchcache").warning("record %d of a chatty engine", i)
    finally:
        stop_logging_to_file(handler)
    rotated = sorted(p.name for p in path.parent.iterdir())
    assert rotated == ["tui.log", "tui.log.1", "tui.log.2"]
    assert all(p.stat().st_size <= 2_000 for p in path.parent.iterdir())
    assert "record 199 of a chatty engine" in path.read_text()
    assert "WARNING tui.core.watchcache" in path.read_text()
    logging.getLogger("podbay.terminal").warning("after the app")
    assert "after the app" not in path.read_text()
    assert {name: logging.getLogger(name).level for name in ENGINE_LOGGERS} == before


@pytest.mark.cluster
async def test_the_engines_tracebacks_go_to_the_tui_log(
    namespace: Namespace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A watch cache whose consumer fails logs the traceback with log.exception (and says
    "the log has the traceback"): in the TUI that log is the TUI's file (was: nowhere)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    log = tmp_path / "state" / "podbay" / "tui.log"
    ns = namespace.name
    namespace.core.create_namespaced_pod(ns, pod_manifest("first", kwok=True))
    app = browser_app(namespace.sandbox.kubeconfig("admin"), ns)

    def broken(_: list[Change]) -> None:
        raise RuntimeError("the consumer broke")

    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: names(app) == ["first"], "the pod list")
        cache = WatchCache(app.workbench.pods, ns, on_change=broken).start()
        try:
            namespace.core.create_namespaced_pod(ns, pod_manifest("second", kwok=True))
            text = lambda: log.read_text() if log.exists() else ""  # noqa: E731
            await until(pilot, lambda: "the consumer broke" in text(), "the traceback in the log")
        finally:
            cache.stop()
    written = log.read_text()
    assert "ERROR tui.core.watchcache [" in written
    assert f"the pods cache of namespace {ns} failed; restarting it" in written
    assert "Traceback" in written and "RuntimeError: the consumer broke" in written
    assert not any(h for name in ENGINE_LOGGERS for h in logging.getLogger(name).handlers)
