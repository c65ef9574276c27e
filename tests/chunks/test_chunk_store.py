"""upload_chunk, stored_chunks and clear_chunk_store: hashes, limits, who may call them, and
what the store costs and keeps.

IC sources are abbreviated as in tests/chunks/__init__.py.
"""

import pytest

from subnet import ErrorCode, RejectCode, Subnet
from tests.canisters import GrowCounter, Operator
from tests.support import fingerprint
from tests.support.chunks import MiB, rejected, sha, store_error, upload_all

pytestmark = pytest.mark.anyio


# CM upload_chunk (the reply is the chunk's SHA-256) and stored_chunks (the store's keys, in
# the order of its BTreeMap: by hash)
async def test_upload_answers_the_hash_and_stored_chunks_lists_them_by_hash():
    async with Subnet() as net:
        ic = net.management
        c = await net.deploy(GrowCounter)
        chunks = [b"zeta", b"alpha", b"", b"x" * MiB]
        hashes = await upload_all(net, c.id, chunks)
        assert hashes == [sha(chunk) for chunk in chunks]
        stored = await ic.stored_chunks(canister_id=c.id)
        assert [h.hash for h in stored] == sorted(hashes)


# WCS can_insert_chunk: a chunk already stored is found first (AlreadyExists), and changes
# nothing
async def test_uploading_a_chunk_twice_changes_nothing():
    async with Subnet() as net:
        ic = net.management
        c = await net.deploy(GrowCounter)
        first = await ic.upload_chunk(canister_id=c.id, chunk=b"same")
        before = fingerprint(net)
        again = await ic.upload_chunk(canister_id=c.id, chunk=b"same")
        assert again == first
        assert fingerprint(net) == before
        assert len(await ic.stored_chunks(canister_id=c.id)) == 1


# WCS error_when_chunk_exceeds_size_limit: "Wasm chunk size 1048577 exceeds the maximum chunk
# size of 1048576", as a WasmChunkStoreError (TY: IC0504 and its help)
async def test_a_chunk_larger_than_one_mib_is_refused():
    async with Subnet() as net:
        c = await net.deploy(GrowCounter)
        before = fingerprint(net)
        rej = await rejected(net, "upload_chunk", {"canister_id": c.id, "chunk": bytes(MiB + 1)})
        assert rej.error_code == ErrorCode.CanisterContractViolation
        assert rej.reject_code == RejectCode.CANISTER_ERROR
        assert rej.reject_message == store_error(
            "Wasm chunk size 1048577 exceeds the maximum chunk size of 1048576"
        )
        assert fingerprint(net) == before


# EE take_snapshot_with_maximal_chunk_store (100 chunks fit, the 101st does not) and WCS
# can_insert_chunk (the capacity message; a chunk already there still "fits")
async def test_the_store_holds_one_hundred_chunks():
    async with Subnet() as net:
        ic = net.management
        c = await net.deploy(GrowCounter)
        await upload_all(net, c.id, [i.to_bytes(4, "big") for i in range(100)])
        before = fingerprint(net)
        rej = await rejected(net, "upload_chunk", {"canister_id": c.id, "chunk": bytes([42] * 42)})
        assert rej.error_code == ErrorCode.CanisterContractViolation
        assert rej.reject_message == store_error(
            "Wasm chunk store has already reached maximum capacity of 104857600 bytes or the "
            "maximum number of entries, 100"
        )
        assert fingerprint(net) == before
        again = await ic.upload_chunk(canister_id=c.id, chunk=(7).to_bytes(4, "big"))
        assert again.hash == sha((7).to_bytes(4, "big"))


# CM clear_chunk_store: the store is emptied (a fresh WasmChunkStore)
async def test_clear_chunk_store_empties_the_store():
    async with Subnet() as net:
        ic = net.management
        c = await net.deploy(GrowCounter)
        await upload_all(net, c.id, [b"a", b"b"])
        await ic.clear_chunk_store(canister_id=c.id)
        assert await ic.stored_chunks(canister_id=c.id) == []
        await ic.clear_chunk_store(canister_id=c.id)  # an empty store clears too


