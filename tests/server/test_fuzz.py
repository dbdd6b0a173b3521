"""OpenAPI-driven fuzzing of every endpoint against the sandbox: no input makes a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.conftest import Namespace
from tui.core.settings import Settings
from tui.core.workbench import Workbench
from tui.server.app import make_app

pytestmark = pytest.mark.cluster


_LIVE: dict[str, Any] = {}  # the working settings, restored before every fuzz case


@pytest.fixture
def api_schema(namespace: Namespace, tmp_path: Path) -> Iterator[Any]:
    live = Settings(kubeconfig=str(namespace.sandbox.kubeconfig("admin")), namespace=namespace.name)
    wb = Workbench(live, tmp_path / "settings.yaml")
    _LIVE.update(wb=wb, settings=live)
    yield schemathesis.openapi.from_asgi("/openapi.json", make_app(wb))
    wb.close()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_input_makes_a_server_error(case: Any) -> None:
    # A fuzzed PUT /config may point podbay at no cluster (a fair 503); start each case from
    # the working settings so every other endpoint is fuzzed against a live cluster.
    _LIVE["wb"].update_settings(_LIVE["settings"], persist=False)
    response = case.call(timeout=60)
    assert response.status_code < 500, (case.method, case.path, response.text[:500])
