"""Snapshots across the canister's lifecycle: kept by upgrade, reinstall and uninstall, deleted
with the canister, never changed by the canister.

IC sources are abbreviated as in tests/snapshots/__init__.py.
"""

import pytest

from subnet import ErrorCode, Subnet
from tests.canisters import Chat, ChatV2, GrowCounter, Other
from tests.support.snapshots import (
    deploy_chat,
    deploy_counter,
    download,
    rejected,
    take,
)

pytestmark = pytest.mark.anyio


async def test_lifecycle_keeps_snapshots_and_delete_removes_them():
    async with Subnet() as net:
        ic = net.management
        chat = await deploy_chat(net, "x")
        snap = await ic.take_canister_snapshot(canister_id=chat.id)
        await ic.install_code(mode="upgrade", canister_id=chat.id, wasm_module=ChatV2)
        await ic.install_code(mode="reinstall", canister_id=chat.id, wasm_module=Chat)
        await ic.uninstall_code(canister_id=chat.id)
        assert await ic.list_canister_snapshots(canister_id=chat.id) == [snap]
        # load works on an uninstalled canister, and brings the code back
        await ic.load_canister_snapshot(canister_id=chat.id, snapshot_id=snap.id)
        assert await chat.query("dump") == ["x"]
        await ic.stop_canister(canister_id=chat.id)
        await ic.delete_canister(canister_id=chat.id)
        assert net.engine.get(chat.id) is None


# SPEC (uninstall_code, reinstall and upgrade keep the snapshots)
async def test_upgrade_reinstall_uninstall_keep_snapshots():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net, incs=1)
        s = await take(net, c.id)
        await ic.install_code(mode="upgrade", canister_id=c.id, wasm_module=GrowCounter)
        assert await ic.list_canister_snapshots(canister_id=c.id) == [s]
        await ic.install_code(mode="reinstall", canister_id=c.id, wasm_module=Other)
        assert await ic.list_canister_snapshots(canister_id=c.id) == [s]
        await ic.uninstall_code(canister_id=c.id)
        assert await ic.list_canister_snapshots(canister_id=c.id) == [s]
        await ic.stop_canister(canister_id=c.id)
        await ic.start_canister(canister_id=c.id)
        await ic.update_settings(canister_id=c.id, settings={"controllers": [net.default_identity]})
        assert await ic.list_canister_snapshots(canister_id=c.id) == [s]


# EE snapshot_is_deleted_with_canister_delete
async def test_snapshot_is_deleted_with_canister_delete():
    async with Subnet() as net:
        ic = net.management
        c1 = await deploy_counter(net)
        c2 = await deploy_counter(net)
        s = await take(net, c1.id)
        await ic.stop_canister(canister_id=c1.id)
        await ic.delete_canister(canister_id=c1.id)
        assert net.engine.get(c1.id) is None
        rej = await rejected(
            net, "load_canister_snapshot", {"canister_id": c2.id, "snapshot_id": bytes(s.id)}
        )
        assert rej.error_code == ErrorCode.CanisterSnapshotNotFound


# SPEC (a taken snapshot is immutable: later changes to the canister do not reach it)
async def test_taken_snapshot_is_not_changed_by_the_canister():
    async with Subnet() as net:
        ic = net.management
        c = await deploy_counter(net, incs=2)
        s = await take(net, c.id)
        before = await download(ic, c.id, s.id)
        for _ in range(3):
            await c.call("inc")
        await c.call("certify", b"later")
        await ic.install_code(mode="upgrade", canister_id=c.id, wasm_module=GrowCounter)
        after = await download(ic, c.id, s.id)
        assert after == before
        assert before[0].certified_data == b""
