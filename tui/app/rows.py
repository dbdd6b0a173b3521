"""What each resource list shows: columns like kubectl's, and one row per raw object.

Rows are plain data built from the watch cache's raw JSON (no Textual here), so the table
widget only lays them out. The AGE cell is computed when a line is drawn, from ``created``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tui.core.age import format_age
from tui.core.ingresses import summarize as summarize_ingress
from tui.core.pods import summarize as summarize_pod
from tui.core.services import summarize as summarize_service

AGE = "AGE"


@dataclass(frozen=True)
class Column:
    title: str
    width: int = 0  # 0: as wide as the content (up to ``cap``)
    cap: int = 40
    flex: bool = False  # takes the width left over
    priority: int = 0  # higher is dropped first on narrow terminals
    numeric: bool = False


@dataclass(slots=True)
class Row:
    key: str  # the object's UID
    name: str
    cells: tuple[str, ...]  # one per column; the AGE cell is filled in when drawn
    created: float  # epoch seconds
    tone: str = ""  # ok | warn | bad | done | "" (colours the row)
    labels: dict[str, str] = field(default_factory=dict)
    restarts: int = 0


def _epoch(ts: str) -> float:
    if not ts:
        return 0.0
    return dt.datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()


def age_text(created: float, now: float) -> str:
    return format_age(now - created) if created else "<unknown>"


# ---- pods ----------------------------------------------------------------------------
POD_COLUMNS = (
    Column("NAME", flex=True, cap=60),
    Column("READY", width=5),
    Column("STATUS", cap=26),
    Column("RESTARTS", width=8, numeric=True, priority=1),
    Column(AGE, width=7),
    Column("NODE", cap=24, priority=2),
    Column("IMAGE", cap=40, priority=3),
)

_BAD = (
    "Error",
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "Failed",
    "OOMKilled",
    "Evicted",
    "CreateContainerConfigError",
    "InvalidImageName",
    "Unknown",
)


def pod_tone(status: str) -> str:
    if status in ("Running",):
        return "ok"
    if status == "Completed":
        return "done"
    if status in _BAD or status.startswith(
        ("Init:Error", "Init:CrashLoop", "Signal:", "ExitCode:")
    ):
        return "bad"
    return "warn"


def pod_row(obj: dict[str, Any]) -> Row:
    s = summarize_pod(obj)
    image = s.images[0] if s.images else ""
    if len(s.images) > 1:
        image += f" +{len(s.images) - 1}"
    ready = s.ready
    if s.status == "Running" and ready.split("/")[0] != ready.split("/")[1]:
        tone = "warn"
    else:
        tone = pod_tone(s.status)
    return Row(
        key=s.uid,
        name=s.name,
        cells=(s.name, ready, s.status, str(s.restarts), "", s.node or "<none>", image),
        created=_epoch(s.created),
        tone=tone,
        labels=s.labels,
        restarts=s.restarts,
    )


# ---- services ------------------------------------------------------------------------
SERVICE_COLUMNS = (
    Column("NAME", flex=True, cap=60),
    Column("TYPE", cap=12),
    Column("CLUSTER-IP", cap=16),
    Column("PORTS", cap=30),
    Column("SELECTOR", cap=40, priority=2),
    Column(AGE, width=7),
)


def service_row(obj: dict[str, Any]) -> Row:
    s = summarize_service(obj)
    selector = ",".join(f"{k}={v}" for k, v in sorted(s.selector.items())) or "<none>"
    meta = obj.get("metadata") or {}
    return Row(
        key=str(meta.get("uid", s.name)),
        name=s.name,
        cells=(s.name, s.type, s.cluster_ip or "<none>", ",".join(s.ports), selector, ""),
        created=_epoch(s.created),
        labels=dict(meta.get("labels") or {}),
    )


# ---- ingresses -----------------------------------------------------------------------
INGRESS_COLUMNS = (
    Column("NAME", flex=True, cap=60),
    Column("CLASS", cap=16),
    Column("HOSTS", cap=40),
    Column("ADDRESS", cap=20, priority=2),
    Column("PORTS", width=7),
    Column(AGE, width=7),
)


def ingress_row(obj: dict[str, Any]) -> Row:
    s = summarize_ingress(obj)
    meta = obj.get("metadata") or {}
    return Row(
        key=str(meta.get("uid", s.name)),
        name=s.name,
        cells=(
            s.name,
            s.ingress_class or "<none>",
            ",".join(s.hosts) or "*",
            s.address,
            "80, 443" if s.tls else "80",
            "",
        ),
        created=_epoch(s.created),
        labels=dict(meta.get("labels") or {}),
    )


@dataclass(frozen=True)
class ListKind:
    """One of the lists the browser can show (``:pods``, ``:svc``, ``:ing``)."""

    name: str  # pods | services | ingresses
    title: str
    api_version: str
    kind: str
    aliases: tuple[str, ...]
    columns: tuple[Column, ...]
    to_row: Callable[[dict[str, Any]], Row]


KINDS: dict[str, ListKind] = {
    "pods": ListKind("pods", "Pods", "v1", "Pod", ("po", "pod", "pods"), POD_COLUMNS, pod_row),
    "services": ListKind(
        "services",
        "Services",
        "v1",
        "Service",
        ("svc", "service", "services"),
        SERVICE_COLUMNS,
        service_row,
    ),
    "ingresses": ListKind(
        "ingresses",
        "Ingresses",
        "networking.k8s.io/v1",
        "Ingress",
        ("ing", "ingress", "ingresses"),
        INGRESS_COLUMNS,
        ingress_row,
    ),
}


def kind_for(word: str) -> ListKind | None:
    for kind in KINDS.values():
        if word in kind.aliases:
            return kind
    return None
