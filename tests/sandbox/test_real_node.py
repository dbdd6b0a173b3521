"""The real node runs real containers: exit codes, logs that end, restarts, image errors,
exec inside the container, TTY resize, hostPath and PVC mounts, postgres over the network."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from tests.conftest import Namespace, require_service_routing
from tests.kube_helpers import (
    exec_outcome,
    exec_stream,
    host_path_claim,
    pod_manifest,
    tty_size_seen,
    wait_pod,
)
from tui.sandbox.node import NODE_NAME

pytestmark = pytest.mark.cluster


def _shell_pod(name: str, script: str, **spec: Any) -> dict[str, Any]:
    return pod_manifest(name, container={"command": ["sh", "-c", script]}, **spec)


def _terminated(pod: Any) -> Any:
    return pod.status.container_statuses[0].state.terminated


def test_failed_command_logs_and_exit_code(real_node: Namespace) -> None:
    core, ns = real_node.core, real_node.name
    core.create_namespaced_pod(ns, _shell_pod("fails", "echo hi; exit 1"))
    pod = wait_pod(core, ns, "fails", ("Failed", "Succeeded"))
    assert pod.spec.node_name == NODE_NAME
    assert pod.status.phase == "Failed"
    assert _terminated(pod).exit_code == 1
    assert core.read_namespaced_pod_log("fails", ns) == "hi\n"


def test_successful_command_succeeds(real_node: Namespace) -> None:
    core, ns = real_node.core, real_node.name
    core.create_namespaced_pod(ns, _shell_pod("works", "echo ok"))
    pod = wait_pod(core, ns, "works", ("Failed", "Succeeded"))
    assert pod.status.phase == "Succeeded"
    assert _terminated(pod).exit_code == 0


def test_follow_ends_when_the_container_ends(real_node: Namespace) -> None:
    core, ns = real_node.core, real_node.name
    core.create_namespaced_pod(
        ns, _shell_pod("counter", "for i in 1 2 3; do echo $i; sleep 1; done")
    )
    wait_pod(core, ns, "counter", ("Running", "Succeeded"))
    t0 = time.monotonic()
    resp = core.read_namespaced_pod_log(
        "counter", ns, follow=True, _preload_content=False, _request_timeout=(5, 30)
    )
    text = b"".join(resp.stream(amt=64)).decode()
    assert text == "1\n2\n3\n"
    assert time.monotonic() - t0 < 25  # the stream ended with the container, not a timeout


def test_restart_policy_is_honoured(real_node: Namespace) -> None:
    core, ns = real_node.core, real_node.name
    on_failure = _shell_pod("retries", "echo try; exit 1")
    on_failure["spec"]["restartPolicy"] = "OnFailure"
    core.create_namespaced_pod(ns, on_failure)
    never = _shell_pod("once", "exit 1")
    core.create_namespaced_pod(ns, never)
    deadline = time.monotonic() + 60
    restarts = 0
    while time.monotonic() < deadline and restarts < 1:
        statuses = core.read_namespaced_pod("retries", ns).status.container_statuses or []
        restarts = statuses[0].restart_count if statuses else 0
        time.sleep(0.3)
    assert restarts >= 1
    once = wait_pod(core, ns, "once", ("Failed",))
    assert once.status.container_statuses[0].restart_count == 0


def test_missing_image_is_err_image_pull(real_node: Namespace) -> None:
    core, ns = real_node.core, real_node.name
    core.create_namespaced_pod(ns, pod_manifest("noimage", image="podbay.local/no-such-image:1"))
    deadline = time.monotonic() + 60
    reason = None
    while time.monotonic() < deadline:
        statuses = core.read_namespaced_pod("noimage", ns).status.container_statuses or []
        waiting = statuses[0].state.waiting if statuses else None
        reason = waiting.reason if waiting else None
        if reason in ("ErrImagePull", "ImagePullBackOff"):
            break
        time.sleep(0.3)
    assert reason in ("ErrImagePull", "ImagePullBackOff")


def _sleeper(ns: Namespace, name: str, **spec: Any) -> None:
    ns.core.create_namespaced_pod(ns.name, _shell_pod(name, "sleep 3600", **spec))
    wait_pod(ns.core, ns.name, name, ("Running",))


def test_exec_runs_inside_the_container(real_node: Namespace) -> None:
    _sleeper(real_node, "inside")
    assert "bookworm" in exec_stream(
        real_node.core, real_node.name, "inside", ["cat", "/etc/os-release"]
    )
    assert exec_stream(real_node.core, real_node.name, "inside", ["hostname"]).strip() == "inside"
    assert (
        exec_stream(real_node.core, real_node.name, "inside", ["hostname"]).strip()
        != os.uname().nodename
    )

    out, err, status = exec_outcome(
        real_node.core, real_node.name, "inside", ["sh", "-c", "echo out; echo err >&2; exit 3"]
    )
    assert (out, err) == ("out\n", "err\n")
    assert status["reason"] == "NonZeroExitCode"
    assert status["details"]["causes"] == [{"reason": "ExitCode", "message": "3"}]


def test_exec_tty_resize(real_node: Namespace) -> None:
    _sleeper(real_node, "tty")
    out = tty_size_seen(real_node.core, real_node.name, "tty", 132, 43)
    assert "43 132" in out


def test_host_path_mount_reads_and_writes_host_files(real_node: Namespace, tmp_path: Path) -> None:
    tmp_path.chmod(0o777)
    (tmp_path / "from-host.txt").write_text("hello from the host\n")
    spec = _shell_pod("hostpath", "cat /data/from-host.txt; echo from-pod > /data/from-pod.txt")
    spec["spec"]["containers"][0]["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
    spec["spec"]["volumes"] = [
        {"name": "data", "hostPath": {"path": str(tmp_path), "type": "Directory"}}
    ]
    real_node.core.create_namespaced_pod(real_node.name, spec)
    pod = wait_pod(real_node.core, real_node.name, "hostpath", ("Succeeded", "Failed"))
    assert pod.status.phase == "Succeeded"
    assert real_node.core.read_namespaced_pod_log("hostpath", real_node.name) == (
        "hello from the host\n"
    )
    assert (tmp_path / "from-pod.txt").read_text() == "from-pod\n"


def test_persistent_volume_claim_keeps_data_between_pods(
    real_node: Namespace, tmp_path: Path
) -> None:
    core, ns = real_node.core, real_node.name
    tmp_path.chmod(0o777)
    pv_name = host_path_claim(core, ns, "work", tmp_path)
    try:
        volume = {"name": "work", "persistentVolumeClaim": {"claimName": "work"}}
        mount = [{"name": "work", "mountPath": "/work", "subPath": "repo"}]
        writer = _shell_pod("writer", "echo kept > /work/state.txt")
        writer["spec"]["volumes"] = [volume]
        writer["spec"]["containers"][0]["volumeMounts"] = mount
        core.create_namespaced_pod(ns, writer)
        assert wait_pod(core, ns, "writer", ("Succeeded", "Failed")).status.phase == "Succeeded"
        reader = _shell_pod("reader", "cat /work/state.txt")
        reader["spec"]["volumes"] = [volume]
        reader["spec"]["containers"][0]["volumeMounts"] = [{**mount[0], "readOnly": True}]
        core.create_namespaced_pod(ns, reader)
        assert wait_pod(core, ns, "reader", ("Succeeded", "Failed")).status.phase == "Succeeded"
        assert core.read_namespaced_pod_log("reader", ns) == "kept\n"
        assert (tmp_path / "repo" / "state.txt").read_text() == "kept\n"
    finally:
        core.delete_persistent_volume(pv_name)


def _start_postgres(core: client.CoreV1Api, ns: str) -> str:
    db = pod_manifest("postgres-db", image="podbay.local/postgres:15", labels={"app": "postgres"})
    db["spec"]["containers"][0]["env"] = [
        {"name": "POSTGRES_PASSWORD", "value": "test123"},
        {"name": "POSTGRES_DB", "value": "myapp"},
    ]
    core.create_namespaced_pod(ns, db)
    return str(wait_pod(core, ns, "postgres-db", ("Running",), timeout=90).status.pod_ip)


def _psql_from_pod(core: client.CoreV1Api, ns: str, name: str, host: str) -> tuple[str, str]:
    """Run psql against ``host`` from a new pod; (phase, logs)."""
    url = f"postgresql://postgres:test123@{host}:5432/myapp"
    script = (
        f"for i in $(seq 1 60); do pg_isready -q -h {host} && break; sleep 0.5; done; "
        f"psql '{url}' -tAc 'select 40 + 2'"
    )
    core.create_namespaced_pod(ns, _shell_pod(name, script, image="podbay.local/postgres:15"))
    pod = wait_pod(core, ns, name, ("Succeeded", "Failed"), timeout=90)
    return pod.status.phase, core.read_namespaced_pod_log(name, ns)


def test_postgres_accepts_a_connection_from_another_pod(real_node: Namespace) -> None:
    core, ns = real_node.core, real_node.name
    ip = _start_postgres(core, ns)
    phase, logs = _psql_from_pod(core, ns, "app-test", ip)
    assert phase == "Succeeded", logs
    assert logs.strip() == "42"


def test_service_name_reaches_postgres_through_dns_and_cluster_ip(real_node: Namespace) -> None:
    """The spec's multi-pod example: the app reaches postgres as postgres-service:5432."""
    require_service_routing(real_node)
    core, ns = real_node.core, real_node.name
    _start_postgres(core, ns)
    core.create_namespaced_service(
        ns,
        {
            "metadata": {"name": "postgres-service"},
            "spec": {
                "selector": {"app": "postgres"},
                "ports": [{"port": 5432, "targetPort": 5432}],
            },
        },
    )
    phase, logs = _psql_from_pod(core, ns, "app-by-name", "postgres-service")
    assert phase == "Succeeded", logs
    assert logs.strip() == "42"


def test_kwok_nodes_are_tainted_for_ordinary_pods(real_node: Namespace) -> None:
    nodes = client.CoreV1Api(real_node.admin).list_node(label_selector="type=kwok").items
    assert nodes
    for n in nodes:
        assert any(
            t.key == "kwok.x-k8s.io/node" and t.effect == "NoSchedule" for t in n.spec.taints
        )
