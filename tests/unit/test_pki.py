from __future__ import annotations

import ssl
import threading
from pathlib import Path

from cryptography import x509

from tui.sandbox.pki import Authority


def test_issued_server_certificate_verifies_against_the_ca(tmp_path: Path) -> None:
    ca = Authority(tmp_path)
    pair = ca.issue("srv", "server", server=True, hosts=("127.0.0.1", "localhost"))
    cert = x509.load_pem_x509_certificate(pair.cert.read_bytes())
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in sans.get_values_for_type(x509.DNSName)
    assert (pair.key.stat().st_mode & 0o777) == 0o600

    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(pair.cert, pair.key)
    client_ctx = ssl.create_default_context(cafile=str(ca.pair.cert))
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        def serve() -> None:
            conn, _ = listener.accept()
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                tls.sendall(b"ok")

        t = threading.Thread(target=serve)
        t.start()
        with (
            socket.create_connection(("127.0.0.1", port)) as raw,
            client_ctx.wrap_socket(raw, server_hostname="localhost") as tls,
        ):
            assert tls.recv(2) == b"ok"
        t.join()


def test_authority_and_certificates_are_reused(tmp_path: Path) -> None:
    first = Authority(tmp_path)
    pair = first.issue("c", "client", client=True)
    before = (first.pair.cert.read_bytes(), pair.cert.read_bytes())
    again = Authority(tmp_path)
    assert (
        again.pair.cert.read_bytes(),
        again.issue("c", "client", client=True).cert.read_bytes(),
    ) == before
