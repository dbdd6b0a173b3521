"""Where podbay's cluster credentials come from, and a configured client that trusts the
right CAs: the kubeconfig's CA data, the system store, and an *added* extra CA file (the
spec's NODE_EXTRA_CA_CERTS idea), for HTTP and WebSocket alike.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import ssl
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import yaml
from cryptography import x509
from kubernetes import client, config
from kubernetes.config.config_exception import ConfigException
from urllib3 import BaseHTTPResponse
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util.retry import Retry

from tui.core import kubeconfigfile, libcompat
from tui.core.errors import PodbayError
from tui.core.settings import Settings

WORKSPACE_KUBECONFIG = Path("/workspace/.kube/kubeconfig")
SYSTEM_BUNDLES = (
    Path("/etc/ssl/certs/ca-certificates.crt"),
    Path("/etc/pki/tls/certs/ca-bundle.crt"),
)
IN_CLUSTER_TOKEN = Path("/var/run/secrets/kubernetes.io/serviceaccount/token")


class ConnectionSetupError(PodbayError):
    """Credentials or trust could not be set up (before any network traffic)."""

    # podbay cannot reach a cluster until its settings change: REST answers 503 with the
    # connection diagnosis, whose kubeconfig step says the same (docs/rest.md)
    status = 503


@dataclass(frozen=True)
class Source:
    """Where the credentials come from: kubeconfig file(s) or the pod's service account."""

    in_cluster: bool
    paths: tuple[Path, ...] = ()

    def describe(self) -> str:
        if self.in_cluster:
            return "in-cluster service account"
        return ":".join(map(str, self.paths))


@dataclass(frozen=True)
class TrustSource:
    """One set of CA certificates in the trust bundle, named for diagnostics."""

    label: str
    subjects: tuple[str, ...]


@dataclass
class Connection:
    """A ready :class:`kubernetes.client.Configuration` plus what it was built from."""

    configuration: client.Configuration
    source: Source
    context: str | None
    namespace: str
    trust: list[TrustSource] = field(default_factory=list)
    verify: bool = True
    request_timeout: float = 30.0  # seconds; settings.request_timeout_seconds

    @property
    def server(self) -> str:
        return str(self.configuration.host)

    @property
    def host_port(self) -> tuple[str, int]:
        parts = urlsplit(self.server)
        return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)

    def api_client(self) -> TimedApiClient:
        return TimedApiClient(self.configuration, self.request_timeout)


def is_stream(url: str) -> bool:
    """Whether a request to ``url`` is a stream: a watch or a followed log."""
    query = parse_qs(urlsplit(url).query)
    return any(v.lower() in ("true", "1") for k in ("watch", "follow") for v in query.get(k, []))


class TimedApiClient(client.ApiClient):
    """An API client whose calls cannot hang: a call that names no ``_request_timeout`` fails
    when the apiserver leaves it ``request_timeout`` seconds without an answer (connecting,
    or waiting for the next bytes of the answer); a stream (a watch or a followed log, which
    may rightly stay quiet for hours) has that to connect and for its headers, then none.
    ``call_api`` is where every generated API method ends, after it validated its arguments
    (which refuse a ``(connect, None)`` pair from a caller)."""

    def __init__(self, configuration: client.Configuration, request_timeout: float) -> None:
        super().__init__(configuration)
        self.request_timeout = request_timeout

    def call_api(
        self,
        method: str,
        url: str,
        header_params: Any = None,
        body: Any = None,
        post_params: Any = None,
        _request_timeout: Any = None,
    ) -> Any:
        stream = _request_timeout is None and is_stream(url)
        if _request_timeout is None:  # (connect, read): each read waits as long, no longer
            _request_timeout = (self.request_timeout, self.request_timeout)
        answer = super().call_api(method, url, header_params, body, post_params, _request_timeout)
        if stream:  # then waits as long as the stream lasts
            sock = getattr(getattr(answer.response, "connection", None), "sock", None)
            if sock is not None:
                sock.settimeout(None)
        return answer


