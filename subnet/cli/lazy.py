"""``subnet.explore``, imported when a command first uses it instead of by every command.

``subnet.explore`` brings multiprocessing and concurrent.futures with it, and only ``subnet
explore`` and ``subnet replay`` need it; ``subnet.explore.cluster`` brings Dask (about 0.8 s),
which only ``subnet explore --scheduler`` needs. Measured with bytecode cached: ``python -X
importtime -c 'import subnet.cli, subnet.explore'`` (best of 20) gives about 87 ms for
``subnet.cli`` and 13 ms more for ``subnet.explore``; ``subnet --help`` takes 132 ms without it and
152 ms with it (best of 60, interleaved). ``subnet.picture`` costs under 2 ms and is imported
normally.

Use ``lazy.explore(...)``, never ``from .lazy import explore``, which would import at once. To mypy
these names are the real ones, with their real types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..explore import FAULT_KINDS, Scenario, SnapshotFaults, explore, replay_trace
    from ..explore.cluster import CAMPAIGN_ERRORS, ClusterError, connect

_FROM_EXPLORE = frozenset({"FAULT_KINDS", "Scenario", "SnapshotFaults", "explore", "replay_trace"})
_FROM_CLUSTER = frozenset({"CAMPAIGN_ERRORS", "ClusterError", "connect"})


def __getattr__(name: str) -> Any:
    """The named attribute of ``subnet.explore`` (or of ``subnet.explore.cluster``), importing
    it on first use (PEP 562)."""
    if name in _FROM_EXPLORE:
        from .. import explore  # the command line's lazy imports, all here

        return getattr(explore, name)
    if name in _FROM_CLUSTER:
        from ..explore import cluster

        return getattr(cluster, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CAMPAIGN_ERRORS",
    "FAULT_KINDS",
    "ClusterError",
    "Scenario",
    "SnapshotFaults",
    "connect",
    "explore",
    "replay_trace",
]
