"""install_chunked_code: the chunks of a store canister make module bytes, which must have the
given SHA-256 and name a loaded class; the class is then installed as install_code installs
it. Every refusal changes nothing.

IC sources are abbreviated as in tests/chunks/__init__.py.
"""

import pytest

from subnet import ErrorCode, RejectCode, Subnet
from subnet.management import module_bytes
from subnet.management.chunks import SUBNET_ID
from tests.canisters import GrowCounter, Operator, Other
from tests.support import fingerprint
from tests.support.chunks import dec, rejected, sha, split_module, store_error, upload_all

pytestmark = pytest.mark.anyio

METHOD = "install_chunked_code"


def record(target, hashes, module_hash, **extra):
    return {
        "mode": "install",
        "target_canister": target,
        "chunk_hashes_list": [{"hash": h} for h in hashes],
        "wasm_module_hash": module_hash,
        **extra,
    }


async def empty_canister(net, sender=None):
    return (await net.management.create_canister(sender=sender)).canister_id


# TY WasmSource::into_canister_module: the chunks, in the list's order, make the module; then
# the install runs as install_code's (the history records a code deployment)
async def test_install_and_upgrade_from_chunks():
    async with Subnet() as net:
        ic = net.management
        cid = await empty_canister(net)
        chunks = split_module(GrowCounter)
        hashes = await upload_all(net, cid, chunks)
        await ic.install_chunked_code(
            mode="install",
            target_canister=cid,
            chunk_hashes_list=[{"hash": h} for h in hashes],
            wasm_module_hash=sha(module_bytes(GrowCounter)),
        )
        assert net.engine.get(cid).code is GrowCounter
        assert await net.submit(cid, "inc") == 1
        info = await ic.canister_info(canister_id=cid, num_requested_changes=1)
        (change,) = info.recent_changes
        assert change.details == {
            "code_deployment": {"mode": "install", "module_hash": GrowCounter.module_hash()}
        }
        other = await upload_all(net, cid, split_module(Other, 2))
        await ic.install_chunked_code(
            mode="upgrade",
            target_canister=cid,
            chunk_hashes_list=[{"hash": h} for h in other],
            wasm_module_hash=sha(module_bytes(Other)),
        )
        assert net.engine.get(cid).code is Other
        assert await net.submit(cid, "which") == "other"
        # the chunks stay in the store
        assert len(await ic.stored_chunks(canister_id=cid)) == len(hashes) + len(other)


# EX decode_input_and_take_canister: the store canister may be another one, if the sender
# controls it (validate_controller unless the store is the sender)
async def test_install_from_another_canisters_store():
    async with Subnet() as net:
        ic = net.management
        store = await net.deploy(GrowCounter)
        cid = await empty_canister(net)
        hashes = await upload_all(net, store.id, split_module(Other))
        await ic.install_chunked_code(
            **record(cid, hashes, sha(module_bytes(Other)), store_canister=store.id)
        )
        assert net.engine.get(cid).code is Other
        assert await ic.stored_chunks(canister_id=cid) == []  # the target's store is not used


# EX decode_input_and_take_canister: a store canister that does not exist
async def test_a_store_canister_that_does_not_exist():
    async with Subnet() as net:
        cid = await empty_canister(net)
        gone = await empty_canister(net)
        await net.management.stop_canister(canister_id=gone)
        await net.management.delete_canister(canister_id=gone)
        before = fingerprint(net)
        rej = await rejected(net, METHOD, record(cid, [], sha(b""), store_canister=gone))
        assert rej.error_code == ErrorCode.CanisterNotFound
        assert rej.reject_message == (
            f"InstallChunkedCode Error: Store canister {gone} was not found on subnet "
            f"{SUBNET_ID} of target canister {cid}"
        )
        assert fingerprint(net) == before


# EX decode_input_and_take_canister: the sender must control the store canister
async def test_the_sender_must_control_the_store_canister():
    async with Subnet() as net:
        alice, bob = net.identity("alice"), net.identity("bob")
        store = await empty_canister(net, sender=alice)
        cid = await empty_canister(net, sender=bob)
        hashes = await upload_all(net, store, split_module(Other), sender=alice)
        before = fingerprint(net)
        rej = await rejected(
            net,
            METHOD,
            record(cid, hashes, sha(module_bytes(Other)), store_canister=store),
            sender=bob,
        )
        assert rej.error_code == ErrorCode.CanisterInvalidController
        assert rej.reject_message.startswith(
            f"Only the controllers of the canister {store} can control it.\n"
            f"Canister's controllers: {alice}\nSender's ID: {bob}"
        )
        assert fingerprint(net) == before


