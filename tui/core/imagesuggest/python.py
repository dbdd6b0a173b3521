"""Python: ``.python-version``, ``runtime.txt``, ``pyproject.toml``.

* ``.python-version`` (pyenv, uv): one version per line, the first is used; ``system`` is
  unpinned; ``3.12.1/envs/name`` (a pyenv virtualenv) reads as ``3.12.1``; ``3.13t``
  (free-threaded) as ``3.13`` with a warning; other interpreters (``pypy3.10-…``) have no
  official ``python`` image.
* ``runtime.txt``: ``python-3.12.1`` (Heroku's deprecated form).
* ``pyproject.toml``: ``[project] requires-python`` (PEP 440) and Poetry's
  ``[tool.poetry.dependencies] python`` are ranges (floors).
"""

from __future__ import annotations

import re

from tui.core.imagesuggest.sources import FileContext, Strength, find_line, short, value_lines

_INTERPRETER = re.compile(
    r"^(pypy|miniconda|anaconda|mambaforge|miniforge|graalpy|jython|ironpython|stackless|pyston)",
    re.I,
)


def read_python_version(ctx: FileContext) -> None:
    lines = value_lines(ctx.text)
    if not lines:
        ctx.warn("no version; file ignored")
        return
    n, value = lines[0]
    if " " in value:
        ctx.warn(f"not a version: {short(value)} (file ignored)", n)
        return
    notes: tuple[str, ...] = ()
    if "/envs/" in value:  # pyenv-virtualenv: "3.12.1/envs/project"
        value = value.split("/envs/", 1)[0]
    if _INTERPRETER.match(value):
        ctx.warn(f"{short(value)}: this interpreter has no official python image; file ignored", n)
        return
    m = re.fullmatch(r"(\d+\.\d+(?:\.\d+)?)t", value)
    if m:
        value = m.group(1)
        notes = (f"{short(lines[0][1])} asks for a free-threaded build; python images are not",)
    if len(lines) > 1:
        notes += (f"{ctx.rel} lists {len(lines)} versions; the first one is used",)
    ctx.add("python", value, Strength.PIN, n, lines[0][1], precedence=2, notes=notes)


def read_runtime_txt(ctx: FileContext) -> None:
    lines = value_lines(ctx.text)
    if len(lines) != 1:
        ctx.warn("expected one line like python-3.12.1; file ignored")
        return
    n, value = lines[0]
    m = re.fullmatch(r"python-(\d+\.\d+(?:\.\d+)?)", value)
    if m is None:
        ctx.warn(f"{short(value)} is not python-X.Y[.Z]; file ignored", n)
        return
    ctx.add("python", m.group(1), Strength.PIN, n, value, precedence=1)


def read_pyproject(ctx: FileContext) -> None:
    doc = ctx.toml()
    if doc is None:
        return
    found = False
    project = doc.get("project")
    if isinstance(project, dict):
        value = project.get("requires-python")
        if isinstance(value, str):
            line = find_line(ctx.text, r"^\s*\[project\]", r"^\s*requires-python\s*=")
            shown = f"requires-python: {value}"
            ctx.add("python", value, Strength.FLOOR, line, shown, grammar="range")
            found = True
        elif value is not None:
            ctx.warn("requires-python is not a string; ignored")
    tool = doc.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    deps = poetry.get("dependencies") if isinstance(poetry, dict) else None
    if isinstance(deps, dict) and "python" in deps:
        value = deps["python"]
        if isinstance(value, dict):
            value = value.get("version")
        if isinstance(value, str):
            line = find_line(ctx.text, r"^\s*\[tool\.poetry\.dependencies\]", r"^\s*python\s*=")
            shown = f"tool.poetry.dependencies.python: {value}"
            ctx.add("python", value, Strength.FLOOR, line, shown, grammar="range")
            found = True
    if not found and (isinstance(project, dict) or isinstance(poetry, dict)):
        shown = "pyproject.toml (no python version)"
        ctx.add("python", "*", Strength.DEFAULT, 1, shown, grammar="default")
