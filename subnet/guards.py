"""What a snapshot take or load does when the canister is not stopped.

The IC recommends stopping a canister before taking or loading a snapshot, so that no callback
is outstanding, but does not enforce it: the replica takes and loads snapshots of running
canisters. A :class:`SnapshotGuard` lets a scenario choose, separately for take and load:

- ``"allow"`` (default, the IC): proceed; a hazard is recorded in the trace;
- ``"warn"``: proceed, record the hazard and emit a :class:`SnapshotHazardWarning`;
- ``"require_stopped"``: refuse unless the canister is stopped (what dfx does on the client);
- ``"require_quiescent"``: refuse only if call contexts or callbacks are open;
- a callable ``(operation, view) -> str | None`` returning a refusal reason, or None to allow.

A refusal is a ``Reject`` (CANISTER_REJECT, CanisterRejectedMessage 406) whose message names the
open call contexts and callbacks; the subnet is left exactly as it was.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import ErrorCode, Reject, RejectCode

Policy = str | Callable[[str, Any], "str | None"]
POLICIES = ("allow", "warn", "require_stopped", "require_quiescent")


class SnapshotHazardWarning(UserWarning):
    """Emitted by the ``warn`` policy when a snapshot is taken or loaded while not stopped."""


@dataclass(frozen=True)
class SnapshotGuard:
    """Policies for ``take`` and ``load`` on a canister that is not stopped."""

    take: Policy = "allow"
    load: Policy = "allow"

    def __post_init__(self) -> None:
        for name in ("take", "load"):
            policy = getattr(self, name)
            if not callable(policy) and policy not in POLICIES:
                raise ValueError(
                    f"SnapshotGuard({name}={policy!r}): use one of {', '.join(POLICIES)} or a "
                    f"callable returning a refusal reason"
                )

    def check(self, operation: str, view: Any) -> str | None:
        """Apply the policy for ``operation`` ("take" or "load"); return a refusal reason, or
        None to proceed (emitting a warning under ``warn``)."""
        policy = self.take if operation == "take" else self.load
        if callable(policy):
            reason = policy(operation, view)
            return None if reason is None else str(reason)
        stopped = view.status == "stopped"
        busy = view.open_call_contexts or view.outstanding_callbacks
        if policy == "require_stopped" and not stopped:
            return f"the canister is {view.status}, and the guard requires it to be stopped"
        if policy == "require_quiescent" and busy:
            return "the guard requires no open call contexts or outstanding callbacks"
        if policy == "warn" and not stopped:
            warnings.warn(
                SnapshotHazardWarning(
                    f"{operation} of a snapshot on {view.status} canister {view.id} with "
                    f"{_counts(view)}"
                ),
                stacklevel=2,
            )
        return None


def _counts(view: Any) -> str:
    contexts = view.open_call_contexts
    callbacks = view.outstanding_callbacks
    return (
        f"{contexts} open call context{'s' if contexts != 1 else ''} and "
        f"{callbacks} outstanding callback{'s' if callbacks != 1 else ''}"
    )


def refusal(operation: str, view: Any, reason: str) -> Reject:
    """The reject for a guard refusal: names the canister's open contexts and callbacks."""
    verb = "take a snapshot of" if operation == "take" else "load a snapshot into"
    return Reject(
        RejectCode.CANISTER_REJECT,
        f"Refused to {verb} canister {view.id}: {reason}. It is {view.status} with "
        f"{_counts(view)}{_describe(view)}.",
        ErrorCode.CanisterRejectedMessage,
    )


def _describe(view: Any) -> str:
    contexts = getattr(view, "call_context_summaries", None)
    if not contexts:
        return ""
    return " (" + "; ".join(contexts) + ")"
