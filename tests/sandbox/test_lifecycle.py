"""`podbay sandbox` lifecycle: status tells the truth, up is idempotent, down leaves nothing,
parallel sandboxes do not collide, and failures are explained."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tui.sandbox import ports as ports_mod
from tui.sandbox.cluster import Sandbox
from tui.sandbox.errors import SandboxError
from tui.sandbox.processes import ProcRecord, alive
from tui.sandbox.progress import Progress

pytestmark = pytest.mark.cluster


def podbay(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )


def _pids(sb: Sandbox) -> list[ProcRecord]:
    state = json.loads(sb.layout.state.read_text())
    return [ProcRecord.from_json(v) for v in state["processes"].values()]


def test_status_reports_every_component(sandbox: Sandbox) -> None:
    out = podbay("sandbox", "status", "--name", sandbox.name)
    assert out.returncode == 0, out.stderr
    comps = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"]
    if sandbox.real_node:
        comps += ["containerd", "kubelet"]
    for comp in comps:
        assert f"{comp} " in out.stdout
    data = json.loads(podbay("sandbox", "status", "--name", sandbox.name, "--json").stdout)
    assert data["ready"] is True
    assert {c["state"] for c in data["components"]} == {"running"}
    expected = ["kwok-node-0", "kwok-node-1"] + (["podbay-node"] if sandbox.real_node else [])
    assert sorted(data["nodes"]) == expected


def test_status_of_a_stopped_sandbox_is_not_ready() -> None:
    out = podbay("sandbox", "status", "--name", "never-started-xyz")
    assert out.returncode == 1
    assert "not ready" in out.stdout
    assert "stopped" in out.stdout


def test_up_again_is_a_no_op(sandbox: Sandbox) -> None:
    before = _pids(sandbox)
    status = Sandbox(sandbox.name, Progress(quiet=True)).up()
    assert status.ready
    assert _pids(sandbox) == before


def test_kubeconfig_command_prints_existing_files(sandbox: Sandbox) -> None:
    for args in (("--user", "admin"), ("--user", "restricted"), ("--user", "admin", "--no-ca")):
        out = podbay("sandbox", "kubeconfig", "--name", sandbox.name, *args)
        assert out.returncode == 0, out.stderr
        assert Path(out.stdout.strip()).is_file()
    missing = podbay("sandbox", "kubeconfig", "--name", "never-started-xyz")
    assert missing.returncode == 1
    assert "podbay sandbox up --name never-started-xyz" in missing.stderr


def test_second_sandbox_runs_beside_the_first_and_down_leaves_no_process(
    sandbox: Sandbox,
) -> None:
    second = Sandbox(f"{sandbox.name}-b", Progress(quiet=True))
    try:
        st = second.up(kwok_nodes=1, real_node=False)
        assert st.ready
        assert set(second.ports.values()).isdisjoint(sandbox.ports.values())
        assert sandbox.status().ready
        records = _pids(second)
        assert len(records) == 5 and all(alive(r) for r in records)
        assert not second.real_node
    finally:
        out = podbay("sandbox", "down", "--name", second.name)
    assert out.returncode == 0
    assert "etcd" in out.stdout
    assert not any(alive(r) for r in records)
    assert podbay("sandbox", "status", "--name", second.name).returncode == 1
    try:  # up again after down: kwok serves on a new port, and the kept node must say so
        assert second.up(kwok_nodes=1, real_node=False).ready
        endpoint = second.kubectl(
            "get",
            "node",
            "kwok-node-0",
            "-o",
            "jsonpath={.status.daemonEndpoints.kubeletEndpoint.Port}",
        )
        assert int(endpoint) == second.ports["kwok"]
    finally:
        second.down(purge=True)
    assert not second.layout.root.exists()


def test_a_component_that_exits_is_explained_with_its_log(sandbox: Sandbox) -> None:
    broken = Sandbox(f"{sandbox.name}-c", Progress(quiet=True))
    broken.layout.root.mkdir(parents=True, exist_ok=True)
    broken.layout.etcd_data.write_text("not a directory")  # etcd cannot use its data dir
    try:
        with pytest.raises(SandboxError) as exc:
            broken.up(kwok_nodes=1, real_node=False)
        text = str(exc.value)
        assert "etcd exited during start-up" in text
        assert f"last lines of {broken.layout.log('etcd')}" in text
        assert "what to do:" in text
        assert not broken.status().any_running
    finally:
        broken.down(purge=True)


def test_port_in_use_is_explained(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    taken = holder.getsockname()[1]
    real_pick = ports_mod.pick_free
    monkeypatch.setattr(ports_mod, "pick_free", lambda n: [taken, *real_pick(n - 1)])
    racy = Sandbox(f"{sandbox.name}-d", Progress(quiet=True))
    try:
        with pytest.raises(SandboxError) as exc:
            racy.up(kwok_nodes=1, real_node=False)
        text = str(exc.value)
        assert "etcd" in text
        assert "address already in use" in text
        assert "pick new ports" in text
    finally:
        holder.close()
        racy.down(purge=True)


def test_missing_go_is_explained(tmp_path: Path) -> None:
    env = dict(
        os.environ,
        PATH=str(tmp_path),
        PODBAY_CACHE_DIR=str(tmp_path / "cache"),
        PODBAY_STATE_DIR=str(tmp_path / "state"),
    )
    out = podbay("sandbox", "up", "--name", "nogo", env=env)
    assert out.returncode == 1
    assert "Go is not installed" in out.stderr
    assert "what to do: install Go" in out.stderr
    assert "Traceback" not in out.stderr
