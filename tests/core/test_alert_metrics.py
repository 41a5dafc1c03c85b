"""Response times of alerts: medians, 90th percentiles, groups and waiting alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pochub.core.workflow.metrics import (
    STEPS,
    UNASSIGNED,
    AlertTimeline,
    median_and_p90,
    response_times,
)
from pochub.errors import InvalidInput

T0 = datetime(2024, 3, 1, 6, 0, tzinfo=UTC)


def timeline(
    alert_id: int,
    office: str | None = "FO-North",
    network: str | None = "CAN-1",
    **hours: float,
) -> AlertTimeline:
    """An alert received at T0 whose actions happened the given hours later."""
    return AlertTimeline(
        alert_id,
        T0,
        office,
        network,
        {action: T0 + timedelta(hours=h) for action, h in hours.items()},
    )


def test_median_and_p90_follow_numpy_linear() -> None:
    hours = [1.0, 2.0, 3.0, 4.0, 10.0]
    median, p90 = median_and_p90(hours)
    assert median == 3.0
    assert p90 == pytest.approx(4.0 + 0.6 * 6.0)  # linear: rank 3.6 between 4 and 10
    assert median_and_p90([]) == (None, None)


def test_times_per_step_and_group() -> None:
    alerts = [
        timeline(1, acknowledge=0.5, verify=2, decide=4, deploy=8, give_feedback=30),
        timeline(2, acknowledge=1.5, verify=3),
        timeline(3, "FO-South", "CAN-2", acknowledge=0.25),
        timeline(4, "FO-South", None, close=5),  # closed without acknowledgement: not waiting
    ]
    result = response_times(alerts, now=T0 + timedelta(hours=48))

    overall = result.overall
    assert overall.alerts == 4
    acknowledge = overall.step("acknowledge")
    assert acknowledge.count == 3
    assert acknowledge.median_hours == 0.5
    assert acknowledge.p90_hours == pytest.approx(float(np.percentile([0.25, 0.5, 1.5], 90)))
    assert acknowledge.waiting == 0
    verify = overall.step("verify")
    assert (verify.count, verify.median_hours, verify.waiting) == (2, 2.5, 1)
    assert verify.longest_waiting_hours == 48.0
    assert overall.step("give_feedback").count == 1

    offices = {g.group: g for g in result.groups["field_office"]}
    assert list(offices) == ["FO-North", "FO-South"]
    assert offices["FO-North"].step("acknowledge").median_hours == 1.0
    assert offices["FO-South"].step("acknowledge").count == 1
    networks = {g.group: g for g in result.groups["alert_network"]}
    assert set(networks) == {"CAN-1", "CAN-2", UNASSIGNED}
    assert networks[UNASSIGNED].alerts == 1


def test_a_skipped_step_is_not_waited_for() -> None:
    unfounded = timeline(1, acknowledge=1, verify=2, give_feedback=3)  # no decision, no deployment needed
    open_alert = timeline(2, acknowledge=1, verify=2)
    result = response_times([unfounded, open_alert]).overall
    assert result.step("decide").waiting == 1
    assert result.step("deploy").waiting == 1
    assert result.step("give_feedback").waiting == 1
    assert not unfounded.waiting_for("decide") and open_alert.waiting_for("decide")


def test_result_is_frozen_and_serialisable() -> None:
    result = response_times([timeline(1, acknowledge=1)], dimensions=("field_office",))
    data = result.as_dict()
    assert data["steps"] == list(STEPS)
    assert "alert_network" not in data
    assert data["field_office"][0]["steps"]["acknowledge"]["median_hours"] == 1.0
    with pytest.raises(AttributeError):
        result.overall = result.overall  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.groups["x"] = ()  # type: ignore[index]


def test_unknown_dimension_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        response_times([timeline(1)], dimensions=("region",))


def test_no_alerts_gives_empty_times() -> None:
    result = response_times([])
    assert result.overall.alerts == 0
    assert all(s.median_hours is None and s.count == 0 for s in result.overall.steps)


durations = st.lists(st.floats(min_value=0, max_value=10_000, allow_nan=False), min_size=1, max_size=60)


@given(durations)
def test_p90_is_never_below_the_median(hours: list[float]) -> None:
    median, p90 = median_and_p90(hours)
    assert median is not None and p90 is not None
    assert p90 >= median


@given(durations, st.floats(min_value=0, max_value=1_000, allow_nan=False))
def test_a_slower_alert_never_lowers_p90(hours: list[float], extra: float) -> None:
    alerts = [timeline(i, acknowledge=h) for i, h in enumerate(hours)]
    before = response_times(alerts).overall.step("acknowledge").p90_hours
    slower = timeline(len(hours), acknowledge=max(hours) + extra)
    after = response_times([*alerts, slower]).overall.step("acknowledge").p90_hours
    assert before is not None and after is not None
    assert after >= before - 1e-9 * max(1.0, before)
