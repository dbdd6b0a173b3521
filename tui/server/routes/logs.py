"""GET /pods/{name}/logs: the log as JSON, or with ``follow`` a plain-text stream."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from tui.core import logs as core_logs
from tui.server.routes.common import API, Namespace
from tui.server.state import WorkbenchDep

router = APIRouter(prefix=API)


@router.get("/pods/{name}/logs", response_model=None)
def pod_logs(
    wb: WorkbenchDep,
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
    query = core_logs.LogQuery(name, ns, container, tailLines, sinceSeconds, previous, timestamps)
    if not follow:
        return {"podName": name, "namespace": ns, "logs": core_logs.read(wb.api, query)}
    lines = core_logs.follow(wb.api, query)
    first = next(lines, None)  # raises ApiError (404/403) before the 200 goes out

    def stream() -> Iterator[str]:
        if first is not None:
            yield first
        yield from lines

    return StreamingResponse(stream(), media_type="text/plain; charset=utf-8")
