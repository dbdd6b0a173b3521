"""The spec's 18 endpoints over the engine (``make_app`` is used by the CLI and the tests).

Handlers are plain functions: FastAPI runs them in a thread pool, so the engine's blocking
Kubernetes calls never stall the event loop. The one exception is the pod list, which a warm
watch cache answers from pre-serialised rows without blocking (see podlist.py).
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated, Any, Literal

from fastapi import Body, FastAPI, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from tui import __version__
from tui.core import cleanup as cleanup_mod
from tui.core import execution, logs
from tui.core.diagnosis import diagnose
from tui.core.errors import PodbayError
from tui.core.ingresses import Ingresses, IngressSummary
from tui.core.ingresses import summarize as summarize_ingress
from tui.core.models import IngressRequest, PodRequest, ServiceRequest
from tui.core.pods import summarize as summarize_pod
from tui.core.resources import allowed_namespace
from tui.core.selectors import compile_selector
from tui.core.services import Services, ServiceSummary
from tui.core.services import summarize as summarize_service
from tui.core.settings import SettingsError
from tui.core.watchcache import WatchCache
from tui.core.workbench import Workbench
from tui.server import errors, podlist, terminal
from tui.server.bodylimit import BodyLimit

MAX_BODY = 1024 * 1024
API = "/api/kubernetes"
Namespace = Annotated[str | None, Query(description="defaults to the configured namespace")]


class InvalidInput(PodbayError):
    status = 422


class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class ConfigUpdate(_Camel):
    """PUT /config: any subset of the settings, in the spec's camelCase."""

    enabled: bool | None = None
    namespace: str | None = None
    kubeconfig_path: str | None = None
    context: str | None = None
    in_cluster: bool | None = None
    extra_ca_file: str | None = None
    allow_host_path: bool | None = None
    namespace_allow_list: list[str] | None = None
    protect_selector: str | None = None
    default_ttl_seconds: int | None = None


class ExecRequest(_Camel):
    command: list[str] = Field(min_length=1, description="an argument array, never a shell string")
    container: str | None = None
    timeout_seconds: float = Field(default=60, gt=0, le=3600)


Phase = Literal["Succeeded", "Failed"]


class CleanupRequest(_Camel):
    namespace: str | None = None
    phases: list[Phase] = Field(default_factory=lambda: list[Phase](["Succeeded"]))
    max_age_seconds: float | None = Field(default=None, ge=0)
    max_age_minutes: float | None = Field(default=None, ge=0)
    dry_run: bool = False


def _camel(key: str) -> str:
    return "kubeconfigPath" if key == "kubeconfig" else to_camel(key)


def _config_json(wb: Workbench) -> dict[str, Any]:
    s = wb.settings
    out: dict[str, Any] = {
        "enabled": s.enabled,
        "namespace": s.namespace,
        "kubeconfigPath": s.kubeconfig,
        "context": s.context,
        "inCluster": s.in_cluster,
        "extraCaFile": s.extra_ca_file,
        "allowHostPath": s.allow_host_path,
        "namespaceAllowList": s.namespace_allow_list,
        "protectSelector": s.protect_selector,
        "defaultTtlSeconds": s.default_ttl_seconds,
        # set by the command line or environment for this run only (never saved)
        "sessionOverrides": sorted(_camel(k) for k in wb.session_overrides),
    }
    try:
        conn = wb.connection
        out.update(connected=True, server=conn.server, error=None)
    except PodbayError as exc:
        out.update(connected=False, server=None, error=exc.what, fix=exc.fix)
    return out


DIAGNOSIS_SECONDS = 5.0  # clients retrying against a dead cluster reuse one diagnosis


class UnreachableDiagnosis:
    """The reachability part of Test connection, for a 503 body; memoised a few seconds per
    settings so a client retrying in a loop does not start a diagnosis per request."""

    def __init__(self, wb: Workbench) -> None:
        self.wb = wb
        self._last: tuple[float, str, dict[str, Any]] | None = None

    def __call__(self) -> dict[str, Any]:
        now, settings = time.monotonic(), self.wb.settings.model_dump_json()
        last = self._last
        if last is not None and now - last[0] < DIAGNOSIS_SECONDS and last[1] == settings:
            return last[2]
        result = diagnose(self.wb.settings, timeout=3.0, reachability_only=True).to_json()
        self._last = (now, settings, result)
        return result


