"""Hypothesis drives the explorer: it draws the schedule and the timing of faults."""

import pytest

from subnet.explore import SnapshotFaults
from tests.support import SCENARIOS

LOCK_RACE = str(SCENARIOS / "lock_race.py")


def test_hypothesis_drives_schedules_and_fault_timing():
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    from subnet.explore import check_schedule

    @settings(max_examples=40, deadline=None, database=None, derandomize=True)
    @given(st.data())
    def without_faults(data):
        check_schedule(data, LOCK_RACE)

    without_faults()  # every schedule Hypothesis tries is fine

    @settings(
        max_examples=500, deadline=None, database=None, derandomize=True,
        phases=[Phase.generate],  # finding it is the point here; shrinking is Hypothesis's
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )  # fmt: skip
    @given(st.data())
    def with_faults(data):
        check_schedule(data, LOCK_RACE, faults=SnapshotFaults(("vault",), probability=0.2))

    with pytest.raises(AssertionError, match="locked but no withdrawal is in flight"):
        with_faults()
