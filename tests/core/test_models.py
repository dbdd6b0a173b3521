"""Request models: every spec example is accepted; every rule rejects with field + reason."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from tui.core.models import (
    MANAGED_BY,
    WEBSOCKET_ANNOTATIONS,
    IngressRequest,
    PodRequest,
    ServiceRequest,
)
from tui.core.problems import problems
from tui.core.settings import Settings

SETTINGS = Settings()

SPEC_PODS: list[dict[str, Any]] = [
    {"name": "test-runner", "namespace": "opencode-manager", "image": "node:20-alpine",
     "command": ["sh"], "mountPath": "/workspace", "hostPath": "/path/to/workspace",
     "labels": {"app": "test-runner"}},
    {"name": "test-runner-abc123", "namespace": "opencode-manager", "image": "node:20-alpine",
     "env": {"COMMIT_SHA": "abc123def456", "REPO_PATH": "/workspace/repos/myapp"},
     "command": ["sh"],
     "args": ["-c", "cd $REPO_PATH && git checkout $COMMIT_SHA && npm ci && npm test"]},
    {"name": "node20-test", "namespace": "opencode-manager", "image": "node:20-alpine",
     "command": ["npm", "test"]},
    {"name": "python-test", "namespace": "opencode-manager", "image": "python:3.12-slim",
     "command": ["python", "-m", "pytest"]},
    {"name": "postgres-db", "namespace": "opencode-manager", "image": "postgres:15-alpine",
     "labels": {"app": "postgres"},
     "env": {"POSTGRES_PASSWORD": "test123", "POSTGRES_DB": "myapp"}},
    {"name": "test-runner", "image": "node:20.11.0-alpine"},
]  # fmt: skip


@pytest.mark.parametrize("body", SPEC_PODS)
def test_spec_pod_examples_are_accepted(body: dict[str, Any]) -> None:
    manifest = PodRequest.model_validate(body).to_manifest(SETTINGS)
    container = manifest["spec"]["containers"][0]
    assert container["name"] == "runner"
    assert container["image"] == body["image"]
    assert manifest["spec"]["restartPolicy"] == "Never"
    assert manifest["metadata"]["labels"][MANAGED_BY] == "podbay"
    assert manifest["metadata"]["namespace"] == "opencode-manager"
    assert container["resources"]["requests"] == {"cpu": "100m", "memory": "128Mi"}


def test_pod_manifest_details() -> None:
    pod = PodRequest.model_validate(
        {**SPEC_PODS[0], "workingDir": "/workspace", "ttlSeconds": 600,
         "pvcMounts": [{"claimName": "shared", "mountPath": "/repos", "subPath": "app",
                        "readOnly": True}],
         "resources": {"memoryLimit": "1Gi"}, "imagePullPolicy": "IfNotPresent"}
    ).to_manifest(SETTINGS)  # fmt: skip
    spec = pod["spec"]
    c = spec["containers"][0]
    assert spec["activeDeadlineSeconds"] == 600
    assert spec["volumes"] == [
        {"name": "workspace", "hostPath": {"path": "/path/to/workspace"}},
        {"name": "pvc-0", "persistentVolumeClaim": {"claimName": "shared"}},
    ]
    assert c["volumeMounts"][1] == {
        "name": "pvc-0",
        "mountPath": "/repos",
        "subPath": "app",
        "readOnly": True,
    }
    assert c["resources"]["limits"] == {"cpu": "2", "memory": "1Gi"}
    assert c["workingDir"] == "/workspace"
    assert c["imagePullPolicy"] == "IfNotPresent"


def _fields(model: type, body: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as exc:
        model.model_validate(body)  # type: ignore[attr-defined]
    return {p["field"]: p["reason"] for p in problems(exc.value)}


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ({"name": "Bad_Name", "image": "x"}, "name", "not a valid pod name"),
        ({"name": "a", "image": "Node:20"}, "image", "not a valid image reference"),
        ({"name": "a", "image": "x", "namespace": "-x"}, "namespace", "not a valid namespace"),
        ({"name": "a", "image": "x", "labels": {"bad key!": "v"}}, "labels", "label key"),
        ({"name": "a", "image": "x", "labels": {"k": "v" * 64}}, "labels", "label value"),
        ({"name": "a", "image": "x", "env": {"1ABC": "v"}}, "env.1ABC", "variable name"),
        ({"name": "a", "image": "x", "mountPath": "/w"}, "(body)", "go together"),
        (
            {"name": "a", "image": "x", "mountPath": "rel", "hostPath": "/h"},
            "mountPath",
            "absolute path",
        ),
        ({"name": "a", "image": "x", "imagePullPolicy": "Sometimes"}, "imagePullPolicy", ""),
        ({"name": "a", "image": "x", "ttlSeconds": 0}, "ttlSeconds", "greater than or equal"),
        ({"name": "a", "image": "x", "imgae": "typo"}, "imgae", "unknown field"),
        ({"image": "x"}, "name", "required"),
        (
            {"name": "a", "image": "x", "resources": {"cpuRequest": "lots"}},
            "resources.cpuRequest",
            "not a Kubernetes quantity",
        ),
        (
            {"name": "a", "image": "x", "resources": {"memoryLimit": "1 GB"}},
            "resources.memoryLimit",
            "e.g. 500m, 1, 256Mi, 2Gi",
        ),
    ],
)
def test_pod_validation(body: dict[str, Any], field: str, fragment: str) -> None:
    found = _fields(PodRequest, body)
    assert field in found, found
    assert fragment in found[field]


def test_spec_service_examples() -> None:
    svc = ServiceRequest.model_validate(
        {"name": "my-service", "namespace": "opencode-manager", "selector": {"app": "test-runner"},
         "ports": [{"port": 8080, "targetPort": 8080, "protocol": "TCP"}], "type": "ClusterIP"}
    ).to_manifest(SETTINGS)  # fmt: skip
    assert svc["spec"]["ports"] == [{"port": 8080, "protocol": "TCP", "targetPort": 8080}]
    pg = ServiceRequest.model_validate(
        {"name": "postgres-service", "selector": {"app": "postgres"},
         "ports": [{"port": 5432, "targetPort": 5432}]}
    ).to_manifest(SETTINGS)  # fmt: skip
    assert pg["spec"]["type"] == "ClusterIP"
    named = ServiceRequest.model_validate(
        {"name": "web", "selector": {"app": "w"}, "type": "NodePort",
         "ports": [{"name": "http", "port": 80, "targetPort": "http-alt", "nodePort": 30080},
                   {"name": "metrics", "port": 9090}]}
    ).to_manifest(SETTINGS)  # fmt: skip
    assert named["spec"]["ports"][0]["targetPort"] == "http-alt"
    assert named["spec"]["ports"][1]["targetPort"] == 9090


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ({"name": "1svc", "selector": {"a": "b"}, "ports": [{"port": 80}]}, "name", "start"),
        ({"name": "s", "selector": {"a": "b"}, "ports": [{"port": 0}]}, "ports.0.port", "1-65535"),
        ({"name": "s", "selector": {"a": "b"}, "ports": [{"port": 70000}]},
         "ports.0.port", "range"),
        ({"name": "s", "selector": {"a": "b"}, "ports": []}, "ports", "at least 1"),
        ({"name": "s", "selector": {}, "ports": [{"port": 80}]}, "(body)", "selector"),
        ({"name": "s", "selector": {"a": "b"}, "ports": [{"port": 80}, {"port": 81}]},
         "(body)", "every port needs a name"),
        ({"name": "s", "selector": {"a": "b"}, "ports": [{"port": 80, "protocol": "ICMP"}]},
         "ports.0.protocol", ""),
        ({"name": "s", "selector": {"a": "b"}, "ports": [{"port": 80}], "type": "External"},
         "type", ""),
    ],
)  # fmt: skip
def test_service_validation(body: dict[str, Any], field: str, fragment: str) -> None:
    found = _fields(ServiceRequest, body)
    assert field in found, found
    assert fragment in found[field]


def _ingress(**extra: Any) -> dict[str, Any]:
    return {
        "name": "my-app-ingress",
        "namespace": "opencode-manager",
        "rules": [{"host": "myapp.example.com", "http": {"paths": [{
            "path": "/", "pathType": "Prefix",
            "backend": {"service": {"name": "my-service", "port": {"number": 8080}}}}]}}],
        **extra,
    }  # fmt: skip


def test_spec_ingress_examples_and_websocket_preset() -> None:
    ing = IngressRequest.model_validate(
        _ingress(annotations={"nginx.ingress.kubernetes.io/rewrite-target": "/"})
    ).to_manifest(SETTINGS)
    path = ing["spec"]["rules"][0]["http"]["paths"][0]
    backend = {"service": {"name": "my-service", "port": {"number": 8080}}}
    assert path == {"path": "/", "pathType": "Prefix", "backend": backend}
    assert ing["metadata"]["annotations"] == {"nginx.ingress.kubernetes.io/rewrite-target": "/"}
    ws = IngressRequest.model_validate(
        _ingress(websocket=True, ingressClassName="nginx",
                 tls=[{"hosts": ["myapp.example.com"], "secretName": "myapp-tls"}])
    ).to_manifest(SETTINGS)  # fmt: skip
    assert WEBSOCKET_ANNOTATIONS.items() <= ws["metadata"]["annotations"].items()
    assert ws["spec"]["ingressClassName"] == "nginx"
    assert ws["spec"]["tls"] == [{"hosts": ["myapp.example.com"], "secretName": "myapp-tls"}]


def test_ingress_validation() -> None:
    bad_host = _ingress()
    bad_host["rules"][0]["host"] = "http://x.com"
    assert "not a valid host" in _fields(IngressRequest, bad_host)["rules.0.host"]
    both = _ingress()
    both["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"] = {"number": 1, "name": "a"}
    assert (
        "exactly one" in _fields(IngressRequest, both)["rules.0.http.paths.0.backend.service.port"]
    )
    assert "at least 1" in _fields(IngressRequest, _ingress(rules=[]))["rules"]
