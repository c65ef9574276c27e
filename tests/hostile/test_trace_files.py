"""Trace files damaged or made to hurt, as ``subnet trace show`` and ``subnet replay`` read
them: bytes flipped, inserted, deleted or cut off; values inside the CBOR replaced by other
types, huge or negative integers, nested junk, escape sequences, and scenarios that point at
planted code outside the project. Whatever the file, the command answers with ``Error: ...``
(exit 255), a divergence (exit 1) or its output (exit 0): never a traceback, never a hang, never
a control character on the terminal, and the planted modules (which write a marker file when
imported) are never imported.

``make fuzz`` runs the properties with 3000 examples each."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from subnet import cli
from subnet.codec import decode, encode
from subnet.ids import Principal
from subnet.trace import TraceError, decode_trace
from tests.hostile import Outcome, subnet
from tests.hostile.damage import (
    TAGGED,
    TOO_MANY_DIGITS,
    damaged,
    replace_at,
    reshaped,
    unpack,
)
from tests.support import SCENARIOS

PROPERTY = settings(deadline=None, suppress_health_check=list(HealthCheck))

HAZARD = """
from actors.chat import Chat


async def scenario(net):
    chat = await net.deploy(Chat, name="chat")
    await chat.call("append", "Hi there!")
    await net.management.take_canister_snapshot(canister_id=chat.id)  # running: a hazard
"""
MARKER = """
import pathlib

pathlib.Path({marker!r}).write_text(__name__)


async def scenario(net):
    pass
