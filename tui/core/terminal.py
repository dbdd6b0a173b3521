"""Interactive terminal sessions in a pod: a TTY exec with stdin, resize, close, raw output
and the real exit status. Both faces use it: the REST server's terminal WebSocket and the
TUI's embedded terminal.

One I/O thread per session owns the Kubernetes exec WebSocket; nothing else touches that
socket (an SSL socket must not be read and written from two threads at once). The thread
waits on the socket and on a wake-up socket pair, so ``write``, ``resize`` and ``close``
never block: they queue a frame and wake it. Output lands in a bounded buffer; the consumer
is told that the buffer became non-empty (``on_ready``, called from the I/O thread) and
takes everything with :meth:`TerminalSession.read_nowait`, which coalesces frames. When the
buffer is full the thread stops reading from the cluster (TCP pushes back to the apiserver)
but still sends keystrokes, so Ctrl-C reaches a process that floods the screen.

An asyncio consumer passes ``on_ready=lambda: loop.call_soon_threadsafe(event.set)``; a
Textual widget passes ``app.call_from_thread``-style wake-ups; a plain thread uses
:meth:`read` (blocking). In every case, once :attr:`exit` is set, everything the process
wrote is already in the buffer: check ``exit`` *before* ``read_nowait()`` and the data read
is complete when ``exit`` was not None.
"""

from __future__ import annotations

import contextlib
import json
import logging
import select
import selectors
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

from kubernetes import client
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError
from websocket import ABNF, WebSocketException

from tui.core import execution, libcompat
from tui.core.errors import ApiError, PodbayError, from_api_exception, from_transport_error
from tui.core.execution import exit_code_of, open_websocket

log = logging.getLogger("podbay.terminal")

#: The spec promises only ``/bin/sh`` in the image; bash is nicer when it is there.
DEFAULT_SHELL = [
    "/bin/sh",
    "-c",
    "if command -v bash >/dev/null 2>&1; then exec bash; fi; exec sh",
]
#: Every command starts under this: it announces its PID (an OSC sequence the session
#: strips from the output) and execs the command, which keeps that PID. A TTY exec is a
#: session leader, so the PID is also the session id of everything started in it.
PID_MARK = b"\x1b]podbay-pid;"
ANNOUNCE = 'printf "\\033]podbay-pid;%s\\007" "$$"; exec "$@"'
#: Closing the exec WebSocket does not end the process (the kubelet keeps its TTY open), so
#: on close a one-shot exec sends SIGHUP to every process of the session, as a terminal
#: hang-up would. Shell builtins only; field 6 of /proc/PID/stat (after "comm)") is the
#: session id.
HANGUP = """sid=$1
for d in /proc/[0-9]*; do
  read -r line 2>/dev/null < "$d/stat" || continue
  set -- ${line##*) }
  [ "$4" = "$sid" ] && kill -HUP "${d#/proc/}" 2>/dev/null
done
exit 0"""
HANGUP_TIMEOUT = 10.0
ANNOUNCE_WINDOW = 64 * 1024
ANNOUNCE_GRACE = 3.0  # seconds a close waits for a PID announcement still in flight
STDIN, STDOUT, STDERR, ERROR, RESIZE = 0, 1, 2, 3, 4
CLOSE_CHANNEL = 255  # v5.channel.k8s.io: "this channel is closed"
V5 = "v5.channel.k8s.io"
MAX_BUFFERED = 1 << 20  # output held for a slow consumer before the cluster is paused
KEEPALIVE_SECONDS = 30.0  # idle time after which a WebSocket ping goes to the apiserver
STDIN_CHUNK = 64 * 1024

ExitReason = Literal["exited", "failed", "closed", "disconnected"]


