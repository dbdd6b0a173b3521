"""Pod operations: list (raw JSON, fast), get, create (policy-checked), delete."""

from __future__ import annotations

import builtins
import datetime as dt
import json
from dataclasses import asdict, dataclass
from typing import Any

from tui.core.age import parse_timestamp
from tui.core.hostpaths import check_host_path
from tui.core.podstatus import pod_status
from tui.core.resources import POD, Collection, PolicyError

__all__ = [
    "PodRow",
    "PodSummary",
    "Pods",
    "PolicyError",
    "age_seconds",
    "api_json",
    "pod_row",
    "summarize",
]


@dataclass(frozen=True)
class PodSummary:
    """One row of the pod list, in both faces."""

    name: str
    namespace: str
    uid: str
    phase: str
    status: str
    ready: str
    restarts: int
    created: str
    node: str
    ip: str
    images: list[str]
    labels: dict[str, str]

    @property
    def all_ready(self) -> bool:
        ready, _, total = self.ready.partition("/")
        return total not in ("", "0") and ready == total

    def to_json(self) -> dict[str, Any]:
        """The REST row without ``age`` (time moves; see :func:`api_json`). ``ready`` is a
        boolean and ``image`` one string, as the seed system's client reads them; the
        kubectl-style "1/2" is ``readyContainers``."""
        data = asdict(self)
        data["ready"] = self.all_ready
        data["readyContainers"] = self.ready
        data["image"] = self.images[0] if self.images else ""
        return data


def created_ms(created: str) -> int | None:
    """An RFC 3339 creation time as epoch milliseconds (None when absent or unreadable)."""
    then = parse_timestamp(created)
    return None if then is None else int(then.timestamp() * 1000)


def age_ms(created: int | None, now_ms: int) -> int:
    return max(0, now_ms - created) if created is not None else 0


def now_ms() -> int:
    return int(dt.datetime.now(dt.UTC).timestamp() * 1000)


def api_json(summary: Any, now: int | None = None) -> dict[str, Any]:
    """A summary's REST row with ``age``: milliseconds since creation, a number (the seed's
    client formats it with ``Math.floor(ms / 1000)``)."""
    data: dict[str, Any] = summary.to_json()
    data["age"] = age_ms(created_ms(summary.created), now_ms() if now is None else now)
    return data


def summarize(pod: dict[str, Any]) -> PodSummary:
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    st = pod.get("status") or {}
    statuses = st.get("containerStatuses") or []
    containers = spec.get("containers") or []
    return PodSummary(
        name=str(meta.get("name", "")),
        namespace=str(meta.get("namespace", "")),
        uid=str(meta.get("uid", "")),
        phase=str(st.get("phase", "Unknown")),
        status=pod_status(pod),
        ready=f"{sum(1 for c in statuses if c.get('ready'))}/{len(containers)}",
        restarts=sum(int(c.get("restartCount", 0)) for c in statuses),
        created=str(meta.get("creationTimestamp", "")),
        node=str(spec.get("nodeName") or ""),
        ip=str(st.get("podIP") or ""),
        images=[str(c.get("image", "")) for c in containers],
        labels=dict(meta.get("labels") or {}),
    )


@dataclass(frozen=True, slots=True)
class PodRow:
    """A pod's list row, summarised and serialised once per change of the pod (the watch
    cache keeps one per pod), so serving a list is a join of ready-made JSON. Only the age
    changes with time: ``head`` is the object up to ``"age":``, which :meth:`json` ends."""

    summary: PodSummary
    head: bytes
    created_ms: int | None

    def json(self, now: int) -> bytes:
        return b"%s%d}" % (self.head, age_ms(self.created_ms, now))


def pod_row(pod: dict[str, Any]) -> PodRow:
    summary = summarize(pod)
    body = json.dumps(summary.to_json(), separators=(",", ":")).encode()
    return PodRow(summary, body[:-1] + b',"age":', created_ms(summary.created))


def age_seconds(created: str, now: dt.datetime | None = None) -> float:
    if not created:
        return 0.0
    then = dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
    return ((now or dt.datetime.now(dt.UTC)) - then).total_seconds()


class Pods(Collection):
    """Pod operations; creation applies the hostPath policy."""

    kind = POD

    def list(self, namespace: str | None = None, label_selector: str = "") -> list[PodSummary]:
        return [summarize(p) for p in self.list_raw(namespace, label_selector).get("items", [])]

    def rows(self, namespace: str | None = None, label_selector: str = "") -> builtins.list[PodRow]:
        """The list straight from the apiserver, as rows (when no cache can serve it)."""
        return [pod_row(p) for p in self.list_raw(namespace, label_selector).get("items", [])]

    def check_policy(self, manifest: dict[str, Any]) -> None:
        """Every hostPath volume must be allowed (settings: allow_host_path and
        host_path_prefixes), whether it came from a request or from edited YAML."""
        for volume in (manifest.get("spec") or {}).get("volumes") or []:
            host = (volume or {}).get("hostPath") if isinstance(volume, dict) else None
            if isinstance(host, dict):
                check_host_path(self.settings, str(host.get("path", "")))
