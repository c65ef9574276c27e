"""The System API a Wasm canister imports (module ``ic0``), on top of the simulator.

Each function acts on the :class:`~subnet.wasm.context.Execution` of the execution in
progress and on the canister's state, with the interface specification's semantics: where it
may be called (``msg_reply`` only while the call is unanswered, ``call_*`` not in a query,
...), bounds checks on every memory range (a range outside the memory traps with ``heap out
of bounds``), and the replica's texts for contract violations (IC0504).

:data:`SIGNATURES` is the list of what is modelled; a module importing any other ``ic0``
function (or anything from another module) is refused at install, naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import wasmtime

from ..errors import MAX_INTER_CANISTER_PAYLOAD_BYTES
from ..ids import Principal
from ..memory import StableMemoryError
from .context import Execution, PerformedCall, WasmTrap
from .module import InvalidWasm, WasmModule

if TYPE_CHECKING:
    from .runtime import WasmRuntime

I32, I64 = wasmtime.ValType.i32(), wasmtime.ValType.i64()
_I, _L = "i", "l"

SIGNATURES: dict[str, tuple[str, str]] = {
    # name: (parameter types, result types), "i" = i32, "l" = i64
    "msg_arg_data_size": ("", "i"),
    "msg_arg_data_copy": ("iii", ""),
    "msg_caller_size": ("", "i"),
    "msg_caller_copy": ("iii", ""),
    "msg_reject_code": ("", "i"),
    "msg_reject_msg_size": ("", "i"),
    "msg_reject_msg_copy": ("iii", ""),
    "msg_deadline": ("", "l"),
    "msg_reply_data_append": ("ii", ""),
    "msg_reply": ("", ""),
    "msg_reject": ("ii", ""),
    "msg_method_name_size": ("", "i"),
    "msg_method_name_copy": ("iii", ""),
    "accept_message": ("", ""),
    "msg_cycles_available": ("", "l"),
    "msg_cycles_available128": ("i", ""),
    "msg_cycles_refunded": ("", "l"),
    "msg_cycles_refunded128": ("i", ""),
    "msg_cycles_accept": ("l", "l"),
    "msg_cycles_accept128": ("lli", ""),
    "cycles_burn128": ("lli", ""),
    "canister_self_size": ("", "i"),
    "canister_self_copy": ("iii", ""),
    "canister_cycle_balance": ("", "l"),
    "canister_cycle_balance128": ("i", ""),
    "canister_liquid_cycle_balance128": ("i", ""),
    "canister_status": ("", "i"),
    "canister_version": ("", "l"),
    "call_new": ("iiiiiiii", ""),
    "call_on_cleanup": ("ii", ""),
    "call_data_append": ("ii", ""),
    "call_with_best_effort_response": ("i", ""),
    "call_cycles_add": ("l", ""),
    "call_cycles_add128": ("ll", ""),
    "call_perform": ("", "i"),
    "stable_size": ("", "i"),
    "stable_grow": ("i", "i"),
    "stable_write": ("iii", ""),
    "stable_read": ("iii", ""),
    "stable64_size": ("", "l"),
    "stable64_grow": ("l", "l"),
    "stable64_write": ("lll", ""),
    "stable64_read": ("lll", ""),
    "certified_data_set": ("ii", ""),
    "data_certificate_present": ("", "i"),
    "time": ("", "l"),
    "global_timer_set": ("l", "l"),
    "performance_counter": ("i", "l"),
    "is_controller": ("ii", "i"),
    "in_replicated_execution": ("", "i"),
    "debug_print": ("ii", ""),
    "trap": ("ii", ""),
}

_STATUS = {"running": 1, "stopping": 2, "stopped": 3}
_REPLY_KINDS = frozenset({"update", "query", "reply", "reject"})
_ARG_KINDS = frozenset({"update", "query", "reply", "init"})
_CALLER_KINDS = frozenset({"update", "query", "init", "pre_upgrade", "task"})
_CALL_KINDS = frozenset({"update", "reply", "reject", "task"})
_MODE_NAMES = {
    "update": "update",
    "query": "query",
    "reply": "reply callback",
    "reject": "reject callback",
    "cleanup": "cleanup",
    "task": "system task",
    "init": "init",
    "pre_upgrade": "pre_upgrade",
}


def check_imports(module: WasmModule) -> None:
    """Refuse a module whose imports the simulator does not provide (IC0505 at install)."""
    for source, name, kind in module.imports:
        if source != "ic0" or kind != "func":
            raise InvalidWasm(
                f"Wasm module has an invalid import section. Module imports {kind} '{name}' "
                f"from '{source}' that is not exported by the runtime."
            )
        if name not in SIGNATURES:
            raise InvalidWasm(
                f"Wasm module has an invalid import section. Module imports function '{name}' "
                f"from 'ic0' that is not exported by the runtime."
            )


def _violation(text: str) -> WasmTrap:
    return WasmTrap(text, violation=True)


def linker_for(rt: WasmRuntime) -> wasmtime.Linker:
    """A linker providing every function of :data:`SIGNATURES`, bound to ``rt``."""
    linker = wasmtime.Linker(rt.store.engine)
    functions = _functions(rt)
    for name, (params, results) in SIGNATURES.items():
        ftype = wasmtime.FuncType(
            [I32 if c == _I else I64 for c in params], [I32 if c == _I else I64 for c in results]
        )
        linker.define_func("ic0", name, ftype, functions[name])
    return linker


def _functions(rt: WasmRuntime) -> dict[str, Callable[..., Any]]:
    store = rt.store

    def ex(name: str, kinds: frozenset[str] | None = None) -> Execution:
        current = rt.current
        if current is None:
            raise _violation(f'"ic0_{name}" cannot be executed in start mode')
        if kinds is not None and current.kind not in kinds:
            raise _violation(
                f'"ic0_{name}" cannot be executed in {_MODE_NAMES.get(current.kind)} mode'
            )
        return current

    def read(src: int, size: int) -> bytes:
        memory = rt.memory
        if memory is None or src < 0 or size < 0 or src + size > memory.data_len(store):
            raise WasmTrap("heap out of bounds")
        return bytes(memory.read(store, src, src + size)) if size else b""

    def write(dst: int, data: bytes) -> None:
        memory = rt.memory
        if memory is None or dst < 0 or dst + len(data) > memory.data_len(store):
            raise WasmTrap("heap out of bounds")
        if data:
            memory.write(store, data, dst)

    def copy(name: str, data: bytes, dst: int, offset: int, size: int) -> None:
        if offset < 0 or size < 0 or offset + size > len(data):
            raise _violation(
                f"{name} failed because the source range (offset {offset}, size {size}) is out "
                f"of bounds of the data ({len(data)} bytes)"
            )
        write(dst, data[offset : offset + size])

    def u128(dst: int, value: int) -> None:
        write(dst, value.to_bytes(16, "little"))

    cs = rt.canister

    def msg_arg_data_size() -> int:
        return len(ex("msg_arg_data_size", _ARG_KINDS).arg)

    def msg_arg_data_copy(dst: int, offset: int, size: int) -> None:
        copy("ic0.msg_arg_data_copy", ex("msg_arg_data_copy", _ARG_KINDS).arg, dst, offset, size)

    def msg_caller_size() -> int:
        return len(ex("msg_caller_size", _CALLER_KINDS).caller)

    def msg_caller_copy(dst: int, offset: int, size: int) -> None:
        copy("ic0.msg_caller_copy", ex("msg_caller_copy", _CALLER_KINDS).caller, dst, offset, size)

    def msg_reject_code() -> int:
        return ex("msg_reject_code", frozenset({"reply", "reject"})).reject_code

    def msg_reject_msg_size() -> int:
        return len(ex("msg_reject_msg_size", frozenset({"reject"})).reject_message.encode())

    def msg_reject_msg_copy(dst: int, offset: int, size: int) -> None:
        message = ex("msg_reject_msg_copy", frozenset({"reject"})).reject_message.encode()
        copy("ic0.msg_reject_msg_copy", message, dst, offset, size)

    def msg_deadline() -> int:
        return ex("msg_deadline").deadline

    def answerable(name: str) -> Execution:
        current = ex(name, _REPLY_KINDS)
        if current.replied_before or current.response is not None:
            raise _violation(f"ic0.{name}: the call is already replied")
        return current

    def msg_reply_data_append(src: int, size: int) -> None:
        current = answerable("msg_reply_data_append")
        data = read(src, size)
        if len(current.reply_buffer) + len(data) > MAX_INTER_CANISTER_PAYLOAD_BYTES:
            raise _violation(
                f"ic0.msg_reply_data_append: application payload size "
                f"({len(current.reply_buffer) + len(data)}) cannot be larger than "
                f"{MAX_INTER_CANISTER_PAYLOAD_BYTES}."
            )
        current.reply_buffer += data

    def msg_reply() -> None:
        current = answerable("msg_reply")
        current.response = ("reply", bytes(current.reply_buffer))

    def msg_reject(src: int, size: int) -> None:
        current = answerable("msg_reject")
        try:
            text = read(src, size).decode()
        except UnicodeDecodeError:
            raise _violation("ic0.msg_reject: invalid UTF-8 string provided") from None
        current.response = ("reject", text)

    def msg_method_name_size() -> int:
        return len(ex("msg_method_name_size").method.encode())

    def msg_method_name_copy(dst: int, offset: int, size: int) -> None:
        name = ex("msg_method_name_copy").method.encode()
        copy("ic0.msg_method_name_copy", name, dst, offset, size)

    def accept_message() -> None:
        ex("accept_message")  # ingress inspection is not modelled for Wasm: nothing to accept

    def cycles() -> int:
        return int(cs.extra.get("cycles", 0))

    # calls carry no cycles in the simulator: none are available, none come back
    def msg_cycles_available() -> int:
        ex("msg_cycles_available")
        return 0

    def msg_cycles_available128(dst: int) -> None:
        ex("msg_cycles_available128")
        u128(dst, 0)

    def msg_cycles_refunded() -> int:
        ex("msg_cycles_refunded")
        return 0

    def msg_cycles_refunded128(dst: int) -> None:
        ex("msg_cycles_refunded128")
        u128(dst, 0)

    def msg_cycles_accept(max_amount: int) -> int:
        ex("msg_cycles_accept")
        return 0  # calls carry no cycles in the simulator

    def msg_cycles_accept128(high: int, low: int, dst: int) -> None:
        ex("msg_cycles_accept128")
        u128(dst, 0)

    def cycles_burn128(high: int, low: int, dst: int) -> None:
        ex("cycles_burn128")
        u128(dst, 0)

    def canister_self_size() -> int:
        return len(cs.id._raw)

    def canister_self_copy(dst: int, offset: int, size: int) -> None:
        copy("ic0.canister_self_copy", cs.id._raw, dst, offset, size)

    def canister_cycle_balance() -> int:
        return min(cycles(), 2**64 - 1)

    def canister_cycle_balance128(dst: int) -> None:
        u128(dst, cycles())

    def canister_liquid_cycle_balance128(dst: int) -> None:
        u128(dst, cycles())

    def canister_status() -> int:
        return _STATUS[str(cs.status)]

    def canister_version() -> int:
        return int(cs.version)

    def call_new(
        callee_src: int,
        callee_size: int,
        name_src: int,
        name_size: int,
        reply_fun: int,
        reply_env: int,
        reject_fun: int,
        reject_env: int,
    ) -> None:
        current = ex("call_new", _CALL_KINDS)
        callee = read(callee_src, callee_size)
        try:
            method = read(name_src, name_size).decode()
        except UnicodeDecodeError:
            raise _violation("ic0.call_new: invalid UTF-8 method name") from None
        current.pending = PerformedCall(
            callee, method, b"", (reply_fun, reply_env & 0xFFFFFFFF), (reject_fun, reject_env)
        )

    def pending(name: str) -> PerformedCall:
        call = ex(name, _CALL_KINDS).pending
        if call is None:
            raise _violation(f"ic0.{name} called when no call is under construction.")
        return call

    def call_on_cleanup(fun: int, env: int) -> None:
        call = pending("call_on_cleanup")
        if call.cleanup is not None:
            raise _violation("ic0.call_on_cleanup: a cleanup callback is already set")
        call.cleanup = (fun, env)

    def call_data_append(src: int, size: int) -> None:
        call = pending("call_data_append")
        call.payload += read(src, size)

    def call_with_best_effort_response(timeout: int) -> None:
        call = pending("call_with_best_effort_response")
        if call.timeout is not None:
            raise _violation(
                "ic0_call_with_best_effort_response failed because a timeout is already set."
            )
        call.timeout = max(1, min(timeout & 0xFFFFFFFF, 300))

    def call_cycles_add(amount: int) -> None:
        pending("call_cycles_add")

    def call_cycles_add128(high: int, low: int) -> None:
        pending("call_cycles_add128")

    def call_perform() -> int:
        current = ex("call_perform", _CALL_KINDS)
        call = pending("call_perform")
        current.pending = None
        current.calls.append(call)
        return 0

    def stable(name: str, fn: Callable[[], Any]) -> Any:
        ex(name)
        try:
            return fn()
        except StableMemoryError as exc:
            raise WasmTrap(str(exc)) from None

    def stable_size() -> int:
        size = stable("stable_size", cs.stable.size)
        if size > 65536:
            raise WasmTrap("32 bit stable memory api used on a memory larger than 4GB")
        return int(size)

    def stable_grow(pages: int) -> int:
        if cs.stable.size() + pages > 65536:
            return -1
        return int(stable("stable_grow", lambda: cs.stable.grow(pages)))

    def stable_write(offset: int, src: int, size: int) -> None:
        data = read(src, size)
        stable("stable_write", lambda: cs.stable.write(offset, data))

    def stable_read(dst: int, offset: int, size: int) -> None:
        write(dst, stable("stable_read", lambda: cs.stable.read(offset, size)))

    def stable64_size() -> int:
        return int(stable("stable64_size", cs.stable.size))

    def stable64_grow(pages: int) -> int:
        return int(stable("stable64_grow", lambda: cs.stable.grow(pages)))

    def stable64_write(offset: int, src: int, size: int) -> None:
        data = read(src, size)
        stable("stable64_write", lambda: cs.stable.write(offset, data))

    def stable64_read(dst: int, offset: int, size: int) -> None:
        write(dst, stable("stable64_read", lambda: cs.stable.read(offset, size)))

    def certified_data_set(src: int, size: int) -> None:
        current = ex("certified_data_set")
        if size > 32:
            raise _violation(
                f"ic0_certified_data_set failed because the passed data must be no larger than "
                f"32 bytes. Found {size} bytes."
            )
        current.certified_data = read(src, size)

    def data_certificate_present() -> int:
        return 0

    def time() -> int:
        return int(rt.host.time)

    def global_timer_set(deadline: int) -> int:
        ex("global_timer_set")
        previous = cs.global_timer
        rt.host.arm_timer(cs, deadline & 0xFFFFFFFFFFFFFFFF)
        return int(previous)

    def performance_counter(kind: int) -> int:
        ex("performance_counter")
        if kind not in (0, 1):
            raise _violation(f"ic0_performance_counter: unknown counter type {kind}")
        return int(rt.instructions_used())

    def is_controller(src: int, size: int) -> int:
        raw = read(src, size)
        if size > 29:
            raise _violation(
                "ic0_is_controller failed because the principal is not valid (too long)"
            )
        return int(Principal(raw) in cs.controllers)

    def in_replicated_execution() -> int:
        current = ex("in_replicated_execution")
        return 0 if current.kind == "query" else 1

    def debug_print(src: int, size: int) -> None:
        data = read(src, max(0, size))
        current = rt.current
        if current is not None:
            current.debug.append(data.decode("utf-8", "replace"))

    def trap(src: int, size: int) -> None:
        data = read(src, size)
        raise WasmTrap("called trap", called=data.decode("utf-8", "replace"))

    return {name: fn for name, fn in locals().items() if name in SIGNATURES and callable(fn)}
