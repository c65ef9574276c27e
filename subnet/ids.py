"""Identifiers of the Internet Computer: principals, canister ids and snapshot ids.

* :class:`Principal` -- up to 29 raw bytes; textual form is
  ``base32(crc32_be(raw) + raw)``, lower case, no padding, grouped by 5 characters with ``-``.
* :class:`CanisterIdAllocator` -- sequential canister ids like a fresh local dfx replica
  (first ``bkyz2-fmaaa-aaaaa-qaaaq-cai``, then ``bd3sg-teaaa-aaaaa-qaaba-cai``, ...).
* :func:`identity_principal` -- deterministic user principals derived from a name.
* :class:`SnapshotId` -- 8-byte big-endian per-canister counter followed by the canister id bytes.

Everything here is pure and deterministic.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import zlib
from dataclasses import dataclass
from typing import ClassVar

__all__ = [
    "ANONYMOUS",
    "FIRST_LOCAL_CANISTER_INDEX",
    "LOCAL_CANISTER_RANGE_END",
    "LOCAL_CANISTER_RANGE_START",
    "MANAGEMENT",
    "MAX_PRINCIPAL_LENGTH",
    "CanisterIdAllocator",
    "Principal",
    "SnapshotId",
    "identity_principal",
]

#: Maximum length of a principal's raw bytes (IC interface spec).
MAX_PRINCIPAL_LENGTH = 29

# Class tags: the last byte of a principal says what kind it is.
_TAG_OPAQUE = 0x01  # canister ids (from_u64 form ends in 0x01 0x01)
_TAG_SELF_AUTHENTICATING = 0x02
_TAG_ANONYMOUS = 0x04

_B32_ALPHABET = frozenset("abcdefghijklmnopqrstuvwxyz234567")
_U64_MAX = (1 << 64) - 1


def _encode_text(raw: bytes) -> str:
    checksum = zlib.crc32(raw).to_bytes(4, "big")
    body = base64.b32encode(checksum + raw).decode("ascii").lower().rstrip("=")
    return "-".join(body[i : i + 5] for i in range(0, len(body), 5))


@functools.total_ordering
class Principal:
    """An IC principal: immutable, hashable, ordered by its raw bytes.

    ``Principal(raw)`` accepts at most 29 bytes (``ValueError`` otherwise).
    ``str(p)`` is the textual form, ``bytes(p)`` / ``p.raw`` the raw bytes.
    """

    __slots__ = ("_hash", "_raw", "_text")

    _raw: bytes
    _text: str | None
    _hash: int

    def __init__(self, raw: bytes | bytearray | memoryview) -> None:
        if not isinstance(raw, bytes | bytearray | memoryview):
            raise TypeError(f"Principal() expects bytes, not {type(raw).__name__}")
        data = bytes(raw)
        if len(data) > MAX_PRINCIPAL_LENGTH:
            raise ValueError(
                f"a principal is at most {MAX_PRINCIPAL_LENGTH} bytes long, got {len(data)}"
            )
        object.__setattr__(self, "_raw", data)
        object.__setattr__(self, "_text", None)
        object.__setattr__(self, "_hash", hash((Principal, data)))

    # -- immutability -------------------------------------------------------------------------

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Principal is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Principal is immutable")

    def __reduce__(self) -> tuple[type[Principal], tuple[bytes]]:
        return (Principal, (self._raw,))

    def __copy__(self) -> Principal:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Principal:
        return self

    # -- constructors ---------------------------------------------------------------------------

    @classmethod
    def from_text(cls, text: str) -> Principal:
        """Parse the textual form; ``ValueError`` names what is wrong (alphabet, grouping,
        length, checksum). Upper-case input is accepted, as the IC's parser does."""
        if not isinstance(text, str):
            raise TypeError(f"Principal.from_text() expects str, not {type(text).__name__}")
        s = text.lower()

        def bad(why: str) -> ValueError:
            return ValueError(f"invalid principal {text!r}: {why}")

        groups = s.split("-")
        if any(g == "" for g in groups):
            raise bad("empty group (misplaced '-')")
        if any(len(g) != 5 for g in groups[:-1]) or len(groups[-1]) > 5:
            raise bad("characters must be grouped by 5, separated by '-'")
        body = "".join(groups)
        strange = sorted({c for c in body if c not in _B32_ALPHABET})
        if strange:
            raise bad(f"characters outside the base32 alphabet: {''.join(strange)!r}")
        padded = body.upper() + "=" * (-len(body) % 8)
        try:
            data = base64.b32decode(padded)
        except binascii.Error:
            raise bad("not a valid base32 length") from None
        if len(data) < 4:
            raise bad("too short to hold a checksum")
        raw = data[4:]
        if len(raw) > MAX_PRINCIPAL_LENGTH:
            raise bad(f"longer than {MAX_PRINCIPAL_LENGTH} bytes")
        if _encode_text(raw) != s:
            if zlib.crc32(raw).to_bytes(4, "big") != data[:4]:
                raise bad("checksum mismatch")
            raise bad("not in canonical form")
        p = cls(raw)
        object.__setattr__(p, "_text", s)
        return p

    @classmethod
    def anonymous(cls) -> Principal:
        """The anonymous principal ``2vxsx-fae`` (raw ``b"\\x04"``)."""
        return ANONYMOUS

    @classmethod
    def management(cls) -> Principal:
        """The management canister ``aaaaa-aa`` (raw ``b""``)."""
        return MANAGEMENT

    @classmethod
    def self_authenticating(cls, public_key: bytes) -> Principal:
        """``sha224(public_key) + b"\\x02"`` (the key is DER-encoded on the real IC)."""
        return cls(hashlib.sha224(bytes(public_key)).digest() + bytes([_TAG_SELF_AUTHENTICATING]))

    @classmethod
    def from_canister_index(cls, index: int) -> Principal:
        """Canister id number ``index`` (u64): 8-byte big-endian index + ``b"\\x01\\x01"``,
        like the IC's ``CanisterId::from_u64``."""
        if not isinstance(index, int) or isinstance(index, bool):
            raise TypeError(f"canister index must be an int, not {type(index).__name__}")
        if not 0 <= index <= _U64_MAX:
            raise ValueError(f"canister index {index} is not a u64")
        return cls(index.to_bytes(8, "big") + b"\x01\x01")

    # -- views ------------------------------------------------------------------------------------

    @property
    def raw(self) -> bytes:
        """The raw bytes (0 to 29 of them)."""
        return self._raw

    @property
    def is_anonymous(self) -> bool:
        return self._raw == bytes([_TAG_ANONYMOUS])

    @property
    def is_management(self) -> bool:
        return self._raw == b""

    @property
    def canister_index(self) -> int | None:
        """The u64 index if this is a ``from_canister_index`` id, else ``None``."""
        raw = self._raw
        if len(raw) == 10 and raw[8:] == b"\x01\x01":
            return int.from_bytes(raw[:8], "big")
        return None

    def __bytes__(self) -> bytes:
        return self._raw

    def __str__(self) -> str:
        text = self._text
        if text is None:
            text = _encode_text(self._raw)
            object.__setattr__(self, "_text", text)
        return text

    def __repr__(self) -> str:
        return f"Principal({str(self)!r})"

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Principal):
            return self._raw == other._raw
        return NotImplemented

    def __lt__(self, other: object) -> bool:
        if isinstance(other, Principal):
            return self._raw < other._raw
        return NotImplemented


