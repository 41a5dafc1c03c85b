"""Fuzzing that cannot be undone by asking questions, on both backends.

The review's partner recovered an alert's exact place in about 70 requests by narrowing ``bbox`` on the alerts
API: the filter ran on the true coordinates. Here the same binary search (by box, then by area, on the list and
on the export) finds the fuzzed point the partner is shown anyway, never the true one; the partner is not told
the community, the location text, the message (redacted by default) or who recorded the report.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from pochub.config import Settings
from pochub.core.geography.fuzzing import great_circle_km
from pochub.core.models.alerts import Channel, Report
from pochub.core.workflow.lifecycle import SYSTEM, Actor
from pochub.http.app import create_app
from pochub.services.alerts import receive_report
from pochub.services.protection import Protector
from pochub.store import tables
from pochub.store.database import reading
from tests.api.access_helpers import auth_header, make_user

SECRET = "test secret key, not for production use"
FUZZ_KM = 5.0


def _settings(engine: Engine, **values: object) -> Settings:
    url = engine.url.render_as_string(hide_password=False)
    return Settings(database_url=url, secret_key=SECRET, workers=False, location_fuzz_km=FUZZ_KM, **values)  # type: ignore[arg-type]


def _community(engine: Engine) -> tuple[str, float, float, str]:
    communities = tables.communities
    with reading(engine) as conn:
        row = conn.execute(
            select(
                communities.c.community_id,
                communities.c.latitude,
                communities.c.longitude,
                communities.c.pcode,
            )
            .where(communities.c.pcode.is_not(None))
            .order_by(communities.c.community_id)
        ).first()
    assert row is not None
    return row.community_id, row.latitude, row.longitude, row.pcode


def _alert(engine: Engine, key: str) -> tuple[str, float, float]:
    """A new alert at a community's exact point; its reference and true place."""
    community_id, latitude, longitude, _ = _community(engine)
    now = datetime.now(UTC)
    result = receive_report(
        engine,
        _settings(engine),
        Report(
            Channel.SMS,
            f"fuzz-{key}",
            now - timedelta(minutes=3),
            f"Informant Amina says armed men at the well {key}",
            sender_number="+243810000001",
            latitude=latitude,
            longitude=longitude,
            community_id=community_id,
            location_text="behind the chief's house",
        ),
        actor=Actor("cla-kobe", SYSTEM),
        now=now,
    )
    return result.reference, latitude, longitude


def _bisect(contains: Callable[[tuple[float, float, float, float]], bool]) -> tuple[float, float, int]:
    """The review's attack: halve the box on longitude and latitude, keeping the half the alert is found in."""
    box = [-180.0, -90.0, 180.0, 90.0]
    asked = 0
    for step in range(60):
        axis = step % 2  # 0: longitude, 1: latitude
        low, high = box[axis], box[axis + 2]
        middle = (low + high) / 2
        lower = list(box)
        lower[axis + 2] = middle
        asked += 1
        if contains((lower[0], lower[1], lower[2], lower[3])):
            box = lower
        else:
            box[axis] = middle
    return (box[1] + box[3]) / 2, (box[0] + box[2]) / 2, asked


def _box(latitude: float, longitude: float, half: float = 0.0001) -> str:
    """A bbox parameter of ``half`` degrees around a point."""
    return ",".join(
        f"{v:.10f}" for v in (longitude - half, latitude - half, longitude + half, latitude + half)
    )


@pytest.fixture
def partner(demo_engine: Engine) -> TestClient:
    _, token = make_user(demo_engine, "partner")
    return TestClient(create_app(_settings(demo_engine)), headers=auth_header(token))


def _listed(client: TestClient, reference: str, **params: str) -> dict[str, object] | None:
    items = client.get("/api/v1/alerts", params={"limit": "500", **params}).json()["items"]
    return next((item for item in items if item["reference"] == reference), None)


