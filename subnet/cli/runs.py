"""The commands beyond dfx: ``subnet run`` a scenario, ``subnet replay`` a trace, ``subnet
explore`` a scenario's schedules and snapshot faults, and ``subnet trace show`` a trace."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import traceback
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import anyio

from ..api import Subnet
from ..budget import DEFAULT_LIMIT_S
from ..codec import write_atomic
from ..events import HAZARDS
from ..ids import Principal
from ..picture import sequence_svg
from ..scenario import (
    ScenarioError,
    load_scenario,
    scenario_error,
    scenario_file,
    source_digest,
)
from ..strategies import ReplayDivergence
from ..trace import TraceError, load_trace
from ..viewer import trace_page
from . import lazy
from .exceptions import CliError, UsageError
from .output import colour, out, printable


def scenario_function(spec: str) -> Callable[[Subnet], Coroutine[Any, Any, Any]]:
    """The ``scenario(net)`` coroutine function of a scenario file or module."""
    try:
        scenario: Callable[[Subnet], Coroutine[Any, Any, Any]] = load_scenario(spec).run
    except ScenarioError as exc:
        raise CliError(str(exc)) from None
    return scenario


def cmd_run(args: argparse.Namespace) -> int:
    scenario = scenario_function(args.scenario)
    failed: list[Exception] = []

    async def go() -> Subnet:
        async with Subnet(seed=args.seed, strategy=args.strategy, scenario=args.scenario) as net:
            if args.states:
                net.record_states()
            try:
                await scenario(net)
            except Exception as exc:  # the scenario's own failure: said plainly, trace kept
                failed.append(exc)
            return net

    if args.states and not args.trace:
        raise UsageError("--states records into the trace: give --trace FILE too", "subnet run")
    net = anyio.run(go, backend=args.backend)
    if args.trace:
        extra = {"scenario_sha256": source_digest(args.scenario), "backend": args.backend}
        if failed:
            extra["scenario_error"] = scenario_error(failed[0])
        write_atomic(args.trace, net.trace_bytes(extra))
        print(
            f"Trace written to {args.trace}: {len(net.trace)} events, "
            f"{len(net.hazards)} hazard(s).",
            file=sys.stderr,
        )
    if failed:
        raise CliError(
            f"Scenario '{args.scenario}' failed at step {net.engine.steps}.",
            *scenario_failure(failed[0]),
        )
    return 0


_LIBRARIES = (
    str(Path(__file__).resolve().parent.parent),  # this package
    str(Path(anyio.__file__).resolve().parent.parent),  # site-packages
    str(Path(os.__file__).resolve().parent),  # the standard library
)


def scenario_failure(exc: BaseException) -> list[str]:
    """What a scenario's exception says, and where in the scenario's own code (its file and
    anything it imports from outside the libraries) it was raised: the lines a traceback
    would show of it, without the simulator's and the event loop's frames."""
    here = Path.cwd().resolve()
    where = []
    for frame in traceback.extract_tb(exc.__traceback__):
        path = Path(frame.filename).resolve()
        if str(path).startswith(_LIBRARIES):
            continue
        shown = path.relative_to(here) if path.is_relative_to(here) else path
        where.append(f"at {shown}:{frame.lineno} in {frame.name}: {(frame.line or '').strip()}")
    return [scenario_error(exc), *where]


def _replay_scenario(args: argparse.Namespace, meta: dict[str, Any]) -> str:
    """The scenario a replay runs: ``--scenario`` if given, else the one the trace names, which
    must be a file in the working directory's tree (a path, or a module found there without
    importing it): a trace is input, and what it names is not run from anywhere else."""
    if args.scenario:
        return str(args.scenario)
    spec = meta.get("scenario")
    if not spec:
        raise CliError(
            f"Trace '{args.trace}' does not name the scenario it recorded.",
            "pass --scenario SCENARIO to replay it with one",
        )
    here = Path.cwd().resolve()
    try:
        if not Path(spec).exists() and (Path(args.trace).parent / spec).exists():
            spec = str(Path(args.trace).parent / spec)
        where = scenario_file(spec)
        inside = where is not None and where.resolve().is_relative_to(here)
    except (OSError, ValueError):  # a name no file can have (a NUL byte, too long)
        inside = False
    if not inside:
        raise CliError(
            f"Trace '{args.trace}' names the scenario '{spec}', which is not a file in this "
            f"directory's tree ({here}); it is not run.",
            "pass --scenario SCENARIO to replay the trace with a scenario you trust",
        )
    return spec


def cmd_replay(args: argparse.Namespace) -> int:
    try:
        recorded = load_trace(args.trace)
    except (OSError, TraceError) as exc:
        raise CliError(f"Cannot read trace '{args.trace}'.", str(exc)) from None
    spec = _replay_scenario(args, recorded.meta)

    def announce() -> None:  # the scenario about to run
        print(printable(f"Replaying {args.trace} with scenario {spec}"), file=sys.stderr)

    sink = contextlib.nullcontext() if args.verbose else contextlib.redirect_stdout(io.StringIO())
    try:
        with sink:
            replayed = lazy.replay_trace(spec, recorded, backend=args.backend, announce=announce)
    except ReplayDivergence as exc:
        _say(f"Replay of {args.trace} diverged: {exc}")
        _source_hint(recorded.meta, spec)
        return 1
    except (ScenarioError, ValueError) as exc:
        raise CliError(f"Cannot replay '{args.trace}'.", str(exc)) from None
    events = replayed.events
    if "explore" in recorded.meta:  # an explorer's failure: the same failure, the same events
        expected = recorded.meta.get("failure", {})
        failure = replayed.failure
        if failure is None:
            _say(f"Replay of {args.trace}: the failure did not happen again.")
            _source_hint(recorded.meta, spec)
            return 1
        if (failure.kind, failure.message, failure.step) != (
            expected.get("kind"),
            expected.get("message"),
            expected.get("step"),
        ):
            _say(f"Replay of {args.trace} diverged: another failure happened.")
            _say(f"  recorded: {expected.get('kind')} at step {expected.get('step')}: "
                f"{expected.get('message')}")  # fmt: skip
            _say(f"  replayed: {failure}")
            _source_hint(recorded.meta, spec)
            return 1
        if events == recorded.events:
            _say(
                f"Replayed {args.trace}: {failure} (events identical; recorded: "
                f"{expected.get('kind')} at step {expected.get('step')})."
            )
            return 0
    elif replayed.error != recorded.meta.get("scenario_error"):
        said = recorded.meta.get("scenario_error") or "nothing"
        _say(f"Replay of {args.trace} diverged: the scenario raised {replayed.error or 'nothing'}")
        _say(f"  (when recorded: {said})")
        _source_hint(recorded.meta, spec)
        return 1
    elif events == recorded.events:
        again = f"; the scenario failed again: {replayed.error}" if replayed.error else ""
        _say(
            f"Replayed {args.trace}: {len(events)} events, identical "
            f"({sum(e.kind == 'hazard' for e in events)} hazard(s)){again}."
        )
        return 0
    index = next(
        (i for i, (a, b) in enumerate(zip(recorded.events, events, strict=False)) if a != b),
        min(len(recorded.events), len(events)),
    )
    _say(f"Replay of {args.trace} diverged at event {index}:")
    for label, listed in (("recorded", recorded.events), ("replayed", events)):
        _say(f"  {label}: {listed[index] if index < len(listed) else '(no more events)'}")
    _source_hint(recorded.meta, spec)
    return 1


def _say(line: str) -> None:
    """A line of output that holds text from a trace: control characters shown escaped."""
    out(printable(line))


def _source_hint(meta: dict[str, Any], spec: str) -> None:
    """Say so when the scenario's source is not the one the trace recorded."""
    recorded = meta.get("scenario_sha256")
    now = source_digest(spec)
    if recorded and now and recorded != now:
        _say(
            f"  hint: {spec} changed since the trace was recorded "
            f"(sha256 {recorded[:12]}... then, {now[:12]}... now)"
        )


