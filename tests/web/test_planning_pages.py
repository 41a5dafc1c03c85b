"""The planning pages on both backends: coverage and allocation (the posture, plans run from the form, their
validation and the roles that may run them), coordination (organogram, bodies and terms of reference, the
checklist self-assessment scored and downloaded), the map's cached layers and the forecast-against-actual
backtest."""

from __future__ import annotations

import html
import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from httpx2 import Response
from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.http.app import create_app
from pochub.ingest.structure import read_answers
from pochub.services.access import create_user
from pochub.services.demo_mission import load_demo
from pochub.store import event_queries, tables
from pochub.store.event_queries import EventFilter
from pochub.web import map_layers
from tests.csrf_tokens import with_csrf_tokens

PASSWORD = "a long enough password"
ROLES = {"planner": "planner", "viewer": "viewer", "adviser": "poc_adviser"}


def _app(engine: Engine, database_url: str) -> Iterator[TestClient]:
    for username, role in ROLES.items():
        create_user(engine, username, PASSWORD, role)
    map_layers.CACHE.clear()
    app = create_app(Settings(database_url=database_url, workers=False))
    try:
        with with_csrf_tokens(TestClient(app)) as test_client:
            yield test_client
    finally:
        app.state.engine.dispose()


@pytest.fixture
def client(engine: Engine, database_url: str) -> Iterator[TestClient]:
    """The application on an empty mission with a planner, a viewer and a PoC adviser."""
    yield from _app(engine, database_url)


@pytest.fixture
def demo(engine: Engine, database_url: str) -> Iterator[TestClient]:
    """The application on a small demo mission (300 communities, 2,000 events)."""
    load_demo(engine, Settings(), seed=3, n_communities=300, n_events=2000)
    yield from _app(engine, database_url)


def sign_in(client: TestClient, username: str) -> None:
    client.cookies.clear()
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303, response.text


def planned(client: TestClient, data: dict[str, str], **headers: str) -> Response:
    """Post the plan form and return the plan's page once its background job has finished."""
    started = client.post("/coverage", data=data, headers=headers, follow_redirects=False)
    if started.status_code != 303:
        return started  # refused before any job was started
    location = started.headers["location"]
    job = parse_qs(urlsplit(location).query)["job"][0]
    client.app.state.plan_jobs.wait(job)  # type: ignore[attr-defined]
    return client.get(location, headers=headers)


def page_config(html: str, name: str) -> dict:  # type: ignore[type-arg]
    found = re.search(rf'<script type="application/json" id="{name}">(.*?)</script>', html, re.S)
    assert found, name
    return json.loads(found[1])  # type: ignore[no-any-return]


