"""Shrinking: a shorter, simpler choice list that fails the same way."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..choices import Chooser
from .runner import Failure, Scenario, Settings, run_once


def shrink(
    scenario: Scenario,
    settings: Settings,
    failure: Failure,
    budget: int = 300,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Failure, bytes]:
    """Look for a shorter, simpler choice list that fails the same way; return the best.

    At most ``budget`` runs: a cap counted in runs, not in seconds, so the result is the
    same on any machine. ``progress(runs, choices)`` is called after every run with the
    length of the best choice list so far."""
    best = failure
    best_trace = b""
    runs = 0

    def attempt(candidate: list[int]) -> bool:
        nonlocal best, best_trace, runs
        if runs >= budget:
            return False
        runs += 1
        result = run_once(scenario, settings, Chooser(candidate), failure.seed)
        failed = result.failure is not None and result.failure.kind == failure.kind
        if failed and _simpler(result.failure.choices, best.choices):  # type: ignore[union-attr]
            best, best_trace = result.failure, result.trace  # type: ignore[assignment]
        if progress is not None:
            progress(runs, len(best.choices))
        return failed

    improved = True
    while improved and runs < budget:
        improved = False
        current = list(best.choices)
        # 1. the shortest prefix that still fails (the rest become zeros)
        lo, hi = 0, len(current)
        while lo < hi and runs < budget:
            mid = (lo + hi) // 2
            if attempt(current[:mid]):
                hi = mid
            else:
                lo = mid + 1
        current = list(best.choices)
        # 2. delete blocks, 3. zero and lower single choices
        for size in (8, 4, 2, 1):
            i = 0
            while i + size <= len(current) and runs < budget:
                candidate = current[:i] + current[i + size :]
                if attempt(candidate) and list(best.choices) != current:
                    current = list(best.choices)
                    improved = True
                else:
                    i += size
        i = 0
        while i < len(current) and runs < budget:  # a success may leave a shorter list
            value = current[i]
            for smaller in (0, value // 2, value - 1):
                if 0 <= smaller < value:
                    candidate = [*current[:i], smaller, *current[i + 1 :]]
                    if attempt(candidate):
                        current = list(best.choices)
                        improved = True
                        break
            i += 1
    if not best_trace:
        best_trace = run_once(scenario, settings, Chooser(best.choices), best.seed).trace
    return best, best_trace


def _simpler(a: Sequence[int], b: Sequence[int]) -> bool:
    return (len(a), list(a)) < (len(b), list(b))
