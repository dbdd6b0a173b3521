"""A listed object as YAML, the way ``kubectl get -o yaml`` shows it."""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["resource_yaml"]


def resource_yaml(obj: dict[str, Any], *, api_version: str, kind: str) -> str:
    """``obj`` (raw JSON from a list or watch) as YAML, ``apiVersion`` and ``kind`` first.

    Items of a list carry neither, so they are put back; ``managedFields`` (server-side apply
    bookkeeping, often longer than the object) is left out. Keys keep the server's order.
    """
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k != "managedFields"}
    header = {"apiVersion": api_version, "kind": kind}
    return yaml.safe_dump({**header, **obj, "metadata": meta}, sort_keys=False)
