"""Node (and bun/deno via package.json): ``.nvmrc``, ``.node-version``, ``package.json``.

* ``.nvmrc`` follows nvm's grammar: ``#`` starts a comment anywhere, ``key=value`` lines
  are allowed, exactly one other line must remain (the version: ``v20.11.0``, ``20``,
  ``lts/*``, ``lts/iron``, ``lts/-1``, ``node``); anything else is an invalid file.
* ``.node-version``: one value, ``v`` optional.
* ``package.json``: ``volta.node`` (pin; ``volta.extends`` followed inside the project),
  ``devEngines.runtime`` (object or array; node, bun or deno), ``engines.node`` /
  ``engines.bun`` (ranges), ``packageManager`` (``bun@1.1.38`` pins bun).
"""

from __future__ import annotations

import json
import re
from typing import Any

from tui.core.imagesuggest.sources import FileContext, Strength, find_line, short, value_lines

PRECEDENCE = {"package.json": 3, ".nvmrc": 2, ".node-version": 1}


def read_nvmrc(ctx: FileContext) -> None:
    values = []
    for n, raw in enumerate(ctx.text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "=" in line:  # nvm allows key=value lines beside the version
            key = line.split("=", 1)[0].strip()
            if key == "node" or not key:
                ctx.warn(f"invalid key {short(key)} (nvm refuses this file)", n)
                return
            continue
        values.append((n, line))
    if len(values) != 1:
        what = "no version" if not values else f"{len(values)} version lines"
        ctx.warn(f"{what}; nvm needs exactly one (file ignored)")
        return
    n, value = values[0]
    ctx.add("node", value, Strength.PIN, n, precedence=PRECEDENCE[".nvmrc"])


def read_node_version(ctx: FileContext) -> None:
    values = value_lines(ctx.text)
    if len(values) != 1:
        what = "no version" if not values else f"{len(values)} lines"
        ctx.warn(f"{what}; one version expected (file ignored)")
        return
    n, value = values[0]
    if " " in value:
        ctx.warn(f"not a single version: {short(value)} (file ignored)", n)
        return
    ctx.add("node", value, Strength.PIN, n, precedence=PRECEDENCE[".node-version"])


def read_package_json(ctx: FileContext) -> None:
    try:
        doc = json.loads(ctx.text)
    except ValueError as exc:
        ctx.warn(f"not valid JSON ({exc}); file ignored")
        return
    if not isinstance(doc, dict):
        ctx.warn("not a JSON object; file ignored")
        return
    found = False
    text = ctx.text
    prec = PRECEDENCE["package.json"]

    volta = doc.get("volta")
    if isinstance(volta, dict):
        node = volta.get("node")
        if isinstance(node, str):
            line = find_line(text, r'"volta"\s*:', r'"node"\s*:')
            ctx.add("node", node, Strength.PIN, line, f"volta.node: {node}", precedence=prec)
            found = True
        elif isinstance(volta.get("extends"), str):
            found |= _volta_extends(ctx, volta["extends"])

    dev = doc.get("devEngines")
    runtimes = dev.get("runtime") if isinstance(dev, dict) else None
    entries = runtimes if isinstance(runtimes, list) else [runtimes] if runtimes else []
    for entry in entries:
        if not isinstance(entry, dict):
            ctx.warn("devEngines.runtime entries must be objects; one ignored")
            continue
        name, version = entry.get("name"), entry.get("version")
        if name in ("node", "bun", "deno") and isinstance(version, str):
            line = find_line(text, r'"devEngines"\s*:', rf'"name"\s*:\s*"{name}"')
            ctx.add(
                str(name),
                version,
                Strength.PIN,
                line,
                f"devEngines.runtime {name}: {version}",
                precedence=prec,
            )
            found |= name == "node"

    engines = doc.get("engines")
    if isinstance(engines, dict):
        for name in ("node", "bun"):
            value = engines.get(name)
            if isinstance(value, str):
                line = find_line(text, r'"engines"\s*:', rf'"{name}"\s*:')
                ctx.add(
                    name, value, Strength.FLOOR, line, f"engines.{name}: {value}", grammar="range"
                )
                found |= name == "node"

    manager = doc.get("packageManager")
    if isinstance(manager, str):
        m = re.fullmatch(r"(npm|pnpm|yarn|bun)@([^+\s]+)(\+\S+)?", manager.strip())
        line = find_line(text, r'"packageManager"\s*:')
        if m is None:
            ctx.warn(f"packageManager {short(manager)} is not name@version", line)
        elif m.group(1) == "bun":
            ctx.add("bun", m.group(2), Strength.PIN, line, f"packageManager: {manager}")
            found = True
    if not found:  # a Node project that names no version: the active LTS, derived
        shown = "package.json (no node version)"
        ctx.add("node", "lts", Strength.DEFAULT, 1, shown, grammar="default")


def _volta_extends(ctx: FileContext, relative: str) -> bool:
    other = ctx.other(relative)
    if other is None:
        return False
    rel, text = other
    try:
        doc: Any = json.loads(text)
        node = doc["volta"]["node"]
    except (ValueError, KeyError, TypeError):
        ctx.warn(f"volta.extends {relative!r}: no volta.node there")
        return False
    if not isinstance(node, str):
        return False
    line = find_line(text, r'"volta"\s*:', r'"node"\s*:')
    shown = f"volta.node: {node} (extended by {ctx.rel})"
    ctx.add(
        "node", node, Strength.PIN, line, shown, file=rel, precedence=PRECEDENCE["package.json"]
    )
    return True
