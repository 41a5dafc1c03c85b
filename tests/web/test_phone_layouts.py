"""Phone-first pages and accessibility in Chromium (issue 18, items 1, 5 and the phone-size parts of 6), on the demo
mission served by `pochub serve`:

- at 390 x 844, in English and French, every page field staff use (the operational picture, the alert inbox, an
  alert's page, the alert form, a community's page, the engagement form, the action points board) fits the screen
  without sideways scrolling and shows its main action without scrolling; the map is most of the screen and its
  layers ask for a box of real size;
- the header's menu and the map's layers drawer open, close and are used by keyboard alone; on a desk they are not
  there and the layouts are those of before;
- axe-core (from npm) finds no serious or critical violation on any page that the navigation of each of the demo's
  roles reaches, nor on the pages those link to, at desk (1440 x 900) and phone (390 x 844) sizes, in English and
  French.

Screenshots of the field pages at both sizes in both languages go to tests/web/artifacts/ (phone-*, desk-*)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.web.test_browser import ARTIFACTS, PASSWORD, browser, pochub, served

pytestmark = pytest.mark.slow
__all__ = ["browser"]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
LOCALES = {"en": "en-GB", "fr": "fr-FR"}
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1440, "height": 900}
ROLES = {
    "admin": "phone_admin",
    "poc_adviser": "phone_adviser",
    "analyst": "phone_analyst",
    "field_officer": "phone_officer",
    "cla": "phone_cla",
    "planner": "phone_planner",
    "trainer": "phone_trainer",
    "viewer": "phone_viewer",
    "partner": "phone_partner",
}
FIELD_ROLES = ("field_officer", "cla")
# links not to follow in the crawl: files, the API, signing out
NOT_PAGES = re.compile(r"^/(static|api|logout|docs|openapi)|\.(pdf|docx|xlsx|csv|json|svg|png|zip|xml)$")


@pytest.fixture(scope="module")
def phone_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`pochub serve` on a demo mission with one person of each of the demo's roles (the field ones in Besu)."""
    database = f"sqlite:///{tmp_path_factory.mktemp('phone') / 'demo.db'}"
    pochub(database, "db", "upgrade")
    pochub(database, "demo", "--seed", "1", "--events", "1500", "--communities", "300")
    for role, name in ROLES.items():
        office = ("--field-office", "fo_besu") if role in FIELD_ROLES else ()
        pochub(
            database, "users", "add", name, "--role", role, *office, "--password-stdin", stdin=PASSWORD + "\n"
        )
    with served(database) as url:
        yield url


def open_context(
    browser: Browser,
    server: str,
    language: str,
    size: dict[str, int],
    *,
    scripts: bool = True,
    axe: bool = False,
) -> BrowserContext:
    """A fresh context (no service worker: what is drawn is what the server sends now); ``axe`` lets the test put
    axe-core's script into the pages (the Content-Security-Policy allows only the server's own scripts)."""
    return browser.new_context(
        base_url=server, locale=LOCALES[language], viewport={"width": size["width"], "height": size["height"]},
        service_workers="block", java_script_enabled=scripts, bypass_csp=axe,
    )  # fmt: skip


def signed_in(context: BrowserContext, role: str, errors: list[str] | None = None) -> Page:
    tab = context.new_page()
    if errors is not None:
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.on(
            "console",
            lambda message: (
                errors.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
    tab.goto("/login")
    tab.locator("#username").fill(ROLES[role])
    tab.locator("#password").fill(PASSWORD)
    tab.locator('form.login button[type="submit"]').click()
    expect(tab).to_have_url(re.compile(r"/$"))
    return tab


def fits(tab: Page) -> None:
    """Nothing wider than the screen: the page never scrolls sideways."""
    sizes = tab.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth, location.pathname]"
    )
    assert sizes[0] <= sizes[1], f"{sizes[2]} is {sizes[0]} px wide on a {sizes[1]} px screen"


