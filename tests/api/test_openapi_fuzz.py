"""Schemathesis over the whole OpenAPI document, in-process on SQLite with a demo mission, as an administrator:
no generated request (valid or invalid) may get a 5xx. A few cases per operation; `bench/schemathesis_run.py`
runs many more on both backends."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from pochub.config import Settings
from pochub.http.app import create_app
from pochub.services.access import issue_credential
from pochub.services.demo_mission import load_demo
from pochub.store.database import connect, upgrade
from tests.api.access_helpers import make_user

pytestmark = pytest.mark.slow
EXAMPLES = 2
SKIPPED = {("POST", "/api/v1/auth/logout")}
"""Sign-out would revoke the token every later case uses."""


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    """The application on a small SQLite demo mission and an administrator's bearer token."""
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('fuzz')) / 'fuzz.db'}"
    engine = connect(url)
    upgrade(engine)
    load_demo(engine, Settings(database_url=url), seed=1, n_communities=100, n_events=300)
    admin, _ = make_user(engine, "admin", username=f"fuzz-{uuid.uuid4().hex[:6]}")
    token = issue_credential(engine, admin, "token", timedelta(hours=2), name="fuzz")
    engine.dispose()
    app = create_app(Settings(database_url=url, workers=False, api_docs=True))  # the schema is served
    yield app, token
    app.state.engine.dispose()


def server_errors(
    operation: schemathesis.APIOperation, mode: GenerationMode, headers: dict[str, str]
) -> list[str]:
    """A few cases of one operation in one generation mode; the 5xx (or escaped exceptions) they got."""
    failures: list[str] = []

    @hypothesis.settings(
        max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
        suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate],
    )  # fmt: skip
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def one(case: Any) -> None:
        try:
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error])
        except Exception as exc:  # a 5xx, or an exception escaping the application
            failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {exc!r}"[:500])

    with contextlib.suppress(hypothesis.errors.Unsatisfiable):  # no invalid case exists for some operations
        one()
    return failures


def test_no_operation_answers_with_a_server_error(fuzzed: tuple[Any, str]) -> None:
    app, token = fuzzed
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation: Any = result.ok()  # type: ignore[union-attr]
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += server_errors(operation, mode, headers)
    assert operations > 50, "the OpenAPI document lost its operations"
    assert not failures, "\n".join(failures)
