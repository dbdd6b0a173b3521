"""From sources to suggestions: group by subproject and runtime, pick the strongest
source, resolve it, check it against every other source.

* **Subprojects.** Every directory holding a version file or manifest speaks for itself
  (mise's config directories and the wrapper directories speak for the directory above).
  A directory holding only a Dockerfile belongs to the nearest subproject above it when
  its name says it is a helper (``docker/``, ``deploy/``, …), else it is its own.
* **Inheritance.** Pins (and enforced versions) of directories above a subproject apply
  to it, as nvm, pyenv, rustup and mise search upwards: a root ``.nvmrc`` pins the node of
  ``packages/web`` whose ``package.json`` only has ``engines``. The subproject's own pins
  come first.
* **Ranking** (reference §0.2): enforced > pin > the Dockerfile's build image > floor or
  range > a manifest naming no version; then own before inherited, exact before partial
  before alias before ranges, then mise's file order.
* **Checks.** The chosen version is checked against every other source: agreeing and
  disagreeing sources are listed; a floor or range it violates, or another pin naming a
  different version, is a conflict with both reasons (the other pin is also offered, after
  the primary suggestions).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass

from tui.core.imagesuggest.catalog import Catalog, Entry, Nums, catalog
from tui.core.imagesuggest.readers import HELPER_DIRS
from tui.core.imagesuggest.report import Conflict, Suggestion
from tui.core.imagesuggest.sources import Source, Strength, short
from tui.core.imagesuggest.tags import RUNTIMES, parse_ref, tag_for, version_text
from tui.core.imagesuggest.versions import (
    BadVersion,
    Request,
    Resolution,
    Unpinned,
    allows,
    pad,
    parse_request,
    resolve,
    show,
)

STRENGTH_NAMES = {
    Strength.ENFORCED: "enforced",
    Strength.PIN: "pin",
    Strength.IMAGE: "image",
    Strength.FLOOR: "floor",
    Strength.DEFAULT: "default",
}
BUILD_TOOLS = ("maven", "gradle")


@dataclass(frozen=True)
class Candidate:
    source: Source
    request: Request
    own: bool  # read in the subproject itself (not inherited from a directory above)

    def key(self) -> tuple[int, int, int, int]:
        s = self.source
        return (int(s.strength), int(self.own), self.request.exactness, s.precedence)


@dataclass
class Choice:
    """The outcome for one subproject and runtime."""

    suggestions: list[Suggestion]
    conflicts: list[Conflict]
    warnings: list[str]
    java_feature: int | None = None


def display_dir(directory: str) -> str:
    return directory or "."


def group_sources(owned: Iterable[tuple[str, Source]]) -> dict[str, list[Source]]:
    """Sources by the subproject directory they speak for ('' is the root)."""
    owned = list(owned)
    dirs = {d for d, s in owned if s.grammar != "image"} | {""}
    groups: dict[str, list[Source]] = {}
    for directory, source in owned:
        target = directory
        helper = posixpath.basename(directory) in HELPER_DIRS
        if source.grammar == "image" and directory not in dirs and helper:
            while target not in dirs:
                target = posixpath.dirname(target)
        groups.setdefault(target, []).append(source)
    return groups


def ancestors(directory: str, groups: dict[str, list[Source]]) -> list[str]:
    """Group directories above ``directory``, nearest first."""
    out = []
    d = directory
    while d:
        d = posixpath.dirname(d)
        if d in groups:
            out.append(d)
    return out


def choose_all(owned: Iterable[tuple[str, Source]]) -> Choice:
    groups = group_sources(owned)
    result = Choice([], [], [])
    java_of: dict[str, int] = {}
    for directory in sorted(groups, key=lambda d: (d.count("/") if d else -1, d)):
        runtimes = sorted({s.runtime for s in groups[directory]}, key=_runtime_order)
        for runtime in runtimes:
            own = [s for s in groups[directory] if s.runtime == runtime]
            inherited = [
                s
                for up in ancestors(directory, groups)
                for s in groups[up]
                if s.runtime == runtime and s.strength >= Strength.PIN
            ]
            jdk = None
            if runtime in BUILD_TOOLS:
                places = [directory, *ancestors(directory, groups)]
                jdk = next((java_of[d] for d in places if d in java_of), None)
            choice = choose(runtime, directory, own, inherited, jdk=jdk)
            result.suggestions += choice.suggestions
            result.conflicts += choice.conflicts
            result.warnings += choice.warnings
            if choice.java_feature is not None:
                java_of[directory] = choice.java_feature
    return result


def _runtime_order(runtime: str) -> tuple[int, str]:
    # Java before its build tools (their tags need the JDK); Dockerfile-only images last
    return (2 if runtime.startswith("image:") else 1 if runtime in BUILD_TOOLS else 0, runtime)


def _where(s: Source) -> str:
    return f"{s.file}:{s.line}"


def candidates(
    runtime: str, sources: list[Source], own: bool, warnings: list[str]
) -> list[Candidate]:
    out = []
    for s in sources:
        if s.grammar == "image" and s.digest:  # pinned by digest, whatever the tag says
            out.append(Candidate(s, Request("exact", s.spec or "digest"), own))
            continue
        try:
            req = parse_request(runtime, s.spec, s.grammar)
        except Unpinned as exc:
            warnings.append(f"{_where(s)}: {exc}; pin an exact version")
            continue
        except BadVersion as exc:
            warnings.append(f"{_where(s)}: {exc}; ignored")
            continue
        out.append(Candidate(s, req, own))
    return out


def choose(
    runtime: str,
    directory: str,
    own_sources: list[Source],
    inherited: list[Source],
    *,
    jdk: int | None = None,
) -> Choice:
    out = Choice([], [], [])
    if runtime.startswith("image:"):
        return _other_image(runtime, directory, own_sources)
    cands = candidates(runtime, own_sources, True, out.warnings)
    if not cands:
        return out
    cands += candidates(runtime, inherited, False, out.warnings)
    cands.sort(key=Candidate.key, reverse=True)
    if cands[0].source.strength > Strength.DEFAULT:
        cands = [c for c in cands if c.source.strength > Strength.DEFAULT]
    rt = RUNTIMES[runtime]
    cat = catalog(rt.image)
    for winner in cands:
        refined = _refinement(winner, cands, cat)
        made = _suggest(runtime, directory, refined or winner, cands, jdk, out)
        if made is not None:
            break
    else:
        return out
    suggestion, resolution = made
    if refined is not None:  # e.g. .nvmrc "20" made exact by the Dockerfile's node:20.11.0
        suggestion.reasons = [winner.source, refined.source]
        suggestion.strength = STRENGTH_NAMES[Strength(winner.source.strength)]
        suggestion.requirements = (winner.request, *suggestion.requirements)
    if runtime == "java":
        out.java_feature = resolution.nums[0]
    nums = resolution.nums
    # agreement, conflicts, and the other pins' own suggestions
    offered = {suggestion.image}
    for c in cands:
        if c is winner or c is refined:
            continue
        ok = c.source.grammar == "image" and c.source.digest is not None
        ok = ok or allows(c.request, nums, cat)
        (suggestion.agreeing if ok else suggestion.disagreeing).append(c.source)
        if ok:
            continue
        version = version_text(runtime, nums, resolution.entry)
        w = winner.source
        if c.source.strength <= Strength.FLOOR:
            out.conflicts.append(
                Conflict(
                    runtime,
                    display_dir(directory),
                    f"{runtime} {version} ({w.text}, {_where(w)}) does not satisfy "
                    f"{c.source.text} ({_where(c.source)})",
                    [w, c.source],
                )
            )
        elif c.source.strength == Strength.IMAGE:
            suggestion.warnings.append(
                f"the Dockerfile uses {c.source.image} ({_where(c.source)}), another version"
            )
        else:
            out.conflicts.append(
                Conflict(
                    runtime,
                    display_dir(directory),
                    f"{w.text} ({_where(w)}) and {c.source.text} ({_where(c.source)}) name "
                    f"different {runtime} versions; {version} is suggested first",
                    [w, c.source],
                )
            )
            alt = _suggest(runtime, directory, c, [], jdk, Choice([], [], []))
            if alt is not None and alt[0].image not in offered:
                alt[0].primary = False
                alt[0].disagreeing.append(w)
                offered.add(alt[0].image)
                out.suggestions.append(alt[0])
    out.suggestions.insert(0, suggestion)
    return out


def _refinement(winner: Candidate, cands: list[Candidate], cat: Catalog | None) -> Candidate | None:
    """An exact version another source names inside what ``winner`` asks for (and every
    floor allows): the more exact value wins inside the winner's request."""
    if winner.request.kind == "exact" or winner.source.strength == Strength.DEFAULT:
        return None
    floors = [c.request for c in cands if c.source.strength == Strength.FLOOR]
    for c in cands:
        if c is winner or c.request.kind != "exact" or c.source.strength < Strength.IMAGE:
            continue
        if c.source.digest:
            continue
        nums = pad(c.request.nums)
        if allows(winner.request, nums, cat) and all(allows(f, nums, cat) for f in floors):
            return c
    return None


