"""Exercises can use what communities said (issue 16, item 5): a facilitator adds injects drawn from the concerns
raised in the mission's engagements (demo mission, both backends); they are community alerts of an anticipated
threat at the community, with the doctrine answer of pre-emption, spread over the time left; trainees cannot add
them; a finished exercise or an impossible count is refused; and the control page's form does it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from pochub.config import Settings
from pochub.errors import Forbidden, InvalidInput
from pochub.http.app import create_app
from pochub.services import exercises
from pochub.services.demo_perspectives import create_demo_perspectives
from tests.api.access_helpers import auth_header, make_user


def test_injects_from_what_communities_said(demo_engine: Engine) -> None:
    create_demo_perspectives(demo_engine, seed=4, now=datetime.now(UTC))
    trainer, token = make_user(demo_engine, "trainer")
    trainee, _ = make_user(demo_engine, "field_officer", area_pcodes=("KT",))
    made = exercises.create_demo_exercise(demo_engine, trainer, name=f"voices-{uuid.uuid4().hex[:6]}")
    exercise = int(made["exercise_id"])
    before = len(exercises.injects_of(demo_engine, exercise))
    with pytest.raises(Forbidden):
        exercises.add_community_injects(demo_engine, exercise, trainee, count=2)
    with pytest.raises(InvalidInput, match="between 1 and 20"):
        exercises.add_community_injects(demo_engine, exercise, trainer, count=0)
    exercises.add_community_injects(demo_engine, exercise, trainer, count=2)
    injects = exercises.injects_of(demo_engine, exercise)
    voices = [i for i in injects if i["origin"] == "communities"]
    assert len(injects) == before + 2 and len(voices) == 2
    for inject in voices:
        assert inject["kind"] == "community_alert" and inject["community_id"] and inject["threat_type"]
        assert inject["text"].startswith("At a ") and "said they fear" in inject["text"]
        assert inject["expected"]["phase"] == "pre_emption", inject["expected"]
    # the control page's form adds them too
    url = demo_engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(Settings(database_url=url, workers=False))) as client:
        page = client.get(f"/exercises/{exercise}", headers=auth_header(token))
        assert 'action="/exercises/' in page.text and "/injects/communities" in page.text
        posted = client.post(f"/exercises/{exercise}/injects/communities", data={"count": "1"},
                             headers=auth_header(token), follow_redirects=False)  # fmt: skip
        assert posted.status_code == 303 and "done=voices" in posted.headers["location"]
    assert len([i for i in exercises.injects_of(demo_engine, exercise) if i["origin"] == "communities"]) == 3
    # with no concern in the window, the latest survey speaks: communities most of whose people do not feel safe
    exercises.add_community_injects(demo_engine, exercise, trainer, count=2, days=0)
    felt = [
        i
        for i in exercises.injects_of(demo_engine, exercise)
        if i["title"].startswith("What ") and "feels" in i["title"]
    ]
    assert felt and all("said they do not feel safe" in i["text"] and i["community_id"] for i in felt)
