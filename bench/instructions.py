"""Benchmark: machine instructions per executed message, ping-pong (bench/pingpong.py) against
SimPy's model of the same exchange and the bare trampoline, counted by valgrind's callgrind.

Wall time on a shared machine moves by tens of percent between runs, and a bytecode count
(bench/opcodes.py) treats a dict lookup and an allocation as one instruction each. The number
of machine instructions the interpreter executes counts everything (the eval loop, the C code
it calls, allocation, the garbage collector) and is the same on every run of the same code
whatever else the machine is doing. It is what the wall-time ratio of bench/pingpong.py tries
to measure, without the noise (it leaves out what instructions do not show: cache misses,
branch mispredictions).

Each model runs twice in a child process under callgrind, with ``--small`` and ``--messages``
round trips; the difference of the two totals, divided by the difference in executed messages,
is the cost of one message: start-up, imports and deployment cancel out.

Needs ``valgrind`` (a Debian package); without it the script says so and exits 0. A run takes
about three minutes (callgrind runs code ~50x slower; each child imports
the package under it).

Run: ``python bench/instructions.py [--quick] [--messages N] [--small N]``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pingpong
from _common import machine, parser

MODELS = {
    "subnet": lambda n: pingpong.subnet_sync(n)[1],
    "simpy": lambda n: pingpong.simpy_model(n)[1],
    "trampoline": lambda n: pingpong.trampoline(n)[1],
}
COLLECTED = re.compile(r"Collected : (\d+)")


def child(model: str, n: int) -> None:
    """Run one model (in the process callgrind watches); print the messages it executed."""
    print(MODELS[model](n))


def count(model: str, n: int) -> tuple[int, int]:
    """Machine instructions of a whole child process running ``model`` with ``n`` round trips,
    and the messages it executed."""
    cmd = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--child",
        model,
        "--messages",
        str(n),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True)
    found = COLLECTED.search(out.stderr)
    if out.returncode != 0 or found is None:
        sys.exit(f"instructions.py: callgrind of {model} failed:\n{out.stderr[-2000:]}")
    return int(found.group(1)), int(out.stdout.split()[-1])


def per_message(model: str, small: int, large: int) -> float:
    (i1, m1), (i2, m2) = count(model, small), count(model, large)
    return (i2 - i1) / (m2 - m1)


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=5_000, help="round trips of the larger run")
    p.add_argument("--small", type=int, default=1_000, help="round trips of the smaller run")
    p.add_argument("--child", choices=sorted(MODELS), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args.child, args.messages)
        return
    if shutil.which("valgrind") is None:
        print("instructions: valgrind is not installed; nothing measured (apt install valgrind)")
        return
    small, large = (100, 500) if args.quick else (args.small, args.messages)
    print(
        f"instructions: ping-pong, {small:,} and {large:,} round trips, machine instructions "
        f"(callgrind) per executed message, from the difference of the two runs"
    )
    print(f"machine: {machine()}")
    counts = {model: per_message(model, small, large) for model in MODELS}
    for model, value in counts.items():
        print(f"{model:<11} {value:10,.0f} instructions per message")
    print(
        f"ratio: simpy/subnet = {counts['simpy'] / counts['subnet']:.2f}x (target >= 1.0), "
        f"subnet/trampoline = {counts['subnet'] / counts['trampoline']:.2f}x (target <= 3.0)"
    )


if __name__ == "__main__":
    main()
