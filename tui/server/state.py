"""The per-app values routes need, on ``app.state``, handed to them by FastAPI's ``Depends``.

The routers are module-level, so one set of routes serves every app (``podbay --serve``
makes one, the tests many): what differs per app is put here by ``make_app`` instead of
being captured by the route functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from tui.core.workbench import Workbench


@dataclass(frozen=True)
class ServerState:
    workbench: Workbench
    rest_policy: bool = False  # PUT /config may change the policy keys (--allow-rest-policy)


def attach(app: FastAPI, state: ServerState) -> None:
    app.state.podbay = state


def server_state(request: Request) -> ServerState:
    state: ServerState = request.app.state.podbay
    return state


# The dependencies are coroutines: FastAPI runs a plain function in the thread pool, and
# the warm pod list must answer without a thread hop.
async def _workbench(request: Request) -> Workbench:
    return server_state(request).workbench


async def _rest_policy(request: Request) -> bool:
    return server_state(request).rest_policy


WorkbenchDep = Annotated[Workbench, Depends(_workbench)]
RestPolicyDep = Annotated[bool, Depends(_rest_policy)]
