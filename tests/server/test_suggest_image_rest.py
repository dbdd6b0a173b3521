"""``POST /api/kubernetes/suggest-image``: the engine's JSON over REST, a 422 naming a path
that is no readable directory, never a file's contents. No cluster here: the kubeconfig
does not exist, so the nodes cannot be listed and nothing is marked (and nothing fails)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.server.local_client import rest_client
from tests.unit.imagesuggest_helpers import project
from tui.core.imagesuggest import suggest_images
from tui.core.settings import Settings
from tui.core.workbench import Workbench
from tui.server.app import make_app

URL = "/api/kubernetes/suggest-image"


@pytest.fixture
def rest(tmp_path: Path) -> Iterator[TestClient]:
    wb = Workbench(Settings(kubeconfig=str(tmp_path / "no-such-kubeconfig")), tmp_path / "s.yaml")
    with rest_client(make_app(wb)) as client:
        yield client
    wb.close()


def test_same_json_as_the_engine_without_marks(rest: TestClient, tmp_path: Path) -> None:
    root = project(
        tmp_path / "p",
        {".python-version": "3.12.1\n", "pyproject.toml": '[project]\nrequires-python=">=3.13"\n'},
    )
    r = rest.post(URL, json={"path": str(root)})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc == suggest_images(root).to_json()
    assert doc["suggestions"][0]["image"] == "python:3.12.1-slim-bookworm"
    assert doc["conflicts"][0]["runtime"] == "python"
    assert all("onNode" not in s for s in doc["suggestions"])


@pytest.mark.parametrize("what", ["missing", "file", "nul", "empty"])
def test_not_a_readable_directory_is_a_422_naming_it(
    rest: TestClient, tmp_path: Path, what: str
) -> None:
    path = {
        "missing": str(tmp_path / "nope"),
        "file": str(project(tmp_path / "f", {"x.txt": "x"}) / "x.txt"),
        "nul": "bad\x00path",
        "empty": "",
    }[what]
    r = rest.post(URL, json={"path": path})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["success"] is False and body["fix"]
    if what in ("missing", "file"):
        assert path in body["error"]
    if what == "empty":
        assert body["problems"][0]["field"] == "path"


def test_a_body_without_path_is_a_422(rest: TestClient) -> None:
    assert rest.post(URL, json={}).status_code == 422
    assert rest.post(URL, json={"path": ".", "extra": 1}).status_code == 422


def test_only_versions_never_file_contents(rest: TestClient, tmp_path: Path) -> None:
    secret = "TOPSECRET" * 30
    root = project(
        tmp_path / "p",
        {
            ".nvmrc": f"{secret}\n",
            "package.json": '{"name": "x", "description": "'
            + secret
            + '", "volta": {"node": "20.11.0"}}',
            "Dockerfile": f"FROM node:20.11.0\nRUN echo {secret}\n",
        },
    )
    r = rest.post(URL, json={"path": str(root)})
    assert r.status_code == 200
    assert secret not in r.text and r.text.count("TOPSECRET") <= 4  # a warning quotes ≤ 40 chars
    assert r.json()["suggestions"][0]["image"].startswith("node:20.11.0")
