"""Build the sandbox's binaries from the pinned Go wrapper modules, cached by version.

The cache key is the component set's version plus a hash of its go.mod/go.sum and the Go
version, so a second ``up`` finds the binaries and starts in seconds.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tui.sandbox.errors import SandboxError
from tui.sandbox.paths import GOSRC, cache_root
from tui.sandbox.progress import Meter, Progress, elapsed

KUBE_VERSION = "v1.34.4"
KWOK_VERSION = "v0.7.0"
COREDNS_VERSION = "v1.14.7"
MIN_GO = (1, 25)  # CoreDNS 1.14 needs 1.25; Kubernetes 1.34 needs 1.24


def _kube_ldflags(version: str) -> list[str]:
    major, minor = version.lstrip("v").split(".")[:2]
    flags = ["-s", "-w"]
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [
            f"-X {pkg}.gitVersion={version}",
            f"-X {pkg}.gitMajor={major}",
            f"-X {pkg}.gitMinor={minor}",
            f"-X {pkg}.gitTreeState=clean",
            f"-X {pkg}.buildDate=1970-01-01T00:00:00Z",
        ]
    return flags


@dataclass(frozen=True)
class BinarySet:
    """A group of binaries built together from one wrapper module."""

    name: str
    version: str
    packages: dict[str, str]  # output binary name -> Go package path
    ldflags: list[str] = field(default_factory=lambda: ["-s", "-w"])

    @property
    def module_dir(self) -> Path:
        return GOSRC / self.name


KUBE = BinarySet(
    name="kube",
    version=KUBE_VERSION,
    packages={
        "etcd": "go.etcd.io/etcd/server/v3",
        "kube-apiserver": "k8s.io/kubernetes/cmd/kube-apiserver",
        "kube-controller-manager": "k8s.io/kubernetes/cmd/kube-controller-manager",
        "kube-scheduler": "k8s.io/kubernetes/cmd/kube-scheduler",
        "kubelet": "k8s.io/kubernetes/cmd/kubelet",
        "kube-proxy": "k8s.io/kubernetes/cmd/kube-proxy",
        "kubectl": "k8s.io/kubernetes/cmd/kubectl",
    },
    ldflags=_kube_ldflags(KUBE_VERSION),
)
KWOK = BinarySet(name="kwok", version=KWOK_VERSION, packages={"kwok": "sigs.k8s.io/kwok/cmd/kwok"})
COREDNS = BinarySet(
    name="coredns", version=COREDNS_VERSION, packages={"coredns": "github.com/coredns/coredns"}
)
CONTROL_PLANE_SETS = (KUBE, KWOK)


def go_version() -> tuple[int, int, str]:
    """The local Go toolchain's (major, minor, full) version; SandboxError if Go is missing."""
    go = shutil.which("go")
    if not go:
        raise SandboxError(
            "Go is not installed (no 'go' on PATH); the sandbox builds Kubernetes from source.",
            hint="install Go >= 1.24 (Debian: apt-get install golang-go from a recent release, "
            "or put an existing toolchain's bin/ on PATH) and run the command again",
        )
    out = subprocess.run([go, "env", "GOVERSION"], capture_output=True, text=True, check=False)
    m = re.match(r"go(\d+)\.(\d+)", out.stdout.strip())
    if not m:
        raise SandboxError(f"could not read the Go version from {go}: {out.stderr.strip()}")
    major, minor = int(m.group(1)), int(m.group(2))
    if (major, minor) < MIN_GO:
        raise SandboxError(
            f"Go {out.stdout.strip()} is too old to build Kubernetes {KUBE_VERSION}",
            hint=f"install Go >= {MIN_GO[0]}.{MIN_GO[1]}",
        )
    return major, minor, out.stdout.strip()


def cache_key(binset: BinarySet, go: str) -> str:
    digest = hashlib.sha256()
    for fname in ("go.mod", "go.sum"):
        digest.update((binset.module_dir / fname).read_bytes())
    digest.update(go.encode())
    digest.update(" ".join(binset.ldflags).encode())
    digest.update(" ".join(sorted(binset.packages.values())).encode())
    return f"{binset.name}-{binset.version}-{go}-{digest.hexdigest()[:10]}"


def cached_dir(binset: BinarySet, go: str) -> Path:
    return cache_root() / "bin" / cache_key(binset, go)


def is_built(directory: Path, binset: BinarySet) -> bool:
    return (directory / ".complete").exists() and all(
        (directory / b).exists() for b in binset.packages
    )


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def go_env() -> dict[str, str]:
    """Environment for reproducible, offline-friendly builds against the committed go.sum."""
    env = dict(os.environ)
    env.update(
        GOTOOLCHAIN="local",
        CGO_ENABLED="0",
        GOSUMDB="off",  # the checksum database is not reachable here; go.sum is committed
        GOFLAGS="-mod=readonly -buildvcs=false",
    )
    return env