ANONYMOUS: Principal = Principal(bytes([_TAG_ANONYMOUS]))
MANAGEMENT: Principal = Principal(b"")


# ---------------------------------------------------------------------------------------------
# Canister ids
# ---------------------------------------------------------------------------------------------

#: Index ``0x8000000000100000`` (``bnz7o-iuaaa-aaaaa-qaaaa-cai``): the id just before the first
#: project canister of a fresh local dfx replica, taken as the start of its canister range.
LOCAL_CANISTER_RANGE_START = 0x8000_0000_0010_0000
#: Last index of that range, assuming a range of 2**20 ids (the IC's per-subnet allocation
#: unit); not checked against a real local replica.
LOCAL_CANISTER_RANGE_END = LOCAL_CANISTER_RANGE_START + (1 << 20) - 1
#: ``bkyz2-fmaaa-aaaaa-qaaaq-cai``, the first project canister of a fresh local dfx replica
#: (``bd3sg-teaaa-aaaaa-qaaba-cai`` is the next one). Projects commonly show
#: ``bnz7o-iuaaa-aaaaa-qaaaa-cai`` (the index before it) as an already existing canister.
FIRST_LOCAL_CANISTER_INDEX = LOCAL_CANISTER_RANGE_START + 1


class CanisterIdAllocator:
    """Hands out canister ids sequentially, like a fresh local dfx replica.

    The whole state is ``next_index`` (an int), so it can be saved and restored:
    ``CanisterIdAllocator(saved.next_index)`` continues where ``saved`` stopped.
    """

    __slots__ = ("next_index",)

    DEFAULT_START: ClassVar[int] = FIRST_LOCAL_CANISTER_INDEX

    next_index: int

    def __init__(self, next_index: int = FIRST_LOCAL_CANISTER_INDEX) -> None:
        if not isinstance(next_index, int) or isinstance(next_index, bool):
            raise TypeError("next_index must be an int")
        if not 0 <= next_index <= _U64_MAX + 1:
            raise ValueError(f"next_index {next_index} is out of the u64 range")
        self.next_index = next_index

    def next(self) -> Principal:
        """Return the id at ``next_index`` and advance by one."""
        p = Principal.from_canister_index(self.next_index)  # raises past u64::MAX
        self.next_index += 1
        return p

    def peek(self) -> Principal:
        """The id the next call to :meth:`next` returns, without advancing."""
        return Principal.from_canister_index(self.next_index)

    def __repr__(self) -> str:
        return f"CanisterIdAllocator(next_index={self.next_index:#x})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CanisterIdAllocator):
            return self.next_index == other.next_index
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable


