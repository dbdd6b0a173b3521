"""Small helpers for tests that talk to the sandbox through the official Python client."""

from __future__ import annotations

import time
from typing import Any

from kubernetes import client

KWOK_PLACEMENT: dict[str, Any] = {
    "nodeSelector": {"type": "kwok"},
    "tolerations": [{"key": "kwok.x-k8s.io/node", "operator": "Exists", "effect": "NoSchedule"}],
}


def pod_manifest(name: str, *, kwok: bool = False, **spec: Any) -> dict[str, Any]:
    """A one-container pod named ``runner``; ``kwok=True`` places it on a kwok node."""
    if kwok:
        spec = {**KWOK_PLACEMENT, **spec}
    container: dict[str, Any] = {
        "name": "runner",
        "image": spec.pop("image", "podbay.local/debian:12"),
    }
    container.update(spec.pop("container", {}))
    return {
        "metadata": {"name": name, "labels": spec.pop("labels", {"app": name})},
        "spec": {"restartPolicy": "Never", "containers": [container], **spec},
    }


def wait_pod(
    core: client.CoreV1Api, namespace: str, name: str, phases: tuple[str, ...], timeout: float = 60
) -> Any:
    """Wait until the pod's phase is one of ``phases``; the pod, or AssertionError."""
    deadline = time.monotonic() + timeout
    phase = None
    while time.monotonic() < deadline:
        pod = core.read_namespaced_pod(name, namespace)
        phase = pod.status.phase
        if phase in phases:
            return pod
        time.sleep(0.1)
    raise AssertionError(f"pod {namespace}/{name} stayed {phase}, wanted {phases}")
