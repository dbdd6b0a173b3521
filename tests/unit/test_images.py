from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import json
import os
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from tui.sandbox import imagerecipes, images, oci
from tui.sandbox.errors import SandboxError
from tui.sandbox.progress import Progress

DEBIAN = imagerecipes.IMAGES["podbay.local/debian:12"]
PYTHON = imagerecipes.IMAGES["podbay.local/python:3.11"]
POSTGRES = imagerecipes.IMAGES["podbay.local/postgres:15"]


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _tiny_rootfs(root: Path) -> None:
    (root / "bin").mkdir(parents=True)
    (root / "etc").mkdir()
    (root / "dev").mkdir()
    (root / "dev" / "null").write_text("not a device, but /dev contents stay out of layers")
    (root / "bin" / "hello").write_text("#!/bin/sh\necho hello\n")
    (root / "bin" / "hello").chmod(0o755)
    (root / "etc" / "os-release").write_text("ID=tiny\n")
    os.link(root / "etc" / "os-release", root / "etc" / "os-release.hard")
    (root / "etc" / "link").symlink_to("os-release")


def test_recipe_key_is_stable_and_follows_packages() -> None:
    key = imagerecipes.recipe_key(DEBIAN)
    assert key == imagerecipes.recipe_key(DEBIAN)
    assert key.startswith("debian-12-")
    more = dataclasses.replace(DEBIAN, packages=(*DEBIAN.packages, "curl"))
    assert imagerecipes.recipe_key(more) != key


def test_a_child_is_rebuilt_when_its_parent_recipe_changes() -> None:
    changed = dict(imagerecipes.IMAGES)
    changed[DEBIAN.ref] = dataclasses.replace(DEBIAN, packages=(*DEBIAN.packages, "curl"))
    assert imagerecipes.recipe_key(PYTHON, changed) != imagerecipes.recipe_key(PYTHON)


def test_the_postgres_entrypoint_is_part_of_the_recipe() -> None:
    path, content, mode = POSTGRES.files[-1]
    edited = dataclasses.replace(
        POSTGRES, files=(*POSTGRES.files[:-1], (path, content + "#\n", mode))
    )
    assert imagerecipes.recipe_key(edited) != imagerecipes.recipe_key(POSTGRES)


def test_every_parent_is_a_single_layer_image_listed_before_its_children() -> None:
    refs = list(imagerecipes.IMAGES)
    for spec in imagerecipes.IMAGES.values():
        if spec.parent:
            assert imagerecipes.IMAGES[spec.parent].parent is None
            assert refs.index(spec.parent) < refs.index(spec.ref)


def test_the_postgres_entrypoint_is_valid_sh(tmp_path: Path) -> None:
    script = tmp_path / "entrypoint.sh"
    script.write_text(imagerecipes.POSTGRES_ENTRYPOINT)
    subprocess.run(["sh", "-n", str(script)], check=True)


def test_oci_archive_layout_digests_and_name(tmp_path: Path) -> None:
    root = tmp_path / "rootfs"
    _tiny_rootfs(root)
    layer = oci.write_layer(tmp_path, root, sorted(oci.tree_snapshot(root)))
    config = imagerecipes.image_config(DEBIAN, "debian-12-test", ["tiny rootfs"])
    archive = tmp_path / "image.tar"
    digest = oci.write_oci_archive(archive, "podbay.local/tiny:1", [layer], config)

    with tarfile.open(archive) as tar:

        def member(name: str) -> bytes:
            fh = tar.extractfile(name)
            assert fh is not None
            return fh.read()

        assert json.loads(member("oci-layout")) == {"imageLayoutVersion": "1.0.0"}
        index = json.loads(member("index.json"))
        (desc,) = index["manifests"]
        assert desc["annotations"]["io.containerd.image.name"] == "podbay.local/tiny:1"
        assert desc["annotations"]["org.opencontainers.image.ref.name"] == "1"
        assert desc["platform"]["os"] == "linux"
        assert desc["digest"] == digest
        manifest_blob = member("blobs/sha256/" + digest.split(":")[1])
        assert _sha(manifest_blob) == digest and len(manifest_blob) == desc["size"]
        manifest = json.loads(manifest_blob)
        config_blob = member("blobs/sha256/" + manifest["config"]["digest"].split(":")[1])
        assert _sha(config_blob) == manifest["config"]["digest"]
        (layer_desc,) = manifest["layers"]
        layer_blob = member("blobs/sha256/" + layer_desc["digest"].split(":")[1])

    assert layer_desc["mediaType"] == "application/vnd.oci.image.layer.v1.tar+gzip"
    assert _sha(layer_blob) == layer_desc["digest"] and len(layer_blob) == layer_desc["size"]
    plain = gzip.decompress(layer_blob)
    stored = json.loads(config_blob)
    assert stored["rootfs"] == {"type": "layers", "diff_ids": [_sha(plain)]}
    assert stored["config"]["Cmd"] == ["sh"]
    assert stored["config"]["Env"][0].startswith("PATH=")

    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert "dev" in members and "dev/null" not in members
    assert members["bin/hello"].mode == 0o755
    assert members["etc/link"].issym() and members["etc/link"].linkname == "os-release"
    assert members["etc/os-release"].isreg() and members["etc/os-release.hard"].islnk()

    info = oci.read_archive(archive)
    assert (info.ref, info.manifest_digest) == ("podbay.local/tiny:1", digest)


