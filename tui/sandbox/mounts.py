"""Mounts under a directory: find and unmount them before anything there is deleted.

A kubelet bind-mounts hostPath volumes under its pod directories; deleting such a tree
without unmounting first would delete the user's files. Never rmtree a tree with mounts.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def _unescape(field: str) -> str:
    return field.encode().decode("unicode_escape") if "\\" in field else field


def mounts_under(root: Path) -> list[Path]:
    """Mount points at or below ``root``, deepest first."""
    base = str(root.resolve())
    found = []
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return []
    for line in lines:
        point = _unescape(line.split()[4])
        if point == base or point.startswith(base + "/"):
            found.append(Path(point))
    return sorted(set(found), key=lambda p: len(p.parts), reverse=True)


def unmount_all(root: Path) -> list[Path]:
    """Unmount everything below ``root`` (deepest first); return what is still mounted."""
    for point in mounts_under(root):
        result = subprocess.run(["umount", str(point)], capture_output=True, check=False)
        if result.returncode != 0:
            subprocess.run(["umount", "-l", str(point)], capture_output=True, check=False)
    return mounts_under(root)
