"""Build the real node's container images locally (no Docker, no registry), cached by recipe.

``podbay.local/debian:12`` is one layer made by mmdebstrap. python, node and postgres each add
one layer on top of that same layer blob (apt-get in a chroot of the unpacked base, diffed by
inode and ctime), so containerd stores and unpacks Debian once. The pause image is a static Go
binary from gosrc/pause. Each image is an OCI image-layout tar named by the
``io.containerd.image.name`` annotation, for ``ctr -n k8s.io images import``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import platform
import shlex
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.sandbox.build import file_lock, go_env, go_version
from tui.sandbox.errors import SandboxError
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
from tui.sandbox.progress import Progress, elapsed

RECIPE_VERSION = "1"  # bump when this module changes what goes into an image
SUITE = "bookworm"
ARCHIVE = "image.tar"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
PG_BIN = "/usr/lib/postgresql/15/bin"
NAMESPACE = "k8s.io"

# Persisted into the image (/etc/apt/apt.conf.d, /etc/dpkg/dpkg.cfg.d), so layers added on top
# stay as lean as the base, like Debian's "slim" images.
APT_OPTIONS = (
    'APT::Install-Recommends "false"',
    'APT::Install-Suggests "false"',
    'Acquire::Languages "none"',
)
DPKG_OPTIONS = (
    "path-exclude=/usr/share/doc/*",
    "path-include=/usr/share/doc/*/copyright",
    "path-exclude=/usr/share/man/*",
    "path-exclude=/usr/share/info/*",
    "path-exclude=/usr/share/locale/*",
    "path-exclude=/usr/share/lintian/*",
)
DPKG_CFG = "/etc/dpkg/dpkg.cfg.d/podbay-slim"
# mmdebstrap --dpkgopt would pipe each essential package through mmtarfilter (twice as slow),
# so the essential set is installed in full and slimmed afterwards by this.
SLIM = (
    "rm -rf /usr/share/man/* /usr/share/info/* /usr/share/locale/* /usr/share/lintian/*"
    " && find /usr/share/doc -mindepth 1 ! -type d ! -name copyright -delete"
    " && find /usr/share/doc -mindepth 1 -depth -type d -empty -delete"
)
# Run inside the image after installing; none of these paths are in the base image afterwards.
CLEANUP = (
    "find /var/lib/apt/lists -mindepth 1 -maxdepth 1 -type f ! -name lock -delete"
    " && rm -rf /var/lib/apt/lists/partial/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb"
    " /var/cache/apt/archives/partial/* /var/log/apt/* /var/log/dpkg.log"
    " /var/log/alternatives.log /var/cache/debconf/*-old /var/lib/dpkg/*-old"
    " /etc/resolv.conf /etc/hostname /run/adduser"
)
# Kept out of every layer: the runtime mounts these.

POSTGRES_ENTRYPOINT = r"""#!/bin/sh
# podbay's postgres entrypoint: the basics of the official image's docker-entrypoint.sh.
set -eu

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
export PGDATA

if [ $# -eq 0 ]; then
    set -- postgres
fi
case "$1" in -*) set -- postgres "$@" ;; esac
if [ "$1" != postgres ]; then
    exec "$@"
fi

if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
    chown postgres:postgres /var/run/postgresql
    chmod 700 "$PGDATA"
    chmod 2777 /var/run/postgresql
    export HOME=/var/lib/postgresql
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

# the image has /var/run/postgresql, but a runtime may mount an empty /run (ctr run does)
sockets=/var/run/postgresql
if ! mkdir -p "$sockets" 2>/dev/null || [ ! -w "$sockets" ]; then
    sockets=/tmp
    set -- "$@" -c unix_socket_directories=/tmp
fi
export PGHOST="$sockets"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
        cat >&2 <<'EOF'
error: the database is uninitialized and no superuser password is set.
  Set POSTGRES_PASSWORD to a non-empty value for the superuser, or set
  POSTGRES_HOST_AUTH_METHOD=trust to allow connections without a password (not recommended).
EOF
        exit 1
    fi
    mkdir -p "$PGDATA"
    chmod 700 "$PGDATA"
    pwfile=""
    if [ -n "${POSTGRES_PASSWORD:-}" ]; then
        pwfile="$(mktemp)"
        printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    fi
    # shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is a list of words
    initdb --username="$POSTGRES_USER" ${pwfile:+--pwfile="$pwfile"} ${POSTGRES_INITDB_ARGS:-}
    [ -z "$pwfile" ] || rm -f "$pwfile"
    {
        echo
        echo "host all all 0.0.0.0/0 $POSTGRES_HOST_AUTH_METHOD"
        echo "host all all ::/0 $POSTGRES_HOST_AUTH_METHOD"
    } >>"$PGDATA/pg_hba.conf"
    printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"

    pg_ctl -D "$PGDATA" -w start \
        -o "-c listen_addresses='' -p 5432 -c unix_socket_directories=$sockets"
    if [ "$POSTGRES_DB" != postgres ]; then
        psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --dbname postgres \
            --set db="$POSTGRES_DB" <<'EOSQL'
CREATE DATABASE :"db";
EOSQL
    fi
    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
        *.sql) psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password \
            --dbname "$POSTGRES_DB" -f "$f" ;;
        *.sh) if [ -x "$f" ]; then "$f"; else . "$f"; fi ;;
        esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop
    echo "PostgreSQL init process complete; ready for start up."
fi

