"""The management canister (``aaaaa-aa``): lifecycle, settings, history, snapshots.

Every call to the management canister, whether an ingress message from a scenario or a call
from a canister, is a *subnet message*: the engine runs it before any canister message, as the
IC's scheduler does, so a management call observes a canister exactly between two message
executions, with whatever calls are in flight left in flight.

Each method validates its whole argument record first, then checks permissions, then checks the
canister's state, and only then changes anything. A method that rejects has changed nothing:
that is the rule the tests assert for every error row.

Argument records are dicts keyed by the Candid field names (``{"canister_id": ...}``); optional
fields may be left out or given as ``None``; unknown fields are refused (the Python API has no
use for Candid's subtyping, and a misspelt field silently ignored would be a trap for users).
"""

from __future__ import annotations

import hashlib
import random as _random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from actors.canister import Canister

from . import errors, lifecycle, snapshots
from .engine import CanisterState, Engine
from .errors import ErrorCode, Reject, RejectCode
from .ids import MANAGEMENT, Principal, SnapshotId
from .memory import PAGE_SIZE
from .messages import Request
from .records import CONVERTERS

if TYPE_CHECKING:
    from .api import Subnet

MAX_HISTORY = 20
MAX_CONTROLLERS = 10
DEFAULT_CYCLES = 3_000_000_000_000


# -- argument records -------------------------------------------------------------------------


class _Bad(Exception):
    """An argument record that does not decode: becomes InvalidManagementPayload (408)."""


def _principal(value: Any, name: str) -> Principal:
    if isinstance(value, Principal):
        return value
    if isinstance(value, str):
        try:
            return Principal.from_text(value)
        except ValueError as exc:
            raise _Bad(f"field {name}: {exc}") from None
    if isinstance(value, bytes | bytearray):
        try:
            return Principal(bytes(value))
        except ValueError as exc:
            raise _Bad(f"field {name}: {exc}") from None
    raise _Bad(f"field {name}: expected principal, got {type(value).__name__}")


def _nat64(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**64:
        raise _Bad(f"field {name}: expected nat64, got {value!r}")
    return value


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"field {name}: expected bool, got {value!r}")
    return value


def _blob(value: Any, name: str) -> bytes:
    if not isinstance(value, bytes | bytearray):
        raise _Bad(f"field {name}: expected blob, got {type(value).__name__}")
    return bytes(value)


def _snapshot_id(value: Any, name: str) -> SnapshotId:
    if isinstance(value, SnapshotId):
        return value
    raw: bytes
    if isinstance(value, str):
        try:
            raw = bytes.fromhex(value)
        except ValueError:
            raise _Bad(f"field {name}: {value!r} is not a hex snapshot id") from None
    elif isinstance(value, bytes | bytearray):
        raw = bytes(value)
    else:
        raise _Bad(f"field {name}: expected blob, got {type(value).__name__}")
    try:
        return SnapshotId.from_bytes(raw)
    except ValueError:
        raise errors.invalid_snapshot_id(raw) from None


def _code(value: Any, name: str) -> type[Canister]:
    if isinstance(value, type) and issubclass(value, Canister):
        return value
    raise _Bad(f"field {name}: expected a Canister subclass (the code to install), got {value!r}")


def _args(value: Any, name: str) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, tuple | list):
        return tuple(value)
    raise _Bad(f"field {name}: expected a tuple of arguments, got {type(value).__name__}")


def _mode(value: Any, name: str) -> tuple[str, dict[str, Any]]:
    """``"install" | "reinstall" | "upgrade"`` or the Candid variant ``{"upgrade": opts}``."""
    options: Any = None
    if isinstance(value, dict) and len(value) == 1:
        ((value, options),) = value.items()
    if value not in ("install", "reinstall", "upgrade"):
        raise _Bad(f"field {name}: expected install, reinstall or upgrade, got {value!r}")
    if options is not None and (value != "upgrade" or not isinstance(options, dict)):
        raise _Bad(f"field {name}: only upgrade takes options")
    return value, dict(options or {})


