"""What the creation wizard shows before it creates: a proposed name, the manifest as YAML,
and YAML a person edited read back and checked with the same rules as a request.

Edited YAML may add fields the forms do not have (tolerations, nodeSelector, probes); what
the forms' rules cover is checked the same way (names, labels, images, env names), the
policy is applied by the collection (namespace allow-list, hostPath prefixes, the
managed-by label), and the apiserver's dry run judges the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import yaml

from tui.core import validation as v
from tui.core.errors import PodbayError
from tui.core.kinds import KINDS


class DraftError(PodbayError):
    """Edited YAML that cannot be created; ``problems`` name the field and the reason."""

    status = 422

    def __init__(self, problems: list[dict[str, str]]) -> None:
        summary = "; ".join(f"{p['field']}: {p['reason']}" for p in problems)
        super().__init__(f"the YAML cannot be created: {summary}", "fix it and try again")
        self.problems = problems


def slug(text: str, fallback: str = "pod") -> str:
    """A DNS label made from ``text`` (a directory name): lower case, '-' for the rest."""
    s = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
    s = re.sub(r"-{2,}", "-", s)[:50].strip("-")
    return s if s and s[0].isalnum() else fallback


def propose_name(base: str, taken: Iterable[str]) -> str:
    """``base-1``, ``base-2``, …: the first that ``taken`` (the names in the namespace)
    does not hold."""
    used = set(taken)
    n = 1
    while f"{base}-{n}" in used:
        n += 1
    return f"{base}-{n}"


def to_yaml(manifest: dict[str, Any]) -> str:
    return yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True)


def read_yaml(plural: str, text: str) -> dict[str, Any]:
    """The edited manifest, or DraftError naming each problem (the YAML line for a syntax
    error; the field for a rule)."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(YAML)"
        problem = str(getattr(exc, "problem", None) or exc)
        raise DraftError([{"field": where, "reason": f"not valid YAML: {problem}"}]) from exc
    if not isinstance(doc, dict):
        raise DraftError([{"field": "(document)", "reason": "must be one YAML mapping"}])
    kind = KINDS[plural]
    problems: list[dict[str, str]] = []

    def check(field: str, rule: Callable[[Any], Any], value: Any) -> None:
        try:
            rule(value)
        except (ValueError, TypeError, AttributeError) as exc:
            problems.append({"field": field, "reason": str(exc)})

    if (doc.get("apiVersion"), doc.get("kind")) != (kind.api_version, kind.kind):
        problems.append(
            {"field": "kind", "reason": f"this wizard creates a {kind.kind} ({kind.api_version})"}
        )
    metadata = doc.get("metadata")
    if not isinstance(metadata, dict):
        raise DraftError([*problems, {"field": "metadata", "reason": "required"}])
    check("metadata.name", kind.name_rule, str(metadata.get("name") or ""))
    check("metadata.labels", v.labels, metadata.get("labels") or {})
    if plural == "pods":
        containers = (doc.get("spec") or {}).get("containers")
        if not isinstance(containers, list) or not containers:
            problems.append({"field": "spec.containers", "reason": "at least one container"})
        for i, c in enumerate(containers if isinstance(containers, list) else []):
            c = c if isinstance(c, dict) else {}
            check(f"spec.containers.{i}.image", v.image_ref, str(c.get("image") or ""))
            for j, env in enumerate(c.get("env") or []):
                name = env.get("name") if isinstance(env, dict) else None
                check(f"spec.containers.{i}.env.{j}.name", v.env_name, str(name or ""))
    if problems:
        raise DraftError(problems)
    return doc