@contextlib.contextmanager
def _settings_errors() -> Iterator[None]:
    """A campaign whose settings do not fit the scenario (a fault target it never has) is the
    user's error: one clear line, no traceback."""
    try:
        yield
    except ValueError as exc:
        raise CliError("The exploration's settings do not fit the scenario.", str(exc)) from None


@contextlib.contextmanager
def _cluster(address: str | None) -> Iterator[Executor | None]:
    """The executor of the Dask cluster at ``address`` (None without one), closed afterwards.
    A cluster that cannot be reached, or fails the campaign, is one clear line, no
    traceback."""
    if not address:
        yield None
        return
    try:
        client = lazy.connect(address)
    except lazy.ClusterError as exc:
        raise CliError(str(exc)) from None
    try:
        yield client.get_executor()
    except lazy.CAMPAIGN_ERRORS as exc:
        raise CliError(
            f"The campaign on the Dask cluster at {address} failed.",
            scenario_error(exc),
        ) from None
    finally:
        client.close()


def cmd_explore(args: argparse.Namespace) -> int:
    try:
        scenario = lazy.Scenario.load(args.scenario)
    except (ScenarioError, ValueError) as exc:
        raise CliError(str(exc)) from None
    faults = None
    if (args.canister or args.fault_kinds) and args.faults is None:
        raise UsageError(
            "--canister and --fault-kinds say where and what to inject: give --faults too",
            "subnet explore",
        )
    if args.faults is not None:
        kinds = {"take": True, "load": True}  # the default kinds
        if args.fault_kinds:
            chosen = [kind.strip() for kind in args.fault_kinds.split(",") if kind.strip()]
            unknown = [kind for kind in chosen if kind not in lazy.FAULT_KINDS]
            if unknown or not chosen:
                raise UsageError(
                    f"unknown fault kind(s) {', '.join(unknown) or '(none given)'} "
                    f"(known: {', '.join(lazy.FAULT_KINDS)})",
                    "subnet explore",
                )
            kinds = {kind: kind in chosen for kind in lazy.FAULT_KINDS}
        try:
            faults = lazy.SnapshotFaults(
                canisters=tuple(args.canister) if args.canister else None,
                probability=args.faults,
                **kinds,
            )
        except ValueError as exc:
            raise UsageError(str(exc), "subnet explore") from None
    limit = args.execution_limit
    if limit is not None and not limit > 0:
        raise UsageError(
            f"--execution-limit is a number of seconds above 0, not {limit}", "subnet explore"
        )
    fail_on: tuple[str, ...] = ()
    if args.fail_on:
        fail_on = tuple(kind.strip() for kind in args.fail_on.split(",") if kind.strip())
        unknown = [kind for kind in fail_on if kind not in HAZARDS]
        if unknown:
            raise UsageError(
                f"unknown hazard kind(s) {', '.join(unknown)} (known: {', '.join(HAZARDS)})",
                "subnet explore",
            )
    # no more processes than runs or CPUs (as explore() itself caps them)
    capped = min(args.workers or 1, args.runs, os.cpu_count() or 1)
    workers = capped if capped > 1 else None
    if args.scheduler and workers:
        raise UsageError(
            "--workers and --scheduler: give one (a cluster's workers are its own)",
            "subnet explore",
        )
    sink = contextlib.nullcontext() if args.verbose else contextlib.redirect_stdout(io.StringIO())
    progress = _progress_line(args.runs) if sys.stderr.isatty() else None
    with _cluster(args.scheduler) as executor, sink, _settings_errors():
        result = lazy.explore(
            args.scenario if workers or executor else scenario,
            runs=args.runs,
            strategy=args.strategy,
            seed=args.seed,
            depth=args.depth,
            max_steps=args.max_steps,
            faults=faults,
            fail_on=fail_on,
            stop_at_first=not args.keep_going,
            do_shrink=not args.no_shrink,
            workers=workers,
            executor=executor,
            backend=args.backend,
            progress=progress,
            execution_limit=limit if limit is not None else DEFAULT_LIMIT_S,
            on_shrink=_shrink_line() if progress is not None else None,
        )
    if progress is not None:
        sys.stderr.write("\r\033[K")
    out(
        f"Explored {args.scenario}: {result.runs} run(s), {result.steps:,} steps, "
        f"strategy {args.strategy}, {len(result.failures)} failure(s)."
    )
    if result.exhausted:
        out("Every choice sequence ran: the bounded space is exhausted.")
    if result.ok:
        return 0
    first = result.failures[0]
    out(f"First failure: {first} ({len(first.choices)} choices).")
    shrunk = result.shrunk
    if shrunk is not None:
        out(f"Shrunk to {len(shrunk.choices)} choices: {shrunk}")
        for line in shrunk.injections:
            out(f"  injected: {line}")
    if args.trace:
        write_atomic(args.trace, result.trace)
        out(f"Trace written to {args.trace}: `subnet replay {args.trace}` reproduces it.")
    else:
        out("Run again with --trace FILE to keep a trace that `subnet replay` reproduces.")
    return 1


