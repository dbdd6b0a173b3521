"""Fixture projects for the image-suggestion tests: written into tmp_path by each test."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tui.core.imagesuggest import suggest_images
from tui.core.imagesuggest.catalog import catalog


def project(root: Path, files: dict[str, str | bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def suggest(root: Path, **kw: Any) -> dict[str, Any]:
    """The report's JSON, checked for the rules every report keeps: no ``latest`` and no
    bare major as a published image's tag, reasons with file/line/text."""
    doc = suggest_images(root, **kw).to_json()
    assert set(doc) >= {"path", "suggestions", "conflicts", "warnings"}
    for s in doc["suggestions"]:
        assert set(s) >= {"image", "runtime", "version", "exact", "reasons", "warnings"}
        assert s["reasons"], s
        for r in s["reasons"]:
            assert set(r) == {"file", "line", "text"} and not r["file"].startswith("/")
        if s.get("sandboxImage"):
            continue
        name, _, tag = s["image"].partition("@")[0].rpartition(":")
        assert name and tag and tag != "latest", s["image"]
        assert not re.fullmatch(r"\d+(-.*)?", tag), f"a bare major: {s['image']}"
    return doc


def images(doc: dict[str, Any]) -> list[str]:
    return [s["image"] for s in doc["suggestions"]]


def only(doc: dict[str, Any], runtime: str, directory: str = ".") -> dict[str, Any]:
    found = [
        s
        for s in doc["suggestions"]
        if s["runtime"] == runtime and s["directory"] == directory and not s.get("sandboxImage")
    ]
    assert found, (runtime, directory, images(doc), doc["warnings"])
    return found[0]


def newest(image: str, prefix: tuple[int, ...] = ()) -> str:
    """The newest published (maintained first) release of a line, as the data has it."""
    cat = catalog(image)
    assert cat is not None
    entry = cat.newest(lambda e: e.nums[: len(prefix)] == prefix)
    assert entry is not None
    return entry.key


def warned(doc: dict[str, Any], *words: str) -> bool:
    return any(all(w in x for w in words) for x in doc["warnings"])
