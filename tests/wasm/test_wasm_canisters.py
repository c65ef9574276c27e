"""Wasm canisters on the simulator: the System API's edges, with small hand-written modules
(WebAssembly text, compiled by wasmtime), and the Motoko chat and counter.

Every failure ends in the IC's reject code and message: a trap, memory out of bounds, an
endless loop (fuel), a malformed module, an import the simulator does not provide.
"""

import hashlib

import pytest

from actors import Canister, update
from subnet import ErrorCode, Reject, Subnet

wasmtime = pytest.importorskip("wasmtime")

from subnet.candid.binary import uleb128  # noqa: E402
from subnet.wasm import WasmModule  # noqa: E402
from tests.support import MOTOKO  # noqa: E402

pytestmark = pytest.mark.anyio


ECHO = r"""(module
 (import "ic0" "msg_arg_data_size" (func $size (result i32)))
 (import "ic0" "msg_arg_data_copy" (func $copy (param i32 i32 i32)))
 (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
 (import "ic0" "msg_reply" (func $reply))
 (import "ic0" "msg_reject" (func $reject (param i32 i32)))
 (import "ic0" "trap" (func $trap (param i32 i32)))
 (import "ic0" "stable64_grow" (func $grow (param i64) (result i64)))
 (import "ic0" "stable64_write" (func $swrite (param i64 i64 i64)))
 (memory (export "memory") 1)
 (global $n (mut i32) (i32.const 0))
 (data (i32.const 100) "boom")
 (func $count (global.set $n (i32.add (global.get $n) (i32.const 1))))
 (func (export "canister_update echo")
   (call $count)
   (call $copy (i32.const 0) (i32.const 0) (call $size))
   (call $append (i32.const 0) (call $size))
   (call $reply))
 (func (export "canister_update boom")
   (call $count)
   (drop (call $grow (i64.const 1)))
   (call $swrite (i64.const 0) (i64.const 100) (i64.const 4))
   (call $trap (i32.const 100) (i32.const 4)))
 (func (export "canister_update refuse")
   (call $reject (i32.const 100) (i32.const 4)))
 (func (export "canister_update twice")
   (call $reply) (call $reply))
 (func (export "canister_query count")
   (call $count)
   (i32.store (i32.const 200) (global.get $n))
   (call $append (i32.const 200) (i32.const 4))
   (call $reply))
 (func (export "canister_update spin") (loop $l (br $l)))
 (func (export "canister_update oob") (drop (i32.load (i32.const 70000))))
 (func (export "canister_update bad_copy")
   (call $copy (i32.const 65530) (i32.const 0) (i32.const 100)))
 (func (export "canister_update div") (drop (i32.div_u (i32.const 1) (global.get $n))))
 (func (export "canister_update unreachable") unreachable)
 (func (export "canister_update silent"))
)"""


def echo_module() -> WasmModule:
    return WasmModule(wasmtime.wat2wasm(ECHO), name="echo")


async def count(handle) -> int:
    """The committed count: the query adds one before it answers, and its change is
    discarded."""
    return int.from_bytes(await handle.query("count"), "little") - 1


async def test_a_raw_module_replies_with_the_bytes_it_was_sent():
    async with Subnet() as net:
        echo = await net.deploy(echo_module(), name="echo")
        assert await echo.call("echo", b"hello") == b"hello"
        assert await count(echo) == 1


async def test_a_query_changes_nothing():
    async with Subnet() as net:
        echo = await net.deploy(echo_module())
        assert await count(echo) == 0
        assert await count(echo) == 0


async def test_a_trap_rolls_back_memory_globals_and_stable_memory():
    async with Subnet() as net:
        echo = await net.deploy(echo_module())
        await echo.call("echo", b"x")
        with pytest.raises(Reject) as info:
            await echo.call("boom")
        assert info.value.error_code == ErrorCode.CanisterCalledTrap
        assert "Canister called `ic0.trap` with message: 'boom'" in info.value.reject_message
        assert await count(echo) == 1  # the global's increment was undone
        assert net.engine.canisters[echo.id].stable.size() == 0  # and the grow


