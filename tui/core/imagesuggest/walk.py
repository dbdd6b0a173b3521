"""A bounded walk of a project directory for the files the readers know.

* Vendored, generated and example trees are not entered (:data:`IGNORED_DIRS`).
* A symbolic link to a file is read when its target is inside the project; a link leaving
  the project is a warning and is not followed; linked directories are not entered (inside
  the project their target is walked where it is). Other file systems mounted inside the
  project are not entered (as ``find -xdev``).
* Files over 1 MiB are skipped with a warning.
* Bounds: depth, number of directory entries and a time budget; hitting one is a warning
  and what was found so far is used.

Only ``os.scandir`` entries are looked at (no ``stat`` except for candidate files, symlinks
and directories), so 100,000 files take a small fraction of a second.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tui.core.imagesuggest.sources import MAX_FILE_BYTES

IGNORED_DIRS = frozenset(
    {
        # version control and editors
        ".git", ".hg", ".svn", ".idea", ".vscode", ".devcontainer",
        # vendored dependencies
        "node_modules", "bower_components", "jspm_packages", "vendor", "third_party",
        "third-party", "site-packages", ".yarn", ".pnpm-store", ".bundle", "deps",
        # virtual environments, caches and build output
        ".venv", "venv", ".tox", ".nox", "__pycache__", ".mypy_cache", ".pytest_cache",
        ".ruff_cache", ".cache", ".gradle", ".terraform", ".direnv", ".next", ".nuxt",
        ".svelte-kit", ".turbo", ".angular", "target", "dist", "_build", "coverage", "htmlcov",
        # examples and test data: other projects' files
        "examples", "example", "samples", "testdata", "test-data", "fixtures", "__fixtures__",
        "test-fixtures",
    }
)  # fmt: skip

MAX_DEPTH = 10
MAX_ENTRIES = 300_000
TIME_BUDGET = 5.0  # seconds


@dataclass(frozen=True)
class Found:
    path: Path  # as reached under the root (symlinks unresolved)
    rel: str  # relative to the root, '/'-separated
    size: int


@dataclass
class WalkResult:
    files: list[Found] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    entries: int = 0
    complete: bool = True


def inside(root: str, real: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def walk(
    root: Path,
    wanted: Callable[[str], bool],
    *,
    max_depth: int = MAX_DEPTH,
    max_entries: int = MAX_ENTRIES,
    time_budget: float = TIME_BUDGET,
) -> WalkResult:
    """Files under ``root`` (resolved) whose name ``wanted`` accepts."""
    out = WalkResult()
    real_root = os.path.realpath(root)
    root_dev = os.stat(real_root).st_dev
    deadline = time.monotonic() + time_budget
    stack: list[tuple[str, str, int]] = [(real_root, "", 0)]
    while stack:
        directory, prefix, depth = stack.pop()
        try:
            with os.scandir(directory) as it:
                entries = list(it)
        except OSError as exc:
            if prefix:  # the root itself was checked by the caller
                out.warnings.append(f"{prefix.rstrip('/')}: cannot be read ({exc.strerror})")
            continue
        out.entries += len(entries)
        if out.entries > max_entries or time.monotonic() > deadline:
            out.complete = False
            why = f"{max_entries:,} entries" if out.entries > max_entries else f"{time_budget:g} s"
            out.warnings.append(
                f"the walk stopped after {why}; suggestions come from what was read so far "
                "(point at a subproject for a complete answer)"
            )
            break
        for entry in entries:
            name = entry.name
            rel = prefix + name
            try:
                if entry.is_symlink():
                    _symlink(out, entry, rel, real_root, wanted)
                elif entry.is_dir(follow_symlinks=False):
                    if name in IGNORED_DIRS or depth >= max_depth:
                        continue
                    st = entry.stat(follow_symlinks=False)
                    if st.st_dev != root_dev:
                        continue  # another file system mounted inside the project
                    stack.append((entry.path, rel + "/", depth + 1))
                elif wanted(name) and entry.is_file(follow_symlinks=False):
                    _file(out, Path(entry.path), rel, entry.stat(follow_symlinks=False).st_size)
            except OSError as exc:
                out.warnings.append(f"{rel}: cannot be read ({exc.strerror})")
    out.files.sort(key=lambda f: f.rel)
    return out


def _file(out: WalkResult, path: Path, rel: str, size: int) -> None:
    if size > MAX_FILE_BYTES:
        out.warnings.append(f"{rel}: {size:,} bytes, over the 1 MiB limit; skipped")
        return
    out.files.append(Found(path, rel, size))


def _symlink(
    out: WalkResult,
    entry: os.DirEntry[str],
    rel: str,
    real_root: str,
    wanted: Callable[[str], bool],
) -> None:
    """A linked file the readers want is read when it stays inside the project. A linked
    directory is not entered: inside the project its target is walked where it is, outside
    it is not the project's."""
    name = entry.name
    if name in IGNORED_DIRS:
        return
    target = os.path.realpath(entry.path)
    is_dir = os.path.isdir(target)
    if not is_dir and not wanted(name):
        return
    if not inside(real_root, target):
        out.warnings.append(f"{rel}: a symbolic link that leaves the project; not followed")
        return
    if not is_dir and os.path.isfile(target):
        _file(out, Path(entry.path), rel, os.stat(target).st_size)
