"""A Wasm module as canister code: the class the engine installs, and its executions.

The engine keeps every canister's code as a :class:`~actors.canister.Canister` subclass; a Wasm
module becomes one too (:func:`canister_class`), so the management canister, the CLI, the
Candid printer and the snapshot store treat both kinds alike: its ``__canister_methods__`` are
the module's exported methods typed by its ``candid:service``, and ``module_hash`` is the
SHA-256 of the bytes, as on the IC.

What runs is different: the canister's :class:`WasmCode` (``CanisterState.runtime``) executes
the module's exports and callbacks (:meth:`WasmCode.run`), converting values at the boundary:
a request's arguments are Candid-encoded with the method's argument types, a reply is decoded
with its result types, and a call the module makes is decoded with the *callee's* argument
types (a Python canister's annotations, a Wasm canister's interface), as the callee would.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, ClassVar

from actors.canister import Canister, MethodInfo

from ..candid import CandidError, CandidType, decode_args, encode_args
from ..candid.checking import infer_type
from ..candid.types import idl_hash, omittable
from ..errors import (
    ErrorCode,
    Reject,
    RejectCode,
    canister_called_trap,
    canister_trapped,
    contract_violation,
    did_not_reply,
    instruction_limit_exceeded,
)
from ..ids import Principal
from ..system import ForeignCall, ForeignResult
from .context import Execution, WasmTrap
from .module import InvalidWasm, WasmModule, module_of
from .pages import PAGE, WasmImage
from .runtime import WasmRuntime, fuel_for


class WasmCanister(Canister):
    """Base class of the code of every Wasm canister (made by :func:`canister_class`)."""

    __wasm__: ClassVar[WasmModule]

    @classmethod
    def module_hash(cls) -> bytes:
        return cls.__wasm__.module_hash


_CLASSES: dict[bytes, type[WasmCanister]] = {}


def _method_fn(name: str) -> Any:
    def method(self: Canister, *args: Any) -> Any:
        raise RuntimeError(f"{name} is a method of a Wasm module: call it through the subnet")

    method.__name__ = name
    return method


def _hook(export: str) -> Any:
    def hook(self: Canister, *args: Any) -> None:
        code = getattr(self._sys(), "runtime", None)
        if not isinstance(code, WasmCode):
            raise RuntimeError("the canister has no Wasm instance")
        code.run_hook(export, args, self._sys().caller())

    hook.__name__ = export
    return hook


def _fresh_instance(self: Canister) -> None:
    """``__init__`` of a Wasm canister's class: a fresh instance of its module."""
    system = self._sys()
    try:
        code = WasmCode(type(self).__wasm__, system)  # type: ignore[attr-defined]
    except InvalidWasm as exc:
        raise exc.reject() from None
    system.runtime = code  # type: ignore[attr-defined]


def canister_class(module: WasmModule) -> type[WasmCanister]:
    """The canister class of ``module`` (one per module hash, per process)."""
    cls = _CLASSES.get(module.module_hash)
    if cls is not None:
        return cls
    namespace: dict[str, Any] = {"__wasm__": module, "__init__": _fresh_instance}
    for name, method in module.methods.items():
        kind = "query" if method.kind in ("query", "composite_query") else "update"
        fn = _method_fn(name)
        info = MethodInfo(fn, kind, name, manual_reply=True)
        info._signature = (tuple(method.args), tuple(method.results))
        n_required = 0 if method.raw else len(method.args) - _optional_tail(method.args)
        info.min_args, info.max_args = n_required, len(method.args)
        fn.__canister_method__ = info
        namespace[f"__wasm_method_{len(namespace)}"] = fn
    exports = set(module.exports)
    if "canister_init" in exports:
        namespace["init"] = _hook("canister_init")
    if "canister_pre_upgrade" in exports:
        namespace["pre_upgrade"] = _hook("canister_pre_upgrade")
    if "canister_post_upgrade" in exports:
        namespace["post_upgrade"] = _hook("canister_post_upgrade")
    if "canister_global_timer" in exports:
        namespace["global_timer"] = _hook("canister_global_timer")
    if "canister_heartbeat" in exports:
        namespace["heartbeat"] = _hook("canister_heartbeat")
    title = "".join(part.capitalize() for part in module.name.replace("-", "_").split("_"))
    cls = type(f"{title or 'Wasm'}Wasm", (WasmCanister,), namespace)
    cls.__module__ = __name__
    _CLASSES[module.module_hash] = cls
    return cls