class NoRetryAfterTimeout(Retry):
    """urllib3's default retries (a refused or reset connection is tried again), except
    after a timeout: the default would try a request that timed out three more times, so a
    30 s timeout would fail after two minutes. A timeout is final and says so at once."""

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        if isinstance(error, Urllib3Timeout):
            raise error.with_traceback(_stacktrace)
        return super().increment(method, url, response, error, _pool, _stacktrace)


def resolve_source(settings: Settings, env: dict[str, str] | None = None) -> Source:
    """The spec's order: settings path, /workspace/.kube/kubeconfig, $KUBECONFIG,
    ~/.kube/config, then in-cluster."""
    env = dict(os.environ) if env is None else env
    if settings.in_cluster:
        return Source(in_cluster=True)
    looked: list[str] = []
    if settings.kubeconfig:
        paths = tuple(Path(p).expanduser() for p in settings.kubeconfig.split(os.pathsep) if p)
        missing = [p for p in paths if not p.is_file()]
        if missing:
            raise ConnectionSetupError(
                f"the kubeconfig {missing[0]} (from settings) does not exist",
                "fix the kubeconfig path in Settings, or clear it to use the default search",
            )
        return Source(False, paths)
    if WORKSPACE_KUBECONFIG.is_file():
        return Source(False, (WORKSPACE_KUBECONFIG,))
    looked.append(str(WORKSPACE_KUBECONFIG))
    if env.get("KUBECONFIG"):
        paths = tuple(Path(p).expanduser() for p in env["KUBECONFIG"].split(os.pathsep) if p)
        existing = tuple(p for p in paths if p.is_file())
        if existing:
            return Source(False, existing)
        looked.append(f"$KUBECONFIG ({env['KUBECONFIG']})")
    home = Path(env.get("HOME", str(Path.home()))) / ".kube" / "config"
    if home.is_file():
        return Source(False, (home,))
    looked.append(str(home))
    if env.get("KUBERNETES_SERVICE_HOST") and IN_CLUSTER_TOKEN.is_file():
        return Source(in_cluster=True)
    raise ConnectionSetupError(
        "no kubeconfig found (looked at " + ", ".join(looked) + ") and not running in a cluster",
        "set a kubeconfig path in Settings (or --kubeconfig), or try the sandbox: podbay --sandbox",
    )


def contexts(settings: Settings) -> tuple[list[str], str | None]:
    """Context names of the resolved kubeconfig and its current context."""
    source = resolve_source(settings)
    if source.in_cluster:
        return [], None
    names: list[str] = []
    current: str | None = None
    for path in source.paths:  # kubectl's merge: first file's current-context wins
        try:
            doc = yaml.safe_load(path.read_text()) or {}
        except (OSError, yaml.YAMLError):
            continue
        if not isinstance(doc, dict):
            continue
        for ctx in doc.get("contexts") or []:
            if isinstance(ctx, dict) and ctx.get("name") and ctx["name"] not in names:
                names.append(str(ctx["name"]))
        current = current or (str(doc["current-context"]) if doc.get("current-context") else None)
    return names, current


POOL_SIZE = 32


def connect(settings: Settings) -> Connection:
    """Build a client configuration; ConnectionSetupError with the fix when that is impossible."""
    source = resolve_source(settings)
    cfg = client.Configuration()
    # Kept connections per host: the client's default (5 per CPU) is below the threads that
    # share one client (REST handlers, bounded parallel deletes); a miss is a TLS handshake.
    cfg.connection_pool_maxsize = max(cfg.connection_pool_maxsize, POOL_SIZE)
    cfg.retries = NoRetryAfterTimeout(total=3, redirect=3)  # urllib3's default, but timeouts
    libcompat.detach_exec_plugins()
    try:
        for path in source.paths:  # the client would fail on a non-kubeconfig with a TypeError
            kubeconfigfile.read(path)
    except kubeconfigfile.KubeconfigError as exc:
        raise ConnectionSetupError(exc.what, exc.fix) from exc
    try:
        if source.in_cluster:
            config.load_incluster_config(client_configuration=cfg)
        else:
            # kubectl's merge: the first file that sets current-context wins; the client's
            # merger lets the last one win, so name the context explicitly.
            current = settings.context or contexts(settings)[1]
            config.load_kube_config(
                config_file=os.pathsep.join(map(str, source.paths)),
                context=current,
                client_configuration=cfg,
                persist_config=False,
            )
    except ConfigException as exc:
        msg = str(exc)
        fix = "check the file with 'kubectl config view'"
        if source.in_cluster:
            fix = "in-cluster mode works only inside a pod; turn it off and set a kubeconfig"
        if settings.context and "context" in msg.lower():
            names = ", ".join(contexts(settings)[0]) or "none"
            fix = f"pick one of the contexts in it: {names}"
        raise ConnectionSetupError(f"{source.describe()}: {msg}", fix) from exc
    except (OSError, ValueError) as exc:
        raise ConnectionSetupError(f"{source.describe()} could not be loaded: {exc}") from exc
    except Exception as exc:  # the client's loader trips over odd files in its own ways
        raise ConnectionSetupError(
            f"{source.describe()} could not be loaded ({type(exc).__name__}: {exc})",
            "check the file with 'kubectl config view'",
        ) from exc
    context = None if source.in_cluster else settings.context or contexts(settings)[1]
    conn = Connection(
        cfg,
        source,
        context,
        settings.namespace,
        verify=cfg.verify_ssl,
        request_timeout=settings.request_timeout_seconds,
    )
    _install_trust(conn, settings)
    return conn