def test_bisection_by_box_finds_the_fuzzed_point_not_the_true_one(
    demo_engine: Engine, partner: TestClient
) -> None:
    reference, latitude, longitude = _alert(demo_engine, "box")
    shown = _listed(partner, reference)
    assert shown is not None and shown["location_fuzzed_km"] == FUZZ_KM

    def contains(box: tuple[float, float, float, float]) -> bool:
        return _listed(partner, reference, bbox=",".join(f"{v:.12f}" for v in box)) is not None

    found_latitude, found_longitude, asked = _bisect(contains)
    assert asked >= 40
    # the search converges on the point the partner was shown anyway ...
    assert great_circle_km(found_latitude, found_longitude, shown["latitude"], shown["longitude"]) < 0.001  # type: ignore[arg-type]
    # ... which is the true point moved by up to the fuzz radius, under the secret key
    moved = great_circle_km(found_latitude, found_longitude, latitude, longitude)
    assert moved <= FUZZ_KM + 0.001
    expected = Protector(SECRET).fuzz_location(latitude, longitude, FUZZ_KM, reference)
    assert great_circle_km(found_latitude, found_longitude, *expected) < 0.001
    # a tiny box around the true point does not find the alert (unless the move happened to be under 20 m)
    if moved > 0.02:
        assert not contains((longitude - 0.0001, latitude - 0.0001, longitude + 0.0001, latitude + 0.0001))


def test_the_area_filter_and_the_export_use_the_fuzzed_place(
    demo_engine: Engine, partner: TestClient
) -> None:
    reference, latitude, longitude = _alert(demo_engine, "area")
    shown = _listed(partner, reference)
    assert shown is not None
    with reading(demo_engine) as conn:
        true_pcode = conn.execute(
            select(tables.alerts.c.pcode).where(tables.alerts.c.reference == reference)
        ).scalar_one()
        codes = sorted(set(conn.execute(select(tables.admin_areas.c.pcode)).scalars()))
    assert codes
    assert true_pcode in codes
    for code in codes:
        found = _listed(partner, reference, area=code) is not None
        assert found == str(shown["pcode"]).startswith(code), code
    tiny = _box(latitude, longitude)
    around = _box(float(shown["latitude"]), float(shown["longitude"]))  # type: ignore[arg-type]
    exported = partner.get("/api/v1/alerts/export", params={"format": "csv", "bbox": around}).text
    assert reference in {row["reference"] for row in csv.DictReader(io.StringIO(exported))}
    if great_circle_km(latitude, longitude, shown["latitude"], shown["longitude"]) > 0.02:  # type: ignore[arg-type]
        exported = partner.get("/api/v1/alerts/export", params={"format": "geojson", "bbox": tiny}).json()
        assert reference not in {f["properties"]["reference"] for f in exported["features"]}
    # a field officer's own view (need to know) still sees and filters on the true place
    _, token = make_user(demo_engine, "admin")
    admin = TestClient(create_app(_settings(demo_engine)), headers=auth_header(token))
    exact = _listed(admin, reference, bbox=tiny)
    assert exact is not None and exact["latitude"] == latitude and exact["location_fuzzed_km"] == 0.0


def test_partners_are_not_told_the_community_text_or_recorder(
    demo_engine: Engine, partner: TestClient
) -> None:
    reference, _, _ = _alert(demo_engine, "names")
    listed = _listed(partner, reference)
    assert listed is not None
    assert listed["community_id"] is None and listed["location_text"] == ""
    assert listed["text"] == "" and listed["text_withheld"] is True
    detail = partner.get(f"/api/v1/alerts/{reference}").json()
    assert "Amina" not in str(detail) and "chief" not in str(detail) and "cla-kobe" not in str(detail)
    assert all("recorded_by" not in report for report in detail["reports_received"])
    # viewers see the message, but not the community; with partner_text=full partners see it too
    _, token = make_user(demo_engine, "viewer")
    viewer = TestClient(create_app(_settings(demo_engine)), headers=auth_header(token))
    seen = _listed(viewer, reference)
    assert seen is not None and "Amina" in str(seen["text"]) and seen["community_id"] is None
    _, token = make_user(demo_engine, "partner")
    full = TestClient(create_app(_settings(demo_engine, partner_text="full")), headers=auth_header(token))
    assert "Amina" in str(_listed(full, reference)["text"])  # type: ignore[index]


