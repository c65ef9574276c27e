"""Benchmark: steps/s running normally, saving the trace, and replaying a decision list.

The scenario is the relay traffic of ``scale.py`` on 100 canisters under the ``random``
strategy (so nearly every step is a real decision among several ready sources and the decision
list is about as long as the run): ingress messages in waves of 200, each to a random canister
with a route of 3 random other canisters, drawn from the scenario's own ``random.Random(seed)``.
Recording is always on, so "plain" already records every event and decision. Rows:

* ``plain run``: submit + ``engine.run_until_idle()`` (the synchronous loop under the async
  API), timed; deploying and drawing the routes are not.
* ``run + save_trace``: the same run, then ``net.save_trace(path)`` (CBOR encoding of metadata,
  decisions and events via ``net.trace_bytes()``, written atomically with fsync); the time is
  run + save. ``trace_bytes()`` alone and the file size are shown.
* ``replay``: ``load_trace(path)`` (untimed, shown), then the same scenario in a new
  ``Subnet(strategy=replay(decisions))``, timed like ``plain``; its events are checked to be
  identical to the recorded run's.
* ``plain, trace stubbed out``: informational, what the always-on recording costs: the engine's
  ``trace`` object replaced in this process by one whose ``emit`` does nothing.

Final line: steps/s of each mode relative to plain (1.00 = as fast as a plain run).

Run: ``python bench/replay.py [--quick] [--messages N] [--repeat R]``.
"""

from __future__ import annotations

import hashlib
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import anyio
from _common import (
    MESSAGES_PER_INGRESS,
    Relay,
    best_of,
    machine,
    parser,
    rate,
    relay_waves,
    table,
    timed,
)

from subnet import Subnet, load_trace, replay
from subnet.trace import encode_trace

CANISTERS = 100
WAVE = 200
SEED = 11
DEFAULT_MESSAGES = 70_000


class _NullTrace:
    """Stands in for the engine's trace to measure what recording costs (informational)."""

    __slots__ = ("events", "hazards")

    def __init__(self) -> None:
        self.events: list = []
        self.hazards: list = []

    def emit(self, kind, canister, method, data=()) -> None:
        pass

    def hazard(self, kind, canister, explanation, details) -> None:
        pass

    def __len__(self) -> int:
        return 0


def scenario(messages: int, strategy=None, null_trace: bool = False):
    """Run the relay scenario once; returns ``(seconds, steps, net)`` (net closed)."""
    ingresses = max(1, messages // MESSAGES_PER_INGRESS)

    async def main():
        rng = random.Random(SEED)
        net = Subnet(seed=SEED, strategy=strategy or "random")
        async with net:
            ids = [(await net.deploy(Relay)).id for _ in range(CANISTERS)]
            engine = net.engine
            if null_trace:
                engine.trace = _NullTrace()
            steps0 = engine.steps
            seconds = 0.0
            for wave in relay_waves(rng, ids, ingresses, WAVE):
                t0 = time.perf_counter()
                calls = [net.submit(target, "relay", route) for target, route in wave]
                engine.run_until_idle()
                seconds += time.perf_counter() - t0
                for call in calls:
                    assert call.result() == 3
            steps = engine.steps - steps0
        return seconds, steps, net

    return anyio.run(main)


def fingerprint(net: Subnet) -> tuple[int, str]:
    """The number of events and a digest of the trace's events (their encoding: events hold
    the calls' arguments, lists among them, which do not hash)."""
    rows = net.engine.trace.rows()
    return len(net.trace), hashlib.sha256(encode_trace({}, [], rows)).hexdigest()


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=None, help="executed messages per run")
    args = p.parse_args()
    messages = args.messages or (7_000 if args.quick else DEFAULT_MESSAGES)
    repeat = args.repeat or (1 if args.quick else 3)

    tmp = tempfile.TemporaryDirectory(prefix="subnet-bench-")
    path = Path(tmp.name) / "run.trace"
    info: dict[str, object] = {}

    def plain() -> tuple[float, int]:
        seconds, steps, net = scenario(messages)
        # keep a fingerprint, not the events: a big live list slows later runs (GC)
        info["events"] = fingerprint(net)
        info["decisions"] = list(net.decisions)
        return seconds, steps

    def run_and_save() -> tuple[float, int]:
        seconds, steps, net = scenario(messages)
        t_bytes, data = timed(net.trace_bytes)
        t_save, _ = timed(lambda: net.save_trace(path))
        info["trace_bytes_s"] = min(t_bytes, info.get("trace_bytes_s", t_bytes))
        info["save_s"] = min(t_save, info.get("save_s", t_save))
        info["size"] = len(data)
        return seconds + t_save, steps

    def replayed() -> tuple[float, int]:
        t_load, trace = timed(lambda: load_trace(path))
        info["load_s"] = min(t_load, info.get("load_s", t_load))
        decisions = trace.decisions
        del trace  # as `replay(load_trace(path).decisions)` would: the loaded events are dropped
        assert decisions == info["decisions"]
        seconds, steps, net = scenario(messages, strategy=replay(decisions))
        assert fingerprint(net) == info["events"], "the replay went a different way"
        assert list(net.decisions) == info["decisions"]
        return seconds, steps

    def stubbed() -> tuple[float, int]:
        seconds, steps, _ = scenario(messages, null_trace=True)
        return seconds, steps

    runs = [
        ("plain run", plain),
        ("run + save_trace", run_and_save),
        ("replay", replayed),
        ("plain, trace stubbed out", stubbed),
    ]
    # the first repetition of "plain" must come before save and replay (they use its output)
    best = best_of(repeat, runs)
    tmp.cleanup()

    steps = best["plain run"][1]
    print(
        f"replay: relay scenario, {CANISTERS} canisters, random strategy, {steps:,} steps, "
        f"{len(info['decisions']):,} decisions, {info['events'][0]:,} events, best of {repeat}"
    )
    print(f"machine: {machine()}")
    print("time: submit + engine.run_until_idle (sync engine loop) [+ save_trace]")
    notes = {
        "plain run": "recording on (always)",
        "run + save_trace": (
            f"save_trace {info['save_s']:.3f} s (trace_bytes {info['trace_bytes_s']:.3f} s), "
            f"{info['size'] / 1e6:.1f} MB"
        ),
        "replay": f"load_trace {info['load_s']:.3f} s (not timed); events identical",
        "plain, trace stubbed out": "informational: cost of recording",
    }
    rows = []
    for name, _ in runs:
        seconds, count = best[name]
        assert count == steps, (name, count, steps)
        rows.append([name, f"{count:,}", f"{seconds:.3f}", rate(count, seconds), notes[name]])
    print(table(["mode", "steps", "seconds", "steps/s", "note"], rows))
    plain_s = best["plain run"][0]
    print(
        f"ratio (steps/s vs plain): run+save = {plain_s / best['run + save_trace'][0]:.2f}x, "
        f"replay = {plain_s / best['replay'][0]:.2f}x, "
        f"trace stubbed out = {plain_s / best['plain, trace stubbed out'][0]:.2f}x"
    )


if __name__ == "__main__":
    main()
