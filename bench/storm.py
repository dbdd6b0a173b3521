"""A pod-event storm in its own process (so it never shares the measured app's GIL).

    python -m bench.storm KUBECONFIG NAMESPACE RATE SECONDS POD [POD ...]

Patches a label on the given pods at RATE per second for SECONDS from 8 threads and prints
how many patches were sent.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any

from kubernetes import client, config


def storm(kubeconfig: str, ns: str, names: list[str], rate: float, seconds: float) -> int:
    """Label patches at ``rate``/s for ``seconds`` from 8 threads (run in its own process so
    the app under test does not share its GIL); returns how many were sent."""
    api = config.new_client_from_config(config_file=kubeconfig)
    threads = 8
    sent = [0] * threads
    end = time.monotonic() + seconds

    def run(k: int) -> None:
        core: Any = client.CoreV1Api(api)
        interval, i, next_at = threads / rate, k, time.monotonic()
        while time.monotonic() < end:
            body = {"metadata": {"labels": {"storm": str(i)}}}
            core.patch_namespaced_pod(names[i % len(names)], ns, body, _preload_content=False)
            sent[k] += 1
            i += threads
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))

    workers = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(sent)


if __name__ == "__main__":
    # On a real setup the storm comes from a remote cluster, not from the CPUs the TUI runs
    # on; at lower priority the generator does not starve the app being measured.
    os.nice(10)
    kubeconfig, namespace, rate, seconds, *pods = sys.argv[1:]
    print(storm(kubeconfig, namespace, pods, float(rate), float(seconds)))
