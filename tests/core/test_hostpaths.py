"""hostPath mounts: only under a permitted prefix, after symlinks and '..' are resolved."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tui.core.hostpaths import check_host_path
from tui.core.resources import PolicyError
from tui.core.settings import Settings


def test_off_unless_allowed(tmp_path: Path) -> None:
    settings = Settings(host_path_prefixes=[str(tmp_path)])
    with pytest.raises(PolicyError, match="hostPath mounts are disabled"):
        check_host_path(settings, str(tmp_path / "repo"))


def test_only_under_a_prefix_after_resolving(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    (shared / "repo").mkdir(parents=True)
    (tmp_path / "shared-other").mkdir()
    os.symlink("/etc", shared / "escape")
    settings = Settings(allow_host_path=True, host_path_prefixes=[str(shared)])
    assert check_host_path(settings, str(shared / "repo")) == str(shared / "repo")
    assert check_host_path(settings, str(shared)) == str(shared)
    assert check_host_path(settings, str(shared / "not-yet")) == str(shared / "not-yet")
    refused = {
        "/": "/",
        str(shared / ".." / "shared-other"): str(tmp_path / "shared-other"),
        str(tmp_path / "shared-other"): str(tmp_path / "shared-other"),  # a prefix of the name
        str(shared / "escape"): "/etc",
        str(shared / "escape" / "passwd"): "/etc/passwd",
    }
    for asked, resolved in refused.items():
        with pytest.raises(PolicyError) as exc:
            check_host_path(settings, asked)
        assert f"hostPath {asked}" in exc.value.what
        if resolved != asked:
            assert f"(resolves to {resolved})" in exc.value.what
        assert str(shared) in exc.value.what and "hostPath prefixes" in exc.value.fix


def test_allowed_without_prefixes_permits_nothing(tmp_path: Path) -> None:
    settings = Settings(allow_host_path=True)
    with pytest.raises(PolicyError, match="none are set"):
        check_host_path(settings, str(tmp_path))


def test_prefixes_must_be_absolute() -> None:
    with pytest.raises(ValueError, match="not an absolute path"):
        Settings(host_path_prefixes=["data"])
