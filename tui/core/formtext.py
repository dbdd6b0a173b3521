"""The creation forms' one-line text fields, read into request values (and written back).

A person types ``npm test -- --watch=false`` and means an argument array; types
``NODE_ENV=test "GREETING=hello world"`` and means a mapping. Each reader raises ValueError
with a sentence naming the entry at fault; the forms show it under the field.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

_PORT = re.compile(
    r"^(?:(?P<name>[a-z0-9-]+)=)?(?P<port>\d+)(?::(?P<target>[A-Za-z0-9-]+))?(?:/(?P<proto>\w+))?$"
)


def split_words(text: str, what: str = "command") -> list[str]:
    """Split as a POSIX shell would (quotes, backslashes), without running one."""
    try:
        return shlex.split(text)
    except ValueError as exc:  # "No closing quotation", "No escaped character"
        raise ValueError(f"{what}: {str(exc).lower()}; close the quote or escape it") from exc


def join_words(words: list[str] | None) -> str:
    return shlex.join(words or [])


def pairs(text: str, what: str, *, commas: bool = False) -> dict[str, str]:
    """``KEY=VALUE`` entries separated by spaces (and commas when ``commas``: labels, whose
    values cannot hold one); quote an entry whose value has spaces."""
    out: dict[str, str] = {}
    for word in split_words(text.replace(",", " ") if commas else text, what):
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise ValueError(f"{what}: {word!r} is not KEY=VALUE")
        if key in out:
            raise ValueError(f"{what}: {key!r} is given twice")
        out[key] = value
    return out


def join_pairs(values: dict[str, str]) -> str:
    return " ".join(shlex.quote(f"{k}={v}") for k, v in values.items())


def ports(text: str) -> list[dict[str, Any]]:
    """``[name=]port[:targetPort][/PROTOCOL]`` entries, separated by commas or spaces:
    ``http=80:8080, metrics=9090:metrics/TCP``."""
    out: list[dict[str, Any]] = []
    for entry in text.replace(",", " ").split():
        m = _PORT.match(entry)
        if m is None:
            raise ValueError(
                f"ports: {entry!r} is not [name=]port[:targetPort][/TCP|UDP|SCTP], "
                "e.g. http=80:8080"
            )
        port: dict[str, Any] = {"port": int(m["port"])}
        if m["name"]:
            port["name"] = m["name"]
        if m["target"]:
            port["targetPort"] = int(m["target"]) if m["target"].isdigit() else m["target"]
        if m["proto"]:
            port["protocol"] = m["proto"].upper()
        out.append(port)
    return out


def join_ports(values: list[dict[str, Any]]) -> str:
    parts = []
    for p in values:
        text = f"{p['name']}=" if p.get("name") else ""
        text += str(p["port"])
        if p.get("targetPort") not in (None, p["port"]):
            text += f":{p['targetPort']}"
        if p.get("protocol") not in (None, "TCP"):
            text += f"/{p['protocol']}"
        parts.append(text)
    return ", ".join(parts)
