"""Sandbox numbers: warm `up` time, pod create to Running (real node and kwok nodes),
and kubectl's view of them.

    python -m bench.sandbox_startup [--rounds 3] [--pods 200]

Uses its own sandbox ("bench-sandbox") and removes it at the end. Prints numbers; the
cold build time is printed by `podbay sandbox up` itself the first time ("built ... in").
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time

import yaml

from tui.sandbox.cluster import Sandbox
from tui.sandbox.progress import Progress

KWOK = {
    "nodeSelector": {"type": "kwok"},
    "tolerations": [{"key": "kwok.x-k8s.io/node", "operator": "Exists", "effect": "NoSchedule"}],
}


def _pods(n: int, namespace: str) -> str:
    return yaml.safe_dump_all(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": f"bench-{i}", "namespace": namespace, "labels": {"bench": "1"}},
            "spec": {
                "restartPolicy": "Never",
                "containers": [{"name": "runner", "image": "podbay.local/debian:12"}],
                **KWOK,
            },
        }
        for i in range(n)
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pods", type=int, default=200)
    args = ap.parse_args()
    sb = Sandbox("bench-sandbox", Progress(quiet=True))
    try:
        sb.up()  # cold for this instance: PKI, etcd data, bootstrap
        warm = []
        for _ in range(args.rounds):
            sb.down()
            t0 = time.perf_counter()
            sb.up()
            warm.append(time.perf_counter() - t0)
        print(
            f"sandbox up (warm, binaries cached): median {statistics.median(warm):.2f}s "
            f"over {args.rounds} rounds {[round(w, 2) for w in warm]}"
        )

        sb.kubectl("create", "namespace", "bench")
        if sb.real_node:
            real = []
            for i in range(5):
                pod = yaml.safe_dump(
                    {
                        "apiVersion": "v1",
                        "kind": "Pod",
                        "metadata": {"name": f"real-{i}", "namespace": "bench"},
                        "spec": {
                            "restartPolicy": "Never",
                            "containers": [
                                {
                                    "name": "runner",
                                    "image": "podbay.local/debian:12",
                                    "command": ["sleep", "600"],
                                }
                            ],
                        },
                    }
                )
                t0 = time.perf_counter()
                sb.kubectl("create", "-f", "-", stdin=pod)
                sb.kubectl(
                    "wait",
                    "-n",
                    "bench",
                    f"pod/real-{i}",
                    "--for=jsonpath={.status.phase}=Running",
                    "--timeout=120s",
                )
                real.append(time.perf_counter() - t0)
            print(
                f"pod create -> Running on the real node: median {statistics.median(real):.2f}s "
                f"{[round(r, 2) for r in real]}"
            )
        t0 = time.perf_counter()
        sb.kubectl("create", "-f", "-", stdin=_pods(args.pods, "bench"))
        created = time.perf_counter() - t0
        while True:
            out = sb.kubectl(
                "get", "pods", "-n", "bench", "--field-selector=status.phase=Running", "-o", "name"
            )
            if len(out.split()) >= args.pods:
                break
            time.sleep(0.2)
        running = time.perf_counter() - t0
        print(
            f"{args.pods} pods: created in {created:.2f}s, all Running after {running:.2f}s "
            f"(kwok nodes)"
        )
        kubectl = [str(sb.binary("kubectl")), f"--kubeconfig={sb.kubeconfig('admin')}"]
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            subprocess.run(
                [*kubectl, "get", "pods", "-n", "bench", "-o", "json"],
                capture_output=True,
                check=True,
            )
            times.append(time.perf_counter() - t0)
        print(
            f"kubectl get pods -o json ({args.pods} pods): median "
            f"{1000 * statistics.median(times):.0f} ms"
        )
    finally:
        sb.down(purge=True)


if __name__ == "__main__":
    main()
