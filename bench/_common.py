"""Helpers shared by the benchmarks (not a benchmark itself: it runs nothing when executed).

Every benchmark measures its baseline in the same process and the same run, repeats each
measurement a few times interleaved with the others, and keeps the best (fastest) repetition:
on a shared machine the minimum is the least noisy estimate of what the code itself costs.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from actors import Canister, update  # noqa: E402 - after the path is set up
from subnet import Principal  # noqa: E402


def machine() -> str:
    """One line describing where the numbers come from."""
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    py = sys.version.split()[0]
    return f"{os.cpu_count()} cpu(s), {cpu}, Python {py} ({platform.python_implementation()})"


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="a few-seconds smoke run")
    p.add_argument("--repeat", type=int, default=None, help="repetitions per measurement")
    return p


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Wall time of ``fn()`` (perf_counter), and its result."""
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def best_of(
    repeat: int, runs: Sequence[tuple[str, Callable[[], tuple[float, int]]]]
) -> dict[str, tuple[float, int]]:
    """Run each ``(name, fn)`` ``repeat`` times, interleaved; ``fn`` returns ``(seconds,
    count)``. Returns name -> the fastest ``(seconds, count)``; counts must agree between
    repetitions (a benchmark that does different work each time is a bug)."""
    best: dict[str, tuple[float, int]] = {}
    for _ in range(repeat):
        for name, fn in runs:
            gc.collect()
            seconds, count = fn()
            if name in best:
                if best[name][1] != count:
                    raise AssertionError(f"{name}: count {count} != {best[name][1]}")
                if seconds < best[name][0]:
                    best[name] = (seconds, count)
            else:
                best[name] = (seconds, count)
    return best


def maxrss_mib() -> float:
    """Peak resident set size of this process so far (getrusage ru_maxrss, KiB on Linux)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if sys.platform == "darwin":  # bytes there
        kib //= 1024
    return kib / 1024


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain text table: first and "note" columns left-aligned, the others right-aligned."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(r: Sequence[str]) -> str:
        out = []
        for i, (c, w) in enumerate(zip(r, widths, strict=True)):
            left = i == 0 or headers[i] == "note"
            out.append(c.ljust(w) if left else c.rjust(w))
        return "  ".join(out).rstrip()

    out = [line(cells[0]), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells[1:]]
    return "\n".join(out)


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}"


def usec(count: int, seconds: float) -> str:
    return f"{seconds / count * 1e6:.2f}"


# -- the relay scenario (scale.py, replay.py) -------------------------------------------------

HOPS = 3
MESSAGES_PER_INGRESS = 1 + 2 * HOPS  # ingress execution + per hop a request and a response


class Relay(Canister):
    """The canister of the relay scenario: forwards along ``route``, one hop per call."""

    def init(self) -> None:
        self.hops = 0

    @update
    async def relay(self, route: list[Principal]) -> int:
        self.hops += 1
        if not route:
            return 0
        return 1 + await self.call(route[0], "relay", route[1:])


def relay_waves(rng: Any, ids: Sequence[Any], ingresses: int, wave: int):
    """Yield lists of ``(target, route)``: ``ingresses`` ingress messages in waves of ``wave``,
    each to a random canister with a route of ``HOPS`` random other canisters, all drawn from
    ``rng`` (a seeded ``random.Random``)."""
    n = len(ids)
    sent = 0
    while sent < ingresses:
        batch = []
        for _ in range(min(wave, ingresses - sent)):
            here = rng.randrange(n)
            start = here
            route = []
            for _ in range(HOPS):
                nxt = rng.randrange(n - 1)
                nxt += nxt >= here  # any canister but the current one
                route.append(ids[nxt])
                here = nxt
            batch.append((ids[start], route))
        sent += len(batch)
        yield batch
