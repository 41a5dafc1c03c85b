"""The coordination working day in Chromium (issue 17, "Done when", first item), on `pochub demo`'s mission, in English
and in French: at a desk the PoC adviser opens the PoC working group's next agenda (drafted from the data: top
risks, overdue alerts and commitments, open action points, reviews), records a meeting whose decision gives an
action point owned by Besu's head of office; days pass (the escalation pass runs with a later clock, as the worker
of `pochub serve` would) so it is overdue and climbs to the senior management group (one outbox notification) and
the board says so; on a phone the head of office closes it from the board of the action points their post owns;
the board shows it done and this week's situation report counts one more closed. No script error, no CSP
violation; screenshots at desk (1440x900) and phone (390x844) sizes in both languages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from pochub.services.action_points import escalate_overdue_action_points
from pochub.store import tables
from pochub.store.database import connect
from tests.web.test_alert_desk_browser import new_tab, sign_in_as
from tests.web.test_browser import PASSWORD, browser, pochub, screenshot, served

pytestmark = pytest.mark.slow
__all__ = ["browser"]

DESK = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
WG = "mission_poc_wg"
OWNER_POST = "head_of_office_fo_besu"
TEXT = {
    "en": {
        "agenda": "Next agenda: Mission PoC Working Group", "open_points": "Open action points",
        "record": "Record the meeting", "escalated": "escalated to Senior Management Group on Protection",
        "my_points": "The action points my post owns", "done_button": "Done", "done_status": "done",
        "closed": "Recorded as done.", "sitrep_done": r"done: (\d+)",
    },
    "fr": {
        "agenda": "Groupe de travail sur la protection des civils", "open_points": "Points d'action ouverts",
        "record": "Enregistrer la réunion", "escalated": "remonté vers Groupe de gestion principal sur la protection",
        "my_points": "Les points d'action dont mon poste est responsable", "done_button": "Fait", "done_status": "fait",
        "closed": None, "sitrep_done": r"achevés : (\d+)",
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def day_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """`pochub serve` on a demo mission (its quarter of forums) with a PoC adviser and Besu's head of office (a
    field officer holding that post); its base URL and database."""
    database = f"sqlite:///{tmp_path_factory.mktemp('coordination') / 'demo.db'}"
    pochub(database, "db", "upgrade")
    pochub(database, "demo", "--seed", "1", "--events", "500", "--communities", "300")
    pochub(database, "users", "add", "day_adviser", "--role", "poc_adviser", "--password-stdin",
           stdin=PASSWORD + "\n")  # fmt: skip
    pochub(database, "users", "add", "day_head_besu", "--role", "field_officer", "--field-office", "fo_besu",
           "--structure-role", OWNER_POST, "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    with served(database) as url:
        yield url, database


def _closed_this_week(tab: Page, language: str) -> int:
    """Action points closed this week, as the weekly situation report's page says."""
    tab.goto("/reports/weekly")
    found = re.search(TEXT[language]["sitrep_done"], tab.locator("main").inner_text())
    assert found, "the report says nothing of the action points closed"
    return int(found.group(1))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_an_agenda_a_decision_an_escalation_and_a_closure(
    browser: Browser, day_server: tuple[str, str], language: str
) -> None:
    url, database = day_server
    text = TEXT[language]
    errors: list[str] = []
    desk = new_tab(browser, url, language, errors)
    desk.set_viewport_size(DESK)
    sign_in_as(desk, "day_adviser")
    closed_before = _closed_this_week(desk, language)

    desk.goto("/forums")
    desk.locator(f'a[href="/forums/{WG}"]').click()
    desk.locator(f'a[href="/forums/{WG}/agenda"]').click()
    expect(desk.locator("h1")).to_contain_text(text["agenda"])
    items = desk.locator("main ol > li")
    assert (
        items.count() >= 4
    )  # top risks, overdue alerts, overdue commitments, open action points (and reviews)
    expect(desk.locator("main ol")).to_contain_text(text["open_points"])
    expect(desk.locator("main ol > li").first.locator("li").first).not_to_be_empty()
    screenshot(desk, f"coordination-desk-{language}-agenda")

    what = f"Agree the market road escort with the sector commander ({language})"
    desk.locator(f'a[href="/forums/{WG}"]').first.click()
    for box in desk.locator('input[name="attendance"]').all():
        box.check()
    desk.fill("#agenda", "Top risks\nOverdue alerts\nOpen action points")
    desk.fill("#decision", "Send a joint protection team along the market road before the next market day")
    desk.fill("#action", what)
    desk.select_option("#owner", OWNER_POST)
    desk.fill("#due", (datetime.now(UTC).date() + timedelta(days=2)).isoformat())
    desk.get_by_role("button", name=text["record"]).click()
    expect(desk).to_have_url(re.compile(r"/meetings/\d+$"))
    expect(desk.locator("article.document")).to_contain_text(what)
    screenshot(desk, f"coordination-desk-{language}-minutes")

    # days pass: the escalation pass runs with a later clock
    engine = connect(database)
    try:
        with engine.connect() as conn:
            number = conn.execute(
                select(tables.action_points.c.action_point_id).where(tables.action_points.c.what == what)
            ).scalar_one()
        escalated = escalate_overdue_action_points(
            engine, now=datetime.now(UTC) + timedelta(days=4), worker="test-clock"
        )
        with engine.connect() as conn:
            outbox = conn.execute(
                select(tables.outbox.c.kind, tables.outbox.c.target, tables.outbox.c.payload).where(
                    tables.outbox.c.dedupe_key.like(f"action_point:{number}:%")
                )
            ).all()
    finally:
        engine.dispose()
    assert f"AP-{number}" in escalated
    assert [(o.kind, o.target) for o in outbox] == [("action_point_escalated", "smg_protection")]
    assert json.loads(outbox[0].payload)["owner_post"] == OWNER_POST
    desk.goto(f"/action-points?body={WG}")
    card = desk.locator(f"#ap-{number}")
    expect(card).to_contain_text(text["escalated"])
    screenshot(desk, f"coordination-desk-{language}-escalated")

    phone = new_tab(browser, url, language, errors)
    phone.set_viewport_size(PHONE)
    sign_in_as(phone, "day_head_besu")
    phone.goto("/forums")
    phone.get_by_role("link", name=text["my_points"]).click()
    mine = phone.locator(f"#ap-{number}")
    expect(mine).to_contain_text(what)
    screenshot(phone, f"coordination-phone-{language}-my-points")
    mine.locator("textarea").fill("Escort agreed with the sector commander for Thursday")
    mine.get_by_role("button", name=text["done_button"], exact=True).click()
    expect(phone).to_have_url(re.compile(r"done=complete"))
    if text["closed"]:
        expect(phone.locator("p.done")).to_have_text(text["closed"])
    expect(phone.locator(f"#ap-{number}")).to_have_count(0)  # no longer among the open ones
    screenshot(phone, f"coordination-phone-{language}-closed")

    desk.goto(f"/action-points?body={WG}&ended=1")
    expect(desk.locator(f"#ap-{number} strong").first).to_have_text(text["done_status"])
    assert _closed_this_week(desk, language) == closed_before + 1
    screenshot(desk, f"coordination-desk-{language}-sitrep")
    phone.goto("/reports/weekly")
    screenshot(phone, f"coordination-phone-{language}-sitrep")
    assert errors == []
