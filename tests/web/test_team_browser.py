"""Joint teams in Chromium (issue 17, item 3), on `pochub demo`'s mission (two teams reported, one requested): at a
desk in English a PoC adviser opens the requested team from the list, plans it (the escort and the travel time
appear), records its departure and reports what it heard through the findings form; on a phone in French the
team's page shows the findings and the list the team as reported. No script error, no CSP violation; screenshots."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.web.test_alert_desk_browser import new_tab, sign_in_as
from tests.web.test_browser import PASSWORD, browser, pochub, screenshot, served

pytestmark = pytest.mark.slow
__all__ = ["browser"]


@pytest.fixture(scope="module")
def teams_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`pochub serve` on a demo mission with its joint teams and a PoC adviser."""
    database = f"sqlite:///{tmp_path_factory.mktemp('teams') / 'demo.db'}"
    pochub(database, "db", "upgrade")
    pochub(database, "demo", "--seed", "1", "--events", "500", "--communities", "300")
    pochub(database, "users", "add", "teams_adviser", "--role", "poc_adviser", "--password-stdin",
           stdin=PASSWORD + "\n")  # fmt: skip
    with served(database) as url:
        yield url


def test_a_requested_team_planned_deployed_and_reported(browser: Browser, teams_server: str) -> None:
    errors: list[str] = []
    desk = new_tab(browser, teams_server, "en", errors)
    sign_in_as(desk, "teams_adviser")
    desk.goto("/teams")
    expect(desk.locator("h1")).to_have_text("Joint teams")
    row = desk.locator("tbody tr", has_text="requested").first
    row.locator("a").first.click()
    expect(desk.locator("h1")).to_contain_text("Joint protection team")
    desk.get_by_role("button", name="Plan with the fastest available escort").click()
    expect(desk.locator("#plan")).to_be_visible()
    expect(desk.locator("main")).to_contain_text(re.compile(r"Escort: .+ h by road in the dry season"))
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

    phone = new_tab(browser, teams_server, "fr", errors)
    phone.set_viewport_size({"width": 390, "height": 844})
    sign_in_as(phone, "teams_adviser")
    phone.goto(address)
    expect(phone.locator("main")).to_contain_text("Menaces entendues")
    expect(phone.locator("main")).to_contain_text("a patrol on market days")
    screenshot(phone, "teams-phone-fr-team")
    phone.goto("/teams")
    expect(phone.locator("h1")).to_have_text("Équipes conjointes")
    expect(phone.locator("tbody tr", has_text="rapport remis")).to_have_count(3)
    assert errors == []
