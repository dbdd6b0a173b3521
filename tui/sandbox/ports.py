"""Free loopback ports, so two sandboxes (or a sandbox and anything else) never collide."""

from __future__ import annotations

import socket


def is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def pick_free(count: int, host: str = "127.0.0.1", avoid: set[int] | None = None) -> list[int]:
    """``count`` distinct ports the kernel reports free right now."""
    avoid = set(avoid or ())
    ports: list[int] = []
    sockets = []
    try:
        while len(ports) < count:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sockets.append(s)
            s.bind((host, 0))
            port = s.getsockname()[1]
            if port not in avoid and port not in ports:
                ports.append(port)
    finally:
        for s in sockets:
            s.close()
    return ports


def choose_ports(names: tuple[str, ...], previous: dict[str, int]) -> dict[str, int]:
    """A port for each name: last run's ports when they are all still free (etcd remembers
    its peer URL), otherwise fresh ones."""
    if set(previous) == set(names) and all(is_free(p) for p in previous.values()):
        return previous
    return dict(zip(names, pick_free(len(names)), strict=True))
