"""A pod's one-word status the way kubectl prints it (CrashLoopBackOff, Completed, ...)."""

from __future__ import annotations

from typing import Any


def _container_reason(status: dict[str, Any]) -> str | None:
    state = status.get("state") or {}
    waiting = state.get("waiting")
    if waiting and waiting.get("reason"):
        return str(waiting["reason"])
    term = state.get("terminated")
    if term:
        if term.get("reason"):
            return str(term["reason"])
        if term.get("signal"):
            return f"Signal:{term['signal']}"
        return f"ExitCode:{term.get('exitCode', '?')}"
    return None


def pod_status(pod: dict[str, Any]) -> str:
    """kubectl's printPod reason: init containers first, then containers, then deletion."""
    meta = pod.get("metadata") or {}
    st = pod.get("status") or {}
    reason = str(st.get("reason") or st.get("phase") or "Unknown")
    init_statuses = st.get("initContainerStatuses") or []
    init_total = len((pod.get("spec") or {}).get("initContainers") or [])
    initializing = False
    for i, cs in enumerate(init_statuses):
        term = (cs.get("state") or {}).get("terminated")
        if term and term.get("exitCode") == 0:
            continue
        initializing = True
        r = _container_reason(cs)
        shows_reason = term or (r and r != "PodInitializing")
        reason = f"Init:{r}" if shows_reason else f"Init:{i}/{init_total}"
        break
    if not initializing:
        running = False
        for cs in reversed(st.get("containerStatuses") or []):
            r = _container_reason(cs)
            if r:
                reason = r
            elif (cs.get("state") or {}).get("running") and cs.get("ready"):
                running = True
        if reason == "Completed" and running:
            reason = "Running"
    if meta.get("deletionTimestamp"):
        reason = "Unknown" if st.get("reason") == "NodeLost" else "Terminating"
    return reason
