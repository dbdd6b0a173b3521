"""Label selectors evaluated locally (the protect rule must hold without trusting a server
filter): ``k=v``, ``k==v``, ``k!=v``, ``k``, ``!k``, ``k in (a,b)``, ``k notin (a,b)``."""

from __future__ import annotations

import re
from collections.abc import Callable

Requirement = Callable[[dict[str, str]], bool]
_SET = re.compile(r"^\s*([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")


def _split(selector: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def _requirement(term: str) -> Requirement:
    m = _SET.match(term)
    if m:
        key, op, values = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",")}
        if op == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if "!=" in term:
        key, value = (s.strip() for s in term.split("!=", 1))
        return lambda labels: labels.get(key) != value
    if "=" in term:
        key, value = (s.strip() for s in term.replace("==", "=").split("=", 1))
        return lambda labels: labels.get(key) == value
    if term.startswith("!"):
        key = term[1:].strip()
        return lambda labels: key not in labels
    if re.fullmatch(r"[^\s!=()]+", term):
        return lambda labels: term in labels
    raise ValueError(f"{term!r} is not a label selector term (e.g. app=web, tier!=db, env)")


def compile_selector(selector: str) -> Requirement:
    """A predicate over a labels dict; an empty selector matches nothing (never everything)."""
    reqs = [_requirement(t) for t in _split(selector)]
    if not reqs:
        return lambda labels: False
    return lambda labels: all(r(labels) for r in reqs)
