"""Pod operations: list (raw JSON, fast), get, create (policy-checked), delete."""

from __future__ import annotations

import builtins
import datetime as dt
import json
from dataclasses import asdict, dataclass
from typing import Any

from tui.core.models import PodRequest
from tui.core.podstatus import pod_status
from tui.core.resources import POD, Collection, PolicyError

__all__ = ["PodRow", "PodSummary", "Pods", "PolicyError", "age_seconds", "pod_row", "summarize"]


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

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


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
    cache keeps one per pod), so serving a list is a join of ready-made JSON."""

    summary: PodSummary
    json: bytes


def pod_row(pod: dict[str, Any]) -> PodRow:
    summary = summarize(pod)
    return PodRow(summary, json.dumps(summary.to_json(), separators=(",", ":")).encode())


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

    def create(self, request: PodRequest) -> dict[str, Any]:
        if request.host_path and not self.settings.allow_host_path:
            raise PolicyError(
                f"hostPath mounts are disabled (asked to mount {request.host_path})",
                "enable 'allow hostPath' in Settings, or use a PVC mount instead",
            )
        manifest = request.to_manifest(self.settings)
        manifest["metadata"]["namespace"] = self.namespace(request.namespace)
        return self.create_manifest(manifest)
