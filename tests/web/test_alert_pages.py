"""The alert pages on both backends: the inbox of the user's area (order, filters, overdue alerts), logging a call
with a form that says what is wrong, one alert's page taken from intake to review through its forms, refusals
shown in the page that change nothing, sender details only for need-to-know roles, navigation by role, French."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.core.models.access import INTAKE_ROLES, Role
from pochub.http.app import create_app
from pochub.store import tables
from tests.api.access_helpers import auth_header, make_user
from tests.csrf_tokens import with_csrf_tokens

OFFICE = "fo_besu"  # the demo field office of province KT02
OTHER_OFFICE = "fo_kimundaro"  # province KT04
NUMBER = "+243810000222"


@pytest.fixture(scope="module")
def client(demo_engine: Engine) -> Iterator[TestClient]:
    url = demo_engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, workers=False))
    try:
        with with_csrf_tokens(TestClient(app)) as test_client:
            yield test_client
    finally:
        app.state.engine.dispose()


@pytest.fixture(scope="module")
def people(demo_engine: Engine) -> dict[str, dict[str, str]]:
    roles = {
        "cla": ("cla", OFFICE),
        "officer": ("field_officer", OFFICE),
        "other_officer": ("field_officer", OTHER_OFFICE),
        "planner": ("planner", None),
        "adviser": ("poc_adviser", None),
        "viewer": ("viewer", None),
        "partner": ("partner", None),
    }
    headers = {}
    for name, (role, office) in roles.items():
        _, token = make_user(demo_engine, role, field_office=office, display_name=name)
        headers[name] = auth_header(token)
    return headers


def place(engine: Engine, province: str) -> dict[str, Any]:
    """The first community of a province: its id, P-code and coordinates."""
    communities = tables.communities
    with engine.connect() as conn:
        row = conn.execute(
            select(communities)
            .where(communities.c.pcode.like(f"{province}%"))
            .order_by(communities.c.community_id)
            .limit(1)
        ).one()
    return {"community_id": row.community_id, "pcode": row.pcode, "lat": row.latitude, "lon": row.longitude}


def post_alert(client: TestClient, who: dict[str, str], text: str, pcode: str, **fields: Any) -> str:
    """An alert logged through the API (as another system or a CLA's app would); its reference."""
    response = client.post("/api/v1/alerts", json={"text": text, "pcode": pcode, **fields}, headers=who)
    assert response.status_code == 201, response.text
    reference: str = response.json()["reference"]
    return reference


def state_of(engine: Engine, reference: str) -> str:
    with engine.connect() as conn:
        state: str = conn.execute(
            select(tables.alerts.c.state).where(tables.alerts.c.reference == reference)
        ).scalar_one()
    return state


def transitions(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.alert_transitions)).scalar_one())


def rows(page: str) -> list[str]:
    """The inbox rows' references, in page order."""
    return re.findall(r'<th scope="row"><a href="/alerts/(A[0-9A-Z-]+)">', page)


def action_forms(page: str) -> list[str]:
    return re.findall(
        r'<form class="action" method="post" action="/alerts/[^/]+/([a-z_]+)(?:#[a-z-]+)?"', page
    )


