"""Campaigns on a Dask cluster: ``subnet explore SCENARIO --scheduler ADDRESS``.

A campaign's runs are independent, so a cluster runs them like a local process pool:
:func:`connect` gives a ``distributed.Client``, and ``explore(..., executor=
client.get_executor())`` hands the runs out in batches (:mod:`subnet.explore.campaign`), with
the scenario shipped by content (:mod:`subnet.explore.bundle`). Dask retries the tasks of a
worker that dies on another one; each task is a pure function of its runs' seeds, so the
campaign's outcome is the same.

Dask is an optional dependency (``pip install 'subnet-sim[dask]'``): this module imports it at
the top, guarded, and only the code that asks for a cluster imports this module (the command
line through :mod:`subnet.cli.lazy`), so ``import subnet.explore`` stays as light as it was.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import CancelledError
from typing import Any

from ..scenario import ScenarioError
from .bundle import WorkerMismatch

try:
    import distributed
except ImportError:  # the optional `dask` extra is not installed
    distributed = None  # type: ignore[assignment]

INSTALL = "pip install 'subnet-sim[dask]'"
CONNECT_TIMEOUT_S = 10.0
"""Seconds to reach the scheduler, and then to see a worker, before giving up."""


class ClusterError(Exception):
    """A cluster that cannot run the campaign; the message says why, in one line."""


def connect(address: str) -> Any:
    """A ``distributed.Client`` of the scheduler at ``address`` (``tcp://host:8786`` or
    ``host:8786``) with at least one worker; :class:`ClusterError` when Dask is not installed,
    the scheduler does not answer within :data:`CONNECT_TIMEOUT_S` seconds, or no worker
    joins it in that time."""
    if distributed is None:
        raise ClusterError(f"--scheduler needs Dask's distributed scheduler: {INSTALL}")
    seconds = CONNECT_TIMEOUT_S
    try:
        client = distributed.Client(address, timeout=seconds, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(
            f"Cannot reach a Dask scheduler at {address} within {seconds:g} s ({_first_line(exc)})"
        ) from None
    try:
        client.wait_for_workers(1, timeout=seconds)
    except (OSError, TimeoutError) as exc:
        client.close()  # type: ignore[no-untyped-call]
        raise ClusterError(
            f"The Dask scheduler at {address} has no worker after {seconds:g} s "
            f"({_first_line(exc)}): start some with `dask worker {address}`"
        ) from None
    return client


CAMPAIGN_ERRORS: tuple[type[BaseException], ...] = (
    WorkerMismatch,
    ScenarioError,  # a worker that cannot load the scenario (a library it lacks)
    OSError,  # the scheduler went away (distributed's CommClosedError is one)
    TimeoutError,
    asyncio.TimeoutError,
    CancelledError,
)
"""What a campaign on a cluster may fail with that is the cluster's doing, not the scenario's
(a task whose workers kept dying is one more, Dask's ``KilledWorker``)."""
if distributed is not None:
    CAMPAIGN_ERRORS = (*CAMPAIGN_ERRORS, distributed.KilledWorker)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


__all__ = ["CAMPAIGN_ERRORS", "CONNECT_TIMEOUT_S", "INSTALL", "ClusterError", "connect"]
