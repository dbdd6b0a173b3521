"""The creation wizard against kubectl, on the sandbox's real node, in one run.

    python -m bench.wizard_create --sandbox NAME [--rounds 5]

A project directory with ``.nvmrc`` ``18`` and a ``package.json``. Then, ``--rounds`` each:
  * the TUI (the real app, headless at 120x40): ``n`` pressed → the pod form shown with the
    image field filled from the project's suggestions (the nodes listed for the mark);
  * ``ctrl+s`` in a filled form (dry run, create) → the progress view says Running; against
    ``kubectl create -f -`` + ``kubectl wait --for=condition=Ready`` of the same manifest, as
    a user would script it. The kubelet's start dominates both; the ratio shows what the
    wizard adds on top.
Needs the real node (``podbay sandbox up``): kwok pods do not pull or start anything.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from textual.widgets import Input

from bench.common import Stats, add_sandbox_option, bench_namespace, bench_sandbox, kubectl
from tui.app.app import make_app
from tui.app.browser import Browser
from tui.app.pod_progress import PodProgress
from tui.app.wizard.pod_form import PodForm
from tui.core.settings import Settings
from tui.core.workbench import Workbench
from tui.sandbox.cluster import Sandbox

IMAGE = "podbay.local/debian:12"


def _project() -> Path:
    project = Path(tempfile.mkdtemp(prefix="podbay-bench-")) / "shop"
    project.mkdir()
    (project / ".nvmrc").write_text("18\n")
    (project / "package.json").write_text('{"name": "shop", "engines": {"node": ">=18"}}\n')
    return project


async def _until(pilot: Any, check: Any, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what}")
        await pilot.pause(0.01)


async def tui_round(sb: Sandbox, ns: str, name: str) -> tuple[float, float]:
    """Seconds from ``n`` to the suggested image, and from ``ctrl+s`` to Running."""
    wb = Workbench(Settings(kubeconfig=str(sb.kubeconfig("admin")), namespace=ns))
    app = make_app(wb)

    def listed() -> bool:
        s = app.screen
        return isinstance(s, Browser) and s.lives.get("pods") is not None

    def suggested() -> bool:
        s = app.screen
        return isinstance(s, PodForm) and bool(s.suggestions) and bool(s.text("image"))

    def running() -> bool:
        s = app.screen
        return isinstance(s, PodProgress) and bool(s.progress and s.progress.state == "running")

    async with app.run_test(size=(120, 40)) as pilot:
        await _until(pilot, listed, "the list")
        t0 = time.perf_counter()
        await pilot.press("n")
        await _until(pilot, suggested, "the suggested image")
        opened = time.perf_counter() - t0
        form = app.screen
        assert isinstance(form, PodForm)
        for key, value in (("name", name), ("image", IMAGE), ("command", "sleep 600")):
            form.query_one(f"#f-{key}", Input).value = value
        await pilot.pause()
        t0 = time.perf_counter()
        await pilot.press("ctrl+s")
        await _until(pilot, running, "Running")
        created = time.perf_counter() - t0
    wb.close()
    return opened, created


async def tui_rounds(sb: Sandbox, ns: str, rounds: int) -> tuple[Stats, Stats]:
    samples = [await tui_round(sb, ns, f"wizard-{i}") for i in range(rounds)]
    return Stats.of([o for o, _ in samples]), Stats.of([c for _, c in samples])


def kubectl_rounds(sb: Sandbox, ns: str, rounds: int) -> Stats:
    samples = []
    for i in range(rounds):
        manifest = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": f"kubectl-{i}", "namespace": ns},
            "spec": {
                "restartPolicy": "Never",
                "containers": [{"name": "runner", "image": IMAGE, "command": ["sleep", "600"]}],
            },
        }
        t0 = time.perf_counter()
        subprocess.run(
            [*kubectl(sb), "create", "-f", "-"],
            input=yaml.safe_dump(manifest).encode(),
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                *kubectl(sb),
                "-n",
                ns,
                "wait",
                "--for=condition=Ready",
                f"pod/kubectl-{i}",
                "--timeout=120s",
            ],
            check=True,
            capture_output=True,
        )
        samples.append(time.perf_counter() - t0)
    return Stats.of(samples)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=5)
    add_sandbox_option(ap, "bench-wizard")
    args = ap.parse_args()
    if not args.sandbox:
        raise SystemExit(
            "the wizard bench needs the real node: pass --sandbox NAME of a running one"
        )
    os.chdir(_project())  # the pod form reads the directory podbay was started in
    with bench_sandbox(args.sandbox, "bench-wizard") as sb, bench_namespace(sb, "bench-wiz") as ns:
        k = kubectl_rounds(sb, ns, args.rounds)
        opened, created = asyncio.run(tui_rounds(sb, ns, args.rounds))
        print(f"creation wizard, {args.rounds} rounds (sandbox {sb.name!r}, real node):")
        print(f"  TUI: 'n' → form with the suggested image      {opened}")
        print(f"  kubectl create + wait Ready                   {k}")
        print(
            f"  TUI: ctrl+s → Running in the progress view    {created}   "
            f"{created.p50 / k.p50:.2f}x kubectl's time"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
