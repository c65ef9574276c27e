"""canister_status: running, stopping, stopped, empty; asked by a user or a canister."""

import pytest

from subnet import MANAGEMENT, Subnet
from tests.canisters import Client, Store

pytestmark = pytest.mark.anyio


# rs/execution_environment/src/canister_manager/tests.rs :: get_canister_status_of_running_canister
# rs/execution_environment/src/canister_manager/tests.rs :: get_canister_status_of_stopped_canister
# rs/execution_environment/src/canister_manager/tests.rs :: get_canister_status_of_stopping_canister
async def test_get_canister_status_of_running_stopping_and_stopped_canisters():
    async with Subnet() as net:
        ic = net.management
        w = await net.deploy(Client)
        s = await net.deploy(Store)
        assert (await ic.canister_status(canister_id=w.id)).status == "running"
        w.submit("relay", s.id, "bump")
        await net.step()
        net.submit(MANAGEMENT, "stop_canister", {"canister_id": w.id})
        await net.step()
        assert (await ic.canister_status(canister_id=w.id)).status == "stopping"
        await net.run_until_idle()
        assert (await ic.canister_status(canister_id=w.id)).status == "stopped"


# rs/execution_environment/src/execution_environment/tests.rs ::
#   get_running_canister_status_from_another_canister
# rs/execution_environment/src/execution_environment/tests.rs ::
#   get_stopped_canister_status_from_another_canister
async def test_get_canister_status_from_another_canister():
    async with Subnet() as net:
        c = await net.deploy(Client)
        s = await net.deploy(Store, controllers=[c.id])
        kind, status = await c.call("mgmt", "canister_status", {"canister_id": s.id})
        assert kind == "reply"
        assert status["status"] == "running"
        assert status["settings"]["controllers"] == [c.id]
        assert status["module_hash"] == Store.module_hash()
        assert status["cycles"] > 0
        typed = await net.management.canister_status(canister_id=s.id, sender=c.id)
        assert typed.settings.freezing_threshold == 2_592_000
        await c.call("mgmt", "stop_canister", {"canister_id": s.id})
        kind, status = await c.call("mgmt", "canister_status", {"canister_id": s.id})
        assert status["status"] == "stopped"


# Interface spec, management-canister.md canister_status: module_hash is null for an empty canister
async def test_canister_status_of_an_empty_canister():
    async with Subnet() as net:
        cid = (await net.management.create_canister()).canister_id
        status = await net.management.canister_status(canister_id=cid)
        assert status.module_hash is None
        assert status.status == "running"
        assert status.settings.controllers == (net.default_identity,)


# ic.did: every field of definite_canister_settings is there, set or not (a canister decodes
# the reply with the full record type)
async def test_a_canister_gets_every_setting_in_the_status():
    async with Subnet() as net:
        c = await net.deploy(Client)
        s = await net.deploy(Store, controllers=[c.id])
        await c.call(
            "mgmt", "update_settings", {"canister_id": s.id, "settings": {"freezing_threshold": 7}}
        )
        kind, status = await c.call("mgmt", "canister_status", {"canister_id": s.id})
        assert kind == "reply"
        assert status["settings"] == {
            "controllers": [c.id],
            "compute_allocation": 0,
            "memory_allocation": 0,
            "freezing_threshold": 7,
            "reserved_cycles_limit": 5_000_000_000_000,
            "log_visibility": "controllers",
            "wasm_memory_limit": 3_221_225_472,
            "wasm_memory_threshold": 0,
            "snapshot_visibility": "controllers",
        }