def _suggest(
    runtime: str,
    directory: str,
    winner: Candidate,
    cands: list[Candidate],
    jdk: int | None,
    out: Choice,
) -> tuple[Suggestion, Resolution] | None:
    """The suggestion ``winner`` makes (None, with a warning, when it cannot be resolved)."""
    rt = RUNTIMES[runtime]
    s, req = winner.source, winner.request
    cat = catalog(rt.image)
    if s.grammar == "image" and s.digest and s.image:  # the project's image, as pinned
        nums = _nums_of(req) or (0, 0, 0)
        sug = Suggestion(s.image, runtime, s.spec or "", True, [s], display_dir(directory), "image")
        sug.warnings += list(s.notes)
        return sug, Resolution(nums, None, True, "exact")
    constraints = tuple(
        c.request
        for c in cands
        if c is not winner and c.source.strength == Strength.FLOOR and c.own
    )
    try:
        if runtime in BUILD_TOOLS and req.kind != "exact" and jdk is not None:
            resolution = _build_tool_version(rt.image, req, jdk)
        elif s.strength <= Strength.FLOOR and constraints:
            try:
                resolution = resolve(rt.image, req, constraints)
            except BadVersion:
                resolution = resolve(rt.image, req)
        else:
            resolution = resolve(rt.image, req)
    except BadVersion as exc:
        out.warnings.append(f"{_where(s)}: {short(s.text, 60)}: {exc}")
        return None
    hint = s.variant
    if hint is None:
        hint = next(
            (
                c.source.variant
                for c in cands
                if c.source.grammar == "image" and c.source.variant and c.own
            ),
            None,
        )
    try:
        tag, tag_warnings = tag_for(
            runtime, resolution.nums, resolution.entry, hint=hint, build=req.build, jdk=jdk
        )
    except LookupError as exc:
        out.warnings.append(
            f"{display_dir(directory)}: {exc}: eclipse-temurin with the project's wrapper "
            f"(./mvnw, ./gradlew) is the fallback"
        )
        return None
    if (
        s.grammar == "image"
        and resolution.exact
        and s.image
        and (ref := parse_ref(s.image)) is not None
    ):
        tag, tag_warnings = ref.tag, []  # an exact tag the project wrote stays as written
    version = version_text(runtime, resolution.nums, resolution.entry)
    sug = Suggestion(
        f"{rt.image}:{tag}",
        runtime,
        version,
        resolution.exact,
        [s],
        display_dir(directory),
        STRENGTH_NAMES[Strength(s.strength)],
        "" if resolution.exact else req.text,
    )
    sug.warnings += list(s.notes)
    floors = [c.request for c in cands if c is not winner and c.source.strength == Strength.FLOOR]
    sug.requirements = (req, *floors)
    if s.strength == Strength.DEFAULT:
        sug.warnings.append(
            f"no file names a {runtime} version; this is the newest "
            f"{'LTS ' if req.kind == 'alias' else ''}release: pin one"
        )
    elif not resolution.exact:
        sug.warnings.append(
            f"derived from {short(s.text, 60)} ({_where(s)}): pin an exact version, e.g. {version}"
        )
    sug.warnings += tag_warnings
    if rt.eol_warning and cat is not None:
        line = resolution.nums[: rt.line]
        entry = resolution.entry
        if not cat.maintained_line(line) and (entry is None or not entry.maintained):
            sug.warnings.append(
                f"{runtime} {show(line)} is no longer maintained upstream (its image is not "
                "rebuilt with fixes)"
            )
    return sug, resolution


