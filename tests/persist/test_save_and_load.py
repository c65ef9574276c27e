"""Saving and loading a whole idle subnet (subnet.persist): exactly, sparsely, and so that the
loaded subnet carries on as the original would."""

from __future__ import annotations

import sys
import textwrap

import anyio
import pytest

from actors.chat import Chat, ChatWithLength
from subnet import Reject, Subnet, persist
from subnet.codec import decode_document
from subnet.guards import SnapshotGuard
from subnet.persist import CodeChangedError, PersistError
from tests.canisters import Client, Store

GIB_PAGES = 16384  # 1 GiB of stable memory


async def _busy_subnet() -> tuple[Subnet, bytes]:
    """A subnet with two canisters, snapshots, history, stable memory near 1 GiB, names."""
    net = Subnet(seed=11)
    ic = net.management
    chat = await net.deploy(ChatWithLength, name="chat")
    await chat.call("append", "Hi there!")
    store = await net.deploy(Store, name="store")
    await store.call("grow", GIB_PAGES)
    await store.call("put", 10, b"hello")
    await store.call("put", GIB_PAGES * 65536 - 3, b"end")
    await ic.stop_canister(canister_id=store.id)
    snap = await ic.take_canister_snapshot(canister_id=store.id)
    await ic.start_canister(canister_id=store.id)
    await store.call("put", 10, b"HELLO")  # the canister and its snapshot now differ here
    await ic.stop_canister(canister_id=chat.id)
    await ic.take_canister_snapshot(canister_id=chat.id)
    await ic.install_code(mode="upgrade", canister_id=chat.id, wasm_module=ChatWithLength)
    await ic.update_settings(canister_id=chat.id, settings={"freezing_threshold": 7})
    return net, bytes(snap.id)


def test_round_trip_is_exact_and_sparse():
    async def main():
        net, sid = await _busy_subnet()
        data = persist.dumps(net)
        assert len(data) < 200_000  # 1 GiB of stable memory, a few chunks written
        status = await net.management.canister_status(canister_id=net.handle("store").id)
        net2 = persist.loads(data).net
        assert persist.dumps(net2) == data  # everything saved comes back
        store = net2.handle("store")
        assert await store.query("read", 10, 5) == b"HELLO"
        assert await store.query("read", GIB_PAGES * 65536 - 3, 3) == b"end"
        status2 = await net2.management.canister_status(canister_id=store.id)
        # memory size counts chunks shared with snapshots once: sharing survived the load
        assert status2.memory_size == status.memory_size
        assert net2.inspect("chat").status == "stopped"
        info = await net2.management.canister_info(canister_id=store.id, num_requested_changes=5)
        assert info.total_num_changes == 2
        ic = net2.management
        await ic.stop_canister(canister_id=store.id)
        await ic.load_canister_snapshot(canister_id=store.id, snapshot_id=sid)
        await ic.start_canister(canister_id=store.id)
        assert await store.query("read", 10, 5) == b"hello"
        net.close()
        net2.close()

    anyio.run(main)


def test_a_loaded_subnet_continues_exactly_as_the_original():
    async def more(net: Subnet) -> list[object]:
        ic = net.management
        chat = net.handle("chat")
        await ic.start_canister(canister_id=chat.id)
        await chat.call("append", "again")
        other = await net.deploy(Chat, name="other")  # the next canister id, as before
        sent = [net.submit(chat.id, "append", str(i)) for i in range(3)]
        sent += [net.submit(other.id, "append", str(i)) for i in range(3)]
        await net.run_until_idle()
        return [str(other.id), await chat.query("dump"), [p.done for p in sent], net.time]

    async def main():
        original, _ = await _busy_subnet()
        copy = persist.loads(persist.dumps(original)).net
        assert await more(original) == await more(copy)
        assert persist.dumps(original) == persist.dumps(copy)
        original.close()
        copy.close()

    anyio.run(main)


def test_uploaded_and_incomplete_snapshots_are_kept():
    async def main():
        async with Subnet(seed=5) as net:
            store = await net.deploy(Store, name="store")
            ic = net.management
            created = await ic.upload_canister_snapshot_metadata(
                canister_id=store.id,
                wasm_module_size=10,
                wasm_memory_size=65536,
                stable_memory_size=65536,
            )
            await ic.upload_canister_snapshot_data(
                canister_id=store.id,
                snapshot_id=created.snapshot_id,
                kind={"stable_memory": {"offset": 100}},
                chunk=b"xyz",
            )
            data = persist.dumps(net)
        net2 = persist.loads(data).net
        assert persist.dumps(net2) == data
        net2.close()

    anyio.run(main)


