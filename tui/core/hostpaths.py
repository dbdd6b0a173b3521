"""Which host directories a hostPath mount may use.

``allow_host_path`` alone would let a pod mount ``/`` (or ``/etc/../``, or a symlink to
it); allowed mounts must also fall under one of ``host_path_prefixes``, compared after
symlinks and ``..`` are resolved. Resolution happens on the machine podbay runs on: the
node itself in the sandbox, and the shared host path in the spec's deployments.
"""

from __future__ import annotations

import os

from tui.core.resources import PolicyError
from tui.core.settings import Settings


def _resolved(path: str) -> str:
    return os.path.realpath(os.path.normpath(path))


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def check_host_path(settings: Settings, path: str) -> str:
    """The resolved path when ``settings`` permit mounting ``path``; PolicyError naming the
    path, what it resolved to and the setting to change otherwise."""
    if not settings.allow_host_path:
        raise PolicyError(
            f"hostPath mounts are disabled (asked to mount {path})",
            "enable 'allow hostPath' in Settings and list the directory under hostPath "
            "prefixes, or use a PVC mount instead",
        )
    real = _resolved(path)
    prefixes = [_resolved(p) for p in settings.host_path_prefixes]
    if any(_under(real, prefix) for prefix in prefixes):
        return real
    shown = path if real == path else f"{path} (resolves to {real})"
    allowed = ", ".join(settings.host_path_prefixes) or "none are set"
    raise PolicyError(
        f"hostPath {shown} is outside the permitted host directories ({allowed})",
        "add its directory to 'hostPath prefixes' in Settings (host_path_prefixes in the "
        "settings file), or mount a directory under one of them",
    )