def test_the_inbox_shows_the_area_by_urgency_and_deadline_with_overdue_alerts_marked(
    client: TestClient, people: dict[str, Any], demo_engine: Engine
) -> None:
    here, there = place(demo_engine, "KT02"), place(demo_engine, "KT04")
    old = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    routine = post_alert(client, people["cla"], "Inbox: cattle raid rumour", here["pcode"], urgency="routine")
    immediate = post_alert(
        client, people["cla"], "Inbox: armed group at the school", here["pcode"], urgency="immediate"
    )
    late = post_alert(
        client, people["adviser"], "Inbox: old threat never acknowledged", here["pcode"], received_at=old
    )
    elsewhere = post_alert(client, people["adviser"], "Inbox: another province", there["pcode"])

    page = client.get("/alerts", headers=people["officer"])
    assert page.status_code == 200
    listed = rows(page.text)
    assert {routine, immediate, late} <= set(listed) and elsewhere not in listed
    assert listed.index(immediate) < listed.index(late) < listed.index(routine)  # urgency, then deadline
    assert "The alerts of your area of responsibility (Field Office Besu)." in page.text
    # the overdue alert stands out by a word and a symbol, not by colour alone
    late_row = re.search(
        rf'<tr class="([^"]*)"[^>]*>\s*<th scope="row"><a href="/alerts/{late}">.*?</tr>', page.text, re.S
    )
    assert late_row is not None and "overdue" in late_row[1]
    assert "Overdue</strong>" in late_row[0] and "⚠" in late_row[0]
    immediate_row = re.search(
        rf'<tr class="([^"]*)"[^>]*>\s*<th scope="row"><a href="/alerts/{immediate}">', page.text
    )
    assert immediate_row is not None and "overdue" not in immediate_row[1]
    assert "Log an alert" in page.text  # a field officer may log calls

    overdue = rows(client.get("/alerts", params={"show": "overdue"}, headers=people["officer"]).text)
    assert late in overdue and immediate not in overdue
    only_routine = rows(client.get("/alerts?urgency=routine", headers=people["officer"]).text)
    assert routine in only_routine and immediate not in only_routine
    client.post(f"/alerts/{routine}/acknowledge", data={}, headers=people["cla"])
    acknowledged = rows(client.get("/alerts?state=acknowledged", headers=people["officer"]).text)
    assert routine in acknowledged and immediate not in acknowledged
    # unknown filter values are ignored, not errors; the other office and the mission-wide roles
    assert client.get("/alerts?state=nonsense&show=x&page=-3", headers=people["officer"]).status_code == 200
    assert elsewhere in rows(client.get("/alerts", headers=people["other_officer"]).text)
    assert late not in rows(client.get("/alerts", headers=people["other_officer"]).text)
    mission = rows(client.get("/alerts", headers=people["adviser"]).text)
    assert {routine, immediate, late, elsewhere} <= set(mission)


def test_the_new_alert_form_says_what_is_wrong_then_logs_the_call(
    client: TestClient, people: dict[str, Any], demo_engine: Engine
) -> None:
    here, there = place(demo_engine, "KT02"), place(demo_engine, "KT04")
    form = client.get("/alerts/new", headers=people["cla"])
    assert form.status_code == 200
    assert f' [{here["pcode"]}]">' in form.text  # the type-ahead's choices: "Name [P-code]"
    assert f' [{there["pcode"]}]">' not in form.text  # only the CLA's area is offered
    for field in ("text", "pcode", "community_id", "urgency", "sender_name", "sender_number"):
        assert f'<label for="{field}">' in form.text and f'id="{field}"' in form.text
    form_id = re.search(r'name="form_id" value="([^"]+)"', form.text)[1]  # type: ignore[index]

    empty = client.post("/alerts/new", data={"form_id": form_id}, headers=people["cla"])
    assert empty.status_code == 422
    for message in (
        "Write what the community reported.",
        "Choose the admin area (P-code) or the community where it happens.",
        "Choose how urgent it is.",
    ):
        assert message in empty.text
    assert 'role="alert"' in empty.text and 'aria-invalid="true"' in empty.text

    wrong = {
        "form_id": form_id,
        "text": "Men with guns at the water point",
        "pcode": there["pcode"],
        "urgency": "soon",
        "sender_number": "call me",
    }
    refused = client.post("/alerts/new", data=wrong, headers=people["cla"])
    assert refused.status_code == 422
    assert "Choose an admin area of your area of responsibility from the list." in refused.text
    assert "Write the phone number with + and its country code" in refused.text  # no mission country set
    assert "Men with guns at the water point</textarea>" in refused.text  # what was typed is kept
    french = client.post("/alerts/new", data={}, headers={**people["cla"], "Accept-Language": "fr"})
    assert "Décrivez ce que la communauté a signalé." in french.text

    before = transitions(demo_engine)
    good = {
        **wrong,
        "pcode": here["pcode"],
        "community_id": here["community_id"],
        "urgency": "immediate",
        "sender_name": "Chief Mbala",
        "sender_number": NUMBER,
        "location_text": "near the water point",
    }
    logged = client.post("/alerts/new", data=good, headers=people["cla"], follow_redirects=False)
    assert logged.status_code == 303, logged.text
    reference = re.match(r"/alerts/(A[0-9A-Z-]+)\?logged=1$", logged.headers["location"])[1]  # type: ignore[index]
    assert transitions(demo_engine) == before + 1
    again = client.post("/alerts/new", data=good, headers=people["cla"], follow_redirects=False)
    assert again.headers["location"].startswith(f"/alerts/{reference}?")  # a second click logs nothing new
    assert transitions(demo_engine) == before + 1

    page = client.get(logged.headers["location"], headers=people["cla"])
    assert "The alert was logged and routed." in page.text
    assert NUMBER in page.text and "Chief Mbala" in page.text
    assert "Field Office Besu" in page.text and "immediate" in page.text
    mismatch = client.post(
        "/alerts/new",
        data={**good, "form_id": "another", "pcode": here["pcode"][:4] + "99"},
        headers=people["adviser"],
    )
    assert mismatch.status_code == 422  # an admin area that does not exist


