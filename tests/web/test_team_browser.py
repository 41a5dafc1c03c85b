"""Joint teams in Chromium (issue 17, item 3, and the second "Done when"), on `pochub demo`'s mission (two teams
reported, one requested): at a desk in English a PoC adviser opens a row of the threat matrix, requests a team from
it for a community of the row's area (the form filled with the row's key, missing components flagged), plans it
(the escort and a travel time by road in the rainy season appear), records its departure and reports what it heard
through the findings form; the community's page then names the threat heard and the need; on a phone in French the
team's page shows the findings, the community's page what it heard, and the list the team as reported. No script
error, no CSP violation; screenshots."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import text

from pochub.store.database import connect
from tests.web.test_alert_desk_browser import new_tab, sign_in_as
from tests.web.test_browser import PASSWORD, browser, pochub, screenshot, served

pytestmark = pytest.mark.slow
__all__ = ["browser"]


@pytest.fixture(scope="module")
def teams_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """`pochub serve` on a demo mission with its joint teams and a PoC adviser; its base URL and database."""
    database = f"sqlite:///{tmp_path_factory.mktemp('teams') / 'demo.db'}"
    pochub(database, "db", "upgrade")
    pochub(database, "demo", "--seed", "1", "--events", "500", "--communities", "300")
    pochub(database, "users", "add", "teams_adviser", "--role", "poc_adviser", "--password-stdin",
           stdin=PASSWORD + "\n")  # fmt: skip
    with served(database) as url:
        yield url, database


def _community_away_from_bases(database: str, area: str) -> tuple[str, str]:
    """A community of ``area`` (its id and name) where no base stands, so that a team travels to it."""
    engine = connect(database)
    try:
        with engine.connect() as conn:
            found = conn.execute(
                text(
                    "SELECT c.community_id, c.name FROM communities c WHERE c.pcode LIKE :area AND NOT EXISTS "
                    "(SELECT 1 FROM bases b WHERE b.latitude = c.latitude AND b.longitude = c.longitude) "
                    "ORDER BY c.community_id"
                ),
                {"area": f"{area}%"},
            ).first()
    finally:
        engine.dispose()
    assert found is not None, area
    return found.community_id, found.name


def test_a_team_requested_from_a_threat_row_planned_deployed_and_reported(
    browser: Browser, teams_server: tuple[str, str]
) -> None:
    url, database = teams_server
    errors: list[str] = []
    desk = new_tab(browser, url, "en", errors)
    sign_in_as(desk, "teams_adviser")
    desk.goto("/threats")
    details = desk.locator("tr.more details").first
    details.locator("summary").click()
    request = details.get_by_role("link", name="Request a joint team for this threat")
    key = urllib.parse.parse_qs(urllib.parse.urlparse(request.get_attribute("href") or "").query)["threat"][0]
    community, name = _community_away_from_bases(database, key.split("|")[0])
    request.click()
    expect(desk.locator("h1")).to_have_text("Request a joint team")
    expect(desk.locator('input[name="origin_ref"]')).to_have_value(key)  # the row's key travels hidden
    expect(desk.locator("#origin_text")).to_contain_text(": ")  # the row read as area: threat (perpetrator)
    expect(desk.locator("#origin_text")).not_to_contain_text("|")
    assert desk.locator(f'#community-choices option[value="{name} [{community}]"]').count() == 1
    desk.fill("#community_id", f"{name} [{community}]")  # chosen from the type-ahead list
    desk.fill("#purpose", "hear the community on the threat of the matrix's row")
    desk.fill("#post_civil_affairs", "chief_civil_affairs")
    desk.fill("#post_human_rights", "director_human_rights")
    desk.fill("#post_force", "force_u3")
    desk.get_by_role("button", name="Request the team").click()
    expect(desk.locator("h1")).to_contain_text("Joint protection team")
    expect(desk.locator("h1")).to_contain_text(name)
    expect(desk.locator("main")).to_contain_text("Missing components")
    expect(desk.locator('a[href^="/threats#"]')).to_be_visible()  # back to the row it answers
    desk.locator("#season").select_option("rainy")
    desk.get_by_role("button", name="Plan with the fastest available escort").click()
    expect(desk.locator("#plan")).to_be_visible()
    planned = re.search(
        r"Escort: (\S+) from (\S+), ([0-9.]+) h by road in the rainy season",
        desk.locator("main").inner_text(),
    )
    assert planned, "no escort and travel time on the team's page"
    assert float(planned.group(3)) > 0  # the community has no base: the escort travels
    screenshot(desk, "teams-desk-en-planned")
    desk.get_by_role("button", name="The team has left").click()
    desk.locator("#threat_0").select_option("forced_recruitment")
    desk.locator("#perpetrator_0").fill("the recruiters from the ridge")
    desk.locator("#needs").fill("a radio for the alert focal point")
    desk.locator("#recommendations").fill("a patrol on market days")
    desk.get_by_role("button", name="Report", exact=True).click()
    expect(desk.locator("#findings")).to_be_visible()
    expect(desk.locator("main")).to_contain_text("the recruiters from the ridge")
    address = desk.url.split("?")[0]
    screenshot(desk, "teams-desk-en-reported")
    desk.locator(f'main a[href="/communities/{community}"]').first.click()
    expect(desk.locator("h1")).to_contain_text(name)
    expect(desk.locator("main")).to_contain_text("Forced recruitment")
    expect(desk.locator("main")).to_contain_text("the recruiters from the ridge")
    expect(desk.locator("main")).to_contain_text("a radio for the alert focal point")
    screenshot(desk, "teams-desk-en-community")

    phone = new_tab(browser, url, "fr", errors)
    phone.set_viewport_size({"width": 390, "height": 844})
    sign_in_as(phone, "teams_adviser")
    phone.goto(address)
    expect(phone.locator("main")).to_contain_text("Menaces entendues")
    expect(phone.locator("main")).to_contain_text("a patrol on market days")
    screenshot(phone, "teams-phone-fr-team")
    phone.goto(f"/communities/{community}")
    expect(phone.locator("main")).to_contain_text("the recruiters from the ridge")
    expect(phone.locator("main")).to_contain_text("a radio for the alert focal point")
    screenshot(phone, "teams-phone-fr-community")
    phone.goto("/teams")
    expect(phone.locator("h1")).to_have_text("Équipes conjointes")
    expect(phone.locator("tbody tr", has_text="rapport remis")).to_have_count(3)
    expect(phone.locator("tbody tr", has_text="demandée")).to_have_count(1)  # the demo's requested team waits
    assert errors == []