def in_view(tab: Page, target: Locator, what: str) -> None:
    """``target`` is drawn whole inside the window as the page opens (no scrolling)."""
    expect(target).to_be_visible()
    assert tab.evaluate("window.scrollY") == 0
    found = target.bounding_box()
    size = tab.viewport_size
    assert found is not None and size is not None
    assert found["y"] >= 0 and found["y"] + found["height"] <= size["height"], (what, found)
    assert found["x"] >= 0 and found["x"] + found["width"] <= size["width"], (what, found)


def shot(tab: Page, name: str, *, full_page: bool) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def alert_with_an_action(tab: Page) -> str:
    """The address of the first alert of the inbox on which the signed-in person can act."""
    tab.goto("/alerts")
    for href in tab.locator("table.inbox tbody th a").evaluate_all("links => links.map((a) => a.pathname)"):
        tab.goto(href)
        if tab.locator("form.action").count():
            return str(href)
    raise AssertionError("no alert of the inbox has an action for this person")


def boxes_asked(urls: list[str]) -> list[tuple[float, float]]:
    """The width and height (degrees) of each box the map's layers asked for."""
    found = []
    for url in urls:
        bbox = parse_qs(urlparse(url).query).get("bbox")
        if bbox:
            west, south, east, north = (float(value) for value in bbox[0].split(","))
            found.append((east - west, north - south))
    return found


@pytest.mark.parametrize("language", ["en", "fr"])
def test_field_pages_fit_a_phone_with_their_main_action_in_view(
    browser: Browser, phone_server: str, language: str
) -> None:
    errors: list[str] = []
    context = open_context(browser, phone_server, language, PHONE)
    asked: list[str] = []
    context.on("request", lambda request: asked.append(request.url) if "bbox=" in request.url else None)
    tab = signed_in(context, "field_officer", errors)

    # the operational picture: the map first, most of the screen, its layers asking for a real box
    expect(tab.locator("body")).to_have_attribute("data-layers-ready", "true", timeout=60_000)
    expect(tab.locator("body")).to_have_attribute("data-events-ready", re.compile(r".+"), timeout=60_000)
    fits(tab)
    the_map = tab.locator("#map").bounding_box()
    assert the_map is not None
    assert the_map["y"] < 0.12 * PHONE["height"] and the_map["height"] >= 0.6 * PHONE["height"], the_map
    assert the_map["y"] + the_map["height"] <= PHONE["height"], the_map
    boxes = boxes_asked(asked)
    assert boxes and all(width > 0 and height > 0 for width, height in boxes), boxes
    in_view(tab, tab.locator("button.layers-button"), "the layers button")
    expect(tab.locator("#map-layers")).to_be_hidden()
    shot(tab, f"phone-{language}-picture", full_page=False)
    tab.locator("button.layers-button").click()
    expect(tab.locator("#map-layers")).to_be_visible()
    in_view(tab, tab.locator('#map-layers input[data-layer="communities"]'), "a layer's switch")
    shot(tab, f"phone-{language}-picture-layers", full_page=False)

    tab.goto("/alerts")
    fits(tab)
    in_view(tab, tab.locator("a.button.primary[href='/alerts/new']"), "Log an alert")
    in_view(tab, tab.locator("table.inbox tbody th a").first, "the first alert")
    shot(tab, f"phone-{language}-inbox", full_page=True)

    tab.goto("/alerts/new")
    fits(tab)
    in_view(tab, tab.locator("form.alert-form button[type=submit]"), "the alert form's button")
    shot(tab, f"phone-{language}-log-an-alert", full_page=False)

    alert = alert_with_an_action(tab)
    fits(tab)
    in_view(tab, tab.locator("a.jump-to-action"), f"the way to the first action on {alert}")
    tab.locator("a.jump-to-action").click()  # a jump to the form, never a submit: its fields are seen first
    heading = tab.locator("form.action h3").first.bounding_box()
    # the form's fields follow
    assert heading is not None and 0 <= heading["y"] < PHONE["height"] / 2, heading
    shot(tab, f"phone-{language}-alert", full_page=False)

    tab.goto("/communities")
    fits(tab)
    community = tab.locator("table.communities tbody th a").first
    in_view(tab, community, "the first community")
    shot(tab, f"phone-{language}-communities", full_page=False)
    community.click()
    expect(tab).to_have_url(re.compile(r"/communities/[^/]+$"))
    fits(tab)
    in_view(tab, tab.locator("ul.page-actions a.button[href^='/engagements/new']"), "Record an engagement")
    shot(tab, f"phone-{language}-community", full_page=False)
    tab.locator("ul.page-actions a.button[href^='/engagements/new']").click()
    fits(tab)
    in_view(tab, tab.locator("form.engagement-form button[type=submit]"), "the engagement form's button")
    shot(tab, f"phone-{language}-engagement", full_page=False)
    context.close()

    # the action points board, as those who update action points (a PoC adviser) see it
    context = open_context(browser, phone_server, language, PHONE)
    tab = signed_in(context, "poc_adviser", errors)
    tab.goto("/action-points")
    fits(tab)
    in_view(
        tab, tab.locator("article.commitment-card form button[name=step]").first, "an action point's update"
    )
    shot(tab, f"phone-{language}-action-points", full_page=False)
    context.close()
    assert errors == []


