"""Actors: perpetrators, targets and protection actors, with ACLED's inter codes as categories."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ActorCategory(IntEnum):
    """ACLED actor type ("inter") codes; newer exports spell them as text labels."""

    UNKNOWN = 0
    STATE_FORCES = 1
    REBEL_GROUP = 2
    POLITICAL_MILITIA = 3
    IDENTITY_MILITIA = 4
    RIOTERS = 5
    PROTESTERS = 6
    CIVILIANS = 7
    EXTERNAL_OTHER_FORCES = 8

    @classmethod
    def labels(cls) -> dict[str, ActorCategory]:
        """Text labels used by newer ACLED exports (lower case) mapped to the category."""
        return {
            "state forces": cls.STATE_FORCES,
            "rebel group": cls.REBEL_GROUP,
            "rebel groups": cls.REBEL_GROUP,
            "political militia": cls.POLITICAL_MILITIA,
            "political militias": cls.POLITICAL_MILITIA,
            "identity militia": cls.IDENTITY_MILITIA,
            "identity militias": cls.IDENTITY_MILITIA,
            "rioters": cls.RIOTERS,
            "protesters": cls.PROTESTERS,
            "civilians": cls.CIVILIANS,
            "external/other forces": cls.EXTERNAL_OTHER_FORCES,
            "external/other force": cls.EXTERNAL_OTHER_FORCES,
            "": cls.UNKNOWN,
        }


@dataclass(frozen=True)
class Actor:
    """A named actor and its category."""

    name: str
    category: ActorCategory = ActorCategory.UNKNOWN