def test_refuses_a_subnet_with_messages_in_flight():
    async def main():
        async with Subnet(seed=1) as net:
            chat = await net.deploy(Chat, name="chat")
            chat.submit("append", "queued")
            with pytest.raises(PersistError, match="messages in flight"):
                persist.dumps(net)
            await net.run_until_idle()
            persist.dumps(net)

    anyio.run(main)


def test_guards_names_and_counters_survive_and_the_field_order_is_fixed():
    async def main():
        net = Subnet(
            seed=4,
            strategy="random",
            scenario="demo",
            snapshot_guard=SnapshotGuard(take="warn", load="require_stopped"),
            max_snapshots_per_canister=3,
            orphan_policy="misdeliver",
            step_ns=7,
        )
        client = await net.deploy(Client, name="client")
        await client.call("mgmt", "raw_rand", {})
        net.set_snapshot_guard("client", SnapshotGuard(take="require_quiescent"))
        net.register_name("alias", client.id)
        data = persist.dumps(net)
        meta = decode_document(data, persist.FORMAT, persist.VERSION, sealed=[persist.VERSION])[
            "subnet"
        ]
        assert list(meta) == [
            "seed", "scenario", "time", "step_ns", "steps", "orphan_policy",
            "max_snapshots_per_canister", "snapshot_guard", "guard_overrides",
            "next_canister_index", "names", "next_id", "next_source", "strategy", "raw_rand",
        ]  # fmt: skip
        copy = persist.loads(data).net
        assert copy.state() == net.state()
        assert copy.names == {"client": client.id, "alias": client.id}
        assert copy.snapshot_policy.guard_for(client.id).take == "require_quiescent"
        assert (copy.engine.step_ns, copy.engine.orphan_policy) == (7, "misdeliver")
        draws = [await n.handle("client").call("mgmt", "raw_rand", {}) for n in (net, copy)]
        assert draws[0] == draws[1]
        net.close()
        copy.close()

    anyio.run(main)


def test_refuses_a_snapshot_guard_that_is_a_function():
    async def main():
        async with Subnet(seed=1) as net:
            chat = await net.deploy(Chat, name="chat")
            net.set_snapshot_guard(chat, SnapshotGuard(take=lambda op, view: None))
            with pytest.raises(PersistError, match=f"cannot save canister {chat.id}: its snap"):
                persist.dumps(net)
            net.set_snapshot_guard(chat, None)
            net.snapshot_guard = SnapshotGuard(load=lambda op, view: None)
            with pytest.raises(PersistError, match="cannot save the subnet: its snapshot guard"):
                persist.dumps(net)

    anyio.run(main)


def test_a_changed_class_is_detected(tmp_path, monkeypatch):
    module = tmp_path / "changing_canister.py"
    source = textwrap.dedent(
        """
        from actors import Canister, update

        class Counter(Canister):
            def __init__(self):
                self.n = 0

            @update
            def bump(self) -> int:
                self.n += 1
                return self.n
        """
    )
    module.write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    import changing_canister

    async def main():
        async with Subnet(seed=1) as net:
            counter = await net.deploy(changing_canister.Counter, name="c")
            await counter.call("bump")
            return persist.dumps(net)

    data = anyio.run(main)
    # the class changes: same name, other source (and so another module hash)
    changing_canister.Counter._module_hash = b"\x00" * 32
    with pytest.raises(CodeChangedError, match="changed since it was installed"):
        persist.loads(data)
    loaded = persist.loads(data, accept_code_changes=True)
    assert loaded.changed_code == [loaded.net.handle("c").id]
    assert loaded.net.inspect("c").heap == {"n": 1}
    loaded.net.close()
    del sys.modules["changing_canister"]


def test_load_snapshot_of_a_loaded_subnet_checks_its_checksum():
    async def main():
        async with Subnet(seed=9) as net:
            store = await net.deploy(Store, name="store")
            await store.call("put", 0, b"abc")
            ic = net.management
            await ic.stop_canister(canister_id=store.id)
            snap = await ic.take_canister_snapshot(canister_id=store.id)
            data = persist.dumps(net)
        net2 = persist.loads(data).net
        stored = net2.engine.get(net2.handle("store").id).snapshots[snap.id]
        stored.certified_data = b"tampered"  # content no longer matches the saved checksum
        with pytest.raises(Reject, match="corrupted"):
            await net2.management.load_canister_snapshot(
                canister_id=net2.handle("store").id, snapshot_id=snap.id
            )
        net2.close()

    anyio.run(main)