@pytest.mark.parametrize("language", ["en", "fr"])
def test_at_a_desk_the_field_pages_keep_their_layout(
    browser: Browser, phone_server: str, language: str
) -> None:
    """1440 x 900: the whole navigation in the header (no menu button), the layers beside the map (no drawer),
    the inbox a table; nothing wider than the screen."""
    errors: list[str] = []
    context = open_context(browser, phone_server, language, DESK)
    tab = signed_in(context, "field_officer", errors)
    expect(tab.locator("body")).to_have_attribute("data-layers-ready", "true", timeout=60_000)
    expect(tab.locator("button.menu-button")).to_be_hidden()
    expect(tab.locator("header nav")).to_be_visible()
    expect(tab.locator("button.layers-button")).to_be_hidden()
    expect(tab.locator("#map-layers fieldset")).to_be_visible()
    fits(tab)
    shot(tab, f"desk-{language}-picture", full_page=False)
    for path, name in (
        ("/alerts", "inbox"),
        ("/alerts/new", "log-an-alert"),
        ("/communities", "communities"),
    ):
        tab.goto(path)
        fits(tab)
        shot(tab, f"desk-{language}-{name}", full_page=True)
    tab.goto("/alerts")
    assert (
        tab.evaluate("getComputedStyle(document.querySelector('table.inbox tbody tr')).display")
        == "table-row"
    )
    alert_with_an_action(tab)
    fits(tab)
    shot(tab, f"desk-{language}-alert", full_page=True)
    tab.goto("/engagements/new")
    shot(tab, f"desk-{language}-engagement", full_page=True)
    context.close()
    assert errors == []


def focused(tab: Page) -> str:
    return str(
        tab.evaluate("() => document.activeElement ? document.activeElement.outerHTML.slice(0, 80) : ''")
    )


