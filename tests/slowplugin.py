"""A kubeconfig whose user is a credential (exec) plugin that takes its time: for tests that
a slow connect stalls nothing else."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import Namespace

PLUGIN = """#!/bin/sh
touch "$PODBAY_TEST_MARKER"
sleep {seconds}
printf '{{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",'
printf '"status":{{"token":"%s"}}}}' "$PODBAY_TEST_TOKEN"
"""


def slow_plugin_kubeconfig(
    namespace: Namespace, tmp_path: Path, marker: Path, seconds: float
) -> Path:
    """The sandbox's kubeconfig whose user is an exec plugin that sleeps ``seconds``, then
    hands over a token of the spec's restricted account (bound in ``namespace``); it touches
    ``marker`` when it starts."""
    token = namespace.sandbox.grant_restricted(namespace.name)
    plugin = tmp_path / "slow-plugin.sh"
    plugin.write_text(PLUGIN.format(seconds=seconds))
    plugin.chmod(0o755)
    doc = yaml.safe_load(namespace.sandbox.kubeconfig("restricted").read_text())
    doc["users"][0]["user"] = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": str(plugin),
            "env": [
                {"name": "PODBAY_TEST_TOKEN", "value": token},
                {"name": "PODBAY_TEST_MARKER", "value": str(marker)},
            ],
            "interactiveMode": "Never",
        }
    }
    path = tmp_path / "slow.kubeconfig"
    path.write_text(yaml.safe_dump(doc))
    path.chmod(0o600)
    return path
