"""create_canister and deploy: a new canister, its controllers, its first history entries."""

import pytest

from subnet import Reject, Subnet
from tests.canisters import Store

pytestmark = pytest.mark.anyio


async def test_create_install_status_and_info():
    async with Subnet() as net:
        ic = net.management
        created = await ic.create_canister()
        cid = created.canister_id
        view = net.inspect(cid)
        assert view.status == "running" and view.version == 0
        assert view.controllers == [net.default_identity]
        status = await ic.canister_status(canister_id=cid)
        assert status.module_hash is None and status.status == "running"
        await ic.install_code(mode="install", canister_id=cid, wasm_module=Store, arg=(5,))
        status = await ic.canister_status(canister_id=cid)
        assert status.module_hash == Store.module_hash()
        assert status.settings.controllers == (net.default_identity,)
        assert status.memory_size > 0
        handle = net.handle(cid)
        assert await handle.query("get") == 5
        info = await ic.canister_info(canister_id=cid, num_requested_changes=5)
        assert info.total_num_changes == 2
        assert [next(iter(c.details)) for c in info.recent_changes] == [
            "creation",
            "code_deployment",
        ]
        assert [c.canister_version for c in info.recent_changes] == [0, 1]
        assert info.recent_changes[1].details["code_deployment"]["mode"] == "install"
        assert info.recent_changes[0].origin == {"from_user": {"user_id": net.default_identity}}
        assert (await ic.canister_info(canister_id=cid)).recent_changes == ()


async def test_deploy_as_another_identity():
    async with Subnet() as net:
        alice = net.identity("alice")
        s = await net.deploy(Store, 2, name="s", sender=alice)
        assert net.inspect(s).controllers == [alice]
        assert net.names == {"s": s.id}
        with pytest.raises(Reject):
            await net.management.stop_canister(canister_id=s.id)  # the default identity
        await net.management.stop_canister(canister_id=s.id, sender=alice)
