"""Benchmark: Python bytecode instructions per executed message, ping-pong (bench/pingpong.py)
against SimPy's model of the same exchange.

Wall time on a shared machine moves by tens of percent between runs; the number of bytecode
instructions the interpreter executes per message does not move at all, so it is the measure
to compare two versions of the step by (it counts a call into C code as one instruction, so it
complements the timings, it does not replace them). Counted with ``sys.settrace`` and
``frame.f_trace_opcodes`` over ``engine.run_until_idle()`` (subnet) and ``env.run()`` (SimPy),
per executed message.

Target (docs/performance.md): the subnet's count at most SimPy's, the condition for the
1.0x-SimPy time target.

Run: ``python bench/opcodes.py [--messages N]``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import FrameType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import anyio
import pingpong
from _common import machine, parser

from subnet import Subnet


def counting(count: list[int]) -> Any:
    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        frame.f_trace_opcodes = True
        if event == "opcode":
            count[0] += 1
        return tracer

    return tracer


def subnet_opcodes(n: int) -> float:
    pingpong.subnet_sync(1)  # warm: the first call of each method compiles its checks
    count = [0]

    async def main() -> int:
        async with Subnet(seed=1) as net:
            b = await net.deploy(pingpong.Pong)
            a = await net.deploy(pingpong.Ping)
            call = a.submit("ping", b.id, n)
            steps0 = net.engine.steps
            sys.settrace(counting(count))
            try:
                net.engine.run_until_idle()
            finally:
                sys.settrace(None)
            assert call.result() == pingpong.expected_total(n)
            return net.engine.steps - steps0

    messages = anyio.run(main)
    return count[0] / messages


def simpy_opcodes(n: int) -> float:
    pingpong.simpy_model(1)  # warm: SimPy is imported, and its code run once, untraced
    count = [0]
    sys.settrace(counting(count))
    try:
        _, handled = pingpong.simpy_model(n)
    finally:
        sys.settrace(None)
    return count[0] / handled


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=2_000, help="round trips")
    args = p.parse_args()
    n = 200 if args.quick else args.messages
    print(f"opcodes: ping-pong, {n:,} round trips = {2 * n + 1:,} executed messages")
    print(f"machine: {machine()}")
    ours, theirs = subnet_opcodes(n), simpy_opcodes(n)
    print(f"subnet  {ours:8.1f} bytecode instructions per message")
    print(f"simpy   {theirs:8.1f} bytecode instructions per message")
    print(f"ratio: subnet/simpy = {ours / theirs:.2f}x (target <= 1.0)")


if __name__ == "__main__":
    main()