@dataclass(frozen=True)
class TerminalExit:
    """How a session ended.

    ``exited``: the process ended; ``exit_code`` is its status. ``failed``: the cluster
    reported a failure without an exit code (command not found, container gone); ``message``
    says which. ``closed``: this side closed the session first. ``disconnected``: the
    connection ended without a status (apiserver restart, network); ``message`` says how.
    """

    exit_code: int | None
    reason: ExitReason
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _size(cols: int, rows: int) -> bytes:
    for what, value in (("cols", cols), ("rows", rows)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 65535:
            raise ValueError(f"{what} must be an integer from 1 to 65535, not {value!r}")
    return bytes([RESIZE]) + json.dumps({"Width": cols, "Height": rows}).encode()


def _running_container(pod: dict[str, Any], name: str, container: str | None) -> str:
    """The container to attach to, or an ApiError that says why there is none."""
    meta, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    namespace = meta.get("namespace", "")
    names = [str(c.get("name")) for c in spec.get("containers") or []]
    names += [str(c.get("name")) for c in spec.get("ephemeralContainers") or []]
    if container is None:
        annotated = (meta.get("annotations") or {}).get("kubectl.kubernetes.io/default-container")
        container = annotated if annotated in names else (names[0] if names else None)
    if container is None or container not in names:
        raise ApiError(
            404,
            f"container {container!r} not found in pod {name} in namespace {namespace}",
            f"pick one of: {', '.join(names) or '(none)'}",
        )
    phase = str(status.get("phase", "Unknown"))
    if phase != "Running":
        raise ApiError(
            409,
            f"pod {name} is {phase}: a terminal needs a running container",
            "wait until the pod is Running, or start a new pod (finished pods cannot be "
            "entered; their logs remain)",
        )
    statuses = (status.get("containerStatuses") or []) + (
        status.get("ephemeralContainerStatuses") or []
    )
    for st in statuses:
        if st.get("name") == container and "running" not in (st.get("state") or {}):
            state = st.get("state") or {}
            detail = next(
                (f"{k}: {v.get('reason', '')}".rstrip(": ") for k, v in state.items() if v),
                "not started",
            )
            raise ApiError(
                409,
                f"container {container} in pod {name} is not running ({detail})",
                "check the pod's status and logs; a terminal needs a running container",
            )
    return container


def _preflight(
    api: client.ApiClient, namespace: str, pod: str, container: str | None
) -> str | None:
    """Read the pod to turn "not Running" / "no such container" into clear errors (the
    exec handshake itself would say "container not found" as a 500 after upgrading).
    Returns the container to use; when the account may not read pods, leaves it to exec."""
    core: Any = client.CoreV1Api(api)
    try:
        resp = core.read_namespaced_pod(pod, namespace, _preload_content=False)
    except ApiException as exc:
        if exc.status == 403:
            return container
        raise from_api_exception(exc, f"get pod {pod} in namespace {namespace}") from exc
    except HTTPError as exc:
        raise from_transport_error(exc, f"get pod {pod} in namespace {namespace}") from exc
    return _running_container(json.loads(resp.data), pod, container)


@dataclass(frozen=True)
class _Target:
    api: client.ApiClient
    namespace: str
    pod: str
    container: str | None

    def describe(self) -> str:
        return f"{self.namespace}/{self.pod}" + (f"/{self.container}" if self.container else "")


class TerminalSession:
    """One interactive TTY exec. Make it with :meth:`open`; always :meth:`close` it (or use
    it as a context manager)."""

    def __init__(
        self,
        ws: Any,
        target: _Target,
        *,
        on_ready: Callable[[], None] | None = None,
        max_buffered: int = MAX_BUFFERED,
    ) -> None:
        self.target = target
        self.description = target.describe()
        self._ws = ws  # kubernetes.stream.ws_client.WSClient (binary mode)
        self._sock = ws.sock  # websocket.WebSocket
        self._v5 = ws.subprotocol == V5
        self._on_ready = on_ready
        self._max = max(1, max_buffered)
        self._cond = threading.Condition()
        self._out = bytearray()
        self._status = bytearray()
        self._outgoing: deque[bytes] = deque()
        self._closing = False
        self._peer_closed = False
        self._exit: TerminalExit | None = None
        self._pid: int | None = None  # announced by the ANNOUNCE wrapper
        self._head: bytearray | None = bytearray()  # a part of the mark, held back
        self._searched = 0
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._thread = threading.Thread(target=self._run, name=f"terminal {self.description}")
        self._thread.daemon = True

    # ---- opening --------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        api: client.ApiClient,
        namespace: str,
        pod: str,
        command: list[str] | None = None,
        *,
        container: str | None = None,
        cols: int = 80,
        rows: int = 24,
        on_ready: Callable[[], None] | None = None,
        max_buffered: int = MAX_BUFFERED,
    ) -> TerminalSession:
        """Start ``command`` (default :data:`DEFAULT_SHELL`: bash if the image has it, else
        sh) with a TTY of ``cols`` x ``rows`` in ``pod``. Blocks for the handshake, so call it
        off an event loop. ApiError (with a fix) for a missing pod (404), a missing
        ``create pods/exec`` permission (403), a pod or container that is not running (409),
        an unknown container (404) or an unreachable cluster (503)."""
        resize = _size(cols, rows)
        if command is not None and not command:
            raise ValueError("command must be a non-empty argument list (or None for a shell)")
        container = _preflight(api, namespace, pod, container)
        action = f"open a terminal (get+create pods/exec) in pod {pod} in namespace {namespace}"
        try:
            ws = open_websocket(
                api,
                namespace,
                pod,
                ["/bin/sh", "-c", ANNOUNCE, "sh", *(command or DEFAULT_SHELL)],
                container=container,
                stdin=True,
                tty=True,
                action=action,
            )
        except ApiError as exc:
            if exc.status == 422:  # the apiserver's 400: bad container, pod not running
                raise ApiError(
                    409, exc.what, "check that the pod is Running and the container exists"
                ) from exc
            raise
        session = cls(
            ws,
            _Target(api, namespace, pod, container),
            on_ready=on_ready,
            max_buffered=max_buffered,
        )
        session._outgoing.append(resize)  # the first frame: the TTY's size
        session._thread.start()
        return session

    # ---- the consumer's side (any thread) ---------------------------------------------
    @property
    def exit(self) -> TerminalExit | None:
        """How the session ended; None while it runs. Set after the last output arrived."""
        return self._exit

    @property
    def exit_code(self) -> int | None:
        return self._exit.exit_code if self._exit else None

    def write(self, data: bytes) -> None:
        """Send keystrokes (raw bytes, never interpreted). Ignored once the session ended."""
        if not data:
            return
        frames = [
            bytes([STDIN]) + data[i : i + STDIN_CHUNK] for i in range(0, len(data), STDIN_CHUNK)
        ]
        self._queue(*frames)

    def resize(self, cols: int, rows: int) -> None:
        """Set the TTY size (channel 4); ValueError for sizes outside 1..65535."""
        self._queue(_size(cols, rows))

    def close(self) -> None:
        """End the session (the process gets a hangup); idempotent, never blocks."""
        with self._cond:
            self._closing = True
        self._wake()

    def read_nowait(self) -> bytes:
        """All output buffered so far (b"" when none)."""
        with self._cond:
            data = bytes(self._out)
            was_full = len(self._out) >= self._max
            self._out.clear()
        if was_full:
            self._wake()  # the I/O thread paused reading; let it go on
        return data

    def read(self, timeout: float | None = None) -> bytes:
        """Block until output arrives, the session ends, or ``timeout`` passes. b"" means
        no output (see :attr:`exit` for whether the session ended)."""
        with self._cond:
            self._cond.wait_for(lambda: self._out or self._exit is not None, timeout)
        return self.read_nowait()

    def wait(self, timeout: float | None = None) -> TerminalExit | None:
        """Wait for the end of the session (output keeps buffering meanwhile)."""
        with self._cond:
            self._cond.wait_for(lambda: self._exit is not None, timeout)
            return self._exit

    def __enter__(self) -> TerminalSession:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _queue(self, *frames: bytes) -> None:
        with self._cond:
            if self._exit is not None or self._closing:
                return
            self._outgoing.extend(frames)
        self._wake()

    def _wake(self) -> None:
        # BlockingIOError: a wake-up is pending already; OSError: the session is over
        with contextlib.suppress(OSError):
            self._wake_w.send(b"\0")

    def _notify(self) -> None:
        if self._on_ready is not None:
            try:
                self._on_ready()
            except Exception:  # a consumer that went away must not kill the I/O thread
                log.exception("terminal %s: on_ready callback failed", self.description)

    # ---- the I/O thread ---------------------------------------------------------------
    def _run(self) -> None:
        ending: TerminalExit | None = None
        selector = selectors.DefaultSelector()
        raw = self._sock.sock
        try:
            selector.register(self._wake_r, selectors.EVENT_READ)
            reading = False
            last_sent = time.monotonic()
            grace: float | None = None
            while True:
                with self._cond:
                    frames = list(self._outgoing)
                    self._outgoing.clear()
                    closing = self._closing
                    room = len(self._out) < self._max
                for frame in frames:
                    self._sock.send(frame, opcode=ABNF.OPCODE_BINARY)
                    last_sent = time.monotonic()
                if closing:
                    # Closed before the PID announcement arrived (keystrokes echoed first):
                    # read a moment longer for it, or the hang-up has no target.
                    grace = grace or time.monotonic() + ANNOUNCE_GRACE
                    if self._head is None or self._pid is not None or time.monotonic() > grace:
                        ending = TerminalExit(None, "closed", "the session was closed by podbay")
                        break
                    room = True
                if room != reading:
                    if room:
                        selector.register(raw, selectors.EVENT_READ)
                    else:
                        selector.unregister(raw)
                    reading = room
                if reading and isinstance(raw, ssl.SSLSocket) and raw.pending():
                    ready = True  # decrypted bytes wait inside the SSL object, not the fd
                else:
                    now = time.monotonic()
                    wait = KEEPALIVE_SECONDS - (now - last_sent)
                    if grace:
                        wait = min(wait, grace - now)
                    events = selector.select(timeout=max(wait, 0))
                    if not events and not grace:
                        self._sock.ping()
                        last_sent = time.monotonic()
                        continue
                    ready = any(key.fileobj is raw for key, _ in events)
                    if any(key.fileobj is self._wake_r for key, _ in events):
                        self._drain_wake()
                if ready and not self._receive():
                    ending = self._ended()
                    break
        except (WebSocketException, OSError) as exc:
            ending = self._ended(f"connection lost: {exc}")
        except Exception as exc:  # a bug: say so instead of hanging the consumer
            log.exception("terminal %s: I/O thread failed", self.description)
            ending = TerminalExit(None, "disconnected", f"podbay error: {exc!r}")
        finally:
            selector.close()
            self._shutdown()
            if ending is None or ending.reason in ("closed", "disconnected"):
                trouble = self._hang_up()
                if trouble:
                    log.warning("terminal %s: %s", self.description, trouble)
                    base = ending or TerminalExit(None, "disconnected", "ended")
                    ending = TerminalExit(
                        None, base.reason, "; ".join(filter(None, (base.message, trouble)))
                    )
            with self._cond:
                if self._head:  # held back for a mark that never completed: it was output
                    self._out += self._head
                self._exit = ending or TerminalExit(None, "disconnected", "ended")
                self._cond.notify_all()
            self._notify()

    def _receive(self) -> bool:
        """Take every frame already available; False when the connection has ended."""
        while True:
            opcode, frame = self._sock.recv_data_frame(True)
            if opcode == ABNF.OPCODE_CLOSE:  # recv_data_frame has answered it already
                self._peer_closed = True
                return False
            data: bytes = frame.data if opcode in (ABNF.OPCODE_BINARY, ABNF.OPCODE_TEXT) else b""
            if data:
                channel, payload = data[0], data[1:]
                if channel == STDOUT and self._head is not None:
                    payload = self._announcement(payload)
                if channel in (STDOUT, STDERR) and payload:
                    with self._cond:
                        was_empty = not self._out
                        self._out += payload
                        full = len(self._out) >= self._max
                        self._cond.notify_all()
                    if was_empty:
                        self._notify()
                    if full:
                        return True
                elif channel == ERROR:
                    self._status += payload
            raw = self._sock.sock
            if isinstance(raw, ssl.SSLSocket) and raw.pending():
                continue
            if not select.select([raw], [], [], 0)[0]:
                return True

    def _announcement(self, payload: bytes) -> bytes:
        """Take the PID announcement out of the first output; the rest passes through.

        Keystrokes typed before the wrapper ran are echoed first, so the mark is searched,
        not expected at the start; a mark cut by a frame boundary is held back until the
        next frame. Searching stops at the mark or after ANNOUNCE_WINDOW bytes.
        """
        assert self._head is not None
        data = bytes(self._head) + payload
        self._head = bytearray()
        start = data.find(PID_MARK)
        if start >= 0:
            end = data.find(b"\x07", start)
            if end < 0 and len(data) - start < 64:
                self._head += data[start:]
                return data[:start]
            digits = data[start + len(PID_MARK) : end] if end > 0 else b""
            self._head = None
            if digits.isdigit():
                self._pid = int(digits)
                return data[:start] + data[end + 1 :]
            return data
        self._searched += len(data)
        if self._searched > ANNOUNCE_WINDOW:
            self._head = None
            return data
        for cut in range(min(len(PID_MARK) - 1, len(data)), 0, -1):
            if data.endswith(PID_MARK[:cut]):
                self._head += data[-cut:]
                return data[:-cut]
        return data

    def _hang_up(self) -> str:
        """SIGHUP to the session's processes; "" or why that failed."""
        if self._pid is None:
            return "its PID was never announced; the process may still run in the container"
        t = self.target
        try:
            res = execution.run(
                t.api,
                t.namespace,
                t.pod,
                ["/bin/sh", "-c", HANGUP, "sh", str(self._pid)],
                container=t.container,
                timeout=HANGUP_TIMEOUT,
            )
        except PodbayError as exc:
            return f"could not hang up the process (it may still run): {exc.what}"
        if res.exit_code != 0:
            return f"could not hang up the process (it may still run): {res.error or res.stderr}"
        return ""

    def _ended(self, problem: str = "") -> TerminalExit:
        """The exit from the status frame (channel 3), if the cluster sent one."""
        if self._status:
            try:
                status = json.loads(bytes(self._status))
            except ValueError:
                status = {"message": self._status.decode("utf-8", "replace")}
            code, error = exit_code_of(status)
            if code is not None:
                return TerminalExit(code, "exited")
            return TerminalExit(None, "failed", error)
        return TerminalExit(
            None, "disconnected", problem or "the connection ended without an exit status"
        )

    def _drain_wake(self) -> None:
        with contextlib.suppress(OSError):
            while self._wake_r.recv(4096):
                pass

    def _shutdown(self) -> None:
        try:
            if self._sock.connected and not self._peer_closed:
                self._sock.close(timeout=1)
        except (WebSocketException, OSError):
            pass
        finally:
            libcompat.close_websocket_now(self._ws)
            self._wake_r.close()
            self._wake_w.close()
