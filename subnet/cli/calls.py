"""What the canister and snapshot commands share: who sends, to which canister, which snapshot,
Candid arguments from the command line, and management calls whose rejects become errors."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from actors.canister import Canister

from .. import candid
from ..api import Subnet
from ..errors import Reject
from ..ids import Principal
from .exceptions import CliError, UsageError
from .output import reject_text


def identity_name(name: str) -> str:
    """``name`` if it can name an identity: not empty (nor only blanks), and text (a command
    line that is not UTF-8 gives undecodable characters); else a :class:`CliError`."""
    if not name.strip():
        raise CliError(f"Invalid identity name '{name}': an identity name cannot be empty.")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        shown = name.encode("utf-8", "backslashreplace").decode()
        raise CliError(f"Invalid identity name '{shown}': it is not valid UTF-8.") from None
    return name


def sender(net: Subnet, args: argparse.Namespace) -> Principal:
    """The principal of ``--identity`` (the default identity without it)."""
    name = getattr(args, "identity", None)
    return net.default_identity if name is None else net.identity(identity_name(name))


def canister_id(net: Subnet, name: str) -> Principal:
    """A canister name of this project (as deployed) or a canister id in textual form."""
    cid = net.names.get(name)
    if cid is not None:
        return cid
    try:
        return Principal.from_text(name)
    except ValueError:
        raise CliError(f"Cannot find canister id. Please issue 'subnet deploy {name}'.") from None


def snapshot_id(text: str, command: str, arg: str = "<SNAPSHOT>") -> bytes:
    """The bytes of a hex snapshot id, checked only as hex (as dfx does); the management
    canister decides whether they are a snapshot id. Text that is not hex is a usage error
    (exit code 2), as dfx's argument parser makes it, naming the argument (``<SNAPSHOT>``, or
    ``--replace <REPLACE>``) of ``subnet canister snapshot <command>``."""
    digits = text.strip()
    prog = f"subnet canister snapshot {command}"
    bad = next((i for i, c in enumerate(digits) if c not in "0123456789abcdefABCDEF"), None)
    if bad is not None:
        raise UsageError(
            f"invalid value '{text}' for '{arg}': Invalid character "
            f"'{digits[bad]}' at position {bad}",
            prog,
        )
    if len(digits) % 2:
        raise UsageError(f"invalid value '{text}' for '{arg}': Odd number of digits", prog)
    return bytes.fromhex(digits)


def sid_text(raw: bytes) -> str:
    """A snapshot id as dfx prints it."""
    return raw.hex()


async def management(
    net: Subnet, failed: str, method: str, sender: Principal, **fields: Any
) -> Any:
    """A management call; a reject becomes ``Error: <failed>`` / ``Caused by: <reject>``."""
    try:
        return await getattr(net.management, method)(sender=sender, **fields)
    except Reject as rej:
        raise CliError(failed, reject_text(rej)) from None


def installed_code(net: Subnet, cid: Principal) -> type[Canister] | None:
    """The canister class installed in ``cid`` (None: no such canister, or no code)."""
    cs = net.engine.get(cid)
    return cs.code if cs is not None else None


def parse_candid(text: str | None, types: Sequence[Any] | None, what: str) -> tuple[Any, ...]:
    """Candid arguments given on the command line (none when ``text`` is None)."""
    if text is None:
        return ()
    try:
        return candid.parse_args(text, types)
    except candid.CandidError as exc:
        raise CliError(f"Invalid argument for {what}: {exc}") from None


__all__ = [
    "canister_id",
    "identity_name",
    "installed_code",
    "management",
    "parse_candid",
    "sender",
    "sid_text",
    "snapshot_id",
]
