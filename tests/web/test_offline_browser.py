"""Offline-first in Chromium (issue 18, items 2 and 6), as a community liaison assistant works on a phone (390 x
844): signed in, the service worker keeps the field pages; the connection goes (the browser offline and the
server stopped: Playwright's offline mode does not reach service workers); the alert form and the engagement form
open from the phone; an alert and an engagement logged there wait on the phone ("waiting to send"), the sender's
details never kept; a write posted while the browser still thinks it is online is kept by the service worker; the
connection returns and each is stored exactly once (the database says so, even when the phone sends them again);
nothing with protected fields was written to the device; signing out with something waiting warns first, then
clears the device (caches, IndexedDB, the service worker). A new build's assets bring a new service worker that
takes over. Screenshots at both sizes in English and French. No script error, no CSP violation."""

from __future__ import annotations

import re
import shutil
import sqlite3
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from pochub.web.rendering import DIST_DIR
from tests.web.test_browser import PASSWORD, browser, free_port, pochub, screenshot, served

pytestmark = pytest.mark.slow
__all__ = ["browser"]

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1400, "height": 900}
CLA = "offline_cla"
CACHED = """async () => { const found = {}; for (const name of await caches.keys()) { const cache = await caches.open(name);
  for (const request of await cache.keys()) found[new URL(request.url).pathname + new URL(request.url).search] =
  await (await cache.match(request)).text(); } return found; }"""
