"""One-shot exec in a pod: stdout and stderr apart, the real exit code, and a timeout.

(Interactive sessions with a TTY, resize and close: :mod:`tui.core.terminal`.)
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException
from kubernetes.stream import stream

from tui.core import libcompat
from tui.core.errors import ApiError, from_api_exception, from_transport_error, timed_out

STDOUT, STDERR, ERROR = 1, 2, 3
HANDSHAKE_SECONDS = 30.0  # for an API client that is not a TimedApiClient (settings' default)
_HANDSHAKE = re.compile(r"Handshake status (\d{3})")
_KWOK_EXIT = re.compile(r"exit status (\d+)")


@dataclass
class ExecResult:
    stdout: str
    stderr: str
    exit_code: int | None  # None when the command could not start or timed out
    timed_out: bool = False
    error: str = ""  # why exit_code is None, for people
    duration_ms: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def exit_code_of(status: dict[str, Any]) -> tuple[int | None, str]:
    """Exit code from the exec status frame (channel 3): (code, error message).

    A kubelet sends ``NonZeroExitCode`` with an ``ExitCode`` cause; kwok only says
    ``... exit status N`` in the message, which is parsed the same way.
    """
    if status.get("status") == "Success":
        return 0, ""
    for cause in (status.get("details") or {}).get("causes") or []:
        if cause.get("reason") == "ExitCode":
            try:
                return int(cause.get("message", "")), ""
            except ValueError:
                break
    message = str(status.get("message", ""))
    match = _KWOK_EXIT.search(message)
    if match:
        return int(match.group(1)), ""
    return None, message or "the command failed without an exit code"


def _handshake_error(exc: ApiException, action: str) -> ApiError:
    """websocket_call wraps a refused upgrade as status 0; recover the HTTP status and body.

    websocket-client words it ``Handshake status 403 Forbidden -+-+- {headers} -+-+- body``
    (older releases wrote the body as ``b'…'``).
    """
    text = str(exc.reason or "")
    match = _HANDSHAKE.search(text)
    if not match:
        return from_api_exception(exc, action)
    body = text.rsplit("-+-+-", 1)[-1].strip() if "-+-+-" in text else ""
    if body.startswith("b'") and body.endswith("'"):
        body = body[2:-1].replace("\\'", "'")
    wrapped = ApiException(status=int(match.group(1)), reason=text[:80])
    wrapped.body = body
    return from_api_exception(wrapped, action)


def open_websocket(
    api: client.ApiClient,
    namespace: str,
    pod: str,
    command: list[str],
    *,
    container: str | None = None,
    stdin: bool = False,
    tty: bool = False,
    action: str | None = None,
) -> Any:
    """The exec WebSocket (a kubernetes-client ``WSClient`` in binary mode), or ApiError.

    ``kubernetes.stream.stream`` swaps ``call_api`` on the ApiClient it is given for the
    duration of the handshake: on a client other threads use (the REST server's thread pool,
    watch caches) their requests would go down the WebSocket path, and two overlapping
    handshakes can leave the swap in place for good. So the handshake runs on a private
    ApiClient over the same Configuration (same trust bundle, same token/exec-plugin auth).
    """
    action = action or f"exec in pod {pod} in namespace {namespace}"
    kwargs: dict[str, Any] = {"container": container} if container else {}
    private = client.ApiClient(api.configuration)
    # the handshake may take what any call may (TimedApiClient), then the stream has none
    timeout = getattr(api, "request_timeout", HANDSHAKE_SECONDS)
    try:
        core: Any = client.CoreV1Api(private)
        with libcompat.websocket_handshake_timeout(timeout):
            ws = stream(
                core.connect_get_namespaced_pod_exec,
                pod,
                namespace,
                command=command,
                stderr=True,
                stdin=stdin,
                stdout=True,
                tty=tty,
                binary=True,
                _preload_content=False,
                **kwargs,
            )
        ws.sock.settimeout(None)
        return ws
    except ApiException as exc:
        if timed_out(exc):  # the client wraps every handshake failure as status 0
            raise from_transport_error(exc, action, timeout) from exc
        raise _handshake_error(exc, action) from exc
    finally:
        private.close()


def run(
    api: client.ApiClient,
    namespace: str,
    pod: str,
    command: list[str],
    *,
    container: str | None = None,
    timeout: float = 60.0,
) -> ExecResult:
    """Run ``command`` (an argument list, never a shell string) and wait up to ``timeout``."""
    started = time.monotonic()
    ws = open_websocket(api, namespace, pod, command, container=container)
    out: dict[int, bytearray] = {STDOUT: bytearray(), STDERR: bytearray(), ERROR: bytearray()}
    deadline = started + timeout
    timed_out = False
    try:
        while ws.is_open():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            ws.update(timeout=min(remaining, 1.0))
            for channel in out:
                if ws.peek_channel(channel):
                    data = ws.read_channel(channel)
                    out[channel] += data if isinstance(data, bytes) else data.encode()
    finally:
        ws.close()
    elapsed_ms = int((time.monotonic() - started) * 1000)
    stdout = out[STDOUT].decode("utf-8", "replace")
    stderr = out[STDERR].decode("utf-8", "replace")
    if timed_out:
        return ExecResult(
            stdout,
            stderr,
            None,
            True,
            f"no exit within {timeout:g}s; the command may still run in the container",
            elapsed_ms,
        )
    try:
        status = json.loads(out[ERROR] or b"{}")
    except ValueError:
        status = {"message": out[ERROR].decode("utf-8", "replace")}
    if not status:
        return ExecResult(
            stdout, stderr, None, False, "the connection ended without a status", elapsed_ms
        )
    code, error = exit_code_of(status)
    return ExecResult(stdout, stderr, code, False, error, elapsed_ms)
