"""Kubernetes name and value rules, as reusable pydantic-friendly validators.

Each returns the value or raises ValueError with a sentence a person can act on.
"""

from __future__ import annotations

import re

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL = re.compile(rf"^{_LABEL}$")
DNS1123_SUBDOMAIN = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
PORT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
WILDCARD_HOST = re.compile(rf"^(\*\.)?{_LABEL}(\.{_LABEL})*$")
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$")
# The reference grammar of the container image spec (distribution/reference), simplified:
# [registry[:port]/]path[:tag][@digest].
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
IMAGE_REF = re.compile(
    rf"^(?:(?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?/)?"
    rf"{_COMPONENT}(?:/{_COMPONENT})*"
    r"(?::[\w][\w.-]{0,127})?"
    r"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$"
)


def dns_label(value: str, what: str = "name") -> str:
    if len(value) > 63 or not DNS1123_LABEL.match(value):
        raise ValueError(
            f"{value!r} is not a valid {what}: use at most 63 lower-case letters, digits and "
            "'-', starting and ending with a letter or digit"
        )
    return value


def dns_subdomain(value: str, what: str = "name") -> str:
    if len(value) > 253 or not DNS1123_SUBDOMAIN.match(value):
        raise ValueError(
            f"{value!r} is not a valid {what}: use lower-case letters, digits, '-' and '.', "
            "starting and ending with a letter or digit (at most 253)"
        )
    return value


def service_name(value: str) -> str:
    if len(value) > 63 or not DNS1035_LABEL.match(value):
        raise ValueError(
            f"{value!r} is not a valid service name: at most 63 lower-case letters, digits and "
            "'-', starting with a letter and ending with a letter or digit"
        )
    return value


def label_key(key: str) -> str:
    prefix, _, name = key.rpartition("/")
    if prefix:
        dns_subdomain(prefix, "label key prefix")
    if not name or len(name) > 63 or not _QUALIFIED_NAME.match(name):
        raise ValueError(
            f"{key!r} is not a valid label key: an optional DNS prefix and '/', then at most 63 "
            "letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
        )
    return key


def label_value(value: str) -> str:
    if value and (len(value) > 63 or not _QUALIFIED_NAME.match(value)):
        raise ValueError(
            f"{value!r} is not a valid label value: at most 63 letters, digits, '-', '_' or "
            "'.', starting and ending with a letter or digit (or empty)"
        )
    return value


def labels(values: dict[str, str]) -> dict[str, str]:
    for k, v in values.items():
        label_key(k)
        label_value(v)
    return values


def env_name(value: str) -> str:
    if not ENV_NAME.match(value):
        raise ValueError(
            f"{value!r} is not a valid environment variable name: letters, digits, '_', '-' "
            "and '.', not starting with a digit"
        )
    return value


def image_ref(value: str) -> str:
    if not value or len(value) > 4096 or not IMAGE_REF.match(value):
        raise ValueError(
            f"{value!r} is not a valid image reference: e.g. node:20-alpine, "
            "registry.example.com:5000/team/app:1.2, or name@sha256:<digest>"
        )
    return value


def quantity(value: str) -> str:
    """A CPU or memory amount as Kubernetes writes it (no exponent forms)."""
    if not QUANTITY.match(value):
        raise ValueError(f"{value!r} is not a Kubernetes quantity (e.g. 500m, 1, 256Mi, 2Gi)")
    return value


def port_number(value: int) -> int:
    if not 1 <= value <= 65535:
        raise ValueError(f"port {value} is out of range: use 1-65535")
    return value


def absolute_path(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError(f"{value!r} must be an absolute path (starting with '/')")
    return value


def target_port(value: int | str) -> int | str:
    """A Service's targetPort: a number, or the name of a container port ("8080" as a
    string is taken as the number)."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return port_number(value) if isinstance(value, int) else port_name(value)


def port_name(value: str) -> str:
    if len(value) > 15 or not PORT_NAME.match(value) or not re.search("[a-z]", value):
        raise ValueError(
            f"{value!r} is not a valid port name: at most 15 lower-case letters, digits and "
            "'-', with at least one letter"
        )
    return value


def host_name(value: str) -> str:
    if len(value) > 253 or not WILDCARD_HOST.match(value):
        raise ValueError(
            f"{value!r} is not a valid host: a DNS name such as app.example.com, optionally "
            "starting with '*.'; no IP addresses, ports or schemes"
        )
    return value
