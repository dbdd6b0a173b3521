"""Shared fixtures: one sandbox per test session, a fresh namespace per test.

Cluster tests skip locally when the sandbox cannot start, but under ``CI=true`` they fail:
a CI run that silently skipped the cluster would prove nothing.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from kubernetes import client, config

from tui.sandbox.cluster import Sandbox, list_sandboxes
from tui.sandbox.errors import SandboxError
from tui.sandbox.kubeconfigs import write_kubeconfig
from tui.sandbox.progress import Progress

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


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
