"""Small helpers for tests that talk to the sandbox through the official Python client."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client
from kubernetes.stream import stream

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


def eventually(cond: Callable[[], bool], timeout: float = 20) -> bool:
    """Whether ``cond`` holds within ``timeout`` seconds (polled every 50 ms)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


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


def exec_stream(
    core: client.CoreV1Api, namespace: str, pod: str, command: list[str], **kw: Any
) -> Any:
    """The official client's exec (no TTY): a string, or a WSClient with _preload_content=False."""
    return stream(
        core.connect_get_namespaced_pod_exec,
        pod,
        namespace,
        command=command,
        stderr=True,
        stdin=False,
        stdout=True,
        tty=False,
        _request_timeout=30,
        **kw,
    )


def tty_size_seen(core: client.CoreV1Api, namespace: str, pod: str, width: int, height: int) -> str:
    """Resize a TTY exec right away and return what ``stty size`` printed a second later."""
    ws = stream(
        core.connect_get_namespaced_pod_exec,
        pod,
        namespace,
        command=["sh", "-c", "sleep 1; stty size"],
        stderr=True,
        stdin=True,
        stdout=True,
        tty=True,
        _preload_content=False,
    )
    ws.write_channel(4, json.dumps({"Width": width, "Height": height}))
    out = ""
    deadline = time.monotonic() + 15
    while ws.is_open() and time.monotonic() < deadline:
        ws.update(timeout=1)
        out += ws.read_stdout() or ""
    return out


def exec_outcome(
    core: client.CoreV1Api, namespace: str, pod: str, command: list[str]
) -> tuple[str, str, dict[str, Any]]:
    """Run an exec to the end: (stdout, stderr, the status frame of channel 3)."""
    ws = exec_stream(core, namespace, pod, command, _preload_content=False)
    ws.run_forever(timeout=10)
    status: dict[str, Any] = json.loads(ws.read_channel(3))
    return ws.read_stdout(), ws.read_stderr(), status


def settle_after_apiserver_restart(sandbox: Any, core: client.CoreV1Api) -> None:
    """Leave the cluster as healthy as before an apiserver restart.

    Right after a restart the controller-manager's informers are refused for a moment (RBAC
    not loaded yet) and back off for up to ~100 s, during which new namespaces get no
    default ServiceAccount and later tests would fail. If a probe namespace has none within
    10 s, the controller-manager is restarted too (it runs without leader election).
    """
    name = f"settle-{int(time.time() * 1000) % 10**9}"
    core.create_namespace({"metadata": {"name": name}})

    def has_sa(timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if core.list_namespaced_service_account(name).items:
                return True
            time.sleep(0.25)
        return False

    try:
        if has_sa(10):
            return
        sandbox.restart("kube-controller-manager")
        assert has_sa(60), "no default ServiceAccount after restarting the controller-manager"
    finally:
        core.delete_namespace(name)


def unreachable_kubeconfig(admin_kubeconfig: Path, target: Path) -> Path:
    """A copy of ``admin_kubeconfig`` pointing at a loopback port nothing listens on."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    doc = yaml.safe_load(admin_kubeconfig.read_text())
    doc["clusters"][0]["cluster"]["server"] = f"https://127.0.0.1:{port}"
    target.write_text(yaml.safe_dump(doc))
    return target


def host_path_claim(
    core: client.CoreV1Api, namespace: str, claim: str, path: Path, mode: str = "ReadWriteOnce"
) -> str:
    """A PersistentVolume on the real node's ``path`` (hostPath), pre-bound to a new claim
    ``claim`` in ``namespace``; the volume's name (cluster-scoped: delete it afterwards)."""
    import uuid

    volume = f"pv-{uuid.uuid4().hex[:8]}"
    core.create_persistent_volume(
        {
            "metadata": {"name": volume, "labels": {"podbay.dev/test": "true"}},
            "spec": {
                "capacity": {"storage": "1Gi"},
                "accessModes": [mode],
                "storageClassName": "podbay-test",
                "persistentVolumeReclaimPolicy": "Retain",
                "hostPath": {"path": str(path), "type": "Directory"},
                "claimRef": {"namespace": namespace, "name": claim},
            },
        }
    )
    core.create_namespaced_persistent_volume_claim(
        namespace,
        {
            "metadata": {"name": claim},
            "spec": {
                "accessModes": [mode],
                "storageClassName": "podbay-test",
                "resources": {"requests": {"storage": "1Gi"}},
            },
        },
    )
    return volume
