"""The engine's user-facing error: what went wrong and what to do about it."""

from __future__ import annotations


class PodbayError(Exception):
    """An error for people: ``what`` happened, ``fix`` says what to do (never a traceback)."""

    def __init__(self, what: str, fix: str = "") -> None:
        self.what = what
        self.fix = fix
        super().__init__(f"{what} ({fix})" if fix else what)
