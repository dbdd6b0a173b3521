from __future__ import annotations

from pathlib import Path

import pytest

from tui.sandbox import build
from tui.sandbox.errors import SandboxError
from tui.sandbox.progress import Progress


def _module(root: Path, source: str) -> Path:
    mod = root / "gosrc" / "demo"
    mod.mkdir(parents=True)
    (mod / "go.mod").write_text("module podbay.local/demo\n\ngo 1.24\n")
    (mod / "go.sum").write_text("")
    (mod / "main.go").write_text(source)
    return mod


def test_compile_error_is_explained_with_the_build_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _module(tmp_path, "package main\n\nfunc main() { this is not go }\n")
    monkeypatch.setattr(build, "GOSRC", tmp_path / "gosrc")
    monkeypatch.setenv("PODBAY_CACHE_DIR", str(tmp_path / "cache"))
    demo = build.BinarySet(name="demo", version="v0", packages={"demo": "podbay.local/demo"})
    with pytest.raises(SandboxError) as exc:
        build.ensure_built(demo, Progress(quiet=True))
    text = str(exc.value)
    assert "building demo v0 failed" in text
    assert "main.go" in text  # the compiler's message, from the log tail
    assert "what to do:" in text
    assert not list((tmp_path / "cache" / "bin").glob("demo-*"))  # no half-built cache entry


def test_successful_build_is_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _module(tmp_path, "package main\n\nfunc main() {}\n")
    monkeypatch.setattr(build, "GOSRC", tmp_path / "gosrc")
    monkeypatch.setenv("PODBAY_CACHE_DIR", str(tmp_path / "cache"))
    demo = build.BinarySet(name="demo", version="v0", packages={"demo": "podbay.local/demo"})
    first = build.ensure_built(demo, Progress(quiet=True))
    assert (first / "demo").is_file()
    stamp = (first / ".complete").stat().st_mtime_ns
    assert build.ensure_built(demo, Progress(quiet=True)) == first
    assert (first / ".complete").stat().st_mtime_ns == stamp
