"""A structured SMS from a staff number made into the report intake stores (issue 18, item 4).

The words are read by :mod:`pochub.core.warning.staff_sms`; here the place word is looked up among the stored
admin areas (a P-code, in any case) and communities (an id, exact or in any case), and the report gets the
place, threat type and urgency, so that the alert is classified and routed by the coordination structure as any
other. A message whose fields cannot all be read (or whose place is not stored) keeps the report as it came: an
ordinary, unclassified alert holding the whole SMS, for the desk to classify; nothing is lost.

Only intake calls this, and only for a sender whose number is registered as a staff number: a community's
message is never read as structured, whatever its first word.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Connection, func, select

from pochub.core.models.access import User
from pochub.core.models.alerts import Report
from pochub.core.warning.staff_sms import StaffSms, read_staff_sms
from pochub.services.protection import Protector
from pochub.services.staff_numbers import staff_user
from pochub.store import tables


@dataclass(frozen=True)
class StaffReading:
    """A structured SMS from a registered staff number as intake read it: the SMS's fields (and the first field
    that could not be read) and the staff user who sent it, for the answer and the audit entry."""

    sms: StaffSms
    user: User


def find_place(conn: Connection, word: str) -> tuple[str | None, str | None] | None:
    """The stored place ``word`` names: ``(pcode, None)`` for an admin area's P-code (any case),
    ``(None, community_id)`` for a community's id (exact, else in any case); None when it names neither."""
    areas, communities = tables.admin_areas.c, tables.communities.c
    pcode = conn.execute(select(areas.pcode).where(areas.pcode.in_({word, word.upper()})).limit(1)).scalar()
    if pcode is not None:
        return str(pcode), None
    community = (
        conn.execute(select(communities.community_id).where(communities.community_id == word)).scalar()
        or conn.execute(
            select(communities.community_id)
            .where(func.lower(communities.community_id) == word.lower())
            .order_by(communities.community_id)
            .limit(1)
        ).scalar()
    )
    return (None, str(community)) if community is not None else None


def staff_report(conn: Connection, report: Report) -> tuple[Report, StaffSms | None]:
    """``report`` (from a registered staff number) with the fields its structured text gives, and the text as
    read; the report unchanged and None when its text is no structured SMS (an ordinary alert)."""
    sms = read_staff_sms(report.text)
    if sms is None or not sms.classified:
        return report, sms
    place = find_place(conn, sms.place or "")
    if place is None:
        return report, sms.unknown_place()
    pcode, community_id = place
    classified = replace(
        report,
        pcode=pcode or report.pcode,
        community_id=community_id,
        threat_type=sms.threat_type,
        urgency=sms.urgency,
        text=sms.text or report.text,
    )
    return classified, sms


def read_from_staff(
    conn: Connection, protector: Protector, report: Report, region: str = ""
) -> tuple[Report, StaffReading | None]:
    """``report`` as intake stores it: classified by :func:`staff_report` when its sender is a registered number
    of an active staff user and its first word is the keyword; as it came (and None) from anyone else, whatever
    its first word, or when the message is no structured SMS. ``region``: the mission's country, to read a
    gateway's national numbers."""
    if read_staff_sms(report.text) is None:  # most messages: no look-up of the sender at all
        return report, None
    user = staff_user(conn, protector, report.sender_number, region)
    if user is None:
        return report, None
    classified, sms = staff_report(conn, report)
    return classified, (StaffReading(sms, user) if sms is not None else None)
