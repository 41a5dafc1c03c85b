"""Domain models as frozen dataclasses."""

from pochub.core.models.actors import Actor, ActorCategory
from pochub.core.models.events import DatePrecision, Event, GeoPrecision, SourceGrade
from pochub.core.models.places import AdminArea, Community
from pochub.core.models.taxonomy import EventCategory, ThreatType

__all__ = [
    "Actor",
    "ActorCategory",
    "AdminArea",
    "Community",
    "DatePrecision",
    "Event",
    "EventCategory",
    "GeoPrecision",
    "SourceGrade",
    "ThreatType",
]
