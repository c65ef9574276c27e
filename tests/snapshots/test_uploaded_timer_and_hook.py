"""The global timer and the low-memory hook's status of an uploaded snapshot: left out, they
read back as null and a load leaves the canister's own alone; given, a load sets them (an
``inactive`` timer switches the timer off), and the hook status must agree with the hook's
condition in the loaded state.

IC sources are abbreviated as in tests/snapshots/__init__.py, and RS =
rs/replicated_state/src/canister_snapshots.rs.
"""

import pytest

from subnet import ErrorCode, Subnet
from tests.support import fingerprint
from tests.support.snapshots import deploy_counter, download, rejected, take, upload_data

pytestmark = pytest.mark.anyio


async def upload_copy(net, c, s, **metadata):
    """Upload the module and memories of snapshot ``s`` of ``c`` with ``metadata`` only."""
    ic = net.management
    _, module, heap, stable = await download(ic, c.id, s.id)
    up = await ic.upload_canister_snapshot_metadata(
        canister_id=c.id,
        wasm_module_size=len(module),
        wasm_memory_size=len(heap),
        stable_memory_size=len(stable),
        **metadata,
    )
    await upload_data(ic, c.id, up.snapshot_id, "wasm_module", module)
    await upload_data(ic, c.id, up.snapshot_id, "main_memory", heap)
    await upload_data(ic, c.id, up.snapshot_id, "stable_memory", stable)
    return up.snapshot_id


async def hook_condition_holds(net, c):
    """Make the hook's condition hold: less memory left under the limit than the threshold."""
    await net.management.update_settings(
        canister_id=c.id, settings={"wasm_memory_threshold": 2**40}
    )


# RS CanisterSnapshot::from_metadata keeps global_timer and on_low_wasm_memory_hook_status as
# the Options they are; CM read_snapshot_metadata maps them (opt: null when absent)
async def test_left_out_they_read_back_as_null():
    async with Subnet() as net:
        c = await deploy_counter(net, incs=1)
        s = await take(net, c.id)
        sid = await upload_copy(net, c, s)
        meta = await net.management.read_canister_snapshot_metadata(
            canister_id=c.id, snapshot_id=sid
        )
        assert meta.global_timer is None
        assert meta.on_low_wasm_memory_hook_status is None


# CM load_canister_snapshot: "if let Some(global_timer)" / "if let Some(..hook_status)": left
# out, the canister's timer and hook status stay as they are
async def test_left_out_a_load_leaves_the_canisters_own():
    async with Subnet() as net:
        c = await deploy_counter(net, incs=1)
        s = await take(net, c.id)
        sid = await upload_copy(net, c, s)
        cs = net.engine.get(c.id)
        deadline = net.time + 10**15
        cs.global_timer = deadline  # as ic0.global_timer_set would
        cs.hook_status = "executed"
        await net.management.load_canister_snapshot(canister_id=c.id, snapshot_id=sid)
        assert cs.global_timer == deadline
        assert cs.hook_status == "executed"


# CM load_canister_snapshot: an uploaded Some(CanisterTimer::Inactive) is set: the timer is off
async def test_an_inactive_timer_switches_the_timer_off():
    async with Subnet() as net:
        c = await deploy_counter(net, incs=1)
        s = await take(net, c.id)
        sid = await upload_copy(net, c, s, global_timer={"inactive": None})
        cs = net.engine.get(c.id)
        cs.global_timer = net.time + 10**15
        await net.management.load_canister_snapshot(canister_id=c.id, snapshot_id=sid)
        assert cs.global_timer == 0


# RS ValidatedSnapshotMetadata::validate does not look at the timer: {"active": 0} is kept,
# and a load sets a timer active at time 0, that is due at once
async def test_a_timer_active_at_zero_is_due_once_loaded():
    async with Subnet() as net:
        c = await deploy_counter(net, incs=1)
        s = await take(net, c.id)
        sid = await upload_copy(net, c, s, global_timer={"active": 0})
        meta = await net.management.read_canister_snapshot_metadata(
            canister_id=c.id, snapshot_id=sid
        )
        assert meta.global_timer == {"active": 0}
        seen = len(net.trace)
        await net.management.load_canister_snapshot(canister_id=c.id, snapshot_id=sid)
        assert net.engine.get(c.id).global_timer != 0 and net.engine.busy()  # due: it waits
        assert not [e for e in net.trace[seen:] if e.kind == "timer_due"]
        await net.run_until_idle()  # for the next round, which an idle subnet moves to
        due = [e for e in net.trace[seen:] if e.kind == "timer_due" and e.canister == c.id]
        assert len(due) == 1  # came due (and is disarmed as it is scheduled)
        assert net.engine.get(c.id).global_timer == 0


# CM load_canister_snapshot: the uploaded hook status is set, and must be consistent with the
# loaded canister's hook condition (is_consistent_with); the refusal prints the Option with
# {:?}: "Hook status (Some(Ready)) ..."; nothing changes
@pytest.mark.parametrize(
    ("status", "holds", "shown"),
    [
        ("ready", False, "Some(Ready)"),
        ("executed", False, "Some(Executed)"),
        ("condition_not_satisfied", True, "Some(ConditionNotSatisfied)"),
    ],
)
async def test_an_inconsistent_hook_status_is_refused(status, holds, shown):
    async with Subnet() as net:
        c = await deploy_counter(net, incs=1)
        if holds:
            await hook_condition_holds(net, c)
        s = await take(net, c.id)
        sid = await upload_copy(net, c, s, on_low_wasm_memory_hook_status=status)
        cs = net.engine.get(c.id)
        before = fingerprint(net), cs.hook_status
        rej = await rejected(
            net, "load_canister_snapshot", {"canister_id": c.id, "snapshot_id": bytes(sid)}
        )
        assert rej.error_code == ErrorCode.InvalidManagementPayload
        assert rej.reject_message == (
            f"Hook status ({shown}) of uploaded snapshot is inconsistent with the canister's "
            f"state (hook condition satisfied: {str(holds).lower()})."
        )
        assert (fingerprint(net), cs.hook_status) == before


@pytest.mark.parametrize(
    ("status", "holds"),
    [("ready", True), ("executed", True), ("condition_not_satisfied", False)],
)
async def test_a_consistent_hook_status_is_restored(status, holds):
    async with Subnet() as net:
        c = await deploy_counter(net, incs=1)
        if holds:
            await hook_condition_holds(net, c)
        s = await take(net, c.id)
        sid = await upload_copy(net, c, s, on_low_wasm_memory_hook_status=status)
        cs = net.engine.get(c.id)
        cs.hook_status = "ready" if status != "ready" else "executed"
        await net.management.load_canister_snapshot(canister_id=c.id, snapshot_id=sid)
        assert cs.hook_status == status


# ST take_load_snapshot_global_timer_on_low_wasm_memory: a taken snapshot sets neither
async def test_a_taken_snapshot_sets_neither():
    async with Subnet() as net:
        c = await deploy_counter(net, incs=1)
        await hook_condition_holds(net, c)
        cs = net.engine.get(c.id)
        cs.hook_status = "ready"
        s = await take(net, c.id)
        cs.hook_status = "executed"
        cs.global_timer = 0
        await net.management.load_canister_snapshot(canister_id=c.id, snapshot_id=s.id)
        assert cs.hook_status == "executed"
        assert cs.global_timer == 0