def _pem_subjects(data: bytes) -> tuple[str, ...]:
    with warnings.catch_warnings():  # old CAs with odd serials are still worth naming
        warnings.simplefilter("ignore")
        certs = x509.load_pem_x509_certificates(data)
    return tuple(c.subject.rfc4514_string() for c in certs)


def _install_trust(conn: Connection, settings: Settings) -> None:
    """Point the configuration at one bundle: kubeconfig CA + extra CA file + system store."""
    parts: list[bytes] = []
    cfg = conn.configuration
    if cfg.ssl_ca_cert:
        data = Path(cfg.ssl_ca_cert).read_bytes()
        parts.append(data)
        conn.trust.append(
            TrustSource("the kubeconfig's certificate-authority", _subjects_or_empty(data))
        )
    if settings.extra_ca_file:
        path = Path(settings.extra_ca_file).expanduser()
        try:
            data = path.read_bytes()
            subjects = _pem_subjects(data)
        except OSError as exc:
            raise ConnectionSetupError(
                f"the extra CA file {path} cannot be read: {exc.strerror}",
                "fix 'extra CA file' in Settings (or NODE_EXTRA_CA_CERTS) to point at a PEM file",
            ) from exc
        except ValueError as exc:
            raise ConnectionSetupError(
                f"the extra CA file {path} holds no PEM certificate",
                "export the CA as PEM (-----BEGIN CERTIFICATE-----) and point Settings at it",
            ) from exc
        parts.append(data)
        conn.trust.append(TrustSource(f"the extra CA file {path}", subjects))
    for bundle in SYSTEM_BUNDLES:
        if bundle.is_file():
            parts.append(bundle.read_bytes())
            conn.trust.append(TrustSource(f"the system store {bundle}", ()))
            break
    cfg.ssl_ca_cert = _bundle_file(b"\n".join(parts))


_BUNDLES: dict[str, str] = {}  # content hash -> file, so reconnects reuse one file


def _bundle_file(data: bytes) -> str:
    """A private temp file holding ``data``, written once per distinct bundle per process."""
    key = hashlib.sha256(data).hexdigest()
    name = _BUNDLES.get(key)
    if name is None or not os.path.exists(name):
        fd, name = tempfile.mkstemp(prefix="podbay-ca-", suffix=".pem")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        atexit.register(_unlink, name)
        _BUNDLES[key] = name
    return name


def _subjects_or_empty(data: bytes) -> tuple[str, ...]:
    try:
        return _pem_subjects(data)
    except ValueError:
        return ()


def _unlink(name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name)


def ssl_context(conn: Connection) -> ssl.SSLContext:
    """The same trust and client certificate the API client uses, for raw TLS probes."""
    cfg = conn.configuration
    ctx = ssl.create_default_context(cafile=cfg.ssl_ca_cert)
    if not conn.verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if cfg.cert_file and cfg.key_file:
        ctx.load_cert_chain(cfg.cert_file, cfg.key_file)
    return ctx
