from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from tui.sandbox import processes


def test_start_and_stop_a_process_group(tmp_path: Path) -> None:
    log = tmp_path / "p.log"
    rec = processes.start(["sh", "-c", "echo started; sleep 60 & wait"], log)
    assert processes.alive(rec)
    deadline = time.monotonic() + 10
    while "started" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "started" in log.read_text()
    processes.stop(rec, timeout=5)
    assert not processes.alive(rec)


def test_a_reused_pid_is_not_taken_for_ours(tmp_path: Path) -> None:
    rec = processes.start(["sleep", "60"], tmp_path / "p.log")
    impostor = dataclasses.replace(rec, start=rec.start + 1)
    assert not processes.alive(impostor)
    processes.stop(impostor)  # must not kill the real process
    assert processes.alive(rec)
    processes.stop(rec)
    assert not processes.alive(rec)
