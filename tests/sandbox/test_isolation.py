"""Sandboxes that cannot hurt each other: a same-named sandbox under another state directory
gets its own cgroup root and bridge, sees who owns the Service rules, and leaves the first
sandbox's pods running; ``down`` without a state file still stops everything."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Namespace
from tests.kube_helpers import pod_manifest, wait_pod
from tui.sandbox import machine
from tui.sandbox.cluster import Sandbox
from tui.sandbox.node import node_dir
from tui.sandbox.progress import Progress
from tui.sandbox.state import StateFile


# ---- the registry and the names (no cluster) ------------------------------------------------
def test_same_name_different_directories_get_different_machine_names(tmp_path: Path) -> None:
    a, b = tmp_path / "one" / "default", tmp_path / "two" / "default"
    assert machine.instance_key(a) != machine.instance_key(b)
    assert machine.cgroup_root("default", a) != machine.cgroup_root("default", b)
    assert machine.cgroup_root("default", a).startswith("/podbay/default-")
    assert machine.instance_key(a) == machine.instance_key(
        tmp_path / "one" / ".." / "one" / "default"
    )


def test_registry_lists_others_and_drops_deleted_sandboxes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PODBAY_MACHINE_DIR", str(tmp_path / "run"))
    a, b = tmp_path / "one" / "default", tmp_path / "two" / "default"
    a.mkdir(parents=True)
    b.mkdir(parents=True)
    machine.register("default", a)
    machine.register("default", b)
    machine.register("default", b)  # idempotent
    assert [r.root for r in machine.others(a)] == [b.resolve()]
    shutil.rmtree(b)
    assert machine.others(a) == []
    assert len(list((tmp_path / "run" / "sandboxes").glob("*.json"))) == 1
    machine.unregister(a)
    assert machine.registered() == []


def test_processes_are_found_by_their_state_directory(tmp_path: Path) -> None:
    root = tmp_path / "sb"
    (root / "config").mkdir(parents=True)
    proc = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)", f"--config={root}/config/x.yaml"]
    )
    other = subprocess.Popen(["sleep", "60"])
    try:
        found = machine.processes_under(root)
        assert proc.pid in found
        assert other.pid not in found and os.getpid() not in found
        machine.kill_pids(found, timeout=5)
        assert proc.wait(timeout=5) != 0
    finally:
        for p in (proc, other):
            p.kill()
            p.wait()


# ---- two real sandboxes side by side ---------------------------------------------------------
@pytest.fixture
def twin(real_node: Namespace, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """A sandbox with the session sandbox's name under another state directory (short:
    containerd's socket path is limited to 108 bytes)."""
    root = Path(f"/tmp/pbs-{os.getpid()}")
    shutil.rmtree(root, ignore_errors=True)
    monkeypatch.setenv("PODBAY_STATE_DIR", str(root))
    sb = Sandbox(real_node.sandbox.name, Progress(quiet=True))
    try:
        yield sb
    finally:
        sb.down(purge=True)
        shutil.rmtree(root, ignore_errors=True)


def _bridge(sb: Sandbox) -> str:
    conf = node_dir(sb.layout) / "cni" / "net.d" / "10-podbay.conflist"
    return str(json.loads(conf.read_text())["plugins"][0]["bridge"])


def test_a_same_named_sandbox_elsewhere_leaves_the_first_ones_pods_alone(
    real_node: Namespace, twin: Sandbox
) -> None:
    core, ns, first = real_node.core, real_node.name, real_node.sandbox
    core.create_namespaced_pod(
        ns, pod_manifest("survivor", container={"command": ["sleep", "infinity"]})
    )
    wait_pod(core, ns, "survivor", ("Running",), timeout=120)

    twin.up(kwok_nodes=1, real_node=True)
    first_state = StateFile(first.layout.state).load()
    twin_state = StateFile(twin.layout.state).load()
    assert first_state is not None and twin_state is not None
    assert twin.name == first.name and twin.layout.root != first.layout.root
    assert twin_state.cgroup_root and twin_state.cgroup_root != first_state.cgroup_root
    assert _bridge(twin) != _bridge(first)
    if first.services:  # one kube-proxy per machine, found through the machine registry
        assert twin.services is False
    assert {r.root for r in machine.registered()} >= {twin.layout.root.resolve()}

    # the state file is lost: down still finds and stops every process of the twin
    twin.layout.state.unlink()
    stopped = twin.down(purge=False)
    assert "kubelet" in stopped and "containerd" in stopped, stopped
    assert machine.processes_under(twin.layout.root) == []

    pod = core.read_namespaced_pod("survivor", ns)
    assert pod.status.phase == "Running", pod.status
    assert pod.status.container_statuses[0].restart_count == 0
    assert first.status().ready
