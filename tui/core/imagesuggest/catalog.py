"""The official images' published versions (package data derived from the
docker-library/official-images history by scripts/imagesuggest_data.py).

Each image has its full versions (``20.11.0``, ``21.0.2_13``, ``8u402-b06``), the variants
(tag suffixes such as ``-bookworm-slim``) published for each, and whether the version is
still maintained (listed at the snapshot's head: rebuilt upstream) or only still pullable.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

DATA_FILE = "official-tags.json"

Nums = tuple[int, int, int]

_GENERIC = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?(.*)$")
_TEMURIN = re.compile(r"^(\d+)\.(\d+)\.(\d+)_(\d+)$|^(\d+)_(\d+)$|^8u(\d+)-b(\d+)$")


@dataclass(frozen=True)
class Entry:
    """One published version of an image."""

    key: str  # as it appears in tags: "20.11.0", "21.0.2_13", "8u402-b06", "8.5"
    nums: Nums
    pre: bool  # a pre-release (rc, alpha, preview): never chosen unless pinned exactly
    build: int | None  # eclipse-temurin's build number
    variants: frozenset[str]
    maintained: bool


def _parse_key(image: str, key: str) -> tuple[Nums, bool, int | None] | None:
    if image == "eclipse-temurin":
        m = _TEMURIN.match(key)
        if not m:
            return None
        g = m.groups()
        if g[0] is not None:
            return (int(g[0]), int(g[1]), int(g[2])), False, int(g[3])
        if g[4] is not None:
            return (int(g[4]), 0, 0), False, int(g[5])
        return (8, 0, int(g[6])), False, int(g[7])
    m = _GENERIC.match(key)
    if not m:
        return None
    nums = (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0))
    return nums, bool(m.group(4)), None


class Catalog:
    """The versions of one image, oldest first."""

    def __init__(self, image: str, doc: dict[str, Any]) -> None:
        self.image = image
        variants: list[str] = doc["variants"]
        entries = []
        for key, (mask, maintained) in doc["versions"].items():
            parsed = _parse_key(image, key)
            if parsed is None:
                continue
            nums, pre, build = parsed
            names = frozenset(v for i, v in enumerate(variants) if mask >> i & 1)
            entries.append(Entry(key, nums, pre, build, names, bool(maintained)))
        entries.sort(key=lambda e: (e.nums, not e.pre, e.build or 0))
        self.entries: tuple[Entry, ...] = tuple(entries)
        self.codenames: dict[str, int] = dict(doc.get("codenames") or {})
        self.lts: str | None = doc.get("lts")

    def newest(self, accept: Callable[[Entry], bool]) -> Entry | None:
        """The newest release ``accept`` takes, maintained ones first (a maintained line is
        rebuilt with security fixes; an old tag only stays pullable)."""
        fallback = None
        for e in reversed(self.entries):
            if e.pre or not accept(e):
                continue
            if e.maintained:
                return e
            fallback = fallback or e
        return fallback

    def find(self, nums: Nums, build: int | None = None) -> Entry | None:
        """The entry of exactly this version (newest build unless ``build`` is given; a
        pre-release only when nothing else has these numbers)."""
        best = None
        for e in self.entries:
            if e.nums != nums or (build is not None and e.build != build):
                continue
            if best is None or (best.pre and not e.pre) or (e.build or 0) > (best.build or 0):
                best = e
        return best

    def maintained_line(self, prefix: tuple[int, ...]) -> bool:
        return any(e.maintained and e.nums[: len(prefix)] == prefix for e in self.entries)

    def newest_overall(self) -> Entry | None:
        return self.newest(lambda e: True)


@functools.cache
def _load() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


@functools.cache
def catalog(image: str) -> Catalog | None:
    """The catalog of an official image (``node``, ``golang``, ``eclipse-temurin``, …), or
    None for images without data (``denoland/deno``, ``oven/bun``, ``hashicorp/terraform``)."""
    doc = _load()["images"].get(image)
    return Catalog(image, doc) if doc else None


def data_snapshot() -> str:
    """Which snapshot the data describes, for warnings ("data of 37079fb")."""
    doc = _load()
    return str(doc.get("head_commit") or "?")[:7]
