"""The execution budget: the simulator's stand-in for the IC's instruction limit.

On the IC a message execution that runs too long traps with ``IC0522`` ("Canister exceeded
the limit of 40000000000 instructions for single message execution."). CPython 3.11 has no
cheap way to count the instructions of one piece of code, so the budget here is wall time,
and this module keeps that from ever making a run depend on the clock:

- a watchdog (``SIGALRM``, four times per budget and at least four times a second) looks at
  which execution is running; it is armed by the first execution and disarms itself once the
  engine has been idle for a while, so it costs nothing between runs;
- only an execution still running after ``limit`` seconds is touched: the watchdog raises
  :class:`ExecutionLimit` *inside the canister's own code* (never in the engine's, which
  would leave it half-way: it waits for the next tick instead). The engine turns it into the
  IC0522 trap, which rolls back the execution like any trap;
- an execution that ends before its limit never sees the watchdog: it records nothing, draws
  nothing and changes nothing, so a run whose executions all finish in time is the same run
  with or without it. An endless loop traps with the same message on every run.

A finite execution that takes about ``limit`` seconds may trap on a slow machine and not on
a fast one: keep real work well under the limit (the default is generous for Python), or
raise it (``Subnet(execution_limit=...)``; ``None`` switches the watchdog off).

Limits of the approach: signals reach only the main thread, so executions run from another
thread (or on a platform without ``setitimer``) have no budget; a single long call into C code
(``sum(range(10**12))``) cannot be interrupted until it returns; code that catches
``BaseException`` and loops on can swallow the trap again and again.
"""

from __future__ import annotations

import atexit
import os
import signal
import threading
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any

DEFAULT_LIMIT_S = 2.0
"""Wall-clock seconds one message execution may run (``Subnet(execution_limit=...)``)."""

UPDATE_INSTRUCTIONS = 40_000_000_000
"""The IC's instruction limit of an update (and a callback, a timer) execution."""
QUERY_INSTRUCTIONS = 5_000_000_000
"""The IC's instruction limit of a query execution."""
INSTALL_INSTRUCTIONS = 300_000_000_000
"""The IC's instruction limit of ``install_code`` (``init``, ``pre_upgrade``,
``post_upgrade``)."""

_TICK_S = 0.25  # the longest tick; a budget under a second ticks four times within it
_MIN_TICK_S = 0.005
_RETRY_S = 0.005  # the tick landed in engine code: look again soon
_IDLE_TICKS = 8  # disarm after this many ticks without an execution

_HAS_TIMER = hasattr(signal, "setitimer") and hasattr(signal, "SIGALRM")


class ExecutionLimit(BaseException):
    """Raised into canister code that ran past its budget. A ``BaseException``, so that the
    canister's own ``except Exception`` cannot take it for one of its errors."""

    def __init__(self, instructions: int) -> None:
        super().__init__(instructions)
        self.instructions = instructions


_executions: dict[CodeType, Callable[[FrameType], tuple[float | None, int]]] = {}
"""The engine functions that run canister code, each with how to read (limit in seconds,
IC instruction limit) from its frame."""


def register(code: CodeType, limits: Callable[[FrameType], tuple[float | None, int]]) -> None:
    """Declare a function that runs canister code: while a frame of it is on the stack, an
    execution is running, and ``limits(frame)`` says its budget."""
    _executions[code] = limits


class Watchdog:
    """Ticks while executions run; raises :class:`ExecutionLimit` into one that overran."""

    def __init__(self) -> None:
        self.armed = False
        self.previous: Any = None
        self.running: FrameType | None = None  # the execution seen at the last tick
        self.elapsed = 0.0
        self.idle = 0
        self.tick = _TICK_S

    def arm(self, limit: float | None = DEFAULT_LIMIT_S) -> None:
        """Start ticking (the engine calls this before an execution when not armed), four
        times per ``limit`` at most, and at least every quarter of a second."""
        if self.armed or not _HAS_TIMER:
            return
        if threading.current_thread() is not threading.main_thread():
            return
        try:
            previous = signal.signal(signal.SIGALRM, self._tick)
        except (ValueError, OSError):
            return
        if getattr(previous, "__self__", None) is not self:  # not ours, left by a fork
            self.previous = previous
        if self.previous not in (signal.SIG_DFL, signal.SIG_IGN, None):
            signal.signal(signal.SIGALRM, self.previous)  # someone else's alarm: leave it
            return
        self.armed = True
        self.running = None
        self.elapsed = 0.0
        self.idle = 0
        self.tick = max(_MIN_TICK_S, min(_TICK_S, (limit or _TICK_S) / 4))
        signal.setitimer(signal.ITIMER_REAL, self.tick, self.tick)

    def after_fork(self) -> None:
        """In a forked child (a process pool's worker): an interval timer is not inherited,
        so the watchdog is not armed there, whatever the parent's was."""
        self.armed = False
        self.running = None

    def disarm(self) -> None:
        if not self.armed:
            return
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, self.previous or signal.SIG_DFL)
        self.armed = False
        self.running = None

    def _tick(self, signum: int, frame: FrameType | None) -> None:
        execution = None
        here = frame
        while here is not None:
            if here.f_code in _executions:
                execution = here
                break
            here = here.f_back
        if execution is None:
            self.running = None
            self.elapsed = 0.0
            self.idle += 1
            if self.idle >= _IDLE_TICKS:
                self.disarm()
            return
        self.idle = 0
        if execution is not self.running:  # a new execution since the last tick
            self.running = execution
            self.elapsed = 0.0
            return
        self.elapsed += self.tick
        limit, instructions = _executions[execution.f_code](execution)
        if limit is None or self.elapsed < limit:
            return
        if frame is None or frame.f_globals.get("__name__", "").startswith("subnet."):
            signal.setitimer(signal.ITIMER_REAL, _RETRY_S, self.tick)  # not in canister code
            self.elapsed -= self.tick - _RETRY_S  # ... so the retry does not count a whole tick
            return
        raise ExecutionLimit(instructions)


WATCHDOG = Watchdog()
"""The process's one watchdog: ``WATCHDOG.armed`` is read before every execution, and
``WATCHDOG.arm()`` called when it is not. A closed subnet disarms it, and so does the end
of the program (an interval timer left running would kill the process as it exits, once
Python has put back ``SIGALRM``'s default action)."""
atexit.register(WATCHDOG.disarm)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=WATCHDOG.after_fork)
