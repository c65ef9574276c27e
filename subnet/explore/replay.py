"""Replaying a trace file: the run it recorded, with its recorded choices, strictly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import anyio

from ..api import Subnet
from ..choices import Chooser
from ..events import Event
from ..strategies import replay
from ..trace import TraceFile, decode_trace
from .runner import Failure, RunResult, Scenario, run_once, settings_from_meta


def replay_failure(
    scenario: Scenario | str, meta: dict[str, Any], choices: Sequence[int]
) -> RunResult:
    """Re-run a trace written by :func:`explore` (its settings and choices), strictly: a choice
    that no longer fits raises :class:`~subnet.choices.ReplayDivergence`."""
    loaded = Scenario.load(scenario) if isinstance(scenario, str) else scenario
    settings = settings_from_meta(meta["explore"])
    return run_once(loaded, settings, Chooser(choices, strict=True), meta["seed"])


@dataclass
class Replayed:
    """What replaying a trace file gave: the events, and the failure for an explorer's trace."""

    events: list[Event]
    failure: Failure | None = None


def replay_trace(
    scenario: Scenario | str, recorded: TraceFile, *, backend: str = "asyncio"
) -> Replayed:
    """Re-run what a trace file recorded, a ``subnet run`` or an explorer's failure, with its
    recorded choices and strictly (a choice that does not fit raises
    :class:`~subnet.choices.ReplayDivergence`): the one way every trace is replayed."""
    loaded = Scenario.load(scenario) if isinstance(scenario, str) else scenario
    meta = recorded.meta
    if "explore" in meta:  # the explorer's run: the scenario with its checks and faults
        result = replay_failure(loaded, meta, recorded.decisions)
        events = decode_trace(result.trace).events if result.trace else []
        return Replayed(events, result.failure)
    strategy = replay(recorded.decisions)  # every choice answered from the record

    async def main() -> list[Event]:
        async with Subnet(
            seed=meta.get("seed", 0), strategy=strategy, scenario=meta.get("scenario")
        ) as net:
            await loaded.run(net)
            return decode_trace(net.trace_bytes()).events

    return Replayed(anyio.run(main, backend=backend))
