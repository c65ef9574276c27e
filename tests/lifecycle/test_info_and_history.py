"""canister_info and the canister history: what each change records, who made it, and the 20
most recent changes."""

import pytest

from subnet import RejectCode, Subnet
from tests.canisters import Client, Store, StoreV2
from tests.support import fingerprint
from tests.support.lifecycle import change_tuple, create_as, history, user

pytestmark = pytest.mark.anyio


# rs/execution_environment/tests/canister_history.rs ::
#   canister_history_tracks_create_install_reinstall
async def test_canister_history_tracks_create_install_reinstall():
    async with Subnet() as net:
        ic = net.management
        u1, u2 = net.identity("user7"), net.identity("user8")
        expected = []
        t = net.time
        cid = await create_as(net, u1, [u1, u2])
        expected.append((t, 0, user(u1), {"creation": {"controllers": sorted([u1, u2])}}))
        info = await history(net, cid)
        assert info.total_num_changes == 1
        assert [change_tuple(c) for c in info.recent_changes] == expected

        net.advance_time(5_000_000_000)
        t = net.time
        await ic.install_code(mode="install", canister_id=cid, wasm_module=Store, sender=u2)
        expected.append(
            (
                t,
                1,
                user(u2),
                {"code_deployment": {"mode": "install", "module_hash": Store.module_hash()}},
            )
        )
        info = await history(net, cid)
        assert info.total_num_changes == 2
        assert [change_tuple(c) for c in info.recent_changes] == expected

        net.advance_time(5_000_000_000)
        t = net.time
        await ic.install_code(mode="reinstall", canister_id=cid, wasm_module=StoreV2, sender=u1)
        expected.append(
            (
                t,
                2,
                user(u1),
                {"code_deployment": {"mode": "reinstall", "module_hash": StoreV2.module_hash()}},
            )
        )
        info = await history(net, cid)
        assert info.total_num_changes == 3
        assert [change_tuple(c) for c in info.recent_changes] == expected
        assert Store.module_hash() != StoreV2.module_hash()


# rs/execution_environment/tests/canister_history.rs :: canister_history_tracks_upgrade
async def test_canister_history_tracks_upgrade():
    async with Subnet() as net:
        ic = net.management
        u1, u2 = net.identity("user7"), net.identity("user8")
        cid = await create_as(net, u1, [u1, u2])
        await ic.install_code(mode="install", canister_id=cid, wasm_module=Store, sender=u2)
        net.advance_time(5_000_000_000)
        t = net.time
        await ic.install_code(mode="upgrade", canister_id=cid, wasm_module=StoreV2, sender=u1)
        info = await history(net, cid)
        assert info.total_num_changes == 3
        assert change_tuple(info.recent_changes[-1]) == (
            t,
            2,
            user(u1),
            {"code_deployment": {"mode": "upgrade", "module_hash": StoreV2.module_hash()}},
        )


# rs/execution_environment/tests/canister_history.rs :: canister_history_tracks_uninstall
async def test_canister_history_tracks_uninstall():
    async with Subnet() as net:
        ic = net.management
        u1, u2 = net.identity("user7"), net.identity("user8")
        cid = await create_as(net, u1, [u1, u2])
        await ic.install_code(mode="install", canister_id=cid, wasm_module=Store, sender=u2)
        net.advance_time(5_000_000_000)
        t = net.time
        await ic.uninstall_code(canister_id=cid, sender=u1)
        info = await history(net, cid)
        assert info.total_num_changes == 3
        assert change_tuple(info.recent_changes[-1]) == (t, 2, user(u1), {"code_uninstall": None})
        assert info.module_hash is None


