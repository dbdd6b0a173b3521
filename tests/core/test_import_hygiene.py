"""The engine must load without the TUI or a web framework (Harlequin-style hygiene test)."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("textual", "rich", "starlette", "fastapi", "aiohttp.web", "uvicorn")


def test_core_imports_without_textual_or_web_framework() -> None:
    code = (
        "import sys, pkgutil, importlib, tui.core\n"
        "for m in pkgutil.walk_packages(tui.core.__path__, 'tui.core.'):\n"
        "    importlib.import_module(m.name)\n"
        f"print([m for m in {FORBIDDEN!r} if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_tui_draws_its_first_frame_before_kubernetes_is_imported() -> None:
    """Importing kubernetes.client takes about a second; the app module must not need it,
    so the first frame is painted while the connect worker loads it."""
    code = "import sys, tui.app.app, tui.cli\nprint('kubernetes' in sys.modules)\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
