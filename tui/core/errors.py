"""The engine's user-facing error: what went wrong and what to do about it."""

from __future__ import annotations

import json
import re
from typing import Any


class PodbayError(Exception):
    """An error for people: ``what`` happened, ``fix`` says what to do (never a traceback).

    ``status`` is the HTTP status the REST face answers with, one per cause: each subclass
    sets its own (503 only for a cluster podbay cannot reach, which REST explains with the
    connection diagnosis). This default is for an error no subclass names: a failure on
    podbay's side, reported with its ``what`` and ``fix``, not as a network problem."""

    status: int = 500

    def __init__(self, what: str, fix: str = "", *, status: int | None = None) -> None:
        self.what = what
        self.fix = fix
        if status is not None:
            self.status = status

        super().__init__(f"{what} ({fix})" if fix else what)


class ApiError(PodbayError):
    """A Kubernetes API failure mapped to what the user must know (status kept for REST)."""

    def __init__(self, status: int, what: str, fix: str = "", reason: str = "") -> None:
        super().__init__(what, fix)
        self.status = status
        self.reason = reason


def from_api_exception(exc: Exception, action: str) -> ApiError:
    """Turn a kubernetes-client ApiException into an ApiError that names the missing verb.

    ``action`` says what podbay was doing, e.g. "create pod web in namespace dev".
    """

    status = int(getattr(exc, "status", 0) or 0)
    body = getattr(exc, "body", None)
    message, reason = "", ""
    details: dict[str, object] = {}
    try:
        doc = json.loads(body) if body else {}
        message = str(doc.get("message", ""))
        reason = str(doc.get("reason", ""))
        details = doc.get("details") or {}
    except (ValueError, TypeError):
        message = str(getattr(exc, "reason", "") or exc)
    if status == 403:
        return ApiError(
            403,
            f"forbidden: cannot {action}: {message}",
            "ask a cluster admin to grant that verb on that resource to this account "
            "(Settings > Test connection lists every permission podbay uses)",
            reason,
        )
    if status == 404:
        kind = details.get("kind", "object")
        return ApiError(
            404,
            f"cannot {action}: {kind} not found ({message})",
            "check the name and namespace",
            reason,
        )
    if status == 409 and reason == "AlreadyExists":
        return ApiError(
            409,
            f"cannot {action}: {message}",
            "pick another name or delete the existing object first",
            reason,
        )
    if status == 409:  # Conflict: changed since read (a delete's UID precondition: resources.py)
        return ApiError(
            409,
            f"cannot {action}: it changed since podbay read it ({message})",
            "reload it and try again",
            reason,
        )
    if status == 429:
        return ApiError(
            429,
            f"cannot {action}: the apiserver is throttling requests ({message or 'HTTP 429'})",
            "wait a few seconds and retry",
            reason,
        )
    if status == 422 or status == 400:
        return ApiError(
            422,
            f"cannot {action}: the cluster rejected it: {message}",
            "fix the fields named above",
            reason,
        )
    if status == 410:  # a watch's resourceVersion expired: callers re-list
        return ApiError(410, f"cannot {action}: {message or 'expired'}", "list again", reason)
    if status == 401:
        return ApiError(
            401,
            f"cannot {action}: the credentials were rejected (401)",
            "refresh the token or kubeconfig; Settings > Test connection shows why",
            reason,
        )
    if status == 0:
        return ApiError(
            503,
            f"cannot {action}: the cluster is unreachable ({exc})",
            "Settings > Test connection diagnoses the connection",
        )
    # The apiserver's own failure is a bad gateway (502), never podbay's 500; its 503/504
    # (overloaded, timed out) keep their status.
    return ApiError(
        status if status in (503, 504) else 502,
        f"cannot {action}: the apiserver answered HTTP {status} "
        f"{message or getattr(exc, 'reason', '')}",
        "retry; if it persists, check the apiserver (its log says why)",
        reason,
    )


_TIMEOUT_SECONDS = re.compile(r"timeout=([0-9.]+)\)")


def timed_out(exc: BaseException) -> bool:
    """Whether ``exc`` (from urllib3 or a socket, perhaps wrapped) is a timeout."""
    from urllib3.exceptions import MaxRetryError
    from urllib3.exceptions import TimeoutError as Urllib3Timeout

    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, Urllib3Timeout | TimeoutError):  # socket.timeout is TimeoutError
            return True
        if type(cur).__name__ == "WebSocketTimeoutException":
            return True
        reason = cur.reason if isinstance(cur, MaxRetryError) else None
        cur = reason or cur.__cause__ or cur.__context__
    return False


def from_transport_error(exc: BaseException, action: str, seconds: float | None = None) -> ApiError:
    """A call that got no HTTP answer: 504 when it timed out (which call, after how long:
    ``seconds`` or what urllib3 says, what to check), else 503 (refused or broken)."""
    if not timed_out(exc):
        return ApiError(
            503,
            f"cannot {action}: the cluster is unreachable ({exc})",
            "Settings > Test connection diagnoses the connection",
        )
    found = _TIMEOUT_SECONDS.search(str(exc))
    seconds = float(found.group(1)) if found and seconds is None else seconds
    within = f" within {seconds:g} s" if seconds is not None else " in time"
    pool: Any = getattr(exc, "pool", None) or getattr(getattr(exc, "reason", None), "pool", None)
    where = f" at {pool.host}:{pool.port}" if getattr(pool, "host", None) else ""
    return ApiError(
        504,
        f"cannot {action}: the apiserver{where} did not answer{within} (timed out)",
        "check that the apiserver is up and that nothing between drops the traffic (VPN, "
        "proxy, firewall); Settings > Test connection diagnoses the connection; if the "
        "cluster is only slow, raise request_timeout_seconds (--request-timeout)",
    )
