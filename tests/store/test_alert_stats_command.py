"""`pochub alerts stats`: response times from stored alerts and transitions, on both backends."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from pochub.services.alert_metrics import response_times
from pochub.store.tables import alert_transitions, alerts
from tests.conftest import CliRunner

T0 = datetime(2024, 3, 10, 6, 0, tzinfo=UTC)
_counter = iter(range(1, 10_000))


def add_alert(
    engine: Engine,
    office: str | None,
    network: str,
    *,
    received: datetime = T0,
    exercise_id: int | None = None,
    **hours: float | list[float],
) -> int:
    """An alert received at ``received`` with transitions the given hours later (a list: the action repeats)."""
    number = next(_counter)
    with engine.begin() as conn:
        alert_id = int(
            conn.execute(
                insert(alerts)
                .values(
                    reference=f"ALT-{number:05d}",
                    state="received",
                    received_at=received,
                    updated_at=received,
                    channel="hotline",
                    alert_network=network,
                    text="armed men seen near the market",
                    field_office=office,
                    urgency="high",
                    body_id="fo-forum",
                    exercise_id=exercise_id,
                )
                .returning(alerts.c.alert_id)
            ).scalar_one()
        )
        rows: list[dict[str, Any]] = [
            {"action": "receive", "at": received, "from_state": "received", "to_state": "received"}
        ]
        for action, when in hours.items():
            for h in when if isinstance(when, list) else [when]:
                rows.append(
                    {
                        "action": action,
                        "at": received + timedelta(hours=h),
                        "from_state": "x",
                        "to_state": "y",
                    }
                )
        conn.execute(
            insert(alert_transitions),
            [{"alert_id": alert_id, "actor": "cla-1", "role": "cla", **r} for r in rows],
        )
    return alert_id


@pytest.fixture
def stored(engine: Engine) -> Engine:
    """Five real alerts of two offices and three networks, one exercise alert, one received earlier."""
    add_alert(
        engine, "FO-North", "CAN-A", acknowledge=[1, 20], verify=3, decide=5, deploy=10, give_feedback=48
    )
    add_alert(engine, "FO-North", "CAN-A", acknowledge=2, verify=4, escalate=3)
    add_alert(engine, "FO-North", "CAN-B", acknowledge=6)
    add_alert(engine, "FO-South", "CAN-A", acknowledge=0.5, close=2)
    add_alert(engine, "FO-South", "", acknowledge=1.5)
    add_alert(engine, "FO-South", "CAN-A", exercise_id=3, acknowledge=100)  # training: never counted
    add_alert(engine, None, "CAN-B", received=T0 - timedelta(days=30), acknowledge=12)
    return engine


def stats(cli: CliRunner, url: str, *args: str) -> dict[str, Any]:
    result = cli("--database", url, "alerts", "stats", "--format", "json", *args)
    assert result.code == 0, result.err
    data: dict[str, Any] = json.loads(result.out)
    return data


def groups(data: dict[str, Any], dimension: str) -> dict[str, Any]:
    return {g["group"]: g for g in data[dimension]}


def test_stats_json_medians_and_p90(stored: Engine, cli: CliRunner, database_url: str) -> None:
    data = stats(cli, database_url, "--since", "2024-03-01")
    overall = data["overall"]
    assert overall["alerts"] == 5  # the exercise alert and the February alert are out
    acknowledge = overall["steps"]["acknowledge"]
    # hours 0.5, 1, 1.5, 2, 6 (the first acknowledgement counts, not the repeat at 20 h)
    assert acknowledge["count"] == 5
    assert acknowledge["median_hours"] == pytest.approx(1.5)
    assert acknowledge["p90_hours"] == pytest.approx(4.4)  # rank 3.6: 2 + 0.6 x (6 - 2)
    verify = overall["steps"]["verify"]
    assert (verify["count"], verify["median_hours"], verify["p90_hours"]) == (2, 3.5, pytest.approx(3.9))
    assert (
        verify["waiting"] == 2
    )  # FO-North's third and FO-South's open alert; the closed one waits for nothing
    feedback = overall["steps"]["give_feedback"]
    assert (feedback["count"], feedback["median_hours"], feedback["waiting"]) == (1, 48.0, 3)

    offices = groups(data, "field_office")
    assert set(offices) == {"FO-North", "FO-South"}
    north = offices["FO-North"]["steps"]["acknowledge"]
    assert (north["median_hours"], north["p90_hours"]) == (2.0, pytest.approx(5.2))
    south = offices["FO-South"]["steps"]["acknowledge"]
    assert (south["median_hours"], south["p90_hours"]) == (1.0, pytest.approx(1.4))
    assert offices["FO-North"]["steps"]["decide"]["median_hours"] == 5.0
    assert offices["FO-North"]["steps"]["deploy"]["median_hours"] == 10.0

    networks = groups(data, "alert_network")
    assert set(networks) == {"CAN-A", "CAN-B", "(none)"}
    can_a = networks["CAN-A"]["steps"]["acknowledge"]
    assert (can_a["count"], can_a["median_hours"], can_a["p90_hours"]) == (3, 1.0, pytest.approx(1.8))


def test_stats_filters(stored: Engine, cli: CliRunner, database_url: str) -> None:
    everything = stats(cli, database_url)
    assert everything["overall"]["alerts"] == 6
    assert "(none)" in groups(everything, "field_office")
    february = stats(cli, database_url, "--until", "2024-02-09", "--by", "field_office")
    assert february["overall"]["alerts"] == 1 and "alert_network" not in february
    assert february["overall"]["steps"]["acknowledge"]["median_hours"] == 12.0
    same_day = stats(cli, database_url, "--since", "2024-03-10", "--until", "2024-03-10")
    assert same_day["overall"]["alerts"] == 5  # a bare --until date includes its whole day
    south = stats(cli, database_url, "--field-office", "FO-South", "--by", "alert_network")
    assert south["overall"]["alerts"] == 2 and set(groups(south, "alert_network")) == {"CAN-A", "(none)"}
    bad = cli("--database", database_url, "alerts", "stats", "--since", "yesterday")
    assert bad.code == 1 and "not a date" in bad.err
    reversed_range = cli("--database", database_url, "alerts", "stats", "--since", "2024-04-01", "--until",
                         "2024-03-01")  # fmt: skip
    assert reversed_range.code == 1


def test_stats_table(stored: Engine, cli: CliRunner, database_url: str) -> None:
    result = cli("--database", database_url, "alerts", "stats", "--since", "2024-03-01")
    assert result.code == 0, result.err
    assert "Response times by field office" in result.out and "Response times by alert network" in result.out
    assert "FO-North" in result.out and "CAN-B" in result.out
    assert "2.0 / 5.2 h" in result.out  # FO-North: acknowledge median / p90


def test_service_waiting_time_uses_now(stored: Engine) -> None:
    result = response_times(stored, since=T0 - timedelta(days=1), now=T0 + timedelta(hours=24))
    verify = result.overall.step("verify")
    assert verify.longest_waiting_hours == 24.0


def test_an_empty_database_has_no_times(engine: Engine, cli: CliRunner, database_url: str) -> None:
    data = stats(cli, database_url)
    assert data["overall"]["alerts"] == 0
    assert data["overall"]["steps"]["acknowledge"]["median_hours"] is None
    assert cli("--database", database_url, "alerts", "stats").code == 0
