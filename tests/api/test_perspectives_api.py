"""Local perspectives over the API on the demo mission (both backends): a CLA records an engagement with a concern
and a commitment, the officer closes the commitment with feedback; profiles with versions and a protected focal
point; survey results with withheld figures; plans as HTML and PDF; divergence. And what a curious partner or a
field officer of another area would try: ids from other areas, filters as oracles, the focal point."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from pochub.config import Settings
from pochub.http.app import create_app
from pochub.services.demo_perspectives import create_demo_perspectives
from pochub.store import tables
from tests.api.access_helpers import auth_header, make_user

OFFICE = "fo_besu"  # province KT02
OTHER_OFFICE = "fo_kimundaro"  # province KT04


@pytest.fixture(scope="module")
def client(demo_engine: Engine) -> Iterator[TestClient]:
    create_demo_perspectives(demo_engine, seed=2)
    url = demo_engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(Settings(database_url=url, workers=False))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def people(demo_engine: Engine) -> dict[str, dict[str, str]]:
    roles = {"cla": ("cla", OFFICE), "officer": ("field_officer", OFFICE), "other": ("cla", OTHER_OFFICE),
             "adviser": ("poc_adviser", None), "analyst": ("analyst", None), "partner": ("partner", None)}  # fmt: skip
    return {
        name: auth_header(make_user(demo_engine, role, field_office=office)[1])
        for name, (role, office) in roles.items()
    }


def _community_of(demo_engine: Engine, province: str) -> str:
    with demo_engine.connect() as conn:
        return str(
            conn.execute(
                select(tables.communities.c.community_id)
                .where(tables.communities.c.pcode.like(f"{province}%"))
                .order_by(tables.communities.c.community_id)
            ).scalars().first()
        )  # fmt: skip


def _engagement(community: str) -> dict[str, Any]:
    return {
        "community_id": community, "kind": "visit", "held_on": (datetime.now(UTC) - timedelta(hours=3)).isoformat(),
        "mission_posts": ["CLA Besu"], "participants": {"female/18_59": 8, "male/60_plus": 3},
        "concerns": [{"threat_type": "abduction_forced_disappearance", "place": "the field road", "perpetrator": "hill men"}],
        "requests": ["a patrol on market days"],
        "commitments": [{"what": "Patrol the field road on market days", "owner_post": "FO Besu",
                         "due": (datetime.now(UTC) + timedelta(days=14)).date().isoformat()}],
    }  # fmt: skip


def test_a_visit_recorded_and_its_commitment_closed_with_feedback(
    client: TestClient, people: dict[str, dict[str, str]], demo_engine: Engine
) -> None:
    community = _community_of(demo_engine, "KT02")
    made = client.post("/api/v1/engagements", json=_engagement(community), headers=people["cla"])
    assert made.status_code == 201, made.text
    history = client.get(f"/api/v1/communities/{community}/engagements", headers=people["officer"]).json()
    mine = next(e for e in history if e["engagement_id"] == made.json()["engagement_id"])
    assert mine["concerns"][0]["threat_type"] == "abduction_forced_disappearance"
    number = mine["commitments"][0]["commitment_id"]
    step = f"/api/v1/commitments/{number}/steps"
    assert (
        client.post(
            step, json={"action": "deliver", "outcome": "Patrols since Monday"}, headers=people["officer"]
        ).status_code
        == 200
    )
    refused = client.post(step, json={"action": "close"}, headers=people["officer"])
    assert refused.status_code == 422 and "feedback" in refused.json()["detail"]
    closed = client.post(
        step,
        json={"action": "close", "feedback": "Told the chief", "channel": "phone"},
        headers=people["officer"],
    )
    assert closed.json() == {"status": "closed"}
    board = client.get("/api/v1/commitments", params={"closed": True}, headers=people["officer"]).json()
    assert next(c for c in board if c["commitment_id"] == number)["feedback"]["message"] == "Told the chief"
    # French: the refusal in the reader's language
    again = client.post(
        step, json={"action": "start"}, headers={**people["officer"], "Accept-Language": "fr"}
    )
    assert again.status_code == 409 and "engagement" in again.json()["detail"]


def test_other_areas_and_roles_are_out_of_reach(
    client: TestClient, people: dict[str, dict[str, str]], demo_engine: Engine
) -> None:
    community = _community_of(demo_engine, "KT02")
    # another office's CLA: the community, its engagements, profile and plan answer as if they did not exist
    for path in (f"/api/v1/communities/{community}/engagements", f"/api/v1/communities/{community}/profile"):
        elsewhere = client.get(path, headers=people["other"])
        missing = client.get(path.replace(community, "NO-SUCH-PLACE"), headers=people["other"])
        assert elsewhere.status_code == missing.status_code == 404, path
        assert elsewhere.json()["detail"].replace(community, "X") == missing.json()["detail"].replace(
            "NO-SUCH-PLACE", "X"
        )
    assert (
        client.post("/api/v1/engagements", json=_engagement(community), headers=people["other"]).status_code
        == 404
    )
    assert (
        client.post("/api/v1/engagements", json=_engagement(community), headers=people["partner"]).status_code
        == 403
    )
    # the board never lists another area's commitments (filters as oracles: none from KT02 for the KT04 CLA)
    theirs = client.get("/api/v1/commitments", params={"closed": True}, headers=people["other"]).json()
    assert all(not c["community_id"].startswith("x") for c in theirs)
    with demo_engine.connect() as conn:
        areas = dict(
            conn.execute(select(tables.communities.c.community_id, tables.communities.c.pcode)).all()
        )
    assert all(areas[c["community_id"]].startswith("KT04") for c in theirs)
    one = next(c for c in client.get("/api/v1/commitments", headers=people["cla"]).json())
    assert client.post(f"/api/v1/commitments/{one['commitment_id']}/steps", json={"action": "start"},
                       headers=people["other"]).status_code == 404  # fmt: skip
    # survey results: the KT04 CLA sees KT04 communities only
    results = client.get("/api/v1/surveys/Perception survey/results", headers=people["other"]).json()
    assert results["communities"] and all(
        (c["pcode"] or "").startswith("KT04") for c in results["communities"]
    )


def test_profiles_keep_the_focal_point_need_to_know(
    client: TestClient, people: dict[str, dict[str, str]], demo_engine: Engine
) -> None:
    community = _community_of(demo_engine, "KT02")
    current = client.get(f"/api/v1/communities/{community}/profile", headers=people["officer"]).json()
    profile = {
        **current["profile"],
        "focal_point": "Mama Kavira +243 81 000 0222",
        "needs": ["a night patrol"],
    }
    saved = client.put(f"/api/v1/communities/{community}/profile", json={"based_on": current["version"], "profile": profile},
                       headers=people["cla"])  # fmt: skip
    assert saved.status_code == 200, saved.text
    stale = client.put(f"/api/v1/communities/{community}/profile", json={"based_on": current["version"], "profile": profile},
                       headers=people["cla"])  # fmt: skip
    assert stale.status_code == 409
    assert "Kavira" in client.get(f"/api/v1/communities/{community}/profile", headers=people["officer"]).text
    for reader in ("analyst", "partner"):
        seen = client.get(f"/api/v1/communities/{community}/profile", headers=people[reader])
        assert seen.status_code == 200 and "Kavira" not in seen.text and "0222" not in seen.text, reader
        history = client.get(f"/api/v1/communities/{community}/profile/history", headers=people[reader])
        assert "Kavira" not in history.text and "focal point changed" in history.text
    french = client.get(
        f"/api/v1/communities/{community}/profile/history",
        headers={**people["analyst"], "Accept-Language": "fr"},
    )
    assert "point focal modifié" in french.text
    bad = client.put(f"/api/v1/communities/{community}/profile",
                     json={"based_on": saved.json()["version"], "profile": {"strategies": ["prayer"]}}, headers=people["cla"])  # fmt: skip
    assert bad.status_code == 422 and "strategies" in bad.text


def test_surveys_plans_and_divergence(client: TestClient, people: dict[str, dict[str, str]]) -> None:
    surveys = client.get("/api/v1/surveys", headers=people["adviser"]).json()
    assert surveys[0]["survey"] == "Perception survey" and len(surveys[0]["waves"]) == 2
    results = client.get(
        "/api/v1/surveys/Perception survey/results", headers={**people["adviser"], "Accept-Language": "fr"}
    ).json()
    figures = [c["figures"]["feels_safe_night"] for c in results["communities"]]
    assert any("withheld" in f for f in figures) and any("share" in f for f in figures)
    withheld = next(f for f in figures if "withheld" in f)
    assert (set(withheld) == {"withheld"} and "répondants" in withheld["withheld"]) or "masqué" in withheld[
        "withheld"
    ]
    assert client.get("/api/v1/surveys/None such/results", headers=people["adviser"]).status_code == 404
    plans = client.get("/api/v1/plans", headers=people["adviser"]).json()
    community = plans[0]["community_id"]
    html = client.get(
        f"/api/v1/communities/{community}/plan", headers={**people["adviser"], "Accept-Language": "fr"}
    )
    assert html.status_code == 200 and "Plan communautaire de protection" in html.text
    pdf = client.get(
        f"/api/v1/communities/{community}/plan", params={"format": "pdf"}, headers=people["adviser"]
    )
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert (
        client.get("/api/v1/divergence", params={"days": 3650}, headers=people["adviser"]).status_code == 200
    )
    assert client.get("/api/v1/divergence", params={"days": 0}, headers=people["adviser"]).status_code == 422
    assert client.get("/api/v1/commitments").status_code == 401


def test_a_plan_is_saved_over_the_api(
    client: TestClient, people: dict[str, dict[str, str]], demo_engine: Engine
) -> None:
    community = _community_of(demo_engine, "KT02")
    today = datetime.now(UTC).date()
    plan = {
        "agreed_on": today.isoformat(), "threats": [{"threat_type": "abduction_forced_disappearance", "perpetrator": "x"}],
        "commitments": [{"party": "mission", "who": "FO Besu", "what": "Patrol", "due": (today + timedelta(days=9)).isoformat()}],
        "indicators": [{"what": "An abduction within 10 km", "threat_type": "abduction_forced_disappearance"}],
    }  # fmt: skip
    current = client.get("/api/v1/plans", headers=people["officer"]).json()
    based_on = next((p["version"] for p in current if p["community_id"] == community), 0)
    saved = client.put(
        f"/api/v1/communities/{community}/plan",
        json={"based_on": based_on, "plan": plan},
        headers=people["officer"],
    )
    assert saved.status_code == 200, saved.text
    stale = client.put(
        f"/api/v1/communities/{community}/plan",
        json={"based_on": based_on, "plan": plan},
        headers=people["officer"],
    )
    assert stale.status_code == 409
    bad = client.put(f"/api/v1/communities/{community}/plan", json={"based_on": saved.json()["version"], "plan": {**plan, "threats": []}},
                     headers=people["officer"])  # fmt: skip
    assert bad.status_code == 422 and "threat" in bad.text
    assert (
        client.put(
            f"/api/v1/communities/{community}/plan",
            json={"based_on": 0, "plan": plan},
            headers=people["other"],
        ).status_code
        == 404
    )
