"""What goes into each of the real node's images, and the cache key that names its build.

Every field of an :class:`ImageSpec`, the shared apt/dpkg/cleanup settings and (for Go images)
the sources go into :func:`recipe_key`, so any change there means a rebuild and nothing else
does. The postgres entrypoint is package data (``scripts/postgres-entrypoint.sh``); its text,
not its file, is part of the recipe.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
import time
from dataclasses import dataclass
from importlib import resources
from typing import Any

from tui.sandbox.build import go_version
from tui.sandbox.paths import GOSRC

RECIPE_VERSION = "1"  # bump when what goes into an image changes here or in images.py
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


def _script(name: str) -> str:
    return resources.files("tui.sandbox").joinpath("scripts").joinpath(name).read_text("utf-8")


POSTGRES_ENTRYPOINT = _script("postgres-entrypoint.sh")


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
