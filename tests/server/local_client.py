"""The REST test client as a local tool talks to podbay --serve: ``Host`` names the loopback
bind and every request declares a JSON body (the guard refuses other requests; tests of
the guard itself set their own headers)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

BASE_URL = "http://127.0.0.1:5003"
JSON = {"Content-Type": "application/json"}


class LocalClient(TestClient):
    """WebSockets too go to ``127.0.0.1:5003`` (Starlette's default host is 'testserver'),
    offering ``subprotocols`` unless a call names its own."""

    subprotocols: list[str] | None = None

    def websocket_connect(
        self, url: str, subprotocols: Any = None, **kwargs: Any
    ) -> WebSocketTestSession:
        if url.startswith("/"):
            url = "ws://127.0.0.1:5003" + url
        offered = self.subprotocols if subprotocols is None else subprotocols
        return super().websocket_connect(url, offered, **kwargs)


def rest_client(
    app: FastAPI, *, subprotocols: list[str] | None = None, **kwargs: Any
) -> LocalClient:
    client = LocalClient(app, base_url=BASE_URL, headers=JSON, **kwargs)
    client.subprotocols = subprotocols
    return client
