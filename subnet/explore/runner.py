"""One run: a scenario under a chooser, invariants after every step, end checks."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import anyio

from ..api import Subnet
from ..budget import DEFAULT_LIMIT_S
from ..choices import Chooser, ReplayDivergence
from ..engine import Engine
from ..scenario import load_scenario, source_digest
from ..strategies import RandomStrategy
from .faults import SnapshotFaults
from .pct import PCTStrategy


@dataclass(frozen=True)
class Settings:
    """How to run one exploration run (everything but the choices)."""

    strategy: str = "random"  # "random" | "pct" | "dfs"
    depth: int = 3
    max_steps: int = 10_000
    pct_steps: int = 200
    faults: SnapshotFaults | None = None
    backend: str = "asyncio"
    fail_on: tuple[str, ...] = ()  # hazard kinds that count as failures
    execution_limit: float | None = DEFAULT_LIMIT_S  # seconds before an execution traps


@dataclass(frozen=True)
class Failure:
    """What went wrong in a run, and the choices that make it happen again."""

    kind: str  # "invariant" | "scenario" | "check" | "liveness" | "hazard" | "instruction_limit"
    message: str
    step: int
    choices: tuple[int, ...]
    seed: int
    injections: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.kind} violated at step {self.step}: {self.message}"


@dataclass
class RunResult:
    failure: Failure | None
    choices: list[int]
    sizes: list[int]
    steps: int
    trace: bytes = b""


class _Violation(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@dataclass
class Scenario:
    """A scenario and its checks: ``scenario(net)``, ``invariants``, ``check(net)``."""

    run: Callable[[Subnet], Any]
    invariants: list[Callable[[Subnet], Any]] = field(default_factory=list)
    check: Callable[[Subnet], Any] | None = None
    name: str | None = None  # a file path or module: what workers and replays load
    faults: SnapshotFaults | None = None
    fail_on: tuple[str, ...] = ()  # hazard kinds that count as failures
    execution_limit: float | None = DEFAULT_LIMIT_S  # seconds before an execution traps

    @classmethod
    def load(cls, spec: str) -> Scenario:
        """The scenario ``spec`` (a file or module; see :mod:`subnet.scenario`)."""
        module = load_scenario(spec)
        faults = SnapshotFaults.from_options(module.faults) if module.faults is not None else None
        return cls(module.run, module.invariants, module.check, spec, faults)


def run_once(
    scenario: Scenario, settings: Settings, chooser: Chooser, seed: int, *, states: bool = False
) -> RunResult:
    """One run under ``chooser``: the scenario, invariants after every step, end checks.
    ``states``: record each step's state in the trace, for the trace viewer."""
    if settings.strategy == "pct":
        strategy: Any = PCTStrategy(chooser, settings.depth, settings.pct_steps)
    else:
        strategy = RandomStrategy(seed, chooser)
    log: list[str] = []
    box: dict[str, Any] = {}

    async def main() -> None:
        async with Subnet(
            seed=seed,
            strategy=strategy,
            scenario=scenario.name,
            execution_limit=settings.execution_limit,
        ) as net:
            box["net"] = net
            if states:
                net.record_states()
            if isinstance(strategy, PCTStrategy):
                strategy.bind(net.engine.sources_view())
            faults = settings.faults or scenario.faults
            if faults is not None:
                box["injector"] = injector = faults.hook(net, chooser, log)
                net.engine.before_step.append(injector)

            fail_on = frozenset(settings.fail_on) | frozenset(scenario.fail_on)
            hazards = net.hazards
            checked = [0]

            def after_step(engine: Engine, done: Any) -> None:
                if engine.steps > settings.max_steps:
                    raise _Violation("liveness", f"still running after {settings.max_steps} steps")
                if engine.overruns:  # an execution that never ends is a bug of the canister
                    cid, method = engine.overruns[0]
                    name = next((n for n, c in net.names.items() if c == cid), str(cid))
                    raise _Violation(
                        "instruction_limit",
                        f"{name}.{method} ran past the execution budget (IC0522, instruction "
                        f"limit exceeded): an endless loop, or too much work for one message",
                    )
                if fail_on and len(hazards) > checked[0]:
                    for hazard in hazards[checked[0] :]:
                        if hazard.kind in fail_on:
                            raise _Violation("hazard", str(hazard))
                    checked[0] = len(hazards)
                for invariant in scenario.invariants:
                    try:
                        ok = invariant(net)
                    except AssertionError as exc:
                        raise _Violation("invariant", _describe(exc)) from None
                    if ok is False:
                        name = getattr(invariant, "__name__", "invariant")
                        raise _Violation("invariant", f"{name} returned False")

            net.engine.after_step.append(after_step)
            try:
                await scenario.run(net)
                await net.run_until_idle()
                if scenario.check is not None:
                    result = scenario.check(net)
                    if inspect.isawaitable(result):
                        await result
                _liveness(net)
            except ReplayDivergence:
                raise  # the recorded run does not fit this scenario: not a failure of the run
            except _Violation as v:
                box["failure"] = (v.kind, str(v))
            except AssertionError as exc:
                box["failure"] = ("check", _describe(exc))
            except Exception as exc:
                box["failure"] = ("scenario", _describe(exc))
            net.engine.before_step.clear()
            net.engine.after_step.clear()
            box["steps"] = net.engine.steps

    anyio.run(main, backend=settings.backend)
    net: Subnet = box["net"]
    injector = box.get("injector")
    if injector is not None and "failure" not in box and injector.unknown_canisters():
        known = ", ".join(net.names) or "none"
        raise ValueError(
            f"faults name canister(s) {', '.join(injector.unknown_canisters())} that the "
            f"scenario never had (its canisters: {known})"
        )
    failure = None
    if "failure" in box:
        kind, message = box["failure"]
        failure = Failure(kind, message, box["steps"], tuple(chooser.choices), seed, tuple(log))
        meta_extra = {
            "explore": _settings_meta(settings),
            "scenario_sha256": source_digest(scenario.name),
        }
        net.scenario = scenario.name
        trace = _trace_with(net, meta_extra, failure)
        return RunResult(failure, chooser.choices, chooser.sizes or [], box["steps"], trace)
    return RunResult(None, chooser.choices, chooser.sizes or [], box["steps"])


