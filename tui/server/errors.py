"""One JSON error shape for every failure: what happened, the fix, and field problems.
Never a stack trace, never a 500 for a client mistake."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from tui.core.diagnosis import diagnose
from tui.core.errors import PodbayError
from tui.core.problems import problems, summary
from tui.core.workbench import Workbench

log = logging.getLogger("podbay.server")


def error_body(status: int, what: str, fix: str = "", **extra: object) -> JSONResponse:
    return JSONResponse(
        {"success": False, "error": what, "fix": fix, "status": status, **extra}, status
    )


def invalid(exc: ValidationError | Sequence[Any], strip: tuple[str, ...] = ()) -> JSONResponse:
    """422 for a body we validated ourselves (other ValidationErrors are bugs: 500), or for
    FastAPI's own validation (its ``errors()``, locations starting with ``strip``)."""
    found = problems(exc, strip=strip)
    return error_body(
        422, f"invalid request: {summary(found)}", "fix the fields named", problems=found
    )


Diagnose = Callable[[], dict[str, Any]]

DIAGNOSIS_SECONDS = 5.0  # clients retrying against a dead cluster reuse one diagnosis


class UnreachableDiagnosis:
    """The reachability part of Test connection, for a 503 body; memoised a few seconds per
    settings so a client retrying in a loop does not start a diagnosis per request."""

    def __init__(self, wb: Workbench) -> None:
        self.wb = wb
        self._last: tuple[float, str, dict[str, Any]] | None = None

    def __call__(self) -> dict[str, Any]:
        now, settings = time.monotonic(), self.wb.settings.model_dump_json()
        last = self._last
        if last is not None and now - last[0] < DIAGNOSIS_SECONDS and last[1] == settings:
            return last[2]
        result = diagnose(self.wb.settings, timeout=3.0, reachability_only=True).to_json()
        self._last = (now, settings, result)
        return result


def install(app: FastAPI, explain_503: Diagnose | None = None) -> None:
    """Map every exception to the one error shape. ``explain_503`` (blocking, so run in a
    thread; an :class:`UnreachableDiagnosis`) explains a 503: the cluster could not be
    reached, so the body says which step failed (kubeconfig, DNS, TCP, TLS,
    authentication) and that step's fix."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return invalid(exc.errors(), strip=("body", "query", "path"))

    @app.exception_handler(PodbayError)
    async def _podbay(_: Request, exc: PodbayError) -> JSONResponse:
        status = exc.status  # each cause its own (errors.py); 503 only for an unreachable cluster
        if status != 503 or explain_503 is None:
            return error_body(status, exc.what, exc.fix)
        diagnosis = await run_in_threadpool(explain_503)
        failed = [c for c in diagnosis.get("checks", []) if c.get("status") == "fail"]
        fix = f"{failed[0]['name']}: {failed[0]['fix']}" if failed and failed[0]["fix"] else exc.fix
        return error_body(status, exc.what, fix, diagnosis=diagnosis)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_body(exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_body(
            500,
            f"internal error ({type(exc).__name__})",
            "this is a podbay bug; the server log has the details",
        )
