"""POST /cleanup: delete the pods podbay made that are in ``phases`` (Succeeded unless told)
and older than the maximum age; ``dryRun`` only names them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body
from pydantic import Field

from tui.core import cleanup as core_cleanup
from tui.server.routes.common import API, CamelBody
from tui.server.state import WorkbenchDep

router = APIRouter(prefix=API)

Phase = Literal["Succeeded", "Failed"]


class CleanupRequest(CamelBody):
    namespace: str | None = None
    phases: list[Phase] = Field(default_factory=lambda: list[Phase](["Succeeded"]))
    max_age_seconds: float | None = Field(default=None, ge=0)
    max_age_minutes: float | None = Field(default=None, ge=0)
    dry_run: bool = False


@router.post("/cleanup")
def cleanup(
    wb: WorkbenchDep, request: Annotated[CleanupRequest | None, Body()] = None
) -> dict[str, Any]:
    req = request or CleanupRequest()
    max_age = req.max_age_seconds
    if max_age is None and req.max_age_minutes is not None:
        max_age = req.max_age_minutes * 60
    result = core_cleanup.cleanup(
        wb.pods,
        req.namespace,
        phases=tuple(req.phases),
        max_age_seconds=max_age or 0,
        dry_run=req.dry_run,
    )
    data = result.to_json()
    data["deletedPods"] = result.deleted
    data["deleted"] = len(result.deleted)  # a number, as the seed's clients read it
    data["dryRun"] = result.dry_run
    data["wouldDelete"] = result.would_delete
    return data
