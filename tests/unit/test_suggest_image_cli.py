"""``podbay suggest-image [PATH] [--json] [--cluster]``: the engine's JSON, a table for
people, a clear error for a path that is no directory, offline by default."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.imagesuggest_helpers import project
from tui.cli import main
from tui.core.imagesuggest import suggest_images

FILES = {
    ".nvmrc": "lts/iron\n",
    "package.json": '{"engines": {"node": ">=22"}}',
    "api/go.mod": "module x\ngo 1.22.3\ntoolchain go1.22.5\n",
}


def test_json_is_the_engine_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, FILES)
    assert main(["suggest-image", str(root), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc == suggest_images(root).to_json()
    assert doc["suggestions"][0]["image"] == "golang:1.22.5-bookworm"
    assert doc["conflicts"] and all("onNode" not in s for s in doc["suggestions"])


def test_table_for_people(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path, FILES)
    monkeypatch.chdir(root)
    assert main(["suggest-image"]) == 0  # PATH defaults to the current directory
    out = capsys.readouterr().out
    assert out.startswith(str(root.resolve()))
    assert "1. golang:1.22.5-bookworm  [api]  (exact, pin)" in out
    assert "api/go.mod:3  toolchain go1.22.5" in out
    assert "derived from lts/iron" in out and "! derived from 'lts/iron'" in out
    assert "conflicts:\n  - [.] node" in out


@pytest.mark.parametrize("what", ["missing", "file"])
def test_a_path_that_is_not_a_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], what: str
) -> None:
    path = tmp_path / "nope" if what == "missing" else project(tmp_path, {"f": "x"}) / "f"
    assert main(["suggest-image", str(path), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and str(path) in captured.err and "what to do" in captured.err


def test_offline_by_default_without_importing_kubernetes(tmp_path: Path) -> None:
    root = project(tmp_path, FILES)
    code = (
        "import sys, contextlib, io\n"
        "from tui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['suggest-image', {str(root)!r}, '--json']) == 0\n"
        "print('kubernetes' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_cluster_without_a_cluster_still_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, FILES)
    missing = tmp_path / "no-such-kubeconfig"
    assert main(["--kubeconfig", str(missing), "suggest-image", str(root), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["suggestions"]
    assert "could not be listed" in captured.err
