"""Snapshots of Wasm canisters hold the real linear memory, stable memory and mutable globals,
and the module's bytes; downloads and uploads use the IC's layout (the memory as it is, the
globals in the metadata)."""

import hashlib

import pytest

from subnet import ErrorCode, Reject, Subnet
from tests.support.snapshots import assert_snapshot_eq, download, download_upload, take

pytest.importorskip("wasmtime")

from subnet.wasm import WasmModule
from tests.support import MOTOKO

pytestmark = pytest.mark.anyio

COUNTER = MOTOKO / "counter.wasm"


async def test_a_snapshot_download_is_the_module_and_its_real_memory():
    wasm = COUNTER.read_bytes()
    async with Subnet() as net:
        counter = await net.deploy(WasmModule(wasm))
        await counter.call("inc")
        snap = await take(net, counter.id)
        meta, module, memory, stable = await download(net.management, counter.id, snap.id)
        assert module == wasm
        assert len(stable) == meta.stable_memory_size
        status = await net.management.canister_status(canister_id=counter.id)
        assert status.module_hash == hashlib.sha256(wasm).digest()
        assert len(memory) % 65536 == 0 and len(memory) >= 33 * 65536  # Motoko starts at 33
        kinds = [next(iter(g)) for g in meta.globals]
        assert kinds and set(kinds) <= {"i32", "i64", "f32", "f64"}


async def test_load_puts_the_memory_back():
    async with Subnet() as net:
        counter = await net.deploy(WasmModule.from_file(COUNTER))
        await counter.call("inc")
        snap = await take(net, counter.id)
        await counter.call("inc")
        await counter.call("inc")
        assert await counter.query("get") == 3
        await net.management.load_canister_snapshot(canister_id=counter.id, snapshot_id=snap.id)
        assert await counter.query("get") == 1
        assert await counter.call("inc") == 2


async def test_download_upload_load_round_trip_onto_another_canister():
    async with Subnet() as net:
        ic = net.management
        a = await net.deploy(WasmModule.from_file(COUNTER))
        b = await net.deploy(WasmModule.from_file(COUNTER))
        for _ in range(5):
            await a.call("inc")
        sa = await take(net, a.id)
        meta = (await download(ic, a.id, sa.id))[0]
        sid = await download_upload(ic, a.id, sa.id, b.id, globals=meta.globals)
        await assert_snapshot_eq(ic, a.id, sa.id, b.id, sid)
        await ic.load_canister_snapshot(canister_id=b.id, snapshot_id=sid)
        assert await b.query("get") == 5
        assert await b.call("inc") == 6


async def test_an_upload_whose_globals_do_not_fit_the_module_is_refused():
    async with Subnet() as net:
        ic = net.management
        a = await net.deploy(WasmModule.from_file(COUNTER))
        sa = await take(net, a.id)
        sid = await download_upload(ic, a.id, sa.id, a.id, globals=({"i32": 1},))
        with pytest.raises(Reject) as info:
            await ic.load_canister_snapshot(canister_id=a.id, snapshot_id=sid)
        assert info.value.error_code == ErrorCode.InvalidManagementPayload
        assert "exported globals" in info.value.reject_message
        assert await a.query("get") == 0
