"""Modal screens: confirm, error (with the fix), a picker, a text viewer and help."""

from __future__ import annotations

from collections.abc import Iterable

from rich.markup import escape
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option


class ConfirmDialog(ModalScreen[bool]):
    """Ask before something irreversible; lists exactly what it will touch."""

    BINDINGS = [
        Binding("escape,n", "dismiss(False)", "Cancel"),
        Binding("y", "dismiss(True)", "Yes", show=False),
    ]

    def __init__(self, title: str, items: Iterable[str], *, action: str = "Delete") -> None:
        super().__init__()
        self.title_text = title
        self.items = list(items)
        self.action_label = action

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.title_text, style="bold"), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(Text("\n".join(self.items) or "(nothing)"))
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.action_label} (y)", variant="error", id="yes")
                yield Button("Cancel (esc)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class ErrorDialog(ModalScreen[None]):
    """What went wrong and what to do; never a traceback."""

    BINDINGS = [Binding("escape,enter,q", "dismiss", "Close")]

    def __init__(self, what: str, fix: str = "", *, title: str = "Error") -> None:
        super().__init__()
        self.what, self.fix, self.title_text = what, fix, title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog error"):
            yield Static(Text(self.title_text, style="bold red"), classes="dialog-title")
            yield Static(Text(self.what), id="what")
            if self.fix:
                yield Static(Text.assemble(("What to do: ", "bold"), self.fix), id="fix")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close (esc)", id="close")

    def on_button_pressed(self) -> None:
        self.dismiss()


class Picker(ModalScreen[str | None]):
    """Choose one of ``choices`` (type to narrow, or enter a value that is not listed)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, title: str, choices: list[str], current: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker"):
            yield Static(Text(self.title_text, style="bold"), classes="dialog-title")
            yield Input(placeholder="type to filter, enter to choose", id="picker-input")
            yield OptionList(*self._options(""), id="picker-options")

    def _options(self, text: str) -> list[Option]:
        return [
            Option(("● " if c == self.current else "  ") + c, id=c)
            for c in self.choices
            if text.lower() in c.lower()
        ]

    def on_input_changed(self, event: Input.Changed) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(self._options(event.value))
        if options.option_count:
            options.highlighted = 0

    def on_input_submitted(self, event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None and options.option_count:
            self.dismiss(options.get_option_at_index(options.highlighted).id)
        elif event.value.strip():
            self.dismiss(event.value.strip())

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def on_key(self, event: events.Key) -> None:
        key = event.key
        options = self.query_one(OptionList)
        if key in ("down", "up") and self.query_one(Input).has_focus and options.option_count:
            current = options.highlighted or 0
            step = 1 if key == "down" else -1
            options.highlighted = max(0, min(options.option_count - 1, current + step))


class TextViewer(ModalScreen[None]):
    """Describe / YAML output: scrollable, read-only, escape to go back."""

    BINDINGS = [
        Binding("escape,q", "dismiss", "Back"),
        Binding("j,down", "scroll(1)", "Down", show=False),
        Binding("k,up", "scroll(-1)", "Up", show=False),
    ]

    def __init__(self, title: str, body: str | Text, *, syntax: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.syntax = syntax

    def compose(self) -> ComposeResult:
        with Vertical(classes="viewer"):
            yield Static(Text(self.title_text, style="bold"), classes="viewer-title")
            with VerticalScroll(id="viewer-body"):
                if self.syntax:
                    from rich.syntax import Syntax

                    text = self.body if isinstance(self.body, str) else self.body.plain
                    yield Static(Syntax(text, self.syntax, theme="ansi_dark", word_wrap=True))
                else:
                    yield Static(self.body if isinstance(self.body, Text) else Text(self.body))

    def on_mount(self) -> None:
        self.query_one("#viewer-body").focus()

    def action_scroll(self, lines: int) -> None:
        body = self.query_one("#viewer-body", VerticalScroll)
        body.scroll_relative(y=lines, animate=False)


class HelpScreen(ModalScreen[None]):
    """Every key of the current screen and the app, generated from the bindings."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        lines: list[str] = []
        for title, keys in self.sections:
            lines.append(f"[b]{escape(title)}[/b]")
            for key, what in keys:
                lines.append(f"  [b cyan]{escape(key):<14}[/] {escape(what)}")
            lines.append("")
        with Vertical(classes="viewer"):
            yield Static(Text("Help — esc closes", style="bold"), classes="viewer-title")
            with VerticalScroll(id="viewer-body"):
                yield Static("\n".join(lines))

    def on_mount(self) -> None:
        self.query_one("#viewer-body").focus()
