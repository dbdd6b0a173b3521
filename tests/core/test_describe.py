"""kubectl-describe-like text for pods, services and ingresses, against the sandbox."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from kubernetes import client

from tests.conftest import Namespace
from tests.kube_helpers import pod_manifest, wait_pod
from tui.core.describe import describe
from tui.core.errors import ApiError, PodbayError

pytestmark = pytest.mark.cluster


def _describe_until(api: client.ApiClient, kind: str, name: str, ns: str, needle: str) -> str:
    """Describe until ``needle`` shows (events and endpoint slices are written shortly after
    the state they report); the last text either way, for the assertions to judge."""
    deadline = time.monotonic() + 30
    text = describe(api, kind, name, ns)
    while needle not in text and time.monotonic() < deadline:
        time.sleep(0.3)
        text = describe(api, kind, name, ns)
    return text


def _apis(ns: Namespace) -> tuple[Any, Any]:
    """Core and networking clients for the admin; Any: they are given plain-dict manifests,
    which the client accepts but its model-typed signatures do not describe."""
    return client.CoreV1Api(ns.admin), client.NetworkingV1Api(ns.admin)


def _field(text: str, key: str) -> list[str]:
    """Values of every ``key:`` line, whatever its indent and alignment."""
    return [m.group(1) for m in re.finditer(rf"^ *{re.escape(key)}: +(.*)$", text, re.M)]


def test_pod_that_exited_3_is_terminated_with_its_events(real_node: Namespace) -> None:
    ns = real_node.name
    manifest = pod_manifest(
        "exit3",
        container={
            "command": ["sh", "-c", "exit 3"],
            "env": [{"name": "GREETING", "value": "hello-secret-value"}],
        },
    )
    _apis(real_node)[0].create_namespaced_pod(ns, manifest)
    wait_pod(real_node.core, ns, "exit3", ("Failed",))
    text = _describe_until(real_node.admin, "pod", "exit3", ns, "Started container")

    assert _field(text, "Name") == ["exit3"]
    assert _field(text, "Namespace") == [ns]
    assert _field(text, "Node")[0].startswith("podbay-node/")
    assert _field(text, "Status") == ["Error"]
    assert _field(text, "State") == ["Terminated"]
    assert _field(text, "Reason") == ["Error"]
    assert _field(text, "Exit Code") == ["3"]
    assert _field(text, "Ready") == ["False"]
    assert _field(text, "Restart Count") == ["0"]
    assert _field(text, "Labels") == ["app=exit3"]
    assert _field(text, "Image") == ["podbay.local/debian:12"]
    assert "    Command:\n      sh\n      -c\n      exit 3\n" in text
    assert "    Environment:\n      GREETING\n" in text
    assert "hello-secret-value" not in text  # names only: values may be secrets
    assert "/var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-" in text
    assert re.search(r"^  PodScheduled +True$", text, re.M)
    assert _field(text, "QoS Class") == ["BestEffort"]
    assert "[" not in text  # plain text: no Rich markup

    events = text[text.index("\nEvents:\n") :]
    assert re.search(r"^  Type +Reason +Age +From +Message$", events, re.M)
    reasons = re.findall(r"^  Normal +(\w+) +\d+[smhdy]\S* +(\S+)", events, re.M)
    assert [r for r, _ in reasons] == ["Scheduled", "Pulled", "Created", "Started"]
    assert dict(reasons)["Scheduled"] == "default-scheduler"
    assert dict(reasons)["Started"] == "kubelet"


def test_restricted_account_is_told_events_and_endpoints_are_not_permitted(
    namespace: Namespace,
) -> None:
    ns = namespace.name
    _apis(namespace)[0].create_namespaced_pod(ns, pod_manifest("web", kwok=True))
    _apis(namespace)[0].create_namespaced_service(
        ns,
        {
            "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
        },
    )
    api = namespace.restricted()

    pod = describe(api, "pod", "web", ns)
    assert _field(pod, "Name") == ["web"]
    assert _field(pod, "Events") == [
        f'not permitted (the account lacks "list events" in namespace {ns})'
    ]

    svc = describe(api, "service", "web", ns)
    assert _field(svc, "Events") == [
        f'not permitted (the account lacks "list events" in namespace {ns})'
    ]
    assert _field(svc, "Endpoints") == [
        "not permitted (the account lacks "
        f'"list endpointslices (discovery.k8s.io)" in namespace {ns})'
    ]


@pytest.mark.parametrize(("kind", "word"), [("pod", "pod"), ("svc", "service"), ("ing", "ingress")])
def test_missing_object_is_a_404_with_the_fix(namespace: Namespace, kind: str, word: str) -> None:
    with pytest.raises(ApiError) as exc:
        describe(namespace.admin, kind, "nope", namespace.name)
    assert exc.value.status == 404
    assert f"cannot describe {word} nope in namespace {namespace.name}" in exc.value.what
    assert exc.value.fix == "check the name and namespace"


def test_unknown_kind_says_what_can_be_described() -> None:
    with pytest.raises(PodbayError, match="podbay describes pods, services and ingresses"):
        describe(client.ApiClient(), "deployment", "x", "default")


def test_service_shows_ports_selector_and_ready_endpoints(namespace: Namespace) -> None:
    ns = namespace.name
    _apis(namespace)[0].create_namespaced_pod(ns, pod_manifest("backend", kwok=True))
    pod = wait_pod(namespace.core, ns, "backend", ("Running",))
    _apis(namespace)[0].create_namespaced_service(
        ns,
        {
            "metadata": {"name": "web", "labels": {"tier": "front"}},
            "spec": {
                "type": "NodePort",
                "selector": {"app": "backend"},
                "ports": [
                    {"name": "http", "port": 80, "targetPort": 8080},
                    {"name": "metrics", "port": 9090, "protocol": "TCP"},
                ],
            },
        },
    )
    ip = pod.status.pod_ip
    text = _describe_until(namespace.admin, "service", "web", ns, f"{ip}:9090")
    svc = _apis(namespace)[0].read_namespaced_service("web", ns)

    assert _field(text, "Type") == ["NodePort"]
    assert _field(text, "IP") == [svc.spec.cluster_ip]
    assert _field(text, "Selector") == ["app=backend"]
    assert _field(text, "Labels") == ["tier=front"]
    assert _field(text, "Port") == ["http  80/TCP", "metrics  9090/TCP"]
    assert _field(text, "TargetPort") == ["8080/TCP", "9090/TCP"]
    node_ports = {p.name: p.node_port for p in svc.spec.ports}
    assert _field(text, "NodePort") == [
        f"http  {node_ports['http']}/TCP",
        f"metrics  {node_ports['metrics']}/TCP",
    ]
    assert _field(text, "Endpoints") == [f"{ip}:8080", f"{ip}:9090"]
    assert _field(text, "Events") == ["<none>"]


def test_ingress_shows_class_rules_tls_and_short_annotations(namespace: Namespace) -> None:
    ns = namespace.name
    _apis(namespace)[1].create_namespaced_ingress(
        ns,
        {
            "metadata": {
                "name": "site",
                "annotations": {"example.com/long": "x" * 200, "example.com/short": "on"},
            },
            "spec": {
                "ingressClassName": "nginx",
                "defaultBackend": {"service": {"name": "fallback", "port": {"number": 8000}}},
                "tls": [{"hosts": ["a.example.com", "b.example.com"], "secretName": "site-tls"}],
                "rules": [
                    {
                        "host": "a.example.com",
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "pathType": "Prefix",
                                    "backend": {"service": {"name": "web", "port": {"number": 80}}},
                                },
                                {
                                    "path": "/api",
                                    "pathType": "Exact",
                                    "backend": {
                                        "service": {"name": "api", "port": {"name": "http"}}
                                    },
                                },
                            ]
                        },
                    }
                ],
            },
        },
    )
    text = describe(namespace.admin, "ingress", "site", ns)

    assert _field(text, "Ingress Class") == ["nginx"]
    assert _field(text, "Default backend") == ["fallback:8000"]
    assert "TLS:\n  site-tls terminates a.example.com,b.example.com\n" in text
    assert re.search(r"^  a\.example\.com +/ +Prefix +web:80$", text, re.M)
    assert re.search(r"^ +/api +Exact +api:http$", text, re.M)
    [long, short] = re.findall(r"example\.com/\w+: \S+", text)
    assert long.endswith("...") and len(long) < 100
    assert short == "example.com/short: on"
    assert _field(text, "Events") == ["<none>"]
