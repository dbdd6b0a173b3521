"""Render the real app on the sandbox into screenshots/ (SVG, plus PNG when rsvg-convert exists).

    .venv/bin/python scripts/screenshots.py [--sandbox NAME] [--size 120x32]

Builds a small, realistic namespace ("demo": an app, postgres on the real node with its
Service, finished and failed test runs, a pod whose image does not exist, a preview
Ingress), then drives the app with Pilot and saves one picture per screen. Re-run it
whenever the UI changes; never edit the pictures by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from textual.pilot import Pilot

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui.app.app import make_app  # noqa: E402
from tui.app.browser import Browser  # noqa: E402
from tui.core.models import MANAGED_BY, MANAGER  # noqa: E402
from tui.core.settings import Settings  # noqa: E402
from tui.core.workbench import Workbench  # noqa: E402
from tui.sandbox.cluster import Sandbox  # noqa: E402

NS = "demo"
OUT = ROOT / "screenshots"
KWOK = {
    "nodeSelector": {"type": "kwok"},
    "tolerations": [{"key": "kwok.x-k8s.io/node", "operator": "Exists", "effect": "NoSchedule"}],
}
MANAGED = {MANAGED_BY: MANAGER}


def pod(
    name: str, labels: dict[str, str], *, kwok: bool = False, **container: Any
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "containers": [{"name": "runner", "image": "podbay.local/debian:12", **container}],
    }
    if kwok:
        spec.update(KWOK)
    return {"metadata": {"name": name, "labels": labels}, "spec": spec}


TEST_RUN = (
    "printf 'collected 6 items\\n\\ntests/test_api.py \\033[32m....\\033[0m\\n"
    "tests/test_db.py \\033[32m.\\033[31mF\\033[0m\\n\\n=== FAILURES ===\\n"
    "___ test_migration_adds_orders ___\\n"
    "E   AssertionError: expected 3 tables, got 2\\n"
    "\\033[31m1 failed\\033[0m, \\033[32m5 passed\\033[0m in 0.42s\\n'; exit 1"
)


def build_scene(api: client.ApiClient) -> None:
    core: Any = client.CoreV1Api(api)
    try:
        core.delete_namespace(NS)
        while True:
            core.read_namespace(NS)
            time.sleep(0.3)
    except ApiException as exc:
        if exc.status != 404:
            raise
    core.create_namespace({"metadata": {"name": NS}})
    while not core.list_namespaced_service_account(NS).items:
        time.sleep(0.1)
    pods = [
        pod(
            "postgres-0",
            {"app": "db", **MANAGED},
            image="podbay.local/postgres:15",
            env=[{"name": "POSTGRES_PASSWORD", "value": "demo"}],
        ),
        pod("api-7f9c4", {"app": "api", **MANAGED}, kwok=True),
        pod("api-b81d2", {"app": "api", **MANAGED}, kwok=True),
        pod("web-preview-pr-42", {"app": "web", "preview": "pr-42", **MANAGED}, kwok=True),
        pod(
            "tests-a1b2c3d",
            {"app": "tests", "commit": "a1b2c3d", **MANAGED},
            command=["sh", "-c", "echo 128 passed"],
        ),
        pod(
            "tests-9f8e7d6",
            {"app": "tests", "commit": "9f8e7d6", **MANAGED},
            command=["sh", "-c", TEST_RUN],
        ),
        pod("lint-a1b2c3d", {"app": "lint", **MANAGED}, command=["true"]),
        pod("migrate-typo", {"app": "migrate", **MANAGED}, image="podbay.local/no-such-image:1"),
        pod("opencode-manager", {"app": "opencode-manager"}, kwok=True),
    ]
    for p in pods:
        core.create_namespaced_pod(NS, p)
    core.create_namespaced_service(
        NS,
        {
            "metadata": {"name": "postgres-service", "labels": MANAGED},
            "spec": {"selector": {"app": "db"}, "ports": [{"name": "pg", "port": 5432}]},
        },
    )
    core.create_namespaced_service(
        NS,
        {
            "metadata": {"name": "web-preview", "labels": MANAGED},
            "spec": {
                "type": "NodePort",
                "selector": {"preview": "pr-42"},
                "ports": [{"name": "http", "port": 80, "targetPort": 3000}],
            },
        },
    )
    rule = {
        "host": "pr-42.preview.example.com",
        "http": {
            "paths": [
                {
                    "path": "/",
                    "pathType": "Prefix",
                    "backend": {"service": {"name": "web-preview", "port": {"number": 80}}},
                }
            ]
        },
    }
    client.NetworkingV1Api(api).create_namespaced_ingress(
        NS,
        {
            "metadata": {"name": "web-preview", "labels": MANAGED},
            "spec": {
                "ingressClassName": "nginx",
                "rules": [rule],
                "tls": [{"hosts": ["pr-42.preview.example.com"], "secretName": "preview-tls"}],
            },
        },
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:  # let the real node finish the test runs
        phases = {p.metadata.name: p.status.phase for p in core.list_namespaced_pod(NS).items}
        if all(
            phases.get(n) in ("Succeeded", "Failed")
            for n in ("tests-a1b2c3d", "tests-9f8e7d6", "lint-a1b2c3d")
        ):
            break
        time.sleep(0.5)
    time.sleep(3)  # the image pull of migrate-typo fails into a back-off


Step = Callable[[Pilot[Any]], Awaitable[None]]


async def shoot(
    kubeconfig: Path, size: tuple[int, int], shots: list[tuple[str, Step]]
) -> list[Path]:
    saved = []
    for name, step in shots:
        wb = Workbench(Settings(kubeconfig=str(kubeconfig), namespace=NS))
        app = make_app(wb)
        async with app.run_test(size=size) as pilot:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                screen = app.screen
                if isinstance(screen, Browser) and len(screen.table.rows) >= 9:
                    break
                await pilot.pause(0.1)
            await pilot.pause(0.5)
            await step(pilot)
            await pilot.pause(0.6)
            path = OUT / f"{name}.svg"
            app.save_screenshot(str(path))
            saved.append(path)
    return saved


def keys(*k: str, wait: float = 0.0, then: tuple[str, float] | None = None) -> Step:
    """Press ``k``, wait; ``then`` types a line (and enter) and waits again."""

    async def run(pilot: Pilot[Any]) -> None:
        await pilot.press(*k)
        if wait:
            await pilot.pause(wait)
        if then is not None:
            await pilot.press(*then[0], "enter")
            await pilot.pause(then[1])

    return run


def seq(*parts: tuple[tuple[str, ...], float]) -> Step:
    """Press each group of keys, then wait its time (a form that reads or dry-runs first)."""

    async def run(pilot: Pilot[Any]) -> None:
        for group, wait in parts:
            await pilot.press(*group)
            await pilot.pause(wait)

    return run


def demo_project() -> Path:
    """A small Node project the pod form reads its image from (podbay starts in it)."""
    project = Path(tempfile.gettempdir()) / "podbay-shots" / "shop"  # fixed: stable pictures
    shutil.rmtree(project.parent, ignore_errors=True)
    project.mkdir(parents=True)
    (project / ".nvmrc").write_text("18\n")
    (project / "package.json").write_text(
        '{"name": "shop", "engines": {"node": ">=18"}, "scripts": {"test": "node --test"}}\n'
    )
    return project


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sandbox", default="default", help="sandbox name (started if needed)")
    ap.add_argument("--size", default="120x32")
    args = ap.parse_args()
    cols, rows = (int(x) for x in args.size.split("x"))
    sb = Sandbox(args.sandbox)
    sb.up()
    kubeconfig = sb.kubeconfig("admin")
    api = config.new_client_from_config(config_file=str(kubeconfig))
    build_scene(api)
    OUT.mkdir(exist_ok=True)
    shots: list[tuple[str, Step]] = [
        ("pods", keys()),
        ("pods-filter", keys("slash", *"-l app in (api,tests)", "enter", "space", "space")),
        ("services", keys("2", wait=1.0)),
        ("ingresses", keys("3", wait=1.0)),
        ("describe", keys("slash", *"postgres", "enter", "d", wait=2.0)),
        ("yaml", keys("y")),
        ("delete", keys("space", "space", "ctrl+d")),
        ("cleanup", keys("X")),
        ("help", keys("question_mark")),
        ("command", keys("colon", *"ns kube")),
        ("palette", keys("ctrl+p", *"svc", wait=0.8)),
        ("logs", keys("slash", *"tests-9f", "enter", "l", wait=2.5)),
        ("shell", keys("slash", *"postgres", "enter", "s", wait=3.0, then=("pg_isready", 1.5))),
        ("context", keys("colon", *"ctx", "enter", wait=0.5)),
        ("settings", keys("comma", wait=0.5)),
        ("test-connection", keys("comma", "ctrl+t", wait=4.0)),
        ("new-pod", seq((("n",), 2.0), (("tab", "tab", "tab", "tab", *"npm test"), 0.5))),
        ("new-pod-preview", seq((("n",), 2.0), (("ctrl+y",), 2.0))),
        ("new-service", seq((("2",), 1.0), (("n",), 1.5))),
        ("new-ingress", seq((("3",), 1.0), (("n",), 1.5))),
        ("progress", keys("slash", *"postgres", "enter", "p", wait=2.5)),
        ("progress-failure", keys("slash", *"migrate-typo", "enter", "p", wait=2.5)),
    ]
    os.chdir(demo_project())  # the pod form reads the directory podbay was started in
    saved = asyncio.run(shoot(kubeconfig, (cols, rows), shots))
    converter = shutil.which("rsvg-convert")
    for svg in saved:
        if converter:  # rsvg collapses leading spaces unless told to preserve them
            text = svg.read_text().replace("<svg ", '<svg xml:space="preserve" ', 1)
            png = svg.with_suffix(".png")
            subprocess.run([converter, "-o", str(png)], input=text.encode(), check=True)
        print(f"wrote {svg.relative_to(ROOT)}" + (" (+ .png)" if converter else ""))
    api.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
