"""Lifecycle calls naming a canister that does not exist: CanisterNotFound, nothing changes.

A user's (ingress) call is refused by the ingress filter, ``Canister <id> not found`` with no
full stop (rs/execution_environment/src/execution_environment.rs ::
should_accept_ingress_message); a calling canister's call reaches execution, whose text ends
with a full stop (``get_canister`` there, and the canister manager's ``CanisterNotFound``)."""

import pytest

from subnet import ErrorCode, Reject, RejectCode, Subnet
from subnet import errors as E
from tests.canisters import Client, Store
from tests.support import fingerprint

pytestmark = pytest.mark.anyio


# rs/execution_environment/src/canister_manager/tests.rs :: upgrade_non_existing_canister_fails
async def test_upgrade_non_existing_canister_fails():
    async with Subnet() as net:
        ghost = net.identity("ghost")
        w = await net.deploy(Client)
        with pytest.raises(Reject) as rej:
            await net.management.install_code(mode="upgrade", canister_id=ghost, wasm_module=Store)
        assert rej.value == E.call_target_not_found(ghost)  # the ingress filter
        assert rej.value.reject_code == RejectCode.DESTINATION_INVALID
        result = await w.call(
            "mgmt", "install_code", {"mode": "upgrade", "canister_id": ghost}, "Store"
        )
        assert result == [
            "reject",
            int(RejectCode.DESTINATION_INVALID),
            f"Canister {ghost} not found.",
        ]


# rs/execution_environment/src/canister_manager/tests.rs :: stop_a_non_existing_canister
# rs/execution_environment/src/execution_environment/tests.rs :: start_a_non_existing_canister
# rs/execution_environment/src/execution_environment/tests.rs ::
#   get_canister_status_of_nonexisting_canister
# rs/execution_environment/src/canister_manager/tests.rs :: delete_non_existing_canister_fails
@pytest.mark.parametrize(
    "method", ["stop_canister", "start_canister", "canister_status", "delete_canister"]
)
async def test_lifecycle_methods_on_a_non_existing_canister_fail(method):
    async with Subnet() as net:
        w = await net.deploy(Client)
        ghost = net.identity("ghost")
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await getattr(net.management, method)(canister_id=ghost)
        assert rej.value.error_code == ErrorCode.CanisterNotFound
        assert rej.value.reject_code == RejectCode.DESTINATION_INVALID
        assert rej.value.reject_message == f"Canister {ghost} not found"
        assert fingerprint(net) == before
        result = await w.call("mgmt", method, {"canister_id": ghost})
        assert result == [
            "reject",
            int(RejectCode.DESTINATION_INVALID),
            f"Canister {ghost} not found.",
        ]
