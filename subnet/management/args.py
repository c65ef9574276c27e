"""Decoding the management canister's argument records.

Argument records are dicts keyed by the Candid field names (``{"canister_id": ...}``); optional
fields may be left out or given as ``None``; unknown fields of an argument record are refused
(the Python API has no use for Candid's subtyping there, and a misspelt field silently ignored
would be a trap for users). A *settings* record is the exception: its unknown fields are
ignored, as Candid's record subtyping ignores them when the replica decodes
``canister_settings`` (a newer client's setting reaches an older replica, or the other way
round). Each field has a parser; a value that does not fit raises :class:`BadArgument`, which
the dispatcher turns into the IC's InvalidManagementPayload (408) naming the method and field.
"""

from __future__ import annotations

import math
import struct
from dataclasses import asdict, is_dataclass
from typing import Any, NamedTuple

from actors.canister import Canister

from .. import errors
from ..errors import ErrorCode, Reject, nat_text
from ..ids import MANAGEMENT, Principal, SnapshotId
from ..wasm.module import InvalidWasm, WasmModule
from .store import code_from_module

MAX_CONTROLLERS = 10
LOCAL_ID_LENGTH = 8  # ``SnapshotId::LOCAL_ID_LENGTH_IN_BYTES``


class BadArgument(Exception):
    """An argument record that does not decode: becomes InvalidManagementPayload (408)."""


def principal(value: Any, name: str) -> Principal:
    if isinstance(value, Principal):
        return value
    if isinstance(value, str):
        try:
            return Principal.from_text(value)
        except ValueError as exc:
            raise BadArgument(f"field {name}: {exc}") from None
    if isinstance(value, bytes | bytearray):
        try:
            return Principal(bytes(value))
        except ValueError as exc:
            raise BadArgument(f"field {name}: {exc}") from None
    raise BadArgument(f"field {name}: expected principal, got {type(value).__name__}")


def _integer(value: Any, name: str, kind: str, lo: int, hi: int) -> int:
    """An integer of Candid type ``kind``, in ``lo <= value < hi`` (its width)."""
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value < hi:
        raise BadArgument(f"field {name}: expected {kind}, got {_short(value)}")
    return int(value)


def _short(value: Any) -> str:
    """``repr`` for a message, cut short (a hostile value may be huge)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an integer of {value.bit_length()} bits"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def nat64(value: Any, name: str) -> int:
    return _integer(value, name, "nat64", 0, 2**64)


def int32(value: Any, name: str) -> int:
    return _integer(value, name, "int32", -(2**31), 2**31)


def int64(value: Any, name: str) -> int:
    return _integer(value, name, "int64", -(2**63), 2**63)


def v128(value: Any, name: str) -> int:
    """A Wasm ``v128`` global: a Candid ``nat`` that must fit 128 bits."""
    return _integer(value, name, "nat (128 bits)", 0, 2**128)


_FLOAT32_MAX = 3.4028234663852886e38


def float64(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadArgument(f"field {name}: expected float64, got {_short(value)}")
    try:
        return float(value)
    except OverflowError:
        raise BadArgument(f"field {name}: expected float64, got {_short(value)}") from None


def float32(value: Any, name: str) -> float:
    number = float64(value, name)
    if math.isfinite(number) and abs(number) > _FLOAT32_MAX:
        raise BadArgument(f"field {name}: expected float32, got {_short(value)}")
    rounded: float = struct.unpack("<f", struct.pack("<f", number))[0]
    return rounded


def boolean(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise BadArgument(f"field {name}: expected bool, got {value!r}")
    return value


def blob(value: Any, name: str) -> bytes:
    if not isinstance(value, bytes | bytearray):
        raise BadArgument(f"field {name}: expected blob, got {type(value).__name__}")
    return bytes(value)


def snapshot_id(value: Any, name: str) -> SnapshotId:
    """A ``snapshot_id`` blob: 8 bytes of local id, then the canister id (0 to 29 bytes).

    Exactly 8 bytes is well formed: the canister id is then the empty principal (``aaaaa-aa``,
    which holds no snapshot), so such an id is *not found* by the method, not refused here.

    Source: ``rs/types/base_types/src/lib.rs`` (``SnapshotId::try_from``: shorter than
    ``LOCAL_ID_LENGTH_IN_BYTES`` or longer than ``MAX_LENGTH_IN_BYTES`` is an
    ``InvalidLength``; the rest is ``CanisterId::try_from``, which takes an empty slice)."""
    if isinstance(value, SnapshotId):
        return value
    raw: bytes
    if isinstance(value, str):
        try:
            raw = bytes.fromhex(value)
        except ValueError:
            raise BadArgument(f"field {name}: {value!r} is not a hex snapshot id") from None
    elif isinstance(value, bytes | bytearray):
        raw = bytes(value)
    else:
        raise BadArgument(f"field {name}: expected blob, got {type(value).__name__}")
    if len(raw) == LOCAL_ID_LENGTH:
        return SnapshotId(MANAGEMENT, int.from_bytes(raw, "big"))
    try:
        return SnapshotId.from_bytes(raw)
    except ValueError:
        raise errors.invalid_snapshot_id(raw) from None


def code(value: Any, name: str) -> type[Canister]:
    """The code to install: a Canister subclass, or the bytes of a Wasm module (refused with
    the IC's IC0505 when it is malformed or imports what the simulator does not provide)."""
    if isinstance(value, type) and issubclass(value, Canister):
        return value
    try:
        if isinstance(value, WasmModule):  # read already: its class, without reading it again
            return value.canister_class()
        if isinstance(value, bytes | bytearray):  # a module, or bytes the IC cannot decode
            return code_from_module(bytes(value))
    except InvalidWasm as exc:
        raise exc.reject() from None
    except ValueError:  # a Python class's reference that does not resolve
        raise errors.invalid_wasm_module() from None
    raise BadArgument(
        f"field {name}: expected a Canister subclass (the code to install), got {value!r}"
    )


def arguments(value: Any, name: str) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, tuple | list):
        return tuple(value)
    raise BadArgument(f"field {name}: expected a tuple of arguments, got {type(value).__name__}")


