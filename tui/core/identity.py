"""Which pod podbay itself runs in, when it runs in one, so cleanup can never delete it.

Read from the environment each time (it is cheap and tests may change it): an explicit
``PODBAY_POD_NAME``, else the downward API's conventional ``POD_NAME``, else, inside a
cluster, the hostname (a pod's hostname is its name unless the spec sets ``hostname``).
The namespace comes from ``PODBAY_POD_NAMESPACE`` / ``POD_NAMESPACE`` or the mounted service
account; when it is unknown, a pod of that name is spared in every namespace (the safe side).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

SERVICE_ACCOUNT_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


@dataclass(frozen=True)
class OwnPod:
    name: str
    namespace: str | None = None

    def is_(self, name: str, namespace: str | None) -> bool:
        """Whether the pod ``name`` in ``namespace`` is podbay's own."""
        if name != self.name:
            return False
        return self.namespace is None or namespace is None or namespace == self.namespace


def own_pod(env: dict[str, str] | None = None) -> OwnPod | None:
    env = dict(os.environ) if env is None else env
    name = env.get("PODBAY_POD_NAME") or env.get("POD_NAME")
    if not name and env.get("KUBERNETES_SERVICE_HOST"):
        name = socket.gethostname()
    if not name:
        return None
    namespace = env.get("PODBAY_POD_NAMESPACE") or env.get("POD_NAMESPACE")
    if not namespace:
        try:
            namespace = SERVICE_ACCOUNT_NAMESPACE.read_text().strip() or None
        except OSError:
            namespace = None
    return OwnPod(name, namespace)
