"""The forum pages on the demo mission (both backends): the adviser records a field forum's meeting through the
form (a wrong date said in the form, nothing stored), reads its minutes, drafts the next agenda and completes the
action point on the board; a viewer sees no form and may not record; another office's officer gets the not-found
page; the API gives the minutes as PDF and DOCX; French pages have no English sentence of the catalogue; text typed
by people is never HTML."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.http.app import create_app
from pochub.store import tables
from tests.api.access_helpers import auth_header, make_user
from tests.csrf_tokens import with_csrf_tokens
from tests.test_french_complete import assert_french

BODY = "field_poc_wg_besu"


@pytest.fixture(scope="module")
def client(demo_engine: Engine) -> Iterator[TestClient]:
    url = demo_engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, workers=False))
    try:
        with with_csrf_tokens(TestClient(app)) as test_client:
            yield test_client
    finally:
        app.state.engine.dispose()


@pytest.fixture(scope="module")
def people(demo_engine: Engine) -> dict[str, dict[str, str]]:
    roles = {
        "adviser": ("poc_adviser", None),
        "viewer": ("viewer", None),
        "other": ("field_officer", "fo_kimundaro"),
    }
    return {n: auth_header(make_user(demo_engine, r, field_office=o)[1]) for n, (r, o) in roles.items()}


def _meetings(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.meetings)).scalar_one())


def test_a_meeting_recorded_on_the_form_and_its_action_point_done_on_the_board(
    client: TestClient, people: dict[str, dict[str, str]], demo_engine: Engine
) -> None:
    page = client.get(f"/forums/{BODY}", headers=people["adviser"])
    assert page.status_code == 200 and "Record a meeting" in page.text
    held = (datetime.now(UTC) - timedelta(days=1)).date()
    fields = {
        "held_on": "yesterday", "attendance": ["head_of_office_fo_besu", "poc_focal_point_fo_besu"],
        "agenda": "Top risks\nOpen action points", "decision": "Patrol the market road <b>at night</b>",
        "action": "Night patrol <script>x</script>", "owner": "head_of_office_fo_besu",
        "due": (held + timedelta(days=5)).isoformat(),
    }  # fmt: skip
    before = _meetings(demo_engine)
    wrong = client.post(f"/forums/{BODY}/meetings", data=fields, headers=people["adviser"])
    assert wrong.status_code == 422 and "YYYY-MM-DD" in wrong.text and _meetings(demo_engine) == before
    refused = client.post(f"/forums/{BODY}/meetings", data={**fields, "held_on": held.isoformat()},
                          headers=people["viewer"])  # fmt: skip
    assert refused.status_code == 403 and _meetings(demo_engine) == before
    saved = client.post(f"/forums/{BODY}/meetings", data={**fields, "held_on": held.isoformat()},
                        headers=people["adviser"], follow_redirects=False)  # fmt: skip
    assert saved.status_code == 303, saved.text
    minutes = client.get(saved.headers["location"], headers=people["adviser"])
    assert minutes.status_code == 200
    assert (
        "no quorum" in minutes.text and "&lt;script&gt;" in minutes.text and "<script>x" not in minutes.text
    )
    meeting_id = saved.headers["location"].rsplit("/", 1)[1]
    pdf = client.get(f"/api/v1/meetings/{meeting_id}/minutes?format=pdf", headers=people["adviser"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    docx = client.get(f"/api/v1/meetings/{meeting_id}/minutes?format=docx", headers=people["viewer"])
    assert docx.status_code == 200 and docx.content.startswith(b"PK")

    agenda = client.get(f"/forums/{BODY}/agenda", headers=people["adviser"])
    assert agenda.status_code == 200 and "Open action points" in agenda.text and "Night patrol" in agenda.text

    board = client.get("/action-points?post=head_of_office_fo_besu", headers=people["adviser"])
    assert board.status_code == 200
    points = client.get("/api/v1/action-points?post=head_of_office_fo_besu", headers=people["adviser"]).json()
    number = next(p["id"] for p in points if p["what"].startswith("Night patrol"))
    assert f'id="ap-{number}"' in board.text
    dropped = client.post(f"/action-points/{number}", data={"step": "drop", "post": "head_of_office_fo_besu"},
                          headers=people["adviser"], follow_redirects=False)  # fmt: skip
    assert "error=needs_reason" in dropped.headers["location"]
    done = client.post(f"/action-points/{number}", data={"step": "complete", "note": "held"},
                       headers=people["adviser"], follow_redirects=False)  # fmt: skip
    assert "done=complete" in done.headers["location"]
    step = client.get(f"/api/v1/action-points/{number}", headers=people["adviser"]).json()
    assert step["status"] == "done" and [s["action"] for s in step["steps"]] == ["made", "complete"]

    # a viewer reads but has no form; another office's officer does not reach the field forum
    assert "Record a meeting" not in client.get(f"/forums/{BODY}", headers=people["viewer"]).text
    assert client.get(f"/forums/{BODY}", headers=people["other"]).status_code == 404
    assert client.get(saved.headers["location"], headers=people["other"]).status_code == 404


def test_forum_pages_in_french(client: TestClient, people: dict[str, dict[str, str]]) -> None:
    french = {**people["adviser"], "Accept-Language": "fr"}
    for path in ("/forums", f"/forums/{BODY}", f"/forums/{BODY}/agenda", "/action-points?ended=1"):
        page = client.get(path, headers=french)
        assert page.status_code == 200, path
        assert_french(path, page.text)
