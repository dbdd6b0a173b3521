"""What a version file says: one :class:`Source` per value read, with where it was read.

Readers (node.py, python.py, …) get a :class:`FileContext` for one file and add sources and
warnings to it; they never raise for a malformed file (the walk catches anything a reader
did not expect, as a warning for that file).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

MAX_FILE_BYTES = 1024 * 1024  # bigger files are skipped with a warning
MAX_TEXT = 120  # a reason's text is the value read, cut to this many characters


class Strength(IntEnum):
    """How strongly a source fixes the version (reference §0.2), strongest last."""

    DEFAULT = -1  # a manifest that names no version (package.json without engines, …)
    FLOOR = 0  # a floor or range: engines.node, requires-python, go.mod go, pom levels, …
    IMAGE = 1  # the project's own Dockerfile build/test stage
    PIN = 2  # what developers run: .nvmrc, .python-version, .tool-versions, mise.toml, …
    ENFORCED = 3  # the toolchain actually used: mise.lock, rust-toolchain, Gradle toolchain, …


#: grammar of Source.spec: "version" (a pin: version, prefix or alias), "range" (npm, PEP
#: 440, Poetry, RubyGems), "floor" (a minimum: go.mod go, Cargo rust-version), "level" (a
#: Java language level: the JDK of that feature release), "image" (a Dockerfile tag).
Grammar = str


@dataclass(frozen=True)
class Source:
    runtime: str  # node, python, go, rust, ruby, java, maven, gradle, elixir, terraform, deno, bun
    spec: str  # the version request, as read (without comments or key names)
    strength: Strength
    file: str  # relative to the project root, '/'-separated
    line: int
    text: str  # what is shown as the reason: the value read (key name where it helps)
    grammar: Grammar = "version"
    precedence: int = 0  # between sources of one strength: higher wins (mise's order)
    image: str | None = None  # Dockerfile: the image reference (ARGs substituted)
    variant: str | None = None  # Dockerfile / .tool-versions: the tag's variant ("-alpine")
    digest: str | None = None  # Dockerfile: "sha256:…"
    notes: tuple[str, ...] = ()  # warnings that travel with a suggestion made from it

    def reason(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "text": self.text}


@dataclass
class FileContext:
    """One file being read: its text, and what reading it found."""

    root: Path  # the project root (resolved)
    path: Path  # this file
    rel: str  # this file relative to root
    text: str
    sources: list[Source] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: reads another file of the project (relative to this file's directory): (rel, text) or
    #: None when it is missing, outside the project, too big or not text (a warning is kept)
    read_other: Callable[[FileContext, str], tuple[str, str] | None] | None = None

    def add(
        self,
        runtime: str,
        spec: str,
        strength: Strength,
        line: int,
        text: str | None = None,
        *,
        file: str | None = None,
        grammar: Grammar = "version",
        precedence: int = 0,
        image: str | None = None,
        variant: str | None = None,
        digest: str | None = None,
        notes: tuple[str, ...] = (),
    ) -> None:
        """A source read from this file (or from ``file``, which this one pointed at)."""
        shown = (text if text is not None else spec).strip()
        if len(shown) > MAX_TEXT:
            shown = shown[: MAX_TEXT - 1] + "…"
        self.sources.append(
            Source(
                runtime,
                spec.strip(),
                strength,
                file or self.rel,
                line,
                shown,
                grammar,
                precedence,
                image,
                variant,
                digest,
                notes,
            )
        )

    def warn(self, message: str, line: int | None = None) -> None:
        where = f"{self.rel}:{line}" if line else self.rel
        self.warnings.append(f"{where}: {message}")

    def toml(self) -> dict[str, Any] | None:
        """This file as TOML; None (and a warning) when it is not valid TOML."""
        try:
            return tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as exc:
            self.warn(f"not valid TOML ({exc}); file ignored")
            return None

    def other(self, relative: str) -> tuple[str, str] | None:
        return self.read_other(self, relative) if self.read_other else None


def short(value: str, limit: int = 40) -> str:
    """A value read, quoted and cut for a warning: warnings name what was wrong, they do not
    carry a file's contents."""
    value = value.strip()
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


def line_of(text: str, offset: int) -> int:
    """1-based line number of a character offset."""
    return text.count("\n", 0, max(offset, 0)) + 1


def find_line(text: str, *patterns: str, default: int = 1) -> int:
    """Line of the last of ``patterns`` found in order (each searched after the previous
    one): e.g. ``"engines"`` then ``"node"`` finds the node key inside engines."""
    pos = 0
    found = -1
    for pattern in patterns:
        m = re.compile(pattern, re.MULTILINE).search(text, pos)
        if m is None:
            return default if found < 0 else line_of(text, found)
        found, pos = m.start(), m.end()
    return line_of(text, found)


_COMMENT = re.compile(r"(^|\s)#.*$")


def value_lines(text: str, *, comment: str = "#") -> list[tuple[int, str]]:
    """(line number, content) of the non-blank lines with comments removed: a comment starts
    a line or follows whitespace (so ``foo#bar`` stays a value)."""
    out = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if comment == "#":
            line = _COMMENT.sub("", line).strip()
        elif line.startswith(comment):
            line = ""
        if line:
            out.append((n, line))
    return out
