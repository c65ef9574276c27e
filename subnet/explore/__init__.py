"""Exploring schedules and snapshot timing: many runs, invariants, shrinking, replayable traces.

Every choice a run makes (which ready message runs next, and whether, where and what to inject
before a step) is taken through one :class:`~subnet.choices.Chooser` into one list. A fresh run
draws them from a seeded generator and records them; a replay reads them back. That one idea,
borrowed from Hypothesis, gives everything else: a failing run is its choice list; shrinking
is editing the list (shorter, smaller numbers) and re-running; a trace file that holds the
list replays the failure, on asyncio and on trio alike. A choice past the end of the list is
0, which means "the oldest ready message" and "inject nothing": the simplest behaviour.

Strategies: ``random`` (uniform among ready messages), ``pct`` (probabilistic concurrency
testing: random priorities per canister, lowered at ``depth - 1`` random steps, which finds
bugs that need a few specific orderings with far fewer runs), and ``dfs`` (bounded exhaustive:
every choice sequence, depth first, for small scenarios).

Faults: :class:`SnapshotFaults` takes or loads snapshots of chosen canisters before chosen
steps, through the management canister like any controller would, so a campaign finds the
moments where a snapshot breaks an invariant.

Campaigns run in this process by default, or on any ``concurrent.futures.Executor``
(``workers=N`` for a local process pool, a Dask cluster's ``client.get_executor()``, see
:mod:`subnet.explore.cluster`); runs are independent, so this scales with cores and machines,
and the outcome is the same. A scenario given by name (a file path or module) is shipped to
the workers by content (:mod:`subnet.explore.bundle`): they need subnet-sim, not the file.
"""

from ..choices import Chooser
from .campaign import Exploration, explore, run_seed
from .faults import KINDS as FAULT_KINDS
from .faults import SnapshotFaults
from .hypothesis import HypothesisChooser, check_schedule
from .pct import PCTStrategy
from .replay import Replayed, replay_failure, replay_trace
from .runner import Failure, RunResult, Scenario, Settings, run_once
from .shrink import shrink

__all__ = [
    "FAULT_KINDS",
    "Chooser",
    "Exploration",
    "Failure",
    "HypothesisChooser",
    "PCTStrategy",
    "Replayed",
    "RunResult",
    "Scenario",
    "Settings",
    "SnapshotFaults",
    "check_schedule",
    "explore",
    "replay_failure",
    "replay_trace",
    "run_once",
    "run_seed",
    "shrink",
]
