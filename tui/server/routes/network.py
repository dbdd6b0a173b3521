"""Services and ingresses: one route shape, two kinds, so one description per kind and
one function that makes its router.

``GET``/``POST /{plural}`` and ``GET``/``DELETE /{plural}/{name}``, in the spec's shapes
(``{"namespace", plural: [...]}``, ``{"success", "<singular>Name", ...}``); the
workbench's collection and watch cache of the kind serve them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from fastapi import APIRouter

from tui.core.ingresses import Ingresses, IngressSummary
from tui.core.ingresses import summarize as summarize_ingress
from tui.core.models import IngressRequest, ServiceRequest
from tui.core.pods import api_json, now_ms
from tui.core.services import Services, ServiceSummary
from tui.core.services import summarize as summarize_service
from tui.core.watchcache import WatchCache
from tui.core.workbench import Workbench
from tui.server.routes.common import API, Namespace
from tui.server.state import WorkbenchDep


class CacheOf(Protocol):
    """``Workbench.service_cache`` or ``Workbench.ingress_cache``."""

    def __call__(
        self, wb: Workbench, namespace: str, /, *, sync_timeout: float = ...
    ) -> WatchCache[Any] | None: ...


@dataclass(frozen=True)
class KindRoutes:
    plural: str  # the path and the list's key
    singular: str  # the created object's key; "<singular>Name"
    body: type[ServiceRequest] | type[IngressRequest]
    summarize: Callable[[dict[str, Any]], ServiceSummary | IngressSummary]
    collection: Callable[[Workbench], Services | Ingresses]
    cache: CacheOf


SERVICES = KindRoutes(
    "services",
    "service",
    ServiceRequest,
    summarize_service,
    lambda wb: wb.services,
    Workbench.service_cache,
)
INGRESSES = KindRoutes(
    "ingresses",
    "ingress",
    IngressRequest,
    summarize_ingress,
    lambda wb: wb.ingresses,
    Workbench.ingress_cache,
)


def kind_router(kind: KindRoutes) -> APIRouter:
    plural, singular = kind.plural, kind.singular
    name_key = f"{singular}Name"

    def list_all(wb: WorkbenchDep, namespace: Namespace = None) -> dict[str, Any]:
        """From the namespace's watch cache (synced once, then kept live); straight from the
        apiserver while the cache cannot sync."""
        col = kind.collection(wb)
        ns = col.namespace(namespace)
        cache = kind.cache(wb, ns)
        if cache is None:
            rows, source = col.list(ns), "apiserver"
        else:
            rows, source = cache.derived()[1], "cache"
        now = now_ms()
        items = sorted((api_json(row, now) for row in rows), key=lambda r: str(r["name"]))
        return {"namespace": ns, plural: items, "source": source}

    def create(wb: WorkbenchDep, request: Any) -> dict[str, Any]:
        created = kind.collection(wb).create(request)
        cache = kind.cache(wb, created["metadata"]["namespace"], sync_timeout=0)
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
    create.__annotations__["request"] = kind.body

    def get(wb: WorkbenchDep, name: str, namespace: Namespace = None) -> dict[str, Any]:
        """``{singular}`` is the Kubernetes object, as the seed's clients read it;
        ``summary`` the list row; ``object`` repeats the object."""
        obj = kind.collection(wb).get(name, namespace)
        return {singular: obj, "summary": api_json(kind.summarize(obj)), "object": obj}

    def delete(wb: WorkbenchDep, name: str, namespace: Namespace = None) -> dict[str, Any]:
        col = kind.collection(wb)
        col.delete(name, namespace)
        cache = wb.ready_cache(plural, col.namespace(namespace))  # a delete starts no watch
        if cache is not None:
            cache.forget(name)
        return {"success": True, name_key: name}

    router = APIRouter(prefix=f"{API}/{plural}")
    router.add_api_route("", list_all, methods=["GET"], name=f"list_{plural}")
    router.add_api_route("", create, methods=["POST"], status_code=201, name=f"create_{singular}")
    router.add_api_route("/{name}", get, methods=["GET"], name=f"get_{singular}")
    router.add_api_route("/{name}", delete, methods=["DELETE"], name=f"delete_{singular}")
    return router


services_router = kind_router(SERVICES)
ingresses_router = kind_router(INGRESSES)
