"""podbay: a keyboard-driven Kubernetes workbench for ephemeral test pods."""

__version__ = "0.1.0"
