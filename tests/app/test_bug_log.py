"""An unexpected error's traceback goes to the TUI's log file, never onto the screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.app.buglog import record_bug


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
