"""``podbay --serve``: bind safely, then run the REST app with uvicorn."""

from __future__ import annotations

import ipaddress
import secrets
import sys

from tui.core.workbench import Workbench


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(workbench: Workbench, host: str, port: int, token: str | None) -> int:
    """Loopback binds may go without a token; any other bind requires one (generated and
    printed once if not given). The token is never logged."""
    import uvicorn

    from tui.server.app import make_app

    if not is_loopback(host) and not token:
        token = secrets.token_urlsafe(32)
        print(
            f"podbay: binding {host} requires a token; generated one for this run:\n"
            f"  Authorization: Bearer {token}",
            file=sys.stderr,
        )
    app = make_app(workbench, token=token)
    print(
        f"podbay: serving the Kubernetes API on http://{host}:{port}/api/kubernetes "
        f"(OpenAPI at /openapi.json)",
        file=sys.stderr,
    )
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=True)
    return 0
