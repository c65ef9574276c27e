"""Benchmark: cost per executed message with 10, 1,000 and 10,000 canisters.

Every canister runs the same code: an async update ``relay(route)`` that, while ``route`` is not
empty, calls ``relay(route[1:])`` on the canister ``route[0]`` and awaits the reply. The scenario
draws the traffic from its own ``random.Random(seed)`` (never global randomness): each ingress
message goes to a random canister with a route of ``HOPS`` random other canisters, so it makes
``1 + 2 * HOPS`` executed messages (the ingress execution, and per hop one request execution and
one response execution), each one engine step (checked against ``net.engine.steps``).

Traffic is submitted in waves of ``WAVE`` ingress messages followed by
``engine.run_until_idle()`` (the synchronous engine loop the async API drives; the async layer
only adds a checkpoint every 256 steps), so that the number of messages in flight is the same
whatever the number of canisters: what changes with the size is only how many canisters, queues
and call contexts the engine holds. The timed part is ``submit`` + ``run_until_idle``; deploying
and drawing the routes are not timed. The strategy is round robin (the IC-like default).

Each size runs in a fresh child process, so that its peak memory is its own: peak memory is
``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of that child (peak resident set size, includes
the interpreter and imports), reported after deploying and at the end; the trace (always
recorded) is part of it and its event count is shown.

The issue's figure is 1,000,000 messages for the largest size. By default every size runs
``DEFAULT_MESSAGES`` messages (about 7-12 s each on a 2-core machine); ``--full`` runs
1,000,000 messages per size, ``--messages N`` any count, ``--quick`` a smoke run.

Target: per-message cost with 10,000 canisters <= 1.5x the cost with 10.

Run: ``python bench/scale.py [--quick | --full | --messages N]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import anyio
from _common import (
    HOPS,
    MESSAGES_PER_INGRESS,
    Relay,
    machine,
    maxrss_mib,
    parser,
    relay_waves,
    table,
)

from subnet import Subnet

SIZES = (10, 1_000, 10_000)
WAVE = 1_000  # ingress messages in flight at once
DEFAULT_MESSAGES = 300_000
FULL_MESSAGES = 1_000_000
SEED = 2024


def measure(canisters: int, messages: int, gc_off: bool = False) -> dict:
    """One size, in this process: deploy, then run ``messages`` messages in waves."""
    if gc_off:
        gc.disable()
    ingresses = max(1, messages // MESSAGES_PER_INGRESS)
    rng = random.Random(SEED)

    async def main() -> dict:
        async with Subnet(seed=SEED) as net:
            t0 = time.perf_counter()
            ids = [(await net.deploy(Relay)).id for _ in range(canisters)]
            deploy_s = time.perf_counter() - t0
            rss_deployed = maxrss_mib()
            events0 = len(net.trace)
            engine = net.engine
            steps0 = engine.steps
            run_s = 0.0
            sent = 0
            for wave in relay_waves(rng, ids, ingresses, WAVE):
                sent += len(wave)
                t0 = time.perf_counter()
                calls = [net.submit(target, "relay", route) for target, route in wave]
                engine.run_until_idle()
                run_s += time.perf_counter() - t0
                for call in calls:
                    assert call.result() == HOPS
            steps = engine.steps - steps0
            assert steps == sent * MESSAGES_PER_INGRESS, (steps, sent)
            return {
                "canisters": canisters,
                "messages": steps,
                "seconds": run_s,
                "deploy_seconds": deploy_s,
                "rss_deployed_mib": rss_deployed,
                "rss_peak_mib": maxrss_mib(),
                "trace_events": len(net.trace) - events0,
            }

    return anyio.run(main)


def run_child(canisters: int, messages: int, gc_off: bool) -> dict:
    cmd = [sys.executable, __file__, "--child", str(canisters), "--messages", str(messages)]
    if gc_off:
        cmd.append("--no-gc")
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"scale.py: the child for {canisters} canisters failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=None, help="executed messages per size")
    p.add_argument("--full", action="store_true", help=f"{FULL_MESSAGES:,} messages per size")
    p.add_argument(
        "--no-gc",
        action="store_true",
        help="disable Python's cyclic garbage collector in the measured runs "
        "(diagnosis: how much of the cost is the collector)",
    )
    p.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child is not None:
        print(json.dumps(measure(args.child, args.messages, args.no_gc)))
        return
    if args.messages:
        messages = args.messages
    elif args.full:
        messages = FULL_MESSAGES
    elif args.quick:
        messages = 14_000
    else:
        messages = DEFAULT_MESSAGES
    repeat = args.repeat or 1

    results: dict[int, dict] = {}
    for _ in range(repeat):
        for n in SIZES:
            r = run_child(n, messages, args.no_gc)
            if n not in results or r["seconds"] < results[n]["seconds"]:
                results[n] = r

    scaled = (
        ""
        if messages >= FULL_MESSAGES
        else (f" (scaled down from the issue's {FULL_MESSAGES:,}; --full for that)")
    )
    print(
        f"scale: {messages:,} executed messages per size{scaled}, {HOPS} hops per ingress, "
        f"{WAVE:,} ingress in flight per wave, round_robin, best of {repeat}"
        f"{', gc DISABLED' if args.no_gc else ''}"
    )
    print(f"machine: {machine()}")
    print(
        "time: submit + engine.run_until_idle (sync engine loop); memory: ru_maxrss of a "
        "child process per size"
    )
    rows = []
    for n in SIZES:
        r = results[n]
        rows.append(
            [
                f"{n:,}",
                f"{r['messages']:,}",
                f"{r['seconds']:.2f}",
                f"{r['messages'] / r['seconds']:,.0f}",
                f"{r['seconds'] / r['messages'] * 1e6:.2f}",
                f"{r['deploy_seconds']:.2f}",
                f"{r['rss_deployed_mib']:.0f}",
                f"{r['rss_peak_mib']:.0f}",
                f"{(r['rss_peak_mib'] - r['rss_deployed_mib']) * 1024 / r['messages'] * 1024:.0f}",
                f"{r['trace_events']:,}",
            ]
        )
    print(
        table(
            [
                "canisters",
                "messages",
                "seconds",
                "messages/s",
                "us/message",
                "deploy s",
                "RSS deployed MiB",
                "RSS peak MiB",
                "peak B/message",
                "run trace events",
            ],
            rows,
        )
    )
    small, large = results[SIZES[0]], results[SIZES[-1]]
    ratio = (large["seconds"] / large["messages"]) / (small["seconds"] / small["messages"])
    print(
        f"ratio: per-message cost {SIZES[-1]:,} vs {SIZES[0]:,} canisters = {ratio:.2f}x "
        f"(target <= 1.5)"
    )


if __name__ == "__main__":
    main()
