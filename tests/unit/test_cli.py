from __future__ import annotations

import subprocess
import sys

import pytest

from tui import __version__
from tui.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"podbay {__version__}"


def test_help_lists_the_sandbox_without_importing_heavy_modules() -> None:
    code = (
        "import sys, contextlib, io\n"
        "from tui.cli import main\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    main(['--help'])\n"
        "assert 'sandbox' in out.getvalue()\n"
        "heavy = [m for m in ('kubernetes', 'textual', 'cryptography') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_invalid_sandbox_name_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "status", "--name", "Bad_Name"]) == 2
    assert "sandbox name 'Bad_Name' is not valid" in capsys.readouterr().err
