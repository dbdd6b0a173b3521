"""The log viewer against `kubectl logs`, on the same pod of the sandbox's real node, in one run.

    python -m bench.log_view [--lines 100000] [--sandbox NAME]

A pod prints ``--lines`` lines (about 60 bytes each) and exits. Then, 3 rounds each:
  * ``kubectl logs POD`` wall time (a process, as a user runs it);
  * the engine's LogFollower: stream open → every line taken;
  * the TUI (the real app, headless at 120x40): ``l`` pressed → every line in the viewer and
    the end shown.
Then a pod that keeps printing (~20,000 lines/s) while ``j`` is pressed in the viewer every
50 ms: key latency (press → scrolled) p50/p99/max, and the lines/s that reached the viewer.
Needs the real node (``podbay sandbox up``); kwok nodes have no per-pod logs.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import threading
import time
from typing import Any

import yaml

from bench.common import Stats, add_sandbox_option, bench_namespace, bench_sandbox, kubectl
from tui.app.app import make_app
from tui.app.browser import Browser
from tui.app.loglines import LogLines
from tui.app.logviewer import LogViewer
from tui.core.logfollow import FollowState, LogFollower
from tui.core.logs import LogQuery
from tui.core.settings import Settings
from tui.core.workbench import Workbench
from tui.sandbox.cluster import Sandbox


def _pod(sb: Sandbox, ns: str, name: str, script: str) -> None:
    container: dict[str, Any] = {"name": "runner", "image": "podbay.local/debian:12"}
    container["command"] = ["sh", "-c", script]
    manifest = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"restartPolicy": "Never", "containers": [container]},
    }
    sb.kubectl("-n", ns, "create", "-f", "-", stdin=yaml.safe_dump(manifest))


def _wait_phase(sb: Sandbox, ns: str, name: str, phases: tuple[str, ...]) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        out = sb.kubectl("-n", ns, "get", "pod", name, "-o", "jsonpath={.status.phase}")
        if out.strip() in phases:
            return
        time.sleep(0.5)
    raise SystemExit(f"pod {name} never reached {phases}")


def kubectl_logs(sb: Sandbox, ns: str, pod: str, lines: int, rounds: int = 3) -> Stats:
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        out = subprocess.run(
            [*kubectl(sb), "-n", ns, "logs", pod], check=True, capture_output=True
        ).stdout
        samples.append(time.perf_counter() - t0)
        assert out.count(b"\n") == lines, out.count(b"\n")
    return Stats.of(samples)


def engine_follow(wb: Workbench, ns: str, pod: str, lines: int, rounds: int = 3) -> Stats:
    """Stream open → every line taken, taking when the follower says there is something
    (as the viewer does), not by polling."""
    samples = []
    for _ in range(rounds):
        ready = threading.Event()
        t0 = time.perf_counter()
        follower = LogFollower(wb.api, LogQuery(pod, ns, "runner"), on_new=ready.set).start()
        got = 0
        while follower.progress.state not in (FollowState.ENDED, FollowState.FAILED):
            ready.wait(1.0)
            ready.clear()
            got += len(follower.take())
        got += len(follower.take())
        samples.append(time.perf_counter() - t0)
        assert got == lines, (got, follower.progress)
    return Stats.of(samples)


async def _open_viewer(app: Any, pilot: Any) -> LogViewer:
    deadline = time.monotonic() + 60
    while not (isinstance(app.screen, Browser) and app.screen.table.rows):
        assert time.monotonic() < deadline, "the pod never listed"
        await pilot.pause(0.02)
    await pilot.press("l")
    while not isinstance(app.screen, LogViewer):
        await pilot.pause(0.01)
    return app.screen


async def tui_full_log(sb: Sandbox, ns: str, lines: int, rounds: int = 3) -> Stats:
    samples = []
    for _ in range(rounds):
        wb = Workbench(Settings(kubeconfig=str(sb.kubeconfig("admin")), namespace=ns))
        app = make_app(wb)
        async with app.run_test(size=(120, 40)) as pilot:
            deadline = time.monotonic() + 60
            while not (isinstance(app.screen, Browser) and app.screen.table.rows):
                assert time.monotonic() < deadline
                await pilot.pause(0.02)
            t0 = time.perf_counter()
            await pilot.press("l")
            while not isinstance(app.screen, LogViewer):
                await pilot.pause(0.005)
            viewer = app.screen
            while len(viewer.lines.lines) < lines or not viewer.note.startswith("exited"):
                await asyncio.sleep(0.005)
            samples.append(time.perf_counter() - t0)
    return Stats.of(samples)


async def key_latency_in_flood(sb: Sandbox, ns: str, seconds: float) -> tuple[Stats, float]:
    """Each sample: ``j`` (``g`` at the bottom) pressed → its scroll action has run."""
    handled = [0]
    for name in ("action_scroll_down", "action_scroll_home"):
        original = getattr(LogLines, name)

        def counted(self: LogLines, _original: Any = original) -> None:
            _original(self)
            handled[0] += 1

        setattr(LogLines, name, counted)
    wb = Workbench(Settings(kubeconfig=str(sb.kubeconfig("admin")), namespace=ns))
    app = make_app(wb)
    async with app.run_test(size=(120, 40)) as pilot:
        viewer = await _open_viewer(app, pilot)
        lines = viewer.lines
        while len(lines.lines) < 1000:
            await asyncio.sleep(0.01)
        viewer.action_autoscroll()  # off: the keys move the view, the stream keeps coming
        first = len(lines.lines) + lines.dropped
        t_start = time.perf_counter()
        latencies = []
        while time.perf_counter() - t_start < seconds:
            key = "j" if lines.scroll_y < lines.max_scroll_y else "g"
            k0 = time.perf_counter()
            before = handled[0]
            app.simulate_key(key)
            while handled[0] == before:
                await asyncio.sleep(0.001)
                if time.perf_counter() - k0 > 5:
                    raise SystemExit(f"key {key!r} not handled within 5 s")
            latencies.append(time.perf_counter() - k0)
            await asyncio.sleep(0.05)
        rate = (len(lines.lines) + lines.dropped - first) / (time.perf_counter() - t_start)
    return Stats.of(latencies), rate


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--lines", type=int, default=100_000)  # < the kubelet's 10 MiB rotation
    ap.add_argument("--flood-seconds", type=float, default=10.0)
    add_sandbox_option(ap, "bench-logs")
    args = ap.parse_args()
    if not args.sandbox:
        raise SystemExit("the log bench needs the real node: pass --sandbox NAME of a running one")
    with bench_sandbox(args.sandbox, "bench-logs") as sb, bench_namespace(sb, "bench-logs") as ns:
        line = "2026-12-01T12:00:00Z INFO request handled path=/api/items status=200 n=$i"
        script = f'i=0; while [ $i -lt {args.lines} ]; do i=$((i+1)); echo "{line}"; done'
        _pod(sb, ns, "big-log", script)
        _wait_phase(sb, ns, "big-log", ("Succeeded",))
        wb = Workbench(Settings(kubeconfig=str(sb.kubeconfig("admin")), namespace=ns))
        k = kubectl_logs(sb, ns, "big-log", args.lines)
        e = engine_follow(wb, ns, "big-log", args.lines)
        t = asyncio.run(tui_full_log(sb, ns, args.lines))
        print(f"{args.lines:,} lines of a finished pod (sandbox {sb.name!r}, real node):")
        print(f"  kubectl logs                         {k}")
        print(f"  engine LogFollower (all lines)       {e}   {k.p50 / e.p50:.1f}x kubectl")
        print(f"  TUI: 'l' → every line in the viewer  {t}   {k.p50 / t.p50:.1f}x kubectl")
        sb.kubectl("-n", ns, "delete", "pod", "big-log", "--wait=false")
        flood = 'i=0; while true; do i=$((i+1)); echo "flood line $i of the bench"; done'
        _pod(sb, ns, "flood", flood)
        _wait_phase(sb, ns, "flood", ("Running",))
        keys, rate = asyncio.run(key_latency_in_flood(sb, ns, args.flood_seconds))
        print(f"while a pod floods its log ({rate:,.0f} lines/s reached the viewer):")
        print(f"  key press → view scrolled            {keys}")
        wb.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
