"""Running a Wasm module: one wasmtime instance per canister, and the executions on it.

The engine asks for one execution at a time (:meth:`WasmRuntime.execute`): an exported method,
a callback (a table index and its env, as ``ic0.call_new`` registered them), a cleanup
callback, a system task or a lifecycle hook. The module's ``ic0`` imports
(:mod:`subnet.wasm.ic0`) act on an :class:`Execution` record; what the execution asks of the
system (a reply, a reject, calls) is read off that record when the function returns, and the
engine applies it with the same rules as for a Python canister.

Atomicity: before each execution the runtime keeps every mutable global (one call of a
function the instrumentation adds copies them into a scratch memory); after it, the linear
memory is compared with its committed pages (:mod:`subnet.wasm.pages`): a commit copies the
pages that changed, a trap writes them back and restores the globals. Wasm memories cannot
shrink, so pages a trapped execution grew stay, zeroed: the one visible difference from the
IC, where ``memory.size`` is rolled back too.

The instruction limit is wasmtime's fuel: an execution gets the IC's limit for its kind
(40 billion for an update, 5 billion for a query, 300 billion for install hooks) unless the
subnet sets a lower one; running out of fuel is IC0522, like the replica's.
"""

from __future__ import annotations

import ctypes
from typing import Any

import wasmtime

from ..budget import INSTALL_INSTRUCTIONS, QUERY_INSTRUCTIONS, UPDATE_INSTRUCTIONS
from .context import Execution, WasmTrap
from .ic0 import linker_for
from .module import (
    GLOBAL_PREFIX,
    LOAD_GLOBALS,
    SAVE_GLOBALS,
    SCRATCH,
    InvalidWasm,
    WasmModule,
)
from .pages import PAGE, CommittedMemory, WasmImage

_CONFIG = wasmtime.Config()
_CONFIG.consume_fuel = True
ENGINE = wasmtime.Engine(_CONFIG)

_COMPILED: dict[bytes, tuple[wasmtime.Module, list[int]]] = {}

_HELPER_FUEL = 1_000_000  # the globals' save and load: two instructions and a store each
_IN_SCRATCH: Any = object()  # the globals were saved by the helper, in the scratch memory


def fuel_for(kind: str, host: Any) -> int:
    """The instructions (wasmtime fuel) an execution of ``kind`` may use: the IC's limit for
    it (:mod:`subnet.budget`), or the subnet's ``instruction_limit`` if lower."""
    limit = getattr(host, "instruction_limit", None)
    default = {
        "query": QUERY_INSTRUCTIONS,
        "init": INSTALL_INSTRUCTIONS,
        "pre_upgrade": INSTALL_INSTRUCTIONS,
    }.get(kind, UPDATE_INSTRUCTIONS)
    return default if limit is None else min(default, limit)


def compiled(module: WasmModule) -> tuple[wasmtime.Module, list[int]]:
    """The compiled, instrumented module (compiled once per module hash, per process)."""
    key = module.module_hash
    hit = _COMPILED.get(key)
    if hit is None:
        wasm, mutable, _ = module.instrumented
        try:
            compiled_module = wasmtime.Module(ENGINE, wasm)
        except wasmtime.WasmtimeError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else "invalid module"
            raise InvalidWasm(f"Wasmtime failed to validate wasm module {first}") from None
        hit = _COMPILED[key] = (compiled_module, mutable)
    return hit