def text_of(html: str) -> str:
    """The page's text with tags and runs of white space collapsed (what a reader sees)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_planning_pages_and_layers_need_a_signed_in_user(client: TestClient) -> None:
    for path in ("/coverage", "/coordination", "/coordination/models"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=/")
    for path in ("/map/roads.json", "/map/communities.json", "/map/hotspots.json", "/map/coverage.json",
                 "/charts/forecast.json"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.json()["detail"].startswith("sign in")
    assert client.post("/coverage", data={"model": "mclp"}, follow_redirects=False).status_code == 303
    assert client.post("/coordination/checklist", follow_redirects=False).status_code == 303


def test_an_empty_mission_says_what_is_missing(client: TestClient) -> None:
    sign_in(client, "adviser")
    coverage = client.get("/coverage")
    assert coverage.status_code == 200
    assert "The posture cannot be computed: import the communities and the bases first." in coverage.text
    coordination = client.get("/coordination")
    assert coordination.status_code == 200
    assert "No coordination structure is stored yet." in coordination.text
    assert "Overall score" in coordination.text  # the checklist still scores (every task at zero)
    assert client.get("/map/roads.json").json()["features"] == []
    assert client.get("/map/communities.json").json()["features"] == []
    assert client.get("/map/hotspots.json").json()["features"] == []
    layer = client.get("/map/coverage.json").json()
    assert layer["features"] == [] and "no communities" in layer["problem"]
    assert client.get("/charts/forecast.json").json()["months"] == []
    plan = planned(client, {"model": "mclp", "p": "2", "standard": "4h"})
    assert plan.status_code == 422
    assert "The plan cannot be made with these choices:" in plan.text
    assert "no communities imported" in plan.text


@pytest.mark.parametrize(
    ("form", "messages"),
    [
        ({"model": "kmeans", "p": "3", "standard": "4h"}, ["Choose a model: maximal covering"]),
        ({"model": "mclp", "p": "0", "standard": "4h"}, ["Enter a whole number of new sites from 1 to 50."]),
        ({"model": "pmedian", "p": "three", "standard": "4h"}, ["Enter a whole number of new sites"]),
        ({"model": "mclp", "p": "2", "standard": "soon"}, ["Write the standard as a duration"]),
        ({"model": "mclp", "p": "2", "standard": "100h"}, ["of at most 72 hours"]),
        (
            {"model": "mclp", "p": "2", "standard": "4h", "season": "monsoon", "weight": "votes"},
            ["Choose the dry or the rainy season.", "Choose what a community weighs"],
        ),
    ],
)
def test_the_plan_form_says_what_is_wrong(
    client: TestClient, form: dict[str, str], messages: list[str]
) -> None:
    sign_in(client, "planner")
    response = client.post("/coverage", data=form)
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert "The plan was not run:" in response.text
    for message in messages:
        assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert f'value="{form["standard"]}"' in response.text  # what was typed is kept
    assert 'id="plan-result"' not in response.text


def test_lscp_needs_no_p_and_french_messages(client: TestClient) -> None:
    sign_in(client, "planner")
    response = client.post("/coverage", data={"model": "lscp", "p": "", "standard": "2h"})
    assert "Enter a whole number" not in response.text  # p is not asked of set covering
    french = client.post(
        "/coverage", data={"model": "mclp", "p": "x", "standard": "4h"}, headers={"Accept-Language": "fr"}
    )
    assert french.status_code == 422
    assert "Saisissez un nombre entier de nouveaux sites, de 1 à 50." in french.text
    assert '<html lang="fr">' in french.text


def test_only_planning_roles_run_plans_and_record_the_checklist(client: TestClient) -> None:
    sign_in(client, "viewer")
    page = client.get("/coverage")
    assert page.status_code == 200
    assert 'id="plan-form"' not in page.text
    assert "your role sees the current posture" in page.text
    refused = client.post("/coverage", data={"model": "mclp", "p": "2", "standard": "4h"})
    assert refused.status_code == 403
    assert "Your role may see the current posture but not run deployment plans." in refused.text
    coordination = client.get("/coordination")
    assert 'id="checklist-form"' not in coordination.text
    refused = client.post("/coordination/checklist", data={"action": "download", "answer-vp_strategy": "yes"})
    assert refused.status_code == 403
    assert "Your role may read the self-assessment but not record answers." in refused.text
    assert refused.headers["content-type"].startswith("text/html")
    for username in ("planner", "adviser"):
        sign_in(client, username)
        assert 'id="plan-form"' in client.get("/coverage").text
        assert 'id="checklist-form"' in client.get("/coordination").text


def test_a_plan_run_from_the_page_on_the_demo_mission(demo: TestClient, engine: Engine) -> None:
    sign_in(demo, "viewer")
    posture = demo.get("/coverage?standard=2h")
    assert posture.status_code == 200
    figures = text_of(posture.text)
    share = re.search(r"Covered within 2 h ([\d.]+) %", figures)
    assert share, figures[:2000]
    communities = page_config(posture.text, "coverage-config")["posture"]["communities"]
    assert len(communities) == 300
    covered = sum(1 for row in communities if row[2] == 1)
    assert f"Communities beyond the standard {300 - covered}" in figures
    assert demo.get("/coverage?standard=never").status_code == 422

    sign_in(demo, "planner")
    response = planned(
        demo, {"model": "mclp", "p": "2", "standard": "2h", "season": "dry", "weight": "population"}
    )
    assert response.status_code == 200, text_of(response.text)[:2000]
    shown = text_of(response.text)
    assert "Proposed plan: Maximal covering" in shown
    assert re.search(r"Solver status: (optimal \(proven\)|stopped at the time limit)", shown)
    assert "New sites: 2" in shown
    plan = page_config(response.text, "coverage-config")["plan"]
    assert len(plan["sites"]) == 2
    with engine.connect() as conn:
        bases = conn.execute(select(func.count()).select_from(tables.bases)).scalar_one()
    assert len(plan["bases"]) == bases
    statuses = {row[2] for row in plan["communities"]}
    assert statuses <= {0, 1, 2}
    before, after = (float(v) for v in re.findall(r"Covered share ([\d.]+) % ([\d.]+) %", shown)[0])
    assert after >= before  # new sites never lose coverage: the bases stay
    assert 2 in statuses or after == before

    lscp = planned(demo, {"model": "lscp", "standard": "4h", "season": "rainy", "weight": "risk"})
    assert lscp.status_code == 200, text_of(lscp.text)[:2000]
    assert "Proposed plan: Set covering" in text_of(lscp.text)
    after_lscp = re.findall(r"Covered share ([\d.]+) % ([\d.]+) %", text_of(lscp.text))[0][1]
    assert float(after_lscp) == pytest.approx(100.0)


def test_the_map_layers_of_the_demo_mission(
    demo: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(map_layers, "FINGERPRINT_SECONDS", 0.0)  # every request reads the data's fingerprint
    sign_in(demo, "viewer")
    with engine.connect() as conn:
        roads = conn.execute(select(func.count()).select_from(tables.roads)).scalar_one()
        threat_events = event_queries.count(conn, EventFilter(threat_only=True))
    layer = demo.get("/map/roads.json").json()
    assert len(layer["features"]) == roads > 0
    assert {f["geometry"]["type"] for f in layer["features"]} <= {"LineString", "MultiLineString"}
    communities = demo.get("/map/communities.json").json()["features"]
    assert len(communities) == 300
    assert "focal_point" not in communities[0]["properties"]
    bands = {f["properties"]["risk_band"] for f in communities}
    assert bands - {None} <= set(map_layers.BAND_ORDER) and bands - {None}
    hotspots = demo.get("/map/hotspots.json").json()
    assert threat_events > 0 and hotspots["window_days"] == map_layers.HOTSPOT_WINDOW_DAYS
    for cell in hotspots["features"]:
        assert cell["properties"]["class"] != "none" or cell["properties"]["pattern"]
    coverage = demo.get("/map/coverage.json?standard=1").json()
    gaps = [f for f in coverage["features"] if f["properties"]["kind"] == "gap"]
    reach = [f for f in coverage["features"] if f["properties"]["kind"] == "reach"]
    assert len(gaps) == coverage["gap_communities"]
    assert sum(f["properties"]["communities"] for f in reach) == 300 - len(gaps)
    assert all(f["properties"]["fastest_hours"] is None or f["properties"]["fastest_hours"] > 1 for f in gaps)
    wider = demo.get("/map/coverage.json?standard=8").json()
    assert wider["covered_share"] >= coverage["covered_share"]
    assert demo.get("/map/coverage.json?standard=3").status_code == 422
    assert demo.get("/map/coverage.json?season=monsoon").status_code == 422
    # cached: the same bytes until the data change
    assert demo.get("/map/roads.json").content == demo.get("/map/roads.json").content
    with engine.begin() as conn:
        conn.execute(tables.roads.delete())
    assert demo.get("/map/roads.json").json()["features"] == []


def test_coordination_page_of_the_demo_mission(demo: TestClient, tmp_path: Path) -> None:
    sign_in(demo, "adviser")
    page = demo.get("/coordination")
    assert page.status_code == 200
    assert '<img src="/api/v1/structures/organogram.svg"' in page.text
    assert demo.get("/api/v1/structures/organogram.svg").headers["content-type"].startswith("image/svg+xml")
    links = re.findall(r'href="(/coordination/bodies/[^"]+)"', page.text)
    bodies = demo.get("/api/v1/structures/bodies").json()
    assert len(links) == len(bodies) > 0
    assert "this mission" in page.text  # the mission's coordinator model is outlined
    # the terms of reference and the models compared are pages of the site: navigation, trail, the document a link away
    for path in (links[0], "/coordination/models"):
        shown = demo.get(path)
        assert shown.status_code == 200, path
        assert "Main navigation" in shown.text, path
        assert (
            '<article class="document"' in shown.text
            and 'href="/coordination">Coordination</a>' in shown.text
        )
        assert "<html" not in shown.text.split('<article class="document"', 1)[1], (
            path
        )  # no page inside the page
        document = re.search(r'<ul class="document-downloads"[^>]*>\s*<li><a href="([^"]+)"', shown.text)
        assert document is not None, path
        printable = demo.get(document[1].replace("&amp;", "&"))
        assert printable.status_code == 200 and printable.text.lstrip().lower().startswith(
            "<!doctype html>"
        ), path
    assert "Terms of reference" in demo.get(links[0]).text
    french = demo.get(links[0], headers={"Accept-Language": "fr"}).text
    assert "Termes de référence" in french and "Vous êtes ici" in french
    assert (
        "Groupe de gestion principal sur la protection" in french
    )  # the body's name in the reader's language
    assert demo.get("/coordination/bodies/no-such-body").status_code == 404
    before = float(re.search(r"Overall score: (\d+) %", text_of(page.text))[1])  # type: ignore[index]

    keys = re.findall(r'name="answer-([a-z_]+)"', page.text)
    assert len(keys) == len(set(keys)) >= 40
    answers = {f"answer-{key}": "yes" for key in keys}
    scored = demo.post("/coordination/checklist", data={**answers, "action": "score"})
    assert scored.status_code == 200
    assert "Overall score: 100 %" in text_of(scored.text)
    assert before < 100

    wrong = demo.post(
        "/coordination/checklist",
        data={"answer-" + keys[0]: "maybe", "due-" + keys[1]: "next week", "action": "score"},
    )
    assert wrong.status_code == 422
    assert "Answer yes, partly or no" in wrong.text
    assert "Write the due date as YYYY-MM-DD" in wrong.text
    assert 'value="next week"' in wrong.text

    download = demo.post(
        "/coordination/checklist",
        data={
            "answer-" + keys[0]: "partial",
            "evidence-" + keys[0]: "Minutes of May",
            "owner-" + keys[0]: "SPA",
            "due-" + keys[0]: "2026-03-31",
            "action": "download",
        },
    )
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/yaml")
    assert "attachment" in download.headers["content-disposition"]
    path = tmp_path / "answers.yaml"
    path.write_bytes(download.content)
    parsed = {a.question: a for a in read_answers(path)}
    assert parsed[keys[0]].status == "partial"
    assert parsed[keys[0]].owner == "SPA"
    assert parsed[keys[0]].due_date is not None and parsed[keys[0]].due_date.isoformat() == "2026-03-31"
    assert parsed[keys[1]].status is None  # unanswered stays unanswered


def test_forecast_against_actual_on_the_demo_mission(demo: TestClient, engine: Engine) -> None:
    sign_in(demo, "viewer")
    data = demo.get("/charts/forecast.json").json()
    rows = data["months"]
    assert len(rows) == 12, data
    months = [r["month"] for r in rows]
    assert months == sorted(months) and len(set(months)) == 12
    for previous, row in itertools.pairwise(rows):
        assert row["naive"] == previous["actual"]  # the naive forecast repeats the month before
    for row in rows:
        assert row["low"] <= row["high"] and row["forecast"] >= 0 and row["actual"] >= 0
    year, month = map(int, months[-1].split("-"))
    with engine.connect() as conn:
        last_month = conn.execute(
            select(func.count())
            .select_from(tables.events)
            .where(tables.events.c.threat_type.is_not(None))
            .where(func.extract("year", tables.events.c.event_date) == year)
            .where(func.extract("month", tables.events.c.event_date) == month)
        ).scalar_one()
    assert rows[-1]["actual"] <= last_month  # events without an admin-2 area are not in the panel
    expected = sum(abs(r["forecast"] - r["actual"]) for r in rows) / 12
    assert data["model_mae"] == pytest.approx(expected, abs=0.06)
    charts = demo.get("/charts")
    assert 'id="chart-forecast"' in charts.text
    assert "Forecast against actual" in charts.text


def test_one_coverage_truth_on_the_page_the_plan_the_map_and_the_command(
    demo: TestClient, engine: Engine
) -> None:
    """The posture panel, the plan's current posture, the map's layer and `coverage` give the same figure for
    the same standard and season, and the page says which units and which season it counts."""
    from pochub.services.allocation import coverage

    sign_in(demo, "planner")
    for season, word in (("dry", "dry season"), ("rainy", "rainy season")):
        posture = text_of(demo.get(f"/coverage?standard=2h&season={season}").text)
        panel = float(re.search(r"Covered within 2 h ([\d.]+) %", posture)[1])  # type: ignore[index]
        assert re.search(r"Counted: \d+ units \(\d+ by air\) at \d+ of the \d+ bases", posture)
        assert f"Season: {word}." in posture
        layer = demo.get(f"/map/coverage.json?standard=2&season={season}").json()
        service = coverage(engine, standards=(2.0,), season=season).result.covered_share[0]
        assert panel == pytest.approx(100 * layer["covered_share"], abs=0.06)
        assert panel == pytest.approx(100 * float(service), abs=0.06)
        plan = planned(
            demo, {"model": "mclp", "p": "1", "standard": "2h", "season": season, "weight": "population"}
        )
        shown = text_of(plan.text)
        before = float(re.findall(r"Covered share ([\d.]+) % ([\d.]+) %", shown)[0][0])
        assert before == pytest.approx(panel, abs=0.06), season  # the plan starts from the same posture
        site = page_config(plan.text, "coverage-config")["plan"]["sites"][0]
        assert site["nearest_community"] and site["population_newly_covered"] >= 0
    dry = coverage(engine, standards=(1.0, 2.0, 4.0), season="dry").result.covered_share
    rainy = coverage(engine, standards=(1.0, 2.0, 4.0), season="rainy").result.covered_share
    assert (dry >= rainy - 1e-12).all()  # rain never gains coverage


def test_the_coordination_page_shows_the_structure_in_the_readers_language(demo: TestClient) -> None:
    sign_in(demo, "adviser")
    french = demo.get("/coordination", headers={"Accept-Language": "fr"}).text
    assert "Groupe de gestion principal sur la protection" in french and "hebdomadaire" in french
    assert "Senior Management Group on Protection" not in french
    english = demo.get("/coordination", headers={"Accept-Language": "en"}).text
    assert "Senior Management Group on Protection" in english and "Groupe de gestion" not in english


def test_the_plans_new_sites_say_where_they_are_and_whom_they_newly_cover(demo: TestClient) -> None:
    """Each proposed site: its area (name and P-code), its nearest community and how far, and the population it
    newly covers, marginal in the order of the proposal; in English and in French."""
    sign_in(demo, "planner")
    form = {"model": "mclp", "p": "3", "standard": "1h", "season": "dry", "weight": "population"}
    for language, words in (
        ("en", ("Area", "Nearest community", "Population newly covered", "In the order of the proposal")),
        (
            "fr",
            (
                "Zone",
                "Communauté la plus proche",
                "Population nouvellement couverte",
                "Dans l'ordre de la proposition",
            ),
        ),
    ):
        page = planned(demo, form, **{"Accept-Language": language})
        assert page.status_code == 200, text_of(page.text)[:2000]
        table = re.search(r'<table class="data" id="plan-sites">(.*?)</table>', page.text, re.S)
        assert table, text_of(page.text)[:2000]
        shown = html.unescape(text_of(table[1]))
        found = re.search(r'<p class="hint" id="plan-sites-order">(.*?)</p>', page.text, re.S)
        assert found, language
        hint = html.unescape(text_of(found[1]))
        for word in words[:3]:
            assert word in shown, (language, shown)
        assert hint.strip().startswith(words[3]), hint
        if language == "fr":
            assert "In the order of the proposal" not in page.text and "newly covered" not in shown
        sites = page_config(page.text, "coverage-config")["plan"]["sites"]
        assert len(sites) == 3
        km = "à " if language == "fr" else ""
        for site in sites:
            assert site["area_pcode"] and f"{site['area_name']} ({site['area_pcode']})" in shown
            assert f"{site['nearest_community']}, {km}{site['nearest_community_km']:g} km" in shown
        gained = [site["population_newly_covered"] for site in sites]
        assert gained == sorted(gained, reverse=True) and gained[0] > 0
        names = re.findall(r'<tr><th scope="row">(.*?)</th>', table[1], re.S)
        assert [html.unescape(n) for n in names] == [s["name"] for s in sites]  # the proposal's order


def test_a_plan_weighed_by_perceived_risk_says_why_on_each_row(demo: TestClient, engine: Engine) -> None:
    """Weighed by the risk people perceive (the demo's perception survey), each proposed site's row says on what the
    weights of the communities it newly covers rest (their own survey figures, their area's mean, the mission's)
    and the share who do not feel safe, in English and in French; a plan by population has no such column."""
    from pochub.services.demo_perspectives import create_demo_perspectives

    create_demo_perspectives(engine, seed=1)
    sign_in(demo, "planner")
    form = {"model": "mclp", "p": "2", "standard": "1h", "season": "dry", "weight": "perceived-risk"}
    for language, header, reason in (
        ("en", "Why it weighs", "weighted by perceived risk, for"),
        ("fr", "Pourquoi ce poids", "pondéré par le risque perçu, pour"),
    ):
        page = planned(demo, form, **{"Accept-Language": language})
        assert page.status_code == 200, text_of(page.text)[:2000]
        table = re.search(r'<table class="data" id="plan-sites">(.*?)</table>', page.text, re.S)
        assert table, text_of(page.text)[:2000]
        shown = html.unescape(text_of(table[1]))
        assert header in shown
        reasons = re.findall(r'<td class="site-reason">(.*?)</td>', table[1], re.S)
        assert len(reasons) == 2 and all(html.unescape(r).startswith(reason) for r in reasons), reasons
        assert all("Perception survey" in r for r in reasons)
    plain = planned(demo, {**form, "weight": "population"})
    assert "site-reason" not in plain.text and "Why it weighs" not in plain.text
