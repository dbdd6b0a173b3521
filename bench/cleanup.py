"""Cleanup of finished pods vs kubectl, on the same sandbox in one run.

    python -m bench.cleanup [--pods 1000] [--sandbox dev]

For each contender, ``--pods`` podbay-managed pods are created on kwok nodes in a fresh
namespace (deleted afterwards), brought to phase Succeeded (kwok only completes pods owned
by a Job, so the bench writes the status subresource as admin, the way a kubelet reports a
finished container; kwok leaves a pod that has an IP alone), then removed by:

* the engine's ``cleanup()`` (list, select, UID-preconditioned deletes, bounded concurrency),
* ``POST /api/kubernetes/cleanup`` on ``podbay --serve`` in its own process,
* ``kubectl delete pods -l app.kubernetes.io/managed-by=podbay
  --field-selector=status.phase==Succeeded`` (which waits until the pods are gone).

Printed per contender: the time until the call returned, and until the namespace held no
pods any more (deletion on kwok nodes is finished by kwok).
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from bench.common import (
    add_sandbox_option,
    bench_namespace,
    bench_sandbox,
    kubectl,
    kwok_pods,
    rest_server,
)
from tui.core import cleanup as cleanup_mod
from tui.core.connection import connect
from tui.core.models import MANAGED_BY, MANAGER
from tui.core.pods import Pods
from tui.core.settings import Settings
from tui.sandbox.cluster import Sandbox

SELECTOR = f"{MANAGED_BY}={MANAGER}"


def _wait(pods: Pods, ns: str, done: Callable[[list[dict[str, Any]]], bool]) -> None:
    deadline = time.monotonic() + 300
    while True:
        items = pods.list_raw(ns).get("items", [])
        if done(items):
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"namespace {ns}: pods did not reach the expected state")
        time.sleep(0.2)


def _finished_pods(sb: Sandbox, pods: Pods, ns: str, count: int) -> None:
    """``count`` managed pods on kwok nodes, all in phase Succeeded."""
    kwok_pods(sb, ns, [f"done-{i}" for i in range(count)], {MANAGED_BY: MANAGER})
    _wait(
        pods,
        ns,
        lambda items: (
            len(items) == count and all((p.get("status") or {}).get("podIP") for p in items)
        ),
    )
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    status = {
        "status": {
            "phase": "Succeeded",
            "conditions": [{"type": "Ready", "status": "False", "reason": "PodCompleted"}],
            "containerStatuses": [
                {
                    "name": "runner",
                    "image": "podbay.local/debian:12",
                    "imageID": "",
                    "ready": False,
                    "restartCount": 0,
                    "started": False,
                    "state": {
                        "terminated": {
                            "exitCode": 0,
                            "reason": "Completed",
                            "startedAt": now,
                            "finishedAt": now,
                        }
                    },
                }
            ],
        }
    }
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(
            pool.map(
                lambda i: (
                    pods.client.patch_namespaced_pod_status(
                        f"done-{i}", ns, status, _preload_content=False
                    ).data
                ),
                range(count),
            )
        )
    _wait(
        pods,
        ns,
        lambda items: (
            sum((p.get("status") or {}).get("phase") == "Succeeded" for p in items) == count
        ),
    )


def _measure(pods: Pods, ns: str, remove: Callable[[], int]) -> tuple[float, float]:
    t0 = time.perf_counter()
    removed = remove()
    returned = time.perf_counter() - t0
    _wait(pods, ns, lambda items: not items)
    gone = time.perf_counter() - t0
    print(f"    ({removed} pods deleted)")
    return returned, gone


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pods", type=int, default=1000)
    add_sandbox_option(ap, "bench-cleanup")
    args = ap.parse_args()
    results: dict[str, tuple[float, float]] = {}
    with bench_sandbox(args.sandbox, "bench-cleanup") as sb:
        settings = Settings(kubeconfig=str(sb.kubeconfig("admin")))
        api = connect(settings).api_client()
        pods = Pods(api, settings)

        with bench_namespace(sb, "bench-cleanup") as ns:
            _finished_pods(sb, pods, ns, args.pods)
            print(f"engine cleanup() of {args.pods} Succeeded pods in {ns}")
            results["engine cleanup()"] = _measure(
                pods, ns, lambda: len(cleanup_mod.cleanup(pods, ns).deleted)
            )

        with bench_namespace(sb, "bench-cleanup") as ns, rest_server(sb, ns) as base:
            _finished_pods(sb, pods, ns, args.pods)
            print(f"POST /api/kubernetes/cleanup of {args.pods} Succeeded pods in {ns}")

            def rest() -> int:
                r = httpx.post(f"{base}/cleanup", json={"namespace": ns}, timeout=300)
                r.raise_for_status()
                return int(r.json()["count"])

            results["REST POST /api/kubernetes/cleanup"] = _measure(pods, ns, rest)

        with bench_namespace(sb, "bench-cleanup") as ns:
            _finished_pods(sb, pods, ns, args.pods)
            print(f"kubectl delete of {args.pods} Succeeded pods in {ns}")
            argv = [*kubectl(sb), "delete", "pods", "-n", ns, "-l", SELECTOR]
            argv.append("--field-selector=status.phase==Succeeded")

            def kubectl_delete() -> int:
                out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
                return out.count(" deleted")

            results["kubectl delete pods -l … (waits)"] = _measure(pods, ns, kubectl_delete)
        api.close()

    _, k_gone = results["kubectl delete pods -l … (waits)"]
    print(f"\ncleanup of {args.pods} Succeeded podbay pods (sandbox {sb.name!r}):")
    for what, (returned, gone) in results.items():
        print(
            f"  {what:<36} returned after {returned:6.2f} s, all gone after {gone:6.2f} s"
            f"  ({k_gone / gone:.1f}x kubectl)"
        )


if __name__ == "__main__":
    main()
