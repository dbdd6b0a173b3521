"""What one sandbox shares with every other on this machine, and how they keep apart.

A sandbox's name is only unique within its state directory (``PODBAY_STATE_DIR`` or
``XDG_STATE_HOME``); two users' or two test runs' ``default`` sandboxes can run side by side.
So every machine-wide name (the pods' cgroup root, the pod bridge and its subnet) is derived
from the sandbox's *state directory*, which no other sandbox on the machine can have, and
each running sandbox registers itself under ``/run/podbay/sandboxes`` so that the one
machine-wide resource, the iptables Service rules kube-proxy programs, has one owner that
every sandbox can see whatever its state directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

CGROUP_V1 = Path("/sys/fs/cgroup")


def registry_dir() -> Path:
    """``/run/podbay/sandboxes`` (tmpfs: a reboot, which stops every sandbox, clears it);
    ``PODBAY_MACHINE_DIR`` moves it (tests of the registry itself)."""
    return Path(os.environ.get("PODBAY_MACHINE_DIR") or "/run/podbay") / "sandboxes"


def instance_key(root: Path) -> str:
    """Eight hex digits naming the sandbox at state directory ``root`` on this machine."""
    return hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:8]


def cgroup_root(name: str, root: Path) -> str:
    """The kubelet's cgroup root: the name for people reading ``/sys/fs/cgroup``, the key
    so that a same-named sandbox elsewhere never shares (and cleans up) our pods' cgroups."""
    return f"/podbay/{name}-{instance_key(root)}"


def legacy_cgroup_root(name: str) -> str:
    """What sandboxes started before the key was added used (their state has no record)."""
    return f"/podbay/{name}"


@dataclass(frozen=True)
class Registration:
    name: str
    root: Path
    key: str

    @property
    def state_file(self) -> Path:
        return self.root / "state.json"


def register(name: str, root: Path) -> Registration:
    """Record that the sandbox at ``root`` runs on this machine (idempotent)."""
    reg = Registration(name, root.resolve(), instance_key(root))
    directory = registry_dir()
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".{reg.key}.tmp"
    tmp.write_text(json.dumps({"name": reg.name, "root": str(reg.root)}))
    tmp.replace(directory / f"{reg.key}.json")
    return reg


def unregister(root: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (registry_dir() / f"{instance_key(root)}.json").unlink()


def registered() -> list[Registration]:
    """Every sandbox registered on this machine whose state directory still exists; the
    entries of deleted ones are dropped on the way."""
    directory = registry_dir()
    if not directory.is_dir():
        return []
    found = []
    for entry in sorted(directory.glob("*.json")):
        try:
            data = json.loads(entry.read_text())
            reg = Registration(str(data["name"]), Path(data["root"]), entry.stem)
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if not reg.root.is_dir():
            with contextlib.suppress(OSError):
                entry.unlink()
            continue
        found.append(reg)
    return found


def others(root: Path) -> list[Registration]:
    """The registered sandboxes other than the one at ``root``."""
    key = instance_key(root)
    return [reg for reg in registered() if reg.key != key]


# ---- processes of a sandbox whose state file is lost ----------------------------------------
def processes_under(root: Path) -> list[int]:
    """Pids whose command line names a path inside ``root`` (every component is started
    with its config, data or socket there), the calling process and its parents excluded."""
    prefix = str(root.resolve()).rstrip("/") + "/"
    mine = _ancestry()
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) in mine:
            continue
        try:
            args = (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if any(prefix in arg for arg in args):
            pids.append(int(proc.name))
    return sorted(pids)


def _ancestry() -> set[int]:
    pids, pid = set(), os.getpid()
    while pid > 1 and pid not in pids:
        pids.add(pid)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            pid = int(stat[stat.rindex(")") + 2 :].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return pids


def command_name(pid: int) -> str:
    """The program's file name (``comm`` cuts kube-controller-manager to 15 characters)."""
    try:
        argv0 = (Path(f"/proc/{pid}") / "cmdline").read_bytes().split(b"\0")[0].decode()
    except (OSError, UnicodeDecodeError):
        return str(pid)
    return Path(argv0).name or str(pid)


def kill_pids(pids: list[int], timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL what is left after ``timeout`` seconds."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_running(pid) for pid in pids):
        time.sleep(0.05)
    for pid in pids:
        if _running(pid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


def kill_cgroup_tree(cgroup: str) -> int:
    """SIGKILL every process in the cgroup ``cgroup`` and below (the pods' containers, which
    outlive containerd and their shims); how many were signalled."""
    seen: set[int] = set()
    for controller in (CGROUP_V1 / "pids", CGROUP_V1 / "memory", CGROUP_V1 / "cpu,cpuacct"):
        top = controller / cgroup.lstrip("/")
        if not top.is_dir():
            continue
        for procs in top.rglob("cgroup.procs"):
            with contextlib.suppress(OSError, ValueError):
                seen.update(int(line) for line in procs.read_text().split())
    for pid in seen:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    return len(seen)


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2 :].split()[0] not in ("Z", "X")
