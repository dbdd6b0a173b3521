"""Kubernetes Events read the same way by describe and the pod progress view: when an event
last happened, and the order kubectl lists them in."""

from __future__ import annotations

from typing import Any

from tui.core.age import parse_timestamp

Obj = dict[str, Any]


def event_time(e: Obj) -> str:
    """The latest time the event is known to have happened (core/v1 and events/v1 fields)."""
    return str(
        e.get("lastTimestamp")
        or (e.get("series") or {}).get("lastObservedTime")
        or e.get("eventTime")
        or e.get("firstTimestamp")
        or (e.get("metadata") or {}).get("creationTimestamp")
        or ""
    )


def event_sort_key(e: Obj) -> tuple[float, int]:
    """Oldest first at second resolution (lastTimestamp has no more), ties broken by write
    order (resourceVersion)."""
    t = parse_timestamp(event_time(e))
    rv = str((e.get("metadata") or {}).get("resourceVersion") or "0")
    return (float(int(t.timestamp())) if t else 0.0, int(rv) if rv.isdigit() else 0)
