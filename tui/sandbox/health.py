"""Health probes over TLS: the sandbox's own CA and client certificates, loopback only."""

from __future__ import annotations

import http.client
import ssl
import time
from collections.abc import Callable
from pathlib import Path

from tui.sandbox.pki import CertPair


def tls_context(ca: Path | None, client: CertPair | None = None) -> ssl.SSLContext:
    """Verify against ``ca`` (or skip verification for self-signed component ports)."""
    if ca is None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    else:
        ctx = ssl.create_default_context(cafile=str(ca))
    if client is not None:
        ctx.load_cert_chain(str(client.cert), str(client.key))
    return ctx


def get(port: int, path: str, ctx: ssl.SSLContext | None, timeout: float = 2.0) -> tuple[int, str]:
    """GET https://127.0.0.1:port/path (plain http when ``ctx`` is None)."""
    conn: http.client.HTTPConnection
    if ctx is None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    else:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=ctx)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def probe(port: int, path: str, ctx: ssl.SSLContext | None) -> str | None:
    """None when healthy (HTTP 200), else a short reason."""
    try:
        status, body = get(port, path, ctx)
    except (TimeoutError, OSError, http.client.HTTPException) as exc:
        return f"{type(exc).__name__}: {exc}"
    if status == 200:
        return None
    return f"HTTP {status}: {body.strip()[-300:]}"


def wait_until(
    check: Callable[[], str | None],
    timeout: float,
    *,
    still_running: Callable[[], bool] = lambda: True,
    interval: float = 0.1,
) -> str | None:
    """Poll ``check`` until it returns None; the last reason on timeout or early exit."""
    deadline = time.monotonic() + timeout
    reason = check()
    while reason is not None:
        if not still_running():
            return "process exited"
        if time.monotonic() > deadline:
            return reason
        time.sleep(interval)
        interval = min(interval * 1.5, 1.0)
        reason = check()
    return None
