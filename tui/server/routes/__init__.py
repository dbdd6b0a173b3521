"""The REST routes: one APIRouter per resource, each reading the workbench through a
dependency (state.py). ``make_app`` includes ``ROUTERS`` in this order."""

from __future__ import annotations

from fastapi import APIRouter

from tui.server.routes import cleanup, config, exec, health, logs, network, pods, suggest

ROUTERS: tuple[APIRouter, ...] = (
    config.router,
    pods.router,
    logs.router,
    exec.router,
    cleanup.router,
    suggest.router,
    *network.routers,  # services and ingresses, from the kind registry
    health.router,
)
