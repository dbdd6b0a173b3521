"""Test connection as a diagnosis: each step from kubeconfig to RBAC reported as a line with
its evidence and, when it failed, the exact fix. Later steps are skipped after a failure.
"""

from __future__ import annotations

import json
import socket
import ssl
from dataclasses import asdict, dataclass, field
from ipaddress import ip_address
from typing import Any, Literal

from cryptography import x509
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from tui.core.access import ACCESS, Access
from tui.core.access import review as review_access
from tui.core.connection import Connection, connect, ssl_context
from tui.core.errors import PodbayError
from tui.core.settings import Settings

Status = Literal["ok", "fail", "warn", "skipped"]

__all__ = ["ACCESS", "Access", "Check", "Diagnosis", "diagnose"]


@dataclass
class Check:
    name: str
    status: Status
    detail: str = ""
    fix: str = ""


@dataclass
class Diagnosis:
    server: str = ""
    context: str | None = None
    namespace: str = ""
    user: str = ""
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.status in ("ok", "warn") for c in self.checks)

    @property
    def missing(self) -> list[str]:
        """Access lines that are not granted (required or optional)."""
        return [c.name for c in self.checks if c.name.startswith("can ") and c.status != "ok"]

    def add(self, name: str, status: Status, detail: str = "", fix: str = "") -> Check:
        check = Check(name, status, detail, fix)
        self.checks.append(check)
        return check

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def diagnose(
    settings: Settings, *, timeout: float = 5.0, reachability_only: bool = False
) -> Diagnosis:
    """Every step in order, stopping at the first failure. ``reachability_only`` stops after
    authentication (what an "unreachable" error needs, without the access review)."""
    diag = Diagnosis(namespace=settings.namespace, context=settings.context)
    try:
        conn = connect(settings)
    except PodbayError as exc:
        diag.add("kubeconfig", "fail", exc.what, exc.fix)
        return _skip_rest(diag, "kubeconfig")
    diag.server = conn.server
    ctx = f", context {conn.context}" if conn.context else ""
    diag.add("kubeconfig", "ok", f"{conn.source.describe()}{ctx}, server {conn.server}")
    steps = (_dns, _tcp, _tls, _auth) if reachability_only else STEPS
    for step in steps:
        if not step(conn, diag, timeout):
            return _skip_rest(diag, diag.checks[-1].name)
    return diag


_STEPS = ("kubeconfig", "dns", "tcp", "tls", "authentication", "server version", "access")


def _skip_rest(diag: Diagnosis, failed: str) -> Diagnosis:
    names = [c.name for c in diag.checks]
    after = _STEPS[_STEPS.index(failed) + 1 :] if failed in _STEPS else ()
    for name in after:
        if name not in names:
            diag.add(name, "skipped", f"not tried: {failed} failed")
    return diag