def _controllers(value: Any, name: str) -> list[Principal]:
    if not isinstance(value, list | tuple):
        raise _Bad(f"field {name}: expected vec principal, got {type(value).__name__}")
    result = sorted(set(_principal(v, name) for v in value))
    if len(result) > MAX_CONTROLLERS:
        raise Reject.from_error(
            ErrorCode.CanisterContractViolation,
            f"Could not validate the settings: Invalid settings: 'controllers' length exceeds "
            f"maximum size allowed of {MAX_CONTROLLERS}. ",
        )
    return result


_SETTINGS_FIELDS = {
    "controllers": _controllers,
    "compute_allocation": _nat64,
    "memory_allocation": _nat64,
    "freezing_threshold": _nat64,
    "reserved_cycles_limit": _nat64,
    "log_visibility": lambda v, n: v,
    "wasm_memory_limit": _nat64,
    "wasm_memory_threshold": _nat64,
}


def _settings(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        from dataclasses import asdict, is_dataclass

        if is_dataclass(value) and not isinstance(value, type):
            value = {k: v for k, v in asdict(value).items() if v is not None}
        else:
            raise _Bad(f"field {name}: expected a settings record, got {type(value).__name__}")
    out = {}
    for key, item in value.items():
        check = _SETTINGS_FIELDS.get(key)
        if check is None:
            raise _Bad(f"field {name}: unknown setting {key!r}")
        if item is not None:
            out[key] = check(item, f"{name}.{key}")
    return out


def _pass(value: Any, name: str) -> Any:
    return value


CANISTER_ID = (_principal, True)
SENDER_VERSION = (_nat64, False)


def parse_record(method: str, schema: dict[str, Any], record: Any) -> dict[str, Any]:
    """Validate and convert a management argument record; raise ``Reject`` (408) if bad."""
    if record is None and all(not required for _, required in schema.values()):
        record = {}
    if not isinstance(record, dict):
        raise errors.candid_decode_error(
            f"{method} takes one record argument, got {type(record).__name__}"
        )
    extra = sorted(str(k) for k in record if k not in schema)
    if extra:
        raise errors.candid_decode_error(
            f"unexpected field(s) in {method} argument: {', '.join(extra)}"
        )
    out: dict[str, Any] = {}
    for name, (parse, required) in schema.items():
        value = record.get(name)
        if value is None:
            if required:
                raise errors.candid_decode_error(f"missing field {name} in {method} argument")
            out[name] = None
            continue
        try:
            out[name] = parse(value, name)
        except _Bad as exc:
            raise errors.candid_decode_error(f"{method}: {exc}") from None
    return out


# -- the management canister -----------------------------------------------------------------


class Management:
    """Executes subnet messages against the engine. One instance per :class:`Subnet`."""

    def __init__(self, net: Subnet) -> None:
        self.net = net
        self.engine: Engine = net.engine
        self.rng = _random.Random(hashlib.sha256(f"raw_rand/{net.seed}".encode()).digest())
        self.engine.subnet_handler = self.handle
        self.methods: dict[str, tuple[dict[str, Any], Callable[..., Any]]] = {
            "create_canister": (
                dict(settings=(_settings, False), sender_canister_version=SENDER_VERSION),
                self.create_canister,
            ),
            "install_code": (
                dict(
                    mode=(_mode, True),
                    canister_id=CANISTER_ID,
                    wasm_module=(_code, True),
                    arg=(_args, False),
                    sender_canister_version=SENDER_VERSION,
                ),
                self.install_code,
            ),
            "uninstall_code": (
                dict(canister_id=CANISTER_ID, sender_canister_version=SENDER_VERSION),
                self.uninstall_code,
            ),
            "start_canister": (dict(canister_id=CANISTER_ID), self.start_canister),
            "stop_canister": (dict(canister_id=CANISTER_ID), self.stop_canister),
            "canister_status": (dict(canister_id=CANISTER_ID), self.canister_status),
            "canister_info": (
                dict(canister_id=CANISTER_ID, num_requested_changes=(_nat64, False)),
                self.canister_info,
            ),
            "update_settings": (
                dict(
                    canister_id=CANISTER_ID,
                    settings=(_settings, True),
                    sender_canister_version=SENDER_VERSION,
                ),
                self.update_settings,
            ),
            "delete_canister": (dict(canister_id=CANISTER_ID), self.delete_canister),
            "raw_rand": (dict(), self.raw_rand),
            **snapshots.management_methods(self),
        }

    # -- dispatch -----------------------------------------------------------------------------
    def handle(self, req: Request) -> str:
        entry = self.methods.get(req.method)
        if entry is None:
            self.engine.answer_request(req, None, errors.management_method_not_found(req.method))
            return "reject"
        schema, fn = entry
        try:
            if len(req.args) != 1:
                raise errors.candid_decode_error(
                    f"{req.method} takes exactly one record argument, got {len(req.args)}"
                )
            record = parse_record(req.method, schema, req.args[0])
            result = fn(req, **record)
        except Reject as rej:
            self.engine.answer_request(req, None, rej)
            return "reject"
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            # an argument no check anticipated: still an IC-style reject, never a traceback
            # (tests/test_hostile.py drives every method with junk to find these)
            rej = errors.invalid_management_payload(
                f"could not process the arguments of {req.method}: {exc}"
            )
            self.engine.answer_request(req, None, rej)
            return "reject"
        if result is PENDING:
            return "pending"
        self.engine.answer_request(req, result, None)
        return "reply"

    # -- helpers ------------------------------------------------------------------------------
    def canister(self, cid: Principal) -> CanisterState:
        cs = self.engine.get(cid)
        if cs is None:
            raise errors.state_canister_not_found(cid)
        return cs

    def controlled(self, req: Request, cid: Principal) -> CanisterState:
        """The canister, if the sender controls it (else 301 / 512)."""
        cs = self.canister(cid)
        if req.sender not in cs.controllers:
            raise errors.canister_invalid_controller(cid, cs.controllers, req.sender)
        return cs

    @staticmethod
    def origin(req: Request, sender_canister_version: int | None = None) -> dict[str, Any]:
        if req.ingress is not None:
            return {"from_user": {"user_id": req.sender}}
        return {
            "from_canister": {
                "canister_id": req.sender,
                "canister_version": sender_canister_version,
            }
        }

    def record_change(
        self, cs: CanisterState, origin: dict[str, Any], details: dict[str, Any]
    ) -> None:
        """Append to the canister's history (the most recent MAX_HISTORY are kept)."""
        cs.history.append(
            {
                "timestamp_nanos": self.engine.time,
                "canister_version": cs.version,
                "origin": origin,
                "details": details,
            }
        )
        if len(cs.history) > MAX_HISTORY:
            del cs.history[: len(cs.history) - MAX_HISTORY]
        cs.total_num_changes += 1
        self.engine.trace.emit("change", cs.id, next(iter(details)), ())

    # -- lifecycle ----------------------------------------------------------------------------
    def create_canister(
        self, req: Request, settings: dict[str, Any] | None, sender_canister_version: int | None
    ) -> dict[str, Any]:
        settings = settings or {}
        controllers = settings.get("controllers")
        if controllers is None:
            controllers = [req.sender]  # the creator controls the new canister
        cid = self.net._ids.next()
        cs = self.engine.add_canister(cid, controllers)
        cs.extra["settings"] = {k: v for k, v in settings.items() if k != "controllers"}
        cs.extra["cycles"] = DEFAULT_CYCLES
        self.record_change(
            cs,
            self.origin(req, sender_canister_version),
            {"creation": {"controllers": list(cs.controllers)}},
        )
        self.engine.trace.emit("created", cid, "", ())
        return {"canister_id": cid}

    def install_code(
        self,
        req: Request,
        mode: tuple[str, dict[str, Any]],
        canister_id: Principal,
        wasm_module: type[Canister],
        arg: tuple[Any, ...] | None,
        sender_canister_version: int | None,
    ) -> None:
        cs = self.controlled(req, canister_id)
        kind, options = mode
        args = arg or ()
        if kind == "install" and cs.code is not None:
            raise errors.canister_non_empty(canister_id)
        if kind == "upgrade":
            if cs.code is None:
                raise errors.wasm_module_not_found(canister_id)
            lifecycle.upgrade(
                self.engine,
                cs,
                wasm_module,
                args,
                req.sender,
                skip_pre_upgrade=bool(options.get("skip_pre_upgrade")),
            )
        else:
            lifecycle.install(self.engine, cs, wasm_module, args, req.sender)
        cs.version += 1
        self.record_change(
            cs,
            self.origin(req, sender_canister_version),
            {"code_deployment": {"mode": kind, "module_hash": wasm_module.module_hash()}},
        )
        return None

    def uninstall_code(
        self, req: Request, canister_id: Principal, sender_canister_version: int | None
    ) -> None:
        cs = self.controlled(req, canister_id)
        self.uninstall(cs, self.origin(req, sender_canister_version))
        return None

    def uninstall(self, cs: CanisterState, origin: dict[str, Any]) -> None:
        """Uninstall (also used by take_canister_snapshot with uninstall_code)."""
        lifecycle.uninstall(self.engine, cs)
        cs.version += 1
        self.record_change(cs, origin, {"code_uninstall": None})
        if cs.status == "stopping" and not cs.call_contexts:
            self.engine.finish_stop(cs)

    def start_canister(self, req: Request, canister_id: Principal) -> None:
        """Running stays running; stopping or stopped becomes running, and pending stops are
        rejected. The version goes up by one in every case (as the replica does)."""
        cs = self.controlled(req, canister_id)
        cs.version += 1
        if cs.status == "running":
            return None
        if cs.status == "stopping":
            waiters, cs.stop_waiters = cs.stop_waiters, []
            for waiter in waiters:
                waiter(None, STOP_CANCELLED)
        cs.status = "running"
        self.engine.trace.emit("status", cs.id, "running", ())
        if cs.global_timer:  # a timer that came due while stopped fires now
            self.engine.arm_timer(cs, cs.global_timer)
            self.engine.fire_timers()
        return None

    def stop_canister(self, req: Request, canister_id: Principal) -> Any:
        """Running becomes stopping; the call is answered once no call context remains (the
        canister is then stopped). The version goes up now, and again when stopped."""
        cs = self.controlled(req, canister_id)
        cs.version += 1
        if cs.status == "stopped":
            return None

        def answer(reply: Any, reject: Reject | None) -> None:
            if reject is STOP_CANCELLED:
                if req.ingress is not None:
                    reject = errors.stop_request_cancelled(canister_id)
                else:  # what the replica sends a calling canister (no error code)
                    reject = Reject(
                        RejectCode.CANISTER_REJECT,
                        f"Canister {canister_id}'s stop request cancelled",
                    )
            self.engine.answer_request(req, reply, reject)

        cs.stop_waiters.append(answer)
        if cs.status == "running":
            cs.status = "stopping"
            self.engine.trace.emit("status", cs.id, "stopping", ())
        if not cs.call_contexts:
            self.engine.finish_stop(cs)
        return PENDING

    def canister_status(self, req: Request, canister_id: Principal) -> dict[str, Any]:
        cs = self.canister(canister_id)
        if req.sender not in cs.controllers and req.sender != canister_id:
            raise errors.canister_invalid_controller(canister_id, cs.controllers, req.sender)
        settings = {"controllers": list(cs.controllers), **cs.extra.get("settings", {})}
        return {
            "status": cs.status,
            "settings": settings,
            "module_hash": cs.code.module_hash() if cs.code is not None else None,
            "memory_size": memory_size(cs),
            "cycles": cs.extra.get("cycles", 0),
            "idle_cycles_burned_per_day": 0,
            "reserved_cycles": 0,
        }

    def canister_info(
        self, req: Request, canister_id: Principal, num_requested_changes: int | None
    ) -> dict[str, Any]:
        cs = self.canister(canister_id)
        n = min(num_requested_changes or 0, MAX_HISTORY)
        changes = cs.history[max(0, len(cs.history) - n) :] if n else []
        return {
            "total_num_changes": cs.total_num_changes,
            "recent_changes": [dict(c) for c in changes],
            "module_hash": cs.code.module_hash() if cs.code is not None else None,
            "controllers": list(cs.controllers),
        }

    def update_settings(
        self,
        req: Request,
        canister_id: Principal,
        settings: dict[str, Any],
        sender_canister_version: int | None,
    ) -> None:
        cs = self.controlled(req, canister_id)
        controllers = settings.get("controllers")
        if controllers is not None:
            cs.controllers = sorted(set(controllers))
        others = {k: v for k, v in settings.items() if k != "controllers"}
        cs.extra.setdefault("settings", {}).update(others)
        cs.version += 1
        if controllers is not None:
            self.record_change(
                cs,
                self.origin(req, sender_canister_version),
                {"controllers_change": {"controllers": list(cs.controllers)}},
            )
        return None

    def delete_canister(self, req: Request, canister_id: Principal) -> None:
        if req.sender == canister_id:
            raise errors.delete_canister_self(canister_id)
        cs = self.controlled(req, canister_id)
        if cs.status != "stopped":
            raise errors.delete_canister_not_stopped(canister_id)
        if any(src is not None and src.items for src in (cs.ingress, *cs.queues.values())):
            raise Reject.from_error(
                ErrorCode.CanisterQueueNotEmpty,
                f"Canister {canister_id} has messages in its queues and cannot be deleted now. "
                f"Please retry after some time.",
            )
        self.engine.remove_canister(cs)
        return None

    def raw_rand(self, req: Request) -> bytes:
        if req.ingress is not None:
            raise errors.only_canisters_can_call("raw_rand")
        return self.rng.randbytes(32)


PENDING = object()  # a method that answers later (stop_canister)
STOP_CANCELLED = Reject(RejectCode.CANISTER_ERROR, "stop cancelled")  # marker, never sent


def memory_size(cs: CanisterState) -> int:
    """Memory the canister is charged for, as the IC counts it: module, heap (whole pages),
    stable memory (its size in pages), certified data, and each snapshot's ``total_size``.
    (What is actually held is less: snapshots share stable-memory chunks with the canister;
    see :func:`held_bytes`.)"""
    from .snapshots import module_bytes, pad_to_pages

    if cs.code is None:
        own = 0
    else:
        own = len(module_bytes(cs.code)) + len(pad_to_pages(cs.heap.image()))
    own += cs.stable.size() * PAGE_SIZE + len(cs.certified_data)
    return own + sum(s.total_size for s in cs.snapshots.values())


def held_bytes(cs: CanisterState) -> int:
    """Bytes actually held for the canister: heap image, stable-memory chunks (each shared chunk
    once), and the snapshots' own heap images and modules."""
    from .memory import unique_bytes

    heap_bytes = len(cs.heap.image()) if cs.code is not None else 0
    memories = [cs.stable, *(s.stable for s in cs.snapshots.values())]
    others = sum(len(s.module) + len(s.heap_image) for s in cs.snapshots.values())
    return heap_bytes + unique_bytes(*memories) + others


# -- the scenario-side client -----------------------------------------------------------------


class ManagementClient:
    """``net.management``: one async method per management method, keyword arguments named as
    the Candid record fields, plus ``sender=``. Results are the dataclasses of
    :mod:`subnet.records`; ``()`` is ``None``."""

    def __init__(self, net: Subnet) -> None:
        self._net = net

    async def _call(self, method: str, sender: Principal | None, record: dict[str, Any]) -> Any:
        record = {k: v for k, v in record.items() if v is not None}
        reply = await self._net.submit(MANAGEMENT, method, record, sender=sender)
        convert = CONVERTERS.get(method)
        return convert(reply) if convert is not None and reply is not None else reply

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)

        async def method(*, sender: Principal | None = None, **fields: Any) -> Any:
            return await self._call(name, sender, fields)

        method.__name__ = name
        return method

    async def create_canister(
        self,
        *,
        settings: Any = None,
        sender: Principal | None = None,
        sender_canister_version: int | None = None,
    ) -> Any:
        return await self._call(
            "create_canister",
            sender,
            {"settings": settings, "sender_canister_version": sender_canister_version},
        )

    async def install_code(
        self,
        *,
        mode: Any,
        canister_id: Principal,
        wasm_module: type[Canister],
        arg: tuple[Any, ...] | None = None,
        sender: Principal | None = None,
        sender_canister_version: int | None = None,
    ) -> None:
        return await self._call(
            "install_code",
            sender,
            {
                "mode": mode,
                "canister_id": canister_id,
                "wasm_module": wasm_module,
                "arg": arg,
                "sender_canister_version": sender_canister_version,
            },
        )

    async def stop_canister(
        self, *, canister_id: Principal, sender: Principal | None = None
    ) -> None:
        return await self._call("stop_canister", sender, {"canister_id": canister_id})

    async def start_canister(
        self, *, canister_id: Principal, sender: Principal | None = None
    ) -> None:
        return await self._call("start_canister", sender, {"canister_id": canister_id})

    async def canister_status(
        self, *, canister_id: Principal, sender: Principal | None = None
    ) -> Any:
        return await self._call("canister_status", sender, {"canister_id": canister_id})

    async def canister_info(
        self,
        *,
        canister_id: Principal,
        num_requested_changes: int | None = None,
        sender: Principal | None = None,
    ) -> Any:
        return await self._call(
            "canister_info",
            sender,
            {"canister_id": canister_id, "num_requested_changes": num_requested_changes},
        )

    async def take_canister_snapshot(
        self,
        *,
        canister_id: Principal,
        replace_snapshot: Any = None,
        uninstall_code: bool | None = None,
        sender_canister_version: int | None = None,
        sender: Principal | None = None,
    ) -> Any:
        return await self._call(
            "take_canister_snapshot",
            sender,
            {
                "canister_id": canister_id,
                "replace_snapshot": replace_snapshot,
                "uninstall_code": uninstall_code,
                "sender_canister_version": sender_canister_version,
            },
        )

    async def load_canister_snapshot(
        self,
        *,
        canister_id: Principal,
        snapshot_id: Any,
        sender_canister_version: int | None = None,
        sender: Principal | None = None,
    ) -> None:
        return await self._call(
            "load_canister_snapshot",
            sender,
            {
                "canister_id": canister_id,
                "snapshot_id": snapshot_id,
                "sender_canister_version": sender_canister_version,
            },
        )

    async def list_canister_snapshots(
        self, *, canister_id: Principal, sender: Principal | None = None
    ) -> Any:
        return await self._call("list_canister_snapshots", sender, {"canister_id": canister_id})

    async def delete_canister_snapshot(
        self, *, canister_id: Principal, snapshot_id: Any, sender: Principal | None = None
    ) -> None:
        return await self._call(
            "delete_canister_snapshot",
            sender,
            {"canister_id": canister_id, "snapshot_id": snapshot_id},
        )
