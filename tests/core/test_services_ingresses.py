"""The spec's preview sequence (pod + service + ingress, then teardown) as the restricted
account, through the engine."""

from __future__ import annotations

import pytest

from tests.conftest import Namespace
from tui.core.errors import ApiError
from tui.core.ingresses import Ingresses
from tui.core.models import MANAGED_BY, IngressRequest, PodRequest, ServiceRequest
from tui.core.pods import Pods
from tui.core.services import Services
from tui.core.settings import Settings

pytestmark = pytest.mark.cluster


def test_preview_sequence_as_the_spec_role(namespace: Namespace) -> None:
    api = namespace.restricted()
    settings = Settings(namespace=namespace.name)
    pods, services, ingresses = (
        Pods(api, settings),
        Services(api, settings),
        Ingresses(api, settings),
    )
    pods.create(
        PodRequest.model_validate(
            {
                "name": "preview-app-abc123",
                "image": "podbay.local/node:18",
                "env": {"COMMIT_SHA": "abc123", "PORT": "3000"},
                "command": ["sleep", "600"],
                "labels": {"app": "preview-abc123"},
            }
        )
    )
    svc = services.create(
        ServiceRequest.model_validate(
            {
                "name": "preview-service-abc123",
                "selector": {"app": "preview-abc123"},
                "ports": [{"port": 3000, "targetPort": 3000}],
                "type": "ClusterIP",
            }
        )
    )
    assert svc["spec"]["clusterIP"].startswith("10.96.")
    ing = ingresses.create(
        IngressRequest.model_validate(
            {
                "name": "preview-ingress-abc123",
                "rules": [
                    {
                        "host": "preview-abc123.example.com",
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "pathType": "Prefix",
                                    "backend": {
                                        "service": {
                                            "name": "preview-service-abc123",
                                            "port": {"number": 3000},
                                        }
                                    },
                                }
                            ]
                        },
                    }
                ],
                "websocket": True,
            }
        )
    )
    assert ing["metadata"]["labels"][MANAGED_BY] == "podbay"

    [row] = services.list()
    assert (row.name, row.type, row.ports) == ("preview-service-abc123", "ClusterIP", ["3000/TCP"])
    [irow] = ingresses.list()
    assert irow.hosts == ["preview-abc123.example.com"]
    assert services.get("preview-service-abc123")["spec"]["selector"] == {"app": "preview-abc123"}

    ingresses.delete("preview-ingress-abc123")
    services.delete("preview-service-abc123")
    pods.delete("preview-app-abc123", grace_seconds=0)
    assert ingresses.list() == [] and services.list() == []
    with pytest.raises(ApiError) as exc:
        services.get("preview-service-abc123")
    assert exc.value.status == 404


def test_duplicate_service_is_a_conflict(namespace: Namespace) -> None:
    services = Services(namespace.admin, Settings(namespace=namespace.name))
    req = ServiceRequest(name="dup", selector={"a": "b"}, ports=[{"port": 80}])  # type: ignore[list-item]
    services.create(req)
    with pytest.raises(ApiError) as exc:
        services.create(req)
    assert exc.value.status == 409
    assert "already exists" in exc.value.what
