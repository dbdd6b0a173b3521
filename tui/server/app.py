"""The spec's 18 endpoints over the engine (``make_app`` is used by the CLI and the tests).

Handlers are plain functions: FastAPI runs them in a thread pool, so the engine's blocking
Kubernetes calls never stall the event loop. The one exception is the pod list, which a warm
watch cache answers from pre-serialised rows without blocking (see podlist.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Body, FastAPI, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from tui import __version__
from tui.core import cleanup as cleanup_mod
from tui.core import execution, logs
from tui.core.diagnosis import diagnose
from tui.core.errors import PodbayError
from tui.core.imagesuggest import project_root, suggest_images, workbench_node_images
from tui.core.ingresses import Ingresses, IngressSummary
from tui.core.ingresses import summarize as summarize_ingress
from tui.core.models import IngressRequest, PodRequest, ServiceRequest
from tui.core.pods import api_json, now_ms
from tui.core.pods import summarize as summarize_pod
from tui.core.resources import allowed_namespace
from tui.core.selectors import compile_selector
from tui.core.services import Services, ServiceSummary
from tui.core.services import summarize as summarize_service
from tui.core.watchcache import WatchCache
from tui.core.workbench import Workbench
from tui.server import config_routes, errors, podlist, terminal
from tui.server.bodylimit import BodyLimit
from tui.server.guard import GuardRules, RequestGuard

MAX_BODY = 1024 * 1024
API = "/api/kubernetes"
Namespace = Annotated[str | None, Query(description="defaults to the configured namespace")]


class InvalidInput(PodbayError):
    status = 422


class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class SuggestImageRequest(_Camel):
    path: str = Field(min_length=1, description="a project directory on podbay's machine")


class ExecRequest(_Camel):
    command: list[str] = Field(min_length=1, description="an argument array, never a shell string")
    namespace: str | None = Field(
        default=None, description="as the seed's clients send it; the query parameter wins"
    )
    container: str | None = None
    timeout_seconds: float = Field(default=60, gt=0, le=3600)


Phase = Literal["Succeeded", "Failed"]


class CleanupRequest(_Camel):
    namespace: str | None = None
    phases: list[Phase] = Field(default_factory=lambda: list[Phase](["Succeeded"]))
    max_age_seconds: float | None = Field(default=None, ge=0)
    max_age_minutes: float | None = Field(default=None, ge=0)
    dry_run: bool = False


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


def make_app(
    workbench: Workbench,
    rules: GuardRules | None = None,
    *,
    token: str | None = None,
    rest_policy: bool = False,
) -> FastAPI:
    """The REST app. ``rules`` (Host names, token) guard every request on this port;
    without them: loopback names and ``token``. ``rest_policy`` lets PUT /config change the
    policy and credential keys (off by default: see config_routes.py)."""
    rules = rules or GuardRules(token=token)
    app = FastAPI(
        title="podbay",
        version=__version__,
        description="Ephemeral test pods on Kubernetes; compatible with the OpenCode Manager "
        "Kubernetes API.",
    )
    errors.install(app, UnreachableDiagnosis(workbench))
    app.add_middleware(BodyLimit, limit=MAX_BODY)
    app.add_middleware(RequestGuard, rules=rules)  # outermost: before anything reads the body
    terminal.install(app, workbench)  # the pod terminal WebSocket (also on port+1)
    app.include_router(config_routes.router(workbench, rest_policy=rest_policy))
    wb = workbench

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
            "pod": api_json(row),
        }

    @app.get(f"{API}/pods/{{name}}")
    def get_pod(name: str, namespace: Namespace = None) -> dict[str, Any]:
        """``pod`` is the Kubernetes object (as the seed's clients read it: ``metadata``,
        ``status.phase``); ``summary`` is the list row; ``object`` repeats ``pod``."""
        obj = wb.pods.get(name, namespace)
        return {"pod": obj, "summary": api_json(summarize_pod(obj)), "object": obj}

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
        """``success`` means the command ran to an exit status, whatever it was (as the
        seed's clients read it); ``stdout``/``stderr`` are also ``output``/``errors``."""
        ns = wb.pods.namespace(namespace or request.namespace)
        res = execution.run(
            wb.api,
            ns,
            name,
            request.command,
            container=request.container,
            timeout=request.timeout_seconds,
        )
        return {
            # as the seed: the command ran and reported a status (exitCode says which)
            "success": res.exit_code is not None,
            "podName": name,
            "exitCode": res.exit_code,
            "stdout": res.stdout,
            "stderr": res.stderr,
            "output": res.stdout,
            "errors": res.stderr,
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
        data["deleted"] = len(result.deleted)  # a number, as the seed's clients read it
        data["dryRun"] = result.dry_run
        data["wouldDelete"] = result.would_delete
        return data

    @app.get(f"{API}/exec-ws-url")
    def exec_ws_url(
        request: Request, pod: str, namespace: Namespace = None, container: str | None = None
    ) -> dict[str, Any]:
        """Where the terminal WebSocket for ``pod`` is, as seen by this client: its own
        scheme, host and port (``X-Forwarded-Proto``/``-Port`` behind a proxy)."""
        ns = wb.settings.namespace if namespace is None else namespace
        return {"wsUrl": ws_url(request, pod, ns, container), "pod": pod, "namespace": ns}

    @app.post(f"{API}/suggest-image")
    def suggest_image(request: SuggestImageRequest) -> dict[str, Any]:
        """Images for a project directory, best first, from its version files (the same
        JSON as ``podbay suggest-image --json``); images on the nodes are marked when the
        nodes can be listed. A path that is no readable directory is a 422."""
        root = project_root(request.path)
        return suggest_images(root, node_images=workbench_node_images(wb)).to_json()

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
        now = now_ms()
        items = sorted((api_json(row, now) for row in rows), key=lambda r: str(r["name"]))
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
            singular: api_json(row),
        }

    # This module's annotations are strings, resolved against its globals, where a
    # factory's argument cannot be found: give FastAPI the body class itself.
    create.__annotations__["request"] = request_model

    def get(name: str, namespace: Namespace = None) -> dict[str, Any]:
        """``{singular}`` is the Kubernetes object, as the seed's clients read it;
        ``summary`` the list row; ``object`` repeats the object."""
        obj = collection().get(name, namespace)
        return {singular: obj, "summary": api_json(summarize(obj)), "object": obj}

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


def ws_url(request: Request, pod: str, namespace: str, container: str | None = None) -> str:
    """The seed's ``exec-ws-url`` answer: ``ws(s)://<host>[:port]/ws/kubernetes/exec?…``
    with the host the client used (the guard has checked it names this server)."""
    headers = request.headers
    proto = headers.get("x-forwarded-proto", request.url.scheme).split(",")[0].strip()
    scheme = "wss" if proto in ("https", "wss") else "ws"
    host = request.url.hostname or "localhost"
    if ":" in host:
        host = f"[{host}]"
    port = headers.get("x-forwarded-port", "").split(",")[0].strip() or request.url.port
    default = 443 if scheme == "wss" else 80
    suffix = f":{port}" if port and str(port) != str(default) else ""
    query = {"pod": pod, "namespace": namespace, **({"container": container} if container else {})}
    return f"{scheme}://{host}{suffix}{terminal.SEED_PATH}?{urlencode(query)}"