# rs/execution_environment/tests/canister_history.rs ::
#   canister_history_tracks_controllers_change_as_controllers_change
async def test_canister_history_tracks_controllers_change():
    async with Subnet() as net:
        u1, u2 = net.identity("user7"), net.identity("user8")
        t0 = net.time
        # repeated controllers: the history holds the sorted set
        cid = await create_as(net, u1, [u2, u1, u1, u2])
        expected = [(t0, 0, user(u1), {"creation": {"controllers": sorted([u1, u2])}})]
        for i in range(1, 20 + 42):
            net.advance_time(5_000_000_000)
            t = net.time
            await net.management.update_settings(
                canister_id=cid,
                settings={"controllers": [u2, u1, u2, u1, u1, u2]},
                sender_canister_version=666,  # ignored for ingress messages
                sender=u2,
            )
            expected.append(
                (t, i, user(u2), {"controllers_change": {"controllers": sorted([u1, u2])}})
            )
            expected = expected[-20:]
            info = await history(net, cid, len(expected))
            assert info.total_num_changes == i + 1
            assert [change_tuple(c) for c in info.recent_changes] == expected


# rs/execution_environment/tests/canister_history.rs ::
#   canister_history_tracks_changes_from_canister
async def test_canister_history_tracks_changes_from_canister():
    async with Subnet() as net:
        u1, u2 = net.identity("user7"), net.identity("user8")
        ucan = await net.deploy(Client)
        v = net.inspect(ucan).version  # what ic0.canister_version returns in the next call
        t = net.time
        result = await ucan.call(
            "mgmt", "create_canister", {"settings": {"controllers": [ucan.id, u1, u2]}}, None, 0
        )
        assert result[0] == "reply"
        cid = result[1]["canister_id"]
        info = await history(net, cid)
        [creation] = info.recent_changes
        assert creation.canister_version == 0
        assert creation.origin == {"from_canister": {"canister_id": ucan.id, "canister_version": v}}
        assert creation.details == {"creation": {"controllers": sorted([ucan.id, u1, u2])}}
        assert creation.timestamp_nanos > t  # executed after the caller's own execution

        result = await ucan.call(
            "mgmt", "install_code", {"mode": "install", "canister_id": cid}, "Store"
        )
        assert result == ["reply", None]
        info = await history(net, cid)
        assert info.total_num_changes == 2
        deployment = info.recent_changes[-1]
        assert deployment.canister_version == 1
        assert deployment.origin == {
            "from_canister": {"canister_id": ucan.id, "canister_version": None}
        }
        assert deployment.details == {
            "code_deployment": {"mode": "install", "module_hash": Store.module_hash()}
        }


# rs/execution_environment/tests/canister_history.rs ::
#   canister_history_fails_with_incorrect_sender_version
# rs/execution_environment/tests/canister_history.rs ::
#   canister_history_load_snapshot_fails_incorrect_sender_version
# rs/embedders/tests/sandbox_safe_system_state.rs ::
#   wrong_sender_canister_version_update_settings_ic00
@pytest.mark.parametrize(
    "method,record,code",
    [
        ("install_code", {"mode": "install"}, "Store"),
        ("update_settings", {"settings": {"freezing_threshold": 5}}, None),
        ("uninstall_code", {}, None),
    ],
)
async def test_canister_history_fails_with_incorrect_sender_version(method, record, code):
    async with Subnet() as net:
        ucan = await net.deploy(Client)
        cid = await create_as(net, net.default_identity, [ucan.id, net.default_identity])
        if method == "uninstall_code":
            await net.management.install_code(mode="install", canister_id=cid, wasm_module=Store)
        before = fingerprint(net)
        v = net.inspect(ucan).version
        result = await ucan.call("mgmt", method, {"canister_id": cid, **record}, code, 666 - v)
        assert result == [
            "reject",
            int(RejectCode.CANISTER_ERROR),
            f"IC0504: Management canister call payload includes sender canister version 666 "
            f"that does not match the actual sender canister version {v}.",
        ]
        after = fingerprint(net)
        target = [row for row in after[0] if row[0] == cid]
        assert target == [row for row in before[0] if row[0] == cid]