# CM upload_chunk, stored_chunks, clear_chunk_store: "Allow the canister itself to perform
# this operation", else validate_controller
async def test_the_canister_itself_may_use_its_store_and_others_may_not():
    async with Subnet() as net:
        op = await net.deploy(Operator)
        other = await net.deploy(Operator)
        await net.management.update_settings(
            canister_id=op.id, settings={"controllers": [net.identity("alice")]}, sender=None
        )
        got = await op.call("ic00", "upload_chunk", {"canister_id": op.id, "chunk": b"mine"})
        assert got == {"reply": {"hash": sha(b"mine")}}
        got = await op.call("ic00", "stored_chunks", {"canister_id": op.id})
        assert got == {"reply": [{"hash": sha(b"mine")}]}
        cs = net.engine.get(op.id)
        before = (repr(cs.extra), cs.version)
        for method, record in (
            ("upload_chunk", {"canister_id": op.id, "chunk": b"theirs"}),
            ("stored_chunks", {"canister_id": op.id}),
            ("clear_chunk_store", {"canister_id": op.id}),
        ):
            (code, message) = (await other.call("ic00", method, record))["reject"]
            assert code == RejectCode.CANISTER_ERROR
            assert message.startswith(f"Only the controllers of the canister {op.id} can control")
        assert (repr(cs.extra), cs.version) == before
        got = await op.call("ic00", "clear_chunk_store", {"canister_id": op.id})
        assert got == {"reply": None}


# The ingress filter (EX should_accept_ingress_message): upload_chunk, stored_chunks and
# clear_chunk_store from a user are accepted from the canister's controllers only
async def test_a_user_who_does_not_control_the_canister_is_refused():
    async with Subnet() as net:
        c = await net.deploy(GrowCounter)
        mallory = net.identity("mallory")
        before = fingerprint(net)
        rej = await rejected(
            net, "upload_chunk", {"canister_id": c.id, "chunk": b"x"}, sender=mallory
        )
        assert rej.error_code == ErrorCode.CanisterInvalidController
        assert rej.reject_message == (
            f"Only controllers of canister {c.id} can call ic00 method upload_chunk"
        )
        assert fingerprint(net) == before


# CanisterState::memory_usage counts wasm_chunk_store_memory_usage: 1 MiB a chunk
# (WCS insert_chunk adds PAGES_PER_CHUNK pages, whatever the chunk's length)
async def test_every_chunk_costs_one_mib():
    async with Subnet() as net:
        ic = net.management
        c = await net.deploy(GrowCounter)
        empty = (await ic.canister_status(canister_id=c.id)).memory_size
        await upload_all(net, c.id, [b"tiny", b"small"])
        assert (await ic.canister_status(canister_id=c.id)).memory_size == empty + 2 * MiB
        await ic.clear_chunk_store(canister_id=c.id)
        assert (await ic.canister_status(canister_id=c.id)).memory_size == empty


# CM uninstall_canister ("Clear the Wasm chunk store."); an install keeps the store
async def test_uninstall_clears_the_store_and_reinstall_keeps_it():
    async with Subnet() as net:
        ic = net.management
        c = await net.deploy(GrowCounter)
        await upload_all(net, c.id, [b"kept"])
        await ic.install_code(mode="reinstall", canister_id=c.id, wasm_module=GrowCounter)
        assert [h.hash for h in await ic.stored_chunks(canister_id=c.id)] == [sha(b"kept")]
        await ic.uninstall_code(canister_id=c.id)
        assert await ic.stored_chunks(canister_id=c.id) == []
        await upload_all(net, c.id, [b"again"])  # an empty canister has a store too
        await ic.install_code(mode="install", canister_id=c.id, wasm_module=GrowCounter)
        await ic.take_canister_snapshot(canister_id=c.id, uninstall_code=True)
        assert await ic.stored_chunks(canister_id=c.id) == []


# CM upload_chunk: the canister must exist (get_canister_mut: "Canister <id> not found.")
async def test_upload_to_a_canister_that_does_not_exist():
    async with Subnet() as net:
        op = await net.deploy(Operator)
        gone = await net.deploy(GrowCounter)
        await net.management.stop_canister(canister_id=gone.id)
        await net.management.delete_canister(canister_id=gone.id)
        got = await op.call("ic00", "upload_chunk", {"canister_id": gone.id, "chunk": b"x"})
        assert got == {"reject": [RejectCode.DESTINATION_INVALID, f"Canister {gone.id} not found."]}
