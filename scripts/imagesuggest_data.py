"""Derive podbay's compact image tag table from docker-library/official-images history.

    python scripts/imagesuggest_data.py [SOURCE.json] [OUT.json]

SOURCE (default ``../shared/data/docker-official-tags.json``) lists, per official image,
the tags listed at one commit (``current``: maintained, rebuilt) and every tag listed since
a date (``ever``: normally still pullable). OUT (default
``tui/core/imagesuggest/data/official-tags.json``, package data) keeps what the suggestion
engine needs: per image, each full version with the variants (tag suffixes) published for
it and whether it is still maintained; for node the LTS codenames and the active LTS line.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "docker-official-tags.json"
DEFAULT_OUT = ROOT / "tui" / "core" / "imagesuggest" / "data" / "official-tags.json"

# A full version and the variant after it. Pre-releases keep their marker in the version
# ("3.13.0rc1", "3.4.0-preview1", "1.17.0-rc.0") so it never reads as a variant.
GENERIC = re.compile(r"^(\d+\.\d+\.\d+(?:(?:a|b|rc)\d+|-(?:rc|preview)(?:[.-]?\d+)?)?)(-.+)?$")
# gradle names its releases X.Y or X.Y.Z
GRADLE = re.compile(r"^(\d+\.\d+(?:\.\d+)?(?:-rc-?\d+)?)(-.+)?$")
# eclipse-temurin: 21.0.2_13, 17_35 (GA), 8u402-b06
TEMURIN = re.compile(r"^(\d+\.\d+\.\d+_\d+|\d+_\d+|8u\d+-b\d+)(-.+)?$")
PATTERNS = {"gradle": GRADLE, "eclipse-temurin": TEMURIN}


def node_codenames(tags: set[str]) -> dict[str, int]:
    """Node's LTS codenames are alphabetical over the even majors from argon = 4, so each
    codename's major follows from its first letter; the names come from the tags."""
    words = {t.split("-")[0] for t in tags if re.match(r"^[a-z]+(-|$)", t)}
    skip = {"alpine", "slim", "latest", "current", "lts"}
    skip |= {w for w in words if re.match(r"^(alpine|bookworm|bullseye|buster|stretch|trixie)", w)}
    return {w: 4 + 2 * (ord(w[0]) - ord("a")) for w in sorted(words - skip)}


def derive(source: dict[str, object]) -> dict[str, object]:
    images: dict[str, object] = {}
    src_images = source["images"]
    assert isinstance(src_images, dict)
    for image, lists in sorted(src_images.items()):
        pattern = PATTERNS.get(image, GENERIC)
        current, ever = set(lists["current"]), set(lists["ever"]) | set(lists["current"])
        variants: dict[str, set[str]] = {}
        maintained: set[str] = set()
        for tag in ever:
            m = pattern.match(tag)
            if not m:
                continue
            version, variant = m.group(1), m.group(2) or ""
            variants.setdefault(version, set()).add(variant)
            if tag in current:
                maintained.add(version)
        names = sorted({v for vs in variants.values() for v in vs})
        index = {v: i for i, v in enumerate(names)}
        entry: dict[str, object] = {
            "variants": names,
            # version: [bit mask over "variants", 1 if still maintained]
            "versions": {
                v: [sum(1 << index[x] for x in vs), int(v in maintained)]
                for v, vs in sorted(variants.items())
            },
        }
        if image == "node":
            codes = node_codenames(ever)
            active = [t[4:] for t in current if re.match(r"^lts-[a-z]+$", t) and t[4:] in codes]
            entry["codenames"] = codes
            entry["lts"] = active[0] if active else None
        images[image] = entry
    return {
        "source": source.get("source"),
        "head_commit": source.get("head_commit"),
        "history_since": source.get("history_since"),
        "generated_by": "scripts/imagesuggest_data.py",
        "images": images,
    }


def main(argv: list[str]) -> int:
    src = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    out = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT
    data = derive(json.loads(src.read_text()))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n")
    sizes = {k: len(v["versions"]) for k, v in data["images"].items()}  # type: ignore[index,union-attr]
    print(f"{out}: {out.stat().st_size} bytes; versions per image: {sizes}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
