"""Image suggestion rules across files: Dockerfile stages and ARGs, monorepos, ignored
trees, symlinks, size limits, malformed files, node images, ranges; the JSON shape."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.unit.imagesuggest_helpers import images, newest, only, project, suggest, warned
from tui.core.imagesuggest import ProjectPathError, suggest_images
from tui.core.imagesuggest.dockerfile import logical_lines, substitute
from tui.core.imagesuggest.tags import parse_ref
from tui.core.imagesuggest.versions import BadVersion, Unpinned, parse_range, parse_request

DIGEST = "sha256:" + "ab" * 32

# ---- Dockerfile ---------------------------------------------------------------------------


def test_dockerfile_arg_defaults_and_the_toolchain_stage(tmp_path: Path) -> None:
    dockerfile = (
        "# syntax=docker/dockerfile:1\n"
        "ARG GO_VERSION=1.22.5\n"
        'ARG VARIANT="alpine"\n'
        "FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-${VARIANT} AS build\n"
        "RUN go build \\\n"
        "    -o /app .\n"
        "FROM gcr.io/distroless/static-debian12\n"
        "COPY --from=build /app /app\n"
    )
    s = only(suggest(project(tmp_path, {"Dockerfile": dockerfile})), "go")
    assert s["image"] == "golang:1.22.5-alpine" and s["exact"] and s["strength"] == "image"
    assert s["reasons"] == [
        {
            "file": "Dockerfile",
            "line": 4,
            "text": "FROM golang:${GO_VERSION}-${VARIANT} = golang:1.22.5-alpine AS build",
        }
    ]


def test_dockerfile_stage_aliases_scratch_and_digest(tmp_path: Path) -> None:
    dockerfile = (
        f"FROM node:20.11.0-bookworm-slim@{DIGEST} AS base\n"
        "FROM base AS test\nRUN npm test\n"
        "FROM scratch\nCOPY --from=base /x /x\n"
    )
    doc = suggest(project(tmp_path, {"Containerfile": dockerfile}))
    assert images(doc) == [f"node:20.11.0-bookworm-slim@{DIGEST}"]  # the digest is kept
    s = doc["suggestions"][0]
    assert s["exact"] and s["reasons"][0]["line"] == 1
    assert s["reasons"][0]["text"].startswith(f"FROM node:20.11.0-bookworm-slim@{DIGEST}")


def test_dockerfile_prefers_a_test_stage_and_a_jdk_over_a_jre(tmp_path: Path) -> None:
    dockerfile = (
        "FROM python:3.11.9-slim AS build\n"
        "FROM python:3.12.1-slim AS test\n"
        "FROM python:3.11.9-slim\n"
    )
    assert images(suggest(project(tmp_path, {"Dockerfile.ci": dockerfile}))) == [
        "python:3.12.1-slim"
    ]
    jre = "FROM eclipse-temurin:21-jre-noble\n"
    s = only(suggest(project(tmp_path / "jre", {"Dockerfile": jre})), "java")
    assert "-jdk-noble" in s["image"] and "jre" not in s["image"]


def test_dockerfile_unresolved_variable_latest_and_heredoc(tmp_path: Path) -> None:
    dockerfile = (
        "FROM ${BASE_IMAGE}\n"
        "FROM python:latest AS lint\n"
        "FROM node\n"
        "RUN <<EOF\nFROM ruby:2.7.0\nEOF\n"
    )
    doc = suggest(project(tmp_path, {"Dockerfile": dockerfile}))
    assert doc["suggestions"] == []
    assert warned(doc, "Dockerfile:1", "no default")
    assert warned(doc, "Dockerfile:2", "names no version")
    assert not any("ruby" in w for w in doc["warnings"])


def test_dockerfile_partial_tag_resolves_keeping_its_variant(tmp_path: Path) -> None:
    s = only(suggest(project(tmp_path, {"Dockerfile": "FROM node:20-alpine\n"})), "node")
    assert s["image"] == f"node:{newest('node', (20,))}-alpine" and not s["exact"]
    s = only(suggest(project(tmp_path / "a", {"Dockerfile": "FROM node:20-alpine3.11\n"})), "node")
    assert s["image"] == f"node:{newest('node', (20,))}-alpine"  # 3.11 is gone: the family
    assert any("'-alpine3.11' is not published" in w for w in s["warnings"])
    s = only(suggest(project(tmp_path / "l", {"Dockerfile": "FROM node:lts-slim\n"})), "node")
    assert s["image"] == f"node:{newest('node', (24,))}-slim" and s["derivedFrom"] == "lts"


def test_dockerfile_other_images_as_written_when_pinned(tmp_path: Path) -> None:
    doc = suggest(project(tmp_path, {"Dockerfile": "FROM postgres:15.4\n"}))
    assert images(doc) == ["postgres:15.4"]
    doc = suggest(project(tmp_path / "u", {"Dockerfile": "FROM ubuntu\nFROM debian:12\n"}))
    assert doc["suggestions"] == []


def test_the_dockerfile_variant_and_exact_version_refine_a_pin(tmp_path: Path) -> None:
    root = project(tmp_path, {".nvmrc": "20\n", "docker/Dockerfile": "FROM node:20.11.0-alpine\n"})
    s = only(suggest(root), "node")
    assert s["image"] == "node:20.11.0-alpine" and s["exact"]
    assert [r["file"] for r in s["reasons"]] == [".nvmrc", "docker/Dockerfile"]
    root = project(tmp_path / "v", {".nvmrc": "20.11.0\n", "Dockerfile": "FROM node:20-alpine\n"})
    assert only(suggest(root), "node")["image"] == "node:20.11.0-alpine"


def test_dockerfile_grammar_helpers() -> None:
    text = "\ufeff# escape=`\nFROM a `\n  AS b\n# c\nRUN x\n"
    assert logical_lines(text) == [(2, "FROM a AS b"), (5, "RUN x")]
    args: dict[str, str | None] = {"V": "1", "E": ""}
    assert substitute("x:${V}-${E:-d}-$V${N:+z}", args) == "x:1-d-1"
    assert substitute("x:${MISSING}", args) is None
    ref = parse_ref("docker.io/library/node:20@" + DIGEST)
    assert ref is not None and (ref.repository, ref.tag, ref.digest) == ("node", "20", DIGEST)


# ---- monorepo, ignored trees, symlinks, limits ---------------------------------------------


def test_monorepo_subprojects_each_with_their_directory(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            ".nvmrc": "20.11.0\n",
            "package.json": '{"workspaces": ["packages/*"], "engines": {"node": ">=20"}}',
            "packages/web/package.json": '{"engines": {"node": ">=22"}}',
            "packages/api/package.json": '{"engines": {"node": "^20.10"}}',
            "services/worker/go.mod": "module w\ngo 1.22.3\ntoolchain go1.22.5\n",
            "services/ml/.python-version": "3.11.9\n",
            "services/ml/Dockerfile": "FROM python:3.11.9-slim-bookworm\n",
            "docker/Dockerfile": "FROM node:20.11.0-bookworm-slim\n",
        },
    )
    doc = suggest(root)
    by_dir = {(s["directory"], s["runtime"]): s for s in doc["suggestions"]}
    assert by_dir[(".", "node")]["image"] == "node:20.11.0-bookworm-slim"
    assert {r["file"] for r in by_dir[(".", "node")]["agreeing"]} == {
        "package.json",
        "docker/Dockerfile",  # docker/ speaks for the project above it
    }
    api = by_dir[("packages/api", "node")]  # the root's .nvmrc applies, inside ^20.10
    assert api["image"] == "node:20.11.0-bookworm-slim" and api["reasons"][0]["file"] == ".nvmrc"
    web = by_dir[("packages/web", "node")]  # the inherited pin violates >=22: said
    assert any(c["directory"] == "packages/web" for c in doc["conflicts"])
    assert web["disagreeing"][0]["file"] == "packages/web/package.json"
    assert by_dir[("services/worker", "go")]["image"] == "golang:1.22.5-bookworm"
    ml = by_dir[("services/ml", "python")]
    assert ml["image"] == "python:3.11.9-slim-bookworm" and len(ml["agreeing"]) == 1
    assert doc["suggestions"][0]["directory"] == "."  # the root first among equals


def test_vendored_and_example_trees_are_ignored(tmp_path: Path) -> None:
    noise = '{"engines": {"node": "14.0.0"}}'
    root = project(
        tmp_path,
        {
            ".python-version": "3.12.1\n",
            "node_modules/left-pad/package.json": noise,
            "vendor/github.com/x/go.mod": "module x\ngo 1.13\n",
            "examples/demo/.nvmrc": "16\n",
            "testdata/.ruby-version": "2.7.0\n",
            "src/test/fixtures/Dockerfile": "FROM node:12.0.0\n",
            ".venv/lib/pyproject.toml": '[project]\nrequires-python=">=2.7"\n',
            ".git/HEAD": "ref: main\n",
        },
    )
    assert images(suggest(root)) == ["python:3.12.1-slim-bookworm"]


def test_symlinks_leaving_the_project_are_not_followed(tmp_path: Path) -> None:
    outside = project(tmp_path / "outside", {".nvmrc": "16.20.0\n", "sub/.nvmrc": "14.21.3\n"})
    root = project(tmp_path / "proj", {"shared/.python-version": "3.12.1\n"})
    os.symlink(outside / ".nvmrc", root / ".nvmrc")
    os.symlink(outside / "sub", root / "linked")
    os.symlink(root / "shared/.python-version", root / ".python-version")  # inside: read
    doc = suggest(root)
    assert only(doc, "python")["image"] == "python:3.12.1-slim-bookworm"
    assert "node" not in {s["runtime"] for s in doc["suggestions"]}
    assert warned(doc, ".nvmrc", "leaves the project")
    assert warned(doc, "linked", "leaves the project")


def test_a_reference_out_of_the_project_is_not_read(tmp_path: Path) -> None:
    project(tmp_path, {".ruby-version": "3.3.0\n"})
    root = project(tmp_path / "p", {"Gemfile": 'ruby file: "../.ruby-version"\n'})
    doc = suggest(root)
    assert "ruby:3.3.0-slim-bookworm" not in images(doc)
    assert warned(doc, "outside the project")


def test_files_over_one_mib_are_skipped(tmp_path: Path) -> None:
    big = '{"engines": {"node": "20.11.0"}, "pad": "' + "x" * (1024 * 1024) + '"}'
    doc = suggest(project(tmp_path, {"package.json": big, ".python-version": "3.12.1\n"}))
    assert images(doc) == ["python:3.12.1-slim-bookworm"]
    assert warned(doc, "package.json", "over the 1 MiB limit")


def test_binary_and_utf16_files_are_warnings(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            ".nvmrc": b"\x00\x01\x02\xff",
            ".python-version": "3.12.1\n".encode("utf-16"),
            ".ruby-version": b"\xef\xbb\xbf3.3.0\r\n",  # a BOM and CRLF are fine
        },
    )
    doc = suggest(root)
    assert images(doc) == ["ruby:3.3.0-slim-bookworm"]
    assert warned(doc, ".nvmrc", "binary") and warned(doc, ".python-version", "UTF-16")


def test_a_project_without_version_files(tmp_path: Path) -> None:
    doc = suggest(project(tmp_path, {"README.md": "hi\n", "src/main.c": "int main;\n"}))
    assert doc["suggestions"] == [] and doc["conflicts"] == [] and doc["warnings"] == []


@pytest.mark.parametrize("bad", ["missing", "file", "nul"])
def test_a_path_that_is_not_a_readable_directory(tmp_path: Path, bad: str) -> None:
    path = {
        "missing": str(tmp_path / "nope"),
        "file": str(project(tmp_path, {"f.txt": "x"}) / "f.txt"),
        "nul": "a\x00b",
    }[bad]
    with pytest.raises(ProjectPathError) as exc:
        suggest_images(path)
    assert exc.value.status == 422 and (bad == "nul" or path in exc.value.what)


# ---- node images --------------------------------------------------------------------------


def test_images_on_nodes_are_marked_and_absent_when_unknown(tmp_path: Path) -> None:
    root = project(tmp_path, {".nvmrc": "20.11.0\n", ".python-version": "3.12.1\n"})
    assert all("onNode" not in s for s in suggest(root)["suggestions"])
    nodes = frozenset(
        {"docker.io/library/node:20.11.0-bookworm-slim", "docker.io/library/node@" + DIGEST}
    )
    marks = {s["image"]: s["onNode"] for s in suggest(root, node_images=nodes)["suggestions"]}
    assert marks == {"node:20.11.0-bookworm-slim": True, "python:3.12.1-slim-bookworm": False}


SANDBOX = frozenset({"podbay.local/node:18", "podbay.local/python:3.11", "podbay.local/debian:12"})


def test_a_satisfying_sandbox_image_comes_first(tmp_path: Path) -> None:
    doc = suggest(project(tmp_path, {".nvmrc": "18\n"}), node_images=SANDBOX)
    first = doc["suggestions"][0]
    assert first["image"] == "podbay.local/node:18"
    assert first["onNode"] and first["sandboxImage"] and first["reasons"][0]["file"] == ".nvmrc"
    assert doc["suggestions"][1]["image"] == f"node:{newest('node', (18,))}-bookworm-slim"
    pyproject = '[project]\nrequires-python = ">=3.10"\n'
    doc = suggest(project(tmp_path / "py", {"pyproject.toml": pyproject}), node_images=SANDBOX)
    assert doc["suggestions"][0]["image"] == "podbay.local/python:3.11"


@pytest.mark.parametrize(
    "files",
    [
        {".nvmrc": "20\n"},  # another line
        {".nvmrc": "18.19.0\n"},  # an exact pin the sandbox image cannot promise
        {".nvmrc": "18\n", "package.json": '{"engines": {"node": ">=20"}}'},  # a floor it fails
    ],
)
def test_a_sandbox_image_that_does_not_satisfy_is_not_offered(
    tmp_path: Path, files: dict[str, str]
) -> None:
    doc = suggest(project(tmp_path, dict(files)), node_images=SANDBOX)
    assert not any(s.get("sandboxImage") for s in doc["suggestions"])


# ---- versions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "inside", "outside"),
    [
        ("^20.11", [(20, 11, 0), (20, 99, 1)], [(20, 10, 9), (21, 0, 0)]),
        ("~1.2.3", [(1, 2, 9)], [(1, 3, 0)]),
        (">=3.10,<3.13", [(3, 10, 0), (3, 12, 7)], [(3, 9, 9), (3, 13, 0)]),
        ("~=3.11", [(3, 11, 0), (3, 14, 0)], [(4, 0, 0), (3, 10, 0)]),
        ("~> 3.2.1", [(3, 2, 5)], [(3, 3, 0)]),
        ("==3.11.*", [(3, 11, 4)], [(3, 12, 0)]),
        (">=3.8, !=3.9.*", [(3, 8, 1), (3, 10, 0)], [(3, 9, 2)]),
        ("14.10.3 || 18.x", [(14, 10, 3), (18, 5, 0)], [(16, 0, 0)]),
        ("1.2.3 - 2.3", [(2, 3, 9)], [(2, 4, 0), (1, 2, 2)]),
        ("^0.2.3", [(0, 2, 9)], [(0, 3, 0)]),
        (">1.2", [(1, 3, 0)], [(1, 2, 9)]),
        ("*", [(0, 0, 1)], []),
    ],
)
def test_ranges(
    spec: str, inside: list[tuple[int, int, int]], outside: list[tuple[int, int, int]]
) -> None:
    rng = parse_range(spec)
    assert all(rng.allows(v) for v in inside), spec
    assert not any(rng.allows(v) for v in outside), spec


def test_requests() -> None:
    assert parse_request("node", "v20.11.0").kind == "exact"
    assert parse_request("node", "lts/*").kind == "alias"
    assert parse_request("python", "3.12").kind == "partial"
    assert parse_request("java", "21.0.2+13").build == 13
    assert parse_request("java", "1.8").nums == (8,)
    assert parse_request("gradle", "8.5").kind == "exact"
    assert parse_request("go", "1.22", "floor").kind == "floor"
    for unpinned in ("latest", "system", "ref:main", "path:/x"):
        with pytest.raises(Unpinned):
            parse_request("node", unpinned)
    for bad in ("hello", "3.x.y.z", ">= banana", "20;18"):
        with pytest.raises(BadVersion):
            parse_request("node", bad)


# ---- the JSON -----------------------------------------------------------------------------


def test_the_report_json_shape(tmp_path: Path) -> None:
    doc = suggest(
        project(tmp_path, {".nvmrc": "20\n", "package.json": '{"engines":{"node":">=21"}}'})
    )
    json.dumps(doc)  # serialisable as it is
    assert doc["path"] == str(tmp_path.resolve())
    s = doc["suggestions"][0]
    assert set(s) == {
        "image", "runtime", "version", "exact", "reasons", "warnings", "directory",
        "strength", "derivedFrom", "agreeing", "disagreeing",
    }  # fmt: skip
    assert set(doc["conflicts"][0]) == {"runtime", "directory", "message", "reasons"}
    assert doc["filesRead"] == 2 and doc["complete"] is True


def test_the_walk_is_bounded(tmp_path: Path) -> None:
    from tui.core.imagesuggest.readers import wanted
    from tui.core.imagesuggest.walk import walk

    root = project(tmp_path, {f"d{i}/f{j}.txt": "x" for i in range(20) for j in range(20)})
    project(root, {"a/b/c/d/.nvmrc": "20\n"})
    result = walk(root, wanted, max_entries=50)
    assert not result.complete and any("stopped after 50 entries" in w for w in result.warnings)
    assert walk(root, wanted, max_depth=3).files == []  # .nvmrc is 4 directories down
    assert [f.rel for f in walk(root, wanted).files] == ["a/b/c/d/.nvmrc"]
