"""podbay side by side with k9s (and kubectl) on the same namespace, in one run.

    python -m bench.vs_k9s [--pods 1000 10000] [--rounds 3] [--sandbox NAME] [--k9s PATH]

For each size, kwok pods are created in a fresh namespace; then, ``--rounds`` times each,
alternating so that machine noise hits both alike:
  * podbay (``python -m tui``) and k9s, each started in its own tmux session at 120x40, with
    the time from process start until the screen shows the first pod row and until it shows
    the full count (podbay's status bar ``N pods``, k9s's title ``pods(ns)[1,000]``), read from
    the rendered screen (``tmux capture-pane``) every 10 ms;
  * ``kubectl get pods`` wall time.
k9s is looked for at ``--k9s``, ``$PATH`` and ``~/.cache/podbay/tools/k9s-*/k9s`` (built with
``GOSUMDB=off go install github.com/derailed/k9s@v0.50.16``); without it only podbay and
kubectl run. Neither tool writes to the user's files: each gets a temporary HOME and config.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import add_sandbox_option, bench_namespace, bench_sandbox, kubectl, kwok_pods
from tui.sandbox.cluster import Sandbox
from tui.sandbox.paths import cache_root

SIZE = (120, 40)


def find_k9s(given: str | None) -> str | None:
    if given:
        return given
    found = shutil.which("k9s")
    if found:
        return found
    built = sorted((cache_root() / "tools").glob("k9s-*/k9s"))
    return str(built[-1]) if built else None


def screen(session: str) -> str:
    out = subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
    )
    return out.stdout


def time_to_screen(
    argv: list[str], env: dict[str, str], first: Callable[[str], bool], full: Callable[[str], bool]
) -> tuple[float, float]:
    """Seconds from starting ``argv`` in a new tmux session to ``first`` and to ``full``
    holding for the rendered screen."""
    session = f"pbbench-{os.getpid()}-{time.monotonic_ns()}"
    cmd = ["tmux", "new-session", "-d", "-s", session, "-x", str(SIZE[0]), "-y", str(SIZE[1])]
    cmd += ["env", "-i", *(f"{k}={v}" for k, v in env.items()), *argv]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True)
    t_first = 0.0
    try:
        while time.perf_counter() - t0 < 120:
            text = screen(session)
            if not t_first and first(text):
                t_first = time.perf_counter() - t0
            if full(text):
                return t_first or time.perf_counter() - t0, time.perf_counter() - t0
            time.sleep(0.01)
        raise SystemExit(f"{argv[0]} never showed every pod within 120 s:\n{screen(session)}")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def base_env(home: Path) -> dict[str, str]:
    return {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }


def podbay_round(sb: Sandbox, ns: str, count: int, home: Path) -> tuple[float, float]:
    env = base_env(home) | {"PODBAY_CONFIG": str(home / "podbay.yaml")}
    argv = [sys.executable, "-m", "tui", "--kubeconfig", str(sb.kubeconfig("admin")), "-n", ns]
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    return time_to_screen(argv, env, lambda s: "pod-0" in s, lambda s: f"{count} pods" in s)


def k9s_round(k9s: str, sb: Sandbox, ns: str, count: int, home: Path) -> tuple[float, float]:
    env = base_env(home) | {"K9S_CONFIG_DIR": str(home / "k9s")}
    argv = [k9s, "--kubeconfig", str(sb.kubeconfig("admin")), "-n", ns, "-c", "pods"]
    shown = "|".join({str(count), f"{count:,}"})  # k9s writes [1,000]
    full = re.compile(rf"[Pp]ods\({re.escape(ns)}\)\[({shown})\]")
    return time_to_screen(argv, env, lambda s: "pod-0" in s, lambda s: bool(full.search(s)))


def kubectl_round(sb: Sandbox, ns: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([*kubectl(sb), "get", "pods", "-n", ns], capture_output=True, check=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pods", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--k9s", help="path of the k9s binary")
    add_sandbox_option(ap, "bench-k9s")
    args = ap.parse_args()
    k9s = find_k9s(args.k9s)
    if k9s is None:
        print("k9s not found (see the docstring to build it): measuring podbay and kubectl")
    with bench_sandbox(args.sandbox, "bench-k9s") as sb:
        for count in args.pods:
            with bench_namespace(sb, "bench-k9s") as ns, tempfile.TemporaryDirectory() as tmp:
                home = Path(tmp)
                kwok_pods(sb, ns, [f"pod-{i:05d}" for i in range(count)], {"app": "bench"})
                pb: list[tuple[float, float]] = []
                kn: list[tuple[float, float]] = []
                kc: list[float] = []
                for _ in range(args.rounds):
                    pb.append(podbay_round(sb, ns, count, home))
                    if k9s:
                        kn.append(k9s_round(k9s, sb, ns, count, home))
                    kc.append(kubectl_round(sb, ns))
                print(f"\n{count} pods, median of {args.rounds} (start → first row / → all):")
                med = statistics.median
                p_first, p_full = med(x[0] for x in pb), med(x[1] for x in pb)
                print(f"  podbay   {p_first:6.2f} s / {p_full:6.2f} s")
                if kn:
                    k_first, k_full = med(x[0] for x in kn), med(x[1] for x in kn)
                    print(f"  k9s      {k_first:6.2f} s / {k_full:6.2f} s")
                    print(
                        f"  podbay / k9s: first row {p_first / k_first:.2f}x, "
                        f"all {p_full / k_full:.2f}x"
                    )
                print(f"  kubectl get pods (wall) {med(kc):6.2f} s")


if __name__ == "__main__":
    main()
