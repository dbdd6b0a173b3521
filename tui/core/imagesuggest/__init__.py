"""Image suggestion from a project's version files (issue 10), for every face.

    from tui.core.imagesuggest import suggest_images
    report = suggest_images(Path("."), node_images=list_node_images(api))
    report.to_json()  # {"path", "suggestions": [...], "conflicts", "warnings", ...}

Modules: walk (the bounded walk), readers (file name → reader), one reader module per
ecosystem (node, python, ruby, golang, rust, jvm, misc: mise / .tool-versions / terraform
/ deno / bun, dockerfile), versions (requests, ranges, resolution), catalog (the packaged
tag data), tags (each image's tag shape), choose (ranking, agreement, conflicts), nodes
(images on the cluster's nodes), report (the result and its JSON), suggest (the entry
point). No Kubernetes import until nodes are listed.
"""

from __future__ import annotations

from tui.core.imagesuggest.nodes import list_node_images, workbench_node_images
from tui.core.imagesuggest.report import Conflict, Suggestion, SuggestionReport
from tui.core.imagesuggest.suggest import ProjectPathError, project_root, suggest_images

__all__ = [
    "Conflict",
    "ProjectPathError",
    "Suggestion",
    "SuggestionReport",
    "list_node_images",
    "project_root",
    "suggest_images",
    "workbench_node_images",
]
