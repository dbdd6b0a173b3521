"""Go: ``go.mod`` and ``.go-version``.

``toolchain go1.22.5`` is the toolchain the module is developed with (a pin) and wins over
``go 1.22`` (the minimum Go version, a floor: golang images set ``GOTOOLCHAIN=local``, so
the image must be at least that). ``.go-version`` holds one version.
"""

from __future__ import annotations

import re

from tui.core.imagesuggest.sources import FileContext, Strength, line_of, short, value_lines

_DIRECTIVE = re.compile(r"^[ \t]*(go|toolchain)[ \t]+(\S+)[ \t]*(?://.*)?$", re.MULTILINE)


def read_go_mod(ctx: FileContext) -> None:
    seen: set[str] = set()
    for m in _DIRECTIVE.finditer(ctx.text):
        word, value = m.group(1), m.group(2)
        line = line_of(ctx.text, m.start(2))
        if word in seen:
            ctx.warn(f"a second {word} directive; ignored", line)
            continue
        seen.add(word)
        if word == "go":
            if not re.fullmatch(r"\d+\.\d+(\.\d+)?((rc|beta)\d+)?", value):
                ctx.warn(f"go {short(value)} is not a Go version; ignored", line)
                continue
            ctx.add("go", value, Strength.FLOOR, line, f"go {value}", grammar="floor")
        else:
            v = re.fullmatch(r"go(\d+\.\d+(?:\.\d+)?)", value)
            if value == "default":
                continue
            if v is None:
                ctx.warn(f"toolchain {short(value)} is not goX.Y.Z; ignored", line)
                continue
            ctx.add("go", v.group(1), Strength.PIN, line, f"toolchain {value}", precedence=2)
    if "go" not in seen and re.search(r"^\s*module\s", ctx.text, re.MULTILINE) is None:
        ctx.warn("no module or go directive: not a go.mod file?")


def read_go_version(ctx: FileContext) -> None:
    lines = value_lines(ctx.text)
    if len(lines) != 1 or " " in lines[0][1]:
        ctx.warn("one version expected; file ignored")
        return
    n, value = lines[0]
    ctx.add("go", value.removeprefix("go"), Strength.PIN, n, value, precedence=1)
