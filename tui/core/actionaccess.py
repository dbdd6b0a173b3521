"""Which of the workbench's actions an account may use, from its access review.

An action needs one permission (a label of :data:`tui.core.access.ACCESS`). A denied one
disables the action, and the face explains the missing Role rule when it is tried rather
than letting it fail at the apiserver. Pod-only actions do not apply to other lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # tui.core.access imports kubernetes (~1 s); the TUI's first frame must not
    from tui.core.access import AccessReview

__all__ = ["POD_ACTIONS", "access_needed", "action_enabled", "create_access", "denials"]

#: Actions on the current pod, and the access each needs.
POD_ACTIONS = {"cleanup": "delete pods", "logs": "get pods/log", "shell": "create pods/exec"}


def access_needed(action: str, plural: str) -> str | None:
    """The access label ``action`` on the ``plural`` list needs (None: nothing reviewed)."""
    if action == "delete":
        return f"delete {plural}"
    return POD_ACTIONS.get(action)


def create_access(plural: str) -> str:
    """The access label creating a ``plural`` object needs."""
    return f"create {plural}"


def action_enabled(action: str, plural: str, denied: Mapping[str, str]) -> bool:
    """False when the account lacks the access ``action`` needs, or when it is a pod action
    and the list shows something else."""
    need = access_needed(action, plural)
    if need is not None and need in denied:
        return False
    return not (action in POD_ACTIONS and plural != "pods")


def denials(review: AccessReview) -> dict[str, str]:
    """Access label -> the fix (the Role rule to add), for every permission refused."""
    return {v.access.label: v.fix for v in review.denied()}
