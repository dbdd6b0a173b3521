"""Cleanup of finished pods that can never hit the wrong pod.

Only pods podbay created (managed-by label), in the phases asked, finished longer ago than
``max_age`` (measured from when the last container *finished*, not when it started), never a
pod matching the protect selector, never podbay's own pod. Deletes carry a UID precondition,
so a pod that was replaced under the same name since selection is left alone.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from tui.core.errors import ApiError
from tui.core.identity import OwnPod
from tui.core.identity import own_pod as running_in
from tui.core.models import MANAGED_BY, MANAGER
from tui.core.pods import Pods
from tui.core.selectors import compile_selector

MAX_PARALLEL_DELETES = 16


@dataclass
class Candidate:
    name: str
    uid: str
    phase: str
    finished_seconds_ago: float


@dataclass
class NotDeleted:
    """A pod cleanup left in place, and why: spared by the rules, gone or replaced before
    its delete, or a delete that failed."""

    name: str
    reason: str


@dataclass
class CleanupResult:
    namespace: str
    dry_run: bool
    deleted: list[str] = field(default_factory=list)
    would_delete: list[str] = field(default_factory=list)
    skipped: list[NotDeleted] = field(default_factory=list)  # gone or replaced meanwhile
    errors: list[NotDeleted] = field(default_factory=list)  # the delete failed

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["success"] = not self.errors
        data["count"] = len(self.would_delete if self.dry_run else self.deleted)
        return data


def finished_at(pod: dict[str, Any]) -> dt.datetime:
    """When the pod finished: its last container's finishedAt, else its creation time."""
    st = pod.get("status") or {}
    times = [
        ((cs.get("state") or {}).get("terminated") or {}).get("finishedAt")
        for cs in (st.get("containerStatuses") or [])
    ]
    stamps = [t for t in times if t]
    raw = max(stamps) if stamps else (pod.get("metadata") or {}).get("creationTimestamp")
    return dt.datetime.fromisoformat(str(raw).replace("Z", "+00:00"))


def select(
    pods: list[dict[str, Any]],
    *,
    phases: tuple[str, ...] = ("Succeeded",),
    max_age_seconds: float = 0,
    protect_selector: str = "app=opencode-manager",
    own_pod: OwnPod | str | None = None,
    now: dt.datetime | None = None,
) -> tuple[list[Candidate], list[NotDeleted]]:
    """Split pods into what may be deleted and what is spared (only phase matches are
    reported as spared, each with its reason). ``own_pod`` defaults to the pod podbay runs
    in, read from the environment (see identity.py)."""
    now = now or dt.datetime.now(dt.UTC)
    own = OwnPod(own_pod) if isinstance(own_pod, str) else own_pod or running_in()
    protected = compile_selector(protect_selector)
    chosen: list[Candidate] = []
    spared: list[NotDeleted] = []
    for pod in pods:
        meta = pod.get("metadata") or {}
        name = str(meta.get("name", ""))
        phase = str((pod.get("status") or {}).get("phase", ""))
        if phase not in phases or meta.get("deletionTimestamp"):
            continue
        labels = dict(meta.get("labels") or {})
        age = (now - finished_at(pod)).total_seconds()
        if labels.get(MANAGED_BY) != MANAGER:
            spared.append(NotDeleted(name, "not created by podbay"))
        elif protected(labels):
            spared.append(NotDeleted(name, f"matches the protect selector {protect_selector}"))
        elif own is not None and own.is_(name, meta.get("namespace")):
            spared.append(NotDeleted(name, "podbay's own pod"))
        elif age < max_age_seconds:
            spared.append(NotDeleted(name, f"finished {age:.0f}s ago (< {max_age_seconds:.0f}s)"))
        else:
            chosen.append(Candidate(name, str(meta.get("uid", "")), phase, age))
    return chosen, spared


def cleanup(
    pods: Pods,
    namespace: str | None = None,
    *,
    phases: tuple[str, ...] = ("Succeeded",),
    max_age_seconds: float = 0,
    dry_run: bool = False,
    own_pod: OwnPod | str | None = None,
) -> CleanupResult:
    ns = namespace or pods.settings.namespace
    listing = pods.list_raw(ns, label_selector=f"{MANAGED_BY}={MANAGER}")
    chosen, spared = select(
        listing.get("items", []),
        phases=phases,
        max_age_seconds=max_age_seconds,
        protect_selector=pods.settings.protect_selector,
        own_pod=own_pod,
    )
    result = CleanupResult(ns, dry_run, skipped=spared)
    if dry_run:
        result.would_delete = [c.name for c in chosen]
        return result

    delete_candidates(pods, ns, chosen, result)
    return result


def delete_candidates(
    pods: Pods, namespace: str, chosen: list[Candidate], result: CleanupResult
) -> None:
    """Delete concurrently (bounded) through the collection's delete; each delete only
    applies to the UID that was selected. A pod gone meanwhile (404) or replaced under its
    name (409, the UID precondition) is skipped; a delete the cluster refuses for that pod
    (403, 422) is an error of that pod. When the cluster cannot be reached or fails (5xx),
    the cleanup did not do its work: ApiError with that status, naming what was deleted."""

    def delete(c: Candidate) -> tuple[Candidate, ApiError | None]:
        try:
            pods.delete(c.name, namespace, uid=c.uid)
        except ApiError as exc:
            return c, exc
        return c, None

    failed: list[ApiError] = []
    with ThreadPoolExecutor(max_workers=MAX_PARALLEL_DELETES) as pool:
        for cand, exc in pool.map(delete, chosen):
            if exc is None:
                result.deleted.append(cand.name)
            elif exc.status == 404:
                result.skipped.append(NotDeleted(cand.name, "already gone"))
            elif exc.status == 409:
                result.skipped.append(
                    NotDeleted(cand.name, "replaced since selection (UID changed)")
                )
            else:
                result.errors.append(NotDeleted(cand.name, exc.what))
                if exc.status >= 500:
                    failed.append(exc)
    if failed:
        raise _unfinished(namespace, chosen, result, failed[0])


def _unfinished(
    namespace: str, chosen: list[Candidate], result: CleanupResult, first: ApiError
) -> ApiError:
    """The cleanup stopped short because the cluster did not answer (or failed): what was
    deleted, and the first failure with its own status and fix."""
    done = sorted(result.deleted)
    deleted = f"{len(done)} of {len(chosen)} pods deleted" + (
        f" ({', '.join(done)})" if done else ""
    )
    return ApiError(
        first.status,
        f"cleanup in namespace {namespace} did not finish: {deleted}; {first.what}",
        f"{first.fix}; then run cleanup again (it deletes only what is still finished)"
        if first.fix
        else "run cleanup again once the cluster answers",
        first.reason,
    )