def test_tree_changes_find_new_changed_and_removed_paths(tmp_path: Path) -> None:
    root = tmp_path / "rootfs"
    _tiny_rootfs(root)
    (root / "var" / "cache" / "old").mkdir(parents=True)
    (root / "var" / "cache" / "old" / "a").write_text("a")
    (root / "opt").mkdir()
    (root / "opt" / "x").write_text("x")
    time.sleep(0.05)  # ctime is coarse: make the edits below land in a later tick
    before = oci.tree_snapshot(root)

    (root / "etc" / "os-release").write_text("ID=tiny\nVERSION=2\n")  # in place
    (root / "bin" / "new").write_text("new")
    (root / "bin" / "hello").unlink()
    (root / "var" / "cache" / "old" / "a").unlink()
    (root / "var" / "cache" / "old").rmdir()
    (root / "opt" / "x").unlink()
    (root / "opt").rmdir()
    (root / "opt").write_text("now a file")

    changed, whiteouts = oci.tree_changes(before, oci.tree_snapshot(root))
    assert {"etc/os-release", "etc/os-release.hard", "bin/new", "opt"} <= set(changed)
    assert "etc/link" not in changed
    # the topmost removed path only; nothing under a directory replaced by a file
    assert whiteouts == ["bin/hello", "var/cache/old"]

    layer = oci.write_layer(tmp_path, root, changed, whiteouts)
    with tarfile.open(layer.path) as tar:
        names = tar.getnames()
    assert "bin/.wh.hello" in names and "var/cache/.wh.old" in names
    assert "bin/new" in names and "etc/link" not in names


def test_a_cached_archive_is_returned_without_building(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PODBAY_CACHE_DIR", str(tmp_path))
    cached = tmp_path / "images" / imagerecipes.recipe_key(DEBIAN) / images.ARCHIVE
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"")
    assert images.ensure_images(Progress(quiet=True), [DEBIAN.ref]) == {DEBIAN.ref: cached}


def test_an_unknown_image_is_refused() -> None:
    with pytest.raises(SandboxError, match="unknown sandbox image"):
        images.ensure_images(Progress(quiet=True), ["podbay.local/nope:1"])


FAKE_CTR = """#!/bin/sh
echo "$*" >>"$CTR_CALLS"
case "$*" in
*" images import "*) printf '%s' "$CTR_NEW_DIGEST" >"$CTR_STATE" ;;
*" images ls")
    echo "REF TYPE DIGEST SIZE PLATFORMS LABELS"
    if [ -s "$CTR_STATE" ]; then
        echo "podbay.local/tiny:1 manifest $(cat "$CTR_STATE") 1 MiB linux/amd64 -"
    fi ;;
esac
"""


def test_import_skips_an_image_containerd_already_has(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "rootfs"
    _tiny_rootfs(root)
    layer = oci.write_layer(tmp_path, root, ["bin", "bin/hello"])
    archive = tmp_path / "image.tar"
    config = imagerecipes.image_config(DEBIAN, "k", ["tiny"])
    digest = oci.write_oci_archive(archive, "podbay.local/tiny:1", [layer], config)
    ctr = tmp_path / "ctr"
    ctr.write_text(FAKE_CTR)
    ctr.chmod(0o755)
    calls, state = tmp_path / "calls", tmp_path / "state"
    monkeypatch.setenv("PODBAY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CTR_CALLS", str(calls))
    monkeypatch.setenv("CTR_STATE", str(state))
    monkeypatch.setenv("CTR_NEW_DIGEST", digest)

    state.write_text("sha256:" + "0" * 64)  # an older build of the image
    images.import_images([str(ctr), "--address", "/x.sock"], {"podbay.local/tiny:1": archive})
    imports = [c for c in calls.read_text().splitlines() if " import " in c]
    assert imports == [f"--address /x.sock -n k8s.io images import --all-platforms {archive}"]

    calls.write_text("")
    images.import_images([str(ctr), "--address", "/x.sock"], {"podbay.local/tiny:1": archive})
    assert " import " not in calls.read_text()
