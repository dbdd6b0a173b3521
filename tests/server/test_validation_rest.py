"""Every validation rule through REST: 422, the field, and a reason saying what to use.

Bad input is refused before podbay talks to a cluster, so these run against an app whose
kubeconfig does not exist: a 503 here would mean the input reached the cluster step."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.server.local_client import rest_client
from tui.core.settings import Settings
from tui.core.workbench import Workbench
from tui.server.app import make_app

API = "/api/kubernetes"
POD = {"name": "ok", "image": "podbay.local/debian:12"}
SVC = {"name": "ok", "selector": {"app": "x"}, "ports": [{"port": 80}]}
BACKEND = {"service": {"name": "ok", "port": {"number": 80}}}
RULE = {"host": "a.example.com", "http": {"paths": [{"path": "/", "backend": BACKEND}]}}
ING = {"name": "ok", "rules": [RULE]}


@pytest.fixture(scope="module")
def rest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("validation")
    wb = Workbench(Settings(kubeconfig=str(tmp / "no-such-kubeconfig")), tmp / "settings.yaml")
    with rest_client(make_app(wb)) as client:
        yield client
    wb.close()


CASES: list[tuple[str, str, dict[str, Any], str, str]] = [
    # (id, path, body, field, words in the reason)
    ("pod name upper case", "pods", {**POD, "name": "Web"}, "name", "lower-case"),
    ("pod name too long", "pods", {**POD, "name": "a" * 254}, "name", "at most 253"),
    ("pod name trailing dash", "pods", {**POD, "name": "web-"}, "name", "ending with"),
    ("namespace", "pods", {**POD, "namespace": "Dev_1"}, "namespace", "not a valid"),
    ("image with spaces", "pods", {**POD, "image": "node 20"}, "image", "image reference"),
    ("image upper-case repo", "pods", {**POD, "image": "Node:20"}, "image", "image reference"),
    ("image empty", "pods", {**POD, "image": ""}, "image", "image reference"),
    ("env name with space", "pods", {**POD, "env": {"MY VAR": "1"}}, "env.MY VAR", "environment"),
    ("env name leading digit", "pods", {**POD, "env": {"1X": "1"}}, "env.1X", "not starting"),
    ("label key", "pods", {**POD, "labels": {"bad key": "v"}}, "labels", "label key"),
    ("label key prefix", "pods", {**POD, "labels": {"Ex.com/k": "v"}}, "labels", "prefix"),
    ("label value", "pods", {**POD, "labels": {"app": "a b"}}, "labels", "label value"),
    ("label value long", "pods", {**POD, "labels": {"app": "v" * 64}}, "labels", "at most 63"),
    (
        "relative mountPath",
        "pods",
        {**POD, "mountPath": "work", "hostPath": "/w"},
        "mountPath",
        "absolute",
    ),
    ("workingDir", "pods", {**POD, "workingDir": "src"}, "workingDir", "absolute"),
    (
        "pvc subPath escapes",
        "pods",
        {**POD, "pvcMounts": [{"claimName": "c", "mountPath": "/w", "subPath": "../x"}]},
        "pvcMounts.0.subPath",
        "relative",
    ),
    (
        "container name",
        "pods",
        {**POD, "containerName": "Runner"},
        "containerName",
        "container name",
    ),
    ("restartPolicy", "pods", {**POD, "restartPolicy": "Sometimes"}, "restartPolicy", "Never"),
    ("ttl", "pods", {**POD, "ttlSeconds": 0}, "ttlSeconds", "greater than or equal to 1"),
    ("unknown pod field", "pods", {**POD, "imagee": "x"}, "imagee", "unknown field"),
    ("missing image", "pods", {"name": "ok"}, "image", "required"),
    ("port 0", "services", {**SVC, "ports": [{"port": 0}]}, "ports.0.port", "1-65535"),
    ("port 65536", "services", {**SVC, "ports": [{"port": 65536}]}, "ports.0.port", "1-65535"),
    (
        "targetPort 0",
        "services",
        {**SVC, "ports": [{"port": 80, "targetPort": 0}]},
        "ports.0.targetPort",
        "1-65535",
    ),
    (
        "targetPort name",
        "services",
        {**SVC, "ports": [{"port": 80, "targetPort": "HTTP_X"}]},
        "ports.0.targetPort",
        "port name",
    ),
    (
        "nodePort range",
        "services",
        {**SVC, "type": "NodePort", "ports": [{"port": 80, "nodePort": 80}]},
        "ports.0.nodePort",
        "30000",
    ),
    ("service type", "services", {**SVC, "type": "External"}, "type", "ClusterIP"),
    (
        "service name leading digit",
        "services",
        {**SVC, "name": "1svc"},
        "name",
        "starting with a letter",
    ),
    ("no ports", "services", {**SVC, "ports": []}, "ports", "at least 1"),
    ("selector label", "services", {**SVC, "selector": {"app": "a b"}}, "selector", "label value"),
    (
        "ingress host",
        "ingresses",
        {**ING, "rules": [{**RULE, "host": "10.0.0.1:80"}]},
        "rules.0.host",
        "host",
    ),
    (
        "ingress path",
        "ingresses",
        {**ING, "rules": [{**RULE, "http": {"paths": [{"path": "api", "backend": BACKEND}]}}]},
        "rules.0.http.paths.0.path",
        "starting with '/'",
    ),
    (
        "ingress backend port",
        "ingresses",
        {
            **ING,
            "rules": [
                {
                    **RULE,
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "backend": {"service": {"name": "ok", "port": {"number": 70000}}},
                            }
                        ]
                    },
                }
            ],
        },
        "rules.0.http.paths.0.backend.service.port.number",
        "1-65535",
    ),
    (
        "ingress annotation key",
        "ingresses",
        {**ING, "annotations": {"bad key": "x"}},
        "annotations",
        "label key",
    ),
    (
        "ingress tls host",
        "ingresses",
        {**ING, "tls": [{"hosts": ["https://x"]}]},
        "tls.0.hosts.0",
        "host",
    ),
    (
        "ingress class",
        "ingresses",
        {**ING, "ingressClassName": "Nginx"},
        "ingressClassName",
        "not a valid",
    ),
    ("no rules", "ingresses", {**ING, "rules": []}, "rules", "at least 1"),
    ("exec shell string", "pods/ok/exec", {"command": "ls -la"}, "command", "list"),
    ("exec empty command", "pods/ok/exec", {"command": []}, "command", "at least 1"),
    (
        "exec timeout",
        "pods/ok/exec",
        {"command": ["true"], "timeoutSeconds": 0},
        "timeoutSeconds",
        "greater than 0",
    ),
    ("cleanup phase", "cleanup", {"phases": ["Running"]}, "phases.0", "Succeeded"),
    (
        "cleanup max age",
        "cleanup",
        {"maxAgeMinutes": -1},
        "maxAgeMinutes",
        "greater than or equal to 0",
    ),
]


@pytest.mark.parametrize(
    ("path", "body", "field", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_names_the_field_and_the_rule(
    rest: TestClient, path: str, body: dict[str, Any], field: str, words: str
) -> None:
    r = rest.post(f"{API}/{path}", json=body)
    assert r.status_code == 422, r.text
    data = r.json()
    assert data["success"] is False and data["status"] == 422 and data["fix"]
    fields = {p["field"]: p["reason"] for p in data["problems"]}
    assert field in fields, fields
    assert words in fields[field], fields[field]
    assert "Traceback" not in r.text


@pytest.mark.parametrize(
    ("method", "path", "params", "field"),
    [
        ("get", "pods/ok/logs", {"tailLines": "-1"}, "tailLines"),
        ("get", "pods/ok/logs", {"sinceSeconds": "0"}, "sinceSeconds"),
        ("get", "pods/ok/logs", {"follow": "maybe"}, "follow"),
        ("get", "pods", {"labelSelector": "app in (a"}, None),
        ("put", "config", None, "namespace"),
    ],
)
def test_bad_query_parameters_are_422_not_5xx(
    rest: TestClient, method: str, path: str, params: dict[str, str] | None, field: str | None
) -> None:
    if method == "put":
        r = rest.put(f"{API}/{path}", json={"namespace": "Not Valid"})
    else:
        r = rest.get(f"{API}/{path}", params=params)
    assert r.status_code == 422, r.text
    if field is not None:
        assert field in {p["field"] for p in r.json()["problems"]}


def test_valid_input_goes_on_to_the_cluster(rest: TestClient) -> None:
    """The same bodies, valid, pass validation and fail only at the (missing) cluster, with
    the diagnosis of why: proof the cases above were refused for their field alone."""
    for path, body in (("pods", POD), ("services", SVC), ("ingresses", ING)):
        r = rest.post(f"{API}/{path}", json=body)
        assert r.status_code == 503, r.text
        assert "no-such-kubeconfig" in r.json()["error"]
        assert r.json()["diagnosis"]["checks"][0]["status"] == "fail"
