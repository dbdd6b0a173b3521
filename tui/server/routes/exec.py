"""Commands in a pod: POST /pods/{name}/exec runs one to its exit; GET /exec-ws-url says
where the interactive one, the terminal WebSocket (terminal.py), is for this client."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from pydantic import Field

from tui.core import execution
from tui.server import terminal
from tui.server.routes.common import API, CamelBody, Namespace
from tui.server.state import WorkbenchDep

router = APIRouter(prefix=API)


class ExecRequest(CamelBody):
    command: list[str] = Field(min_length=1, description="an argument array, never a shell string")
    namespace: str | None = Field(
        default=None, description="as the seed's clients send it; the query parameter wins"
    )
    container: str | None = None
    timeout_seconds: float = Field(default=60, gt=0, le=3600)


@router.post("/pods/{name}/exec")
def exec_in_pod(
    wb: WorkbenchDep, name: str, request: ExecRequest, namespace: Namespace = None
) -> dict[str, Any]:
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


@router.get("/exec-ws-url")
def exec_ws_url(
    wb: WorkbenchDep,
    request: Request,
    pod: str,
    namespace: Namespace = None,
    container: str | None = None,
) -> dict[str, Any]:
    """Where the terminal WebSocket for ``pod`` is, as seen by this client: its own
    scheme, host and port (``X-Forwarded-Proto``/``-Port`` behind a proxy)."""
    ns = wb.settings.namespace if namespace is None else namespace
    return {"wsUrl": ws_url(request, pod, ns, container), "pod": pod, "namespace": ns}


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