"""Every response the service worker wrote to the device, by address, with its body."""
ACTIVATED = "async () => (await navigator.serviceWorker.getRegistration())?.active?.state === 'activated'"
"""Has the page's service worker finished activating (a new build's worker cleans up the old copy then)?"""
DEVICE = """async () => ({ caches: (await caches.keys()).length, databases: (await indexedDB.databases()).length,
  workers: (await navigator.serviceWorker.getRegistrations()).length })"""


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo mission with a CLA of Besu (province KT02)."""
    assert (DIST_DIR / "sw.js").exists(), "web assets not built: run `make web`"
    path = tmp_path_factory.mktemp("offline") / "demo.db"
    url = f"sqlite:///{path}"
    pochub(url, "db", "upgrade")
    pochub(url, "demo", "--seed", "1", "--events", "300", "--communities", "150")
    pochub(url, "users", "add", CLA, "--role", "cla", "--field-office", "fo_besu", "--name", "Esther Bahati",
           "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    return path


def rows(path: Path, query: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(query, args).fetchall()


def phone_of(browser: Browser, url: str, language: str, size: dict[str, int], errors: list[str]) -> Page:
    context = browser.new_context(
        base_url=url, locale={"en": "en-GB", "fr": "fr-FR"}[language], viewport=size
    )
    tab = context.new_page()
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    return tab


def sign_in_and_keep(tab: Page) -> None:
    """Sign in as the CLA and wait until the service worker serves the page and has read the field pages ahead."""
    tab.goto("/login")
    tab.locator("#username").fill(CLA)
    tab.locator("#password").fill(PASSWORD)
    tab.locator('form.login button[type="submit"]').click()
    expect(tab).to_have_url(re.compile(r"/$"))
    html = tab.locator("html")
    expect(html).to_have_attribute("data-offline-version", re.compile(r"^[0-9a-f]{8}$"), timeout=60_000)
    expect(html).to_have_attribute("data-offline-kept", re.compile(r"^[1-9]\d*$"), timeout=60_000)


def community(path: Path) -> tuple[str, str, str]:
    found = rows(path, "SELECT community_id, name, pcode FROM communities WHERE pcode LIKE 'KT02%' "
                       "ORDER BY community_id LIMIT 1")  # fmt: skip
    return str(found[0][0]), str(found[0][1]), str(found[0][2])


def log_alert(tab: Page, text: str, place: tuple[str, str, str], *, sender: bool = False) -> None:
    tab.locator("#text").fill(text)
    tab.locator("#community_id").fill(f"{place[1]} [{place[0]}]")
    tab.select_option("#urgency", "high")
    if sender:
        tab.locator("#sender_number").fill("+243810004444")
    tab.locator('form[action="/alerts/new"] button[type="submit"]').click()


def log_engagement(tab: Page, where: str, place: tuple[str, str, str]) -> None:
    tab.locator("#community_id").fill(f"{place[1]} [{place[0]}]")
    tab.select_option("#kind", "visit")
    tab.fill("#p-female-18_59", "5")
    tab.select_option("#threat", "abduction_forced_disappearance")
    tab.fill("#place", where)
    tab.locator('form[action="/engagements/new"] button[type="submit"]').click()


def sign_out(tab: Page) -> None:
    menu = tab.locator("button.menu-button")
    if menu.count() and menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
        menu.click()
    tab.locator('form[action="/logout"] button[type="submit"]').click()


def test_a_cla_logs_offline_and_each_write_is_stored_once_when_back(browser: Browser, database: Path) -> None:
    errors: list[str] = []
    port = free_port()
    place = community(database)
    with ExitStack() as server:
        url = server.enter_context(served(f"sqlite:///{database}", port=port))
        tab = phone_of(browser, url, "en", PHONE, errors)
        context: BrowserContext = tab.context
        sign_in_and_keep(tab)
        # an alert page shows its sender to a CLA: read online, it is never written to the device
        alert = rows(database, "SELECT reference FROM alerts WHERE field_office = 'fo_besu' LIMIT 1")[0][0]
        tab.goto(f"/alerts/{alert}")
        expect(tab.locator("section.sender")).to_be_visible()
        sender = tab.locator("section.sender dd").nth(1).inner_text()

        # the connection goes
        context.set_offline(True)
        server.close()
        tab.goto("/alerts/new")
        expect(tab.locator("h1")).to_have_text("Log an alert")
        status = tab.locator("#offline-status")
        expect(status).to_contain_text("You are offline")
        expect(tab.locator("#sender_number")).to_be_disabled()
        log_alert(tab, "Offline: armed men took the ferry", place)
        expect(status).to_contain_text("Kept on this phone: waiting to send.")
        expect(status.locator("li.offline-waiting")).to_contain_text(
            "Alert: Offline: armed men took the ferry"
        )
        screenshot(tab, "offline-phone-en-alert-waiting")
        tab.goto("/charts")  # a page the phone did not keep: the offline page says which ones open
        expect(tab.locator("h1")).to_have_text("Offline")
        expect(tab.get_by_role("link", name="Record an engagement")).to_be_visible()
        tab.goto("/engagements/new")
        log_engagement(tab, "the ferry landing", place)
        expect(status.locator("li.offline-waiting")).to_have_count(2)
        expect(status).to_contain_text("waiting to send")

        # the browser believes it is online again, the server is still away: the service worker keeps the post
        context.set_offline(False)
        tab.goto("/engagements/new")
        log_engagement(tab, "the school yard", place)
        expect(tab).to_have_url(re.compile(r"/engagements/new#kept$"))
        expect(status.locator("li.offline-waiting")).to_have_count(3)
        screenshot(tab, "offline-phone-en-three-waiting")
        kept = tab.evaluate(CACHED)
        assert not [name for name in kept if name.startswith(f"/alerts/{alert}")], list(kept)
        assert not [name for name, body in kept.items() if sender in body or "+243810004444" in body]
        waiting = tab.evaluate("window.pochubOffline.waiting()")
        assert {item["kind"] for item in waiting} == {"alert", "engagement"}
        assert all("csrf_token" not in dict(item["fields"]) for item in waiting)

        # the connection returns: each is sent with its key and stored once
        server.enter_context(served(f"sqlite:///{database}", port=port))
        context.set_offline(True)
        context.set_offline(False)  # the "online" event
        expect(status.locator("li.offline-sent")).to_have_count(3, timeout=30_000)
        screenshot(tab, "offline-phone-en-sent")
        reports = (
            "SELECT reference FROM alert_reports JOIN alerts USING (alert_id) WHERE alert_reports.text = ?"
        )
        alerts = rows(
            database, reports, "Offline: armed men took the ferry"
        )  # a new alert, or merged into one
        visits = "SELECT count(*) FROM engagements WHERE concerns LIKE ?"
        assert len(alerts) == 1
        assert rows(database, visits, "%the ferry landing%") == [(1,)]
        assert rows(database, visits, "%the school yard%") == [(1,)]
        # the phone sends them again (its answer lost on the way): the server answers the first result
        tab.evaluate("""async () => { for (const item of await window.pochubOffline.waiting()) {
            item.state = 'waiting'; await window.pochubOffline.update(item); }
            await window.pochubOffline.send(); }""")
        expect(status.locator("li.offline-sent")).to_have_count(3)
        assert len(rows(database, reports, "Offline: armed men took the ferry")) == 1
        assert rows(database, visits, "%the ferry landing%") == [(1,)]
        status.get_by_role("link", name="Open").first.click()
        expect(tab).to_have_url(re.compile(rf"/alerts/{alerts[0][0]}\?(logged|merged)=1"))

        # signing out with a write waiting warns; signing out clears the device
        context.set_offline(True)
        tab.goto("/alerts/new")
        log_alert(tab, "Offline: a second call about the ferry", place)
        expect(status.locator("li.offline-waiting")).to_have_count(1)
        sign_out(tab)
        expect(status).to_contain_text("1 waiting to send will be deleted from this phone")
        screenshot(tab, "offline-phone-en-sign-out-warning")
        context.set_offline(False)
        expect(status.locator("li.offline-sent")).to_have_count(1, timeout=30_000)
        assert tab.evaluate(DEVICE)["caches"] > 0
        tab.goto("/alerts")
        sign_out(tab)
        expect(tab).to_have_url(re.compile(r"/login$"))
        assert tab.evaluate(DEVICE) == {"caches": 0, "databases": 0, "workers": 0}
        tab.context.close()
    assert errors == []


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("size", [PHONE, DESK], ids=["phone", "desk"])
def test_waiting_to_send_in_both_languages_at_both_sizes(
    browser: Browser, database: Path, language: str, size: dict[str, int]
) -> None:
    errors: list[str] = []
    place = community(database)
    text = f"Offline {language} {size['width']}: cattle raiders near the well"
    with served(f"sqlite:///{database}") as url:
        tab = phone_of(browser, url, language, size, errors)
        sign_in_and_keep(tab)
        tab.context.set_offline(True)
        tab.goto("/alerts/new")
        log_alert(tab, text, place)
        status = tab.locator("#offline-status")
        waiting = {"en": "waiting to send", "fr": "en attente d'envoi"}[language]
        expect(status.locator("li.offline-waiting")).to_contain_text(waiting)
        expect(status).to_contain_text({"en": "You are offline", "fr": "Vous êtes hors ligne"}[language])
        name = "phone" if size == PHONE else "desk"
        screenshot(tab, f"offline-{name}-{language}-waiting")
        tab.context.set_offline(False)
        expect(status.locator("li.offline-sent")).to_contain_text({"en": "sent", "fr": "envoyé"}[language])
        screenshot(tab, f"offline-{name}-{language}-sent")
        tab.context.close()
    assert len(rows(database, "SELECT 1 FROM alert_reports WHERE text = ?", text)) == 1
    assert errors == []


SERVE_FROM = """import sys
from pathlib import Path
import uvicorn
from pochub.config import Settings
from pochub.http.app import create_app
from pochub.web import pages, rendering
static = Path(sys.argv[3])  # the assets of another build
rendering.DIST_DIR, pages.STATIC_DIR = static / "dist", static
uvicorn.run(create_app(Settings(database_url=sys.argv[1], workers=False)), host="127.0.0.1", port=int(sys.argv[2]),
            log_level="warning")