@pytest.mark.parametrize(
    ("method", "arg", "code", "text"),
    [
        ("oob", b"", ErrorCode.CanisterTrapped, "Canister trapped: heap out of bounds"),
        # a copy into memory past its end
        ("bad_copy", bytes(100), ErrorCode.CanisterTrapped, "Canister trapped: heap out of bounds"),
        # a copy of more than the argument holds
        ("bad_copy", b"", ErrorCode.CanisterContractViolation, "source range"),
        ("div", b"", ErrorCode.CanisterTrapped, "Canister trapped: integer division by 0"),
        ("unreachable", b"", ErrorCode.CanisterTrapped, "Canister trapped: unreachable"),
        ("twice", b"", ErrorCode.CanisterContractViolation, "ic0.msg_reply: the call is already"),
        ("silent", b"", ErrorCode.CanisterDidNotReply, "did not reply to the call"),
    ],
)
async def test_failures_end_in_the_ics_codes_and_messages(method, arg, code, text):
    async with Subnet() as net:
        echo = await net.deploy(echo_module())
        with pytest.raises(Reject) as info:
            await echo.call(method, arg)
        assert info.value.error_code == code
        assert text in info.value.reject_message


async def test_an_explicit_reject_reaches_the_caller():
    async with Subnet() as net:
        echo = await net.deploy(echo_module())
        with pytest.raises(Reject, match="boom") as info:
            await echo.call("refuse")
        assert info.value.error_code == ErrorCode.CanisterRejectedMessage


async def test_an_endless_loop_runs_out_of_fuel_with_ic0522():
    async with Subnet(instruction_limit=2_000_000) as net:
        echo = await net.deploy(echo_module())
        with pytest.raises(Reject) as info:
            await echo.call("spin")
        assert info.value.error_code == ErrorCode.CanisterInstructionLimitExceeded
        assert "exceeded the limit of 2000000 instructions" in info.value.reject_message
        assert await echo.call("echo", b"ok") == b"ok"  # the canister goes on


async def test_a_malformed_module_is_refused_at_install():
    async with Subnet() as net:
        cid = (await net.management.create_canister()).canister_id
        with pytest.raises(Reject) as info:
            await net.management.install_code(
                mode="install", canister_id=cid, wasm_module=b"\0asm\x01\0\0\0\x01\xff"
            )
        assert info.value.error_code == ErrorCode.CanisterInvalidWasm
        assert info.value.reject_message.startswith("Canister's Wasm module is not valid: ")
        assert net.inspect(cid).module_hash is None  # nothing was installed


async def test_an_unsupported_import_is_refused_at_install_naming_it():
    wat = '(module (import "ic0" "mint_cycles128" (func (param i64 i64 i32))))'
    async with Subnet() as net:
        with pytest.raises(Reject) as info:
            await net.deploy(WasmModule(wasmtime.wat2wasm(wat)))
        assert info.value.error_code == ErrorCode.CanisterInvalidWasm
        assert "imports function 'mint_cycles128' from 'ic0'" in info.value.reject_message


async def test_install_code_takes_real_module_bytes_and_reports_their_hash():
    wasm = (MOTOKO / "counter.wasm").read_bytes()
    async with Subnet() as net:
        ic = net.management
        cid = (await ic.create_canister()).canister_id
        await ic.install_code(mode="install", canister_id=cid, wasm_module=wasm)
        status = await ic.canister_status(canister_id=cid)
        assert status.module_hash == hashlib.sha256(wasm).digest()
        assert await net.submit(cid, "inc") == 1