# TY InstallCodeContext::chunked_install: a module hash that is not 32 bytes
# (InstallCodeContextError::InvalidHash, IC0504, "Invalid wasm hash {:?}")
async def test_a_module_hash_of_the_wrong_length():
    async with Subnet() as net:
        cid = await empty_canister(net)
        before = fingerprint(net)
        rej = await rejected(net, METHOD, record(cid, [], bytes([1, 2, 3])))
        assert rej.error_code == ErrorCode.CanisterContractViolation
        assert rej.reject_message == "Invalid wasm hash [1, 2, 3]"
        assert fingerprint(net) == before


# TY WasmSource::into_canister_module: a hash that is not 32 bytes, a chunk not in the store,
# and a module whose SHA-256 is not the given one (WasmChunkStoreError)
async def test_chunks_that_do_not_make_the_module():
    async with Subnet() as net:
        cid = await empty_canister(net)
        chunks = split_module(Other)
        hashes = await upload_all(net, cid, chunks)
        good = sha(module_bytes(Other))
        unknown = sha(b"never uploaded")
        before = fingerprint(net)
        for hashes_list, module_hash, message in (
            ([b"short"], good, "Chunk hash is invalid. The length is not 32"),
            ([*hashes, unknown], good, f"Chunk hash {dec(unknown)} was not found"),
            (
                list(reversed(hashes)),
                good,
                f"Wasm module hash {dec(sha(b''.join(reversed(chunks))))} does not match given "
                f"hash WasmHash({dec(good)})",
            ),
        ):
            rej = await rejected(net, METHOD, record(cid, hashes_list, module_hash))
            assert rej.error_code == ErrorCode.CanisterContractViolation
            assert rej.reject_code == RejectCode.CANISTER_ERROR
            assert rej.reject_message == store_error(message)
        assert fingerprint(net) == before


# The module bytes must name a loaded class, as an uploaded snapshot's module must at its load
# (bytes that are not a module here: CanisterInvalidWasm, IC0505, as bytes that are not Wasm)
async def test_bytes_that_are_not_a_module():
    async with Subnet() as net:
        cid = await empty_canister(net)
        # a Wasm header and then a section that is cut short (a bare header is a valid,
        # empty, module)
        bad = b"\x00asm\x01\x00\x00\x00\x01\xff"
        hashes = await upload_all(net, cid, [bad])
        before = fingerprint(net)
        rej = await rejected(net, METHOD, record(cid, hashes, sha(bad)))
        assert rej.error_code == ErrorCode.CanisterInvalidWasm
        assert "Canister's Wasm module is not valid" in rej.reject_message
        assert fingerprint(net) == before


# execution/install.rs and upgrade.rs: the input is validated (stage 0) before the module is
# assembled, so a wrong mode is refused even when the chunks are missing
async def test_the_mode_is_checked_before_the_chunks():
    async with Subnet() as net:
        c = await net.deploy(GrowCounter)
        empty = await empty_canister(net)
        missing = [sha(b"missing")]
        before = fingerprint(net)
        rej = await rejected(net, METHOD, record(c.id, missing, sha(b"x")))
        assert rej.error_code == ErrorCode.CanisterNonEmpty
        rej = await rejected(net, METHOD, {**record(empty, missing, sha(b"x")), "mode": "upgrade"})
        assert rej.error_code == ErrorCode.CanisterWasmModuleNotFound
        assert fingerprint(net) == before


# CanisterManager::install_code_dts: validate_controller on the target (a calling canister
# that controls the store but not the target)
async def test_the_sender_must_control_the_target():
    async with Subnet() as net:
        op = await net.deploy(Operator)
        target = await empty_canister(net)
        hashes = await upload_all(net, op.id, split_module(Other))
        before = net.engine.get(target).code, repr(net.engine.get(target).extra)
        got = await op.call(
            "ic00", METHOD, record(target, hashes, sha(module_bytes(Other)), store_canister=op.id)
        )
        code, message = got["reject"]
        assert code == RejectCode.CANISTER_ERROR
        assert message.startswith(f"Only the controllers of the canister {target} can control")
        assert (net.engine.get(target).code, repr(net.engine.get(target).extra)) == before
