"""Ages the way kubectl prints them (AGE columns, describe's events): one formatter for both
faces, following apimachinery's duration.HumanDuration (~2-3 significant figures)."""

from __future__ import annotations

import datetime as dt
from typing import Any

__all__ = ["format_age", "parse_timestamp"]

_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR


def format_age(seconds: float) -> str:
    """``90s``, ``5m10s``, ``42m``, ``5h10m``, ``20h``, ``3d5h``, ``40d``, ``3y20d``, ``9y``.

    Like kubectl, a clock skew of up to two seconds into the future reads ``0s``; more than
    that is ``<invalid>``.
    """
    whole = int(seconds)  # truncates toward zero, as Go's int(d.Seconds()) does
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 2 * _MINUTE:
        return f"{whole}s"
    minutes = whole // _MINUTE
    if minutes < 10:
        s = whole % _MINUTE
        return f"{minutes}m{s}s" if s else f"{minutes}m"
    if minutes < 3 * 60:
        return f"{minutes}m"
    hours = whole // _HOUR
    if hours < 8:
        m = minutes % 60
        return f"{hours}h{m}m" if m else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d{h}h" if h else f"{hours // 24}d"
    days = hours // 24
    if hours < 24 * 365 * 2:
        return f"{days}d"
    if hours < 24 * 365 * 8:
        d = days % 365
        return f"{days // 365}y{d}d" if d else f"{days // 365}y"
    return f"{days // 365}y"


def parse_timestamp(ts: Any) -> dt.datetime | None:
    """An RFC 3339 time as the apiserver writes it (``2026-12-04T12:00:00Z``); None when
    absent or unreadable."""
    if not ts or not isinstance(ts, str):
        return None
    try:
        return dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return None
