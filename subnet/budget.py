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

Signals reach only the main thread. Executions on another thread (a Dask worker runs its
tasks on threads) are watched by a monitor thread instead (:class:`ThreadWatchdog`): it samples
their stacks at the same ticks and, when one overran while in canister code, raises
:class:`ExecutionLimit` in that thread asynchronously (``PyThreadState_SetAsyncExc``), which
lands at the thread's next bytecode instruction.

Limits of the approach: a platform without ``setitimer`` has no budget on the main thread; a
single long call into C code
(``sum(range(10**12))``) cannot be interrupted until it returns; code that catches
``BaseException`` and loops on can swallow the trap again and again.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import signal
import sys
import threading
import time
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
        # [the execution seen at the last tick, its seconds so far, idle ticks] (see _overran)
        self.state: list[Any] = [None, 0.0, 0]
        self.tick = _TICK_S

    def arm(self, limit: float | None = DEFAULT_LIMIT_S) -> None:
        """Start ticking (the engine calls this before an execution when not armed), four
        times per ``limit`` at most, and at least every quarter of a second."""
        if threading.current_thread() is not threading.main_thread():
            THREADS.watch(limit)  # signals reach only the main thread: a monitor thread
            return
        if self.armed or not _HAS_TIMER:
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
        self.state = [None, 0.0, 0]
        self.tick = max(_MIN_TICK_S, min(_TICK_S, (limit or _TICK_S) / 4))
        signal.setitimer(signal.ITIMER_REAL, self.tick, self.tick)

    def after_fork(self) -> None:
        """In a forked child (a process pool's worker): an interval timer is not inherited,
        so the watchdog is not armed there, whatever the parent's was."""
        self.armed = False
        self.state[0] = None

    def disarm(self) -> None:
        if not self.armed:
            return
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, self.previous or signal.SIG_DFL)
        self.armed = False
        self.state[0] = None

    def _tick(self, signum: int, frame: FrameType | None) -> None:
        state = self.state
        outcome = _overran(frame, state, self.tick)
        if outcome == IDLE:
            if state[2] >= _IDLE_TICKS:
                self.disarm()
        elif outcome == IN_ENGINE:  # over, but not in canister code: look again very soon
            signal.setitimer(signal.ITIMER_REAL, _RETRY_S, self.tick)
            state[1] -= self.tick - _RETRY_S  # ... so the retry does not count a whole tick
        elif outcome > 0:
            raise ExecutionLimit(outcome)


IDLE, RUNNING, IN_ENGINE = -1, -2, -3  # what a tick saw, when no execution overran


def _overran(frame: FrameType | None, state: list[Any], tick: float) -> int:
    """One tick of ``tick`` seconds for an execution stack whose innermost frame is ``frame``
    (both watchdogs': the signal's and the thread monitor's): ``state`` is the [execution
    frame seen, seconds elapsed, idle ticks] of its thread, updated here. Returns the
    instruction limit to trap with when the execution overran and runs canister code; else
    :data:`IDLE` (no execution), :data:`RUNNING` (within its budget) or :data:`IN_ENGINE`
    (over it, in the engine's own code: a trap must wait for canister code)."""
    execution = frame
    while execution is not None and execution.f_code not in _executions:
        execution = execution.f_back
    if execution is None:
        state[0], state[1] = None, 0.0
        state[2] += 1
        return IDLE
    state[2] = 0
    if execution is not state[0]:  # a new execution since the last tick
        state[0], state[1] = execution, 0.0
        return RUNNING
    state[1] += tick
    limit, instructions = _executions[execution.f_code](execution)
    if limit is None or state[1] < limit:
        return RUNNING
    if frame is None or frame.f_globals.get("__name__", "").startswith("subnet."):
        return IN_ENGINE
    return instructions


_ASYNC_LIMITS: dict[int, type[ExecutionLimit]] = {}


def _async_limit(instructions: int) -> type[ExecutionLimit]:
    """An :class:`ExecutionLimit` that an asynchronous raise can instantiate with no
    arguments (``PyThreadState_SetAsyncExc`` raises a class)."""
    cls = _ASYNC_LIMITS.get(instructions)
    if cls is None:

        def __init__(self: ExecutionLimit) -> None:
            ExecutionLimit.__init__(self, instructions)

        cls = type("ExecutionLimit", (ExecutionLimit,), {"__init__": __init__})
        _ASYNC_LIMITS[instructions] = cls
    return cls


class ThreadWatchdog:
    """The budget of executions on threads other than the main one: a daemon monitor thread
    samples each watched thread's stack every :data:`_TICK_S` seconds (``sys._current_frames``)
    with the same rules as the signal watchdog, and raises :class:`ExecutionLimit` into a
    thread whose execution overran while it runs canister code. It stops once no watched
    thread has run an execution for :data:`_IDLE_TICKS` ticks."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.threads: dict[int, list[Any]] = {}
        self.monitor: threading.Thread | None = None

    def watch(self, limit: float | None) -> None:
        if limit is None:
            return
        ident = threading.get_ident()
        if ident in self.threads and self.monitor is not None:
            return
        with self.lock:
            self.threads.setdefault(ident, [None, 0.0, 0])
            if self.monitor is None or not self.monitor.is_alive():
                self.monitor = threading.Thread(
                    target=self._run, name="subnet-execution-budget", daemon=True
                )
                self.monitor.start()

    def _run(self) -> None:
        while True:
            time.sleep(_TICK_S)
            frames = sys._current_frames()
            with self.lock:
                for ident, state in list(self.threads.items()):
                    frame = frames.get(ident)
                    instructions = _overran(frame, state, _TICK_S) if frame is not None else 0
                    if frame is None or state[2] >= _IDLE_TICKS:
                        del self.threads[ident]  # ended, or idle: watched again when it runs
                    elif instructions > 0:
                        state[0], state[1] = None, 0.0
                        ctypes.pythonapi.PyThreadState_SetAsyncExc(
                            ctypes.c_ulong(ident), ctypes.py_object(_async_limit(instructions))
                        )
                if not self.threads:
                    self.monitor = None
                    return


THREADS = ThreadWatchdog()
"""The process's monitor of executions on other threads."""

WATCHDOG = Watchdog()
"""The process's one watchdog: ``WATCHDOG.armed`` is read before every execution, and
``WATCHDOG.arm()`` called when it is not. A closed subnet disarms it, and so does the end
of the program (an interval timer left running would kill the process as it exits, once
Python has put back ``SIGALRM``'s default action)."""
atexit.register(WATCHDOG.disarm)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=WATCHDOG.after_fork)
