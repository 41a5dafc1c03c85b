"""Joint teams and action points read as people read them, on the demo mission (both backends), in English and
French: a team requested from a threat row names the row by its area, threat and perpetrator (the forum agendas'
wording), never by its key, on the request form and on the team's page; the request form offers the communities
the reader may see (the row's area first), a field officer's only those of their area, and still refuses a
community outside it typed by hand; an action point addressing a threat row names it on the board; an escalated
one says so in the French the alerts use ("remonté vers"); a meeting's page names its body in the reader's
language."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.core.coordination_practice.actions import ActionLinks, ActionPoint
from pochub.core.coordination_practice.forums import Decision, Meeting
from pochub.core.models.access import Role, User
from pochub.core.models.coordination import structure_in
from pochub.core.models.taxonomy import threat_label
from pochub.core.text import Message
from pochub.core.threats.matrix import ThreatRecord
from pochub.http.app import create_app
from pochub.i18n import localise
from pochub.services.action_points import escalate_overdue_action_points
from pochub.services.forums import record_meeting
from pochub.services.structures import require_structure
from pochub.services.threats import assess
from pochub.store import tables
from tests.api.access_helpers import auth_header, make_user
from tests.csrf_tokens import with_csrf_tokens
from tests.web.test_no_raw_codes import visible_text

SECRETARIAT = User(0, "readable.secretariat", Role.POC_ADVISER)


@pytest.fixture(scope="module")
def client(demo_engine: Engine) -> Iterator[TestClient]:
    url = demo_engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, workers=False))
    try:
        with with_csrf_tokens(TestClient(app)) as test_client:
            yield test_client
    finally:
        app.state.engine.dispose()


def _row(engine: Engine) -> ThreatRecord:
    """A row of the matrix with a named perpetrator, in an area holding communities."""
    with engine.connect() as conn:
        pcodes = set(conn.execute(select(tables.communities.c.pcode)).scalars())
    return next(
        r for r in assess(engine, level=2).records if r.perpetrator and any(p and p.startswith(r.area_pcode)
                                                                                for p in pcodes)
    )  # fmt: skip


def _readable(row: ThreatRecord, language: str) -> str:
    colon = " : " if language == "fr" else ": "
    return f"{row.area_name}{colon}{localise(Message(threat_label(row.threat_type)), language)} ({row.perpetrator})"


def _choices(page: str) -> list[str]:
    """The community ids the request form offers, in order."""
    return [html.unescape(i) for i in re.findall(r'<option value="[^"]*\[([^\]]+)\]"', page)]


def _pcodes(engine: Engine) -> dict[str, str | None]:
    with engine.connect() as conn:
        return dict(conn.execute(select(tables.communities.c.community_id, tables.communities.c.pcode)).all())


def test_a_team_from_a_threat_row_names_the_row_and_offers_the_communities(
    client: TestClient, demo_engine: Engine
) -> None:
    adviser = auth_header(make_user(demo_engine, "poc_adviser")[1])
    row = _row(demo_engine)
    pcodes = _pcodes(demo_engine)
    form = client.get("/teams/new", params={"threat": row.key}, headers=adviser)
    assert form.status_code == 200
    shown = visible_text(form.text)
    assert _readable(row, "en") in shown and row.key not in shown
    assert f'name="origin_ref" value="{html.escape(row.key)}"' in form.text  # the key travels, hidden
    offered = _choices(form.text)
    assert len(offered) == len(pcodes)  # a mission-wide adviser may choose any community
    assert (pcodes[offered[0]] or "").startswith(row.area_pcode)  # the row's area first
    chosen = offered[0]
    name = re.search(rf'<option value="([^"]*) \[{re.escape(chosen)}\]"', form.text)
    assert name is not None
    made = client.post(
        "/teams/new",
        data={"kind": "jpt", "origin": "threat", "origin_ref": row.key,
              "community_id": f"{html.unescape(name.group(1))} [{chosen}]", "purpose": "hear them",
              "post_force": "force_u3"},
        headers=adviser, follow_redirects=False,
    )  # fmt: skip
    assert made.status_code == 303, made.text
    page_url = made.headers["location"].split("?")[0]
    for language in ("en", "fr"):
        page = client.get(page_url, headers={**adviser, "Accept-Language": language})
        shown = visible_text(page.text)
        assert _readable(row, language) in shown, language
        assert row.key not in shown and "|" not in shown, language
    french = client.get(f"/teams/new?threat={row.key}", headers={**adviser, "Accept-Language": "fr"})
    assert _readable(row, "fr") in visible_text(french.text)


def test_a_field_officer_chooses_among_the_communities_of_their_area(
    client: TestClient, demo_engine: Engine
) -> None:
    officer = auth_header(make_user(demo_engine, "field_officer", field_office="fo_besu")[1])
    areas = next(o for o in require_structure(demo_engine).field_offices if o.id == "fo_besu").area_pcodes
    pcodes = _pcodes(demo_engine)
    form = client.get("/teams/new", headers=officer)
    offered = _choices(form.text)
    inside = {c for c, p in pcodes.items() if p and p.startswith(areas)}
    assert offered and set(offered) == inside
    outside = next(c for c, p in sorted(pcodes.items()) if c not in inside)
    refused = client.post(
        "/teams/new",
        data={"kind": "jpt", "origin": "community", "origin_ref": "", "community_id": outside,
              "purpose": "hear them", "post_force": "force_u3"},
        headers=officer, follow_redirects=False,
    )  # fmt: skip
    assert refused.status_code == 422 and "No community with this id in your area." in refused.text
    typed = client.post(
        "/teams/new",
        data={"kind": "jpt", "origin": "community", "origin_ref": "", "community_id": offered[-1],
              "purpose": "hear them", "post_force": "force_u3"},
        headers=officer, follow_redirects=False,
    )  # fmt: skip
    assert typed.status_code == 303, typed.text  # an id typed by hand still does


@pytest.fixture(scope="module")
def escalated(demo_engine: Engine) -> tuple[ThreatRecord, int, str, int]:
    """A PoC working group meeting ten days ago whose action point addresses a threat row and is overdue, then one
    escalation pass: (the row, the action point's id, the body it went up to, the meeting's id)."""
    row = _row(demo_engine)
    held = datetime.now(UTC) - timedelta(days=10)
    what = "Brief the sector on the row the matrix ranks high"
    meeting_id = record_meeting(
        demo_engine, SECRETARIAT,
        Meeting("mission_poc_wg", held.date(), ("Top risks",), ("senior_poc_adviser",), (Decision(
            "Brief the sector", (ActionPoint(what, "head_of_office_fo_besu", held.date() + timedelta(days=2),
                                             "mission_poc_wg", links=ActionLinks(threat_key=row.key)),)),)),
        now=held,
    )  # fmt: skip
    escalate_overdue_action_points(demo_engine, now=datetime.now(UTC), worker="test")
    with demo_engine.connect() as conn:
        number, escalated_to = conn.execute(
            select(tables.action_points.c.action_point_id, tables.action_points.c.escalated_to).where(
                tables.action_points.c.what == what
            )
        ).one()
    assert escalated_to
    return row, number, escalated_to, meeting_id


def _card(client: TestClient, engine: Engine, number: int, language: str) -> tuple[str, str]:
    """The board's page and the card of action point ``number`` as a person reads it."""
    adviser = auth_header(make_user(engine, "poc_adviser")[1])
    page = client.get("/action-points?body=mission_poc_wg", headers={**adviser, "Accept-Language": language})
    card = re.search(rf'<article[^>]*id="ap-{number}".*?</article>', page.text, re.S)
    assert card is not None
    return page.text, visible_text(card.group(0))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_board_names_the_threat_an_action_point_addresses(
    client: TestClient, demo_engine: Engine, escalated: tuple[ThreatRecord, int, str, int], language: str
) -> None:
    row, number, _, _ = escalated
    _, shown = _card(client, demo_engine, number, language)
    assert _readable(row, language) in shown and row.key not in shown


