"""Calls that cannot hang: against an apiserver whose packets are dropped (a black hole: the
connection is neither refused nor closed), every ordinary call fails after the settings'
request timeout with a 504 naming the call and what to check, and works again once the
packets flow."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Namespace
from tests.kube_helpers import pod_manifest, wait_pod
from tests.netproxy import CuttableProxy
from tui.core import execution, logs
from tui.core.describe import describe
from tui.core.errors import ApiError
from tui.core.namespaces import list_namespaces
from tui.core.settings import Settings
from tui.core.terminal import TerminalSession
from tui.core.workbench import Workbench

pytestmark = pytest.mark.cluster

TIMEOUT = 2.0  # the request_timeout_seconds of these tests
HUNG = 60.0  # a call still running after this long counts as hung


def outcome(call: Callable[[], Any]) -> tuple[BaseException | None, float]:
    """What ``call`` raised (None if it returned) and how long it took; fails the test if
    it is still running after HUNG seconds (the thread is left behind: a daemon)."""
    result: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
            result.append(None)
        except BaseException as exc:
            result.append(exc)

    started = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HUNG)
    took = time.monotonic() - started
    assert result, f"still waiting after {HUNG:g} s: the call hangs"
    return result[0], took


def test_every_call_to_a_black_holed_apiserver_times_out_with_a_504_naming_it(
    namespace: Namespace, proxy: CuttableProxy, tmp_path: Path
) -> None:
    ns = namespace.name
    namespace.core.create_namespaced_pod(
        ns, pod_manifest("box", kwok=True, container={"command": ["sleep", "infinity"]})
    )
    wait_pod(namespace.core, ns, "box", ("Running",))
    kubeconfig = proxy.kubeconfig(namespace.sandbox.kubeconfig("admin"), tmp_path / "kc")
    settings = Settings(kubeconfig=str(kubeconfig), namespace=ns, request_timeout_seconds=TIMEOUT)
    wb = Workbench(settings, tmp_path / "settings.yaml")
    try:
        assert wb.pods.get("box")["metadata"]["name"] == "box"  # pooled connections exist
        proxy.black_hole()
        calls: dict[str, Callable[[], Any]] = {
            f"get pod box in namespace {ns}": lambda: wb.pods.get("box"),
            f"list pods in namespace {ns}": lambda: wb.pods.list_raw(),
            f"delete pod box in namespace {ns}": lambda: wb.pods.delete("box"),
            f"describe pod box in namespace {ns}": lambda: describe(wb.api, "pod", "box", ns),
            f"read logs of pod box in namespace {ns}": lambda: logs.read(
                wb.api, logs.LogQuery("box", ns)
            ),
            # a stream: a timeout to connect and for its headers, none after
            f"read logs of pod box in namespace {ns} (follow)": lambda: next(
                logs.follow(wb.api, logs.LogQuery("box", ns))
            ),
            "list namespaces": lambda: list_namespaces(wb.api),
            # the exec handshake (a WebSocket the kubernetes client connects without timeout)
            f"exec in pod box in namespace {ns}": lambda: execution.run(
                wb.api, ns, "box", ["true"]
            ),
            f"get pod box in namespace {ns} (terminal)": lambda: TerminalSession.open(
                wb.api, ns, "box", ["sh"]
            ),
        }
        for call, run in calls.items():
            error, took = outcome(run)
            assert isinstance(error, ApiError), f"{call}: {error!r}"
            assert error.status == 504, f"{call}: {error.status} {error.what}"
            assert call.split(" (")[0] in error.what and f"within {TIMEOUT:g} s" in error.what, (
                call,
                error.what,
            )
            assert "request_timeout_seconds" in error.fix and "Test connection" in error.fix
            # one try: urllib3's default retries would make it four (4 x TIMEOUT)
            assert took < 3 * TIMEOUT, f"{call} took {took:.1f} s"
        proxy.restore()  # (the delete sent into the black hole may arrive now, as with TCP)
        assert wb.pods.list_raw()["kind"] == "PodList"
    finally:
        wb.close()


def test_a_followed_log_may_stay_quiet_longer_than_the_request_timeout(
    real_node: Namespace, tmp_path: Path
) -> None:
    """A stream has the timeout to connect and for its headers, then none."""
    ns = real_node.name
    script = "echo first; sleep 4; echo late; sleep 600"
    real_node.core.create_namespaced_pod(
        ns, pod_manifest("quiet", container={"command": ["sh", "-c", script]})
    )
    wait_pod(real_node.core, ns, "quiet", ("Running",))
    kubeconfig = str(real_node.sandbox.kubeconfig("admin"))
    wb = Workbench(
        Settings(kubeconfig=kubeconfig, namespace=ns, request_timeout_seconds=1),
        tmp_path / "settings.yaml",
    )
    try:
        lines = logs.follow(wb.api, logs.LogQuery("quiet", ns))
        assert next(lines) == "first\n"
        assert next(lines) == "late\n"  # after 4 s of silence, still following
    finally:
        wb.close()
