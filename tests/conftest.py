"""Shared fixtures: one sandbox per test session, a fresh namespace per test.

Cluster tests skip locally when the sandbox cannot start, but under ``CI=true`` they fail:
a CI run that silently skipped the cluster would prove nothing.

No test touches the user's own files: from ``pytest_configure`` on, HOME, the XDG
directories, ``PODBAY_CONFIG`` and the sandbox state point into temporary directories; only
the build caches (podbay's and Go's) stay the real ones, so the suite reuses the build.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from kubernetes import client, config

from tests.netproxy import CuttableProxy
from tui.core.settings import settings_path
from tui.sandbox.cluster import Sandbox, list_sandboxes
from tui.sandbox.errors import SandboxError
from tui.sandbox.kubeconfigs import write_kubeconfig
from tui.sandbox.paths import cache_root, state_root
from tui.sandbox.progress import Progress

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Sandboxes of test sessions live here, shared by every session of this user so the reaper
# finds those of killed runs and a PODBAY_TEST_SANDBOX one persists across runs. Kept short
# and out of $TMPDIR: the state holds unix sockets (containerd's), limited to 108 bytes.
TEST_STATE_ROOT = Path(f"/tmp/pbt-{os.getuid()}")
ISOLATED = (
    "HOME",
    "XDG_CONFIG_HOME",
    "XDG_STATE_HOME",
    "XDG_CACHE_HOME",
    "XDG_DATA_HOME",
    "PODBAY_CONFIG",
    "PODBAY_STATE_DIR",
    "PODBAY_CACHE_DIR",
    "GOCACHE",
    "GOMODCACHE",
    "GOPATH",
    "GOENV",
)


@dataclass
class _UserFiles:
    saved_env: dict[str, str | None]
    tmp: Path
    watched: dict[Path, bytes | None]  # the user's settings file (and its backup): bytes or absent
    real_state_root: Path


_user_files: _UserFiles | None = None


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _go_caches(scratch: Path) -> dict[str, str]:
    """Go's build, module and config locations as they are now (they derive from HOME)."""
    home = Path.home()
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    goenv = os.environ.get("GOENV") or str(config / "go" / "env")
    go = shutil.which("go")
    if go:
        out = subprocess.run(
            [go, "env", "-json", "GOCACHE", "GOMODCACHE", "GOPATH"],
            capture_output=True,
            text=True,
            check=False,
            # the user's go/env file, but go's telemetry counters go to scratch
            env={**os.environ, "GOENV": goenv, "XDG_CONFIG_HOME": str(scratch)},
        )
        if out.returncode == 0:
            return {"GOENV": goenv, **{k: v for k, v in json.loads(out.stdout).items() if v}}
    cache = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache")
    gopath = os.environ.get("GOPATH") or str(home / "go")
    return {
        "GOENV": goenv,
        "GOCACHE": os.environ.get("GOCACHE") or str(cache / "go-build"),
        "GOPATH": gopath,
        "GOMODCACHE": os.environ.get("GOMODCACHE") or str(Path(gopath) / "pkg" / "mod"),
    }


def _private_dir(path: Path) -> Path:
    """``path`` as a directory of this user only (a fixed name under /tmp could be planted)."""
    path.mkdir(mode=0o700, exist_ok=True)
    st = path.lstat()
    if not path.is_dir() or path.is_symlink() or st.st_uid != os.getuid():
        raise pytest.UsageError(f"{path} is not a directory owned by this user; remove it")
    return path


