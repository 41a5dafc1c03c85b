"""A community protection plan drawn up and revised on the community's page (demo mission, both backends): a CLA
fills in the form (mistakes said in the form, in the reader's language, nothing stored), the plan shows on the
community's page and its plan page with what people typed escaped; a review is recorded with a revision, the
earlier reviews kept; a stale form is refused; another office's CLA and a partner get the not-found page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.core.models.access import Role, User
from pochub.http.app import create_app
from pochub.services import protection_plans
from pochub.services.demo_perspectives import create_demo_perspectives
from pochub.store import tables
from tests.api.access_helpers import auth_header, make_user
from tests.csrf_tokens import with_csrf_tokens
from tests.test_french_complete import assert_french

OFFICE = "fo_besu"  # province KT02
OTHER_OFFICE = "fo_kimundaro"  # province KT04
ADVISER = User(0, "adviser", Role.POC_ADVISER)


@pytest.fixture(scope="module")
def client(demo_engine: Engine) -> Iterator[TestClient]:
    create_demo_perspectives(demo_engine, seed=3)
    url = demo_engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, workers=False))
    try:
        with with_csrf_tokens(TestClient(app)) as test_client:
            yield test_client
    finally:
        app.state.engine.dispose()


@pytest.fixture(scope="module")
def people(demo_engine: Engine) -> dict[str, dict[str, str]]:
    roles = {"cla": ("cla", OFFICE), "other": ("cla", OTHER_OFFICE), "partner": ("partner", None)}
    return {
        n: auth_header(make_user(demo_engine, r, field_office=o, display_name=f"{n} post")[1])
        for n, (r, o) in roles.items()
    }


def _unplanned(engine: Engine) -> str:
    """A community of the office's province without a protection plan."""
    with engine.connect() as conn:
        planned = select(tables.protection_plans.c.community_id)
        community = conn.execute(
            select(tables.communities.c.community_id)
            .where(
                tables.communities.c.pcode.like("KT02%"), tables.communities.c.community_id.not_in(planned)
            )
            .order_by(tables.communities.c.community_id)
        ).scalar()
    assert community is not None
    return str(community)


def _versions(engine: Engine, community: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).where(tables.protection_plans.c.community_id == community)
            ).scalar_one()
        )


FIELDS = {
    "agreed_on": "2026-10-01",
    "threats": "abduction_forced_disappearance: the men from the hills <script>",
    "vulnerabilities": "women walk alone to the fields",
    "community_measures": "night_watch: youth take turns\nsafe_places",
    "commitments": "mission | Besu field office | patrols on market days <b>bold</b> | 2026-12-31\n"
    "authorities | the chief of sector | a police post | 2027-03-01",
    "indicators": "abduction_forced_disappearance: an abduction within 10 km\nthe night watch stops",
}


def test_a_cla_draws_up_and_revises_a_plan_on_the_community_page(
    client: TestClient, people: dict[str, dict[str, str]], demo_engine: Engine
) -> None:
    community = _unplanned(demo_engine)
    page = client.get(f"/communities/{community}", headers=people["cla"])
    assert f'href="/communities/{community}/plan/edit"' in page.text
    assert "Draw up a protection plan with the community" in page.text
    form = client.get(f"/communities/{community}/plan/edit", headers=people["cla"])
    assert (
        form.status_code == 200
        and 'name="csrf_token"' in form.text
        and 'name="based_on" value="0"' in form.text
    )

    wrong = client.post(f"/communities/{community}/plan/edit", headers=people["cla"],
                        data={**FIELDS, "based_on": "0", "commitments": "mission | FO | patrols | soon"})  # fmt: skip
    assert wrong.status_code == 422 and 'href="#commitments"' in wrong.text
    assert "line 1: &#39;soon&#39; is not a date" in wrong.text and "patrols | soon" in wrong.text  # kept
    french = client.post(f"/communities/{community}/plan/edit",
                         headers={**people["cla"], "Accept-Language": "fr"},
                         data={**FIELDS, "based_on": "0", "threats": "witchcraft: a neighbour"})  # fmt: skip
    assert french.status_code == 422 and "n&#39;est pas un type de menace" in french.text
    assert_french("protection plan form", re.sub(r"<[^>]+>", " ", french.text).replace("witchcraft", ""))
    assert _versions(demo_engine, community) == 0  # nothing stored

    saved = client.post(f"/communities/{community}/plan/edit", headers=people["cla"],
                        data={**FIELDS, "based_on": "0"}, follow_redirects=False)  # fmt: skip
    assert saved.status_code == 303 and saved.headers["location"].startswith(
        f"/communities/{community}?plan=1"
    )
    shown = client.get(saved.headers["location"], headers=people["cla"]).text
    assert (
        "The protection plan was saved as a new version." in shown
        and "version 1, agreed on 2026-10-01" in shown
    )
    assert "Revise the plan or record a review" in shown
    plan_page = client.get(f"/communities/{community}/plan", headers=people["cla"]).text
    assert "patrols on market days &lt;b&gt;bold&lt;/b&gt;" in plan_page and "<b>bold</b>" not in plan_page
    assert "<script>" not in plan_page

    again = client.get(f"/communities/{community}/plan/edit", headers=people["cla"])
    assert (
        'name="based_on" value="1"' in again.text
        and "Besu field office | patrols on market days" in again.text
    )
    review = {"review_on": "2026-11-15", "review_findings": "patrols held; the post is not built",
              "review_revised": "1"}  # fmt: skip
    revised = client.post(f"/communities/{community}/plan/edit", headers=people["cla"], follow_redirects=False,
                          data={**FIELDS, "based_on": "1", "commitments": FIELDS["commitments"].replace(
                              "2026-12-31", "2026-12-31 | done"), **review})  # fmt: skip
    assert revised.status_code == 303 and "plan=2" in revised.headers["location"]
    current = protection_plans.current_plan(demo_engine, ADVISER, community)
    assert current.version == 2 and current.plan.commitments[0].done
    assert [(r.held_on.isoformat(), r.findings, r.revised) for r in current.plan.reviews] == [
        ("2026-11-15", "patrols held; the post is not built", True)
    ]
    third = client.post(f"/communities/{community}/plan/edit", headers=people["cla"], follow_redirects=False,
                        data={**FIELDS, "based_on": "2"})  # fmt: skip
    assert third.status_code == 303
    assert len(protection_plans.current_plan(demo_engine, ADVISER, community).plan.reviews) == 1  # kept

    stale = client.post(f"/communities/{community}/plan/edit", headers=people["cla"],
                        data={**FIELDS, "based_on": "1"})  # fmt: skip
    assert stale.status_code == 409 and "Someone saved another version meanwhile" in stale.text
    bad_review = client.post(f"/communities/{community}/plan/edit", headers=people["cla"],
                             data={**FIELDS, "based_on": "3", "review_on": "last week"})  # fmt: skip
    assert bad_review.status_code == 422 and 'href="#review_on"' in bad_review.text
    assert _versions(demo_engine, community) == 3

    for who in ("other", "partner"):
        assert client.get(f"/communities/{community}/plan/edit", headers=people[who]).status_code == 404
        refused = client.post(f"/communities/{community}/plan/edit", headers=people[who],
                              data={**FIELDS, "based_on": "3"})  # fmt: skip
        assert refused.status_code == 404
    assert _versions(demo_engine, community) == 3
    assert "plan/edit" not in client.get(f"/communities/{community}", headers=people["partner"]).text