def _nums_of(req: Request) -> Nums | None:
    return pad(req.nums) if req.nums else None


def _build_tool_version(image: str, req: Request, jdk: int) -> Resolution:
    """The newest maven/gradle release matching ``req`` that is published with ``jdk``."""
    cat = catalog(image)
    if cat is None:
        raise BadVersion(f"no data for {image}")
    markers = (
        (f"-eclipse-temurin-{jdk}",) if image == "maven" else (f"-jdk{jdk}", f"-jdk{jdk}-noble")
    )

    def ok(e: Entry) -> bool:
        return allows(req, e.nums, cat) and any(m in e.variants for m in markers)

    entry = cat.newest(ok)
    if entry is None:
        raise BadVersion(f"no {image} image matching {short(req.text)} is published with JDK {jdk}")
    return Resolution(entry.nums, entry, False, req.kind)


def _other_image(runtime: str, directory: str, sources: list[Source]) -> Choice:
    """A Dockerfile image podbay has no version data for (postgres, ubuntu, a private
    registry's image): offered as written when its tag looks pinned."""
    out = Choice([], [], [])
    for s in sources:
        ref = parse_ref(s.image or "")
        if ref is None:
            continue
        pinned = bool(ref.digest) or _pinned_tag(ref.tag)
        if not pinned:
            out.warnings.append(
                f"{_where(s)}: {short(str(ref), 60)} has no pinned version; "
                "pin an exact tag or a digest"
            )
            continue
        exact = bool(ref.digest) or ref.tag.split("-", 1)[0].count(".") >= 2
        sug = Suggestion(
            str(ref),
            runtime.removeprefix("image:").rsplit("/", 1)[-1],
            ref.tag,
            exact,
            [s],
            display_dir(directory),
            "image",
        )
        if not exact:
            sug.warnings.append(f"{short(ref.tag)} may move to a newer build; a digest pins it")
        out.suggestions.append(sug)
        break
    return out


def _pinned_tag(tag: str) -> bool:
    """A tag that names a version more precise than a major: ``15.4``, ``22.04``,
    ``1.2.3-alpine`` (not ``latest``, ``15``, ``alpine``)."""
    head = tag.split("-", 1)[0]
    parts = head.split(".")
    return len(parts) >= 2 and all(p.isdigit() for p in parts[:2])
