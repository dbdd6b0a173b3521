"""One JSON error shape for every failure: what happened, the fix, and field problems.
Never a stack trace, never a 500 for a client mistake."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from tui.core.errors import ApiError, PodbayError
from tui.core.models import problems

log = logging.getLogger("podbay.server")


def error_body(status: int, what: str, fix: str = "", **extra: object) -> JSONResponse:
    return JSONResponse(
        {"success": False, "error": what, "fix": fix, "status": status, **extra}, status
    )


def invalid(exc: ValidationError) -> JSONResponse:
    """422 for a body we validated ourselves (other ValidationErrors are bugs: 500)."""
    found = problems(exc)
    summary = "; ".join(f"{p['field']}: {p['reason']}" for p in found)
    return error_body(422, f"invalid request: {summary}", "fix the fields named", problems=found)


Diagnose = Callable[[], dict[str, Any]]


def install(app: FastAPI, diagnose: Diagnose | None = None) -> None:
    """Map every exception to the one error shape. ``diagnose`` (blocking; run in a thread)
    explains a 503: the cluster could not be reached, so the body says which step failed
    (kubeconfig, DNS, TCP, TLS, authentication) and that step's fix."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        found = problems(exc.errors(), strip=("body", "query", "path"))
        summary = "; ".join(f"{p['field']}: {p['reason']}" for p in found)
        return error_body(
            422, f"invalid request: {summary}", "fix the fields named", problems=found
        )

    @app.exception_handler(PodbayError)
    async def _podbay(_: Request, exc: PodbayError) -> JSONResponse:
        status = exc.status if isinstance(exc, ApiError) else int(getattr(exc, "status", 503))
        if status != 503 or diagnose is None:
            return error_body(status, exc.what, exc.fix)
        diagnosis = await run_in_threadpool(diagnose)
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
