"""Build the real node's container images locally (no Docker, no registry), cached by recipe.

``podbay.local/debian:12`` is one layer made by mmdebstrap. python, node and postgres each add
one layer on top of that same layer blob (apt-get in a chroot of the unpacked base, diffed by
inode and ctime), so containerd stores and unpacks Debian once. The pause image is a static Go
binary from gosrc/pause. Each image is an OCI image-layout tar named by the
``io.containerd.image.name`` annotation, for ``ctr -n k8s.io images import``. What goes into
each image, and the cache key of its build, is in :mod:`tui.sandbox.imagerecipes`.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tui.sandbox.build import file_lock, go_env
from tui.sandbox.errors import SandboxError
from tui.sandbox.imagerecipes import (
    APT_OPTIONS,
    CLEANUP,
    DPKG_CFG,
    DPKG_OPTIONS,
    IMAGES,
    PATH,
    SLIM,
    SUITE,
    ImageSpec,
    image_config,
    recipe_key,
)
from tui.sandbox.mounts import mounts_under
from tui.sandbox.oci import (
    Layer,
    blob_name,
    extract_member,
    read_archive,
    tree_changes,
    tree_snapshot,
    write_layer,
    write_oci_archive,
)
from tui.sandbox.paths import GOSRC, cache_root
from tui.sandbox.progress import Meter, Progress, elapsed

ARCHIVE = "image.tar"
NAMESPACE = "k8s.io"


def ensure_images(progress: Progress, refs: Iterable[str] | None = None) -> dict[str, Path]:
    """Return each image's OCI archive (all images by default), building missing ones first."""
    wanted = list(IMAGES) if refs is None else list(refs)
    unknown = [r for r in wanted if r not in IMAGES]
    if unknown:
        raise SandboxError(
            f"unknown sandbox image(s): {', '.join(unknown)}",
            hint=f"use one of {', '.join(IMAGES)}",
        )
    return {ref: _ensure(IMAGES[ref], progress) for ref in wanted}


def import_images(ctr_argv: list[str], archives: dict[str, Path]) -> None:
    """Import archives into containerd's k8s.io namespace; skip those already there as-is."""
    base = [*ctr_argv, "-n", NAMESPACE]
    log_path = cache_root() / "logs" / "image-import.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    present = _present_images(base)
    for ref, archive in archives.items():
        if present.get(ref) == read_archive(archive).manifest_digest:
            continue
        cmd = [*base, "images", "import", "--all-platforms", str(archive)]
        with log_path.open("a") as log:
            log.write("$ " + " ".join(cmd) + "\n")
            log.flush()
            rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, check=False).returncode
        if rc != 0:
            raise SandboxError(
                f"importing {ref} into containerd failed (ctr exit {rc})",
                log=log_path,
                hint=f"check that containerd is running and reachable with {' '.join(base)}; "
                f"if the archive is damaged, delete {archive.parent} to rebuild it",
            )
    missing = [ref for ref in archives if ref not in _present_images(base)]
    if missing:
        raise SandboxError(
            f"containerd does not list {', '.join(missing)} after importing",
            log=log_path,
            hint="the archive's io.containerd.image.name annotation was not honoured; "
            f"run: {' '.join(base)} images ls",
        )


