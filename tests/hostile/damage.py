"""Ways to damage a file, shared by the state-file and trace-file properties."""

from __future__ import annotations

from typing import Any

from cbor2 import CBORTag
from hypothesis import strategies as st

TOO_MANY_DIGITS = "<an integer of 5001 digits>"  # put in after drawing: Hypothesis prints draws
TAGGED = "<a CBOR tag around such an integer>"


@st.composite
def damaged(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with one to three bytes-level injuries."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        if not out:
            break
        at = draw(st.integers(0, len(out) - 1))
        how = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate", "repeat"]))
        if how == "flip":
            out[at] ^= 1 << draw(st.integers(0, 7))
        elif how == "set":
            out[at] = draw(st.sampled_from([0x00, 0xFF, 0x1B, 0x5B, 0x9F, 0xBF, 0xC2, 0xD9]))
        elif how == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=9))
        elif how == "delete":
            del out[at : at + draw(st.integers(1, 16))]
        elif how == "truncate":
            del out[at:]
        else:
            out[at:at] = out[at : at + draw(st.integers(1, 64))]
    return bytes(out)


def unpack(value: Any) -> Any:
    """``value`` with TOO_MANY_DIGITS and TAGGED replaced by what they stand for."""
    if isinstance(value, str) and value in (TOO_MANY_DIGITS, TAGGED):
        return 10**5000 if value == TOO_MANY_DIGITS else CBORTag(4321, [10**5000])
    if isinstance(value, dict):
        return {unpack(k): unpack(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(unpack(v) for v in value)
    return value


def nested(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


def replace_at(value: Any, path: tuple[Any, ...], change: Any) -> Any:
    """``value`` with the thing at ``path`` changed by ``change(old) -> new`` (a copy; as it
    was if an earlier change took the path away)."""
    if not path:
        return change(value)
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        if head not in value:
            return value
        copy = dict(value)
        copy[head] = replace_at(value[head], rest, change)
        return copy
    if not isinstance(value, list | tuple) or not (type(head) is int and 0 <= head < len(value)):
        return value
    items = list(value)
    items[head] = replace_at(value[head], rest, change)
    return tuple(items) if isinstance(value, tuple) else items


def reshaped(old: Any, how: str, junk: Any) -> Any:
    """A structural injury of a decoded document's value ``old``: ``remove`` its first entry,
    ``add`` ``junk`` to it, nest it ``deep``, ``negate`` an integer; else ``junk`` itself."""
    if how == "remove" and isinstance(old, dict) and old:
        copy = dict(old)
        del copy[next(iter(copy))]
        return copy
    if how == "remove" and isinstance(old, list | tuple) and old:
        return type(old)(list(old)[1:])
    if how == "add" and isinstance(old, dict):
        return {**old, "unexpected": junk}
    if how == "add" and isinstance(old, list | tuple):
        return type(old)([*old, junk])
    if how == "deep":
        return nested(390)
    if how == "negate" and isinstance(old, int) and not isinstance(old, bool):
        return -old - 1
    return junk