class WasmRuntime:
    """One canister's instance of a module, and its executions."""

    def __init__(self, module: WasmModule, host: Any, canister: Any) -> None:
        self.module = module
        self.host = host  # the engine: time, timers, canisters
        self.canister = canister  # the CanisterState
        self.current: Execution | None = None
        compiled_module, self._mutable = compiled(module)
        self.store = wasmtime.Store(ENGINE)
        self.store.set_fuel(fuel_for("init", host))  # the start function runs at install
        linker = linker_for(self)
        try:
            self.instance = linker.instantiate(self.store, compiled_module)
        except (wasmtime.Trap, WasmTrap) as exc:  # a start function that traps
            text = str(exc).strip().splitlines()
            raise InvalidWasm(
                f"Wasm module start function trapped: {text[-1] if text else 'trap'}"
            ) from None
        self.store.set_fuel(0)
        exports = self.instance.exports(self.store)
        self._exports = exports
        self.memory: wasmtime.Memory | None = None  # memory 0, exported under any name
        self.table: wasmtime.Table | None = None
        for export in compiled_module.exports:
            if export.name == SCRATCH:
                continue
            item = exports.get(export.name)
            if isinstance(item, wasmtime.Memory) and self.memory is None:
                self.memory = item
            elif isinstance(item, wasmtime.Table) and self.table is None:
                self.table = item
        self.globals: list[wasmtime.Global] = [
            g
            for i in self._mutable
            if isinstance(g := exports.get(f"{GLOBAL_PREFIX}{i}"), wasmtime.Global)
        ]
        self._kinds = [str(g.type(self.store).content) for g in self.globals]
        save, load = exports.get(SAVE_GLOBALS), exports.get(LOAD_GLOBALS)
        self._save = save if isinstance(save, wasmtime.Func) else None
        self._load = load if isinstance(load, wasmtime.Func) else None
        self._saved: Any = None
        self.committed = CommittedMemory()
        self.committed.load(*self._live())
        self._fuel = 0

    # -- memory -----------------------------------------------------------------------------

    def _live(self) -> tuple[int, int]:
        """The live memory's address and size (it moves when it grows)."""
        memory = self.memory
        if memory is None:
            return 0, 0
        size = memory.data_len(self.store)
        if not size:
            return 0, 0
        return ctypes.addressof(memory.data_ptr(self.store).contents), size

    def memory_bytes(self) -> bytes:
        """The whole live linear memory (a copy)."""
        base, size = self._live()
        return ctypes.string_at(base, size) if size else b""

    def global_values(self) -> list[tuple[str, Any]]:
        """Every mutable global as (Wasm type, value)."""
        store = self.store
        return list(zip(self._kinds, [g.value(store) for g in self.globals], strict=True))

    def image(self) -> WasmImage:
        """The committed memory and globals, sharing the committed pages (between
        executions, what is live is committed)."""
        return self.committed.image(self.global_values())

    def restore(self, image: WasmImage) -> None:
        """Make ``image`` the live and committed memory and globals (a snapshot load, a
        saved subnet, a failed code change put back)."""
        memory = self.memory
        needed = len(image.pages) * PAGE
        if memory is not None:
            size = memory.data_len(self.store)
            if needed > size:
                memory.grow(self.store, (needed - size) // PAGE)
        elif needed:
            raise ValueError("the module has no memory for this image")
        base, size = self._live()
        self.committed.adopt(image, base, size)
        for g, (_, value) in zip(self.globals, image.globals, strict=True):
            g.set_value(self.store, value)

    # -- executions --------------------------------------------------------------------------

    def begin(self) -> None:
        """Keep what a trap of the coming execution must put back: the globals (the memory
        is compared with the committed pages at the end). With the instrumented helper, one
        call copies them all into the scratch memory."""
        store = self.store
        if self._save is not None:
            store.set_fuel(_HELPER_FUEL)
            self._save(store)
            self._saved = _IN_SCRATCH
        else:
            self._saved = [g.value(store) for g in self.globals]

    def rollback(self) -> None:
        saved = self._saved
        if saved is None:  # no execution began since the last commit or rollback: nothing ran
            return
        base, size = self._live()
        self.committed.revert(base, size)
        if saved is _IN_SCRATCH and self._load is not None:
            self.store.set_fuel(_HELPER_FUEL)
            self._load(self.store)
            self.store.set_fuel(0)
        elif isinstance(saved, list):
            for g, value in zip(self.globals, saved, strict=True):
                g.set_value(self.store, value)
        self._saved = None

    def commit(self) -> None:
        base, size = self._live()
        self.committed.commit(base, size)
        self._saved = None

    def instructions_used(self) -> int:
        """Instructions (fuel) the execution in progress has used so far."""
        return self._fuel - self.store.get_fuel()

    def execute(
        self,
        execution: Execution,
        export: str | None,
        closure: tuple[int, int] | None,
        fuel: int,
    ) -> None:
        """Run ``export`` (an exported function's name) or ``closure`` (table index, env) with
        ``execution`` as the ``ic0`` functions' state. Raises :class:`WasmTrap`."""
        self.current = execution
        self._fuel = fuel
        self.store.set_fuel(fuel)
        try:
            if export is not None:
                fn = self._exports.get(export)
                if not isinstance(fn, wasmtime.Func):
                    raise WasmTrap(f"the module exports no function {export!r}")
                fn(self.store)
            else:
                assert closure is not None
                self._call_closure(*closure)
        except WasmTrap:
            raise
        except wasmtime.Trap as exc:
            raise _trap_of(exc) from None
        except wasmtime.WasmtimeError as exc:
            raise WasmTrap(f"unknown: {str(exc).strip().splitlines()[0]}") from None
        finally:
            self.current = None
            self.store.set_fuel(0)

    def _call_closure(self, index: int, env: int) -> None:
        table = self.table
        if table is None or index < 0 or index >= table.size(self.store):
            raise WasmTrap("table out of bounds")
        fn = table.get(self.store, index)
        if not isinstance(fn, wasmtime.Func):
            raise WasmTrap("table out of bounds")
        fn(self.store, env)


def _trap_of(exc: wasmtime.Trap) -> WasmTrap:
    """The IC's text for a Wasm trap (``TrapCode``'s Display in the replica)."""
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, WasmTrap):
        return cause
    code = exc.trap_code
    names: dict[Any, str] = {
        wasmtime.TrapCode.STACK_OVERFLOW: "stack overflow",
        wasmtime.TrapCode.MEMORY_OUT_OF_BOUNDS: "heap out of bounds",
        wasmtime.TrapCode.HEAP_MISALIGNED: "heap out of bounds",
        wasmtime.TrapCode.TABLE_OUT_OF_BOUNDS: "table out of bounds",
        wasmtime.TrapCode.INDIRECT_CALL_TO_NULL: "table out of bounds",
        wasmtime.TrapCode.BAD_SIGNATURE: "function invocation does not match its signature",
        wasmtime.TrapCode.INTEGER_OVERFLOW: "integer overflow",
        wasmtime.TrapCode.INTEGER_DIVISION_BY_ZERO: "integer division by 0",
        wasmtime.TrapCode.BAD_CONVERSION_TO_INTEGER: "invalid conversion to integer",
        wasmtime.TrapCode.UNREACHABLE: "unreachable",
    }
    if code == wasmtime.TrapCode.OUT_OF_FUEL:
        return WasmTrap("out of fuel", fuel=True)
    return WasmTrap(names.get(code, "unknown"))
