"""Trace files: the recorded events of a run (:mod:`subnet.events`), as a file that replays it.

A trace *file* is CBOR: the run's metadata (seed, strategy, scenario), the decision list (the
index chosen at every step where more than one source was ready) and the events. The decision
list alone replays the run (``strategies.replay``); the events let a replay check that it went
the same way, and let ``subnet trace show`` print it. Encoding is deterministic, so the same
seed and scenario give byte-identical files on asyncio and on trio.

A trace file is input like any other: :func:`decode_trace` checks every field (the metadata,
each decision, and each event against the schema, :data:`subnet.events.EVENTS`, down to the
type of every data field) and answers a file that does not hold what :func:`encode_trace`
writes with one :class:`TraceError`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .codec import DocumentError, decode_document, describe, encode_document
from .events import EVENTS, Event, schema_error
from .ids import Principal

FORMAT = "subnet-trace"
VERSION = 2  # 2: one choice list (scheduling and injected faults) in "decisions"


@dataclass(frozen=True)
class TraceFile:
    """A loaded trace file: enough to replay and to compare."""

    meta: dict[str, Any]
    decisions: list[int]
    events: list[Event]
    #: what changed in each canister after each step (:mod:`subnet.states`), when recorded
    states: list[dict[str, Any]] | None = None


def encode_trace(
    meta: dict[str, Any],
    decisions: list[int],
    events: Iterable[tuple[Any, ...]],
    states: list[dict[str, Any]] | None = None,
) -> bytes:
    doc: dict[str, Any] = {
        "meta": meta,
        "decisions": list(decisions),
        "events": [list(e) for e in events],  # plain arrays: no tuple tag per event
    }
    if states is not None:  # an optional key: a trace without it reads as before
        doc["states"] = states
    return encode_document(FORMAT, VERSION, doc)


class TraceError(ValueError):
    """A trace file that cannot be read."""


# -- what a trace file may hold -------------------------------------------------------------------

U64_MAX = (1 << 64) - 1
#: An integer anywhere in a trace prints (Python converts at most 4300 digits to text).
MAX_INT_BITS = 14_000
MAX_CHOICE = (1 << 32) - 1

#: The type of every data field of every event kind (:data:`subnet.events.EVENTS` names them),
#: as the engine records them: ``int`` (a u64), ``str``, ``principal``, ``any`` (plain data);
#: a kind whose fields end in ``...`` repeats its one type.
FIELD_TYPES: dict[str, tuple[str, ...]] = {
    "submit": ("int", "principal", "any"),
    "ingress_done": ("int", "str", "any"),
    "exec": ("str", "int", "str", "int", "str"),
    "call": ("int", "int", "principal", "int", "int", "any"),
    "trap": ("str",),
    "debug_print": ("str",),
    "cleanup": ("str",),
    "rejected": ("str", "int"),
    "dropped": ("int",),
    "expired": ("int", "principal", "str"),
    "context_closed": ("int",),
    "query": (),
    "subnet": ("str",),
    "created": (),
    "deleted": (),
    "status": (),
    "change": (),
    "snapshot_taken": ("str", "int", "int", "any"),
    "snapshot_loaded": ("str", "int", "int", "any"),
    "snapshot_deleted": (),
    "snapshot_upload": (),
    "timer_due": ("int",),
    "timer_skipped": ("int",),
    "time": ("int",),
    "hazard": ("str", "any"),
}


class _Bad(Exception):
    """A field of a trace file that does not hold what it must."""


def _short(value: Any) -> str:
    return describe(value)


def _int(value: Any, what: str, lo: int = 0, hi: int = U64_MAX) -> int:
    if type(value) is not int or not lo <= value <= hi:
        raise _Bad(f"{what} must be an integer from {lo} to {hi}, not {_short(value)}")
    return value


def _str(value: Any, what: str, choices: Sequence[str] | None = None) -> str:
    if type(value) is not str or (choices is not None and value not in choices):
        expected = f"one of {', '.join(choices)}" if choices is not None else "a string"
        raise _Bad(f"{what} must be {expected}, not {_short(value)}")
    return value


def _plain(value: Any, what: str) -> None:
    """Plain data all the way down (what the engine records, what ``str()`` prints)."""
    kind = type(value)
    if value is None or kind in (bool, float, str, bytes, Principal):
        return
    if kind is int:
        if value.bit_length() > MAX_INT_BITS:
            raise _Bad(f"{what} holds {_short(value)}")
        return
    if kind in (list, tuple):
        for item in value:
            _plain(item, what)
        return
    if kind is dict:
        for key, item in value.items():
            _plain(key, what)
            _plain(item, what)
        return
    raise _Bad(f"{what} holds a value of type {kind.__name__}")


def _field(value: Any, kind: str, what: str) -> None:
    if kind == "int":
        _int(value, what)
    elif kind == "str":
        _str(value, what)
    elif kind == "principal":
        if type(value) is not Principal:
            raise _Bad(f"{what} must be a principal, not {_short(value)}")
    else:
        _plain(value, what)


def _event(value: Any, index: int) -> Event:
    what = f"event {index}"
    if type(value) not in (list, tuple) or len(value) != 6:
        raise _Bad(f"{what} must be a list of 6 fields, not {_short(value)}")
    step, time, kind, canister, method, data = value
    _int(step, f"{what}'s step")
    _int(time, f"{what}'s time")
    _str(kind, f"{what}'s kind", tuple(EVENTS))
    what = f"event {index} ({kind})"
    if canister is not None and type(canister) is not Principal:
        raise _Bad(f"{what}'s canister must be a principal, not {_short(canister)}")
    _str(method, f"{what}'s method")
    if type(data) not in (list, tuple):
        raise _Bad(f"{what}'s data must be a list, not {_short(data)}")
    event = Event(step, time, kind, canister, method, tuple(data))
    problem = schema_error(event)
    if problem is not None:
        raise _Bad(f"{what} does not fit the schema: {problem}")
    types = FIELD_TYPES[kind]
    repeated = bool(EVENTS[kind][1]) and EVENTS[kind][1][-1].endswith("...")
    for n, item in enumerate(data):
        _field(item, types[0] if repeated else types[n], f"{what}'s data field {n}")
    return event


def _explore_settings(value: Any) -> None:
    """The explorer's settings are a map of names to plain values here; what each may be is
    :class:`subnet.explore.runner.Settings`' to say (:func:`subnet.explore.replay.settings_of`
    checks them when the trace is replayed)."""
    if type(value) is not dict:
        raise _Bad(f"the explorer's settings must be a map, not {_short(value)}")
    for key in value:
        _str(key, "the name of an explorer's setting")


def _failure(value: Any) -> None:
    if type(value) is not dict or set(value) != {"kind", "message", "step", "injections"}:
        raise _Bad(f"the failure must be a map of kind, message, step and injections, not "
                   f"{_short(value)}")  # fmt: skip
    _str(value["kind"], "the failure's kind")
    _str(value["message"], "the failure's message")
    _int(value["step"], "the failure's step")
    if type(value["injections"]) not in (list, tuple):
        raise _Bad(f"the failure's injections must be a list, not {_short(value['injections'])}")
    for line in value["injections"]:
        _str(line, "an injection of the failure")


def _heap_value(value: Any, what: str) -> None:
    """A heap attribute's value: plain data, sets included (a heap may hold them)."""
    if type(value) in (set, frozenset):
        for item in value:
            _heap_value(item, what)
    elif type(value) in (list, tuple):
        for item in value:
            _heap_value(item, what)
    elif type(value) is dict:
        for key, item in value.items():
            _heap_value(key, what)
            _heap_value(item, what)
    else:
        _plain(value, what)


