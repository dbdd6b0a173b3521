"""Rust: ``rust-toolchain.toml`` / ``rust-toolchain`` and ``Cargo.toml``.

The toolchain file is what rustup installs (enforced): ``[toolchain] channel = "1.75.0"``,
or the legacy one-line ``rust-toolchain``. ``stable`` resolves to the newest release in
the data; ``beta`` and ``nightly…`` have no official image. ``rust-version`` in Cargo.toml
is the minimum supported Rust (a floor), ``rust-version.workspace = true`` taken from the
workspace's ``[workspace.package]``.
"""

from __future__ import annotations

import tomllib
from typing import Any

from tui.core.imagesuggest.sources import FileContext, Strength, find_line, value_lines


def read_rust_toolchain(ctx: FileContext) -> None:
    text = ctx.text
    if "[toolchain]" in text or ctx.rel.endswith(".toml"):
        doc = ctx.toml()
        if doc is None:
            return
        toolchain = doc.get("toolchain")
        channel = toolchain.get("channel") if isinstance(toolchain, dict) else None
        if channel is None and isinstance(toolchain, dict):
            channel = toolchain.get("version")  # the deprecated spelling
        if not isinstance(channel, str) or not channel.strip():
            ctx.warn("no [toolchain] channel; file ignored")
            return
        line = find_line(text, r"^\s*\[toolchain\]", r"^\s*(channel|version)\s*=")
        ctx.add("rust", channel, Strength.ENFORCED, line, f"channel = {channel}")
        return
    lines = value_lines(text)
    if len(lines) != 1 or " " in lines[0][1]:
        ctx.warn("one toolchain channel expected; file ignored")
        return
    n, value = lines[0]
    ctx.add("rust", value, Strength.ENFORCED, n, value)


def read_cargo_toml(ctx: FileContext) -> None:
    doc = ctx.toml()
    if doc is None:
        return
    package = doc.get("package")
    workspace = doc.get("workspace")
    wpackage = workspace.get("package") if isinstance(workspace, dict) else None
    if isinstance(package, dict):
        value = package.get("rust-version")
        if isinstance(value, str):
            line = find_line(ctx.text, r"^\s*\[package\]", r"^\s*rust-version\s*=")
            shown = f"rust-version = {value}"
            ctx.add("rust", value, Strength.FLOOR, line, shown, grammar="floor")
            return
        if isinstance(value, dict) and value.get("workspace") is True:
            if _from_workspace(ctx, wpackage):
                return
        elif value is not None:
            ctx.warn("rust-version is not a string; ignored")
    elif isinstance(wpackage, dict) and isinstance(wpackage.get("rust-version"), str):
        value = wpackage["rust-version"]
        line = find_line(ctx.text, r"^\s*\[workspace\.package\]", r"^\s*rust-version\s*=")
        ctx.add("rust", value, Strength.FLOOR, line, f"rust-version = {value}", grammar="floor")
        return
    if isinstance(package, dict):
        shown = "Cargo.toml (no rust-version)"
        ctx.add("rust", "*", Strength.DEFAULT, 1, shown, grammar="default")


def _from_workspace(ctx: FileContext, here: Any) -> bool:
    """``rust-version.workspace = true``: the nearest ``[workspace.package] rust-version``
    (this file, then the Cargo.toml files above it inside the project)."""
    if isinstance(here, dict) and isinstance(here.get("rust-version"), str):
        line = find_line(ctx.text, r"^\s*\[workspace\.package\]", r"^\s*rust-version\s*=")
        value = here["rust-version"]
        ctx.add("rust", value, Strength.FLOOR, line, f"rust-version = {value}", grammar="floor")
        return True
    here_dir = ctx.path.parent
    for depth, parent in enumerate(here_dir.parents, 1):
        if parent != ctx.root and ctx.root not in parent.parents:
            return False  # above the project
        other = ctx.other("../" * depth + "Cargo.toml")
        if other is None:
            continue
        rel, text = other
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return False
        ws = doc.get("workspace")
        wp = ws.get("package") if isinstance(ws, dict) else None
        if isinstance(wp, dict) and isinstance(wp.get("rust-version"), str):
            value = wp["rust-version"]
            line = find_line(text, r"^\s*\[workspace\.package\]", r"^\s*rust-version\s*=")
            shown = f"rust-version = {value} (workspace of {ctx.rel})"
            ctx.add("rust", value, Strength.FLOOR, line, shown, file=rel, grammar="floor")
            return True
    return False
