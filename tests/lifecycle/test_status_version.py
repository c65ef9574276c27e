"""canister_status reports the canister's version (interface spec 0.46).

Sources: ic.did (``canister_status_result``: ``version : nat64``, after ``status`` and
``ready_for_migration``); ``rs/types/management_canister_types/src/lib.rs``
(``CanisterStatusResultV2``, ``version: u64``), filled from the canister's
``system_state.canister_version`` by ``rs/execution_environment/src/canister_manager.rs``
(``get_canister_status``)."""

import dataclasses

import pytest

from subnet import MANAGEMENT, Subnet
from subnet.records import CanisterStatusResult
from tests.canisters import Client, Store
from tests.support.lifecycle import step_until

pytestmark = pytest.mark.anyio


async def test_canister_status_reports_the_version():
    async with Subnet() as net:
        ic = net.management
        created = await ic.create_canister()
        cid = created.canister_id
        assert (await ic.canister_status(canister_id=cid)).version == 0
        await ic.install_code(mode="install", canister_id=cid, wasm_module=Store)
        assert (await ic.canister_status(canister_id=cid)).version == 1
        await ic.update_settings(canister_id=cid, settings={"freezing_threshold": 9})
        await ic.stop_canister(canister_id=cid)  # +1 for the request, +1 when stopped
        status = await ic.canister_status(canister_id=cid)
        assert status.version == 4 == net.inspect(cid).version


async def test_the_version_follows_a_stop_in_progress():
    async with Subnet() as net:
        w = await net.deploy(Client)
        s = await net.deploy(Store)
        w.submit("relay", s.id, "bump")
        await net.step()
        v = (await net.management.canister_status(canister_id=w.id)).version
        net.submit(MANAGEMENT, "stop_canister", {"canister_id": w.id})
        await step_until(net, lambda: net.inspect(w).status == "stopping")
        assert (await net.management.canister_status(canister_id=w.id)).version == v + 1
        await net.run_until_idle()  # the callback's execution, then the stop: +1 each
        assert (await net.management.canister_status(canister_id=w.id)).version == v + 3
        assert net.inspect(w).version == v + 3


async def test_a_calling_canister_sees_the_version_too():
    async with Subnet() as net:
        c = await net.deploy(Client)
        s = await net.deploy(Store, controllers=[c.id])
        kind, status = await c.call("mgmt", "canister_status", {"canister_id": s.id})
        assert kind == "reply"
        assert status["version"] == net.inspect(s).version == 2  # install, controllers change
        assert list(status)[:3] == ["status", "version", "settings"]


def test_the_field_sits_where_ic_did_has_it():
    names = [f.name for f in dataclasses.fields(CanisterStatusResult)]
    assert names[:3] == ["status", "version", "settings"]
