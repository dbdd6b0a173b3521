"""The sandbox: a real local Kubernetes (etcd, apiserver, scheduler, controller-manager, kwok).

Public face: :class:`tui.sandbox.cluster.Sandbox`, and `podbay sandbox ...` in :mod:`tui.cli`.
"""
