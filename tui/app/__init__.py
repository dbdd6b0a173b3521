"""The Textual TUI (one face over tui.core)."""