def _dns(conn: Connection, diag: Diagnosis, timeout: float) -> bool:
    host, port = conn.host_port
    try:
        ip_address(host)
        diag.add("dns", "ok", f"{host} is an IP address")
        return True
    except ValueError:
        pass
    try:
        addrs = sorted(
            {str(a[4][0]) for a in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
        )
    except socket.gaierror as exc:
        diag.add(
            "dns",
            "fail",
            f"{host} does not resolve: {exc.strerror}",
            "check the server name in the kubeconfig and this machine's DNS (/etc/resolv.conf)",
        )
        return False
    diag.add("dns", "ok", f"{host} -> {', '.join(addrs)}")
    return True


def _tcp(conn: Connection, diag: Diagnosis, timeout: float) -> bool:
    host, port = conn.host_port
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except ConnectionRefusedError:
        diag.add(
            "tcp",
            "fail",
            f"{host}:{port} refused the connection",
            "nothing listens there: is the apiserver running and is the port right?",
        )
        return False
    except TimeoutError:
        diag.add(
            "tcp",
            "fail",
            f"no answer from {host}:{port} within {timeout:.0f}s",
            "a firewall or network path drops the traffic; check VPN/proxy and the address",
        )
        return False
    except OSError as exc:
        diag.add("tcp", "fail", f"{host}:{port}: {exc.strerror or exc}", "check the network path")
        return False
    diag.add("tcp", "ok", f"{host}:{port} accepts connections")
    return True


def _trust_summary(conn: Connection) -> str:
    parts = []
    for src in conn.trust:
        subjects = f" ({'; '.join(src.subjects)})" if src.subjects else ""
        parts.append(f"{src.label}{subjects}")
    return ", ".join(parts) or "no CA at all"


def _tls(conn: Connection, diag: Diagnosis, timeout: float) -> bool:
    host, port = conn.host_port
    if not conn.server.startswith("https://"):
        diag.add("tls", "warn", "plain http: credentials travel unencrypted", "use an https server")
        return True
    name = conn.configuration.tls_server_name or host
    try:
        ctx = ssl_context(conn)
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            ctx.wrap_socket(raw, server_hostname=name) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
    except ssl.SSLCertVerificationError as exc:
        reason = exc.verify_message or str(exc)
        if "hostname" in reason.lower() or "IP address mismatch" in reason:
            fix = (
                f"the certificate is not valid for {name!r}: use a server address it names, "
                "or set tls-server-name in the kubeconfig cluster entry"
            )
        else:
            fix = (
                "add the cluster's CA to the trust set: save it as PEM (e.g. kubectl config view "
                "--raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' "
                "| base64 -d > ca.crt) and set 'extra CA file' in Settings or "
                "NODE_EXTRA_CA_CERTS to that file"
            )
        diag.add(
            "tls",
            "fail",
            f"certificate verify failed ({reason}); trusted: {_trust_summary(conn)}",
            fix,
        )
        return False
    except ssl.SSLError as exc:
        diag.add(
            "tls",
            "fail",
            f"TLS handshake failed: {exc.reason or exc}",
            "check that the server speaks https on this port and the client certificate "
            "in the kubeconfig is valid",
        )
        return False
    except OSError as exc:
        diag.add("tls", "fail", f"TLS connection failed: {exc}", "check the network path")
        return False
    if not conn.verify:
        diag.add(
            "tls",
            "warn",
            "insecure-skip-tls-verify is set: the server is not verified",
            "remove insecure-skip-tls-verify and add the cluster's CA instead",
        )
        return True
    issuer = x509.load_der_x509_certificate(der).issuer.rfc4514_string() if der else "?"
    by = next((s.label for s in conn.trust if issuer in s.subjects), None)
    detail = f"verified; server certificate issued by {issuer}"
    detail += f", trusted via {by}" if by else f"; trusted: {_trust_summary(conn)}"
    diag.add("tls", "ok", detail)
    return True


def _api_error(exc: ApiException) -> str:
    try:
        return str(json.loads(exc.body or "").get("message", exc.reason))
    except (ValueError, TypeError, AttributeError):
        return str(exc.reason)


def _auth(conn: Connection, diag: Diagnosis, timeout: float) -> bool:
    with conn.api_client() as api:
        try:
            review = client.AuthenticationV1Api(api).create_self_subject_review(
                client.V1SelfSubjectReview(
                    api_version="authentication.k8s.io/v1", kind="SelfSubjectReview"
                ),
                _request_timeout=timeout,
            )
        except ApiException as exc:
            if exc.status == 401:
                diag.add(
                    "authentication",
                    "fail",
                    "the server rejected the credentials (401)",
                    "the token or client certificate is expired or invalid: mint a new token "
                    "(kubectl create token <serviceaccount> -n <namespace>) or refresh the "
                    "kubeconfig",
                )
                return False
            if exc.status in (403, 404) and "system:anonymous" in _api_error(exc):
                diag.add(
                    "authentication",
                    "fail",
                    "the server sees this client as system:anonymous: no credentials were sent",
                    "the kubeconfig user has no token or certificate, or its exec plugin "
                    "failed; run the plugin by hand to see its error",
                )
                return False
            if exc.status in (403, 404):
                diag.add("authentication", "warn", "authenticated (identity not reported)")
                return True
            diag.add("authentication", "fail", f"HTTP {exc.status}: {_api_error(exc)}")
            return False
        except HTTPError as exc:
            diag.add("authentication", "fail", f"request failed: {exc}", "retry; check the network")
            return False
    info = review.status.user_info if review.status else None
    groups = ", ".join(
        g for g in (info.groups or [] if info else []) if g != "system:authenticated"
    )
    diag.user = (info.username if info else None) or "?"
    diag.add("authentication", "ok", f"as {diag.user}" + (f" (groups: {groups})" if groups else ""))
    return True


def _version(conn: Connection, diag: Diagnosis, timeout: float) -> bool:
    with conn.api_client() as api:
        try:
            info = client.VersionApi(api).get_code(_request_timeout=timeout)
        except (ApiException, HTTPError) as exc:
            diag.add("server version", "warn", f"not reported: {exc}")
            return True
    minor = int("".join(ch for ch in (info.minor or "0") if ch.isdigit()) or 0)
    if minor < 27:
        diag.add("server version", "warn", f"{info.git_version} is older than podbay tests (1.27+)")
    else:
        diag.add("server version", "ok", str(info.git_version))
    return True


def _access(conn: Connection, diag: Diagnosis, timeout: float) -> bool:
    with conn.api_client() as api:
        result = review_access(api, diag.namespace, timeout=timeout, user=diag.user)
    for v in result.verdicts:
        diag.add(f"can {v.access.label}", v.status, v.reason, v.fix)
    return True


STEPS = (_dns, _tcp, _tls, _auth, _version, _access)