def test_a_gateway_credential_opens_no_page(client: TestClient, demo_engine: Engine) -> None:
    """A gateway posts to intake only: every page sends it to the sign-in page, and it logs no alert."""
    _, token = make_user(demo_engine, Role.GATEWAY)
    before = transitions(demo_engine)
    for href in ("/", "/alerts", "/alerts/new", "/threats", "/charts"):
        page = client.get(href, headers=auth_header(token), follow_redirects=False)
        assert page.status_code in (303, 307, 401, 403), href
        assert "Alert inbox" not in page.text
    posted = client.post(
        "/alerts/new", data={"text": "x"}, headers=auth_header(token), follow_redirects=False
    )
    assert posted.status_code in (303, 401, 403)
    assert transitions(demo_engine) == before


@pytest.mark.parametrize("role", [role for role in Role if role is not Role.GATEWAY])
def test_navigation_follows_the_role(client: TestClient, demo_engine: Engine, role: Role) -> None:
    office = OFFICE if role in (Role.CLA, Role.FIELD_OFFICER) else None
    _, token = make_user(demo_engine, role, field_office=office)
    page = client.get("/alerts", headers=auth_header(token))
    assert page.status_code == 200
    assert 'aria-current="page">Alert inbox</a>' in page.text
    may_log = role in INTAKE_ROLES
    assert ('<a href="/alerts/new"' in page.text) is may_log
    assert client.get("/alerts/new", headers=auth_header(token)).status_code == (200 if may_log else 403)
    posted = client.post("/alerts/new", data={"text": "x"}, headers=auth_header(token))
    assert posted.status_code == (422 if may_log else 403)
    for href in ("/", "/alerts", "/threats", "/charts"):
        assert f'<a href="{href}"' in page.text


def walk(client: TestClient, who: dict[str, str], reference: str, action: str, **form: Any) -> str:
    """Post one action's form from the alert page; the page it leads to."""
    response = client.post(f"/alerts/{reference}/{action}", data=form, headers=who, follow_redirects=False)
    assert response.status_code == 303, response.text[-3000:]
    assert response.headers["location"] == f"/alerts/{reference}?done={action}#next-action"
    return client.get(response.headers["location"], headers=who).text