async def test_the_motoko_chat_has_the_tutorials_bug():
    async with Subnet() as net:
        chat = await net.deploy(WasmModule.from_file(MOTOKO / "chat.wasm"), name="chat")
        await chat.call("append", "Hi there!")
        await chat.call("append", "win at the casino")
        assert await chat.query("dump") == ["Hi there!", "win at the casino"]
        assert await chat.call("remove_spam") == 1
        assert await chat.query("dump") == ["Hi there!", "(removed spam message)"]
        # with no spam left, remove_spam empties the chat (the bug the tutorial fixes by
        # loading a snapshot)
        assert await chat.call("remove_spam") == 0
        assert await chat.query("dump") == []


async def test_a_motoko_trap_and_an_endless_loop():
    async with Subnet(instruction_limit=50_000_000) as net:
        counter = await net.deploy(WasmModule.from_file(MOTOKO / "counter.wasm"))
        assert await counter.call("inc") == 1
        with pytest.raises(Reject, match="'boom'"):
            await counter.call("boom")
        with pytest.raises(Reject) as info:
            await counter.call("loop_forever")
        assert info.value.error_code == ErrorCode.CanisterInstructionLimitExceeded
        assert await counter.query("get") == 1


async def test_a_python_canister_calls_a_motoko_one_and_back():
    class Poster(Canister):
        @update
        async def post(self, chat, text: str) -> list[str]:
            await self.call(chat, "append", text)
            return await self.call(chat, "dump")

    async with Subnet() as net:
        chat = await net.deploy(WasmModule.from_file(MOTOKO / "chat.wasm"))
        poster = await net.deploy(Poster)
        assert await poster.call("post", chat.id, "from Python") == ["from Python"]


async def test_an_upgrade_keeps_motoko_stable_variables_only():
    wasm = (MOTOKO / "counter.wasm").read_bytes()
    chat_wasm = (MOTOKO / "chat.wasm").read_bytes()
    async with Subnet() as net:
        counter = await net.deploy(WasmModule(wasm))
        chat = await net.deploy(WasmModule(chat_wasm))
        await counter.call("inc")
        await chat.call("append", "transient")
        ic = net.management
        await ic.install_code(mode="upgrade", canister_id=counter.id, wasm_module=wasm)
        await ic.install_code(mode="upgrade", canister_id=chat.id, wasm_module=chat_wasm)
        assert await counter.query("get") == 1  # a stable variable survives
        assert await chat.query("dump") == []  # the chat is transient: gone


async def test_same_seed_same_trace_with_wasm_canisters():
    async def run(seed):
        async with Subnet(seed) as net:
            chat = await net.deploy(WasmModule.from_file(MOTOKO / "chat.wasm"))
            pending = [chat.submit("append", f"m{i}") for i in range(5)]
            for p in pending:
                await p
            return net.trace_bytes()

    assert await run(3) == await run(3)


TASKS = r"""(module
 (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
 (import "ic0" "msg_reply" (func $reply))
 (import "ic0" "global_timer_set" (func $timer (param i64) (result i64)))
 (import "ic0" "time" (func $time (result i64)))
 (memory 1)
 (global $fired (mut i32) (i32.const 0))
 (global $beats (mut i32) (i32.const 0))
 (func (export "canister_update arm")
   (drop (call $timer (i64.add (call $time) (i64.const 1))))
   (call $reply))
 (func (export "canister_global_timer")
   (global.set $fired (i32.add (global.get $fired) (i32.const 1))))
 (func (export "canister_heartbeat")
   (global.set $beats (i32.add (global.get $beats) (i32.const 1))))
 (func (export "canister_query counts")
   (i32.store (i32.const 0) (global.get $fired))
   (i32.store (i32.const 4) (global.get $beats))
   (call $append (i32.const 0) (i32.const 8))
   (call $reply))
)"""


async def test_the_global_timer_and_heartbeats_run_the_modules_exports():
    async with Subnet() as net:
        tasks = await net.deploy(WasmModule(wasmtime.wat2wasm(TASKS)))
        await tasks.call("arm")
        net.advance_time(10**9)
        await net.run_until_idle()
        raw = await tasks.query("counts")
        fired, beats = int.from_bytes(raw[:4], "little"), int.from_bytes(raw[4:], "little")
        assert fired == 1
        assert beats >= 1


