"""OCI image archives written in Python: layers from a rootfs (full or diffed), the image
layout (oci-layout, index.json, blobs) and reading one back. No umoci, no registry.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tui.sandbox.errors import SandboxError

# Directories whose contents never go into a layer (the runtime mounts its own).
RUNTIME_DIRS = ("dev", "proc", "sys")
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
INDEX = "application/vnd.oci.image.index.v1+json"


Signature = tuple[int, int, bool]  # inode, ctime_ns, is a directory


def tree_snapshot(root: Path) -> dict[str, Signature]:
    """Every path under ``root`` (relative, not following links), leaving out /dev, /proc, /sys
    contents; a file rewritten or replaced later gets a new ctime or inode."""
    found: dict[str, Signature] = {}

    def walk(directory: str, rel: str) -> None:
        with os.scandir(directory) as entries:
            for entry in entries:
                st = entry.stat(follow_symlinks=False)
                path = f"{rel}{entry.name}"
                is_dir = entry.is_dir(follow_symlinks=False)
                found[path] = (st.st_ino, st.st_ctime_ns, is_dir)
                if is_dir and path not in RUNTIME_DIRS:
                    walk(entry.path, path + "/")

    walk(str(root), "")
    return found


def tree_changes(
    before: dict[str, Signature], after: dict[str, Signature]
) -> tuple[list[str], list[str]]:
    """Paths added or changed, and removed paths needing a whiteout (the topmost of each)."""
    changed = sorted(p for p, sig in after.items() if before.get(p) != sig)
    whiteouts = []
    for path in sorted(set(before) - set(after)):
        parent = path.rpartition("/")[0]
        if not parent or (parent in after and after[parent][2]):
            whiteouts.append(path)
    return changed, whiteouts


@dataclass(frozen=True)
class Layer:
    digest: str  # sha256 of the gzipped blob
    diff_id: str  # sha256 of the uncompressed tar
    size: int
    path: Path


class _Sink(Protocol):
    def write(self, data: bytes, /) -> object: ...
    def flush(self) -> object: ...


class _Digesting:
    """A write-only stream that hashes and counts the bytes it passes on to ``sink``."""

    def __init__(self, sink: _Sink) -> None:
        self.sink = sink
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes, /) -> int:
        self.sha.update(data)
        self.size += len(data)
        self.sink.write(data)
        return len(data)

    def flush(self) -> None:
        self.sink.flush()

    def tell(self) -> int:
        return self.size

    def read(self, size: int = -1, /) -> bytes:
        raise OSError("write-only stream")

    def seek(self, pos: int, /) -> int:
        raise OSError("write-only stream")

    def close(self) -> None:
        pass


def write_layer(
    directory: Path,
    root: Path,
    paths: Iterable[str],
    whiteouts: Iterable[str] = (),
    *,
    root_owned: bool = False,
) -> Layer:
    """Write ``paths`` under ``root`` (and ``.wh.`` entries for ``whiteouts``) as a gzipped
    layer tar into ``directory``, named by its digest."""
    entries = sorted([(p, False) for p in paths] + [(p, True) for p in whiteouts])
    tmp = directory / f"layer.tmp-{os.getpid()}"
    with tmp.open("wb") as raw:
        blob = _Digesting(raw)
        with gzip.GzipFile(filename="", mode="wb", fileobj=blob, mtime=0, compresslevel=6) as gz:
            plain = _Digesting(gz)
            with tarfile.open(fileobj=plain, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                for path, whiteout in entries:
                    if whiteout:
                        head, _, name = path.rpartition("/")
                        info = tarfile.TarInfo(f"{head}/.wh.{name}" if head else f".wh.{name}")
                        tar.addfile(info)
                        continue
                    full = root / path
                    info = tar.gettarinfo(str(full), arcname=path)
                    if info is None:  # a socket
                        continue
                    info.uname = info.gname = ""
                    if root_owned:
                        info.uid = info.gid = 0
                    if info.isreg():
                        with full.open("rb") as fh:
                            tar.addfile(info, fh)
                    else:
                        tar.addfile(info)
    digest = "sha256:" + blob.sha.hexdigest()
    final = directory / blob.sha.hexdigest()
    tmp.rename(final)
    return Layer(digest, "sha256:" + plain.sha.hexdigest(), blob.size, final)


def write_oci_archive(dest: Path, ref: str, layers: list[Layer], config: dict[str, Any]) -> str:
    """Write an OCI image-layout tar holding one image named ``ref``; return its manifest
    digest."""
    config = {**config, "rootfs": {"type": "layers", "diff_ids": [x.diff_id for x in layers]}}
    config_blob = _json(config)
    manifest: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": MANIFEST,
        "config": _descriptor(CONFIG, config_blob),
        "layers": [{"mediaType": LAYER, "digest": x.digest, "size": x.size} for x in layers],
    }
    manifest_blob = _json(manifest)
    manifest_desc = _descriptor(MANIFEST, manifest_blob)
    manifest_desc["platform"] = {"architecture": config["architecture"], "os": config["os"]}
    manifest_desc["annotations"] = {
        "io.containerd.image.name": ref,
        "org.opencontainers.image.ref.name": ref.rsplit(":", 1)[1],
    }
    index = {"schemaVersion": 2, "mediaType": INDEX, "manifests": [manifest_desc]}
    tmp = dest.with_name(dest.name + ".tmp")
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        _add_bytes(tar, "oci-layout", _json({"imageLayoutVersion": "1.0.0"}))
        _add_bytes(tar, "index.json", _json(index))
        for name in ("blobs", "blobs/sha256"):
            info = tarfile.TarInfo(name)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
        _add_bytes(tar, blob_name(manifest_desc["digest"]), manifest_blob)
        _add_bytes(tar, blob_name(manifest["config"]["digest"]), config_blob)
        for layer in layers:
            info = tarfile.TarInfo(blob_name(layer.digest))
            info.size, info.mode = layer.size, 0o644
            with layer.path.open("rb") as fh:
                tar.addfile(info, fh)
    tmp.rename(dest)
    return str(manifest_desc["digest"])


@dataclass(frozen=True)
class ArchiveInfo:
    ref: str
    manifest_digest: str
    manifest: dict[str, Any]
    config: dict[str, Any]


def read_archive(path: Path) -> ArchiveInfo:
    """The named image in an OCI archive; checks the manifest and config digests."""
    with tarfile.open(path) as tar:

        def blob(digest: str) -> bytes:
            data = _read_member(tar, blob_name(digest))
            if "sha256:" + hashlib.sha256(data).hexdigest() != digest:
                raise SandboxError(
                    f"{path} is damaged: blob {digest} does not match its digest",
                    hint=f"delete {path.parent} so it is rebuilt",
                )
            return data

        index = json.loads(_read_member(tar, "index.json"))
        desc = index["manifests"][0]
        manifest = json.loads(blob(desc["digest"]))
        config = json.loads(blob(manifest["config"]["digest"]))
    ref = desc.get("annotations", {}).get("io.containerd.image.name", "")
    return ArchiveInfo(ref, desc["digest"], manifest, config)


def _read_member(tar: tarfile.TarFile, name: str) -> bytes:
    fh = tar.extractfile(name)
    if fh is None:
        raise SandboxError(f"{tar.name!r} has no file {name}")
    return fh.read()


def extract_member(archive: Path, name: str, dest: Path) -> None:
    with tarfile.open(archive) as tar:
        fh = tar.extractfile(name)
        if fh is None:
            raise SandboxError(f"{archive} has no file {name}")
        with dest.open("wb") as out:
            shutil.copyfileobj(fh, out, 1 << 20)


def blob_name(digest: str) -> str:
    algo, _, hexdigest = digest.partition(":")
    return f"blobs/{algo}/{hexdigest}"


def _descriptor(media_type: str, data: bytes) -> dict[str, Any]:
    return {
        "mediaType": media_type,
        "digest": "sha256:" + hashlib.sha256(data).hexdigest(),
        "size": len(data),
    }


def _json(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o644
    tar.addfile(info, io.BytesIO(data))
