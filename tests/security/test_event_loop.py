"""Nothing blocks the event loop: a long plan from the coverage page runs as a background job, and /health and an
alert intake are answered while it runs. Shown by the order of events (the plan is held on an Event the test
releases only after both answers arrived), never by a time. Both backends."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from pochub.config import Settings
from pochub.errors import Infeasible
from pochub.http.app import create_app
from pochub.web import planning_pages
from tests.api.access_helpers import auth_header, make_user
from tests.security.test_signin import _routes

SECRET = "test secret key, not for production use"
BOUND = 30.0
"""How long a step may wait before the test gives up on it (a failing test must end, not hang); never asserted."""
ASYNC_ROUTES = {
    # each awaits only request reading and hands its blocking work to the thread pool
    "login",  # password hashing in the thread pool
    "sms", "rapidpro", "kobo",  # intake: the transaction in a limited thread pool
    "acknowledge", "verify", "classify", "transmit", "decide", "deploy", "record_outcome", "give_feedback",
    "close", "after_action_review",  # lifecycle actions: run_in_threadpool
    "create_exercise", "_action_route.<locals>.take", "score", "report",  # the exercise API: run_in_threadpool
}  # fmt: skip


def test_health_and_intake_are_answered_while_a_long_plan_runs(demo_engine: Engine, monkeypatch: Any) -> None:
    order: list[str] = []
    started, release = threading.Event(), threading.Event()

    def long_plan(*_args: Any, **_kwargs: Any) -> Any:
        """A solver that runs until the test lets it finish."""
        started.set()
        release.wait(BOUND * 4)
        order.append("plan finished")
        raise Infeasible("the test's plan ends here")

    monkeypatch.setattr(planning_pages, "allocate", long_plan)
    url = demo_engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, secret_key=SECRET, workers=False))
    _, planner = make_user(demo_engine, "planner")
    _, clerk = make_user(demo_engine, "admin")

    def in_thread(name: str, call: Callable[[], Any]) -> threading.Thread:
        def run() -> None:
            response = call()
            order.append(f"{name} {response.status_code}")

        thread = threading.Thread(target=run, name=name)
        thread.start()
        return thread

    with TestClient(app) as client:  # one event loop serves every request, as in `pochub serve`
        plan = in_thread(
            "plan posted",
            lambda: client.post(
                "/coverage",
                data={
                    "model": "pmedian",
                    "p": "3",
                    "standard": "4h",
                    "season": "dry",
                    "weight": "population",
                },
                headers=auth_header(planner),
                follow_redirects=False,
            ),
        )
        assert started.wait(BOUND), "the plan never started"
        plan.join(BOUND)  # the post is answered (a job started) while the solver still runs
        health = in_thread("health", lambda: client.get("/health"))
        health.join(BOUND)
        intake = in_thread(
            "intake",
            lambda: client.post(
                "/api/v1/alerts",
                json={"text": "Armed men at the market of Kobe", "pcode": "KT0101"},
                headers=auth_header(clerk),
            ),
        )
        intake.join(BOUND)
        release.set()
        for thread in (health, intake, plan):
            thread.join()
        assert order[:3] == ["plan posted 303", "health 200", "intake 201"], order
        job_page = client.get("/coverage", params={"job": "unknown"}, headers=auth_header(planner))
        assert job_page.status_code == 404  # another id (or another user's) finds nothing
        app.state.plan_jobs.wait(_job_of(client, planner))
    assert order[3] == "plan finished", order


def _job_of(client: TestClient, token: str) -> str:
    """The id of the last plan ``token``'s user started (posted again: the redirect names it)."""
    response = client.post(
        "/coverage",
        data={"model": "lscp", "standard": "4h"},
        headers=auth_header(token),
        follow_redirects=False,
    )
    return parse_qs(urlsplit(response.headers["location"]).query)["job"][0]


def test_the_plan_job_shows_its_result_when_done(demo_engine: Engine) -> None:
    url = demo_engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, secret_key=SECRET, workers=False))
    _, planner = make_user(demo_engine, "planner")
    _, other = make_user(demo_engine, "planner")
    client = TestClient(app)
    started = client.post(
        "/coverage",
        data={"model": "mclp", "p": "2", "standard": "2h", "season": "dry", "weight": "population"},
        headers=auth_header(planner),
        follow_redirects=False,
    )
    assert started.status_code == 303
    location = started.headers["location"]
    job = parse_qs(urlsplit(location).query)["job"][0]
    app.state.plan_jobs.wait(job)
    done = client.get(location, headers=auth_header(planner))
    assert done.status_code == 200 and 'id="plan-job-running"' not in done.text
    assert "New sites: 2" in " ".join(done.text.split())
    assert client.get(location, headers=auth_header(other)).status_code == 404  # not another planner's


def test_no_route_does_blocking_work_on_the_event_loop() -> None:
    """Every async route is one that hands its blocking work to a thread pool (the list above, reviewed)."""
    app = create_app(Settings(database_url="sqlite://", secret_key=SECRET, workers=False))
    coroutines = {
        route.endpoint.__qualname__
        for _, route in _routes(app.router.routes)
        if asyncio.iscoroutinefunction(route.endpoint)
    }
    assert coroutines <= ASYNC_ROUTES, sorted(coroutines - ASYNC_ROUTES)
