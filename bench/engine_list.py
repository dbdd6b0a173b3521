"""Pod-list speed vs kubectl on the same sandbox namespace, in one run: the engine's list,
its watch cache, and the REST endpoint (GET /api/kubernetes/pods on a real uvicorn).

    python -m bench.engine_list [--pods 1000 5000]

Creates the pods on kwok nodes in namespace "bench-list" of its own sandbox
("bench-engine"), then prints p50/p99 for: kubectl get pods -o json (a process per call,
like a user or agent would run it), the engine's list (one API round trip + JSON parse)
and a read of the engine's watch cache (what the REST face will serve).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time
from collections.abc import Callable

import yaml

from tui.core.connection import connect
from tui.core.pods import Pods, summarize
from tui.core.settings import Settings
from tui.core.watchcache import WatchCache
from tui.core.workbench import Workbench
from tui.sandbox.cluster import Sandbox
from tui.sandbox.progress import Progress

NS = "bench-list"
KWOK = {
    "nodeSelector": {"type": "kwok"},
    "tolerations": [{"key": "kwok.x-k8s.io/node", "operator": "Exists", "effect": "NoSchedule"}],
}


def _timed(fn: Callable[[], object], rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    samples.sort()
    return statistics.median(samples) * 1000, samples[max(0, int(len(samples) * 0.99) - 1)] * 1000


def _grow(sb: Sandbox, total: int, have: int) -> None:
    docs = [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": f"p-{i}", "namespace": NS, "labels": {"app": "bench"}},
            "spec": {"containers": [{"name": "runner", "image": "podbay.local/debian:12"}], **KWOK},
        }
        for i in range(have, total)
    ]
    for start in range(0, len(docs), 500):
        sb.kubectl("create", "-f", "-", stdin=yaml.safe_dump_all(docs[start : start + 500]))


def _start_rest(wb: Workbench) -> str:
    import threading

    import uvicorn

    from tui.sandbox.ports import pick_free
    from tui.server.app import make_app

    port = pick_free(1)[0]
    server = uvicorn.Server(
        uvicorn.Config(make_app(wb), host="127.0.0.1", port=port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}/api/kubernetes/pods?namespace={NS}"


def _rest(url: str, total: int, seconds: float = 5.0) -> tuple[float, float, float]:
    import httpx

    with httpx.Client(timeout=30) as http:
        while len(http.get(url).json()["pods"]) < total:  # cache warm and complete
            time.sleep(0.2)
        samples = []
        t_end = time.perf_counter() + seconds
        while time.perf_counter() < t_end:
            t0 = time.perf_counter()
            http.get(url).raise_for_status()
            samples.append(time.perf_counter() - t0)
    samples.sort()
    p50 = statistics.median(samples) * 1000
    p99 = samples[max(0, int(len(samples) * 0.99) - 1)] * 1000
    return p50, p99, len(samples) / seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pods", type=int, nargs="+", default=[1000, 5000])
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    sb = Sandbox("bench-engine", Progress(quiet=True))
    try:
        sb.up(real_node=False)
        sb.kubectl("create", "namespace", NS)
        settings = Settings(kubeconfig=str(sb.kubeconfig("admin")), namespace=NS)
        api = connect(settings).api_client()
        pods = Pods(api, settings)
        kubectl = [str(sb.binary("kubectl")), f"--kubeconfig={sb.kubeconfig('admin')}"]
        rest_url = _start_rest(Workbench(settings))
        have = 0
        for total in args.pods:
            _grow(sb, total, have)
            have = total
            cache = WatchCache(pods).start()
            cache.wait_synced(60)
            while len(cache) < total:
                time.sleep(0.1)
            k50, k99 = _timed(
                lambda: subprocess.run(
                    [*kubectl, "get", "pods", "-n", NS, "-o", "json"],
                    capture_output=True,
                    check=True,
                ),
                max(3, args.rounds // 4),
            )
            e50, e99 = _timed(lambda: pods.list(), args.rounds)
            c50, c99 = _timed(lambda c=cache: [summarize(p) for p in c.items()], args.rounds)
            cache.stop()
            r50, r99, rps = _rest(rest_url, total)
            print(
                f"{total} pods: kubectl get -o json p50 {k50:.0f} ms p99 {k99:.0f} ms | "
                f"engine list p50 {e50:.0f} ms p99 {e99:.0f} ms ({k50 / e50:.1f}x) | "
                f"watch-cache read p50 {c50:.1f} ms p99 {c99:.1f} ms ({k50 / c50:.0f}x)"
            )
            kubectl_rps = 1000 / k50
            print(
                f"{total} pods: REST GET /api/kubernetes/pods p50 {r50:.1f} ms "
                f"p99 {r99:.1f} ms, {rps:.1f} req/s (one client) vs kubectl "
                f"{kubectl_rps:.2f} calls/s ({rps / kubectl_rps:.0f}x)"
            )
    finally:
        sb.down(purge=True)


if __name__ == "__main__":
    main()
