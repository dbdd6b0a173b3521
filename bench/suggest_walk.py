"""Image suggestion on a large monorepo: the bounded walk plus every reader.

    python -m bench.suggest_walk [--files 100000] [--rounds 10] [--keep DIR]

Builds a monorepo of about ``--files`` files in a temporary directory (``--keep DIR``
builds it there and leaves it): a root with ``package.json`` workspaces, ``.nvmrc``,
``.tool-versions`` and a multi-stage Dockerfile; Node packages, Go services and Python
libraries, each with its own version files and a source tree; a vendored
``node_modules`` tree and a ``.git`` directory that the walk must not enter. Then times
``suggest_images`` on it (warm page cache; the first round separately) and prints what was
found.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from bench.common import timed
from tui.core.imagesuggest import suggest_images
from tui.core.imagesuggest.readers import wanted
from tui.core.imagesuggest.walk import walk

ROOT_FILES = {
    "package.json": '{"private": true, "workspaces": ["packages/*"], "engines": {"node": ">=20"}}',
    ".nvmrc": "20.11.0\n",
    ".tool-versions": "nodejs 20.11.0\npython 3.12.1\ngolang 1.22.5\n",
    "Dockerfile": "ARG NODE=20.11.0\nFROM node:${NODE}-bookworm-slim AS build\n"
    "FROM gcr.io/distroless/nodejs20-debian12\n",
}


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def build(root: Path, total: int) -> int:
    """A monorepo of about ``total`` files; returns how many were written."""
    count = 0
    for rel, text in ROOT_FILES.items():
        write(root / rel, text)
        count += 1
    # the shares of the tree: (what, number of subprojects, files each)
    vendored = total * 35 // 100  # node_modules: never entered
    git = total * 5 // 100  # .git: never entered
    rest = total - count - vendored - git
    node_pkgs, go_svcs, py_libs = 200, 60, 60
    per = rest // (node_pkgs + go_svcs + py_libs)
    for i in range(node_pkgs):
        d = root / "packages" / f"pkg-{i}"
        write(d / "package.json", f'{{"name": "pkg-{i}", "engines": {{"node": "^20.10"}}}}')
        count += 1 + _sources(d / "src", per - 1, ".ts")
    for i in range(go_svcs):
        d = root / "services" / f"svc-{i}"
        write(d / "go.mod", f"module example.com/svc{i}\n\ngo 1.22.3\n\ntoolchain go1.22.5\n")
        write(d / "Dockerfile", "FROM golang:1.22.5-bookworm AS build\nFROM scratch\n")
        count += 2 + _sources(d / "internal", per - 2, ".go")
    for i in range(py_libs):
        d = root / "libs" / f"lib-{i}"
        write(d / "pyproject.toml", f'[project]\nname = "lib{i}"\nrequires-python = ">=3.11"\n')
        count += 1 + _sources(d / "src" / f"lib{i}", per - 1, ".py")
    count += _sources(root / "node_modules", vendored, ".js", manifests=True)
    count += _sources(root / ".git" / "objects", git, "")
    return count


def _sources(directory: Path, n: int, suffix: str, *, manifests: bool = False) -> int:
    """``n`` small files, 50 per directory, three directories deep."""
    for i in range(n):
        d = directory / f"d{i // 2500}" / f"d{i // 50 % 50}"
        if i % 50 == 0:
            d.mkdir(parents=True, exist_ok=True)
        name = "package.json" if manifests and i % 50 == 0 else f"f{i}{suffix}"
        (d / name).write_text('{"engines": {"node": "14"}}' if name == "package.json" else "x\n")
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--keep", metavar="DIR", help="build the monorepo here and leave it")
    args = ap.parse_args()
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="podbay-suggest-"))
    try:
        t0 = time.perf_counter()
        written = build(root, args.files)
        print(f"monorepo: {written:,} files in {root} (built in {time.perf_counter() - t0:.1f} s)")
        t0 = time.perf_counter()
        report = suggest_images(root)
        first = time.perf_counter() - t0
        walked = walk(root, wanted)
        print(
            f"walk: {walked.entries:,} directory entries looked at, {len(walked.files)} "
            f"candidate files; {report.files_read} version files read; "
            f"{len(report.suggestions)} suggestions, {len(report.conflicts)} conflicts, "
            f"complete={report.complete}"
        )
        print(f"best: {report.suggestions[0].image} ({report.suggestions[0].directory})")
        print(f"suggest_images, first call:  {first * 1000:.0f} ms")
        print(f"suggest_images, warm:        {timed(lambda: suggest_images(root), args.rounds)}")
        print(f"walk only, warm:             {timed(lambda: walk(root, wanted), args.rounds)}")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
