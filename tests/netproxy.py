"""A TCP proxy in front of the sandbox's apiserver whose link can be cut and restored: a
network fault for one client while every other client (kubelet, tests) keeps the apiserver.

Two faults: ``cut`` closes every connection and refuses new ones (the client learns at once);
``black_hole`` drops packets (nothing is closed, nothing gets through, new connections are
accepted but never answered: the client learns only from its own timeouts), until
``restore`` lets the held bytes through again.

TLS passes through untouched (the apiserver's certificate names 127.0.0.1, so a kubeconfig
pointing at the proxy verifies as it would against the apiserver)."""

from __future__ import annotations

import contextlib
import socket
import threading
from pathlib import Path

import yaml


class CuttableProxy:
    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._cut = threading.Event()
        self._flowing = threading.Event()  # cleared while black-holed
        self._flowing.set()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._closed = False
        threading.Thread(target=self._accept, name="netproxy", daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            if self._cut.is_set():  # the link is down: nothing gets through
                conn.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                conn.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((conn, upstream))
            for a, b in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                # black-holed: the chunk is held (and, with nothing read, the sender's
                # buffers fill up) until restore; nobody is told
                while not self._flowing.wait(0.2):
                    if self._closed:
                        return
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                self._drop(s)

    def _drop(self, s: socket.socket) -> None:
        with self._lock:
            self._open.discard(s)
        with contextlib.suppress(OSError):
            s.shutdown(socket.SHUT_RDWR)
        s.close()

    def cut(self) -> None:
        """Break every open connection and refuse new ones until ``restore``."""
        self._cut.set()
        with self._lock:
            live = list(self._open)
        for s in live:
            self._drop(s)

    def black_hole(self) -> None:
        """Stop forwarding in both directions without closing anything: open connections go
        quiet, new ones are accepted (TCP) and then never answered, until ``restore``."""
        self._flowing.clear()

    def restore(self) -> None:
        self._cut.clear()
        self._flowing.set()

    def close(self) -> None:
        self._closed = True
        self.cut()
        self._listener.close()

    def kubeconfig(self, source: Path, target: Path) -> Path:
        """A copy of ``source`` whose clusters point at this proxy."""
        doc = yaml.safe_load(source.read_text())
        for cluster in doc["clusters"]:
            cluster["cluster"]["server"] = f"https://127.0.0.1:{self.port}"
        target.write_text(yaml.safe_dump(doc))
        target.chmod(0o600)
        return target
