"""Ruby: ``.ruby-version``, ``Gemfile`` / ``gems.rb``, ``Gemfile.lock`` / ``gems.locked``.

* ``.ruby-version``: one value; ``ruby-`` prefix and ``@gemset`` suffix dropped; other
  engines (``jruby-…``, ``truffleruby-…``) have no official ``ruby`` image.
* ``Gemfile``: ``ruby "3.3.0"`` is enforced (Bundler refuses another Ruby);
  ``ruby "~> 3.2"`` / ``ruby ">= 3.0", "< 3.4"`` are ranges; ``ruby file: ".ruby-version"``
  reads that file.
* ``Gemfile.lock``: the ``RUBY VERSION`` section (``ruby 3.4.4p34`` → 3.4.4), the Ruby the
  lock was made with.
"""

from __future__ import annotations

import re

from tui.core.imagesuggest.sources import FileContext, Strength, line_of, short, value_lines

_OTHER_ENGINE = re.compile(r"^(jruby|truffleruby|mruby|rbx|maglev|ree)-?", re.I)
_RUBY_LINE = re.compile(r"^[ \t]*ruby[ \t(]+(.*?)\)?[ \t]*(?:#.*)?$", re.MULTILINE)
_STRING = re.compile(r"""(["'])(.*?)\1""")
_FILE = re.compile(r"""(?:file:|:file\s*=>|File\.read\()\s*(["'])(?P<path>.+?)\1""")


def ruby_value(raw: str) -> str | None:
    """``ruby-3.3.0@gemset`` → ``3.3.0``; None for another engine."""
    value = raw.strip().split("@", 1)[0]
    if _OTHER_ENGINE.match(value):
        return None
    return value.removeprefix("ruby-")


def read_ruby_version(ctx: FileContext, *, via: str = "") -> None:
    lines = value_lines(ctx.text)
    if len(lines) != 1:
        what = "no version" if not lines else f"{len(lines)} lines"
        ctx.warn(f"{what}; one version expected (file ignored)")
        return
    n, raw = lines[0]
    value = ruby_value(raw)
    if value is None:
        ctx.warn(f"{short(raw)}: this Ruby engine has no official ruby image; file ignored", n)
        return
    if " " in value:
        ctx.warn(f"not a version: {short(raw)} (file ignored)", n)
        return
    ctx.add("ruby", value, Strength.PIN, n, raw, precedence=1)


def read_gemfile(ctx: FileContext) -> None:
    for m in _RUBY_LINE.finditer(ctx.text):
        args = m.group(1)
        line = line_of(ctx.text, m.start(1))
        ref = _FILE.search(args)
        if ref:
            _ruby_file(ctx, ref.group("path"), line)
            return
        requirements = [s.group(2) for s in _STRING.finditer(args.split("engine", 1)[0])]
        if not requirements:
            ctx.warn(f"ruby directive without a version: {short(args.strip())}", line)
            return
        value = ", ".join(requirements)
        shown = f"ruby {value}"
        if re.fullmatch(r"\d+\.\d+\.\d+", value):
            ctx.add("ruby", value, Strength.ENFORCED, line, shown)
        else:
            ctx.add("ruby", value, Strength.FLOOR, line, shown, grammar="range")
        return
    ctx.add("ruby", "*", Strength.DEFAULT, 1, f"{ctx.rel} (no ruby version)", grammar="default")


def _ruby_file(ctx: FileContext, relative: str, line: int) -> None:
    other = ctx.other(relative)
    if other is None:
        ctx.warn(f"ruby file: {relative!r} cannot be read", line)
        return
    rel, text = other
    lines = value_lines(text)
    value = ruby_value(lines[0][1]) if len(lines) == 1 else None
    if value is None or " " in value:
        ctx.warn(f"ruby file: {relative!r} holds no single Ruby version", line)
        return
    shown = f"{lines[0][1]} (Gemfile: ruby file: {relative})"
    ctx.add("ruby", value, Strength.ENFORCED, lines[0][0], shown, file=rel)


def read_gemfile_lock(ctx: FileContext) -> None:
    m = re.search(r"^RUBY VERSION\r?\n[ \t]+ruby[ \t]+(\S+)", ctx.text, re.MULTILINE)
    if m is None:
        return  # older locks have no RUBY VERSION section
    raw = m.group(1)
    v = re.fullmatch(r"(\d+\.\d+\.\d+)(?:p\d+)?", raw)
    line = line_of(ctx.text, m.start(1))
    if v is None:
        ctx.warn(f"RUBY VERSION {short(raw)} is not X.Y.Z[pN]; ignored", line)
        return
    ctx.add("ruby", v.group(1), Strength.ENFORCED, line, f"RUBY VERSION ruby {raw}")