def _rows(value: Any, what: str, types: tuple[str, ...]) -> None:
    """A list of rows, each a list of fields of ``types`` (``bool`` besides the event types)."""
    if type(value) not in (list, tuple):
        raise _Bad(f"{what} must be a list, not {_short(value)}")
    for row in value:
        if type(row) not in (list, tuple) or len(row) != len(types):
            raise _Bad(f"{what} must hold lists of {len(types)} fields, not {_short(row)}")
        for n, (item, kind) in enumerate(zip(row, types, strict=True)):
            if kind == "bool":
                if type(item) is not bool:
                    raise _Bad(f"{what}' field {n} must be true or false, not {_short(item)}")
            else:
                _field(item, kind, f"{what}' field {n}")


#: What a canister's entry in a recorded state may hold (see :mod:`subnet.states`).
STATE_ROWS: dict[str, tuple[str, ...]] = {
    "contexts": ("int", "principal", "str", "bool"),
    "callbacks": ("int", "principal", "str", "int", "int", "bool"),
    "continuations": ("int", "int"),
}
STATE_KEYS = ("status", *STATE_ROWS, "heap", "heap_removed", "snapshots")


def _canister_state(value: Any, what: str) -> None:
    if type(value) is not dict:
        raise _Bad(f"{what} must be a map, not {_short(value)}")
    for key, item in value.items():
        _str(key, f"a field of {what}", STATE_KEYS)
        part = f"{what}'s {key}"
        if key == "status":
            _str(item, part)
        elif key in STATE_ROWS:
            _rows(item, part, STATE_ROWS[key])
        elif key == "heap":
            if type(item) is not dict:
                raise _Bad(f"{part} must be a map, not {_short(item)}")
            for name, attribute in item.items():
                _str(name, f"an attribute's name in {part}")
                _heap_value(attribute, f"{part} attribute {name}")
        else:  # heap_removed, snapshots: lists of strings
            if type(item) not in (list, tuple):
                raise _Bad(f"{part} must be a list, not {_short(item)}")
            for name in item:
                _str(name, f"an entry of {part}")