@pytest.mark.parametrize("language", ["en", "fr"])
def test_an_escalated_action_point_says_so_in_the_alerts_wording(
    client: TestClient, demo_engine: Engine, escalated: tuple[ThreatRecord, int, str, int], language: str
) -> None:
    """French says "remonter" for escalation, as the alerts' pages and `pochub actions escalate` do."""
    _, number, escalated_to, _ = escalated
    page, shown = _card(client, demo_engine, number, language)
    body = structure_in(require_structure(demo_engine), language).body(escalated_to)
    assert body is not None
    said = {"en": "escalated to", "fr": "remonté vers"}[language]
    assert f"{said} {body.name}" in shown, shown
    assert "escalad" not in page


def test_a_meetings_page_names_its_body_in_the_readers_language(
    client: TestClient, demo_engine: Engine, escalated: tuple[ThreatRecord, int, str, int]
) -> None:
    adviser = auth_header(make_user(demo_engine, "poc_adviser")[1])
    structure = require_structure(demo_engine)
    english, french = (structure_in(structure, language).body("mission_poc_wg") for language in ("en", "fr"))
    assert english is not None and french is not None and str(english.name) != str(french.name)
    page = client.get(f"/meetings/{escalated[3]}", headers={**adviser, "Accept-Language": "fr"})
    trail = re.search(r'<nav class="document-trail".*?</nav>', page.text, re.S)
    title = re.search(r"<title>(.*?)</title>", page.text, re.S)
    assert trail is not None and title is not None
    assert html.escape(str(french.name), quote=False) in trail.group(0)
    assert str(english.name) not in trail.group(0) and str(english.name) not in html.unescape(title.group(1))
