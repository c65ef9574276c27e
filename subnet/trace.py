"""Trace files: the recorded events of a run (:mod:`subnet.events`), as a file that replays it.

A trace *file* is CBOR: the run's metadata (seed, strategy, scenario), the decision list (the
index chosen at every step where more than one source was ready) and the events. The decision
list alone replays the run (``strategies.replay``); the events let a replay check that it went
the same way, and let ``subnet trace show`` print it. Encoding is deterministic, so the same
seed and scenario give byte-identical files on asyncio and on trio.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .codec import DocumentError, decode_document, encode_document
from .events import Event

FORMAT = "subnet-trace"
VERSION = 2  # 2: one choice list (scheduling and injected faults) in "decisions"


@dataclass(frozen=True)
class TraceFile:
    """A loaded trace file: enough to replay and to compare."""

    meta: dict[str, Any]
    decisions: list[int]
    events: list[Event]


def encode_trace(
    meta: dict[str, Any], decisions: list[int], events: Sequence[tuple[Any, ...]]
) -> bytes:
    return encode_document(
        FORMAT,
        VERSION,
        {
            "meta": meta,
            "decisions": list(decisions),
            "events": [list(e) for e in events],  # plain arrays: no tuple tag per event
        },
    )


class TraceError(ValueError):
    """A trace file that cannot be read."""


def decode_trace(data: bytes) -> TraceFile:
    try:
        doc = decode_document(data, FORMAT, VERSION)
    except DocumentError as exc:
        if exc.problem == "damaged":
            raise TraceError(f"not a trace file (CBOR decoding failed: {exc.detail})") from None
        if exc.problem == "format":
            raise TraceError("not a subnet trace file") from None
        raise TraceError(
            f"unsupported trace version {exc.detail!r} (this is {VERSION}): record the run "
            f"again with this version of subnet"
        ) from None
    try:
        events = [Event(*e) for e in doc["events"]]
        return TraceFile(dict(doc["meta"]), [int(d) for d in doc["decisions"]], events)
    except (KeyError, TypeError, ValueError) as exc:
        raise TraceError(f"damaged trace file: {exc}") from None


def load_trace(path: str | os.PathLike[str]) -> TraceFile:
    """Read a trace file written by ``Subnet.save_trace``."""
    return decode_trace(Path(path).read_bytes())