def _liveness(net: Subnet) -> None:
    """At the end of a run every call context has closed and every stop has completed."""
    for cs in net.engine.canisters.values():
        if cs.call_contexts:
            raise _Violation(
                "liveness",
                f"canister {cs.id} still has {len(cs.call_contexts)} open call context(s)",
            )
        if cs.stop_waiters:
            raise _Violation("liveness", f"a stop of canister {cs.id} never completed")


def _settings_meta(settings: Settings) -> dict[str, Any]:
    meta = asdict(settings)
    if settings.execution_limit == DEFAULT_LIMIT_S:
        del meta["execution_limit"]  # the default: traces read as before it could be set
    if settings.faults is not None:
        faults = asdict(settings.faults)
        faults["canisters"] = list(faults["canisters"]) if faults["canisters"] else None
        for kind in ("stop", "trap", "timeout"):  # newer kinds: written only when on
            if not faults[kind]:
                del faults[kind]
        meta["faults"] = faults
    return meta


def _trace_with(net: Subnet, extra: dict[str, Any], failure: Failure) -> bytes:
    failed = {
        "kind": failure.kind,
        "message": failure.message,
        "step": failure.step,
        "injections": list(failure.injections),
    }
    return net.trace_bytes({**extra, "failure": failed})


def settings_from_meta(meta: dict[str, Any]) -> Settings:
    data = dict(meta)
    data["fail_on"] = tuple(data.get("fail_on", ()))
    faults = data.get("faults")
    if faults is not None:
        if faults.get("canisters") is not None:
            faults["canisters"] = tuple(faults["canisters"])
        data["faults"] = SnapshotFaults(**faults)
    return Settings(**data)
