"""podbay's settings: a validated model, a YAML file written atomically, env/CLI overrides.

File: ``$PODBAY_CONFIG`` or ``$XDG_CONFIG_HOME/podbay/settings.yaml``. A bad file is reported
with the key at fault and left untouched; saving validates first and keeps the previous file
as ``settings.yaml.bak``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tui.core import validation
from tui.core.errors import PodbayError
from tui.core.problems import problems, summary
from tui.userdirs import PODBAY_DIRS

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


class Resources(BaseModel):
    """Default requests/limits for pods that do not set their own."""

    model_config = ConfigDict(extra="forbid")
    cpu_request: str = "100m"
    memory_request: str = "128Mi"
    cpu_limit: str | None = "2"
    memory_limit: str | None = "2Gi"

    @field_validator("cpu_request", "memory_request", "cpu_limit", "memory_limit")
    @classmethod
    def _quantity(cls, v: str | None) -> str | None:
        return None if v is None else validation.quantity(v)


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    enabled: bool = True
    namespace: str = "opencode-manager"
    kubeconfig: str | None = Field(default=None, description="path; None = default search")
    context: str | None = None
    in_cluster: bool = False
    extra_ca_file: str | None = Field(default=None, description="PEM added to the trust set")
    allow_host_path: bool = False
    host_path_prefixes: list[str] = Field(
        default_factory=list,
        description="host directories hostPath mounts may use (with allow_host_path)",
    )
    namespace_allow_list: list[str] = Field(default_factory=list)
    protect_selector: str = "app=opencode-manager"
    default_resources: Resources = Field(default_factory=Resources)
    default_ttl_seconds: int | None = Field(default=None, ge=1, le=7 * 24 * 3600)
    request_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="how long an API call may take (kubectl's --request-timeout); streams "
        "(watches, followed logs, terminals) use it to connect and then run without one",
    )

    @field_validator("namespace")
    @classmethod
    def _namespace(cls, v: str) -> str:
        if not DNS1123_LABEL.match(v):
            raise ValueError(
                f"{v!r} is not a valid namespace name (lower-case letters, digits and '-', "
                "at most 63, starting and ending with a letter or digit)"
            )
        return v

    @field_validator("namespace_allow_list")
    @classmethod
    def _allow_list(cls, v: list[str]) -> list[str]:
        for ns in v:
            cls._namespace(ns)
        return v

    @field_validator("host_path_prefixes")
    @classmethod
    def _prefixes(cls, v: list[str]) -> list[str]:
        for prefix in v:
            if not prefix.startswith("/"):
                raise ValueError(f"{prefix!r} is not an absolute path (start it with /)")
        return v

    def namespace_allowed(self, namespace: str) -> bool:
        return not self.namespace_allow_list or namespace in self.namespace_allow_list


ENV_OVERRIDES: dict[str, str] = {
    "PODBAY_NAMESPACE": "namespace",
    "PODBAY_KUBECONFIG": "kubeconfig",
    "PODBAY_CONTEXT": "context",
    "PODBAY_EXTRA_CA_FILE": "extra_ca_file",
    "PODBAY_REQUEST_TIMEOUT": "request_timeout_seconds",
    "NODE_EXTRA_CA_CERTS": "extra_ca_file",  # the spec's variable, honoured as-is
}


class SettingsError(PodbayError):
    """The settings file cannot be read or written, or holds invalid settings: the state
    of the server's file, not the request's fault (PUT /config answers 409)."""

    status = 409


def settings_path() -> Path:
    """``$PODBAY_CONFIG`` or ``~/.config/podbay/settings.yaml`` (tui/userdirs.py)."""
    return Path(os.environ.get("PODBAY_CONFIG") or PODBAY_DIRS.user_config_path / "settings.yaml")


def _explain(exc: ValidationError, source: str) -> SettingsError:
    found = problems(exc, unknown="unknown setting", whole="(top level)")
    return SettingsError(
        f"{source} has invalid settings: {summary(found)}",
        f"fix {'these keys' if len(found) > 1 else 'this key'} in {source}; "
        "the file was left as it is",
    )


def load(path: Path | None = None) -> Settings:
    """Read the settings file (defaults when it does not exist); SettingsError if invalid."""
    path = path or settings_path()
    try:
        text = path.read_text()
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise SettingsError(f"cannot read {path}: {exc.strerror}", "check its permissions") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SettingsError(
            f"{path} is not valid YAML{where}", "fix the file; it was left as it is"
        ) from exc
    if data is None:
        return Settings()
    if not isinstance(data, dict):
        raise SettingsError(f"{path} must hold a mapping of settings", "fix the file")
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise _explain(exc, str(path)) from exc


def override_values(env: Mapping[str, str] | None = None, **cli: Any) -> dict[str, Any]:
    """The settings environment variables and CLI values set for this session (CLI wins;
    None means 'not given'). They are applied on top of the file and never saved."""
    env = os.environ if env is None else env
    changes: dict[str, Any] = {}
    for var, key in ENV_OVERRIDES.items():
        if env.get(var):
            changes.setdefault(key, env[var])
    changes.update({k: v for k, v in cli.items() if v is not None})
    return changes


def with_overrides(base: Settings, env: Mapping[str, str] | None = None, **cli: Any) -> Settings:
    """Apply environment variables, then CLI values (None means 'not given')."""
    changes = override_values(env, **cli)
    if not changes:
        return base
    try:
        return Settings.model_validate({**base.model_dump(), **changes})
    except ValidationError as exc:
        raise _explain(exc, "the command line or environment") from exc


def save(settings: Settings, path: Path | None = None) -> Path:
    """Validate, then write atomically; the previous file is kept as ``<name>.bak``."""
    path = path or settings_path()
    Settings.model_validate(settings.model_dump())  # never write what we could not read back
    text = yaml.safe_dump(settings.model_dump(mode="json"), sort_keys=False)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            backup = path.with_name(path.name + ".bak")
            backup.write_bytes(path.read_bytes())
        tmp.replace(path)
    except OSError as exc:
        raise SettingsError(
            f"cannot write the settings file {path}: {exc.strerror}",
            "check the permissions of the file and its directory, or set PODBAY_CONFIG",
        ) from exc
    return path
