"""The routes of every kind in the kind registry (kinds.py) except pods, made by one
function: today services and ingresses. Pods have their own router (pods.py): their list is
served from pre-serialised rows.

``GET``/``POST /{plural}`` and ``GET``/``DELETE /{plural}/{name}``, in the spec's shapes
(``{"namespace", plural: [...]}``, ``{"success", "<singular>Name", ...}``); the
workbench's collection and watch cache of the kind serve them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from tui.core.kinds import KINDS, PODS, AnyKind
from tui.core.pods import api_json, now_ms
from tui.server.routes.common import API, Namespace
from tui.server.state import WorkbenchDep


def kind_router(kind: AnyKind) -> APIRouter:
    plural, singular = kind.plural, kind.singular
    name_key = f"{singular}Name"

    def list_all(wb: WorkbenchDep, namespace: Namespace = None) -> dict[str, Any]:
        """From the namespace's watch cache (synced once, then kept live); straight from the
        apiserver while the cache cannot sync."""
        col = wb.collection(kind)
        ns = col.namespace(namespace)
        cache = wb.cache(kind, ns)
        if cache is None:
            objects = col.list_raw(ns).get("items", [])
            rows, source = [kind.summarize(o) for o in objects], "apiserver"
        else:
            rows, source = cache.derived()[1], "cache"
        now = now_ms()
        items = sorted((api_json(row, now) for row in rows), key=lambda r: str(r["name"]))
        return {"namespace": ns, plural: items, "source": source}

    def create(wb: WorkbenchDep, request: Any) -> dict[str, Any]:
        created = wb.collection(kind).create(request)
        cache = wb.cache(kind, created["metadata"]["namespace"], sync_timeout=0)
        if cache is not None:
            cache.upsert(created)
        row = kind.summarize(created)
        return {
            "success": True,
            name_key: row.name,
            "namespace": row.namespace,
            singular: api_json(row),
        }

    # This module's annotations are strings, resolved against its globals, where the
    # kind's body class cannot be found: give FastAPI the class itself.
    create.__annotations__["request"] = kind.request

    def get(wb: WorkbenchDep, name: str, namespace: Namespace = None) -> dict[str, Any]:
        """``{singular}`` is the Kubernetes object, as the seed's clients read it;
        ``summary`` the list row; ``object`` repeats the object."""
        obj = wb.collection(kind).get(name, namespace)
        return {singular: obj, "summary": api_json(kind.summarize(obj)), "object": obj}

    def delete(wb: WorkbenchDep, name: str, namespace: Namespace = None) -> dict[str, Any]:
        col = wb.collection(kind)
        col.delete(name, namespace)
        cache = wb.ready_cache(kind, col.namespace(namespace))  # a delete starts no watch
        if cache is not None:
            cache.forget(name)
        return {"success": True, name_key: name}

    router = APIRouter(prefix=f"{API}/{plural}")
    router.add_api_route("", list_all, methods=["GET"], name=f"list_{plural}")
    router.add_api_route("", create, methods=["POST"], status_code=201, name=f"create_{singular}")
    router.add_api_route("/{name}", get, methods=["GET"], name=f"get_{singular}")
    router.add_api_route("/{name}", delete, methods=["DELETE"], name=f"delete_{singular}")
    return router


#: One router per kind, in the registry's order.
routers: tuple[APIRouter, ...] = tuple(kind_router(k) for k in KINDS.values() if k is not PODS)
