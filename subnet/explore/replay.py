"""Replaying a trace file: the run it recorded, with its recorded choices, strictly."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import anyio

from ..api import Subnet
from ..choices import Chooser
from ..codec import describe
from ..events import HAZARDS, Event
from ..scenario import scenario_error
from ..strategies import replay
from ..trace import TraceError, TraceFile, decode_trace
from .runner import Failure, RunResult, Scenario, Settings, run_once, settings_from_meta

#: What each of the explorer's settings may be, as a trace records it (every field of
#: :class:`Settings` has its check).
SETTING_CHECKS: dict[str, Callable[[Any], bool]] = {
    "strategy": lambda v: type(v) is str and v in ("random", "pct", "dfs"),
    "depth": lambda v: type(v) is int and 1 <= v <= 1 << 16,
    "max_steps": lambda v: type(v) is int and 0 <= v < 1 << 63,
    "pct_steps": lambda v: type(v) is int and 1 <= v < 1 << 63,
    "faults": lambda v: v is None or (type(v) is dict and all(type(k) is str for k in v)),
    "backend": lambda v: type(v) is str and v in ("asyncio", "trio"),
    "fail_on": lambda v: (
        type(v) in (list, tuple) and all(type(kind) is str and kind in HAZARDS for kind in v)
    ),
    "execution_limit": lambda v: v is None or (type(v) in (int, float) and 0 < v < 1e9),
}


def settings_of(meta: dict[str, Any]) -> Settings:
    """The settings an explorer's trace recorded (``meta["explore"]``), every one checked:
    :class:`~subnet.trace.TraceError` for settings this subnet would not have written."""
    recorded = meta.get("explore")
    if type(recorded) is not dict:
        raise TraceError("the trace's explorer settings are not a map")
    known = {f.name for f in fields(Settings)}
    for key, value in recorded.items():
        if key not in known:
            raise TraceError(
                f"the trace's explorer settings have an unknown field {describe(key)} (a trace of "
                f"another version of subnet?)"
            )
        check = SETTING_CHECKS.get(key)
        if check is not None and not check(value):
            raise TraceError(f"the explorer's setting {key} cannot be {describe(value)}")
    data = dict(recorded)
    if data.get("faults") is not None:
        data["faults"] = dict(data["faults"])  # (settings_from_meta changes it)
    try:
        return settings_from_meta(data)
    except (TypeError, ValueError) as exc:
        raise TraceError(f"the trace's fault settings do not fit: {exc}") from None


def replay_failure(
    scenario: Scenario | str, meta: dict[str, Any], choices: Sequence[int]
) -> RunResult:
    """Re-run a trace written by :func:`explore` (its settings and choices), strictly: a choice
    that no longer fits raises :class:`~subnet.choices.ReplayDivergence`; settings this subnet
    would not have written raise :class:`~subnet.trace.TraceError`."""
    settings = settings_of(meta)
    loaded = Scenario.load(scenario) if isinstance(scenario, str) else scenario
    return run_once(loaded, settings, Chooser(choices, strict=True), meta["seed"])


@dataclass
class Replayed:
    """What replaying a trace file gave: the events, and the failure for an explorer's trace;
    for a ``subnet run`` trace, what the scenario raised (``error``, as
    :func:`scenario_error` words it), if it raised."""

    events: list[Event]
    failure: Failure | None = None
    error: str | None = None


def replay_trace(
    scenario: Scenario | str,
    recorded: TraceFile,
    *,
    backend: str = "asyncio",
    announce: Callable[[], None] | None = None,
) -> Replayed:
    """Re-run what a trace file recorded, a ``subnet run`` or an explorer's failure, with its
    recorded choices and strictly (a choice that does not fit raises
    :class:`~subnet.choices.ReplayDivergence`): the one way every trace is replayed.
    ``announce()`` is called once the trace's settings are checked, before the scenario is
    loaded (the command line says there which scenario it runs)."""
    meta = recorded.meta
    if "explore" in meta:
        settings_of(meta)  # (before anything runs)
    if announce is not None:
        announce()
    loaded = Scenario.load(scenario) if isinstance(scenario, str) else scenario
    if "explore" in meta:  # the explorer's run: the scenario with its checks and faults
        result = replay_failure(loaded, meta, recorded.decisions)
        events = decode_trace(result.trace).events if result.trace else []
        return Replayed(events, result.failure)
    strategy = replay(recorded.decisions)  # every choice answered from the record

    async def main() -> Replayed:
        error = None
        async with Subnet(
            seed=meta.get("seed", 0), strategy=strategy, scenario=meta.get("scenario")
        ) as net:
            try:
                await loaded.run(net)
            except Exception as exc:  # the scenario's own failure, as ``subnet run`` keeps it
                error = scenario_error(exc)
            return Replayed(decode_trace(net.trace_bytes()).events, error=error)

    return anyio.run(main, backend=backend)
