"""Controllers: only a controller may manage a canister (user or canister), and a refused call
changes nothing."""

import pytest

from subnet import ErrorCode, Reject, RejectCode, Subnet
from tests.canisters import Client, Store
from tests.support import fingerprint
from tests.support.lifecycle import create_as

pytestmark = pytest.mark.anyio


async def test_controllers_are_checked_and_nothing_changes():
    async with Subnet() as net:
        ic = net.management
        s = await net.deploy(Store)
        mallory = net.identity("mallory")
        before = fingerprint(net)
        calls = [
            ("stop_canister", {}),
            ("start_canister", {}),
            ("canister_status", {}),
            ("uninstall_code", {}),
            ("delete_canister", {}),
            ("update_settings", {"settings": {"controllers": [mallory]}}),
            ("install_code", {"mode": "reinstall", "wasm_module": Store}),
            ("take_canister_snapshot", {}),
            ("list_canister_snapshots", {}),
        ]
        for method, extra in calls:
            with pytest.raises(Reject) as rej:
                await getattr(ic, method)(canister_id=s.id, sender=mallory, **extra)
            assert rej.value.error_code == ErrorCode.CanisterInvalidController, method
            assert rej.value.reject_code == RejectCode.CANISTER_ERROR
            assert rej.value.reject_message.startswith(
                f"Only the controllers of the canister {s.id} can control it.\n"
                f"Canister's controllers: {net.default_identity}\nSender's ID: {mallory}"
            )
        assert fingerprint(net) == before


# rs/execution_environment/src/canister_manager/tests.rs :: install_code_with_wrong_controller_fails
@pytest.mark.parametrize("mode", ["install", "reinstall", "upgrade"])
async def test_install_code_with_wrong_controller_fails(mode):
    async with Subnet() as net:
        owner, other = net.identity("owner"), net.identity("other")
        cid = await create_as(net, owner, [owner])
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await net.management.install_code(
                mode=mode, canister_id=cid, wasm_module=Store, sender=other
            )
        assert rej.value.error_code == ErrorCode.CanisterInvalidController
        assert rej.value.reject_code == RejectCode.CANISTER_ERROR
        assert rej.value.reject_message.startswith(
            f"Only the controllers of the canister {cid} can control it.\n"
            f"Canister's controllers: {owner}\nSender's ID: {other}"
        )
        assert fingerprint(net) == before


# rs/execution_environment/src/canister_manager/tests.rs ::
#   stop_a_canister_with_incorrect_controller
# rs/execution_environment/src/execution_environment/tests.rs ::
#   stopping_a_canister_with_incorrect_controller_fails
async def test_stopping_a_canister_with_incorrect_controller_fails():
    async with Subnet() as net:
        s = await net.deploy(Store)
        other = net.identity("user13")
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await net.management.stop_canister(canister_id=s.id, sender=other)
        assert rej.value.error_code == ErrorCode.CanisterInvalidController
        assert rej.value.reject_message.startswith(
            f"Only the controllers of the canister {s.id} can control it.\n"
            f"Canister's controllers: {net.default_identity}\n"
            f"Sender's ID: {other}"
        )
        assert fingerprint(net) == before
        assert net.inspect(s).status == "running"


# rs/execution_environment/src/canister_manager/tests.rs ::
#   start_a_canister_with_incorrect_controller
# rs/execution_environment/src/canister_manager/tests.rs ::
#   get_canister_status_with_incorrect_controller
# rs/execution_environment/src/canister_manager/tests.rs ::
#   delete_canister_with_incorrect_controller_fails
# rs/execution_environment/src/canister_manager/tests.rs :: set_controller_with_incorrect_controller
@pytest.mark.parametrize(
    "method,extra",
    [
        ("start_canister", {}),
        ("canister_status", {}),
        ("delete_canister", {}),
        ("update_settings", {"settings": {"controllers": []}}),
        ("uninstall_code", {}),
    ],
)
async def test_incorrect_controller_fails(method, extra):
    async with Subnet() as net:
        right = net.identity("right")
        s = await net.deploy(Store, sender=right)
        await net.management.stop_canister(canister_id=s.id, sender=right)
        wrong = net.identity("wrong")
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await getattr(net.management, method)(canister_id=s.id, sender=wrong, **extra)
        assert rej.value.error_code == ErrorCode.CanisterInvalidController
        assert rej.value.reject_code == RejectCode.CANISTER_ERROR
        assert f"Sender's ID: {wrong}" in rej.value.reject_message
        assert fingerprint(net) == before
        assert net.inspect(s).controllers == [right]


async def test_a_canister_controls_another_only_if_listed():
    async with Subnet() as net:
        w = await net.deploy(Client)
        s = await net.deploy(Store)
        with pytest.raises(Reject) as rej:
            await w.call("ask_management", "stop_canister", {"canister_id": s.id})
        assert "Only the controllers" in rej.value.reject_message
        await net.management.update_settings(
            canister_id=s.id, settings={"controllers": [w.id, net.default_identity]}
        )
        assert await w.call("ask_management", "stop_canister", {"canister_id": s.id}) is None
        assert net.inspect(s).status == "stopped"
        status = await w.call("ask_management", "canister_status", {"canister_id": s.id})
        assert status["status"] == "stopped"
        info = await w.call(
            "ask_management", "canister_info", {"canister_id": s.id, "num_requested_changes": 1}
        )
        assert info["recent_changes"][0]["details"] == {
            "controllers_change": {"controllers": sorted([w.id, net.default_identity])}
        }
