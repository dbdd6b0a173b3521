"""The engine: settings, connection, operations. No Textual, no web framework imports."""
