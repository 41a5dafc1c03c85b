"""Structured SMS from staff without data through the real intake webhook, on both backends (issue 18, item 4).

A registered staff number's ``ALERT <place> <threat> <urgency> <text>`` becomes a fully classified alert routed
by the structure to the place's field office, whoever sent it; the webhook's ``reply`` (what the gateway texts
back) gives the reference only, in the keyword's language, or the field to correct; a gateway's retry is answered
the same and stores nothing twice. The same text from any other number is an ordinary community alert. The phone
number is never in clear in the audit log, the logs, the table or what the commands print.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.core.models.taxonomy import ThreatType
from pochub.http.app import create_app
from pochub.services.access import deactivate_user
from pochub.services.gateways import create_gateway
from pochub.services.staff_numbers import register_number
from pochub.store import tables
from tests.api.access_helpers import make_user
from tests.conftest import CliRunner

OFFICE, OTHER_OFFICE = "fo_besu", "fo_kimundaro"  # the demo's field offices of provinces KT02 and KT04
STAFF_NUMBER = "+243810000501"  # a field officer of fo_besu
OTHER_STAFF_NUMBER = "+243 82 000 0502"  # a CLA of fo_kimundaro, registered as typed
GONE_NUMBER = "+243810000503"  # a deactivated field officer's
STRANGER = "+243810000599"  # nobody's: a community member


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def client(demo_engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=_url(demo_engine), workers=False))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def gateway(demo_engine: Engine) -> dict[str, str]:
    _, credential = create_gateway(
        demo_engine, "staff-sms-relay", "generic", timedelta(days=1), secret_key=Settings().secret_key,
        actor="test",
    )  # fmt: skip
    return {"X-Pochub-Gateway-Key": credential}


@pytest.fixture(scope="module")
def staff(demo_engine: Engine) -> dict[str, str]:
    """Usernames of the staff whose numbers are registered (registered by the service, as the command does)."""
    settings = Settings(database_url=_url(demo_engine))
    names = {}
    for name, role, office, number in (
        ("officer", "field_officer", OFFICE, STAFF_NUMBER),
        ("other_cla", "cla", OTHER_OFFICE, OTHER_STAFF_NUMBER),
        ("gone", "field_officer", OFFICE, GONE_NUMBER),
    ):
        user, _ = make_user(demo_engine, role, field_office=office)
        register_number(demo_engine, settings, user.username, number, actor="test")
        names[name] = user.username
    deactivate_user(demo_engine, names["gone"], actor="test")
    return names


def _places(engine: Engine) -> dict[str, Any]:
    """An admin-2 P-code of KT02 and a community of KT04 of the demo mission."""
    areas, communities = tables.admin_areas.c, tables.communities.c
    with engine.connect() as conn:
        pcode = conn.execute(
            select(areas.pcode)
            .where(areas.level == 2, areas.pcode.like("KT02%"))
            .order_by(areas.pcode)
            .limit(1)
        ).scalar_one()
        community = conn.execute(
            select(communities.community_id, communities.pcode)
            .where(communities.pcode.like("KT04%"))
            .order_by(communities.community_id)
            .limit(1)
        ).one()
    return {"pcode": pcode, "community": community.community_id, "community_pcode": community.pcode}


def _sms(client: TestClient, gateway: dict[str, str], sid: str, sender: str, text: str) -> dict[str, Any]:
    response = client.post(
        "/api/v1/intake/sms", headers=gateway, data={"From": sender, "Body": text, "MessageSid": sid}
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def _alert(engine: Engine, reference: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(tables.alerts).where(tables.alerts.c.reference == reference)).one()


def _counts(engine: Engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (tables.alerts, tables.alert_reports, tables.alert_transitions, tables.outbox)
        )


def test_a_registered_number_creates_a_fully_classified_routed_alert(
    client: TestClient, gateway: dict[str, str], staff: dict[str, str], demo_engine: Engine
) -> None:
    places = _places(demo_engine)
    answer = _sms(
        client, gateway, "staff-1", STAFF_NUMBER,
        f"ALERT {places['pcode'].lower()} abduction urgent two herders taken from the staff-1 well",
    )  # fmt: skip
    reference = answer["reference"]
    assert answer["reply"] == f"Alert {reference} recorded. Thank you." and not answer["merged"]
    row = _alert(demo_engine, reference)
    assert (row.pcode, row.community_id, row.threat_type, row.urgency) == (
        places["pcode"], None, ThreatType.ABDUCTION.value, "high",
    )  # fmt: skip
    assert row.text == "two herders taken from the staff-1 well"
    assert (row.field_office, row.body_id) == (OFFICE, "field_poc_wg_besu")
    assert row.next_step == "acknowledge" and row.due_at is not None

    french = _sms(
        client, gateway, "staff-2", STAFF_NUMBER,
        f"Alerte {places['community']} enlèvement IMMÉDIAT deux femmes enlevées au puits staff-2",
    )  # fmt: skip
    assert french["reply"] == f"Alerte {french['reference']} enregistrée. Merci."
    row = _alert(demo_engine, french["reference"])
    assert (row.community_id, row.pcode, row.threat_type, row.urgency) == (
        places["community"], places["community_pcode"], ThreatType.ABDUCTION.value, "immediate",
    )  # fmt: skip
    assert row.field_office == OTHER_OFFICE and row.body_id == "joc"  # immediate: the JOC, telling the office


def test_a_gateway_retry_is_answered_the_same_and_stores_nothing_twice(
    client: TestClient, gateway: dict[str, str], staff: dict[str, str], demo_engine: Engine
) -> None:
    places = _places(demo_engine)
    for sid, text in (
        ("staff-retry-1", f"ALERT {places['pcode']} looting routine shops emptied at the staff-retry market"),
        ("staff-retry-2", f"ALERTE {places['pcode']} pillage"),  # malformed: the urgency is missing
    ):
        first = _sms(client, gateway, sid, STAFF_NUMBER, text)
        before = _counts(demo_engine)
        again = _sms(client, gateway, sid, STAFF_NUMBER, text)
        assert again["reply"] == first["reply"] and again["reference"] == first["reference"]
        assert again["duplicate"] and _counts(demo_engine) == before


def test_the_same_text_from_an_unregistered_number_is_an_ordinary_alert(
    client: TestClient, gateway: dict[str, str], staff: dict[str, str], demo_engine: Engine
) -> None:
    places = _places(demo_engine)
    text = f"ALERT {places['pcode']} abduction urgent two herders taken from the stranger well"
    for sid, sender in (("stranger-1", STRANGER), ("gone-1", GONE_NUMBER)):
        answer = _sms(client, gateway, sid, sender, text.replace("stranger", sid))
        reference = answer["reference"]
        assert answer["reply"] == (
            f"Alert {reference} received: it is with the mission. Reply with the reference to add information."
        )
        row = _alert(demo_engine, reference)
        assert (row.threat_type, row.community_id, row.text) == (None, None, text.replace("stranger", sid))
        assert row.urgency == "high" and row.pcode is None  # as any SMS without a place: for the desk


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "ALERTE {pcode} loups urgent des hommes armés au marché malformed-1",
            ("menace inconnue", "enlevement"),
        ),
        (
            "ALERTE ZZ9999 attaque urgent des hommes armés au marché malformed-2",
            ("lieu inconnu", "ALERTE <pcode"),
        ),
        ("ALERTE {pcode} attaque", ("l'urgence manque", "<urgence>")),
        ("ALERTE {pcode} attaque demain malformed-4", ("urgence inconnue", "immediat urgent routine")),
    ],
)
def test_a_malformed_message_is_stored_and_answered_in_french(
    client: TestClient,
    gateway: dict[str, str],
    staff: dict[str, str],
    demo_engine: Engine,
    text: str,
    said: tuple[str, ...],
) -> None:
    sent = text.format(pcode=_places(demo_engine)["pcode"])
    answer = _sms(client, gateway, f"malformed-{abs(hash(text))}", STAFF_NUMBER, sent)
    reference = answer["reference"]
    reply = answer["reply"]
    assert reply.startswith(f"Alerte {reference} ") and len(reply) <= 160
    assert all(part in reply for part in said), reply
    assert "Alert " not in reply and "unclassified" not in reply
    row = _alert(demo_engine, reference)
    assert (row.text, row.threat_type, row.community_id) == (sent, None, None)  # the whole SMS, for the desk


def test_staff_of_another_area_are_routed_by_the_place(
    client: TestClient, gateway: dict[str, str], staff: dict[str, str], demo_engine: Engine
) -> None:
    places = _places(demo_engine)
    answer = _sms(
        client, gateway, "other-area-1", "+243820000502",  # as the gateway writes it: E.164
        f"ALERT {places['pcode']} displacement urgent families leaving other-area-1 at night",
    )  # fmt: skip
    row = _alert(demo_engine, answer["reference"])
    assert (row.pcode, row.threat_type, row.field_office) == (
        places["pcode"], ThreatType.FORCED_DISPLACEMENT.value, OFFICE,
    )  # fmt: skip
    with demo_engine.connect() as conn:
        detail = conn.execute(
            select(tables.audit_log.c.detail).where(tables.audit_log.c.entity_id == answer["reference"])
        ).scalar_one()
    assert detail.endswith(f"structured SMS from staff user {staff['other_cla']}")


def test_the_reply_says_nothing_but_the_reference(
    client: TestClient, gateway: dict[str, str], staff: dict[str, str], demo_engine: Engine
) -> None:
    places = _places(demo_engine)
    for language, text in (
        ("en", f"ALERT {places['community']} rape immediate girls attacked near the leak-1 field"),
        ("fr", f"ALERTE {places['community']} viol immediat filles attaquées près du champ leak-2"),
    ):
        answer = _sms(client, gateway, f"leak-{language}", STAFF_NUMBER, text)
        reply, reference = answer["reply"], answer["reference"]
        row = _alert(demo_engine, reference)
        assert row.threat_type == ThreatType.SEXUAL_VIOLENCE.value
        rest = reply.replace(reference, "")
        assert rest == {"en": "Alert  recorded. Thank you.", "fr": "Alerte  enregistrée. Merci."}[language]
        for secret in (
            places["community"], row.pcode, row.body_id, row.field_office, "rape", "viol", "immediat", "field",
            "champ", STAFF_NUMBER, "0501", staff["officer"],
        ):  # fmt: skip
            assert secret not in rest


def test_the_number_is_never_in_clear_in_the_audit_log_the_logs_or_the_table(
    client: TestClient,
    gateway: dict[str, str],
    staff: dict[str, str],
    demo_engine: Engine,
    cli: CliRunner,
    caplog: pytest.LogCaptureFixture,
) -> None:
    number = "+243 81 000 0777"
    forms = ("+243810000777", "243810000777", "810000777", "81 000 0777", "0810000777")
    places = _places(demo_engine)
    started = datetime.now(UTC) - timedelta(seconds=1)
    user, _ = make_user(demo_engine, "cla", field_office=OFFICE)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # every statement and its parameters too
    printed = []
    for args in (
        ("users", "phone", "add", user.username, number),
        ("users", "phone", "list"),
        ("users", "phone", "list", user.username, "--format", "json"),
    ):
        result = cli("--database", _url(demo_engine), *args)
        assert result.code == 0, result.err
        printed.append(result.out + result.err)
    assert "+243 •••• ••77" in printed[1] and user.username in printed[1]
    answer = _sms(
        client,
        gateway,
        "clear-1",
        "+243810000777",
        f"ALERT {places['pcode']} killing immediate clear-1 shots",
    )
    assert _alert(demo_engine, answer["reference"]).threat_type == ThreatType.KILLING.value
    removed = cli("--database", _url(demo_engine), "users", "phone", "remove", user.username, "0810000777")
    assert removed.code != 0  # a national number needs the mission's country (none set here)
    removed = cli("--database", _url(demo_engine), "users", "phone", "remove", user.username, number)
    assert removed.code == 0, removed.err
    printed.append(removed.out + removed.err)
    with demo_engine.connect() as conn:
        audit = conn.execute(
            select(tables.audit_log.c.detail, tables.audit_log.c.entity_id).where(
                tables.audit_log.c.at >= started
            )
        ).all()
        stored = conn.execute(select(tables.staff_numbers.c.number, tables.staff_numbers.c.number_key)).all()
    details = " ".join(f"{row.detail} {row.entity_id}" for row in audit)
    assert "registered staff number +243 •••• ••77" in details and "removed staff number" in details
    assert f"structured SMS from staff user {user.username}" in details
    assert "INSERT INTO staff_numbers" in caplog.text and "/api/v1/intake/sms" in caplog.text
    seen = details + " ".join(printed) + caplog.text
    for form in forms:
        assert form not in seen and form.replace(" ", "") not in seen.replace(" ", "")
        for row in stored:
            assert form.encode() not in bytes(row.number) and form not in row.number_key


def test_a_rapidpro_message_from_a_staff_number_is_read_the_same(
    client: TestClient, gateway: dict[str, str], staff: dict[str, str], demo_engine: Engine
) -> None:
    places = _places(demo_engine)
    message = {
        "contact": {"uuid": "staff-c-1", "urn": f"tel:{STAFF_NUMBER}"},
        "input": {
            "text": f"ALERTE {places['pcode']} recrutement urgent garçons emmenés rapidpro-1",
            "created_on": datetime.now(UTC).isoformat(),
        },
        "run": {"uuid": "staff-run-1"},
    }
    response = client.post("/api/v1/intake/rapidpro", headers=gateway, json=message)
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["reply"] == f"Alerte {answer['reference']} enregistrée. Merci."
    row = _alert(demo_engine, answer["reference"])
    assert (row.pcode, row.threat_type, row.urgency, row.field_office) == (
        places["pcode"], ThreatType.FORCED_RECRUITMENT.value, "high", OFFICE,
    )  # fmt: skip
