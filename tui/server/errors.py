"""One JSON error shape for every failure: what happened, the fix, and field problems.
Never a stack trace, never a 500 for a client mistake."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
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


def _field_problems(errors: list[dict[str, object]]) -> list[dict[str, str]]:
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]  # type: ignore[attr-defined]
        if loc and loc[0] in ("body", "query", "path"):
            loc = loc[1:]
        reason = str(err.get("msg", "")).removeprefix("Value error, ")
        if err.get("type") == "extra_forbidden":
            reason = "unknown field"
        elif err.get("type") == "missing":
            reason = "required"
        out.append({"field": ".".join(loc) or "(body)", "reason": reason})
    return out


def invalid(exc: ValidationError) -> JSONResponse:
    """422 for a body we validated ourselves (other ValidationErrors are bugs: 500)."""
    found = problems(exc)
    summary = "; ".join(f"{p['field']}: {p['reason']}" for p in found)
    return error_body(422, f"invalid request: {summary}", "fix the fields named", problems=found)


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        found = _field_problems(list(exc.errors()))
        summary = "; ".join(f"{p['field']}: {p['reason']}" for p in found)
        return error_body(
            422, f"invalid request: {summary}", "fix the fields named", problems=found
        )

    @app.exception_handler(PodbayError)
    async def _podbay(_: Request, exc: PodbayError) -> JSONResponse:
        status = exc.status if isinstance(exc, ApiError) else int(getattr(exc, "status", 503))
        return error_body(status, exc.what, exc.fix)

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
