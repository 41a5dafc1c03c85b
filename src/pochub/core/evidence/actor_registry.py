"""One registry of actors across sources: which source names (ACLED, UCDP, HXL, the mission's own files) are one
actor, decided from the names alone plus the analyst's aliases.

Rules, each a relation between two names (the registry is their transitive closure, so it does not depend on the
order names arrive in, and matching the registry's own names again changes nothing):

- **Same name once normalised**: case, accents, punctuation and spacing are ignored, and so are ACLED's regime
  periods in parentheses, "(2019-)" or "(2001-2019)": "Military Forces of the Democratic Republic of Congo (2019-)"
  and "(2001-2019)" are one army. Other parentheses are kept, so "Unidentified Armed Group (Sudan)" and
  "Unidentified Armed Group (South Sudan)" stay two actors, and so do two countries' militaries, a "Former" or
  "Mutiny of" military and its army, or an army's named unit.
- **Acronym and full name**: ACLED's "CPC: Coalition of Patriots for Change" is the bare "CPC" (UCDP's spelling)
  and the bare "Coalition of Patriots for Change". A bare acronym that stands for two different full names (the
  CAR's "UPC: Unity for Peace in Central Africa" and the DRC's "UPC: Union of Congolese Patriots") is ambiguous: it
  joins neither and is listed as such, for the analyst to alias.
- **The analyst's aliases**: (source name, registry actor) pairs; the actor's name, when given, names the group.

A field that names several actors (ACLED's ``assoc_actor_1`` "A; B") is split on semicolons; UCDP's dyad name
"A - B" gives its two sides when the side columns are empty.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_REGIME_PERIOD = re.compile(r"\(\s*(?:\d{4})?\s*[-\u2013]\s*(?:\d{4})?\s*\)")
_WORD = re.compile(r"[a-z0-9]+")
_ACRONYM_FORM = re.compile(r"^\s*(?P<acronym>[^:]{1,40}?)\s*:\s*(?P<full>\S.*)$")
_CAPITALS = re.compile(r"[A-Z]{2}")


@functools.lru_cache(maxsize=65536)
def normalise(name: str) -> str:
    """The comparison form of a name: accents, case, punctuation, spacing and regime periods removed."""
    folded = unicodedata.normalize("NFKD", _REGIME_PERIOD.sub(" ", name))
    plain = "".join(c for c in folded if not unicodedata.combining(c)).casefold()
    return " ".join(_WORD.findall(plain))


def split_names(field: str | None) -> tuple[str, ...]:
    """The actor names in a source field: ACLED's associated actors are separated by semicolons."""
    if not field:
        return ()
    return tuple(part.strip() for part in field.split(";") if part.strip())


def dyad_sides(dyad_name: str) -> tuple[str, str] | None:
    """UCDP's two sides from its dyad name "Government of Sudan - SLM/A" (None when it is not two sides)."""
    parts = [p.strip() for p in dyad_name.split(" - ")]
    return (parts[0], " - ".join(parts[1:])) if len(parts) >= 2 and parts[0] and parts[1] else None


def acronym_form(name: str) -> tuple[str, str] | None:
    """(acronym, full name) of ACLED's "ACRONYM: Full name" spelling, else None."""
    match = _ACRONYM_FORM.match(name)
    if match is None:
        return None
    acronym, full = match.group("acronym"), match.group("full")
    if len(acronym.split()) > 4 or not _CAPITALS.search(acronym) or not normalise(full):
        return None
    return acronym, full


@dataclass(frozen=True)
class RegistryActor:
    """One actor of the registry with every source name behind it."""

    name: str
    source_names: tuple[str, ...]


@dataclass(frozen=True)
class ActorRegistry:
    """Source names matched to registry actors."""

    actors: tuple[RegistryActor, ...]
    ambiguous_acronyms: tuple[str, ...] = ()

    def mapping(self) -> dict[str, str]:
        """Each source name -> its registry actor's name."""
        return {source: actor.name for actor in self.actors for source in actor.source_names}

    def actor_of(self, name: str) -> str:
        """The registry actor of a source name (a name it never saw is its own actor)."""
        return self.mapping().get(name, name)