"""


@dataclass
class Traces:
    root: Path  # the working directory: the project
    outside: Path  # planted scenarios, outside the project (and on sys.path)
    run: bytes  # written by `subnet run --trace`
    explored: bytes  # written by `subnet explore --trace`

    @property
    def marker(self) -> Path:
        return self.outside / "IMPORTED"

    @property
    def planted(self) -> list[str]:
        """Scenarios a trace may name that must never run (nor be imported)."""
        return [
            str(self.outside / "planted_scenario.py"),
            "planted_scenario",
            "planted_pkg.mod",
            "../outside/planted_scenario.py",
        ]


@pytest.fixture(scope="module")
def traces(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Traces]:
    base = tmp_path_factory.mktemp("traces")
    root, outside = base / "project", base / "outside"
    root.mkdir()
    outside.mkdir()
    marker = str(outside / "IMPORTED")
    (root / "hazard.py").write_text(HAZARD)
    (root / "lock_race.py").write_text((SCENARIOS / "lock_race.py").read_text())
    (outside / "planted_scenario.py").write_text(MARKER.format(marker=marker))
    (outside / "planted_pkg").mkdir()
    (outside / "planted_pkg" / "__init__.py").write_text(MARKER.format(marker=marker))
    (outside / "planted_pkg" / "mod.py").write_text(MARKER.format(marker=marker))
    assert subnet(root, "run hazard.py --seed 3 --trace run.trace").code == 0
    explored = subnet(
        root, "explore lock_race.py --faults 0.05 --canister vault --runs 300 --trace explore.trace"
    )
    assert explored.code == 1, explored
    sys.path.insert(0, str(outside))  # a planted module is importable: it is never imported
    try:
        yield Traces(
            root, outside, (root / "run.trace").read_bytes(), (root / "explore.trace").read_bytes()
        )
    finally:
        sys.path.remove(str(outside))


COMMANDS = ["trace show {t}", "trace show {t} --format svg", "replay {t}", "replay {t} -v"]


def nothing_imported(traces: Traces) -> None:
    assert not traces.marker.exists(), "a planted scenario was imported"
    for name in ("planted_scenario", "planted_pkg", "planted_pkg.mod"):
        assert name not in sys.modules, name


def run_on(traces: Traces, data: bytes, command: str) -> Outcome:
    """Run ``command`` on the trace file ``data`` (in the project); check the outcome."""
    path = traces.root / "hurt.trace"
    path.write_bytes(data)
    outcome = subnet(traces.root, command.format(t="hurt.trace"))
    text = "\n".join(outcome.out + outcome.err)
    assert "Traceback" not in text, text
    nothing_imported(traces)
    assert outcome.code in (0, 1, cli.ERROR_EXIT), outcome
    if outcome.code == cli.ERROR_EXIT:  # (a replay says first which scenario it runs)
        errors = [line for line in outcome.err if not line.startswith("Replaying ")]
        assert errors and errors[0].startswith("Error: "), outcome
    if not command.endswith("-v"):  # (the scenario's own output is the scenario's)
        for line in outcome.out + outcome.err:
            assert line.isprintable(), f"a control character reaches the terminal: {line!r}"
    return outcome


def report(outcome: Outcome) -> None:
    event(f"exit {outcome.code}: " + (outcome.err[-1][:40] if outcome.code else ""))


# -- damage ---------------------------------------------------------------------------------------


HUGE = [-1, -(2**63), -(2**70), 2**32, 2**63, 2**64 - 1, 2**64, 2**128, 2**4000]


ESCAPES = st.sampled_from(["\x1b[2J", "\x1b]0;owned\x07", "a\nb", "\r", "\u202e", "\x00", "\x9b"])


def junk(traces: Traces) -> st.SearchStrategy[Any]:
    return st.recursive(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(0, len(HUGE) - 1).map(HUGE.__getitem__),
            st.integers(-1000, 1000),
            st.floats(),
            st.text(max_size=12),
            ESCAPES,
            st.binary(max_size=24),
            st.sampled_from(traces.planted),
            st.sampled_from([TOO_MANY_DIGITS, TAGGED]),
            st.just(Principal(b"\x01")),
            st.sampled_from(["exec", "call", "hazard", "submit", "ingress", "reply", "trap"]),
        ),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.lists(inner, max_size=4).map(tuple),
            st.dictionaries(st.one_of(st.text(max_size=8), st.integers(-5, 5)), inner, max_size=4),
        ),
        max_leaves=8,
    )


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place inside a decoded trace (map keys and list indexes)."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))


_PLACES: dict[bytes, list[tuple[Any, ...]]] = {}


def places_in(data: bytes) -> list[tuple[Any, ...]]:
    """The places inside the trace ``data``, deepest first (worked out once per trace)."""
    if data not in _PLACES:
        _PLACES[data] = sorted(paths(decode(data)), key=lambda p: (-len(p), repr(p)))[:-1]
    return _PLACES[data]


@st.composite
def structured(draw: st.DrawFn, traces: Traces, data: bytes) -> dict[str, Any]:
    """The trace ``data`` with one to three values inside it replaced, removed or added to."""
    doc: dict[str, Any] = decode(data)
    places = places_in(data)
    for _ in range(draw(st.integers(1, 3))):
        path = places[draw(st.integers(0, len(places) - 1))]
        how = draw(st.sampled_from(["junk", "junk", "remove", "add", "deep", "negate", "swap"]))
        value = draw(junk(traces))

        def change(old: Any, how: str = how, value: Any = value) -> Any:
            if how == "swap" and isinstance(old, list | tuple) and len(old) > 1:
                return type(old)([old[-1], *old[1:-1], old[0]])
            return reshaped(old, how, value)

        doc = replace_at(doc, path, change)
    return doc


# -- the properties -----------------------------------------------------------------------------


@PROPERTY
@given(data=st.data())
def test_damaged_bytes_give_one_clear_line(traces, data):
    original = data.draw(st.sampled_from([traces.run, traces.explored]))
    command = data.draw(st.sampled_from(COMMANDS))
    report(run_on(traces, data.draw(damaged(original)), command))


@PROPERTY
@given(data=st.data())
def test_wrong_values_inside_a_trace_give_one_clear_line(traces, data):
    original = data.draw(st.sampled_from([traces.run, traces.explored]))
    doc = data.draw(structured(traces, original))
    try:
        file = encode(unpack(doc))
    except Exception:  # junk that is not plain data: not a file anyone can write
        return
    report(run_on(traces, file, data.draw(st.sampled_from(COMMANDS))))


@PROPERTY
@given(data=st.data())
def test_a_trace_never_runs_a_scenario_from_outside_the_project(traces, data):
    original = decode(data.draw(st.sampled_from([traces.run, traces.explored])))
    original["meta"]["scenario"] = data.draw(st.sampled_from(traces.planted))
    outcome = run_on(traces, encode(original), data.draw(st.sampled_from(COMMANDS)))
    if outcome.code == cli.ERROR_EXIT:
        assert "it is not run" in outcome.err[0] or "Cannot read trace" in outcome.err[0]


# -- the defects, one by one ----------------------------------------------------------------------


def test_the_untouched_traces_show_and_replay(traces):
    for data in (traces.run, traces.explored):
        for command in COMMANDS:
            outcome = run_on(traces, data, command)
            assert outcome.code == 0, outcome


def with_meta(data: bytes, **changes: Any) -> bytes:
    doc = decode(data)
    doc["meta"] = {**doc["meta"], **changes}
    return encode(doc)


def with_event(data: bytes, index: int, field: int, value: Any) -> bytes:
    doc = decode(data)
    doc["events"][index] = [*doc["events"][index]]
    doc["events"][index][field] = value
    return encode(doc)


@pytest.mark.parametrize(
    ("hurt", "says"),
    [
        (lambda t: with_event(t.run, 0, 2, ["exec"]), "event 0's kind must be one of"),
        (lambda t: with_event(t.run, 1, 0, 10**5000), "event 1's step must be an integer"),
        (lambda t: with_event(t.run, 0, 5, (2**64, "x")), "data field 0 must be an integer"),
        (lambda t: with_event(t.run, 1, 5, ("a",) * 9), "does not fit the schema"),
        (lambda t: with_meta(t.run, names=["chat"]), "the canister names must be a map"),
        (lambda t: with_meta(t.run, seed=1.5), "the seed must be an integer"),
        (lambda t: with_meta(t.explored, failure=["x"]), "the failure must be a map"),
        (lambda t: encode({**decode(t.run), "decisions": [-1]}), "decision 0 must be"),
        (lambda t: encode({**decode(t.run), "events": {}}), "the events must be a list"),
    ],
)
def test_each_damaged_field_is_named(traces, hurt, says):
    data = hurt(traces)
    with pytest.raises(TraceError, match="damaged trace file"):
        decode_trace(data)
    for command in ("trace show {t}", "replay {t}"):
        outcome = run_on(traces, data, command)
        assert outcome.code == cli.ERROR_EXIT
        assert outcome.err[0] == "Error: Cannot read trace 'hurt.trace'."
        assert says in outcome.err[1], outcome.err


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"depth": "x"}, "the explorer's setting depth cannot be 'x'"),
        ({"bogus": 1}, "unknown field 'bogus'"),
        ({"backend": "curio"}, "setting backend cannot be 'curio'"),
        ({"fail_on": [["x"]]}, "setting fail_on cannot be"),
        ({"faults": {"probability": 2}}, "probability is a number from 0 to 1"),
        ({"faults": {"sometimes": True}}, "sometimes"),
        ([], "the explorer's settings must be a map"),
    ],
)
def test_explorer_settings_that_subnet_never_writes_are_refused(traces, settings, says):
    data = with_meta(traces.explored, explore=settings)
    outcome = run_on(traces, data, "replay {t}")
    assert outcome.code == cli.ERROR_EXIT
    assert outcome.err[0] in (
        "Error: Cannot replay 'hurt.trace'.",
        "Error: Cannot read trace 'hurt.trace'.",
    )
    assert says in outcome.err[1], outcome.err


def test_escape_sequences_are_shown_escaped(traces):
    data = with_event(traces.run, 1, 4, "\x1b[2Jtitle\x07")
    data = with_meta(data, scenario="hazard.py\x1b]0;owned\x07")
    outcome = run_on(traces, data, "trace show {t}")
    assert outcome.out[0] == (
        "Trace hurt.trace: scenario hazard.py\\x1b]0;owned\\x07, seed 3, strategy round_robin"
    )
    assert any("\\x1b[2Jtitle\\x07" in line for line in outcome.out)
    svg = run_on(traces, data, "trace show {t} --format svg")
    assert "\x1b" not in "\n".join(svg.out)


def test_a_scenario_outside_the_project_is_refused_unless_given(traces):
    planted = traces.outside / "planted_scenario.py"
    data = with_meta(traces.run, scenario=str(planted))
    outcome = run_on(traces, data, "replay {t}")
    assert outcome.err == [
        f"Error: Trace 'hurt.trace' names the scenario '{planted}', which is not a file in "
        f"this directory's tree ({traces.root.resolve()}); it is not run.",
        "Caused by: pass --scenario SCENARIO to replay the trace with a scenario you trust",
    ]
    for module in ("planted_scenario", "planted_pkg.mod"):  # found on sys.path, outside
        outcome = run_on(traces, with_meta(traces.run, scenario=module), "replay {t}")
        assert f"names the scenario '{module}', which is not a file" in outcome.err[0]
    # given explicitly, the scenario runs, and the replay says which it runs
    outcome = run_on(traces, data, "replay {t} --scenario hazard.py")
    assert outcome.code == 0
    assert outcome.err == ["Replaying hurt.trace with scenario hazard.py"]
    assert outcome.out[0].startswith("Replayed hurt.trace: ")


def test_a_trace_without_a_scenario_asks_for_one(traces):
    outcome = run_on(traces, with_meta(traces.run, scenario=None), "replay {t}")
    assert outcome.err[0] == "Error: Trace 'hurt.trace' does not name the scenario it recorded."
    outcome = run_on(
        traces, with_meta(traces.run, scenario=None), "replay {t} --scenario hazard.py"
    )
    assert outcome.code == 0, outcome