def make_app(workbench: Workbench, *, token: str | None = None) -> FastAPI:
    app = FastAPI(
        title="podbay",
        version=__version__,
        description="Ephemeral test pods on Kubernetes; compatible with the OpenCode Manager "
        "Kubernetes API.",
    )
    errors.install(app, UnreachableDiagnosis(workbench))
    app.add_middleware(BodyLimit, limit=MAX_BODY)  # inside the token check (added after)
    terminal.install(app, workbench, token)  # the pod terminal WebSocket (also on port+1)
    wb = workbench

    @app.middleware("http")
    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if token is not None:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return errors.error_body(
                    401,
                    "missing or wrong bearer token",
                    "send 'Authorization: Bearer <token>' (printed when podbay --serve started)",
                )
        return await call_next(request)

    # ---- config ----------------------------------------------------------------------
    @app.get(f"{API}/config")
    def get_config() -> dict[str, Any]:
        return _config_json(wb)

    @app.put(f"{API}/config", response_model=None)
    def put_config(update: ConfigUpdate) -> dict[str, Any] | JSONResponse:
        changes = update.model_dump(exclude_unset=True)
        if "kubeconfig_path" in changes:
            changes["kubeconfig"] = changes.pop("kubeconfig_path")
        try:  # saved on top of the file; session overrides of other keys stay in effect
            wb.configure(changes)
        except ValidationError as exc:
            return errors.invalid(exc)
        except SettingsError as exc:  # the file cannot be read or written: not the body's fault
            return errors.error_body(409, exc.what, exc.fix)
        return {"success": True, **_config_json(wb)}

    @app.post(f"{API}/test-connection")
    def test_connection() -> dict[str, Any]:
        diag = diagnose(wb.settings)
        return {"success": diag.ok, **diag.to_json()}

    # ---- pods ------------------------------------------------------------------------
    lists = podlist.CachedLists()

    def list_pods_cold(
        ns: str, selector: str, match: Callable[[dict[str, str]], bool] | None
    ) -> Response:
        cache = wb.pod_cache(ns)  # starts the cache; waits for its first sync
        if cache is not None:
            content = lists.render(cache, match)
        else:  # cannot sync (yet): ask the apiserver
            rows = podlist.by_name(wb.pods.rows(ns, selector))
            content = podlist.body(ns, rows, "apiserver")
        return Response(content, media_type="application/json")

    @app.get(f"{API}/pods", response_model=podlist.PodList)
    async def list_pods(namespace: Namespace = None, labelSelector: str = "") -> Response:
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
            return await run_in_threadpool(list_pods_cold, ns, labelSelector, match)
        return Response(lists.render(cache, match), media_type="application/json")

    @app.post(f"{API}/pods", status_code=201)
    def create_pod(request: Annotated[PodRequest, Body()]) -> dict[str, Any]:
        created = wb.pods.create(request)
        cache = wb.pod_cache(created["metadata"]["namespace"], sync_timeout=0)
        if cache is not None:
            cache.upsert(created)
        row = summarize_pod(created)
        return {
            "success": True,
            "podName": row.name,
            "namespace": row.namespace,
            "pod": row.to_json(),
        }

    @app.get(f"{API}/pods/{{name}}")
    def get_pod(name: str, namespace: Namespace = None) -> dict[str, Any]:
        obj = wb.pods.get(name, namespace)
        return {"pod": summarize_pod(obj).to_json(), "object": obj}

    @app.delete(f"{API}/pods/{{name}}")
    def delete_pod(name: str, namespace: Namespace = None) -> dict[str, Any]:
        wb.pods.delete(name, namespace)
        return {"success": True, "podName": name, "namespace": wb.pods.namespace(namespace)}

    @app.get(f"{API}/pods/{{name}}/logs", response_model=None)
    def pod_logs(
        name: str,
        namespace: Namespace = None,
        container: str | None = None,
        tailLines: Annotated[int | None, Query(ge=0)] = None,
        sinceSeconds: Annotated[int | None, Query(ge=1)] = None,
        previous: bool = False,
        timestamps: bool = False,
        follow: bool = False,
    ) -> dict[str, Any] | StreamingResponse:
        ns = wb.pods.namespace(namespace)
        query = logs.LogQuery(name, ns, container, tailLines, sinceSeconds, previous, timestamps)
        if not follow:
            return {"podName": name, "namespace": ns, "logs": logs.read(wb.api, query)}
        lines = logs.follow(wb.api, query)
        first = next(lines, None)  # raises ApiError (404/403) before the 200 goes out

        def stream() -> Iterator[str]:
            if first is not None:
                yield first
            yield from lines

        return StreamingResponse(stream(), media_type="text/plain; charset=utf-8")

    @app.post(f"{API}/pods/{{name}}/exec")
    def exec_in_pod(name: str, request: ExecRequest, namespace: Namespace = None) -> dict[str, Any]:
        ns = wb.pods.namespace(namespace)
        res = execution.run(
            wb.api,
            ns,
            name,
            request.command,
            container=request.container,
            timeout=request.timeout_seconds,
        )
        return {
            "success": res.exit_code == 0,
            "podName": name,
            "exitCode": res.exit_code,
            "stdout": res.stdout,
            "stderr": res.stderr,
            "timedOut": res.timed_out,
            "error": res.error or None,
            "durationMs": res.duration_ms,
        }

    @app.post(f"{API}/cleanup")
    def cleanup(request: Annotated[CleanupRequest | None, Body()] = None) -> dict[str, Any]:
        req = request or CleanupRequest()
        max_age = req.max_age_seconds
        if max_age is None and req.max_age_minutes is not None:
            max_age = req.max_age_minutes * 60
        result = cleanup_mod.cleanup(
            wb.pods,
            req.namespace,
            phases=tuple(req.phases),
            max_age_seconds=max_age or 0,
            dry_run=req.dry_run,
        )
        data = result.to_json()
        data["deletedPods"] = result.deleted
        return data

    # ---- services and ingresses: one route shape, two kinds --------------------------
    _collection_routes(app, wb, "services", "service", ServiceRequest, summarize_service)
    _collection_routes(app, wb, "ingresses", "ingress", IngressRequest, summarize_ingress)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        return JSONResponse({"ok": True})

    return app