def test_the_office_that_follows_the_true_place_is_no_oracle(
    demo_engine: Engine, partner: TestClient
) -> None:
    """The field office, body and focal point are routed from the true place: near an office boundary they
    would tell which side the true point lies on, so fuzzed readers neither see nor filter by them."""
    reference, _, _ = _alert(demo_engine, "office")
    with reading(demo_engine) as conn:
        office = conn.execute(
            select(tables.alerts.c.field_office).where(tables.alerts.c.reference == reference)
        ).scalar_one()
    assert office  # routed, so there is something to hide
    listed = _listed(partner, reference)
    assert listed is not None
    assert listed["field_office"] is None and listed["body"] is None and listed["focal_point_role"] is None
    detail = partner.get(f"/api/v1/alerts/{reference}").json()
    assert detail["field_office"] is None and detail["body"] is None
    refused = partner.get("/api/v1/alerts", params={"field_office": office})
    assert refused.status_code == 422
    export = partner.get("/api/v1/alerts/export", params={"format": "csv", "field_office": office})
    assert export.status_code == 422
    exported = partner.get("/api/v1/alerts/export", params={"format": "csv"}).text
    rows = [row for row in csv.DictReader(io.StringIO(exported)) if row["reference"] == reference]
    assert rows and rows[0]["field_office"] == ""
    # need-to-know roles still see and filter by it
    _, token = make_user(demo_engine, "admin")
    admin = TestClient(create_app(_settings(demo_engine)), headers=auth_header(token))
    mine = _listed(admin, reference, field_office=office)
    assert mine is not None and mine["field_office"] == office


def test_the_offset_derives_from_the_secret_key() -> None:
    one = Protector(SECRET).fuzz_location(12.5, -8.0, FUZZ_KM, "A261204-ABCDEFGH")
    other = Protector("another secret key of the mission").fuzz_location(
        12.5, -8.0, FUZZ_KM, "A261204-ABCDEFGH"
    )
    assert one != other
    assert great_circle_km(*one, *other) > 0


def test_alerts_stored_before_the_fuzzed_columns_get_them_at_start(
    demo_engine: Engine, partner: TestClient
) -> None:
    reference, latitude, longitude = _alert(demo_engine, "backfill")
    alerts = tables.alerts
    with reading(demo_engine) as conn:
        stored = conn.execute(
            select(alerts.c.fuzzed_latitude, alerts.c.fuzzed_longitude, alerts.c.fuzzed_pcode).where(
                alerts.c.reference == reference
            )
        ).one()
    with demo_engine.begin() as conn:  # as migration 0010 leaves an older alert
        conn.execute(
            update(alerts)
            .where(alerts.c.reference == reference)
            .values(fuzzed_latitude=None, fuzzed_longitude=None, fuzzed_pcode=None)
        )
    unfilled = _listed(partner, reference)
    assert unfilled is not None and unfilled["latitude"] is None  # no location, never the true one
    with TestClient(create_app(_settings(demo_engine))):  # the server's start fills them in
        pass
    with reading(demo_engine) as conn:
        filled = conn.execute(
            select(alerts.c.fuzzed_latitude, alerts.c.fuzzed_longitude, alerts.c.fuzzed_pcode).where(
                alerts.c.reference == reference
            )
        ).one()
    assert tuple(filled) == tuple(stored)
    assert (filled.fuzzed_latitude, filled.fuzzed_longitude) != (latitude, longitude)


def test_counts_by_area_follow_the_fuzzed_place_on_the_list_and_the_export(
    demo_engine: Engine, partner: TestClient
) -> None:
    """Filters as oracles (issue 15, item 2): a partner asking how many alerts each area holds, on the list or the
    export, is answered from the fuzzed areas only; the counts match what the partner is shown anyway."""
    references = [_alert(demo_engine, f"count-{n}")[0] for n in range(3)]
    everything = partner.get("/api/v1/alerts", params={"limit": "500"}).json()
    assert everything["total"] <= 500
    shown = {item["reference"]: item["pcode"] for item in everything["items"]}
    assert set(references) <= set(shown)
    with reading(demo_engine) as conn:
        true_pcodes = dict(
            conn.execute(
                select(tables.alerts.c.reference, tables.alerts.c.pcode).where(
                    tables.alerts.c.reference.in_(references)
                )
            ).all()
        )
        codes = sorted(set(conn.execute(select(tables.admin_areas.c.pcode)).scalars()))
    asked = {
        code for reference in references for code in codes if str(true_pcodes[reference]).startswith(code)
    }
    asked |= {code for reference in references for code in codes if str(shown[reference]).startswith(code)}
    for code in sorted(asked):
        expected = {r for r, pcode in shown.items() if pcode and str(pcode).startswith(code)}
        listed = partner.get("/api/v1/alerts", params={"limit": "500", "area": code}).json()
        assert listed["total"] == len(expected), code
        assert {item["reference"] for item in listed["items"]} == expected, code
        exported = partner.get("/api/v1/alerts/export", params={"format": "csv", "area": code}).text
        assert {row["reference"] for row in csv.DictReader(io.StringIO(exported))} == expected, code