def test_an_alert_goes_from_intake_to_review_through_the_page_forms(
    client: TestClient, people: dict[str, Any], demo_engine: Engine
) -> None:
    here = place(demo_engine, "KT02")
    reference = post_alert(
        client,
        people["cla"],
        "Walk: armed men threaten the market",
        here["pcode"],
        sender_number=NUMBER,
        sender_name="Walk Sender",
    )
    with demo_engine.connect() as conn:
        unit_ids = [
            u for u in conn.execute(select(tables.units.c.unit_id).order_by(tables.units.c.unit_id)).scalars()
        ]

    page = client.get(f"/alerts/{reference}", headers=people["cla"]).text
    assert action_forms(page) == ["acknowledge"]
    assert action_forms(client.get(f"/alerts/{reference}", headers=people["viewer"]).text) == []
    assert (
        "Nothing: your role takes no action"
        in client.get(f"/alerts/{reference}", headers=people["planner"]).text
    )
    # every control of an action form has its label
    for control in re.findall(r'<(?:textarea|select|input) id="(acknowledge-[a-z_]+)"', page):
        assert f'<label for="{control}">' in page

    page = walk(client, people["cla"], reference, "acknowledge", note="called the chief back")
    assert "Done: Acknowledge. The alert is now acknowledged." in page
    assert action_forms(client.get(f"/alerts/{reference}", headers=people["officer"]).text) == ["verify"]
    walk(client, people["officer"], reference, "verify", result="confirmed", note="two sources")
    walk(client, people["officer"], reference, "classify", threat_type="killing", urgency="high")
    page = walk(client, people["officer"], reference, "transmit")
    assert action_forms(page) == ["decide"]
    for unit in unit_ids[:3]:
        assert f'value="{unit}"' in page  # the units come from the store

    # the decision's minimum content, said in the page; nothing changes
    before = transitions(demo_engine)
    missing = client.post(
        f"/alerts/{reference}/decide", data={"decision": "respond"}, headers=people["officer"]
    )
    assert missing.status_code == 422
    assert "A response needs its tier and its phase." in missing.text
    no_units = client.post(
        f"/alerts/{reference}/decide",
        data={"decision": "respond", "tier": "II", "phase": "response"},
        headers=people["officer"],
    )
    assert no_units.status_code == 422 and "needs at least one unit" in no_units.text
    assert '<option value="II" selected>' in no_units.text  # the form keeps what was chosen
    no_reason = client.post(
        f"/alerts/{reference}/decide", data={"decision": "refer"}, headers=people["officer"]
    )
    assert "No response, or a referral, always has its reason." in no_reason.text
    bad_choice = client.post(
        f"/alerts/{reference}/decide", data={"decision": "maybe"}, headers=people["officer"]
    )
    assert bad_choice.status_code == 422 and "Choose one of the options." in bad_choice.text
    assert transitions(demo_engine) == before and state_of(demo_engine, reference) == "transmitted"

    walk(
        client,
        people["officer"],
        reference,
        "decide",
        decision="respond",
        tier="II",
        phase="response",
        units=unit_ids[:2],
        reason="patrol from the nearest base",
    )
    page = client.get(f"/alerts/{reference}", headers=people["planner"]).text
    assert action_forms(page) == ["deploy"]
    assert f'value="{unit_ids[0]}" checked' in page  # the decided units are ticked
    walk(client, people["planner"], reference, "deploy", units=unit_ids[:2])
    bad_number = client.post(
        f"/alerts/{reference}/record_outcome",
        data={"outcome": "the group withdrew", "civilians_harmed": "-2"},
        headers=people["officer"],
    )
    assert bad_number.status_code == 422 and "Enter a whole number, 0 or more." in bad_number.text
    blank = client.post(
        f"/alerts/{reference}/record_outcome", data={"outcome": "   "}, headers=people["officer"]
    )
    assert blank.status_code == 422 and "This is required." in blank.text
    walk(
        client,
        people["officer"],
        reference,
        "record_outcome",
        outcome="the group withdrew",
        civilians_harmed="0",
    )

    # wrong role and wrong state: refused in the page, in the user's language, nothing changed
    before = transitions(demo_engine)
    close = client.post(f"/alerts/{reference}/close", data={}, headers=people["officer"])
    assert close.status_code == 409
    assert "The action was not taken: it is not possible while the alert is outcome recorded." in close.text
    planner = client.post(
        f"/alerts/{reference}/give_feedback",
        data={"channel": "phone", "message": "x"},
        headers=people["planner"],
    )
    assert planner.status_code == 403 and "your role may not take it on this alert" in planner.text
    viewer = client.post(f"/alerts/{reference}/close", data={}, headers=people["viewer"])
    assert viewer.status_code == 403
    outside = client.post(
        f"/alerts/{reference}/give_feedback",
        data={"channel": "phone", "message": "x"},
        headers=people["other_officer"],
    )
    assert outside.status_code == 403 and "Outside your area" in outside.text
    french = client.post(
        f"/alerts/{reference}/close", data={}, headers={**people["officer"], "Accept-Language": "fr"}
    )
    assert french.status_code == 409 and "L'action n'a pas été effectuée" in french.text
    assert transitions(demo_engine) == before and state_of(demo_engine, reference) == "outcome_recorded"

    future = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    later = client.post(
        f"/alerts/{reference}/give_feedback",
        data={"channel": "phone", "message": "A patrol came.", "given_at": future},
        headers=people["cla"],
    )
    assert later.status_code == 422 and "feedback cannot be given in the future" in later.text
    walk(
        client,
        people["cla"],
        reference,
        "give_feedback",
        channel="radio",
        message="A patrol came; it stays tonight.",
    )
    walk(client, people["officer"], reference, "close", note="nothing left to do")
    page = walk(
        client, people["adviser"], reference, "after_action_review", lessons="acknowledged within the hour"
    )
    assert state_of(demo_engine, reference) == "reviewed"
    history = page[page.index('id="history"') :]
    for step in (
        "Received", "Acknowledge", "Verify", "Classify", "Transmit", "Decide the response", "Deploy",
        "Record the outcome", "Record the feedback", "Close", "After-action review",
    ):  # fmt: skip
        assert f'<td data-label="What was done">{step}</td>' in history, step
    assert "called the chief back" in history and "(Planner)" in history
    assert "A patrol came; it stays tonight." in page and "acknowledged within the hour" in page
    assert action_forms(page) == []

    # response times per field office, from the metrics service, on the inbox
    inbox = client.get("/alerts", headers=people["adviser"]).text
    config = json.loads(
        re.search(r'<script type="application/json" id="response-config">(.*?)</script>', inbox, re.S)[1]
    )  # type: ignore[index]
    besu = next(o for o in config["chart"]["offices"] if o["group"] == OFFICE)
    assert besu["name"] == "Field Office Besu"
    assert besu["steps"]["give_feedback"]["count"] >= 1
    assert besu["steps"]["acknowledge"]["median_hours"] is not None
    assert '<th scope="row">Field Office Besu</th>' in inbox
    assert "alerts-" in inbox and "response-chart" in inbox