async def test_a_motoko_canister_calls_the_management_canister():
    # raw_rand takes nothing; create_canister takes a record, whose field names the wire
    # carries only as hashes: both are decoded by the management canister's field names
    async with Subnet() as net:
        manager = await net.deploy(WasmModule.from_file(MOTOKO / "manager.wasm"))
        assert await manager.call("random") == 32
        spawned = await manager.call("spawn")
        view = net.inspect(spawned)
        assert view.controllers == [manager.id]
        assert view.module_hash is None


def with_custom_section(wasm: bytes, name: str, payload: bytes = b"") -> bytes:
    """``wasm`` with one more custom section (id 0) at its end."""
    body = uleb128(len(name.encode())) + name.encode() + payload
    return wasm + b"\x00" + uleb128(len(body)) + body


# rs/execution_environment/src/execution/install_code.rs :: determine_main_memory_handling:
# a module that declares enhanced orthogonal persistence (the custom section Motoko emits)
# must be upgraded with the wasm_memory_persistence option given; a classical one cannot keep
async def test_upgrade_options_of_enhanced_orthogonal_persistence():
    classical = (MOTOKO / "counter.wasm").read_bytes()
    enhanced = WasmModule(
        with_custom_section(classical, "icp:private enhanced-orthogonal-persistence")
    )
    async with Subnet() as net:
        c = await net.deploy(enhanced)
        with pytest.raises(Reject) as rej:
            await net.management.install_code(
                mode="upgrade", canister_id=c.id, wasm_module=WasmModule(classical)
            )
        assert rej.value.error_code == ErrorCode.CanisterContractViolation
        assert rej.value.reject_message == (
            "Missing upgrade option: Enhanced orthogonal persistence requires the "
            "`wasm_memory_persistence` upgrade option."
        )
        with pytest.raises(Reject) as rej:
            await net.management.install_code(
                mode={"upgrade": {"wasm_memory_persistence": {"keep": None}}},
                canister_id=c.id,
                wasm_module=WasmModule(classical),
            )
        assert rej.value.reject_message.startswith("Invalid upgrade option: ")
        assert net.inspect(c).module_hash == enhanced.module_hash
        await net.management.install_code(
            mode={"upgrade": {"wasm_memory_persistence": {"replace": None}}},
            canister_id=c.id,
            wasm_module=WasmModule(classical),
        )
        assert net.inspect(c).module_hash == hashlib.sha256(classical).digest()


CLEANUP_TRAPS = r"""(module
 (import "ic0" "msg_arg_data_size" (func $size (result i32)))
 (import "ic0" "msg_arg_data_copy" (func $copy (param i32 i32 i32)))
 (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
 (import "ic0" "call_on_cleanup" (func $call_on_cleanup (param i32 i32)))
 (import "ic0" "call_perform" (func $call_perform (result i32)))
 (import "ic0" "trap" (func $trap (param i32 i32)))
 (memory 1)
 (table 2 funcref)
 (elem (i32.const 0) $on_reply $on_cleanup)
 (data (i32.const 100) "echo")
 (data (i32.const 200) "in reply")
 (data (i32.const 300) "in cleanup")
 (func $on_reply (param i32) (call $trap (i32.const 200) (i32.const 8)))
 (func $on_cleanup (param i32) (call $trap (i32.const 300) (i32.const 10)))
 (func $go
  (call $copy (i32.const 0) (i32.const 0) (call $size))
  (call $call_new (i32.const 0) (call $size) (i32.const 100) (i32.const 4)
                  (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
  (call $call_on_cleanup (i32.const 1) (i32.const 0))
  (drop (call $call_perform)))
 (export "canister_update go" (func $go))
 (export "memory" (memory 0)))
"""


