"""The Textual face: ``make_app()`` builds it for the CLI, the tests and the screenshots."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from textual.app import App, SystemCommand
from textual.screen import Screen

from tui.app.browser import Browser
from tui.app.buglog import EngineLog, log_to_file, stop_logging_to_file
from tui.core.kinds import KINDS
from tui.core.workbench import Workbench

CSS = """
.dialog { width: 80%; max-width: 100; height: auto; max-height: 80%; background: $surface;
          border: thick $primary; padding: 0 1; }
.dialog.error { border: thick $error; }
.dialog-title { margin-bottom: 1; }
.dialog-body { height: auto; max-height: 16; }
.dialog-buttons { height: auto; align-horizontal: right; margin-top: 1; }
.dialog-buttons Button { margin-left: 1; }
.picker { height: 80%; }
.viewer { width: 100%; height: 100%; background: $surface; }
.viewer-title { background: $panel; }
ModalScreen { align: center middle; }
"""


class PodbayApp(App[None]):
    TITLE = "podbay"
    CSS = CSS

    def __init__(self, workbench: Workbench, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.workbench = workbench
        self.clock = clock
        self._engine_log: EngineLog | None = None

    def on_mount(self) -> None:
        # the engine's warnings and tracebacks go to the log file, not onto the screen
        self._engine_log = log_to_file()
        self.push_screen(Browser(self.workbench))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, Browser):
            browser = screen
            for kind in KINDS.values():
                yield SystemCommand(
                    kind.title,
                    f"show the {kind.singular} list",
                    lambda plural=kind.plural: browser.action_show(plural),
                )
            for kind in KINDS.values():
                yield SystemCommand(
                    f"New {kind.singular}",
                    f"the creation form for a {kind.singular}",
                    lambda plural=kind.plural: browser.action_new(plural),
                )
            yield SystemCommand("Switch namespace", "pick a namespace", browser.pick_namespace)
            yield SystemCommand("Switch context", "pick a context", browser.pick_context)
            yield SystemCommand("Settings", "settings and test connection", browser.action_settings)
            yield SystemCommand(
                "Cleanup", "preview and delete finished podbay pods", browser.action_cleanup
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """In the embedded terminal ctrl+p belongs to the shell (readline's previous line),
        not to the command palette."""
        from tui.app.terminal_view import TerminalScreen

        if action == "command_palette" and isinstance(self.screen, TerminalScreen):
            return False
        return super().check_action(action, parameters)

    def on_unmount(self) -> None:
        self.workbench.close()  # first: its threads may still log while they stop
        stop_logging_to_file(self._engine_log)


def make_app(workbench: Workbench, *, clock: Callable[[], float] = time.time) -> PodbayApp:
    return PodbayApp(workbench, clock=clock)
