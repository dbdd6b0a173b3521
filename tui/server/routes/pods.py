"""GET/POST /pods and GET/DELETE /pods/{name}.

The list is the one async route: a warm watch cache answers it from pre-serialised rows on
the event loop (see podlist.py); every other route is a plain function, which FastAPI runs
in its thread pool so the engine's blocking Kubernetes calls never stall the loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Response
from fastapi.concurrency import run_in_threadpool

from tui.core.errors import PodbayError
from tui.core.models import PodRequest
from tui.core.pods import api_json
from tui.core.pods import summarize as summarize_pod
from tui.core.resources import allowed_namespace
from tui.core.selectors import compile_selector
from tui.core.workbench import Workbench
from tui.server import podlist
from tui.server.routes.common import API, Namespace
from tui.server.state import WorkbenchDep

router = APIRouter(prefix=API)

# Keyed weakly on the caches (which belong to workbenches), so one memo serves every app.
sorted_lists = podlist.CachedLists()


class InvalidInput(PodbayError):
    status = 422


def list_pods_cold(
    wb: Workbench, ns: str, selector: str, match: Callable[[dict[str, str]], bool] | None
) -> Response:
    cache = wb.pod_cache(ns)  # starts the cache; waits for its first sync
    if cache is not None:
        content = sorted_lists.render(cache, match)
    else:  # cannot sync (yet): ask the apiserver
        rows = podlist.by_name(wb.pods.rows(ns, selector))
        content = podlist.body(ns, rows, "apiserver")
    return Response(content, media_type="application/json")


@router.get("/pods", response_model=podlist.PodList)
async def list_pods(
    wb: WorkbenchDep, namespace: Namespace = None, labelSelector: str = ""
) -> Response:
    """From the namespace's watch cache, whose rows are kept serialised: a warm request
    joins bytes on the event loop (no thread hop); only a cold cache takes a thread."""
    ns = allowed_namespace(wb.settings, namespace)
    match = None
    if labelSelector:
        try:
            match = compile_selector(labelSelector)
        except ValueError as exc:
            raise InvalidInput(f"labelSelector: {exc}", "fix the selector") from exc
    cache = wb.ready_pod_cache(ns)
    if cache is None:
        return await run_in_threadpool(list_pods_cold, wb, ns, labelSelector, match)
    return Response(sorted_lists.render(cache, match), media_type="application/json")


@router.post("/pods", status_code=201)
def create_pod(wb: WorkbenchDep, request: Annotated[PodRequest, Body()]) -> dict[str, Any]:
    created = wb.pods.create(request)
    cache = wb.pod_cache(created["metadata"]["namespace"], sync_timeout=0)
    if cache is not None:
        cache.upsert(created)
    row = summarize_pod(created)
    return {
        "success": True,
        "podName": row.name,
        "namespace": row.namespace,
        "pod": api_json(row),
    }


@router.get("/pods/{name}")
def get_pod(wb: WorkbenchDep, name: str, namespace: Namespace = None) -> dict[str, Any]:
    """``pod`` is the Kubernetes object (as the seed's clients read it: ``metadata``,
    ``status.phase``); ``summary`` is the list row; ``object`` repeats ``pod``."""
    obj = wb.pods.get(name, namespace)
    return {"pod": obj, "summary": api_json(summarize_pod(obj)), "object": obj}


@router.delete("/pods/{name}")
def delete_pod(wb: WorkbenchDep, name: str, namespace: Namespace = None) -> dict[str, Any]:
    wb.pods.delete(name, namespace)
    return {"success": True, "podName": name, "namespace": wb.pods.namespace(namespace)}
