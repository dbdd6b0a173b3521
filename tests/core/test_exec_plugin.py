"""Exec-plugin credentials work, and a plugin never gets the terminal (run in a real pty)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
import yaml
from ptyprocess import PtyProcessUnicode

from tui.sandbox.cluster import Sandbox

pytestmark = pytest.mark.cluster

PLUGIN = """#!/bin/sh
if [ -t 0 ]; then echo "the plugin got the terminal on stdin" >&2; exit 1; fi
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",'
printf '"status":{"token":"%s"}}' "$PODBAY_TEST_TOKEN"
"""


def test_exec_plugin_auth_with_a_terminal_attached(sandbox: Sandbox, tmp_path: Path) -> None:
    token = yaml.safe_load(sandbox.kubeconfig("restricted").read_text())["users"][0]["user"][
        "token"
    ]
    plugin = tmp_path / "plugin.sh"
    plugin.write_text(PLUGIN)
    plugin.chmod(0o755)
    doc = yaml.safe_load(sandbox.kubeconfig("restricted").read_text())
    doc["users"][0]["user"] = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": str(plugin),
            "env": [{"name": "PODBAY_TEST_TOKEN", "value": token}],
            "interactiveMode": "IfAvailable",
        }
    }
    kubeconfig = tmp_path / "exec.kubeconfig"
    kubeconfig.write_text(yaml.safe_dump(doc))
    code = (
        "import json\n"
        "from tui.core.diagnosis import diagnose\n"
        "from tui.core.settings import Settings\n"
        f"d = diagnose(Settings(kubeconfig={str(kubeconfig)!r}))\n"
        "print('RESULT ' + json.dumps({c.name: [c.status, c.detail] for c in d.checks}))\n"
    )
    proc = PtyProcessUnicode.spawn([sys.executable, "-c", code], dimensions=(24, 200))
    out = ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            out += proc.read(4096)
        except EOFError:
            break
    proc.close()
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT "))
    checks = json.loads(line.removeprefix("RESULT "))
    assert checks["authentication"][0] == "ok", checks
    assert "system:serviceaccount:opencode-manager:opencode-manager" in checks["authentication"][1]