# ---------------------------------------------------------------------------------------------
# User identities
# ---------------------------------------------------------------------------------------------

_IDENTITY_DOMAIN = b"subnet-sim/identity/v1\x00"


def identity_principal(name: str) -> Principal:
    """A deterministic self-authenticating principal for the user ``name``.

    The "public key" is ``sha256(b"subnet-sim/identity/v1\\x00" + name.encode())``: it is
    *not* a real key and nobody holds a matching private key; it only gives each name a stable
    principal of the self-authenticating form (29 bytes, class tag ``0x02``).
    """
    if not isinstance(name, str):
        raise TypeError(f"identity name must be str, not {type(name).__name__}")
    pseudo_key = hashlib.sha256(_IDENTITY_DOMAIN + name.encode("utf-8")).digest()
    return Principal.self_authenticating(pseudo_key)


# ---------------------------------------------------------------------------------------------
# Snapshot ids
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True, slots=True)
class SnapshotId:
    """A canister snapshot id: ``local_id`` (u64, per-canister counter) + ``canister_id``.

    ``bytes(sid)`` is the 8-byte big-endian ``local_id`` followed by the canister id bytes;
    ``sid.hex()`` is what dfx prints; ``str(sid)`` is ``<canister text>-<local_id>``, as the
    replica prints it in error messages. Ordering is by canister id, then ``local_id``.
    """

    canister_id: Principal
    local_id: int

    def __post_init__(self) -> None:
        if not isinstance(self.canister_id, Principal):
            raise TypeError(
                f"canister_id must be a Principal, not {type(self.canister_id).__name__}"
            )
        if not isinstance(self.local_id, int) or isinstance(self.local_id, bool):
            raise TypeError(f"local_id must be an int, not {type(self.local_id).__name__}")
        if not 0 <= self.local_id <= _U64_MAX:
            raise ValueError(f"snapshot local id {self.local_id} is not a u64")

    def __bytes__(self) -> bytes:
        return self.local_id.to_bytes(8, "big") + self.canister_id.raw

    def hex(self) -> str:
        """Lower-case hex of ``bytes(self)`` (the form dfx prints and accepts)."""
        return bytes(self).hex()

    def __str__(self) -> str:
        return f"{self.canister_id}-{self.local_id}"

    def __repr__(self) -> str:
        return f"SnapshotId({str(self.canister_id)!r}, {self.local_id})"

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview) -> SnapshotId:
        """Decode the raw id; ``ValueError`` if it is not 8 bytes + a valid principal. Exactly
        8 bytes is well formed: an empty canister id, the management canister's (as
        ``SnapshotId::try_from`` in the replica's base types decodes it), which has no
        snapshots, so such an id names nothing."""
        b = bytes(data)
        if len(b) < 8:
            raise ValueError(
                f"invalid snapshot id 0x{b.hex()}: {len(b)} bytes; a snapshot id is 8 bytes of "
                "local id followed by the canister id"
            )
        if len(b) > 8 + MAX_PRINCIPAL_LENGTH:
            raise ValueError(
                f"invalid snapshot id 0x{b.hex()}: {len(b)} bytes is too long (the canister id "
                f"after the first 8 bytes is at most {MAX_PRINCIPAL_LENGTH} bytes)"
            )
        return cls(Principal(b[8:]), int.from_bytes(b[:8], "big"))

    @classmethod
    def parse(cls, value: SnapshotId | bytes | bytearray | memoryview | str) -> SnapshotId:
        """Accept a ``SnapshotId``, its raw bytes, or its hex string (optionally ``0x``-prefixed).

        Raises ``ValueError`` with a readable message for anything else of the right type
        (odd or non-hex text, wrong length), ``TypeError`` for other types.
        """
        if isinstance(value, SnapshotId):
            return value
        if isinstance(value, bytes | bytearray | memoryview):
            return cls.from_bytes(value)
        if isinstance(value, str):
            text = value.strip()
            digits = text[2:] if text[:2].lower() == "0x" else text
            if not digits:
                raise ValueError(f"invalid snapshot id {value!r}: empty")
            bad = sorted({c for c in digits if c not in "0123456789abcdefABCDEF"})
            if bad:
                raise ValueError(
                    f"invalid snapshot id {value!r}: not hexadecimal (unexpected {''.join(bad)!r})"
                )
            if len(digits) % 2:
                raise ValueError(
                    f"invalid snapshot id {value!r}: odd number of hex digits ({len(digits)})"
                )
            return cls.from_bytes(bytes.fromhex(digits))
        raise TypeError(
            f"a snapshot id is a SnapshotId, bytes or a hex string, not {type(value).__name__}"
        )
