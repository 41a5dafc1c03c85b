"""Shared fixtures: the shared datasets, real SQLite and real PostgreSQL databases, and the CLI in-process."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, create_engine, text

from pochub.store.database import connect, upgrade

TEST_SECRET_KEY = "pochub test suite key: never used for a mission"
"""The suite's secret key (PoC Hub has none by default): every Settings() built by a test or by the CLI in-process
reads it from the environment; tests of the key itself set their own."""
os.environ.setdefault("POCHUB_SECRET_KEY", TEST_SECRET_KEY)

# tests never assert a time: a loaded CI machine must not fail a property test for being slow
hypothesis_settings.register_profile("pochub", deadline=None)
hypothesis_settings.load_profile("pochub")

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("POCHUB_SHARED", ROOT.parent / "shared")).resolve()
DATA = SHARED / "data"
PG_SERVER = os.environ.get("POCHUB_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def shared_file(relative: str) -> Path:
    """A file of the shared datasets; the test fails (never skips) when it is missing."""
    path = DATA / relative
    assert path.exists(), f"shared dataset missing: {path} (set POCHUB_SHARED)"
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend: a fresh SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_SERVER)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated database on each backend."""
    eng = connect(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@dataclass(frozen=True)
class CliResult:
    """What a `pochub` run printed and returned."""

    code: int
    out: str
    err: str


CliRunner = Callable[..., CliResult]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """Run `pochub ARGS` in-process, as the console script would, and capture its output."""
    from pochub.cli.main import main

    def run(*args: str | Path) -> CliResult:
        monkeypatch.setattr(sys, "argv", ["pochub", *map(str, args)])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def _schema_url(schema: str) -> str:
    return f"{PG_SERVER}?options=-csearch_path%3D{schema}"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A small demo mission (100 communities, ~400 events, the structure) on each backend, shared by a module.

    Tests that write to it must use their own references or areas so that they do not depend on each other.
    """
    from pochub.config import Settings
    from pochub.services.demo_mission import load_demo

    admin = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    else:
        schema = f"d_{uuid.uuid4().hex[:12]}"
        admin = create_engine(PG_SERVER)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        url = _schema_url(schema)
    eng = connect(url)
    upgrade(eng)
    load_demo(eng, Settings(database_url=url), seed=1, n_communities=100, n_events=300)
    try:
        yield eng
    finally:
        eng.dispose()
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