def mode(value: Any, name: str) -> tuple[str, dict[str, Any]]:
    """``"install" | "reinstall" | "upgrade"`` or the Candid variant ``{"upgrade": opts}``."""
    options: Any = None
    if isinstance(value, dict) and len(value) == 1:
        ((value, options),) = value.items()
    if value not in ("install", "reinstall", "upgrade"):
        raise BadArgument(f"field {name}: expected install, reinstall or upgrade, got {value!r}")
    if options is not None and (value != "upgrade" or not isinstance(options, dict)):
        raise BadArgument(f"field {name}: only upgrade takes options")
    return value, dict(options or {})


def bounded(value: Any, name: str, limit: int) -> list[Any] | tuple[Any, ...]:
    """A ``vec`` the replica decodes into a bounded vector (``BoundedControllers``,
    ``BoundedAllowedViewers``: ``rs/types/management_canister_types/src/bounded_vec.rs``):
    more than ``limit`` entries, duplicates counted, do not decode."""
    if not isinstance(value, list | tuple):
        raise BadArgument(f"field {name}: expected vec principal, got {type(value).__name__}")
    if len(value) > limit:
        raise BadArgument(f"field {name}: The number of elements exceeds maximum allowed {limit}")
    return value


def controllers(value: Any, name: str) -> list[Principal]:
    """At most ``MAX_CONTROLLERS`` entries as given; duplicates are then dropped."""
    return sorted(set(principal(v, name) for v in bounded(value, name, MAX_CONTROLLERS)))


MAX_ALLOWED_VIEWERS = 10
"""``BoundedAllowedViewers``: at most 10 principals, refused as the record is decoded."""

VISIBILITIES = ("controllers", "public")


def snapshot_visibility(value: Any, name: str) -> str | dict[str, list[Principal]]:
    """``variant { controllers; public; allowed_viewers : vec principal }`` (interface spec
    0.57), as ``"controllers"``, ``"public"`` or ``{"allowed_viewers": [principal, ...]}``
    (at most 10: ``BoundedAllowedViewers`` in ``rs/types/management_canister_types``)."""
    case, payload = _variant(value, name, "controllers; public; allowed_viewers : vec principal")
    if case in VISIBILITIES:
        _null(payload, f"{name}.{case}")
        return str(case)
    if case != "allowed_viewers":
        raise BadArgument(f"field {name}: unknown case {_short(case)}")
    where = f"{name}.allowed_viewers"
    viewers = bounded(payload, where, MAX_ALLOWED_VIEWERS)
    return {"allowed_viewers": [principal(p, where) for p in viewers]}


def _ranged(message: str, largest: int) -> Any:
    """A settings field that Candid types ``nat`` and the replica narrows: a value above
    ``largest`` is refused with the replica's IC0504 text, ``message`` with the value printed
    as a ``nat`` (``rs/execution_environment/src/canister_settings.rs``,
    ``UpdateSettingsError``; ``ComputeAllocation::try_from``)."""

    def parse(value: Any, name: str) -> int:
        number = _integer(value, name, "nat", 0, 1 << 4096)  # any nat decodes
        if number > largest:
            raise Reject.from_error(
                ErrorCode.CanisterContractViolation, message.format(nat_text(number))
            )
        return number

    return parse


