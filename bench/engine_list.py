"""Pod-list speed vs kubectl on the same sandbox namespace, in one run: the engine's list,
its watch cache, and the REST endpoint (GET /api/kubernetes/pods of ``podbay --serve``).

    python -m bench.engine_list [--pods 1000 5000] [--sandbox dev]

Creates the pods on kwok nodes in a fresh namespace (deleted afterwards) of the given
running sandbox, or of its own sandbox ("bench-engine", purged afterwards), then prints, for
each size, p50/p99 and sequential calls per second of: ``kubectl get pods -o json`` (a
process per call, as a user or agent runs it), the engine's list (one API round trip + JSON
parse + summaries), a render of the watch cache's pre-serialised rows (sort + join, no
memo) and GET /api/kubernetes/pods over HTTP from ``podbay --serve`` in its own process,
each with its ratio to kubectl.
"""

from __future__ import annotations

import argparse
import functools
import subprocess
import time

import httpx

from bench.common import (
    Stats,
    add_sandbox_option,
    bench_namespace,
    bench_sandbox,
    kubectl,
    kwok_pods,
    rest_server,
    timed,
)
from tui.core.connection import connect
from tui.core.pods import PodRow, Pods, pod_row
from tui.core.settings import Settings
from tui.core.watchcache import WatchCache
from tui.server import podlist


def _rest(url: str, total: int, seconds: float) -> Stats:
    """Sequential GETs from one keep-alive client for ``seconds``, once the cache is full."""
    with httpx.Client(timeout=30) as http:
        deadline = time.monotonic() + 120
        while len(http.get(url).json()["pods"]) < total:
            if time.monotonic() > deadline:
                raise SystemExit(f"the REST list never reached {total} pods")
            time.sleep(0.2)
        for _ in range(20):  # warm-up
            http.get(url).raise_for_status()
        samples = []
        t_start = time.perf_counter()
        t_end = t_start + seconds
        while time.perf_counter() < t_end:
            t0 = time.perf_counter()
            http.get(url).raise_for_status()
            samples.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - t_start
    return Stats.of(samples, elapsed)


def _render(cache: WatchCache[PodRow], ns: str) -> bytes:
    return podlist.body(ns, podlist.by_name(cache.derived()[1]), "cache")


def _line(what: str, s: Stats, k: Stats) -> str:
    return f"  {what:<44} {s!s:<40} {k.p50 / s.p50:7.1f}x kubectl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pods", type=int, nargs="+", default=[1000, 5000])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=10.0, help="REST measuring time per size")
    add_sandbox_option(ap, "bench-engine")
    args = ap.parse_args()
    with bench_sandbox(args.sandbox, "bench-engine") as sb, bench_namespace(sb, "bench-list") as ns:
        settings = Settings(kubeconfig=str(sb.kubeconfig("admin")), namespace=ns)
        pods = Pods(connect(settings).api_client(), settings)
        get_json = [*kubectl(sb), "get", "pods", "-n", ns, "-o", "json"]
        with rest_server(sb, ns) as api:
            have = 0
            for total in args.pods:
                names = [f"p-{i}" for i in range(have, total)]
                kwok_pods(sb, ns, names, {"app": "bench"})
                have = total
                cache = WatchCache(pods, derive=pod_row).start()
                cache.wait_synced(60)
                while len(cache) < total:
                    time.sleep(0.1)
                k = timed(
                    lambda: subprocess.run(get_json, capture_output=True, check=True),
                    max(3, args.rounds // 4),
                )
                e = timed(pods.list, args.rounds)
                c = timed(functools.partial(_render, cache, ns), args.rounds)
                cache.stop()
                r = _rest(f"{api}/pods?namespace={ns}", total, args.seconds)
                print(f"{total} pods (sandbox {sb.name!r}, namespace {ns}):")
                print(f"  {'kubectl get pods -o json':<44} {k!s:<40}")
                print(_line("engine list (API call + summaries)", e, k))
                print(_line("watch-cache render (sort + join rows)", c, k))
                print(_line("REST GET /api/kubernetes/pods (one client)", r, k))
                print(f"  REST requests/s vs kubectl calls/s: {r.per_second / k.per_second:.0f}x")


if __name__ == "__main__":
    main()