exec "$@"
"""


@dataclass(frozen=True)
class ImageSpec:
    """How to build one image; every field goes into the recipe hash."""

    ref: str
    parent: str | None = None  # ref of the image this one adds a layer to
    go_module: str | None = None  # a binary-only image: the module dir under gosrc/
    packages: tuple[str, ...] = ()
    before: str = ""  # shell run in the image before installing the packages
    after: str = ""  # shell run in the image after installing them
    files: tuple[tuple[str, str, int], ...] = ()  # (path, content, mode) written first
    env: tuple[str, ...] = (f"PATH={PATH}", "LANG=C.UTF-8")
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ("sh",)
    workdir: str = "/"
    user: str = ""
    stop_signal: str = ""
    ports: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.ref.rsplit(":", 1)[0]

    @property
    def tag(self) -> str:
        return self.ref.rsplit(":", 1)[1]

    def describe(self) -> str:
        if self.go_module:
            return f"static Go binary from gosrc/{self.go_module}"
        base = f"{self.parent} +" if self.parent else f"mmdebstrap {SUITE} minbase +"
        return f"{base} {', '.join(self.packages)}"


IMAGES: dict[str, ImageSpec] = {
    spec.ref: spec
    for spec in (
        ImageSpec(
            ref="podbay.local/pause:3.10",
            go_module="pause",
            env=(f"PATH={PATH}",),
            entrypoint=("/pause",),
            cmd=(),
            user="65535:65535",
        ),
        ImageSpec(
            ref="podbay.local/debian:12",
            packages=("ca-certificates", "git", "iproute2", "procps"),
        ),
        ImageSpec(
            ref="podbay.local/python:3.11",
            parent="podbay.local/debian:12",
            packages=("python3", "python3-venv", "python3-pip", "python-is-python3"),
            # like the official image: pip may install outside a venv (no PEP 668 marker)
            after="rm -f /usr/lib/python3*/EXTERNALLY-MANAGED && python --version",
        ),
        ImageSpec(
            ref="podbay.local/node:18",
            parent="podbay.local/debian:12",
            packages=("nodejs", "npm"),
            after="node --version && npm --version",
        ),
        ImageSpec(
            ref="podbay.local/postgres:15",
            parent="podbay.local/debian:12",
            packages=("postgresql-15", "postgresql-client-15"),
            # the official image's uid/gid, so securityContext.runAsUser: 999 works the same
            before=(
                "groupadd -r postgres --gid=999"
                " && useradd -r -g postgres --uid=999 --home-dir=/var/lib/postgresql"
                " --shell=/bin/bash postgres"
                " && mkdir -p /var/lib/postgresql && chown postgres:postgres /var/lib/postgresql"
            ),
            files=(
                (
                    "etc/postgresql-common/createcluster.d/podbay.conf",
                    "create_main_cluster = false\n",
                    0o644,
                ),
                ("usr/local/bin/docker-entrypoint.sh", POSTGRES_ENTRYPOINT, 0o755),
            ),
            after=(
                "test ! -e /var/lib/postgresql/15/main"
                " && mkdir -p /var/lib/postgresql/data /var/run/postgresql"
                " /docker-entrypoint-initdb.d"
                " && chown postgres:postgres /var/lib/postgresql/data /var/run/postgresql"
                " && chmod 700 /var/lib/postgresql/data && chmod 2777 /var/run/postgresql"
                # no private key shared by every container; ssl stays off as in initdb's default
                " && rm -f /etc/ssl/private/ssl-cert-snakeoil.key"
                " /etc/ssl/certs/ssl-cert-snakeoil.pem"
                " && find /etc/ssl/certs -xtype l -delete"
            ),
            env=(
                f"PATH={PATH}:{PG_BIN}",
                "LANG=C.UTF-8",
                "PGDATA=/var/lib/postgresql/data",
            ),
            entrypoint=("/usr/local/bin/docker-entrypoint.sh",),
            cmd=("postgres",),
            stop_signal="SIGINT",
            ports=("5432/tcp",),
        ),
    )
}


def recipe_key(spec: ImageSpec, images: dict[str, ImageSpec] | None = None) -> str:
    """``<name>-<tag>-<hash>``: the hash covers the recipe, its parent's and the Go sources."""
    images = IMAGES if images is None else images
    recipe: dict[str, Any] = {
        "version": RECIPE_VERSION,
        "suite": SUITE,
        "spec": dataclasses.asdict(spec),
        "apt": APT_OPTIONS,
        "dpkg": DPKG_OPTIONS,
        "cleanup": CLEANUP,
        "slim": SLIM,
        "parent": recipe_key(images[spec.parent], images) if spec.parent else None,
    }
    if spec.go_module:
        module = GOSRC / spec.go_module
        recipe["go"] = go_version()[2]
        recipe["sources"] = {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(module.iterdir())
            if p.name in ("go.mod", "go.sum") or p.suffix == ".go"
        }
    digest = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()
    return f"{spec.name.rsplit('/', 1)[-1]}-{spec.tag}-{digest[:12]}"


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
                    f"{line.strip()[:70]}"
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


def image_config(spec: ImageSpec, key: str, history: list[Any]) -> dict[str, Any]:
    """The OCI image config (rootfs.diff_ids is filled in by write_oci_archive)."""
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    config: dict[str, Any] = {
        "Env": list(spec.env),
        "WorkingDir": spec.workdir,
        "Labels": {"podbay.recipe": key},
    }
    if spec.entrypoint:
        config["Entrypoint"] = list(spec.entrypoint)
    if spec.cmd:
        config["Cmd"] = list(spec.cmd)
    if spec.user:
        config["User"] = spec.user
    if spec.stop_signal:
        config["StopSignal"] = spec.stop_signal
    if spec.ports:
        config["ExposedPorts"] = {p: {} for p in spec.ports}
    return {
        "created": now,
        "architecture": _arch(),
        "os": "linux",
        "config": config,
        "history": [
            h if isinstance(h, dict) else {"created": now, "created_by": h} for h in history
        ],
    }


def _arch() -> str:
    machine = platform.machine()
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)