def pytest_configure(config: pytest.Config) -> None:
    """Point every per-user location at temporary directories before anything is collected
    (test modules, subprocesses and the sandbox all read os.environ)."""
    global _user_files
    real_settings = settings_path().expanduser()
    real_state_root = state_root().expanduser()
    tmp = Path(tempfile.mkdtemp(prefix="podbay-tests-"))
    for name in ("home", "config", "state", "cache", "data"):
        (tmp / name).mkdir()
    pinned = {
        "PODBAY_CACHE_DIR": str(cache_root().expanduser().resolve()),
        **_go_caches(tmp / "config"),
    }
    _user_files = _UserFiles(
        saved_env={k: os.environ.get(k) for k in ISOLATED},
        tmp=tmp,
        watched={
            p: _read(p)
            for p in (real_settings, real_settings.with_name(real_settings.name + ".bak"))
        },
        real_state_root=real_state_root,
    )
    os.environ.update(
        HOME=str(tmp / "home"),
        XDG_CONFIG_HOME=str(tmp / "config"),
        XDG_STATE_HOME=str(tmp / "state"),
        XDG_CACHE_HOME=str(tmp / "cache"),
        XDG_DATA_HOME=str(tmp / "data"),
        PODBAY_CONFIG=str(tmp / "config" / "podbay" / "settings.yaml"),
        PODBAY_STATE_DIR=str(_private_dir(TEST_STATE_ROOT)),
        **pinned,
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    global _user_files
    if _user_files is None:
        return
    for key, value in _user_files.saved_env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    shutil.rmtree(_user_files.tmp, ignore_errors=True)
    _user_files = None


@pytest.fixture(scope="session", autouse=True)
def _user_files_untouched() -> Iterator[None]:
    """Every test runs on temporary HOME/XDG/settings (set in ``pytest_configure``); after the
    suite the user's own settings file must be byte for byte what it was (issue 9: a test had
    saved ``context: elsewhere`` there and ``podbay --sandbox`` opened disconnected)."""
    assert _user_files is not None
    assert Path.home() == _user_files.tmp / "home"
    yield
    changed = [str(p) for p, before in _user_files.watched.items() if _read(p) != before]
    assert not changed, f"the test suite changed the user's own file(s): {', '.join(changed)}"


_test_numbers = itertools.count()


@pytest.fixture(autouse=True)
def _own_settings_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test its own (not yet existing) settings file: what one test saves never
    reaches the next one. A test may still set PODBAY_CONFIG itself."""
    assert _user_files is not None
    path = _user_files.tmp / "config" / f"t{next(_test_numbers)}" / "settings.yaml"
    monkeypatch.setenv("PODBAY_CONFIG", str(path))


def _reap_abandoned_test_sandboxes() -> None:
    """Stop sandboxes of earlier test runs that were killed before their teardown."""
    for name in list_sandboxes():
        if not name.startswith("pytest-"):
            continue
        try:
            owner = int(name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if not Path(f"/proc/{owner}").exists():
            Sandbox(name, Progress(quiet=True)).down(purge=True)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """The session's sandbox; ``PODBAY_TEST_SANDBOX`` reuses a named one (left running)."""
    reuse = os.environ.get("PODBAY_TEST_SANDBOX")
    name = reuse or f"pytest-{os.getpid()}"
    assert _user_files is not None
    if reuse and (_user_files.real_state_root / reuse / "state.json").exists():
        # a test sandbox lives in the test state root; the same name would share the user's
        # sandbox's bridge and cgroups
        pytest.fail(
            f"PODBAY_TEST_SANDBOX={reuse} names one of your own sandboxes (in "
            f"{_user_files.real_state_root}); tests keep theirs in {state_root()}: "
            "choose another name",
            pytrace=False,
        )
    _reap_abandoned_test_sandboxes()
    sb = Sandbox(name, Progress())
    try:
        sb.up()
    except SandboxError as exc:
        if IN_CI:
            pytest.fail(f"CI=true and the sandbox could not start:\n{exc}", pytrace=False)
        pytest.skip(f"sandbox unavailable: {exc}")
    yield sb
    if not reuse:
        sb.down(purge=True)


def api_client(kubeconfig: Path) -> client.ApiClient:
    return config.new_client_from_config(config_file=str(kubeconfig))


@pytest.fixture(scope="session")
def admin(sandbox: Sandbox) -> Iterator[client.ApiClient]:
    api = api_client(sandbox.kubeconfig("admin"))
    yield api
    api.close()


@dataclass
class Namespace:
    name: str
    admin: client.ApiClient
    sandbox: Sandbox
    _restricted: client.ApiClient | None = None
    _tmp: Path | None = None

    @property
    def core(self) -> client.CoreV1Api:
        return client.CoreV1Api(self.admin)

    def restricted(self) -> client.ApiClient:
        """A client for the spec's least-privilege ServiceAccount, bound in this namespace."""
        if self._restricted is None:
            assert self._tmp is not None
            token = self.sandbox.grant_restricted(self.name)
            path = write_kubeconfig(
                self._tmp / "restricted.kubeconfig",
                server=self.sandbox.server,
                cluster="sandbox",
                user="opencode-manager",
                namespace=self.name,
                ca=self.sandbox.ca,
                token=token,
            )
            self._restricted = api_client(path)
        return self._restricted


@pytest.fixture
def namespace(
    sandbox: Sandbox, admin: client.ApiClient, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Namespace]:
    """A fresh namespace (deleted afterwards) whose default ServiceAccount exists."""
    base = request.node.name.lower().replace("_", "-")
    base = "".join(ch for ch in base if ch.isalnum() or ch == "-")[:40].strip("-")
    name = f"{base}-{secrets.token_hex(3)}"
    core = client.CoreV1Api(admin)
    core.create_namespace({"metadata": {"name": name, "labels": {"podbay.dev/test": "true"}}})
    ns = Namespace(name, admin, sandbox, _tmp=tmp_path)
    _wait_default_service_account(core, name)
    yield ns
    if ns._restricted is not None:
        ns._restricted.close()
    core.delete_namespace(name, propagation_policy="Background")


def _wait_default_service_account(core: client.CoreV1Api, namespace: str) -> None:
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        items = core.list_namespaced_service_account(namespace).items
        if any(sa.metadata.name == "default" for sa in items):
            return
        time.sleep(0.1)
    raise AssertionError(f"no default ServiceAccount in {namespace} after 30s")


@pytest.fixture
def real_node(namespace: Namespace) -> Namespace:
    """A namespace on a sandbox that has the kubelet + containerd node."""
    if not namespace.sandbox.real_node:
        from tui.sandbox.node import missing_prerequisites

        why = "; ".join(missing_prerequisites()) or "started with --no-real-node"
        if IN_CI:
            pytest.fail(f"CI=true and the sandbox has no real node: {why}", pytrace=False)
        pytest.skip(f"no real node: {why}")
    return namespace


def require_service_routing(ns: Namespace) -> None:
    """Skip (fail under CI) a test that needs Service ClusterIPs routed: only one sandbox per
    machine runs kube-proxy."""
    if not ns.sandbox.services:
        why = "another sandbox's kube-proxy owns this machine's Service rules"
        if IN_CI:
            pytest.fail(why)
        pytest.skip(why)


@pytest.fixture
def proxy(namespace: Namespace) -> Iterator[CuttableProxy]:
    """A proxy in front of the session sandbox's apiserver that a test can cut or black-hole
    (``proxy.kubeconfig`` points a copy of a kubeconfig at it)."""
    host, port = namespace.sandbox.server.removeprefix("https://").rsplit(":", 1)
    link = CuttableProxy((host, int(port)))
    yield link
    link.close()
