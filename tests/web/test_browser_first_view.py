"""The operational picture's first view in Chromium (issue 14, item 8), in English and French: on a 1440 x 900
screen it frames the whole mission (every area, base and community inside the map's bounds, the map inside the
window), starts with the layers that say where it happens and where we are, and keeps the legend in view
without scrolling; on a 390 x 844 phone the map takes most of the screen, the legend stays off it (in the layers
drawer) and nothing is wider than the screen.
Screenshots go to tests/web/artifacts/ (picture-first-view-*.png)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.test_browser import PASSWORD, browser, screenshot, server

pytestmark = pytest.mark.slow
# the Chromium and `pochub serve` fixtures, shared with the other browser tests
__all__ = ["browser", "server"]

LOCALES = {"en": "en-GB", "fr": "fr-FR"}
ON_AT_START = ("areas", "events", "bases")
OFF_AT_START = ("communities", "roads", "hotspots", "emerging", "gaps", "reach")

# what lies outside the map's current bounds: the bases, the communities and the admin areas' box
OUTSIDE = """async () => {
  const { L, map, getJSON } = window.pochubMap;
  const view = map.getBounds();
  const point = (feature) => L.latLng(feature.geometry.coordinates[1], feature.geometry.coordinates[0]);
  const bases = (await getJSON("/api/v1/bases?limit=5000")).features;
  const communities = (await getJSON("/map/communities.json")).features;
  const areas = L.geoJSON((await getJSON("/api/v1/areas?level=1&tolerance=0.005&limit=5000")).features).getBounds();
  return {
    bases: bases.length,
    communities: communities.length,
    bases_outside: bases.filter((f) => !view.contains(point(f))).map((f) => f.properties.name),
    communities_outside: communities.filter((f) => !view.contains(point(f))).map((f) => f.properties.name),
    areas_inside: view.contains(areas),
    view: view.toBBoxString(),
    areas: areas.toBBoxString(),
  };
}"""


@pytest.fixture
def tab(browser: Browser, server: str, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh context in the language and window size the test asks for; script errors fail the test."""
    language, width, height = request.param
    context = browser.new_context(
        base_url=server, locale=LOCALES[language], viewport={"width": width, "height": height}
    )
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: errors.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.goto("/login")
    page.locator("#username").fill("adviser")
    page.locator("#password").fill(PASSWORD)
    page.locator('form.login button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("body")).to_have_attribute("data-ready", "true", timeout=30_000)
    expect(page.locator("body")).to_have_attribute("data-alerts-ready", "true", timeout=30_000)
    yield page
    context.close()
    assert not errors, f"script errors: {errors}"


def box(page: Page, selector: str) -> dict[str, float]:
    found = page.locator(selector).bounding_box()
    assert found is not None, f"{selector} is not displayed"
    return found


def assert_the_mission_is_framed(page: Page) -> None:
    outside = page.evaluate(OUTSIDE)
    assert outside["bases"] >= 18 and outside["communities"] >= 400
    assert outside["bases_outside"] == [], outside
    assert outside["communities_outside"] == [], outside
    assert outside["areas_inside"], outside


@pytest.mark.parametrize("tab", [("en", 1440, 900), ("fr", 1440, 900)], indirect=True, ids=["en", "fr"])
def test_the_first_view_frames_the_mission_with_few_layers_and_the_legend_in_view(tab: Page) -> None:
    page = tab
    assert_the_mission_is_framed(page)
    # the map and the legend are wholly in the window; the page does not scroll
    size = page.viewport_size
    assert size is not None
    for selector in ("#map", "section.map-legend"):
        found = box(page, selector)
        assert found["y"] >= 0 and found["y"] + found["height"] <= size["height"], (selector, found)
        assert found["x"] >= 0 and found["x"] + found["width"] <= size["width"], (selector, found)
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1")
    # a few layers on: where it happens (events), where we are (bases), the open alerts, on the admin areas
    for name in ON_AT_START:
        expect(page.locator(f'input[data-layer="{name}"]')).to_be_checked()
    expect(page.locator("input[data-alert-layer]")).to_be_checked()
    for name in OFF_AT_START:
        expect(page.locator(f'input[data-layer="{name}"]')).not_to_be_checked()
        # the legend lists what the map shows
        expect(page.locator(f'section.map-legend [data-legend-for~="{name}"]').first).to_be_hidden()
    for name in ("events", "bases", "alerts"):
        expect(page.locator(f'section.map-legend [data-legend-for="{name}"]')).to_be_visible()
    screenshot(page, f"picture-first-view-{page.evaluate('document.documentElement.lang')}")

    # switching a layer on brings its legend
    page.locator('input[data-layer="communities"]').check()
    expect(page.locator('section.map-legend [data-legend-for="communities"]')).to_be_visible()
    page.locator('input[data-layer="communities"]').uncheck()
    expect(page.locator('section.map-legend [data-legend-for="communities"]')).to_be_hidden()

    # a smaller window before anyone moves the map: still the whole mission
    page.set_viewport_size({"width": 1280, "height": 720})
    page.wait_for_timeout(500)
    assert_the_mission_is_framed(page)

    # a base's details come into view in the side panel, the page itself stays put
    base = page.locator(".base-icon").first
    base.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#details-title")).to_be_in_viewport()
    assert page.evaluate("window.scrollY") == 0


@pytest.mark.parametrize("tab", [("en", 390, 844), ("fr", 390, 844)], indirect=True, ids=["en", "fr"])
def test_on_a_phone_the_map_takes_most_of_the_screen_and_the_legend_stays_off_it(tab: Page) -> None:
    page = tab
    size = page.viewport_size
    assert size is not None
    the_map = box(page, "#map")
    assert the_map["height"] >= 0.6 * size["height"], the_map
    assert the_map["width"] >= 0.9 * size["width"], the_map
    # nothing wider than the screen (the header's tools wrap): the page never pans sideways
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # the layers and the legend wait in a drawer (issue 18): off the map until its button opens them, then over
    # the lower part of the screen only, the top of the map still in view
    expect(page.locator("section.map-legend")).to_be_hidden()
    page.locator("button.layers-button").click()
    legend = box(page, "section.map-legend")
    drawer = box(page, "#map-layers")
    assert drawer["y"] >= size["height"] * 0.4 and drawer["y"] > the_map["y"] + 0.3 * the_map["height"], (
        drawer
    )
    assert legend["y"] >= drawer["y"], (legend, drawer)
    page.keyboard.press("Escape")
    expect(page.locator("section.map-legend")).to_be_hidden()
    assert_the_mission_is_framed(page)
    screenshot(page, f"picture-first-view-phone-{page.evaluate('document.documentElement.lang')}")