def ensure_built(binset: BinarySet, progress: Progress, *, jobs: int | None = None) -> Path:
    """Return the directory holding ``binset``'s binaries, building them first if needed."""
    _, _, go = go_version()
    target = cached_dir(binset, go)
    if is_built(target, binset):
        return target
    with file_lock(cache_root() / "locks" / f"{target.name}.lock"):
        if is_built(target, binset):  # another process built it while we waited
            return target
        _build(binset, target, progress, jobs=jobs)
    return target


def ensure_binaries(progress: Progress, *, real_node: bool) -> dict[str, Path]:
    """Every binary a sandbox runs, by name (built first if needed); containerd is the
    system's own."""
    bins: dict[str, Path] = {}
    for binset in (*CONTROL_PLANE_SETS, *((COREDNS,) if real_node else ())):
        directory = ensure_built(binset, progress)
        for name in binset.packages:
            bins[name] = directory / name
    if real_node:
        bins["containerd"] = Path(shutil.which("containerd") or "/usr/bin/containerd")
    return bins


def _build(binset: BinarySet, target: Path, progress: Progress, *, jobs: int | None) -> None:
    logs = cache_root() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"build-{target.name}.log"
    tmp = target.with_name(target.name + f".tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    env = go_env()
    started = time.monotonic()
    label = f"{binset.name} {binset.version}"
    progress.step(
        f"building {label} ({', '.join(binset.packages)}) from source; the first build takes "
        f"many minutes, later starts use the cache in {target.parent}"
    )
    total = _count_packages(binset, env, log_path, progress, started, label)
    cmd = [
        "go",
        "build",
        "-v",
        "-trimpath",
        "-p",
        str(jobs or os.cpu_count() or 2),
        "-ldflags",
        " ".join(binset.ldflags),
        "-o",
        str(tmp) + "/",
        *binset.packages.values(),
    ]
    done = 0
    with log_path.open("a") as log:
        log.write("$ " + " ".join(cmd) + "\n")
        log.flush()
        proc = subprocess.Popen(
            cmd,
            cwd=binset.module_dir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            pkg = line.strip()
            if pkg and not pkg.startswith(("go:", "#")) and " " not in pkg:
                done += 1
                pct = f" ~{min(99, 100 * done // total)}%" if total else ""
                progress.update(
                    f"building {label}: {done}/{total or '?'} packages{pct}, "
                    f"{elapsed(time.monotonic() - started)}, now {pkg}",
                    meter=Meter(f"building {label}", done, total or None, "packages", pkg),
                )
        rc = proc.wait()
    if rc != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise SandboxError(
            f"building {label} failed (go build exit {rc})",
            log=log_path,
            hint=f"read {log_path}; a network error means the Go module proxy was not "
            "reachable (set GOPROXY), a compile error may need a different Go version",
        )
    _rename_outputs(binset, tmp)
    (tmp / ".complete").write_text(f"built in {time.monotonic() - started:.0f}s\n")
    if target.exists():
        shutil.rmtree(target)
    tmp.rename(target)
    progress.step(f"built {label} in {elapsed(time.monotonic() - started)} -> {target}")


def _count_packages(
    binset: BinarySet,
    env: dict[str, str],
    log_path: Path,
    progress: Progress,
    started: float,
    label: str,
) -> int:
    """Download modules and count packages to build (the denominator of the progress line)."""
    progress.update(f"building {label}: downloading Go modules", every=0)
    cmd = ["go", "list", "-deps", *binset.packages.values()]
    with log_path.open("a") as log:
        log.write("$ " + " ".join(cmd) + "\n")
        proc = subprocess.run(
            cmd, cwd=binset.module_dir, env=env, capture_output=True, text=True, check=False
        )
        log.write(proc.stderr)
    if proc.returncode != 0:
        raise SandboxError(
            f"resolving the Go modules for {label} failed "
            f"(after {elapsed(time.monotonic() - started)})",
            log=log_path,
            hint="check that the Go module proxy is reachable (go env GOPROXY) and retry",
        )
    return len(proc.stdout.split())


def _rename_outputs(binset: BinarySet, directory: Path) -> None:
    """``go build -o dir/`` names a binary after its package; give each its sandbox name."""
    for name, pkg in binset.packages.items():
        produced = directory / _go_output_name(pkg)
        if produced.name != name and produced.exists():
            produced.rename(directory / name)


def _go_output_name(pkg: str) -> str:
    parts = pkg.rstrip("/").split("/")
    if re.fullmatch(r"v\d+", parts[-1]) and len(parts) > 1:
        return parts[-2]
    return parts[-1]
