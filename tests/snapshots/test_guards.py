"""Snapshot guards: refuse, warn, or ask a policy before taking or loading a snapshot of a canister
with calls in flight."""

import warnings

import pytest

from subnet import (
    ErrorCode,
    Reject,
    RejectCode,
    SnapshotGuard,
    SnapshotHazardWarning,
    Subnet,
)
from tests.support import fingerprint
from tests.support.snapshots import (
    deploy_chat,
    in_flight,
    kinds,
)

pytestmark = pytest.mark.anyio


async def test_guard_require_stopped_refuses_with_the_open_contexts_named():
    async with Subnet(snapshot_guard=SnapshotGuard(take="require_stopped")) as net:
        vault = await in_flight(net)
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await net.management.take_canister_snapshot(canister_id=vault.id)
        assert rej.value.reject_code == RejectCode.CANISTER_REJECT
        assert rej.value.error_code == ErrorCode.CanisterRejectedMessage
        assert "1 open call context and 1 outstanding callback" in rej.value.reject_message
        assert "withdraw" in rej.value.reject_message
        assert fingerprint(net) == before and net.hazards == []


async def test_guard_require_quiescent_and_per_canister_override():
    guard = SnapshotGuard(take="require_quiescent", load="require_quiescent")
    async with Subnet(snapshot_guard=guard) as net:
        ic = net.management
        chat = await deploy_chat(net, "idle")
        snap = await ic.take_canister_snapshot(canister_id=chat.id)  # running but quiescent
        await ic.load_canister_snapshot(canister_id=chat.id, snapshot_id=snap.id)
        vault = await in_flight(net)
        with pytest.raises(Reject):
            await ic.take_canister_snapshot(canister_id=vault.id)
        net.set_snapshot_guard(vault, SnapshotGuard())  # this one is allowed
        await ic.take_canister_snapshot(canister_id=vault.id)
        assert kinds(net).count("snapshot_taken_while_running") == 2


async def test_guard_warn_and_callable():
    async with Subnet(snapshot_guard=SnapshotGuard(take="warn")) as net:
        vault = await in_flight(net)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            await net.management.take_canister_snapshot(canister_id=vault.id)
        assert any(issubclass(w.category, SnapshotHazardWarning) for w in caught)
        assert kinds(net) == ["snapshot_taken_while_running"]

    def only_before_noon(operation, view):
        return None if view.outstanding_callbacks == 0 else f"{operation} refused by policy"

    async with Subnet(snapshot_guard=SnapshotGuard(load=only_before_noon)) as net:
        vault = await in_flight(net)
        snap = await net.management.take_canister_snapshot(canister_id=vault.id)
        with pytest.raises(Reject) as rej:
            await net.management.load_canister_snapshot(canister_id=vault.id, snapshot_id=snap.id)
        assert "load refused by policy" in rej.value.reject_message
    with pytest.raises(ValueError):
        SnapshotGuard(take="sometimes")
