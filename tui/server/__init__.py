"""The headless REST face (``podbay --serve``): the spec's HTTP API over the engine."""
