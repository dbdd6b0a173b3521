"""Each cause of a PodbayError has its own HTTP status: 503 (with the reachability
diagnosis) only for a cluster podbay cannot reach, a client mistake a 4xx, the apiserver's
own failure a 502, and nothing a 500 'podbay bug' with a stack trace."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
from pathlib import Path

import pytest
from fastapi import FastAPI
from kubernetes.client.exceptions import ApiException

import tui.core
import tui.server
from tests.server.local_client import rest_client
from tui.core.connection import ConnectionSetupError
from tui.core.errors import ApiError, PodbayError, from_api_exception
from tui.core.settings import Settings
from tui.core.workbench import Workbench
from tui.server.app import make_app

API = "/api/kubernetes"


def _subclasses(cls: type[PodbayError]) -> list[type[PodbayError]]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def test_every_kind_of_podbay_error_names_its_status() -> None:
    for package in (tui.core, tui.server):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)
    unnamed = [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in _subclasses(PodbayError)
        if cls.__module__.startswith("tui.")
        and "status" not in vars(cls)
        and "status" not in inspect.signature(cls.__init__).parameters
    ]
    assert unnamed == [], "each error says which HTTP status its cause is"
    assert ConnectionSetupError("x").status == 503
    assert PodbayError("x").status == 500 and PodbayError("x", status=422).status == 422


def _app(tmp_path: Path) -> tuple[Workbench, FastAPI]:
    wb = Workbench(Settings(kubeconfig=str(tmp_path / "none")), tmp_path / "settings.yaml")
    app = make_app(wb)
    causes: dict[str, PodbayError] = {
        "plain": PodbayError("the answer made no sense", "retry"),
        "mistake": PodbayError("cannot describe 'widgets'", "use kind pod", status=422),
        "unreachable": ConnectionSetupError("no kubeconfig found", "set a kubeconfig path"),
    }

    @app.get("/raise/{cause}")
    def _raise(cause: str) -> None:
        raise causes[cause]

    return wb, app


def test_rest_answers_each_cause_with_its_own_status(tmp_path: Path) -> None:
    """Was: every PodbayError without an ApiError's status became a 503 with a network
    diagnosis, whatever went wrong."""
    wb, app = _app(tmp_path)
    with rest_client(app) as client:
        plain = client.get("/raise/plain")
        assert plain.status_code == 500
        assert plain.json() == {
            "success": False,
            "error": "the answer made no sense",
            "fix": "retry",
            "status": 500,
        }
        mistake = client.get("/raise/mistake")
        assert (mistake.status_code, mistake.json()["fix"]) == (422, "use kind pod")
        assert "diagnosis" not in mistake.json()
        unreachable = client.get("/raise/unreachable")
        assert unreachable.status_code == 503
        assert unreachable.json()["diagnosis"]["checks"][0]["name"] == "kubeconfig"
        for r in (plain, mistake, unreachable):
            assert "Traceback" not in r.text and "podbay bug" not in r.text
    wb.close()


def _api_exception(status: int, reason: str, message: str) -> ApiException:
    exc = ApiException(status=status, reason=reason)
    exc.body = json.dumps({"kind": "Status", "reason": reason, "message": message})
    return exc


@pytest.mark.parametrize(
    ("status", "reason", "message", "expected", "fix"),
    [
        (409, "AlreadyExists", 'pods "web" already exists', 409, "pick another name"),
        (
            409,
            "Conflict",
            'Operation cannot be fulfilled on pods "web": the object has been modified',
            409,
            "reload it and try again",
        ),
        (429, "TooManyRequests", "too many requests", 429, "wait a few seconds"),
        (500, "InternalError", "etcdserver: request timed out", 502, "check the apiserver"),
        (503, "ServiceUnavailable", "the server is currently unable", 503, "retry"),
        (413, "RequestEntityTooLarge", "too large", 502, "check the apiserver"),
    ],
)
def test_kubernetes_answers_map_to_their_own_status_and_fix(
    status: int, reason: str, message: str, expected: int, fix: str
) -> None:
    err = from_api_exception(_api_exception(status, reason, message), "create pod web")
    assert isinstance(err, ApiError) and err.status == expected
    assert err.fix.startswith(fix) or fix in err.fix
    assert "create pod web" in err.what and message in err.what
    if reason == "Conflict":
        assert "pick another name" not in err.fix