U64 = (1 << 64) - 1
MAX_WASM_MEMORY_LIMIT = 1 << 48
"""The interface spec's bound of ``wasm_memory_limit`` (``MAX_WASM_MEMORY_LIMIT``)."""
IN_64_BITS = "expected to be in the range of [0..2^64-1], got {}"


def log_visibility(value: Any, name: str) -> str | dict[str, list[Principal]]:
    """``variant { controllers; public; allowed_viewers : vec principal }``, as
    ``snapshot_visibility`` (at most 10 viewers)."""
    return snapshot_visibility(value, name)


SETTINGS_FIELDS = {
    "controllers": controllers,
    "compute_allocation": _ranged(
        "ComputeAllocation expected to be in the range [0..100], got {}", 100
    ),
    "memory_allocation": _ranged(
        "MemoryAllocation expected to be in the range [0..2^64-1], got {}", U64
    ),
    "freezing_threshold": _ranged(f"Freezing threshold {IN_64_BITS}", U64),
    "reserved_cycles_limit": _ranged(
        "Reserved cycles limit expected to be in the range of [0..2^128-1], got {}", (1 << 128) - 1
    ),
    "log_visibility": log_visibility,
    "snapshot_visibility": snapshot_visibility,
    "wasm_memory_limit": _ranged(f"Wasm memory limit {IN_64_BITS}", MAX_WASM_MEMORY_LIMIT),
    "wasm_memory_threshold": _ranged(f"Wasm memory threshold {IN_64_BITS}", U64),
}


NESTED_NAMES = (
    # variants and records inside the methods' arguments
    "install", "reinstall", "upgrade", "skip_pre_upgrade", "wasm_memory_persistence", "keep",
    "replace", "wasm_module", "wasm_memory", "main_memory", "stable_memory", "wasm_chunk",
    "offset", "size", "hash", "active", "inactive", "condition_not_satisfied", "ready",
    "executed", "controllers", "public", "allowed_viewers",
)  # fmt: skip
"""Field and case names the management canister's arguments hold below the top level (with
:data:`SETTINGS_FIELDS` and the methods' own fields, what a Candid message sent by a Wasm
canister is decoded by: the wire carries only the names' hashes)."""


