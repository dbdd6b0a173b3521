"""``podbay --serve``: bind safely, then run the REST app and the terminal port with uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sys
from collections.abc import Iterator, Sequence
from types import FrameType
from typing import Any

from tui.core.workbench import Workbench
from tui.server.guard import GuardRules, is_loopback, served_names

WS_PING_SECONDS = 20.0  # WebSocket pings keep idle terminals alive through proxies


def serve(
    workbench: Workbench,
    host: str,
    port: int,
    token: str | None,
    terminal_port: int | None = None,
    *,
    allowed_hosts: Sequence[str] = (),
    rest_policy: bool = False,
) -> int:
    """Loopback binds may go without a token; any other bind requires one (generated and
    printed once if not given). The token is never logged. Requests must name this server
    in ``Host`` (loopback, ``host``, ``allowed_hosts``) and come from no foreign ``Origin``
    (guard.py); ``rest_policy`` lets PUT /config change policy and credential keys.

    Two uvicorn servers share one event loop: the REST app on ``port`` and the pod terminal
    WebSocket on ``terminal_port`` (default ``port + 1``, the spec's 5004 next to 5003). One
    Ctrl-C or SIGTERM stops both; if either port cannot be bound, podbay exits 1.
    """
    import uvicorn

    from tui.server.app import make_app
    from tui.server.terminal import PATH, SEED_PATH, terminal_app

    if not is_loopback(host) and not token:
        token = secrets.token_urlsafe(32)
        print(
            f"podbay: binding {host} requires a token; generated one for this run:\n"
            f"  Authorization: Bearer {token}",
            file=sys.stderr,
        )
    term_port = port + 1 if terminal_port is None else terminal_port
    rules = GuardRules(served_names(host, allowed_hosts), token)
    app = make_app(workbench, rules, rest_policy=rest_policy)
    print(
        f"podbay: serving the Kubernetes API on http://{host}:{port}/api/kubernetes "
        f"(OpenAPI at /openapi.json)\n"
        f"podbay: pod terminal WebSocket on ws://{host}:{term_port}{PATH} and {SEED_PATH} "
        f"(also on port {port})\n"
        f"podbay: answering for the host names {', '.join(sorted(rules.names))} "
        "(more with --allowed-host)",
        file=sys.stderr,
    )
    if rest_policy:
        print(
            "podbay: --allow-rest-policy: REST clients may change credential and policy settings",
            file=sys.stderr,
        )

    def config(asgi: Any, bind_port: int) -> uvicorn.Config:
        return uvicorn.Config(
            asgi,
            host=host,
            port=bind_port,
            log_level="info",
            access_log=True,
            ws_ping_interval=WS_PING_SECONDS,
            ws_ping_timeout=WS_PING_SECONDS,
        )

    class Sibling(uvicorn.Server):
        """The terminal-port server: stopped by the main server's signal handler."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    class Main(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            super().handle_exit(sig, frame)
            sibling.should_exit = True
            sibling.force_exit = self.force_exit

    main = Main(config(app, port))
    sibling = Sibling(config(terminal_app(workbench, rules), term_port))

    async def both() -> None:
        await asyncio.gather(main.serve(), sibling.serve())

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(both())
    return 0
