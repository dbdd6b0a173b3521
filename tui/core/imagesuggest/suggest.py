"""``suggest_images(root)``: walk the project, read every version file, choose, order."""

from __future__ import annotations

import os
from pathlib import Path

from tui.core.errors import PodbayError
from tui.core.imagesuggest import readers
from tui.core.imagesuggest.choose import STRENGTH_NAMES, choose_all
from tui.core.imagesuggest.nodes import mark
from tui.core.imagesuggest.report import Suggestion, SuggestionReport
from tui.core.imagesuggest.sources import MAX_FILE_BYTES, FileContext, Source
from tui.core.imagesuggest.walk import walk

_RANK = {name: int(strength) for strength, name in STRENGTH_NAMES.items()}


class ProjectPathError(PodbayError):
    """The path to suggest for is not a readable directory (422 over REST)."""

    status = 422


def project_root(path: Path | str) -> Path:
    """``path`` resolved, or ProjectPathError naming it."""
    shown = str(path)
    try:
        root = Path(os.path.expanduser(str(path))).resolve(strict=True)
    except FileNotFoundError:
        raise ProjectPathError(
            f"{shown} does not exist", "give the path of a project directory"
        ) from None
    except (OSError, ValueError, RuntimeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ProjectPathError(
            f"{shown!r} is not a readable directory ({why})", "give the path of a project directory"
        ) from None
    if not root.is_dir():
        raise ProjectPathError(f"{shown} is not a directory", "give the project's directory")
    if not os.access(root, os.R_OK | os.X_OK):
        raise ProjectPathError(
            f"{shown} is not readable by this user", "give a directory this user may read"
        )
    return root


def suggest_images(
    root: Path | str, *, node_images: frozenset[str] | None = None
) -> SuggestionReport:
    """Images for the project at ``root``, best first, each with its reasons.
    ``node_images`` (see nodes.list_node_images) marks images the nodes already hold and
    puts a satisfying sandbox image first. ProjectPathError when ``root`` is not a readable
    directory; any problem with a file is a warning, never an exception."""
    real = project_root(root)
    walked = walk(real, readers.wanted)
    warnings = list(walked.warnings)
    owned: list[tuple[str, Source]] = []
    files_read = 0
    for found in walked.files:
        reader = readers.reader_for(found.rel)
        if reader is None:
            continue
        try:
            with open(found.path, "rb") as f:
                data = f.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            warnings.append(f"{found.rel}: cannot be read ({exc.strerror})")
            continue
        text, why = readers.decode(data)
        if text is None:
            warnings.append(f"{found.rel}: {why}; skipped")
            continue
        files_read += 1
        ctx = FileContext(real, found.path, found.rel, text, read_other=readers.read_other)
        try:
            reader(ctx)
        except Exception as exc:  # a reader bug must not cost the others
            warnings.append(f"{found.rel}: could not be read ({type(exc).__name__}: {exc})")
            continue
        warnings += ctx.warnings
        directory = readers.owner(found.rel)
        owned += [(directory, s) for s in ctx.sources]
    choice = choose_all(owned)
    suggestions = sorted(choice.suggestions, key=_order)
    if node_images is not None:
        suggestions = mark(suggestions, node_images)
    return SuggestionReport(
        str(real),
        suggestions,
        choice.conflicts,
        list(dict.fromkeys(warnings + choice.warnings)),
        files_read,
        walked.complete,
    )


def _order(s: Suggestion) -> tuple[int, int, int, int, str, int, str]:
    """Best first: primaries before other pins' alternatives; then how strongly the version
    is fixed, exact before derived, the root before subprojects, more sources first."""
    depth = 0 if s.directory == "." else s.directory.count("/") + 1
    return (
        0 if s.primary else 1,
        -_RANK.get(s.strength, 0),
        0 if s.exact else 1,
        depth,
        s.directory,
        -(len(s.reasons) + len(s.agreeing)),
        s.runtime,
    )
