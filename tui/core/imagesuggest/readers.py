"""Which reader reads which file, the directory each file speaks for, and reading a file
safely (size limit, text check, never outside the project)."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable
from pathlib import Path

from tui.core.imagesuggest import dockerfile, golang, jvm, misc, node, python, ruby, rust
from tui.core.imagesuggest.sources import MAX_FILE_BYTES, FileContext
from tui.core.imagesuggest.walk import inside

Reader = Callable[[FileContext], None]

BY_NAME: dict[str, Reader] = {
    "mise.toml": misc.read_mise_toml,
    ".mise.toml": misc.read_mise_toml,
    "mise.lock": misc.read_mise_lock,
    ".tool-versions": misc.read_tool_versions,
    ".terraform-version": misc.read_terraform_version,
    ".deno-version": misc.read_deno_version,
    ".dvmrc": misc.read_deno_version,
    ".bun-version": misc.read_bun_version,
    ".nvmrc": node.read_nvmrc,
    ".node-version": node.read_node_version,
    "package.json": node.read_package_json,
    ".python-version": python.read_python_version,
    "runtime.txt": python.read_runtime_txt,
    "pyproject.toml": python.read_pyproject,
    ".ruby-version": ruby.read_ruby_version,
    "Gemfile": ruby.read_gemfile,
    "gems.rb": ruby.read_gemfile,
    "Gemfile.lock": ruby.read_gemfile_lock,
    "gems.locked": ruby.read_gemfile_lock,
    "go.mod": golang.read_go_mod,
    ".go-version": golang.read_go_version,
    "rust-toolchain": rust.read_rust_toolchain,
    "rust-toolchain.toml": rust.read_rust_toolchain,
    "Cargo.toml": rust.read_cargo_toml,
    "pom.xml": jvm.read_pom,
    "build.gradle": jvm.read_gradle,
    "build.gradle.kts": jvm.read_gradle,
    ".java-version": jvm.read_java_version,
    ".sdkmanrc": jvm.read_sdkmanrc,
    "maven-wrapper.properties": jvm.read_wrapper_properties,
    "gradle-wrapper.properties": jvm.read_wrapper_properties,
    "config.toml": misc.read_mise_toml,  # only under mise/, .mise/, .config/mise/
}
#: files that live in a subdirectory of the directory they speak for: suffix → levels up
NESTED = {
    "mise/config.toml": 1,
    ".mise/config.toml": 1,
    ".config/mise.toml": 1,
    ".config/mise/config.toml": 2,
    ".config/mise/mise.toml": 2,
    ".mvn/wrapper/maven-wrapper.properties": 2,
    "gradle/wrapper/gradle-wrapper.properties": 2,
}
#: read only in one of these places (the name alone says too little)
ONLY_NESTED = {"config.toml", "maven-wrapper.properties", "gradle-wrapper.properties"}
#: directories that only hold a Dockerfile for the project above them
HELPER_DIRS = frozenset(
    {"docker", ".docker", "build", "deploy", "deployment", "ci", ".ci", "containers",
     "dockerfiles", "container", "images", ".github", "ops", "infra"}
)  # fmt: skip


def wanted(name: str) -> bool:
    return name in BY_NAME or dockerfile.is_dockerfile(name)


def reader_for(rel: str) -> Reader | None:
    name = rel.rsplit("/", 1)[-1]
    if name in ONLY_NESTED and not any(_nested(rel, suffix) for suffix in NESTED):
        return None
    reader = BY_NAME.get(name)
    if reader is None and dockerfile.is_dockerfile(name):
        return dockerfile.read_dockerfile
    return reader


def _nested(rel: str, suffix: str) -> bool:
    return rel == suffix or rel.endswith("/" + suffix)


def owner(rel: str) -> str:
    """The directory a file speaks for, relative to the root ('' for the root)."""
    directory = posixpath.dirname(rel)
    for suffix, up in NESTED.items():
        if _nested(rel, suffix):
            for _ in range(up):
                directory = posixpath.dirname(directory)
            break
    return directory


def decode(data: bytes) -> tuple[str | None, str]:
    """Text of a version file, or (None, why not)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, "UTF-16 text; save it as UTF-8"
    if b"\x00" in data[:8192]:
        return None, "a binary file"
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        return None, "not UTF-8 text"


def read_other(ctx: FileContext, relative: str) -> tuple[str, str] | None:
    """Another file of the project, relative to ``ctx``'s file: its root-relative path and
    text; None (with a warning when it exists) if it leaves the project, is too big or is
    not text."""
    base = ctx.path.parent
    target = Path(os.path.normpath(base / relative))
    real = os.path.realpath(target)
    if not inside(str(ctx.root), real):
        if os.path.exists(target):
            ctx.warn(f"{relative!r} is outside the project; not read")
        return None
    try:
        if os.path.getsize(real) > MAX_FILE_BYTES:
            ctx.warn(f"{relative!r} is over the 1 MiB limit; not read")
            return None
        with open(real, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError:
        return None
    text, why = decode(data)
    if text is None:
        ctx.warn(f"{relative!r}: {why}; not read")
        return None
    rel = Path(os.path.relpath(target, ctx.root)).as_posix()
    return rel, text