def _collection_routes(
    app: FastAPI,
    wb: Workbench,
    plural: str,
    singular: str,
    request_model: type[ServiceRequest] | type[IngressRequest],
    summarize: Callable[[dict[str, Any]], ServiceSummary | IngressSummary],
) -> None:
    """``GET``/``POST /{plural}`` and ``GET``/``DELETE /{plural}/{name}`` for one kind, in the
    spec's shapes (``{"namespace", plural: [...]}``, ``{"success", "<singular>Name", ...}``);
    the workbench's ``{plural}`` collection and ``{singular}_cache`` serve them."""
    name_key = f"{singular}Name"

    def collection() -> Services | Ingresses:
        col: Services | Ingresses = getattr(wb, plural)
        return col

    cache_of: Callable[..., WatchCache[Any] | None] = getattr(wb, f"{singular}_cache")

    def list_all(namespace: Namespace = None) -> dict[str, Any]:
        """From the namespace's watch cache (synced once, then kept live); straight from the
        apiserver while the cache cannot sync."""
        col = collection()
        ns = col.namespace(namespace)
        cache = cache_of(ns)
        if cache is None:
            rows, source = col.list(ns), "apiserver"
        else:
            rows, source = cache.derived()[1], "cache"
        items = sorted((row.to_json() for row in rows), key=lambda r: str(r["name"]))
        return {"namespace": ns, plural: items, "source": source}

    def create(request: Any) -> dict[str, Any]:
        created = collection().create(request)
        cache = cache_of(created["metadata"]["namespace"], sync_timeout=0)
        if cache is not None:
            cache.upsert(created)
        row = summarize(created)
        return {
            "success": True,
            name_key: row.name,
            "namespace": row.namespace,
            singular: row.to_json(),
        }

    # This module's annotations are strings, resolved against its globals, where a
    # factory's argument cannot be found: give FastAPI the body class itself.
    create.__annotations__["request"] = request_model

    def get(name: str, namespace: Namespace = None) -> dict[str, Any]:
        obj = collection().get(name, namespace)
        return {singular: summarize(obj).to_json(), "object": obj}

    def delete(name: str, namespace: Namespace = None) -> dict[str, Any]:
        col = collection()
        col.delete(name, namespace)
        cache = wb.ready_cache(plural, col.namespace(namespace))  # a delete starts no watch
        if cache is not None:
            cache.forget(name)
        return {"success": True, name_key: name}

    path = f"{API}/{plural}"
    app.add_api_route(path, list_all, methods=["GET"], name=f"list_{plural}")
    app.add_api_route(path, create, methods=["POST"], status_code=201, name=f"create_{singular}")
    app.add_api_route(f"{path}/{{name}}", get, methods=["GET"], name=f"get_{singular}")
    app.add_api_route(f"{path}/{{name}}", delete, methods=["DELETE"], name=f"delete_{singular}")
