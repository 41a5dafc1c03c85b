"""Stored XSS: names from imported files (areas, communities) that hold HTML reach the map's tooltips as text.
In Debian's Chromium: the operational picture and the coverage page of a demo mission whose every district and
community is named ``<img src=x onerror=window.__xss=1>`` show that text, no image, and never run it; no page
reports a Content-Security-Policy violation."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.web.test_browser import PASSWORD, POCHUB, browser, free_port, pochub, sign_in, wait_for_map

pytestmark = pytest.mark.slow
__all__ = ["browser"]  # the fixture, from the browser tests

NAME = "<img src=x onerror=window.__xss=1>"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`pochub serve` on a demo mission whose districts and communities all carry the HTML name."""
    path = tmp_path_factory.mktemp("xss") / "demo.db"
    database = f"sqlite:///{path}"
    pochub(database, "db", "upgrade")
    pochub(database, "demo", "--seed", "1", "--events", "500", "--communities", "150", "--no-accounts")
    pochub(
        database,
        "users",
        "add",
        "adviser",
        "--role",
        "poc_adviser",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    with sqlite3.connect(path) as conn:  # as if imported from a file that holds these names
        assert conn.execute("UPDATE admin_areas SET name = ? WHERE level = 2", (NAME,)).rowcount > 0
        assert conn.execute("UPDATE communities SET name = ?", (NAME,)).rowcount > 0
    port = free_port()
    process = subprocess.Popen(
        [str(POCHUB), "--database", database, "serve", "--port", str(port)],
        env={**os.environ, "POCHUB_WORKERS": "false"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"{url}/login", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError):
                assert process.poll() is None, "pochub serve stopped"
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    """A browser tab that records script errors and Content-Security-Policy violations."""
    context = browser.new_context(base_url=server, locale="en-GB", viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(str(error)))

    def console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            problems.append(message.text)

    tab.on("console", console)
    yield tab
    context.close()
    assert not problems, problems


def test_area_names_in_map_tooltips_are_text(page: Page) -> None:
    sign_in(page, "adviser")
    wait_for_map(page)
    # every tooltip the picture bound, opened the way hovering opens it (the districts lie under the
    # events' and communities' canvas, which takes the mouse)
    opened = page.evaluate(
        """() => {
          let opened = 0;
          window.pochubMap.map.eachLayer((layer) => {
            if (layer.getTooltip && layer.getTooltip()) { layer.openTooltip(); opened += 1; }
          });
          return opened;
        }"""
    )
    assert opened > 0
    tooltips = page.locator(".leaflet-tooltip")
    expect(tooltips.first).to_be_attached()
    texts = tooltips.all_inner_texts()
    assert texts and all(NAME in text for text in texts), texts[:5]
    assert page.locator(".leaflet-tooltip img").count() == 0
    assert page.evaluate("window.__xss") is None


def test_community_names_in_coverage_tooltips_are_text(page: Page) -> None:
    sign_in(page, "adviser")
    page.goto("/coverage")
    expect(page.locator("body")).to_have_attribute("data-coverage-ready", "true", timeout=30_000)
    # the communities' tooltips (name · status · people), opened as hovering opens them: the markers lie on a
    # canvas, so a grid of mouse moves hits one only where a marker happens to lie under it
    opened = page.evaluate(
        """() => {
          let opened = 0;
          window.pochubCoverageMap.eachLayer((layer) => {
            if (layer.getTooltip && layer.getTooltip()) { layer.openTooltip(); opened += 1; }
          });
          return opened;
        }"""
    )
    assert opened > 0
    tooltips = page.locator(".leaflet-tooltip")
    seen = [tooltips.nth(i).inner_text() for i in range(tooltips.count())]
    seen = [text for text in seen if "·" in text]
    assert tooltips.locator("img").count() == 0
    assert seen, "no community tooltip showed over the map"
    assert all(text.startswith(NAME) for text in seen), seen
    assert page.evaluate("window.__xss") is None
