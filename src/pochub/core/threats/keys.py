"""A threat matrix row's key and how a person reads it.

A row is keyed ``P-code|threat type|perpetrator`` (:func:`threat_key`): joint teams, action points and forum agendas
keep that key to name the row they answer, and the key is never what a person reads. They read the row as forum
agendas name a top risk: ``<area name>: <threat label in their language> (<perpetrator>)``
(:func:`threat_row_text`), the area's name looked up from its P-code by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from pochub.core.models.taxonomy import threat_label
from pochub.core.text import N_, Message, Text

SEPARATOR = "|"


@dataclass(frozen=True)
class ThreatKey:
    """The parts of a threat matrix row's key."""

    area_pcode: str
    threat_type: str
    perpetrator: str


def threat_key(area_pcode: str, threat_type: str, perpetrator: str) -> str:
    """The key of the matrix row of ``threat_type`` by ``perpetrator`` in the area ``area_pcode``."""
    return SEPARATOR.join((area_pcode, threat_type, perpetrator))


def parse_threat_key(key: str) -> ThreatKey | None:
    """The parts of ``key``; None when it is not a row's key (no P-code, no threat type, or not three parts)."""
    parts = key.strip().split(SEPARATOR, 2)
    if len(parts) != 3 or not parts[0].strip() or not parts[1].strip():
        return None
    return ThreatKey(parts[0].strip(), parts[1].strip(), parts[2].strip())


def threat_row_text(area_name: str, threat_type: str, perpetrator: str) -> Message:
    """A matrix row as a person reads it: ``Besu: Killing (MPR)``, the threat's label translated at the edge and
    an unknown perpetrator said so."""
    return Message(
        N_("{area}: {threat} ({perpetrator})"),
        area=area_name,
        threat=Message(threat_label(threat_type)),
        perpetrator=perpetrator or Message(N_("unidentified")),
    )


def threat_key_text(key: str, area_names: dict[str, str]) -> Text:
    """``key`` as a person reads it (:func:`threat_row_text`), the area named from ``area_names`` (P-code to name;
    the P-code itself when unknown); text that is not a row's key (a reference typed by hand) as it is."""
    parsed = parse_threat_key(key)
    if parsed is None:
        return key.strip()
    return threat_row_text(
        area_names.get(parsed.area_pcode, parsed.area_pcode), parsed.threat_type, parsed.perpetrator
    )