class _Groups:
    """Union-find over names."""

    def __init__(self, names: Iterable[str]) -> None:
        self.parent = {n: n for n in names}

    def find(self, name: str) -> str:
        root = name
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[name] != root:
            self.parent[name], name = root, self.parent[name]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _full_name_key(full: str) -> str:
    """Full names compared as word sets: "Liberation Army/Movement" is "Liberation Movement/Army"."""
    return " ".join(sorted(set(normalise(full).split())))


def _link_by_name(groups: _Groups, names: Iterable[str]) -> None:
    by_key: dict[str, list[str]] = defaultdict(list)
    for name in names:
        if normalise(name):
            by_key[normalise(name)].append(name)
    for members in by_key.values():
        for other in members[1:]:
            groups.union(members[0], other)


def _link_by_acronym(groups: _Groups, names: Iterable[str]) -> tuple[str, ...]:
    """Join "ACR: Full" forms with the bare "ACR" and the bare "Full"; returns the ambiguous acronyms."""
    names = sorted(names)
    by_acronym: dict[str, list[tuple[str, str]]] = defaultdict(list)
    by_full: dict[str, list[str]] = defaultdict(list)
    for name in names:
        form = acronym_form(name)
        if form is not None:
            by_acronym[normalise(form[0])].append((name, _full_name_key(form[1])))
            by_full[_full_name_key(form[1])].append(name)
    ambiguous = []
    for acronym, forms in by_acronym.items():
        if len({full for _, full in forms}) > 1:
            ambiguous.append(acronym)
            continue
        for name, _ in forms[1:]:
            groups.union(forms[0][0], name)
    bare_names = [name for name in names if acronym_form(name) is None]
    bare: dict[str, list[str]] = defaultdict(list)
    bare_full: dict[str, list[str]] = defaultdict(list)
    for name in bare_names:
        bare[normalise(name)].append(name)
        bare_full[_full_name_key(name)].append(name)
    for acronym, forms in by_acronym.items():
        if acronym not in ambiguous:
            for name in bare.get(acronym, []):
                groups.union(forms[0][0], name)
    for full, full_forms in by_full.items():
        for name in full_forms[1:] + bare_full.get(full, []):
            groups.union(full_forms[0], name)
    return tuple(sorted(ambiguous))


def _display_name(members: Iterable[str], targets: set[str]) -> str:
    """The group's name: the analyst's target if any, else the fullest source spelling, regime period removed."""
    chosen = (
        sorted(targets) if targets else sorted(members, key=lambda n: (acronym_form(n) is None, -len(n), n))
    )
    return " ".join(_REGIME_PERIOD.sub(" ", chosen[0]).split()) or chosen[0]


def build_registry(names: Iterable[str], aliases: Iterable[tuple[str, str]] = ()) -> ActorRegistry:
    """Match source names (and the analyst's (name, actor) aliases) into registry actors."""
    source_names = {n.strip() for n in names if n and n.strip()}
    alias_pairs = sorted({(n.strip(), a.strip()) for n, a in aliases if n.strip() and a.strip()})
    targets = {a for _, a in alias_pairs}
    final_targets = (targets - {n for n, _ in alias_pairs}) or targets  # "A -> B, B -> C": C names the group
    everything = source_names | targets | {n for n, _ in alias_pairs}
    groups = _Groups(everything)
    _link_by_name(groups, everything)
    ambiguous = _link_by_acronym(groups, everything)
    for name, actor in alias_pairs:
        groups.union(name, actor)
    members: dict[str, list[str]] = defaultdict(list)
    for name in everything:
        members[groups.find(name)].append(name)
    actors = []
    for group in members.values():
        behind = tuple(sorted(n for n in group if n in source_names))
        if not behind:
            continue
        named = {n for n in group if n in final_targets} or {n for n in group if n in targets}
        actors.append(RegistryActor(_display_name(group, named), behind))
    return ActorRegistry(tuple(sorted(actors, key=lambda a: (a.name.casefold(), a.name))), ambiguous)


def field_actor(field: str | None, mapping: Mapping[str, str]) -> str:
    """A source field ("A; B") as registry actors, in the field's order, each once."""
    seen: list[str] = []
    for name in split_names(field):
        actor = mapping.get(name, name)
        if actor not in seen:
            seen.append(actor)
    return "; ".join(seen)
