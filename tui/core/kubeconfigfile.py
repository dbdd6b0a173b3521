"""Reading a kubeconfig file as a kubeconfig before anyone relies on it.

The Kubernetes client hands whatever YAML it finds to code that expects a mapping, so a
path that points at the wrong file (``/etc/hostname``) fails later with a TypeError. This
module says what is wrong with the file instead; it needs only YAML, no client.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from tui.core.errors import PodbayError

SECTIONS = ("clusters", "contexts", "users")


class KubeconfigError(PodbayError):
    """The file cannot serve as a kubeconfig; ``what`` names it and the problem."""

    status = 422


def _fix(path: Path) -> str:
    return (
        f"point the kubeconfig path at a kubeconfig file ('kubectl --kubeconfig {path} config "
        "view' shows what kubectl reads), or clear it to use the default search"
    )


def read(path: Path) -> dict[str, Any]:
    """The file as a mapping whose ``clusters``/``contexts``/``users`` are lists of named
    entries; KubeconfigError naming the file and what is wrong otherwise."""
    try:
        text = path.read_text()
    except FileNotFoundError as exc:
        raise KubeconfigError(f"the kubeconfig {path} does not exist", _fix(path)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "it is not text"
        raise KubeconfigError(f"the kubeconfig {path} cannot be read: {why}", _fix(path)) from exc
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise KubeconfigError(f"{path} is not valid YAML{where}", _fix(path)) from exc
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise KubeconfigError(
            f"{path} is not a kubeconfig: it holds a YAML {type(doc).__name__}, not a mapping "
            "with clusters, contexts and users",
            _fix(path),
        )
    for section in SECTIONS:
        entries = doc.get(section)
        if entries is None:
            continue
        if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("name"), str) for e in entries
        ):
            raise KubeconfigError(
                f"{path} is not a kubeconfig: '{section}' must be a list of entries with a name",
                _fix(path),
            )
    return doc


def check(value: str) -> None:
    """Check every file of a kubeconfig setting (``os.pathsep``-separated, as $KUBECONFIG);
    together they must name at least one context."""
    paths = [Path(p).expanduser() for p in value.split(os.pathsep) if p]
    docs = [read(p) for p in paths]
    if paths and not any(doc.get("contexts") for doc in docs):
        shown = ", ".join(map(str, paths))
        raise KubeconfigError(f"{shown} defines no context", _fix(paths[0]))