def _optional_tail(types: Sequence[CandidType]) -> int:
    """How many trailing arguments may be left out (:func:`~subnet.candid.types.omittable`)."""
    n = 0
    for t in reversed(types):
        if not omittable(t):
            break
        n += 1
    return n


def encode_values(values: Sequence[Any], types: Sequence[CandidType], raw: bool) -> bytes:
    """The Candid message of ``values`` (trailing omittable ones left out are ``None``), or
    a raw method's bytes."""
    if raw:
        return bytes(values[0]) if values else b""
    if len(values) < len(types):
        values = (*values, *(None for _ in types[len(values) :]))
    return encode_args(values, types)


def decode_values(data: bytes, types: Sequence[CandidType] | None, raw: bool) -> tuple[Any, ...]:
    if raw:
        return (data,)
    return decode_args(data, types)


def reply_value(values: tuple[Any, ...]) -> Any:
    """Candid results as the reply value a Python caller sees: nothing is None, one result
    is itself, several are a tuple."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return values


def reply_tuple(value: Any, n: int) -> tuple[Any, ...]:
    if n == 0:
        return ()
    if n == 1:
        return (value,)
    return tuple(value)


class WasmCode:
    """One canister's running instance of a Wasm module (``CanisterState.runtime``)."""

    def __init__(self, module: WasmModule, system: Any) -> None:
        self.module = module
        cs = system._cs
        self.cs = cs
        self.runtime = WasmRuntime(module, cs.host, cs)

    # -- images (snapshots, saved state, all-or-nothing code changes) -----------------------

    def image(self) -> WasmImage:
        """The committed linear memory and every mutable global (:class:`WasmImage`),
        sharing the committed pages: a snapshot costs references, not a copy."""
        return self.runtime.image()

    def image_bytes(self) -> bytes:
        """:meth:`image` as bytes (a state file's), a copy of the memory."""
        return self.runtime.image().to_bytes()

    def summary(self) -> dict[str, Any]:
        """What a view shows of the heap: memory size and hash, and the globals."""
        image = self.runtime.image()
        return {
            "memory pages": len(image.pages),
            "memory sha256": image.memory_digest().hex()[:16],
            "globals": [value for _, value in image.globals],
        }

    def heap_size(self) -> int:
        """Bytes of linear memory."""
        return len(self.runtime.committed.pages) * PAGE

    def restore_image(self, image: bytes | WasmImage) -> None:
        """Make ``image`` (an image object, or its bytes from a state file) the memory."""
        loaded = WasmImage.of(image)
        kinds = [kind for kind, _ in self.runtime.global_values()]
        if [kind for kind, _ in loaded.globals] != kinds:
            raise ValueError(
                f"the image's globals ({', '.join(k for k, _ in loaded.globals) or 'none'}) "
                f"do not match the module's ({', '.join(kinds) or 'none'})"
            )
        self.runtime.restore(loaded)

    # -- executions ---------------------------------------------------------------------------

    def commit(self) -> None:
        self.runtime.commit()

    def rollback(self) -> None:
        self.runtime.rollback()

    def _fuel(self, kind: str) -> int:
        return fuel_for(kind, self.cs.host)

    def _trap_reject(self, trap: WasmTrap, fuel: int) -> Reject:
        cid = self.cs.id
        if trap.fuel:
            return instruction_limit_exceeded(cid, fuel)
        if trap.called is not None:
            return canister_called_trap(cid, trap.called)
        if trap.violation:
            return contract_violation(cid, trap.text)
        return canister_trapped(cid, trap.text)

    def run(
        self,
        kind: str,
        method: str,
        args: tuple[Any, ...],
        caller: Principal,
        *,
        replied: bool = False,
        deadline: int = 0,
        closure: tuple[int, int] | None = None,
        response: tuple[Any, Reject | None, Principal, str] | None = None,
    ) -> ForeignResult:
        """One execution: ``kind`` is "update", "query" or "task" (``method`` an export),
        "reply"/"reject" (``closure`` with ``response`` = (reply, reject, callee, method)),
        or "cleanup". Memory changes are kept until :meth:`commit` or :meth:`rollback`."""
        ex = Execution(kind, method, caller=caller._raw, replied_before=replied, deadline=deadline)
        sig = self.module.methods.get(method)
        export: str | None = None
        if kind in ("update", "query"):
            assert sig is not None
            export = f"canister_{'query' if kind == 'query' else 'update'} {method}"
            if sig.kind == "composite_query":
                export = f"canister_composite_query {method}"
            try:
                ex.arg = encode_values(args, sig.args, sig.raw)
            except (CandidError, ValueError, TypeError) as exc:
                return ForeignResult(trap=_decode_error(self.cs.id, str(exc)))
        elif kind == "task":
            export = f"canister_{method}"
        elif kind in ("reply", "reject"):
            assert response is not None
            value, reject, callee, callee_method = response
            if reject is not None:
                ex.reject_code = int(reject.reject_code)
                ex.reject_message = reject.reject_message
            else:
                try:
                    ex.arg = self._encode_reply(value, callee, callee_method)
                except (CandidError, ValueError, TypeError) as exc:
                    return ForeignResult(trap=_decode_error(self.cs.id, f"the reply: {exc}"))
        fuel = self._fuel(kind)
        self.runtime.begin()
        try:
            self.runtime.execute(ex, export, closure, fuel)
        except WasmTrap as trap:
            return ForeignResult(trap=self._trap_reject(trap, fuel), debug=ex.debug)
        result = ForeignResult(certified_data=ex.certified_data, debug=ex.debug)
        if ex.response is not None:
            what, payload = ex.response
            if what == "reject":
                result.reject = payload
            else:
                try:
                    result.reply = (self._decode_reply(method, payload),)
                except (CandidError, ValueError) as exc:
                    return ForeignResult(
                        trap=contract_violation(
                            self.cs.id,
                            f"the reply does not fit the method's Candid interface: {exc}",
                        )
                    )
        for call in ex.calls:
            result.calls.append(self._outgoing(call))
        return result

    def run_hook(self, export: str, args: tuple[Any, ...], caller: Principal) -> None:
        """``canister_init`` and the upgrade hooks, run for the management canister: a trap
        raises the reject (it reverts the whole operation). What the hook printed is in the
        trace either way."""
        kind = "init" if export in ("canister_init", "canister_post_upgrade") else "pre_upgrade"
        ex = Execution(kind, export, caller=caller._raw)
        if export in ("canister_init", "canister_post_upgrade"):
            types = self.module.init_args
            if types is not None and (args or types):
                try:
                    ex.arg = encode_args(args, types)
                except (CandidError, ValueError, TypeError) as exc:
                    raise canister_called_trap(
                        self.cs.id, f"the init arguments do not fit the module's interface: {exc}"
                    ) from None
            elif args:
                (data,) = args
                ex.arg = bytes(data)
        fuel = self._fuel(kind)
        self.runtime.begin()
        try:
            self.runtime.execute(ex, export, None, fuel)
        except WasmTrap as trap:
            self.runtime.rollback()
            raise self._trap_reject(trap, fuel) from None
        finally:
            trace = getattr(self.cs.host, "trace", None)
            if trace is not None:
                for line in ex.debug:
                    trace.emit("debug_print", self.cs.id, export, (line,))
        self.runtime.commit()
        if ex.certified_data is not None:
            self.cs.certified_data = ex.certified_data

    def query(self, method: str, args: tuple[Any, ...], caller: Principal) -> Any:
        """A query against committed state: its changes are always discarded."""
        result = self.run("query", method, args, caller)
        self.rollback()
        if result.trap is not None:
            raise result.trap
        if result.reject is not None:
            raise Reject(
                RejectCode.CANISTER_REJECT, result.reject, ErrorCode.CanisterRejectedMessage
            )
        if result.reply is None:
            raise did_not_reply(self.cs.id)
        return result.reply[0]

    # -- values across the boundary -----------------------------------------------------------

    def _decode_reply(self, method: str, payload: bytes) -> Any:
        sig = self.module.methods.get(method)
        if sig is None:
            return reply_value(decode_args(payload, None))
        return reply_value(decode_values(payload, sig.results, sig.raw))

    def _callee(
        self, callee: Principal, method: str
    ) -> tuple[Sequence[CandidType] | None, Sequence[CandidType] | None, bool]:
        """The callee's argument and result types for ``method`` (None when unknown), and
        whether it is a raw Wasm method."""
        target = self.cs.host.canisters.get(callee)
        code = getattr(target, "code", None)
        if code is None:
            return None, None, False
        wasm = module_of(code)
        if wasm is not None:
            sig = wasm.methods.get(method)
            if sig is None:
                return None, None, False
            return sig.args, sig.results, sig.raw
        info = code.__canister_methods__.get(method)
        if info is None:
            return None, None, False
        arg_types, result_types = info.signature
        return arg_types, result_types, False

    def _outgoing(self, call: Any) -> ForeignCall:
        callee = Principal(call.callee)
        if not callee._raw:  # the management canister: its arguments by field name
            return ForeignCall(
                callee,
                call.method,
                self._management_args(call.payload),
                (call.reply, call.reject, call.cleanup),
                call.timeout,
            )
        arg_types, _, raw = self._callee(callee, call.method)
        try:
            args = decode_values(call.payload, arg_types, raw)
        except CandidError:
            args = (call.payload,)
        return ForeignCall(
            callee, call.method, args, (call.reply, call.reject, call.cleanup), call.timeout
        )

    def _management_args(self, payload: bytes) -> tuple[Any, ...]:
        """A Candid message to the management canister as the Python record its methods take:
        the wire holds field hashes, named back from the management canister's field names; a
        method that takes nothing (``raw_rand``) gets the empty record."""
        try:
            values = decode_args(payload, None)
        except CandidError:
            return (payload,)  # not Candid: the management canister refuses it
        names = _by_hash(getattr(self.cs.host, "management_fields", frozenset()))
        return tuple(_named(v, names) for v in values) or ({},)

    def _encode_reply(self, value: Any, callee: Principal, method: str) -> bytes:
        _, result_types, raw = self._callee(callee, method)
        if raw:
            return bytes(value)
        if result_types is None:
            values = () if value is None else (value,)
            return encode_args(values, [infer_type(v) for v in values])
        return encode_args(reply_tuple(value, len(result_types)), result_types)


@functools.cache
def _by_hash(fields: frozenset[str]) -> dict[int, str]:
    """The names by their Candid hash (made once for the management canister's field names)."""
    return {idl_hash(name): name for name in fields}


def _named(value: Any, names: dict[int, str]) -> Any:
    """``value`` with the numeric field ids of its records and variants replaced by the names
    they hash (ids of no known name stay numbers)."""
    if isinstance(value, dict):
        return {
            names.get(k, k) if isinstance(k, int) else k: _named(v, names) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_named(v, names) for v in value]
    if isinstance(value, tuple):
        return tuple(_named(v, names) for v in value)
    return value


def _decode_error(cid: Principal, detail: str) -> Reject:
    """Arguments that do not decode: the module's Candid decoding traps (as a CDK's does)."""
    return canister_called_trap(cid, f"IDL error: {detail}")
