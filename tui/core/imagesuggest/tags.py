"""Which image serves each runtime, and each image's own tag shape.

Shapes differ per image (reference §7): ``node:20.11.0-bookworm-slim`` (distro before
``-slim``) but ``python:3.12.1-slim-bookworm``; ``golang:1.22.3-bookworm`` (no slim);
``eclipse-temurin:21.0.2_13-jdk-noble`` (build number after ``_``; Java 8 ``8u402-b06``);
``maven:3.9.6-eclipse-temurin-21``; ``gradle:8.5-jdk21``. Without a hint the variant is
Debian bookworm, slim where the image has slim (glibc: alpine breaks native modules); a
variant the project's Dockerfile uses for the same image wins when it is published for the
chosen version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tui.core.imagesuggest.catalog import Entry, Nums, catalog
from tui.core.imagesuggest.versions import show


@dataclass(frozen=True)
class Runtime:
    name: str  # node, python, go, …
    image: str  # the image repository ("golang", "denoland/deno")
    variants: tuple[str, ...]  # default variants, most preferred first
    line: int  # version components that make a release line (node 20: 1; python 3.12: 2)
    eol_warning: bool  # warn when the line is no longer maintained upstream


DEBIAN_SLIM_AFTER = ("-slim-bookworm", "-slim-trixie", "-slim-bullseye", "-slim", "-bookworm", "")
RUNTIMES: dict[str, Runtime] = {
    r.name: r
    for r in (
        Runtime(
            "node",
            "node",
            ("-bookworm-slim", "-trixie-slim", "-bullseye-slim", "-slim", "-bookworm", ""),
            1,
            True,
        ),
        Runtime("python", "python", DEBIAN_SLIM_AFTER, 2, True),
        Runtime("ruby", "ruby", DEBIAN_SLIM_AFTER, 2, True),
        Runtime("rust", "rust", DEBIAN_SLIM_AFTER, 2, False),  # only the newest is maintained
        Runtime("go", "golang", ("-bookworm", "-trixie", "-bullseye", ""), 2, True),
        Runtime(
            "java", "eclipse-temurin", ("-jdk-noble", "-jdk-jammy", "-jdk-focal", "-jdk"), 1, True
        ),
        Runtime("elixir", "elixir", ("-slim", ""), 2, True),
        Runtime("maven", "maven", ("",), 2, False),
        Runtime("gradle", "gradle", ("",), 1, False),
        Runtime("terraform", "hashicorp/terraform", ("",), 2, False),
        Runtime("deno", "denoland/deno", ("",), 1, False),
        Runtime("bun", "oven/bun", ("",), 1, False),
    )
}
#: image repository → runtime, for Dockerfile FROM lines and node images
IMAGE_RUNTIME = {r.image: r.name for r in RUNTIMES.values()}
#: tool names in .tool-versions / mise.toml → runtime
TOOL_RUNTIME = {
    "node": "node",
    "nodejs": "node",
    "python": "python",
    "ruby": "ruby",
    "go": "go",
    "golang": "go",
    "rust": "rust",
    "java": "java",
    "elixir": "elixir",
    "maven": "maven",
    "gradle": "gradle",
    "terraform": "terraform",
    "deno": "deno",
    "bun": "bun",
}


def version_text(runtime: str, nums: Nums, entry: Entry | None) -> str:
    """The version as people write it: ``20.11.0``, ``21.0.2``, ``8u402``, ``8.5``."""
    if runtime == "java" and nums[0] == 8:
        return f"8u{nums[2]}"
    if runtime == "gradle" and entry is not None:
        return entry.key
    return show(nums)


def _key(runtime: str, nums: Nums, entry: Entry | None, build: int | None) -> str:
    if entry is not None:
        return entry.key
    if runtime == "java":
        if nums[0] == 8:
            return f"8u{nums[2]}" + (f"-b{build:02d}" if build is not None else "")
        return show(nums) + (f"_{build}" if build is not None else "")
    return show(nums)


def tag_for(
    runtime: str,
    nums: Nums,
    entry: Entry | None,
    *,
    hint: str | None = None,
    build: int | None = None,
    jdk: int | None = None,
) -> tuple[str, list[str]]:
    """The tag for a resolved version and the warnings about it. ``hint`` is a variant the
    project uses (``-alpine``); ``jdk`` the Java feature release for maven/gradle tags."""
    rt = RUNTIMES[runtime]
    key = _key(runtime, nums, entry, build)
    warnings: list[str] = []
    if runtime in ("maven", "gradle"):
        return _build_tool_tag(runtime, key, entry, jdk, hint)
    if runtime == "deno" and hint and hint.endswith("-"):  # denoland/deno:alpine-2.1.4
        return hint + key, warnings
    if runtime == "bun" and hint:  # oven/bun:1.1.38-alpine
        return key + hint, warnings
    if runtime in ("terraform", "deno", "bun"):
        return key, warnings
    preferred = list(rt.variants)
    if hint is not None:
        family = _family(hint)
        preferred = [hint, *([family] if family != hint else []), *preferred]
    if entry is None:
        variant = hint if hint is not None else rt.variants[0]
        warnings.append(
            f"{rt.image}:{key}{variant} is not in podbay's tag list (official-images data): "
            "check that the tag exists"
        )
        return key + variant, warnings
    for variant in preferred:
        if variant in entry.variants:
            if hint is not None and variant != hint:
                warnings.append(
                    f"the project's variant {hint!r} is not published for {rt.image} {key}; "
                    f"using {variant or 'the default'!r}"
                )
            return key + variant, warnings
    variant = min(entry.variants, key=len) if entry.variants else ""
    return key + variant, warnings


def _family(variant: str) -> str:
    """``-alpine3.19`` → ``-alpine``; ``-jdk-alpine-3.21`` → ``-jdk-alpine``."""
    return re.sub(r"-?\d+(\.\d+)*$", "", variant) if "alpine" in variant else variant


def _build_tool_tag(
    runtime: str, key: str, entry: Entry | None, jdk: int | None, hint: str | None
) -> tuple[str, list[str]]:
    if jdk is None:
        return key, ["no Java level found: the JDK is the image's default; pin one"]
    if runtime == "maven":
        wanted = [f"-eclipse-temurin-{jdk}-noble", f"-eclipse-temurin-{jdk}"]
    else:
        wanted = [f"-jdk{jdk}-noble", f"-jdk{jdk}-jammy", f"-jdk{jdk}"]
    if hint:
        wanted.insert(0, hint)
    if entry is None:
        return key + wanted[-1], [
            f"{runtime}:{key}{wanted[-1]} is not in podbay's tag list: check that it exists"
        ]
    for variant in wanted:
        if variant in entry.variants:
            return key + variant, []
    raise LookupError(f"{runtime} {key} is not published with JDK {jdk}")


# ---- image references --------------------------------------------------------------------
_DOCKER_HUB = (
    "docker.io/library/",
    "index.docker.io/library/",
    "registry-1.docker.io/library/",
    "registry.hub.docker.com/library/",
    "docker.io/",
    "index.docker.io/",
)


@dataclass(frozen=True)
class ImageRef:
    repository: str  # "node", "gcr.io/distroless/base", "podbay.local/node"
    tag: str  # "" when absent
    digest: str  # "" or "sha256:…"

    def __str__(self) -> str:
        return (
            self.repository
            + (f":{self.tag}" if self.tag else "")
            + (f"@{self.digest}" if self.digest else "")
        )


def parse_ref(ref: str) -> ImageRef | None:
    """An image reference with Docker Hub's official-image spellings normalised
    (``docker.io/library/node`` → ``node``); None when it is not a reference."""
    ref = ref.strip()
    if not ref or any(c.isspace() for c in ref):
        return None
    name, _, digest = ref.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = ""
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    low = name.lower()
    for prefix in _DOCKER_HUB:
        if low.startswith(prefix):
            name = name[len(prefix) :]
            break
    name = name.removeprefix("library/")
    if not re.fullmatch(r"[a-z0-9][a-z0-9._/:-]*", name):
        return None
    return ImageRef(name, tag, digest)


def same_image(a: str, b: str) -> bool:
    ra, rb = parse_ref(a), parse_ref(b)
    return ra is not None and ra == rb


def known_tags(runtime: str) -> bool:
    return catalog(RUNTIMES[runtime].image) is not None
