"""The web application in a real browser (Debian's Chromium, headless, through Playwright) on the demo mission,
served by `pochub serve` as `make demo` serves it: sign-in, the operational picture and its layers, keyboard use,
French. Screenshots of each page go to tests/web/artifacts/."""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from pochub.web.rendering import DIST_DIR

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
POCHUB = Path(sys.executable).with_name("pochub")
PASSWORD = "field office password"
SERVED: dict[str, str] = {}
"""The served test database (set by the ``server`` fixture)."""
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pochub(database: str, *args: str, stdin: str | None = None) -> None:
    """Run a `pochub` command on the test database; fail with its output when it fails."""
    result = subprocess.run(
        [str(POCHUB), "--database", database, *args], input=stdin, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"pochub {' '.join(args)}: {result.stdout}\n{result.stderr}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def served(
    database: str, *, port: int | None = None, command: list[str] | None = None, **env: str
) -> Iterator[str]:
    """`pochub serve` on ``database`` (workers off, ``env`` added) on a free port (or ``port``: a server stopped
    and started again at the same address), waited for until the sign-in page answers (a busy machine may take
    its time), stopped afterwards; its base URL. ``command``, given with ``port``, serves instead of `pochub serve`."""
    port = port or free_port()
    process = subprocess.Popen(
        command or [str(POCHUB), "--database", database, "serve", "--port", str(port)],
        env={**os.environ, "POCHUB_WORKERS": "false", **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"{url}/login", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):  # not up yet, or too busy to answer within 2 s
                pass
            assert process.poll() is None, (
                f"pochub serve stopped: {process.stderr.read() if process.stderr else ''}"
            )
            time.sleep(0.5)
        else:
            pytest.fail("pochub serve did not answer within 60 s")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`pochub serve` on a fresh demo mission (seed 1) with a PoC adviser and a field officer; its base URL."""
    assert (DIST_DIR / "manifest.json").exists(), "web assets not built: run `make web`"
    database = f"sqlite:///{tmp_path_factory.mktemp('web') / 'demo.db'}"
    pochub(database, "db", "upgrade")
    pochub(database, "demo", "--seed", "1", "--events", "3000", "--communities", "400", "--no-accounts")
    pochub(
        database,
        "users",
        "add",
        "adviser",
        "--role",
        "poc_adviser",
        "--name",
        "Amina Diallo",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    pochub(
        database,
        "users",
        "add",
        "officer",
        "--role",
        "field_officer",
        "--field-office",
        "fo_besu",
        "--name",
        "Jean Kabila",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    SERVED["database"] = database  # for the fixtures that add people (the alert tests)
    with served(database) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium (installed by `make test` when missing)."""
    assert CHROMIUM.exists(), "Chromium missing: apt-get install -y chromium (make test does it)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    """A fresh browser context (no cookies) in English, that fails the test on any script error and on any
    request that leaves the server."""
    context = browser.new_context(base_url=server, locale="en-GB", viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    outside: list[str] = []
    tab = context.new_page()
    tab.on("pageerror", lambda error: errors.append(str(error)))
    # anything the Content-Security-Policy blocks (an inline script, a style, a request) is an error too
    tab.on(
        "console",
        lambda message: errors.append(message.text) if "Content Security Policy" in message.text else None,
    )
    tab.on(
        "request",
        lambda request: None if request.url.startswith((server, "data:")) else outside.append(request.url),
    )
    yield tab
    context.close()
    assert not errors, f"script errors: {errors}"
    assert not outside, f"requests outside the server: {outside}"


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, username: str) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))


def wait_for_map(page: Page, events: str | re.Pattern[str] = "cells") -> None:
    expect(page.locator("body")).to_have_attribute("data-layers-ready", "true", timeout=30_000)
    expect(page.locator("body")).to_have_attribute("data-events-ready", events, timeout=30_000)


def test_sign_in_says_what_is_wrong_then_shows_the_operational_picture(page: Page) -> None:
    page.goto("/")
    page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Enter your user name.")
    expect(alert).to_contain_text("Enter your password.")
    expect(page.get_by_label("User name")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("User name").fill("officer")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("The user name or the password is not right")
    expect(page.get_by_label("User name")).to_have_value("officer")
    screenshot(page, "login-error")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    wait_for_map(page)
    expect(page.get_by_text("Jean Kabila · Field officer")).to_be_visible()
    expect(page.locator("#map-status")).to_have_text(re.compile(r"^[\d,]+ events in [\d,]+ hexagons\."))
    # the demo layers: admin areas and hexagons and communities on the canvas, the 18 bases as markers
    assert page.locator("#map canvas").count() >= 1
    expect(page.locator(".base-icon")).to_have_count(18)
    # the first view: where it happens and where we are; the other layers wait to be switched on
    for layer in ("Admin areas", "Events", "Bases and units"):
        expect(page.get_by_label(layer)).to_be_checked()
        expect(page.get_by_label(layer)).to_be_enabled()
    for layer in ("Communities", "Roads", "Protection gaps"):
        expect(page.get_by_label(layer)).not_to_be_checked()
    expect(
        page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Operational picture")
    ).to_have_attribute("aria-current", "page")
    screenshot(page, "picture")

    page.get_by_label("Bases and units").uncheck()
    expect(page.locator(".base-icon")).to_have_count(0)
    page.get_by_label("Bases and units").check()
    expect(page.locator(".base-icon")).to_have_count(18)


def test_keyboard_reaches_bases_the_time_slider_and_the_zoom(page: Page) -> None:
    sign_in(page, "adviser")
    wait_for_map(page)
    # a base is a keyboard button: focus it, press Enter, and the panel shows it with its units
    base = page.get_by_role("button", name=re.compile(r"\(Mission headquarters\)$"))
    base.focus()
    page.keyboard.press("Enter")
    details = page.locator("#details")
    expect(details.get_by_role("heading", level=3)).to_have_text(re.compile(r"^Units \(\d+\)$"))
    expect(details).to_contain_text("Mission headquarters")
    screenshot(page, "picture-base-details")

    # the time slider: one month back with the arrow key changes the period and reloads the events
    slider = page.get_by_label("Up to the month")
    before = page.locator("#period-label").inner_text()
    slider.focus()
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#period-label")).not_to_have_text(before)
    slider.focus()
    page.keyboard.press("End")  # back to the last month
    expect(page.locator("#period-label")).to_have_text(before)
    total = page.request.get("/api/v1/events/count").json()["events"]
    assert total > 2500
    page.get_by_label("Period").select_option("all")
    expect(page.locator("#map-status")).to_have_text(re.compile(rf"^{total:,} events in [\d,]+ hexagons"))

    # zooming in with the keyboard switches the events from hexagons to points
    page.locator("#map").focus()
    for _ in range(4):
        page.keyboard.press("Equal")
        page.wait_for_timeout(350)
    wait_for_map(page, events="points")
    expect(page.locator("#map-status")).to_have_text(
        re.compile(r"events shown\.|first [\d,]+ events are shown")
    )
    screenshot(page, "picture-zoomed")


def test_the_user_switches_to_french(page: Page) -> None:
    sign_in(page, "adviser")
    wait_for_map(page)
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    wait_for_map(page)
    navigation = page.get_by_role("navigation", name="Navigation principale")
    for label in ("Situation opérationnelle", "Alertes reçues", "Matrice des menaces", "Graphiques"):
        expect(navigation.get_by_role("link", name=label)).to_be_visible()
    expect(page.get_by_label("Jusqu'au mois")).to_be_visible()
    expect(page.get_by_label("Communautés")).not_to_be_checked()
    expect(page.get_by_role("heading", name="Détails")).to_be_visible()
    expect(page.locator("#map-status")).to_have_text(re.compile(r"événements dans [\d\s\u202f]+ hexagones"))
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    expect(page.get_by_role("button", name="Zoom avant")).to_be_visible()
    screenshot(page, "picture-fr")

    page.get_by_role("link", name="Graphiques").click()
    expect(page.get_by_role("heading", name="Événements et victimes civiles par mois")).to_be_visible()
    threats = page.get_by_role("region", name="Événements par menace pour les civils")
    threats.get_by_text("Les chiffres sous forme de tableau").click()
    expect(threats.get_by_role("row", name=re.compile("^Meurtres"))).to_be_visible()
    screenshot(page, "charts-fr")

    # the choice stays after signing out
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", name="Connexion à PoC Hub")).to_be_visible()


def test_charts_and_the_pages_to_come(page: Page) -> None:
    sign_in(page, "adviser")
    page.get_by_role("link", name="Charts").click()
    expect(page.get_by_role("heading", name="Events and civilian fatalities by month")).to_be_visible()
    for chart in ("month", "threat", "category"):
        assert page.locator(f"#chart-{chart}").evaluate("canvas => canvas.width > 0 && canvas.height > 0")
    page.get_by_label("From", exact=True).fill("2026-01-01")
    page.get_by_label("To", exact=True).fill("2025-01-01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("alert")).to_have_text("The last date is before the first date.")
    page.get_by_label("To", exact=True).fill("2026-12-31")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("alert")).to_have_count(0)
    screenshot(page, "charts")
    for link, name in (
        ("Alert inbox", "alerts"),
        ("Coverage and allocation", "coverage"),
        ("Coordination", "coordination"),
    ):
        page.get_by_role("navigation", name="Main navigation").get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(link)
        screenshot(page, name)


def test_the_threat_matrix_links_each_row_to_its_evidence_on_the_map(page: Page) -> None:
    sign_in(page, "adviser")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Threat matrix").click()
    expect(page.get_by_role("heading", name="Threat matrix", level=1)).to_be_visible()
    risk = page.get_by_role("columnheader", name=re.compile("^Risk"))
    risk.get_by_role("link").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("columnheader", name=re.compile("^Risk"))).to_have_attribute(
        "aria-sort", "descending"
    )
    first = page.locator("tr.more details").first
    first.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(first.get_by_role("button", name="Record the override")).to_be_visible()
    expect(first.get_by_label("Reason")).to_be_visible()
    screenshot(page, "threats")
    first.get_by_role("button", name="Record the override").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the new value.")
    page.locator("tr.more details[open]").get_by_role("link", name="Show the evidence on the map").click()
    wait_for_map(page, events=re.compile("^(cells|points)$"))
    expect(page.locator("#details")).to_contain_text("Admin area")
    expect(page).to_have_url(re.compile(r"/\?area=[A-Z0-9]+&end=\d{4}-\d{2}&length=\d+$"))
    screenshot(page, "picture-evidence")


# --- planning: the map's new layers, coverage and allocation, coordination, forecast against actual ---


def test_the_picture_shows_roads_hot_spots_and_protection_gaps(page: Page) -> None:
    sign_in(page, "adviser")
    wait_for_map(page)
    expect(page.locator("body")).to_have_attribute("data-ready", "true", timeout=30_000)
    for layer in ("Roads", "Protection gaps"):
        page.get_by_label(layer).check()
        expect(page.get_by_label(layer)).to_be_enabled()
    expect(page.locator("#coverage-figures")).to_have_text(  # the coverage page's default standard, 4 h
        re.compile(
            r"^[\d.]+ % of the population within 4 h; [\d,]+ communities \([\d,]+ people\) beyond it\.$"
        )
    )
    before = page.locator("#coverage-figures").inner_text()
    page.get_by_label("Response standard").select_option("8")
    expect(page.locator("#coverage-figures")).to_contain_text("within 8 h")
    assert page.locator("#coverage-figures").inner_text() != before
    for layer in ("Hot spots (Gi*)", "Emerging hot spots", "Units' reach around bases"):
        page.get_by_label(layer).check()
        expect(page.get_by_label(layer)).to_be_enabled()
    screenshot(page, "picture-layers")


def test_a_planner_runs_an_allocation_and_sees_the_plan_on_the_map(page: Page) -> None:
    sign_in(page, "adviser")
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Coverage and allocation"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Coverage and allocation")
    expect(page.locator("body")).to_have_attribute("data-coverage-ready", "true", timeout=30_000)
    expect(page.locator("#posture-figures")).to_contain_text("Covered within 4 h")
    assert page.locator(".coverage-base").count() == 18
    screenshot(page, "coverage")

    form = page.locator("#plan-form")
    form.get_by_label("New sites (p)").fill("0")
    form.get_by_role("button", name="Run the plan").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a whole number of new sites from 1 to 50.")
    expect(page.locator("#plan-form").get_by_label("New sites (p)")).to_have_attribute("aria-invalid", "true")

    form = page.locator("#plan-form")
    form.get_by_label("Maximal covering (MCLP)", exact=False).check()
    form.get_by_label("New sites (p)").fill("3")
    form.get_by_label("Response standard").fill("2h")
    form.get_by_role("button", name="Run the plan").click()
    result = page.locator("#plan-result")
    expect(result).to_be_visible(timeout=60_000)
    expect(result.get_by_role("heading", level=2)).to_have_text("Proposed plan: Maximal covering")
    expect(result).to_contain_text(
        re.compile(r"Solver status: (optimal \(proven\)|stopped at the time limit)")
    )
    expect(page.locator("#plan-sites tbody tr")).to_have_count(3)
    expect(page.locator("body")).to_have_attribute("data-coverage-ready", "true", timeout=30_000)
    expect(page.locator(".coverage-site")).to_have_count(3)  # the proposed sites on the map
    expect(page.locator(".coverage-base")).to_have_count(18)
    current, proposed = (
        float(cell.replace(" %", ""))
        for cell in page.locator("#plan-comparison tbody tr").first.locator("td").all_inner_texts()
    )
    assert proposed >= current
    screenshot(page, "coverage-plan")


def test_the_coordination_page_and_the_checklist(page: Page) -> None:
    sign_in(page, "adviser")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Coordination").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Coordination")
    organogram = page.get_by_role("img", name=re.compile("^Organogram of the coordination bodies"))
    expect(organogram).to_be_visible()
    page.wait_for_function("() => document.querySelector('.organogram img').naturalWidth > 0")
    bodies = page.locator("#bodies tbody tr")
    assert bodies.count() > 3
    expect(page.locator("#models")).to_contain_text("this mission")
    screenshot(page, "coordination")

    before = page.locator("#checklist-overall").inner_text()
    first = page.locator("#checklist-form fieldset.question").first
    first.get_by_label("Answer").select_option("no")
    first.get_by_label("Due date").fill("soon")
    page.get_by_role("button", name="Score these answers").click()
    expect(page.get_by_role("alert")).to_contain_text("Write the due date as YYYY-MM-DD")
    first = page.locator("#checklist-form fieldset.question").first
    first.get_by_label("Due date").fill("2026-06-30")
    for select in page.locator("#checklist-form select").all():
        select.select_option("yes")
    page.get_by_role("button", name="Score these answers").click()
    expect(page.locator("#checklist-overall")).to_have_text("Overall score: 100 %")
    assert before != "Overall score: 100 %"
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the answers (YAML)").click()
    assert download.value.suggested_filename.startswith("checklist-answers-")
    screenshot(page, "coordination-scored")

    terms = page.get_by_role("link", name=re.compile("^Terms of reference of ")).first
    name = terms.inner_text().removeprefix("Terms of reference of ")
    terms.click()
    expect(page.locator("body")).to_contain_text(name)
    screenshot(page, "terms-of-reference")


def test_forecast_against_actual_on_the_charts_page(page: Page) -> None:
    sign_in(page, "adviser")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Charts").click()
    expect(page.locator("body")).to_have_attribute("data-forecast-ready", "true", timeout=60_000)
    expect(page.locator("#forecast-status")).to_contain_text(
        re.compile(r"Mean absolute error over 12 months")
    )
    assert page.locator("#chart-forecast").evaluate("canvas => canvas.width > 0 && canvas.height > 0")
    page.locator("#forecast").get_by_text("The figures as a table").click()
    expect(page.locator("#forecast-table tbody tr")).to_have_count(12)
    page.locator("#forecast").scroll_into_view_if_needed()
    screenshot(page, "charts-forecast")


# --- alerts: from an SMS gateway's post to closed through the pages, and what a viewer never sees ---

SENDER = "+243810000333"


@pytest.fixture(scope="module")
def sms_alert(server: str) -> dict[str, str]:
    """A CLA, a viewer and a gateway on the served mission; an alert posted by the gateway, as an SMS gateway
    posts (form-encoded, its credential in a header); its reference and the sender's number."""
    database = SERVED["database"]
    for name, role, office in (
        ("cla", "cla", "fo_besu"),
        ("viewer", "viewer", None),
    ):
        extra = ["--field-office", office] if office else []
        pochub(
            database, "users", "add", name, "--role", role, *extra, "--password-stdin", stdin=PASSWORD + "\n"
        )
    token = subprocess.run(
        [str(POCHUB), "--database", database, "gateways", "add", "gateway", "--kind", "generic"],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    path = database.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        lat, lon = conn.execute(
            "SELECT latitude, longitude FROM communities WHERE pcode LIKE 'KT02%' ORDER BY community_id LIMIT 1"
        ).fetchone()
    form = urllib.parse.urlencode(
        {"From": SENDER, "Body": "Armed men are at the Kibali market now", "MessageSid": "SM-browser-1",
         "Latitude": str(lat), "Longitude": str(lon)}
    ).encode()  # fmt: skip
    request = urllib.request.Request(
        f"{server}/api/v1/intake/sms", data=form, method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Pochub-Gateway-Key": token},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        body = json.loads(response.read())
    assert body["field_office"] == "fo_besu"
    return {"reference": body["reference"], "sender": SENDER}


def take(page: Page, action: str, button: str, fill: dict[str, str] | None = None, done: str = "") -> None:
    """Fill an action's form on the alert page and submit it with ``button`` (a form that takes several steps
    has "Only: <step>" beside its combined button); wait for the page to say ``done`` (default: the button)."""
    form = page.locator(f'form.action[action$="/{action}"]')
    for label, value in (fill or {}).items():
        control = form.get_by_label(label, exact=True)
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    form.get_by_role("button", name=button, exact=True).click()
    done = done or button.removeprefix("Only: ")
    expect(page.get_by_role("status").filter(has_text="Done:")).to_contain_text(f"Done: {done}.")


def test_an_sms_alert_goes_from_intake_to_closed_through_the_pages(
    page: Page, browser: Browser, server: str, sms_alert: dict[str, str]
) -> None:
    reference = sms_alert["reference"]
    cla = browser.new_context(
        base_url=server, locale="en-GB", viewport={"width": 1400, "height": 900}
    ).new_page()
    try:
        sign_in(cla, "cla")
        cla.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Alert inbox").click()
        expect(cla.get_by_role("heading", level=1)).to_have_text("Alert inbox")
        row = cla.get_by_role("row").filter(has=cla.get_by_role("link", name=reference))
        expect(row).to_contain_text("received")
        screenshot(cla, "alert-inbox")
        row.get_by_role("link", name=reference).click()
        expect(cla.get_by_role("heading", level=1)).to_have_text(f"Alert {reference}")
        expect(cla.locator(".sender")).to_contain_text(sms_alert["sender"])  # a CLA calls the sender back
        screenshot(cla, "alert-received")
        # the keyboard alone: the note, then Tab to the button and Enter
        note = cla.locator('form.action[action$="/acknowledge"]').get_by_label("Note (optional)")
        note.focus()
        cla.keyboard.type("called the sender back")
        cla.keyboard.press("Tab")
        cla.keyboard.press("Enter")
        expect(cla.get_by_role("status").filter(has_text="Done:")).to_contain_text("Done: Acknowledge.")
        assert cla.locator("form.action").count() == 0  # verification is for the field officer

        sign_in(page, "officer")
        expect(page.locator("body")).to_have_attribute("data-alerts-ready", "true", timeout=30_000)
        assert int(page.locator("body").get_attribute("data-alerts-shown") or "0") >= 1
        page.get_by_role("button", name=re.compile(rf"^Alert {reference}")).focus()
        page.keyboard.press("Enter")
        expect(page.locator("#details")).to_contain_text(f"Alert {reference}")
        screenshot(page, "picture-alerts")
        page.locator("#details").get_by_role("link", name="Open the alert's page").click()
        take(
            page,
            "verify",
            "Only: Verify",
            {"Verification result": "confirmed", "Note (optional)": "two sources"},
        )
        # classify and transmit in one form (the threat is known), each its own step in the history
        take(
            page,
            "classify",
            "Classify and transmit",
            {"Threat": "killing", "Urgency": "immediate"},
            "Transmit",
        )
        decide = page.locator('form.action[action$="/decide"]')
        decide.get_by_label("Tier", exact=True).select_option("II")
        decide.get_by_role("button", name="Only: Decide the response").click()
        expect(page.get_by_role("alert")).to_contain_text(
            "Physical protection (tier II) needs at least one unit."
        )
        screenshot(page, "alert-decide-refused")
        decide = page.locator('form.action[action$="/decide"]')
        expect(decide.get_by_label("Phase", exact=True)).to_have_value("response")  # a default that passes
        decide.locator('input[name="units"]').first.check()
        take(page, "decide", "Decide and deploy", done="Deploy")
        take(
            page,
            "record_outcome",
            "Only: Record the outcome",
            {"Outcome": "a patrol went; the group withdrew"},
        )
        screenshot(page, "alert-outcome")

        cla.goto(f"/alerts/{reference}")
        take(cla, "give_feedback", "Record the feedback", {
            "How the community was told": "radio", "What the community was told": "A patrol came and stays tonight.",
        })  # fmt: skip
        page.reload()
        take(page, "close", "Close", {"Note (optional)": "nothing left to do"})
        expect(page.locator(".status-line")).to_contain_text("State: closed")
        history = page.locator("#history")
        for step in ("Received", "Acknowledge", "Verify", "Classify", "Transmit", "Decide the response", "Deploy",
                     "Record the outcome", "Record the feedback", "Close"):  # fmt: skip
            expect(history.get_by_role("cell", name=step, exact=True)).to_have_count(1)
        screenshot(page, "alert-closed")
        page.goto("/alerts?show=all")
        expect(page.get_by_role("row").filter(has=page.get_by_role("link", name=reference))).to_contain_text(
            "closed"
        )
        expect(page.locator("#response-table")).to_contain_text("Field Office Besu")
        # its bundle comes when it nears the screen
        page.locator("#response-chart").scroll_into_view_if_needed()
        expect(page.locator("body")).to_have_attribute("data-response-chart", "ready")
        screenshot(page, "alert-inbox-response-times")
    finally:
        cla.context.close()


def test_a_viewer_finds_no_sender_numbers_on_any_page(page: Page, sms_alert: dict[str, str]) -> None:
    sign_in(page, "viewer")
    expect(page.locator("body")).to_have_attribute("data-alerts-ready", "true", timeout=30_000)
    digits = sms_alert["sender"].removeprefix("+")
    seen: list[str] = []

    def check(name: str) -> None:
        seen.append(page.url)
        for text in (page.content(), page.locator("body").inner_text()):
            assert digits not in text, f"the sender's number is on {page.url}"
        screenshot(page, f"viewer-{name}")

    check("picture")
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_role("link", name="Log an alert")).to_have_count(0)  # a viewer logs no alerts
    page.goto("/alerts?show=all")
    check("alerts")
    links = [a.get_attribute("href") for a in page.locator("table.inbox tbody th a").all()][:10]
    assert f"/alerts/{sms_alert['reference']}" in links
    for href in links:
        page.goto(str(href))
        expect(page.locator("form.action")).to_have_count(0)  # a viewer takes no action
        expect(page.locator(".sender")).to_have_count(0)
        check(f"alert-{len(seen)}")
    page.goto(f"/alerts/{sms_alert['reference']}")
    expect(
        page.get_by_text(re.compile("moved by up to [0-9.]+ km to protect the informants"))
    ).to_be_visible()
    for link in ("Threat matrix", "Coverage and allocation", "Coordination", "Charts"):
        page.get_by_role("navigation", name="Main navigation").get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(link)
        check(link.lower().replace(" ", "-"))
    assert page.goto("/alerts/new").status == 403


# --- training: a facilitator runs an exercise, a trainee plays an inject through the play pages ---

INJECT_TEXT = "Exercise inject: armed men seen near the Kibali school"


@pytest.fixture(scope="module")
def exercise_people(server: str) -> None:
    """A trainer (the facilitator) and a trainee (a PoC adviser, mission-wide) on the served mission."""
    database = SERVED["database"]
    for name, role in (("trainer", "trainer"), ("trainee", "poc_adviser")):
        pochub(database, "users", "add", name, "--role", role, "--password-stdin", stdin=PASSWORD + "\n")


def test_a_facilitator_runs_an_exercise_and_a_trainee_acknowledges_an_inject(
    page: Page, browser: Browser, server: str, exercise_people: None
) -> None:
    sign_in(page, "trainer")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Exercises").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Exercises")
    expect(page.get_by_role("region", name="Exercise", exact=True)).to_contain_text("EXERCISE")
    page.get_by_role("button", name="Create the exercise").click()  # no name: the form says so
    expect(page.get_by_role("alert")).to_contain_text("Give the exercise a name.")
    expect(page.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")
    screenshot(page, "exercise-create-refused")
    page.get_by_label("Name", exact=True).fill("Browser drill")
    page.get_by_label("the demo mission").check()
    page.get_by_label("Difficulty").select_option("easy")
    page.get_by_role("button", name="Create the exercise").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Exercise Browser drill")
    expect(page.get_by_role("status")).to_contain_text("The exercise was created.")
    expect(page.locator("#clock-status")).to_have_text("planned (not started)")

    page.get_by_label("Team name").fill("Blue")
    page.get_by_label("Member 1: user name").fill("trainee")
    page.get_by_label("Member 1: post").select_option("poc_officer")
    page.get_by_role("button", name="Add the team").click()
    expect(page.get_by_role("status")).to_have_text("Done: the team was added.")
    expect(page.locator("#teams")).to_contain_text("trainee · post: Protection of Civilians Officer")
    page.get_by_role("button", name="Start").click()
    expect(page.locator("#clock-status")).to_have_text("running")
    page.get_by_label("Kind").select_option("community_alert")
    page.get_by_label("When (offset from now)").fill("0m")
    page.get_by_label("P-code").fill("KT01")
    page.get_by_label("Text", exact=True).fill(INJECT_TEXT)
    page.get_by_role("button", name="Add the inject").click()
    expect(page.get_by_role("status")).to_have_text("Done: the inject was added to the schedule.")
    row = page.locator("#inject-schedule tbody tr").filter(has_text=INJECT_TEXT)
    expect(row).to_contain_text("delivered")
    screenshot(page, "exercise-control")

    trainee = browser.new_context(
        base_url=server, locale="en-GB", viewport={"width": 1400, "height": 900}
    ).new_page()
    try:
        sign_in(trainee, "trainee")
        trainee.get_by_role("navigation", name="Main navigation").get_by_role(
            "link", name="Exercises"
        ).click()
        trainee.get_by_role("link", name="Browser drill").click()
        expect(trainee.get_by_role("heading", level=1)).to_have_text(
            "Exercise Browser drill: your team's alerts"
        )
        banner = trainee.get_by_role("region", name="Exercise", exact=True)
        expect(banner).to_contain_text("EXERCISE")
        expect(banner).to_contain_text("Your team: Blue")
        assert (
            trainee.get_by_role("link", name="Alert inbox").count() == 1
        )  # the operational inbox, in the nav only
        screenshot(trainee, "exercise-feed")
        alert_row = trainee.get_by_role("row").filter(has_text=INJECT_TEXT)
        reference = alert_row.get_by_role("link").inner_text()
        alert_row.get_by_role("link").click()
        expect(trainee.get_by_role("heading", level=1)).to_have_text(f"Alert {reference}")
        expect(trainee.get_by_role("region", name="Exercise", exact=True)).to_contain_text("EXERCISE")
        note = trainee.locator('form.action[action$="/acknowledge"]').get_by_label("Note (optional)")
        note.focus()
        trainee.keyboard.type("Blue has it")
        trainee.keyboard.press("Tab")
        trainee.keyboard.press("Enter")
        expect(trainee.get_by_role("status").filter(has_text="Done:")).to_contain_text("Done: Acknowledge.")
        expect(trainee.locator("#history")).to_contain_text("Blue has it")
        assert re.search(rf"/exercises/\d+/play/{reference}\?done=acknowledge", trainee.url)
        screenshot(trainee, "exercise-alert-acknowledged")
        trainee.goto("/alerts?show=all")  # exercise alerts never reach the operational inbox
        expect(trainee.get_by_role("link", name=reference)).to_have_count(0)
    finally:
        trainee.context.close()

    page.reload()
    page.get_by_role("button", name="Score every team now").click()
    expect(page.get_by_role("status")).to_have_text("Done: every team was scored.")
    expect(page.locator("#scores")).to_contain_text(re.compile(r"Blue: [\d.]+ out of 100"))
    expect(page.get_by_role("link", name="The after-action review (PDF)")).to_be_visible()
    screenshot(page, "exercise-scored")
