"""pydantic validation errors as problems a person can act on: one per field, named as the
JSON (or settings file) names it, pydantic's "Value error, " prefix dropped.

Every face words them the same way: REST's 422 body, the wizard's and the Settings screen's
hints under a field, and the CLI's "settings.yaml has invalid settings: …".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

_UNION_TAG = re.compile(r"^[\w-]+\[.*\]$|^\[key\]$")  # pydantic's union/key markers


def problems(
    exc: ValidationError | Sequence[Any],
    *,
    strip: tuple[str, ...] = (),
    unknown: str = "unknown field",
    whole: str = "(body)",
) -> list[dict[str, str]]:
    """``[{"field": "ports.0.port", "reason": "..."}]``, first problem of each field.

    Takes a ValidationError or its ``errors()`` (FastAPI's too, whose locations start with
    one of ``strip``: "body", "query"). ``unknown`` is the reason for a key the model does not
    have; ``whole`` names a problem of the whole object (a model validator's)."""
    errors = exc.errors() if isinstance(exc, ValidationError) else exc
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        if loc and loc[0] in strip:
            loc = loc[1:]
        field = ".".join(p for p in loc if not _UNION_TAG.match(p)) or whole
        reason = str(err.get("msg", "")).removeprefix("Value error, ")
        if err.get("type") == "extra_forbidden":
            reason = unknown
        elif err.get("type") == "missing":
            reason = "required"
        if field not in seen:
            seen.add(field)
            out.append({"field": field, "reason": reason})
    return out


def summary(found: Sequence[dict[str, str]]) -> str:
    """``field: reason; field: reason`` — the problems on one line."""
    return "; ".join(f"{p['field']}: {p['reason']}" for p in found)
