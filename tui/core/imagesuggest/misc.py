"""Tool-version files for several runtimes: mise's ``mise.toml`` family and ``mise.lock``,
asdf's ``.tool-versions``, and ``.terraform-version``, ``.deno-version``, ``.bun-version``.

* ``mise.toml`` (also ``.mise.toml``, ``mise/config.toml``, ``.mise/config.toml``,
  ``.config/mise.toml``, ``.config/mise/config.toml``): ``[tools]`` values are a string, an
  array (the first is the default) or a table with ``version``; backend prefixes
  (``core:node``, ``aqua:hashicorp/terraform``) are dropped. In one directory mise's order
  applies: ``.mise.toml`` > ``mise.toml`` > ``mise/config.toml`` > ``.config/mise.toml`` >
  ``.tool-versions`` > the language's own files.
* ``mise.lock``: ``[[tools.node]] version = "20.11.0"``: the exact version mise installs
  (enforced).
* ``.tool-versions``: ``tool v1 [v2 …]`` per line, ``#`` comments, a trailing ``:`` after
  the tool tolerated, a repeated tool replaces the earlier line; the first version is used.
"""

from __future__ import annotations

import re
from typing import Any

from tui.core.imagesuggest.jvm import java_value, vendor_notes
from tui.core.imagesuggest.sources import FileContext, Strength, find_line, value_lines
from tui.core.imagesuggest.tags import TOOL_RUNTIME

#: tools that are no runtime image of their own (they ride along with one that is)
_COMPANIONS = frozenset({"erlang", "npm", "pnpm", "yarn", "pipx", "uv", "poetry", "corepack"})

MISE_PRECEDENCE = {
    ".mise.toml": 14,
    "mise.toml": 13,
    "mise/config.toml": 12,
    ".mise/config.toml": 12,
    ".config/mise.toml": 11,
    ".config/mise/config.toml": 10,
    ".config/mise/mise.toml": 10,
}
TOOL_VERSIONS_PRECEDENCE = 5


def _tool(name: str) -> str:
    """``core:node`` → ``node``; ``aqua:hashicorp/terraform`` → ``terraform``;
    ``asdf:nodejs`` → ``nodejs``."""
    return re.split(r"[:/]", name)[-1].lower()


def mise_precedence(rel: str) -> int:
    for suffix, prec in MISE_PRECEDENCE.items():
        if rel == suffix or rel.endswith("/" + suffix):
            return prec
    return 10


def _add_tool(
    ctx: FileContext,
    tool: str,
    raw: str,
    strength: Strength,
    line: int,
    shown: str,
    precedence: int,
) -> bool:
    """One tool's version; False when the tool has no image."""
    runtime = TOOL_RUNTIME.get(tool)
    if runtime is None:
        return False
    value, variant = raw, None
    notes: tuple[str, ...] = ()
    if runtime == "java":
        value, vendor = java_value(raw)
        notes = vendor_notes(vendor)
    elif runtime == "elixir":  # "1.16.3-otp-26": the OTP release is the tag's variant
        m = re.fullmatch(r"(\S+?)-otp-(\d+)", raw)
        if m:
            value, variant = m.group(1), f"-otp-{m.group(2)}"
    ctx.add(
        runtime, value, strength, line, shown, precedence=precedence, variant=variant, notes=notes
    )
    return True


def _ignored(ctx: FileContext, tools: list[str]) -> None:
    unknown = sorted({t for t in tools if t not in _COMPANIONS})
    if unknown:
        ctx.warn(f"no image for {', '.join(unknown)}; ignored")


def read_mise_toml(ctx: FileContext) -> None:
    doc = ctx.toml()
    if doc is None:
        return
    tools = doc.get("tools")
    if tools is None:
        return
    if not isinstance(tools, dict):
        ctx.warn("[tools] is not a table; ignored")
        return
    prec = mise_precedence(ctx.rel)
    unknown = []
    for key, value in tools.items():
        version = _mise_value(value)
        tool = _tool(key)
        line = find_line(ctx.text, r"^\s*\[tools\]", rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        if version is None:
            ctx.warn(f"tools.{key}: no version string; ignored", line)
            continue
        if not _add_tool(ctx, tool, version, Strength.PIN, line, f"{key} = {version}", prec):
            unknown.append(tool)
    _ignored(ctx, unknown)


def _mise_value(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("version")
    return value if isinstance(value, str) and value.strip() else None


def read_mise_lock(ctx: FileContext) -> None:
    doc = ctx.toml()
    if doc is None:
        return
    tools = doc.get("tools")
    if not isinstance(tools, dict):
        return
    for key, value in tools.items():
        entries = value if isinstance(value, list) else [value]
        first = entries[0] if entries and isinstance(entries[0], dict) else None
        version = first.get("version") if first else None
        if not isinstance(version, str):
            continue
        line = find_line(
            ctx.text, rf"^\s*\[\[?tools\.[\"']?{re.escape(key)}[\"']?\]\]?", r"^\s*version\s*="
        )
        _add_tool(ctx, _tool(key), version, Strength.ENFORCED, line, f"{key} {version}", 0)


def read_tool_versions(ctx: FileContext) -> None:
    latest: dict[str, tuple[int, str, str]] = {}
    for n, line in value_lines(ctx.text):
        parts = line.split()
        tool = parts[0].rstrip(":").lower()
        if len(parts) < 2:
            ctx.warn(f"{tool}: no version; line ignored", n)
            continue
        latest[_tool(tool)] = (n, parts[1], line)  # a repeated tool replaces the earlier line
    unknown = []
    for tool, (n, version, line) in latest.items():
        if not _add_tool(ctx, tool, version, Strength.PIN, n, line, TOOL_VERSIONS_PRECEDENCE):
            unknown.append(tool)
    _ignored(ctx, unknown)


def _single(ctx: FileContext, runtime: str, *, strip: str = "v") -> None:
    lines = value_lines(ctx.text)
    if len(lines) != 1 or " " in lines[0][1]:
        what = "no version" if not lines else "more than one value"
        ctx.warn(f"{what}; one version expected (file ignored)")
        return
    n, raw = lines[0]
    ctx.add(runtime, raw.removeprefix(strip) if strip else raw, Strength.PIN, n, raw, precedence=1)


def read_terraform_version(ctx: FileContext) -> None:
    _single(ctx, "terraform")


def read_deno_version(ctx: FileContext) -> None:
    _single(ctx, "deno")


def read_bun_version(ctx: FileContext) -> None:
    _single(ctx, "bun")