def _states(value: Any) -> list[dict[str, Any]]:
    """The recorded per-step states: steps in order, each a map of canisters to what changed."""
    if type(value) not in (list, tuple):
        raise _Bad(f"the states must be a list, not {_short(value)}")
    last = -1
    for n, entry in enumerate(value):
        what = f"state {n}"
        if type(entry) is not dict or set(entry) != {"step", "canisters"}:
            raise _Bad(f"{what} must be a map of step and canisters, not {_short(entry)}")
        step = _int(entry["step"], f"{what}'s step")
        if step < last:
            raise _Bad(f"{what}'s step {step} comes before the step of the state before it")
        last = step
        canisters = entry["canisters"]
        if type(canisters) is not dict:
            raise _Bad(f"{what}'s canisters must be a map, not {_short(canisters)}")
        for cid, state in canisters.items():
            if type(cid) is not Principal:
                raise _Bad(f"{what}'s canisters must be keyed by principals, not {_short(cid)}")
            _canister_state(state, f"{what}'s canister {cid}")
    return [dict(entry) for entry in value]


def _meta(value: Any) -> dict[str, Any]:
    if type(value) is not dict:
        raise _Bad(f"the metadata must be a map, not {_short(value)}")
    for key, item in value.items():
        _str(key, "a metadata field's name")
        _plain(item, f"the metadata field {key}")
    for key in ("seed", "strategy", "scenario", "names"):
        if key not in value:
            raise _Bad(f"the metadata has no {key}")
    seed = value["seed"]
    if type(seed) is not int:
        raise _Bad(f"the seed must be an integer, not {_short(seed)}")
    _str(value["strategy"], "the strategy")
    if value["scenario"] is not None:
        _str(value["scenario"], "the scenario")
    names = value["names"]
    if type(names) is not dict:
        raise _Bad(f"the canister names must be a map, not {_short(names)}")
    for name, cid in names.items():
        _str(name, "a canister name")
        if type(cid) is not Principal:
            raise _Bad(f"the canister named {_short(name)} must be a principal, not {_short(cid)}")
    if value.get("scenario_sha256") is not None:
        _str(value["scenario_sha256"], "the scenario's SHA-256")
    if "backend" in value:
        _str(value["backend"], "the backend", ("asyncio", "trio"))
    if "scenario_error" in value:  # ``subnet run`` of a scenario that raised: what it raised
        _str(value["scenario_error"], "the scenario's error")
    if "explore" in value:
        _explore_settings(value["explore"])
    if "failure" in value:
        _failure(value["failure"])
    return dict(value)


def decode_trace(data: bytes) -> TraceFile:
    """A trace file's content, every field checked (raises :class:`TraceError`)."""
    try:
        doc = decode_document(data, FORMAT, VERSION)
    except DocumentError as exc:
        if exc.problem == "damaged":
            raise TraceError(f"not a trace file (CBOR decoding failed: {exc.detail})") from None
        if exc.problem == "format":
            raise TraceError("not a subnet trace file") from None
        raise TraceError(
            f"unsupported trace version {_short(exc.detail)} (this is {VERSION}): record the "
            f"run again with this version of subnet"
        ) from None
    try:
        if set(doc) - {"states"} != {"format", "version", "meta", "decisions", "events"}:
            fields = ", ".join(sorted(_short(k) for k in doc))
            raise _Bad(
                f"a trace has format, version, meta, decisions, events and (optionally) "
                f"states, not {fields}"
            )
        meta = _meta(doc["meta"])
        decisions = doc["decisions"]
        if type(decisions) not in (list, tuple):
            raise _Bad(f"the decisions must be a list, not {_short(decisions)}")
        for n, choice in enumerate(decisions):
            _int(choice, f"decision {n}", 0, MAX_CHOICE)
        events = doc["events"]
        if type(events) not in (list, tuple):
            raise _Bad(f"the events must be a list, not {_short(events)}")
        checked = [_event(e, n) for n, e in enumerate(events)]
        states = _states(doc["states"]) if "states" in doc else None
        return TraceFile(meta, list(decisions), checked, states)
    except _Bad as exc:
        raise TraceError(f"damaged trace file: {exc}") from None


def load_trace(path: str | os.PathLike[str]) -> TraceFile:
    """Read a trace file written by ``Subnet.save_trace``."""
    return decode_trace(Path(path).read_bytes())