def _progress_line(total: int) -> Callable[[int, int], None]:
    """A one-line progress report on a terminal (long campaigns), redrawn in place."""

    def report(done: int, failures: int) -> None:
        if done == total or done % max(1, total // 100) == 0:
            bar = "#" * (30 * done // max(1, total))
            line = f"\r[{bar:<30}] {done}/{total} runs, {failures} failure(s)"
            sys.stderr.write(colour(sys.stderr, "1;31", line) if failures else line)
            sys.stderr.flush()

    return report


def _shrink_line() -> Callable[[int, int], None]:
    """The shrinker's progress on a terminal, redrawn in place."""

    def report(runs: int, choices: int) -> None:
        sys.stderr.write(f"\r\033[Kshrinking: {runs} run(s), best {choices} choice(s)")
        sys.stderr.flush()

    return report


def cmd_trace_show(args: argparse.Namespace) -> int:
    try:
        recorded = load_trace(args.trace)
    except (OSError, TraceError) as exc:
        raise CliError(f"Cannot read trace '{args.trace}'.", str(exc)) from None
    meta = recorded.meta
    if args.format in ("svg", "html"):
        title = f"{meta.get('scenario') or args.trace} (seed {meta.get('seed')})"
        names = {cid: name for name, cid in (meta.get("names") or {}).items()}
        if args.format == "svg":
            page = sequence_svg(recorded.events, names=names, title=title)
        else:
            page = trace_page(recorded, title)
        if args.output:
            write_atomic(args.output, page.encode())
            print(f"Written to {args.output}.", file=sys.stderr)
        else:
            sys.stdout.write(printable(page, keep="\n"))  # no control character reaches a tty
        return 0
    if args.output:
        raise UsageError("-o writes a picture or a page: give --format svg or html", "subnet trace")
    hazards = [e for e in recorded.events if e.kind == "hazard"]
    _say(
        f"Trace {args.trace}: scenario {meta.get('scenario')}, seed {meta.get('seed')}, "
        f"strategy {meta.get('strategy')}"
    )
    out(
        f"{len(recorded.events)} events, {len(recorded.decisions)} decisions, "
        f"{len(hazards)} hazard(s)"
    )
    names = {cid: name for name, cid in (meta.get("names") or {}).items()}
    failure = meta.get("failure")
    if failure:
        line = f"Failure: {failure.get('kind')} at step {failure.get('step')}: "
        out(colour(sys.stdout, "1;31", printable(line + str(failure.get("message")))))
        for injected in failure.get("injections") or ():
            _say(f"  injected: {injected}")
    for event in recorded.events:
        where = _name(event.canister, names)
        if event.kind == "hazard":
            explanation = event.data[0] if event.data else ""
            line = f"{event.step:>6} HAZARD {event.method} {where}: {explanation}"
            out(colour(sys.stdout, "1;31", printable(line)))
        else:
            detail = " ".join(str(_name(d, names)) for d in event.data)
            _say(f"{event.step:>6} {event.kind:<14} {where} {event.method} {detail}".rstrip())
    return 0


def _name(value: Any, names: dict[Any, str]) -> Any:
    """A canister's name where the trace knows it, else the value itself."""
    if value is None:
        return "-"
    if isinstance(value, Principal):
        return names.get(value, value)
    return value


__all__ = ["cmd_explore", "cmd_replay", "cmd_run", "cmd_trace_show", "scenario_function"]
