"""POST /suggest-image: images for a project directory on podbay's machine."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from tui.core.imagesuggest import project_root, suggest_images, workbench_node_images
from tui.server.routes.common import API, CamelBody
from tui.server.state import WorkbenchDep

router = APIRouter(prefix=API)


class SuggestImageRequest(CamelBody):
    path: str = Field(min_length=1, description="a project directory on podbay's machine")


@router.post("/suggest-image")
def suggest_image(wb: WorkbenchDep, request: SuggestImageRequest) -> dict[str, Any]:
    """Images for a project directory, best first, from its version files (the same
    JSON as ``podbay suggest-image --json``); images on the nodes are marked when the
    nodes can be listed. A path that is no readable directory is a 422."""
    root = project_root(request.path)
    return suggest_images(root, node_images=workbench_node_images(wb)).to_json()