# rs/execution_environment/tests/canister_history.rs ::
#   canister_history_tracks_changes_from_canister
# (the matching case: a correct sender_canister_version is accepted and recorded)
async def test_canister_history_records_a_correct_sender_version():
    async with Subnet() as net:
        ucan = await net.deploy(Client)
        cid = await create_as(net, net.default_identity, [ucan.id, net.default_identity])
        v = net.inspect(ucan).version
        result = await ucan.call(
            "mgmt", "install_code", {"mode": "install", "canister_id": cid}, "Store", 0
        )
        assert result == ["reply", None]
        info = await history(net, cid, 1)
        assert info.recent_changes[0].origin == {
            "from_canister": {"canister_id": ucan.id, "canister_version": v}
        }


# rs/execution_environment/tests/canister_history.rs :: canister_info_retrieval
async def test_canister_info_retrieval():
    async with Subnet() as net:
        ic = net.management
        u1, u2 = net.identity("user7"), net.identity("user8")
        cid = await create_as(net, u1, [u1, u2])
        await ic.install_code(mode="install", canister_id=cid, wasm_module=Store, sender=u2)
        await ic.install_code(mode="upgrade", canister_id=cid, wasm_module=StoreV2, sender=u1)
        reference = list((await history(net, cid)).recent_changes)
        assert len(reference) == 3
        ucan = await net.deploy(Client)

        async def info(n):
            record = {"canister_id": cid}
            if n is not None:
                record["num_requested_changes"] = n
            result = await ucan.call("mgmt", "canister_info", record)
            assert result[0] == "reply"
            return result[1]

        def changes(reply):
            return [
                (c["timestamp_nanos"], c["canister_version"], c["origin"], c["details"])
                for c in reply["recent_changes"]
            ]

        ref = [change_tuple(c) for c in reference]
        for n, want in [(None, []), (3, ref), (2, ref[-2:]), (666, ref)]:
            reply = await info(n)
            assert reply["total_num_changes"] == 3
            assert changes(reply) == want
            assert reply["module_hash"] == StoreV2.module_hash()
            assert reply["controllers"] == sorted([u1, u2])

        t = net.time
        await ic.uninstall_code(canister_id=cid, sender=u2)
        ref.append((t, 3, user(u2), {"code_uninstall": None}))
        reply = await info(4)
        assert reply["total_num_changes"] == 4
        assert changes(reply) == ref
        assert reply["module_hash"] is None
        assert reply["controllers"] == sorted([u1, u2])


# rs/execution_environment/tests/canister_history.rs :: canister_info_retrieval
# ("ask for more entries than present in canister history": all of them, oldest first)
@pytest.mark.parametrize("requested", [12, 20, 666])
async def test_canister_info_more_requested_than_present(requested):
    async with Subnet() as net:
        s = await net.deploy(Store)
        for _ in range(9):
            await net.management.install_code(mode="upgrade", canister_id=s.id, wasm_module=Store)
        info = await history(net, s.id, requested)
        assert info.total_num_changes == 11
        assert [c.canister_version for c in info.recent_changes] == list(range(11))


async def test_history_keeps_the_twenty_most_recent_changes():
    async with Subnet() as net:
        s = await net.deploy(Store)
        for _ in range(25):
            await net.management.install_code(mode="upgrade", canister_id=s.id, wasm_module=Store)
        info = await net.management.canister_info(canister_id=s.id, num_requested_changes=100)
        assert info.total_num_changes == 27
        assert len(info.recent_changes) == 20
        versions = [c.canister_version for c in info.recent_changes]
        assert versions == sorted(versions) and versions[-1] == net.inspect(s).version


# rs/execution_environment/tests/canister_history.rs :: canister_history_tracks_controllers_change
# (MAX_CANISTER_HISTORY_CHANGES = 20: at most the 20 most recent changes, total keeps counting)
async def test_canister_info_keeps_the_20_most_recent_changes():
    async with Subnet() as net:
        s = await net.deploy(Store)
        for _ in range(30):
            await net.management.install_code(mode="upgrade", canister_id=s.id, wasm_module=Store)
        info = await history(net, s.id, 100)
        assert info.total_num_changes == 32
        assert len(info.recent_changes) == 20
        assert [c.canister_version for c in info.recent_changes] == list(range(12, 32))
        assert len((await history(net, s.id, 5)).recent_changes) == 5