def settings(value: Any, name: str) -> dict[str, Any]:
    """A ``canister_settings`` record: the settings the simulator keeps, decoded; a field it
    does not know is ignored, as the replica's Candid decoder ignores a record field its type
    does not have (record subtyping: ``CanisterSettingsArgs`` is decoded with ``Decode!``)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        if is_dataclass(value) and not isinstance(value, type):
            value = {k: v for k, v in asdict(value).items() if v is not None}
        else:
            raise BadArgument(
                f"field {name}: expected a settings record, got {type(value).__name__}"
            )
    out = {}
    for key, item in value.items():
        check = SETTINGS_FIELDS.get(key)
        if check is not None and item is not None:
            out[key] = check(item, f"{name}.{key}")
    return out


def anything(value: Any, name: str) -> Any:
    return value


CANISTER_ID = (principal, True)
SENDER_VERSION = (nat64, False)


def parse_record(method: str, schema: dict[str, Any], record: Any) -> dict[str, Any]:
    """Validate and convert a management argument record; raise ``Reject`` (408) if bad."""
    if record is None and all(not required for _, required in schema.values()):
        record = {}
    if not isinstance(record, dict):
        raise errors.candid_decode_error(
            f"{method} takes one record argument, got {type(record).__name__}"
        )
    # a field the method does not know is ignored, as Candid's record subtyping ignores it
    # when the replica decodes the argument (a ``sender_canister_version`` given to a method
    # whose argument has none, say): only the fields of the schema are read
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
        except BadArgument as exc:
            raise errors.candid_decode_error(f"{method}: {exc}") from None
    return out


def _variant(value: Any, name: str, cases: str) -> tuple[str, Any]:
    """A Candid variant: ``{"case": payload}``, or the bare ``"case"`` for a null payload."""
    if isinstance(value, str):
        return value, None
    if isinstance(value, dict) and len(value) == 1:
        ((case, payload),) = value.items()
        if isinstance(case, str):
            return case, payload
    raise BadArgument(f"field {name}: expected a variant {{{cases}}}, got {_short(value)}")


def _null(payload: Any, name: str) -> None:
    if payload is not None:
        raise BadArgument(f"field {name}: expected null, got {_short(payload)}")


def global_timer(value: Any, name: str) -> tuple[str, int]:
    """``variant { active : nat64; inactive }``, as ``("active", deadline in ns)`` or
    ``("inactive", 0)``."""
    case, payload = _variant(value, name, "active : nat64; inactive")
    if case == "inactive":
        _null(payload, f"{name}.inactive")
        return case, 0
    if case != "active":
        raise BadArgument(f"field {name}: unknown case {_short(case)}")
    return case, nat64(payload, f"{name}.active")


GLOBAL_TYPES = {"i32": int32, "i64": int64, "f32": float32, "f64": float64, "v128": v128}


def exported_globals(value: Any, name: str) -> tuple[dict[str, int | float], ...]:
    """``vec variant { i32 : int32; i64 : int64; f32 : float32; f64 : float64; v128 : nat }``."""
    if not isinstance(value, list | tuple):
        raise BadArgument(f"field {name}: expected vec, got {type(value).__name__}")
    result: list[dict[str, int | float]] = []
    for i, item in enumerate(value):
        where = f"{name}[{i}]"
        case, payload = _variant(item, where, "i32; i64; f32; f64; v128")
        parse = GLOBAL_TYPES.get(case)
        if parse is None:
            raise BadArgument(f"field {where}: unknown case {_short(case)}")
        result.append({case: parse(payload, f"{where}.{case}")})
    return tuple(result)


HOOK_STATUSES = ("condition_not_satisfied", "ready", "executed")


def hook_status(value: Any, name: str) -> str:
    """``variant { condition_not_satisfied; ready; executed }``."""
    case, payload = _variant(value, name, "; ".join(HOOK_STATUSES))
    if case not in HOOK_STATUSES:
        raise BadArgument(f"field {name}: unknown case {_short(case)}")
    _null(payload, f"{name}.{case}")
    return case


def sha256(value: Any, name: str) -> bytes:
    """A SHA-256 digest (32 bytes), or the empty blob for none."""
    data = blob(value, name)
    if len(data) not in (0, 32):
        raise BadArgument(f"field {name}: expected a 32-byte SHA-256, got {len(data)} bytes")
    return data


class DataKind(NamedTuple):
    """Which part of a snapshot a data read or upload is about: ``wasm_module``,
    ``main_memory`` (the Candid case ``wasm_memory``), ``stable_memory`` at ``offset`` (and,
    to read, ``size`` bytes), or one chunk of its Wasm chunk store (``wasm_chunk``; a read
    names it by ``hash``)."""

    kind: str
    offset: int = 0
    size: int = 0
    hash: bytes = b""


_SLICES = ("wasm_module", "main_memory", "stable_memory")


def _data_kind(value: Any, name: str, *, read: bool) -> DataKind:
    cases = "wasm_module; wasm_memory; stable_memory; wasm_chunk"
    case, body = _variant(value, name, cases)
    case = {"wasm_memory": "main_memory"}.get(case, case)
    if case == "wasm_chunk":
        if not read:  # ``wasm_chunk`` (null): the upload's ``chunk`` is the chunk
            _null(body, f"{name}.wasm_chunk")
            return DataKind("wasm_chunk")
        where = f"{name}.wasm_chunk"
        if not isinstance(body, dict) or "hash" not in body:
            raise BadArgument(f"field {where}: expected a record with hash")
        return DataKind("wasm_chunk", hash=blob(body["hash"], f"{where}.hash"))
    if case not in _SLICES:
        raise BadArgument(f"field {name}: unknown case {_short(case)}")
    if not isinstance(body, dict):
        fields = "offset and size" if read else "offset"
        raise BadArgument(f"field {name}.{case}: expected a record with {fields}")
    offset = nat64(body.get("offset"), f"{name}.{case}.offset")
    size = nat64(body.get("size", 0), f"{name}.{case}.size")
    return DataKind(case, offset, size if read else 0)


def read_kind(value: Any, name: str) -> DataKind:
    """``read_canister_snapshot_data``'s ``kind``: ``variant { wasm_module : record { offset;
    size }; wasm_memory : ...; stable_memory : ...; wasm_chunk : record { hash : blob } }``."""
    return _data_kind(value, name, read=True)


def upload_kind(value: Any, name: str) -> DataKind:
    """``upload_canister_snapshot_data``'s ``kind``: ``variant { wasm_module : record {
    offset }; wasm_memory : ...; stable_memory : ...; wasm_chunk }``."""
    return _data_kind(value, name, read=False)


def chunk_hashes(value: Any, name: str) -> list[bytes]:
    """``vec chunk_hash`` (``record { hash : blob }``): the hashes, in order. A hash of any
    length decodes; the method says which are not 32 bytes."""
    if not isinstance(value, list | tuple):
        raise BadArgument(f"field {name}: expected vec record {{hash}}, got {_short(value)}")
    result = []
    for i, item in enumerate(value):
        where = f"{name}[{i}]"
        if is_dataclass(item) and not isinstance(item, type):
            item = asdict(item)
        if not isinstance(item, dict) or set(item) != {"hash"}:
            raise BadArgument(f"field {where}: expected a record with hash, got {_short(item)}")
        result.append(blob(item["hash"], f"{where}.hash"))
    return result
