"""The REST app (``make_app`` is used by ``podbay --serve`` and the tests): the spec's
endpoints over the engine, one router per resource (routes/), behind the request guard.

Route handlers are plain functions, which FastAPI runs in a thread pool so the engine's
blocking Kubernetes calls never stall the event loop; the one exception is the pod list,
which a warm watch cache answers from pre-serialised rows without blocking (podlist.py).
"""

from __future__ import annotations

from fastapi import FastAPI

from tui import __version__
from tui.core.workbench import Workbench
from tui.server import errors, state, terminal
from tui.server.bodylimit import BodyLimit
from tui.server.guard import GuardRules, RequestGuard
from tui.server.routes import ROUTERS

MAX_BODY = 1024 * 1024


def make_app(
    workbench: Workbench,
    rules: GuardRules | None = None,
    *,
    token: str | None = None,
    rest_policy: bool = False,
) -> FastAPI:
    """The REST app. ``rules`` (Host names, token) guard every request on this port;
    without them: loopback names and ``token``. ``rest_policy`` lets PUT /config change the
    policy and credential keys (off by default: see routes/config.py)."""
    app = FastAPI(
        title="podbay",
        version=__version__,
        description="Ephemeral test pods on Kubernetes; compatible with the OpenCode Manager "
        "Kubernetes API.",
    )
    state.attach(app, state.ServerState(workbench, rest_policy=rest_policy))
    errors.install(app, errors.UnreachableDiagnosis(workbench))
    app.add_middleware(BodyLimit, limit=MAX_BODY)
    app.add_middleware(RequestGuard, rules=rules or GuardRules(token=token))  # outermost
    terminal.install(app, workbench)  # the pod terminal WebSocket (also on port+1)
    for router in ROUTERS:
        app.include_router(router)
    return app
