"""Image suggestion on the sandbox: an admin may list nodes, so images on the real node are
marked and the sandbox's ``podbay.local/node:18`` comes first for ``.nvmrc`` ``18``; the
spec's restricted Role may not, so the mark is absent and nothing fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Namespace
from tests.server.local_client import rest_client
from tests.unit.imagesuggest_helpers import project
from tui.core.imagesuggest import list_node_images, suggest_images
from tui.core.settings import Settings
from tui.core.workbench import Workbench
from tui.server.app import make_app

pytestmark = pytest.mark.cluster
URL = "/api/kubernetes/suggest-image"


def _project(tmp_path: Path) -> Path:
    return project(tmp_path / "proj", {".nvmrc": "18\n", ".python-version": "3.12.1\n"})


def test_engine_marks_node_images_and_offers_the_sandbox_image_first(
    real_node: Namespace, tmp_path: Path
) -> None:
    images = list_node_images(real_node.admin)
    assert images is not None and "podbay.local/node:18" in images
    doc = suggest_images(_project(tmp_path), node_images=images).to_json()
    first = doc["suggestions"][0]
    assert (first["image"], first["onNode"], first["sandboxImage"]) == (
        "podbay.local/node:18",
        True,
        True,
    )
    assert first["reasons"] == [{"file": ".nvmrc", "line": 1, "text": "18"}]
    published = [s for s in doc["suggestions"] if not s.get("sandboxImage")]
    assert published and all(s["onNode"] is False for s in published)
    assert not any(s["image"].startswith("podbay.local/python") for s in doc["suggestions"])

    assert list_node_images(real_node.restricted()) is None  # the spec's Role: no nodes
    doc = suggest_images(_project(tmp_path)).to_json()
    assert all("onNode" not in s for s in doc["suggestions"])


def test_rest_marks_with_admin_and_answers_without_marks_when_restricted(
    real_node: Namespace, tmp_path: Path
) -> None:
    root = _project(tmp_path)
    admin = Settings(
        kubeconfig=str(real_node.sandbox.kubeconfig("admin")), namespace=real_node.name
    )
    wb = Workbench(admin, tmp_path / "a.yaml")
    with rest_client(make_app(wb)) as client:
        r = client.post(URL, json={"path": str(root)})
    wb.close()
    assert r.status_code == 200, r.text
    assert r.json()["suggestions"][0]["image"] == "podbay.local/node:18"

    real_node.restricted()  # writes the restricted kubeconfig next to the test's files
    assert real_node._tmp is not None
    kubeconfig = real_node._tmp / "restricted.kubeconfig"
    wb = Workbench(
        Settings(kubeconfig=str(kubeconfig), namespace=real_node.name), tmp_path / "r.yaml"
    )
    with rest_client(make_app(wb)) as client:
        r = client.post(URL, json={"path": str(root)})
    wb.close()
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["suggestions"][0]["image"] == "python:3.12.1-slim-bookworm"  # exact first
    assert [s["image"][:8] for s in doc["suggestions"]][1] == "node:18."
    assert all("onNode" not in s for s in doc["suggestions"])