def _present_images(base: list[str]) -> dict[str, str]:
    """Reference -> manifest digest of the images containerd has (empty if it cannot say)."""
    out = subprocess.run([*base, "images", "ls"], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return {}
    found = {}
    for line in out.stdout.splitlines()[1:]:
        cols = line.split()
        if len(cols) >= 3 and cols[2].startswith("sha256:"):
            found[cols[0]] = cols[2]
    return found


# --- building ---------------------------------------------------------------------------


def _ensure(spec: ImageSpec, progress: Progress) -> Path:
    key = recipe_key(spec)
    archive = cache_root() / "images" / key / ARCHIVE
    if archive.exists():
        return archive
    parent = _ensure(IMAGES[spec.parent], progress) if spec.parent else None
    with file_lock(cache_root() / "locks" / f"image-{key}.lock"):
        if not archive.exists():  # another process may have built it while we waited
            _build(spec, key, parent, progress)
    return archive


def _build(spec: ImageSpec, key: str, parent: Path | None, progress: Progress) -> None:
    images_dir = cache_root() / "images"
    log_path = cache_root() / "logs" / f"image-{key}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_text(f"building {spec.ref} ({key})\n")
    _sweep_stale(images_dir)
    tmp = images_dir / f"{key}.tmp-{os.getpid()}"
    _remove_tree(tmp)
    (tmp / "work").mkdir(parents=True)
    started = time.monotonic()
    progress.step(f"building image {spec.ref} ({spec.describe()}); cached in {images_dir}")

    def run(cmd: list[str], what: str, **kwargs: Any) -> None:
        _run(cmd, log_path, what, spec.ref, progress, started, **kwargs)

    try:
        if spec.go_module:
            layers, history = _build_go(spec, tmp / "work", run)
        elif spec.parent is None:
            layers, history = _build_debian(spec, tmp / "work", run)
        else:
            assert parent is not None
            layers, history = _build_derived(spec, parent, tmp / "work", run, progress)
        _note(log_path, started, "layers written")
        progress.update(f"building image {spec.ref}: writing the archive", every=0)
        write_oci_archive(tmp / ARCHIVE, spec.ref, layers, image_config(spec, key, history))
        _note(log_path, started, "archive written")
        _remove_tree(tmp / "work")
    except BaseException:
        _remove_tree(tmp)
        raise
    target = images_dir / key
    _remove_tree(target)
    tmp.rename(target)
    _prune_old(images_dir, key)
    size = (target / ARCHIVE).stat().st_size
    progress.step(
        f"built image {spec.ref} in {elapsed(time.monotonic() - started)} "
        f"({size / 1e6:.0f} MB) -> {target / ARCHIVE}"
    )


Runner = Callable[..., None]


def _build_go(spec: ImageSpec, work: Path, run: Runner) -> tuple[list[Layer], list[str]]:
    assert spec.go_module
    rootfs = work / "rootfs"
    rootfs.mkdir()
    binary = spec.entrypoint[0].lstrip("/")
    run(
        ["go", "build", "-trimpath", "-ldflags", "-s -w", "-o", str(rootfs / binary), "."],
        f"building the {spec.go_module} binary",
        cwd=GOSRC / spec.go_module,
        env=go_env(),
    )
    layer = write_layer(work, rootfs, [binary], root_owned=True)
    return [layer], [f"go build gosrc/{spec.go_module} -> /{binary}"]


def _build_debian(spec: ImageSpec, work: Path, run: Runner) -> tuple[list[Layer], list[str]]:
    _check_can_build("mmdebstrap")
    rootfs = work / "rootfs"
    mirror, security = _mirrors()
    cmd = [
        *_PRIVATE_MOUNTS,
        "mmdebstrap",
        "--verbose",
        "--mode=root",
        "--variant=minbase",
        f"--include={','.join(spec.packages)}",
        *(f"--aptopt={o}" for o in APT_OPTIONS),
        "--essential-hook=printf '%s\\n' "
        + " ".join(shlex.quote(o) for o in DPKG_OPTIONS)
        + f' >"$1{DPKG_CFG}"',
        f"--customize-hook=chroot \"$1\" /bin/sh -c '{SLIM} && {CLEANUP}'",
        SUITE,
        str(rootfs),
        f"deb {mirror} {SUITE} main",
        f"deb {mirror} {SUITE}-updates main",
        f"deb {security} {SUITE}-security main",
    ]
    run(cmd, "mmdebstrap")
    paths = sorted(tree_snapshot(rootfs))
    layer = write_layer(work, rootfs, paths)
    return [layer], [f"mmdebstrap --variant=minbase {SUITE} + {' '.join(spec.packages)}"]


def _build_derived(
    spec: ImageSpec, parent: Path, work: Path, run: Runner, progress: Progress
) -> tuple[list[Layer], list[str]]:
    """Unpack the parent (single-layer, so no whiteouts to apply), apt-get install in a
    chroot, and add what changed as one more layer on top of the parent's layer blob."""
    _check_can_build()
    rootfs = work / "rootfs"
    rootfs.mkdir()
    info = read_archive(parent)
    layers = []
    for desc, diff_id in zip(
        info.manifest["layers"], info.config["rootfs"]["diff_ids"], strict=True
    ):
        blob = work / desc["digest"].split(":", 1)[1]
        extract_member(parent, blob_name(desc["digest"]), blob)
        layers.append(Layer(desc["digest"], diff_id, desc["size"], blob))
        run(["tar", "-xzf", str(blob), "--numeric-owner", "-C", str(rootfs)], "unpacking")
    before = tree_snapshot(rootfs)
    for path, content, mode in spec.files:
        dest = rootfs / path
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(content)
        dest.chmod(mode)
    if Path("/etc/resolv.conf").exists():  # apt needs DNS in the chroot; CLEANUP drops it
        shutil.copyfile("/etc/resolv.conf", rootfs / "etc" / "resolv.conf")
    script = "\n".join(
        [
            "set -eu",
            "printf '#!/bin/sh\\nexit 101\\n' >/usr/sbin/policy-rc.d",
            "chmod 755 /usr/sbin/policy-rc.d",
            "apt-get update",
            spec.before or ":",
            f"apt-get install -y {' '.join(spec.packages)}",
            spec.after or ":",
            "rm -f /usr/sbin/policy-rc.d",
            CLEANUP,
            "rm -rf /tmp/* /var/tmp/*",
        ]
    )
    env = {"PATH": PATH, "HOME": "/root", "LANG": "C.UTF-8", "DEBIAN_FRONTEND": "noninteractive"}
    run(
        [*_PRIVATE_MOUNTS, "/bin/sh", "-c", _CHROOT, "chroot", str(rootfs), script],
        "apt-get",
        env=env,
    )
    progress.update(f"building image {spec.ref}: writing the new layer", every=0)
    changed, whiteouts = tree_changes(before, tree_snapshot(rootfs))
    layers.append(write_layer(work, rootfs, changed, whiteouts))
    return layers, [*info.config.get("history", []), f"apt-get install {' '.join(spec.packages)}"]


# A mount namespace of our own: whatever mmdebstrap or the chroot mounts vanishes with it,
# even if we are killed, so no /dev or /proc mount is ever left under the cache.
_PRIVATE_MOUNTS = ["unshare", "--mount", "--propagation", "private", "--"]
_CHROOT = (
    'set -e; mount -t proc proc "$1/proc"; mount --bind /dev "$1/dev"; '
    'exec chroot "$1" /bin/sh -c "$2"'
)


def _check_can_build(*tools: str) -> None:
    if os.geteuid() != 0:
        raise SandboxError(
            "building the node's Debian images needs root (mmdebstrap and chroot)",
            hint="run the command as root, or use the sandbox without a real node",
        )
    for tool in ("unshare", "chroot", "tar", *tools):
        if not shutil.which(tool):
            raise SandboxError(
                f"{tool} is not installed; the sandbox builds its images with it",
                hint="apt-get install mmdebstrap (tar, chroot and unshare come with Debian)",
            )


def _mirrors() -> tuple[str, str]:
    return (
        os.environ.get("PODBAY_DEBIAN_MIRROR", "http://deb.debian.org/debian"),
        os.environ.get("PODBAY_DEBIAN_SECURITY_MIRROR", "http://deb.debian.org/debian-security"),
    )


def _run(
    cmd: list[str],
    log_path: Path,
    what: str,
    ref: str,
    progress: Progress,
    started: float,
    **kwargs: Any,
) -> None:
    """Run a build step, logging its output and showing its latest line as progress."""
    with log_path.open("a") as log:
        log.write(f"[{elapsed(time.monotonic() - started)}] $ " + " ".join(cmd) + "\n")
        log.flush()
        try:
            proc = subprocess.Popen(
                cmd,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                errors="replace",
                **kwargs,
            )
        except OSError as exc:
            raise SandboxError(f"building image {ref}: cannot run {cmd[0]}: {exc}") from exc
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            if line.strip():
                progress.update(
                    f"building image {ref}: {what}, {elapsed(time.monotonic() - started)}, "
                    f"{line.strip()[:70]}",
                    meter=Meter(f"building image {ref}: {what}", detail=line.strip()),
                )
        rc = proc.wait()
        log.write(f"[{elapsed(time.monotonic() - started)}] exit {rc}\n")
    if rc != 0:
        raise SandboxError(
            f"building image {ref} failed: {what} exited {rc} "
            f"after {elapsed(time.monotonic() - started)}",
            log=log_path,
            hint=_hint(log_path),
        )


def _note(log_path: Path, started: float, message: str) -> None:
    with log_path.open("a") as log:
        log.write(f"[{elapsed(time.monotonic() - started)}] {message}\n")


def _hint(log_path: Path) -> str:
    text = log_path.read_text(errors="replace")[-20000:]
    if any(
        s in text
        for s in (
            "Temporary failure resolving",
            "Could not resolve",
            "Failed to fetch",
            "Could not connect",
            "Unable to connect",
            "Connection failed",
        )
    ):
        mirror, security = _mirrors()
        return (
            f"the Debian mirror was not reachable ({mirror}, {security}); check the network "
            "or proxy, or set PODBAY_DEBIAN_MIRROR / PODBAY_DEBIAN_SECURITY_MIRROR, then retry"
        )
    if "No space left on device" in text:
        return f"free disk space under {cache_root()} and retry"
    return f"read {log_path}, fix the cause and run the command again"


def _sweep_stale(images_dir: Path) -> None:
    """Remove build directories of processes that died mid-build."""
    if not images_dir.is_dir():
        return
    for entry in images_dir.glob("*.tmp-*"):
        pid = entry.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            _remove_tree(entry)


def _prune_old(images_dir: Path, key: str) -> None:
    """Remove archives of the same image built from older recipes."""
    prefix = key.rsplit("-", 1)[0] + "-"
    for entry in images_dir.iterdir():
        name = entry.name
        # the same <name>-<tag>-<12 hex>, not a build in progress nor a longer image name
        if name != key and name.startswith(prefix) and len(name) == len(key):
            _remove_tree(entry)


def _remove_tree(path: Path) -> None:
    """rmtree, but never through a mount (a killed build could leave /proc or /dev mounted)."""
    if not path.exists():
        return
    busy = mounts_under(path)
    if busy:
        raise SandboxError(
            f"refusing to delete {path}: {busy[0]} is mounted inside it",
            hint=f"unmount it first (umount -R {busy[0]}) and retry",
        )
    shutil.rmtree(path)