"""
"""`pochub serve`, with the built assets taken from another folder (a build that is not the package's)."""


def rebuild(static: Path) -> tuple[str, str]:
    """A new build of the assets in ``static``: the application's style changed (a new hash in its name), the
    manifest and the service worker's list naming it, as the build writes them; the old and the new name."""
    dist = static / "dist"
    old = next(p.name for p in dist.glob("app-*.css") if not p.name.endswith(".gz"))
    new = "app-NEWBUILD.css"
    (dist / new).write_text((dist / old).read_text() + "\n/* a new build */\n")
    for name in ("manifest.json", "sw.js"):
        (dist / name).write_text((dist / name).read_text().replace(old, new))
        (dist / f"{name}.gz").unlink(missing_ok=True)
    return old, new


def test_a_new_build_brings_a_new_service_worker(browser: Browser, database: Path, tmp_path: Path) -> None:
    errors: list[str] = []
    static = tmp_path / "static"
    shutil.copytree(DIST_DIR, static / "dist")
    port = free_port()
    command = [sys.executable, "-c", SERVE_FROM, f"sqlite:///{database}", str(port), str(static)]
    with served(f"sqlite:///{database}", port=port, command=command) as url:
        tab = phone_of(browser, url, "en", PHONE, errors)
        sign_in_and_keep(tab)
        html = tab.locator("html")
        first = html.get_attribute("data-offline-version")
        old, new = rebuild(static)
        tab.goto("/alerts")  # a visit: the browser looks for a new service worker
        tab.evaluate(
            "async () => { const r = await navigator.serviceWorker.getRegistration(); await r.update(); }"
        )
        expect(html).not_to_have_attribute("data-offline-version", first or "", timeout=30_000)
        # it controls the page while still activating, and a reload would wait behind its clean-up: let it end
        tab.wait_for_function(ACTIVATED, timeout=60_000)
        tab.reload(timeout=60_000)
        expect(tab.locator(f'link[href="/static/dist/{new}"]')).to_have_count(1)
        # the new worker keeps the new build's copy and drops the old one as it activates; it takes over before its
        # clean-up ends, so the device is read once it is activated (or the wait fails the test)
        held = (
            "async (u) => (await Promise.all((await caches.keys()).map("
            "async (n) => (await caches.open(n)).match(u)))).some(Boolean)"
        )
        settled = (
            f"async () => (await ({ACTIVATED})()) && "
            f"(await ({held})('/static/dist/{new}')) && !(await ({held})('/static/dist/{old}'))"
        )
        tab.wait_for_function(settled, timeout=30_000)
        kept = tab.evaluate(CACHED)
        assert f"/static/dist/{new}" in kept, sorted(kept)  # the new build's copy is on the device
        assert f"/static/dist/{old}" not in kept, sorted(kept)  # the old build's copy is gone
        assert tab.evaluate(DEVICE)["workers"] == 1
        tab.context.close()
    assert errors == []