def test_the_menu_and_the_layers_drawer_by_keyboard_on_a_phone(browser: Browser, phone_server: str) -> None:
    errors: list[str] = []
    context = open_context(browser, phone_server, "en", PHONE)
    tab = signed_in(context, "cla", errors)
    expect(tab.locator("body")).to_have_attribute("data-layers-ready", "true", timeout=60_000)
    menu = tab.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(tab.locator("header nav")).to_be_hidden()
    # the header is one line: the menu button beside the name, nothing else
    header = tab.locator("header.top").bounding_box()
    assert header is not None and header["height"] <= 60, header
    tab.keyboard.press("Tab")
    assert "skip" in focused(tab)
    tab.keyboard.press("Tab")
    assert 'class="brand"' in focused(tab)
    tab.keyboard.press("Tab")
    assert "menu-button" in focused(tab)
    tab.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(tab.get_by_role("link", name="Alert inbox")).to_be_visible()
    expect(tab.get_by_role("button", name="Sign out")).to_be_visible()
    tab.keyboard.press("Tab")
    assert 'href="/"' in focused(tab)  # the first entry of the navigation
    tab.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    assert "menu-button" in focused(tab)
    expect(tab.locator("header nav")).to_be_hidden()

    # the layers button is reached with Tab; the drawer's switches next
    layers = tab.locator("button.layers-button")
    for _ in range(60):
        tab.keyboard.press("Tab")
        if "layers-button" in focused(tab):
            break
    else:
        pytest.fail(f"the layers button is not reached by Tab (stopped at {focused(tab)})")
    tab.keyboard.press("Enter")
    expect(layers).to_have_attribute("aria-expanded", "true")
    tab.keyboard.press("Tab")
    assert "drawer-close" in focused(tab)
    tab.keyboard.press("Tab")
    assert 'data-layer="areas"' in focused(tab)
    tab.keyboard.press("Space")
    expect(tab.locator('input[data-layer="areas"]')).not_to_be_checked()
    tab.keyboard.press("Escape")
    expect(layers).to_have_attribute("aria-expanded", "false")
    assert "layers-button" in focused(tab)
    tab.keyboard.press("Enter")
    tab.get_by_role("button", name="Close the layers").click()
    expect(tab.locator("#map-layers")).to_be_hidden()
    context.close()

    # without the script the menu cannot fold: the whole navigation stays in the header
    context = open_context(browser, phone_server, "en", PHONE, scripts=False)
    tab = signed_in(context, "cla")
    expect(tab.locator("button.menu-button")).to_be_hidden()
    expect(tab.get_by_role("link", name="Alert inbox")).to_be_visible()
    context.close()
    assert errors == []


def pattern(path: str) -> str:
    """A page's kind: its address with the parts that name a record (those with a digit) left out."""
    return re.sub(r"/[^/]*\d[^/]*", "/*", path)


def axe_violations(tab: Page) -> list[str]:
    tab.add_script_tag(path=str(AXE))
    found = tab.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [
        f"{v['id']} ({v['impact']}): {len(v['nodes'])} nodes, e.g. {v['nodes'][0]['target']}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("size", [DESK, PHONE], ids=["desk", "phone"])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_page_of_every_role_passes_axe(
    browser: Browser, phone_server: str, language: str, size: dict[str, int]
) -> None:
    """Each role's navigation, and one page of each kind its pages link to (an alert, a community, a forum body,
    a team, a document...), checked by axe-core for serious and critical violations; the field roles' pages also
    fit the screen. The sign-in page too."""
    assert AXE.exists(), "axe-core missing: npm ci (make test does it)"
    found: dict[str, list[str]] = {}
    checked: dict[str, int] = {}
    seen_anywhere: set[str] = set()
    context = open_context(browser, phone_server, language, size, axe=True)
    tab = context.new_page()
    tab.goto("/login")
    found["(signed out) /login"] = axe_violations(tab)
    context.close()
    for role in ROLES:
        context = open_context(browser, phone_server, language, size, axe=True)
        tab = signed_in(context, role)
        nav = [*tab.locator("header nav a").evaluate_all("links => links.map((a) => a.pathname)"), "/account"]
        # every role's navigation; the pages behind it once for all roles, except that the field roles see all
        # of theirs (their pages must also fit a phone)
        seen = {pattern(path) for path in nav} | (set() if role in FIELD_ROLES else seen_anywhere)
        queue = list(nav)
        checked[role] = 0
        while queue:
            path = queue.pop(0)
            tab.goto(path)
            if path in nav:  # one page of each kind the navigation's pages link to
                links = tab.locator("main a[href^='/']").evaluate_all(
                    "links => links.filter((a) => !a.search && !a.hasAttribute('download')).map((a) => a.pathname)"
                )
                for link in links:
                    if not NOT_PAGES.search(link) and pattern(link) not in seen:
                        seen.add(pattern(link))
                        queue.append(link)
            found[f"{role} {path}"] = axe_violations(tab)
            if role in FIELD_ROLES:
                fits(tab)
            checked[role] += 1
        seen_anywhere |= seen
        context.close()
    assert not any(found.values()), {page: problems for page, problems in found.items() if problems}
    # the crawl reached the pages behind the navigation, not only the navigation
    assert checked["field_officer"] >= 20 and sum(checked.values()) >= 100, checked
    print(
        f"axe at {size['width']} x {size['height']} in {language}: {checked} pages, none serious or critical"
    )
