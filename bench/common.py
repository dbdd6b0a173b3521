"""Shared by the benches: which sandbox, a throwaway namespace, kwok pods in bulk, timings,
and podbay's REST face in its own process (so the measuring client never shares its GIL)."""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tui.sandbox.cluster import Sandbox
from tui.sandbox.ports import pick_free
from tui.sandbox.progress import Progress

KWOK: dict[str, Any] = {
    "nodeSelector": {"type": "kwok"},
    "tolerations": [{"key": "kwok.x-k8s.io/node", "operator": "Exists", "effect": "NoSchedule"}],
}


def add_sandbox_option(ap: argparse.ArgumentParser, default: str) -> None:
    ap.add_argument(
        "--sandbox",
        metavar="NAME",
        help=f"use this running sandbox (left running); default: start {default!r} without "
        "a real node and purge it afterwards",
    )


@contextmanager
def bench_sandbox(name: str | None, default: str) -> Iterator[Sandbox]:
    if name:
        sb = Sandbox(name, Progress(quiet=True))
        if not sb.status().ready:
            raise SystemExit(f"sandbox {name!r} is not ready: start it with 'podbay sandbox up'")
        yield sb
        return
    sb = Sandbox(default, Progress(quiet=True))
    try:
        sb.up(real_node=False)
        yield sb
    finally:
        sb.down(purge=True)


@contextmanager
def bench_namespace(sb: Sandbox, prefix: str) -> Iterator[str]:
    """A fresh namespace, deleted (without waiting) at the end."""
    ns = f"{prefix}-{secrets.token_hex(3)}"
    sb.kubectl("create", "namespace", ns)
    try:
        yield ns
    finally:
        sb.kubectl("delete", "namespace", ns, "--wait=false", check=False)


def kwok_pods(sb: Sandbox, ns: str, names: list[str], labels: dict[str, str], **spec: Any) -> None:
    """Create pods on kwok nodes, 500 per kubectl call."""
    docs = [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {
                "containers": [{"name": "runner", "image": "podbay.local/debian:12"}],
                **KWOK,
                **spec,
            },
        }
        for name in names
    ]
    for start in range(0, len(docs), 500):
        sb.kubectl("create", "-f", "-", stdin=yaml.safe_dump_all(docs[start : start + 500]))


def kubectl(sb: Sandbox) -> list[str]:
    return [str(sb.binary("kubectl")), f"--kubeconfig={sb.kubeconfig('admin')}"]


@dataclass(frozen=True)
class Stats:
    p50: float  # ms
    p99: float  # ms
    per_second: float  # sequential calls per second

    @classmethod
    def of(cls, samples: list[float], elapsed: float | None = None) -> Stats:
        samples = sorted(samples)
        p99 = samples[max(0, int(len(samples) * 0.99 + 0.5) - 1)]
        rate = len(samples) / (elapsed if elapsed else sum(samples))
        return cls(statistics.median(samples) * 1000, p99 * 1000, rate)

    def __str__(self) -> str:
        return f"p50 {self.p50:.1f} ms, p99 {self.p99:.1f} ms, {self.per_second:.1f}/s"


def timed(fn: Callable[[], object], rounds: int) -> Stats:
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return Stats.of(samples)


@contextmanager
def rest_server(sb: Sandbox, ns: str) -> Iterator[str]:
    """``podbay --serve`` on the sandbox (admin, namespace ``ns``) as a child process with an
    empty settings file; yields its API base URL."""
    import httpx

    port = pick_free(1)[0]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PODBAY_CONFIG": str(Path(tmp) / "settings.yaml")}
        main = "import sys; from tui.cli import main; sys.exit(main())"
        argv = [sys.executable, "-c", main, "--serve", "--port", str(port)]
        argv += ["--kubeconfig", str(sb.kubeconfig("admin")), "-n", ns]
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(f"{base}/healthz", timeout=1).raise_for_status()
                    break
                except httpx.HTTPError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit("podbay --serve did not start") from None
                    time.sleep(0.1)
            yield f"{base}/api/kubernetes"
        finally:
            proc.terminate()
            proc.wait(10)
