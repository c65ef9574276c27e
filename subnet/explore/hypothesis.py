"""Schedules and fault timing drawn by Hypothesis, inside a user's property test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..api import Subnet
from ..choices import Chooser
from .campaign import loaded_scenario
from .faults import SnapshotFaults
from .runner import RunResult, Scenario, Settings, run_once


class HypothesisChooser(Chooser):
    """Choices drawn by Hypothesis (``st.data()``), so that Hypothesis explores and shrinks
    schedules and fault timing like any other input of a property test."""

    def __init__(self, data: Any) -> None:
        super().__init__()
        self.data = data

    def weighted(self, p: float) -> int:
        """Inject or not, as one Hypothesis draw of 0 or 1 (which it shrinks to 0); the
        probability only shapes fresh random runs."""
        if p <= 0:
            return 0
        if p >= 1:
            return 1
        return self.draw(2)

    def draw(self, n: int) -> int:
        if n <= 1:
            return 0
        from hypothesis import strategies as st

        value: int = self.data.draw(st.integers(0, n - 1))
        self.choices.append(value)
        if self.sizes is not None:
            self.sizes.append(n)
        return value


def check_schedule(
    data: Any,
    scenario: Scenario | str | Callable[[Subnet], Any],
    *,
    faults: SnapshotFaults | None = None,
    strategy: str = "random",
    max_steps: int = 10_000,
) -> RunResult:
    """One run of ``scenario`` with every choice drawn from Hypothesis's ``data``; raises
    ``AssertionError`` describing the failure, if any, so that Hypothesis shrinks it::

        @given(st.data())
        def test_vault(data):
            check_schedule(data, "scenarios/lock_race.py", faults=SnapshotFaults(("vault",)))
    """
    if isinstance(scenario, str):
        loaded = loaded_scenario(scenario)
    elif isinstance(scenario, Scenario):
        loaded = scenario
    else:
        loaded = Scenario(scenario)
    if strategy not in ("random", "pct"):
        raise ValueError("check_schedule draws choices for 'random' or 'pct'")
    settings = Settings(strategy, max_steps=max_steps, faults=faults)
    result = run_once(loaded, settings, HypothesisChooser(data), 0)
    if result.failure is not None:
        injected = "".join(f"\n  injected: {line}" for line in result.failure.injections)
        raise AssertionError(f"{result.failure}{injected}")
    return result