def test_sender_details_only_for_need_to_know_roles(
    client: TestClient, people: dict[str, Any], demo_engine: Engine
) -> None:
    here = place(demo_engine, "KT02")
    reference = post_alert(
        client, people["cla"], "Sender: a threat at the clinic", here["pcode"], sender_number="+243810009999",
        sender_name="Secret Name", latitude=here["lat"], longitude=here["lon"],
    )  # fmt: skip
    for who in ("viewer", "partner", "planner"):
        page = client.get(f"/alerts/{reference}", headers=people[who])
        assert page.status_code == 200
        assert "+243810009999" not in page.text and "Secret Name" not in page.text, who
        assert "Sender (need-to-know" not in page.text
        assert "+243810009999" not in client.get("/alerts?show=all", headers=people[who]).text
    for who in ("viewer", "partner"):
        assert "moved by up to" in client.get(f"/alerts/{reference}", headers=people[who]).text
    for who in ("cla", "officer", "adviser"):
        page = client.get(f"/alerts/{reference}", headers=people[who]).text
        assert "+243810009999" in page and "Secret Name" in page, who
    with demo_engine.connect() as conn:
        reads = conn.execute(
            select(func.count())
            .select_from(tables.audit_log)
            .where(tables.audit_log.c.action == "read_protected", tables.audit_log.c.entity_id == reference)
        ).scalar_one()
    assert reads == 3  # each page view of the sender is audited


def test_unknown_alerts_actions_and_anonymous_visitors(client: TestClient, people: dict[str, Any]) -> None:
    missing = client.get("/alerts/A000000-NOTHERE", headers=people["officer"])
    assert missing.status_code == 404 and "No such alert" in missing.text
    assert client.get("/alerts/" + "A" * 40, headers=people["officer"]).status_code == 404
    assert (
        client.post("/alerts/A000000-NOTHERE/escalate", data={}, headers=people["officer"]).status_code == 404
    )
    assert (
        client.post("/alerts/A000000-NOTHERE/acknowledge", data={}, headers=people["officer"]).status_code
        == 404
    )
    for path in ("/alerts", "/alerts/new", "/alerts/A000000-NOTHERE"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=/alerts")
    assert client.post("/alerts/A000000-NOTHERE/close", follow_redirects=False).status_code == 303


def test_the_alert_pages_in_french(client: TestClient, people: dict[str, Any], demo_engine: Engine) -> None:
    here = place(demo_engine, "KT02")
    reference = post_alert(client, people["cla"], "Français : menace au marché", here["pcode"])
    french = {**people["cla"], "Accept-Language": "fr"}
    inbox = client.get("/alerts", headers=french).text
    assert "<h1>Alertes reçues</h1>" in inbox and "Temps de réponse par bureau de terrain" in inbox
    page = client.get(f"/alerts/{reference}", headers=french).text
    assert "Accuser réception" in page and "Historique" in page and "reçue" in page
    assert "<h1>Signaler une alerte</h1>" in client.get("/alerts/new", headers=french).text
