"""A staff number's structured SMS becomes a classified, routed alert on both backends: its place word is a stored
P-code (any case) or community id; an unknown place or a malformed message keeps the whole SMS as an ordinary,
unclassified alert."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from pochub.config import Settings
from pochub.core.models.alerts import Channel, Report, Urgency
from pochub.core.models.taxonomy import ThreatType
from pochub.core.warning.staff_sms import Fault, Problem, SmsField
from pochub.core.workflow.lifecycle import SYSTEM, Actor
from pochub.services.alerts import receive_report
from pochub.services.staff_sms import find_place, staff_report
from pochub.store import tables


def _places(engine: Engine) -> tuple[str, str, str | None]:
    """An admin-2 P-code, and a community's id and P-code, of the demo mission."""
    with engine.connect() as conn:
        pcode = conn.execute(
            select(tables.admin_areas.c.pcode).where(tables.admin_areas.c.level == 2).limit(1)
        ).scalar_one()
        community = conn.execute(
            select(tables.communities.c.community_id, tables.communities.c.pcode).limit(1)
        ).one()
    return pcode, community.community_id, community.pcode


def _sms(external_id: str, text: str) -> Report:
    return Report(Channel.SMS, external_id, datetime.now(UTC), text, sender_number="+243810000222")


def _stored(engine: Engine, reference: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(tables.alerts).where(tables.alerts.c.reference == reference)).one()


def test_a_place_word_is_a_pcode_or_a_community(demo_engine: Engine) -> None:
    pcode, community_id, _ = _places(demo_engine)
    with demo_engine.connect() as conn:
        assert find_place(conn, pcode.lower()) == (pcode, None)
        assert find_place(conn, community_id) == (None, community_id)
        assert find_place(conn, community_id.swapcase()) == (None, community_id)
        assert find_place(conn, "ZZ9999-nowhere") is None


def test_a_structured_sms_becomes_a_classified_routed_alert(demo_engine: Engine) -> None:
    pcode, community_id, community_pcode = _places(demo_engine)
    settings = Settings(database_url=demo_engine.url.render_as_string(hide_password=False))
    cases = [
        (f"ALERT {pcode.lower()} abduction immediate two boys taken", pcode, None, ThreatType.ABDUCTION,
         Urgency.IMMEDIATE, "two boys taken"),
        (f"Alerte {community_id} attaque urgent", community_pcode, community_id, ThreatType.MAIMING_INJURY,
         Urgency.HIGH, f"Alerte {community_id} attaque urgent"),
    ]  # fmt: skip
    for n, (text, want_pcode, want_community, threat, urgency, want_text) in enumerate(cases):
        with demo_engine.connect() as conn:
            report, sms = staff_report(conn, _sms(f"staff-sms-{n}", text))
        assert sms is not None and sms.classified
        result = receive_report(demo_engine, settings, report, actor=Actor("gateway", SYSTEM))
        row = _stored(demo_engine, result.reference)
        assert (row.pcode, row.community_id, row.threat_type, row.urgency, row.text) == (
            want_pcode, want_community, threat.value, urgency.value, want_text,
        )  # fmt: skip
        assert row.body_id and row.next_step == "acknowledge" and row.due_at is not None


def test_a_malformed_or_unplaced_sms_stays_an_ordinary_alert(demo_engine: Engine) -> None:
    pcode, _, _ = _places(demo_engine)
    settings = Settings(database_url=demo_engine.url.render_as_string(hide_password=False))
    for n, (text, problem) in enumerate(
        [
            ("ALERT ZZ9999 attack urgent armed men", Problem(SmsField.PLACE, Fault.UNKNOWN, "ZZ9999")),
            (f"ALERTE {pcode} loups urgent", Problem(SmsField.THREAT, Fault.UNKNOWN, "loups")),
            (f"ALERT {pcode} attack", Problem(SmsField.URGENCY, Fault.MISSING)),
        ]
    ):
        sent = _sms(f"staff-sms-bad-{n}", text)
        with demo_engine.connect() as conn:
            report, sms = staff_report(conn, sent)
        assert report == sent and sms is not None and sms.problem == problem
        row = _stored(
            demo_engine, receive_report(demo_engine, settings, report, actor=Actor("gw", SYSTEM)).reference
        )
        assert (row.text, row.threat_type, row.community_id) == (text, None, None)


def test_an_ordinary_message_is_left_as_it_came(demo_engine: Engine) -> None:
    sent = _sms("staff-sms-plain", "Men with guns at the water point")
    with demo_engine.connect() as conn:
        assert staff_report(conn, sent) == (sent, None)
