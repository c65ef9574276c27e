"""Controllers: only a controller may manage a canister (user or canister), and a refused call
changes nothing.

A user's (ingress) call from a non-controller is refused by the ingress filter, with the
filter's text (tests/ingress/); the execution's own check, with its longer text, is what a
calling canister meets, and a user whose control was removed after the filter accepted the
message."""

import pytest

from subnet import MANAGEMENT, ErrorCode, Reject, RejectCode, Subnet
from subnet import errors as E
from tests.canisters import Client, Store
from tests.support import fingerprint
from tests.support.lifecycle import create_as

pytestmark = pytest.mark.anyio


def row(net, cid):
    """The fingerprint of one canister (a calling canister's own bookkeeping aside)."""
    return [r for r in fingerprint(net)[0] if r[0] == cid]


# rs/execution_environment/src/canister_manager.rs :: should_accept_ingress_message (ingress);
# rs/execution_environment/src/execution/common.rs :: validate_controller (a calling canister)
async def test_controllers_are_checked_and_nothing_changes():
    async with Subnet() as net:
        ic = net.management
        s = await net.deploy(Store)
        w = await net.deploy(Client)
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
            assert rej.value == E.ingress_not_controller(s.id, method)
            assert rej.value.reject_code == RejectCode.CANISTER_ERROR
        assert fingerprint(net) == before
        target = row(net, s.id)
        for method, extra in calls:
            record = {"canister_id": s.id, **extra}
            code = None
            if "wasm_module" in record:
                del record["wasm_module"]
                code = "Store"
            result = await w.call("mgmt", method, record, code)
            assert result == [
                "reject",
                int(RejectCode.CANISTER_ERROR),
                E.canister_invalid_controller(s.id, [net.default_identity], w.id).reject_message,
            ], method
        assert row(net, s.id) == target


# rs/execution_environment/src/canister_manager/tests.rs :: install_code_with_wrong_controller_fails
# (the canister manager's own check: met by a calling canister that is not a controller)
@pytest.mark.parametrize("mode", ["install", "reinstall", "upgrade"])
async def test_install_code_with_wrong_controller_fails(mode):
    async with Subnet() as net:
        owner = net.identity("owner")
        other = await net.deploy(Client)
        cid = await create_as(net, owner, [owner])
        before = row(net, cid)
        result = await other.call(
            "mgmt", "install_code", {"mode": mode, "canister_id": cid}, "Store"
        )
        assert result[:2] == ["reject", int(RejectCode.CANISTER_ERROR)]
        assert result[2].startswith(
            f"Only the controllers of the canister {cid} can control it.\n"
            f"Canister's controllers: {owner}\nSender's ID: {other.id}"
        )
        assert row(net, cid) == before


# rs/execution_environment/src/canister_manager/tests.rs ::
#   stop_a_canister_with_incorrect_controller
# rs/execution_environment/src/execution_environment/tests.rs ::
#   stopping_a_canister_with_incorrect_controller_fails
# (an ingress stop that reaches execution from a non-controller: here, the sender was a
# controller when the ingress filter accepted the message, and was removed before it ran)
async def test_stopping_a_canister_with_incorrect_controller_fails():
    async with Subnet() as net:
        other = net.identity("user13")
        s = await net.deploy(Store, controllers=[net.default_identity, other])
        removal = net.submit(
            MANAGEMENT,
            "update_settings",
            {"canister_id": s.id, "settings": {"controllers": [net.default_identity]}},
        )
        stop = net.submit(MANAGEMENT, "stop_canister", {"canister_id": s.id}, sender=other)
        assert not stop.done  # accepted by the filter: other still controls s
        await removal
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await stop
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
# (the canister manager's own check: met by a calling canister that is not a controller)
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
        wrong = await net.deploy(Client)
        before = row(net, s.id)
        result = await wrong.call("mgmt", method, {"canister_id": s.id, **extra})
        assert result[:2] == ["reject", int(RejectCode.CANISTER_ERROR)]
        assert f"Sender's ID: {wrong.id}" in result[2]
        assert row(net, s.id) == before
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
