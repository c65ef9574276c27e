"""The canister version: which operations move it, and by how much."""

import pytest

from subnet import Reject, Subnet
from tests.canisters import Client, Store

pytestmark = pytest.mark.anyio


# rs/execution_environment/tests/canister_version.rs :: canister_version
@pytest.mark.parametrize("mode", ["install", "reinstall", "upgrade"])
async def test_canister_version(mode):
    async with Subnet() as net:
        ic = net.management
        cid = (await ic.create_canister()).canister_id
        assert net.inspect(cid).version == 0
        await ic.install_code(mode="install", canister_id=cid, wasm_module=Store)
        assert net.inspect(cid).version == 1
        if mode != "install":
            await ic.install_code(mode=mode, canister_id=cid, wasm_module=Store)
            assert net.inspect(cid).version == 2


# Interface spec, abstract-behavior.md: every transition's effect on canister_version
async def test_canister_version_for_every_kind_of_operation():
    async with Subnet() as net:
        ic = net.management
        s = await net.deploy(Store)
        c = await net.deploy(Client)

        def v():
            return net.inspect(s).version

        base = v()
        await s.call("bump")  # update method: +1
        assert v() == base + 1
        with pytest.raises(Reject):
            await s.call("bump_then_trap")  # trapped execution: no change
        assert v() == base + 1
        assert await s.call("poke") == 999  # query method called as an update: no change
        assert v() == base + 1
        await s.query("get")  # query: no change
        await ic.canister_status(canister_id=s.id)  # status, info: no change
        await ic.canister_info(canister_id=s.id, num_requested_changes=3)
        assert v() == base + 1
        await ic.update_settings(canister_id=s.id, settings={})  # empty settings: +1
        assert v() == base + 2
        await ic.start_canister(canister_id=s.id)  # start a running canister: +1
        assert v() == base + 3
        await ic.stop_canister(canister_id=s.id)  # running -> stopping -> stopped: +1 +1
        assert net.inspect(s).status == "stopped" and v() == base + 5
        await ic.stop_canister(canister_id=s.id)  # stop a stopped canister: +1
        assert v() == base + 6
        await ic.take_canister_snapshot(canister_id=s.id)  # take: no change
        assert v() == base + 6
        await ic.start_canister(canister_id=s.id)  # stopped -> running: +1
        assert v() == base + 7
        await ic.uninstall_code(canister_id=s.id)  # +1
        assert v() == base + 8
        await ic.install_code(mode="install", canister_id=s.id, wasm_module=Store)  # +1
        assert v() == base + 9

        # the caller's side: the execution that makes a call commits (+1), so does the callback
        cv = net.inspect(c).version
        await c.call("relay", s.id, "bump")
        assert net.inspect(c).version == cv + 2
