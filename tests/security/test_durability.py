"""No acknowledged alert is lost when the server dies: `pochub serve` takes SMS gateway posts concurrently, is
SIGKILLed mid-load (its whole process group, as a power cut would), is started again, and every message it
answered with a 2xx is in the store. On SQLite and PostgreSQL. The load and kill logic is the benchmark's
(bench/alerts_load.py, kill_phase), not a copy."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

from pochub.store.database import connect

pytestmark = pytest.mark.slow

BENCH = Path(__file__).resolve().parents[2] / "bench"


def bench_module() -> ModuleType:
    """bench/alerts_load.py (the benchmarks are scripts beside their helpers, not a package)."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    return importlib.import_module("alerts_load")


def test_every_acknowledged_alert_survives_sigkill(database_url: str, tmp_path: Path) -> None:
    load = bench_module()
    mission = load.mission_in(database_url, "", communities=100, events=200)
    engine = connect(database_url)
    server = load.Server(mission, load.free_port(), 1, tmp_path / "server.log")
    args = argparse.Namespace(rate=40.0, kill_seconds=6.0, connections=16, seed=11)
    try:
        server.start()
        killed = load.kill_phase(server, mission, engine, args)
    finally:
        server.stop()
        engine.dispose()
    log = (tmp_path / "server.log").read_text(errors="replace")[-2000:]
    # the load reached the server before the kill and failed after it: the kill happened mid-load
    assert killed.acknowledged > 0, log
    assert killed.failed > 0, killed
    assert killed.found == killed.acknowledged, killed
    # and the restarted server takes the gateway's next messages
    assert killed.after_restart_accepted > 0, log