# rs/execution_environment/src/execution/response/tests.rs :: execute_response_with_trapping_cleanup
# and rs/interfaces/src/execution_environment/errors.rs (HypervisorError::Cleanup): the caller
# gets both errors, with the callback's code. (The module does not export its table: the
# instrumentation does, as the IC's does, so that the callbacks it names can be found.)
async def test_a_cleanup_that_traps_too_is_reported_with_the_callbacks_error():
    async with Subnet() as net:
        echo = await net.deploy(echo_module())
        caller = await net.deploy(WasmModule(wasmtime.wat2wasm(CLEANUP_TRAPS)))
        with pytest.raises(Reject) as info:
            await caller.call("go", bytes(echo.id))
        assert info.value.error_code == ErrorCode.CanisterCalledTrap
        assert info.value.reject_message == (
            f"Error from Canister {caller.id}: Canister called `ic0.trap` with message: "
            "'in reply'\n\ncall_on_cleanup also failed:\n\nCanister called `ic0.trap` with "
            "message: 'in cleanup'"
        )
        assert not [e for e in net.trace if e.kind == "cleanup"]  # its changes are not kept


# rs/replicated_state: CanisterState::snapshot_size_bytes counts the exported globals
# (global_memory_usage: size_of::<Global>() each, 32 bytes with V128), as
# ValidatedSnapshotMetadata::snapshot_size_bytes does for an upload
async def test_a_snapshots_size_counts_its_globals():
    async with Subnet() as net:
        counter = await net.deploy(WasmModule.from_file(MOTOKO / "counter.wasm"))
        await counter.call("inc")
        await net.management.stop_canister(canister_id=counter.id)
        snap = await net.management.take_canister_snapshot(canister_id=counter.id)
        meta = await net.management.read_canister_snapshot_metadata(
            canister_id=counter.id, snapshot_id=snap.id
        )
        assert len(meta.globals) > 0
        assert snap.total_size == (
            meta.wasm_module_size
            + meta.wasm_memory_size
            + meta.stable_memory_size
            + 32 * len(meta.globals)
            + len(meta.certified_data)
        )


CONSTANT_REPLY = r"""(module
 (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
 (import "ic0" "msg_reply" (func $reply))
 (memory 1)
 (data (i32.const 0) "DIDL\01\6d\7b\01\00\02ok")
 (func $f (call $append (i32.const 0) (i32.const 12)) (call $reply))
 (export "canister_query f" (func $f))
 (export "memory" (memory 0)))
"""


# A method the interface types (blob) -> (blob) is a Candid method like any other: only a
# method the interface does not name is raw (its bytes as they are)
async def test_a_candid_blob_method_is_not_raw():
    wasm = wasmtime.wat2wasm(CONSTANT_REPLY)
    typed = with_custom_section(
        wasm, "icp:public candid:service", b"service : { f : (blob) -> (blob) }"
    )
    async with Subnet() as net:
        assert await (await net.deploy(WasmModule(typed))).query("f", b"x") == b"ok"
        raw = await net.deploy(WasmModule(wasm))  # no interface: the reply's bytes as they are
        assert await raw.query("f", b"x") == b"DIDL\x01m{\x01\x00\x02ok"


SEVEN = r"""(module
 (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
 (import "ic0" "msg_reply" (func $reply))
 (memory 1)
 (data (i32.const 0) "DIDL\00\01\7d\07")
 (func $f (call $append (i32.const 0) (i32.const 8)) (call $reply))
 (export "canister_update f" (func $f))
 (export "memory" (memory 0)))
"""


# Candid: trailing arguments of type opt (null, reserved) may be left out; they go on the
# wire as null (the caller's side of the rule parse_args applies to text)
async def test_trailing_optional_arguments_may_be_left_out():
    typed = with_custom_section(
        wasmtime.wat2wasm(SEVEN),
        "icp:public candid:service",
        b"service : { f : (nat, opt nat, null) -> (nat) }",
    )
    async with Subnet() as net:
        c = await net.deploy(WasmModule(typed))
        assert await c.call("f", 1) == 7
        assert await c.call("f", 1, 2) == 7
        with pytest.raises(Reject):
            await c.call("f")  # the nat may not be left out
