"""The alert desk in Chromium (issue 14), in English and in French, on a mission in Kinshasa's time zone with the
DRC's country code: a CLA logs a radio call through the form (type-ahead community, national number, time of
the call); the field officer's open inbox and map show it within seconds without a reload, with the tab title
counting it; the officer takes it from received to closed in four form submissions; times are local (WAT)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from pochub.web.rendering import DIST_DIR
from tests.web.test_browser import PASSWORD, browser, pochub, screenshot, served

pytestmark = pytest.mark.slow
__all__ = ["browser"]  # the Chromium fixture, shared with the other browser tests

PEOPLE = (("desk_cla", "cla", "fo_besu"), ("desk_officer", "field_officer", "fo_besu"))


@pytest.fixture(scope="module")
def desk_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`pochub serve` on a demo mission with the mission's zone and country set, a CLA and an officer of Besu."""
    assert (DIST_DIR / "manifest.json").exists(), "web assets not built: run `make web`"
    database = f"sqlite:///{tmp_path_factory.mktemp('desk') / 'demo.db'}"
    pochub(database, "db", "upgrade")
    pochub(database, "demo", "--seed", "1", "--events", "500", "--communities", "200", "--no-accounts")
    for name, role, office in PEOPLE:
        pochub(
            database, "users", "add", name, "--role", role, "--field-office", office, "--password-stdin",
            stdin=PASSWORD + "\n",
        )  # fmt: skip
    with served(database, POCHUB_TIMEZONE="Africa/Kinshasa", POCHUB_COUNTRY_CODE="CD") as url:
        yield url


def new_tab(browser: Browser, server: str, language: str, errors: list[str]) -> Page:
    """A fresh context in ``language`` that records script errors and CSP violations."""
    locale = {"en": "en-GB", "fr": "fr-FR"}[language]
    tab = browser.new_context(
        base_url=server, locale=locale, viewport={"width": 1400, "height": 900}
    ).new_page()
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on(
        "console",
        lambda message: errors.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return tab


def sign_in_as(tab: Page, username: str) -> None:
    tab.goto("/login")
    tab.locator("#username").fill(username)
    tab.locator("#password").fill(PASSWORD)
    tab.locator('form.login button[type="submit"]').click()
    expect(tab).to_have_url(re.compile(r"/$"))


def submit_chain(tab: Page, action: str) -> None:
    """Submit the form of ``action`` with its combined button (the steps that need no more facts)."""
    form = tab.locator(f'form.action[action$="/{action}"]')
    form.locator('button[name="chain"]').click()
    expect(tab).to_have_url(re.compile(r"done=[a-z_]+#next-action$"))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_call_logged_by_a_cla_reaches_the_open_inbox_and_map_and_closes_in_four_submissions(
    browser: Browser, desk_server: str, language: str
) -> None:
    errors: list[str] = []
    officer = new_tab(browser, desk_server, language, errors)
    officer_map = new_tab(browser, desk_server, language, errors)
    cla = new_tab(browser, desk_server, language, errors)
    try:
        sign_in_as(officer, "desk_officer")
        sign_in_as(officer_map, "desk_officer")
        expect(officer_map.locator("body")).to_have_attribute("data-alerts-ready", "true", timeout=30_000)
        shown_before = int(officer_map.locator("body").get_attribute("data-alerts-shown") or "0")
        officer.goto("/alerts")
        expect(officer.locator("body")).to_have_attribute(
            "data-desk-polls", re.compile(r"[1-9]"), timeout=20_000
        )
        expect(officer.locator("#desk-updated")).to_contain_text("WAT")
        rows_before = officer.locator("table.inbox tbody tr[data-reference]").count()

        sign_in_as(cla, "desk_cla")
        cla.goto("/alerts/new")
        expect(cla.locator("label[for=called_at]")).to_contain_text("WAT")
        cla.locator("#channel").select_option("radio")
        cla.locator("#text").fill(f"Radio ({language}): armed men asked for the chief's house at dawn")
        option = cla.locator("#community-choices option").first.get_attribute("value")
        assert option and re.search(r"\[[^\]]+\]$", option)
        community = cla.locator("#community_id")
        community.fill(option.split(" [")[0][:4])  # the type-ahead: part of the name
        community.fill(option)
        cla.locator("#urgency").select_option("immediate")
        cla.locator("#threat_type").select_option("abduction_forced_disappearance")
        cla.locator("#sender_number").fill("081 000 0222")
        screenshot(cla, f"desk-log-a-call-{language}")
        cla.locator('form.alert-form button[type="submit"]').click()
        expect(cla).to_have_url(re.compile(r"/alerts/A[0-9A-Z-]+\?logged=1$"))
        reference = re.search(r"/alerts/(A[0-9A-Z-]+)\?", cla.url)[1]  # type: ignore[index]
        short = reference.split("-")[-1]
        expect(cla.locator(".read-back")).to_contain_text(f"{short[:4]} {short[4:]}")
        screenshot(cla, f"desk-logged-{language}")

        # without a reload: the officer's open inbox gets the row, the title counts it, the map draws it
        row = officer.locator(f'table.inbox tbody tr[data-reference="{reference}"]')
        expect(row).to_have_count(1, timeout=20_000)
        expect(row).to_have_class(re.compile("fresh"))
        assert officer.locator("table.inbox tbody tr[data-reference]").count() == min(rows_before + 1, 50)
        assert re.match(r"^\(\d", officer.title())  # "(1 new, ...) Alert inbox"
        expect(row.locator("time").first).to_contain_text("WAT")
        screenshot(officer, f"desk-inbox-live-{language}")
        expect(officer_map.locator("body")).to_have_attribute(
            "data-alerts-shown", str(shown_before + 1), timeout=20_000
        )
        expect(officer_map.locator("#alert-layer-count")).to_contain_text(str(shown_before + 1))
        screenshot(officer_map, f"desk-map-live-{language}")

        # four submissions from received to closed
        row.get_by_role("link", name=reference).click()
        expect(officer.locator(".sender")).to_contain_text("+243810000222")
        submit_chain(officer, "acknowledge")  # acknowledge, verify, classify, transmit
        decide = officer.locator('form.action[action$="/decide"]')
        decide.locator('input[name="units"]').first.check()
        submit_chain(officer, "decide")  # decide (the defaults pass) and deploy
        outcome = officer.locator('form.action[action$="/record_outcome"]')
        outcome.locator('textarea[name="outcome"]').fill("A patrol went; the men left.")
        outcome.locator('textarea[name="message"]').fill("A patrol came and stays tonight.")
        submit_chain(officer, "record_outcome")  # outcome and feedback
        officer.locator('form.action[action$="/close"] button[type="submit"]').click()
        expect(officer).to_have_url(re.compile(r"done=close#next-action$"))
        expect(officer.locator("#alert-state")).to_have_text({"en": "closed", "fr": "close"}[language])
        history = officer.locator("#history tbody tr")
        expect(history).to_have_count(10)  # received + nine transitions, each its own
        screenshot(officer, f"desk-closed-{language}")
    finally:
        for tab in (officer, officer_map, cla):
            tab.context.close()
    assert not errors, f"script errors: {errors}"
