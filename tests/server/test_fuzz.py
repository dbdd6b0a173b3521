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
from tui.server.guard import GuardRules, served_names

pytestmark = pytest.mark.cluster


# Schemathesis calls the ASGI app as 'testserver': let that name in (the guard has its own
# tests; here every case should reach the routes).
FUZZ_RULES = GuardRules(served_names("127.0.0.1", ["testserver"]))
_LIVE: dict[str, Any] = {}  # the working settings, restored before every fuzz case


@pytest.fixture
def api_schema(namespace: Namespace, tmp_path: Path) -> Iterator[Any]:
    live = Settings(kubeconfig=str(namespace.sandbox.kubeconfig("admin")), namespace=namespace.name)
    wb = Workbench(live, tmp_path / "settings.yaml")
    _LIVE.update(wb=wb, settings=live)
    yield schemathesis.openapi.from_asgi("/openapi.json", make_app(wb, FUZZ_RULES))
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


@pytest.fixture
def broken_schema(tmp_path: Path) -> Iterator[Any]:
    """Settings whose kubeconfig is a file but no kubeconfig (saved by hand, say): every
    route must still answer with the one error shape, never a 500."""
    not_a_kubeconfig = tmp_path / "hostname"
    not_a_kubeconfig.write_text("buildbox\n")
    wb = Workbench(Settings(kubeconfig=str(not_a_kubeconfig)), tmp_path / "settings.yaml")
    yield schemathesis.openapi.from_asgi("/openapi.json", make_app(wb, FUZZ_RULES))
    wb.close()


broken = schemathesis.pytest.from_fixture("broken_schema")


@broken.parametrize()
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_a_broken_kubeconfig_is_never_a_server_bug(case: Any) -> None:
    response = case.call(timeout=60)
    assert response.status_code != 500, (case.method, case.path, response.text[:500])
    if response.status_code >= 500:
        assert response.status_code == 503 and "is not a kubeconfig" in response.json()["error"]
