"""GET /pods/{name}/logs: the log as JSON, or with ``follow`` a plain-text stream.

A follow is read by a stoppable follower on its own thread and sent from the event loop
(logstream.py): a client that goes away stops it at once, even while the pod is quiet.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from tui.core import logs as core_logs
from tui.core.errors import ApiError
from tui.core.logfollow import FollowState
from tui.server.logstream import FollowResponse, start_follower
from tui.server.routes.common import API, Namespace
from tui.server.state import WorkbenchDep

router = APIRouter(prefix=API)

OPEN_SECONDS = 60.0  # a follow that has not opened by then is given up (504)


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
) -> dict[str, Any] | FollowResponse:
    ns = wb.pods.namespace(namespace)
    query = core_logs.LogQuery(name, ns, container, tailLines, sinceSeconds, previous, timestamps)
    if not follow:
        return {"podName": name, "namespace": ns, "logs": core_logs.read(wb.api, query)}
    follower, wake = start_follower(wb.api, query)
    progress = follower.wait_opened(OPEN_SECONDS)
    if progress.state is FollowState.CONNECTING:
        follower.stop()
        raise ApiError(
            504,
            f"the log stream of pod {name} in namespace {ns} did not open in {OPEN_SECONDS:g} s",
            "check the connection to the cluster and the node the pod runs on",
        )
    if progress.error is not None:  # refused (404, 403, not started yet): before the 200
        raise progress.error
    return FollowResponse(follower, wake)
