"""What a suggestion run answers: suggestions best first, conflicts and warnings.

``SuggestionReport.to_json()`` is the one shape of every face (CLI ``--json``, REST, the
TUI's picker)::

    {"path": "/abs/project",
     "suggestions": [{"image", "runtime", "version", "exact", "reasons": [{"file", "line",
                      "text"}], "warnings", "directory", "strength", "derivedFrom",
                      "agreeing", "disagreeing", "onNode"?, "sandboxImage"?}],
     "conflicts": [{"runtime", "directory", "message", "reasons"}],
     "warnings": ["file: what was wrong"],
     "filesRead": 12, "complete": true}

Reasons carry the value read, never a file's contents. ``onNode`` is present only when the
nodes' images could be listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tui.core.imagesuggest.sources import Source
from tui.core.imagesuggest.versions import Request


def reasons(sources: list[Source]) -> list[dict[str, Any]]:
    return [s.reason() for s in sources]


@dataclass
class Suggestion:
    image: str  # a full reference: repository:tag (@digest when the project pinned one)
    runtime: str
    version: str
    exact: bool  # False: derived from a partial version, alias, range or floor (pin it)
    reasons: list[Source]
    directory: str = "."  # the subproject it is for, relative to the root
    strength: str = ""  # enforced, pin, image, floor, default: how the version was fixed
    derived_from: str = ""  # the request it was resolved from ("lts/iron", ">=3.10")
    agreeing: list[Source] = field(default_factory=list)
    disagreeing: list[Source] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    on_node: bool | None = None  # None: the nodes' images are unknown
    sandbox_image: bool = False  # a podbay.local image of the sandbox
    primary: bool = True  # False: a disagreeing pin's own suggestion, after the primaries
    #: what a sandbox image must satisfy to stand in for it (not serialised): the request
    #: the version came from and every floor or range of the subproject
    requirements: tuple[Request, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "image": self.image,
            "runtime": self.runtime,
            "version": self.version,
            "exact": self.exact,
            "reasons": reasons(self.reasons),
            "warnings": list(self.warnings),
            "directory": self.directory,
            "strength": self.strength,
            "derivedFrom": self.derived_from or None,
            "agreeing": reasons(self.agreeing),
            "disagreeing": reasons(self.disagreeing),
        }
        if self.on_node is not None:
            out["onNode"] = self.on_node
        if self.sandbox_image:
            out["sandboxImage"] = True
        return out


@dataclass
class Conflict:
    runtime: str
    directory: str
    message: str
    sources: list[Source]

    def to_json(self) -> dict[str, Any]:
        return {
            "runtime": self.runtime,
            "directory": self.directory,
            "message": self.message,
            "reasons": reasons(self.sources),
        }


@dataclass
class SuggestionReport:
    path: str
    suggestions: list[Suggestion] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files_read: int = 0
    complete: bool = True  # False when the walk hit a bound

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "suggestions": [s.to_json() for s in self.suggestions],
            "conflicts": [c.to_json() for c in self.conflicts],
            "warnings": list(self.warnings),
            "filesRead": self.files_read,
            "complete": self.complete,
        }
