"""The engine as one object both faces hold: settings, a lazily made connection, and the
collections and watch caches of each kind (kinds.py) built on it. Reconnects when the
settings change."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.core import kubeconfigfile
from tui.core import settings as settings_mod
from tui.core.errors import ApiError, PodbayError
from tui.core.ingresses import Ingresses
from tui.core.kinds import PODS, AnyKind
from tui.core.pods import PodRow, Pods
from tui.core.resources import Collection
from tui.core.services import Services
from tui.core.settings import Settings
from tui.core.watchcache import Phase, WatchCache, WatchCaches

if TYPE_CHECKING:  # the client and the connection import kubernetes (~1 s): on first use
    from kubernetes import client

    from tui.core.connection import Connection


class IntegrationDisabled(PodbayError):
    """The settings say ``enabled: false`` (the spec's "Enable Kubernetes" toggle is off):
    podbay does not talk to the cluster until it is turned on. Test connection still runs."""

    status = 409

    def __init__(self) -> None:
        super().__init__(
            "Kubernetes is disabled in the settings (enabled: false)",
            'turn it on: Settings > Enabled, or PUT /api/kubernetes/config {"enabled": true}',
        )


class Workbench:
    def __init__(
        self,
        settings: Settings,
        settings_file: Path | None = None,
        *,
        overrides: Mapping[str, Any] | None = None,
    ) -> None:
        """``settings`` are what this session runs with: the file plus ``overrides`` (the
        values the command line and environment set, see settings.override_values). Without
        ``overrides``, every key where ``settings`` differ from the file is session-only."""
        self.settings = settings
        self.settings_file = settings_file
        if overrides is None:
            try:
                on_file = settings_mod.load(settings_file).model_dump()
            except settings_mod.SettingsError:
                on_file = Settings().model_dump()
            overrides = {k: v for k, v in settings.model_dump().items() if on_file.get(k) != v}
        self.session_overrides: dict[str, Any] = dict(overrides)
        # _lock guards the state below for a moment at a time, never while waiting for
        # anything; connecting (the kubeconfig, exec plugins: seconds) holds _connect_lock
        # only, so a reader, a settings change or an event loop never waits for it
        self._lock = threading.Lock()
        self._connect_lock = threading.Lock()
        self._config_lock = threading.Lock()
        self._conn: Connection | None = None
        self._api: client.ApiClient | None = None
        self._generation = 0  # bumped by every settings change: a connect of older ones is void
        self._caches = WatchCaches()  # the least recently used stop beyond MAX_CACHES

    @property
    def connection(self) -> Connection:
        """The current connection (PodbayError with the fix when it cannot be made). Blocks
        while it is being made: call it off the UI thread and the event loop."""
        return self._connected()[0]

    @property
    def api(self) -> client.ApiClient:
        return self._connected()[1]

    @property
    def current_connection(self) -> Connection | None:
        """The connection if one is made, else None; never connects and never waits."""
        return self._conn

    @property
    def connecting(self) -> bool:
        """Whether a connection is being made right now (by any thread)."""
        return self._connect_lock.locked()

    def _connected(self) -> tuple[Connection, client.ApiClient]:
        from tui.core.connection import connect

        while True:
            with self._lock:
                if not self.settings.enabled:
                    raise IntegrationDisabled()
                if self._conn is not None and self._api is not None:
                    return self._conn, self._api
            with self._connect_lock:  # one connect at a time; the others wait for it here
                with self._lock:
                    if not self.settings.enabled:
                        raise IntegrationDisabled()
                    if self._conn is not None and self._api is not None:
                        return self._conn, self._api
                    settings, generation = self.settings, self._generation
                conn = connect(settings)  # may take seconds: no _lock held
                api: client.ApiClient = conn.api_client()
                with self._lock:
                    if generation == self._generation:
                        self._conn, self._api = conn, api
                        return conn, api
                api.close()  # the settings changed meanwhile: connect with the new ones

    @property
    def pods(self) -> Pods:
        return Pods(self.api, self.settings)

    @property
    def services(self) -> Services:
        return Services(self.api, self.settings)

    @property
    def ingresses(self) -> Ingresses:
        return Ingresses(self.api, self.settings)

    def collection(self, kind: AnyKind) -> Collection:
        """The operations on ``kind`` (connects on first use)."""
        return kind.collection(self.api, self.settings)

    def cache(
        self, kind: AnyKind, namespace: str, *, sync_timeout: float = 10.0
    ) -> WatchCache[Any] | None:
        """A live cache of ``kind`` in ``namespace`` (started on first use; it keeps each
        object's ``kind.cache_row`` too); None if it cannot sync in time, so the caller
        lists directly instead of serving nothing; the 504 of its first list if that timed
        out just now (a black-holed apiserver: the caller's own list would wait as long)."""
        collection = self.collection(kind)
        ns = collection.namespace(namespace)  # the allow-list check
        cache = self._caches.get_or_start(
            (kind.plural, ns), lambda: WatchCache(collection, ns, derive=kind.cache_row)
        )
        starting = cache.state.phase is Phase.STARTING
        if cache.wait_synced(sync_timeout) and cache.healthy:
            return cache
        error = cache.error
        if starting and error is not None and error.status == 504 and not cache.synced.is_set():
            # its first list timed out just now: a list of the caller's would wait as long
            raise ApiError(504, error.what, error.fix, error.reason) from error
        return None

    def pod_cache(self, namespace: str, *, sync_timeout: float = 10.0) -> WatchCache[PodRow] | None:
        """The pod cache of ``namespace``, whose rows are kept serialised (see cache)."""
        return self.cache(PODS, namespace, sync_timeout=sync_timeout)

    def ready_pod_cache(self, namespace: str) -> WatchCache[PodRow] | None:
        """The pod cache of ``namespace`` if it is already synced and healthy; never blocks
        (no connecting, no waiting), so an event loop may call it."""
        return self.ready_cache(PODS, namespace)

    def ready_cache(self, kind: AnyKind, namespace: str) -> WatchCache[Any] | None:
        """The running, synced and healthy cache of ``kind`` in ``namespace``, or None;
        starts nothing and never blocks."""
        cache = self._caches.get((kind.plural, namespace))
        return cache if cache is not None and cache.healthy else None

    def _stop_caches(self) -> None:
        self._caches.stop_all()

    def configure(self, changes: Mapping[str, Any]) -> Settings:
        """Change settings the way a settings form or PUT /config means it: ``changes`` are
        saved on top of what the settings file holds now (never this session's command-line
        or environment overrides), and the session then runs with the new file plus the
        overrides whose keys ``changes`` did not touch (those stay session-only).

        SettingsError if the file cannot be read or written; ValidationError if the changes
        are invalid, KubeconfigError if a new kubeconfig path is not a kubeconfig (nothing
        is saved then)."""
        new_kubeconfig = changes.get("kubeconfig")
        if new_kubeconfig and new_kubeconfig != self.settings.kubeconfig:
            kubeconfigfile.check(new_kubeconfig)  # a file that is no kubeconfig is not saved
        with self._config_lock:
            on_file = settings_mod.load(self.settings_file)
            saved = Settings.model_validate({**on_file.model_dump(), **changes})
            kept = {k: v for k, v in self.session_overrides.items() if k not in changes}
            effective = Settings.model_validate({**saved.model_dump(), **kept})
            settings_mod.save(saved, self.settings_file)
            self.session_overrides = kept
            self.update_settings(effective, persist=False)
            return saved

    def update_settings(self, new: Settings, *, persist: bool = True) -> None:
        """Adopt new settings (validated already) and reconnect on next use. ``persist``
        saves the keys where ``new`` differs from the current settings, as ``configure``
        does (so session overrides are never written to the file)."""
        if persist:
            current = self.settings.model_dump()
            changes = {k: v for k, v in new.model_dump().items() if current.get(k) != v}
            self.configure(changes)
            return
        self._disconnect(new)

    def close(self) -> None:
        self._disconnect(None)

    def _disconnect(self, settings: Settings | None) -> None:
        """Forget the connection (adopting ``settings`` if given), then stop the caches and
        close the old client outside the lock."""
        with self._lock:
            if settings is not None:
                self.settings = settings
            self._generation += 1
            api, self._conn, self._api = self._api, None, None
        self._stop_caches()
        if api is not None:
            api.close()
