"""Printing as dfx does: rejects, sizes, times and numbers in dfx's words, colour on a terminal,
and errors as ``Error: <what failed>`` followed by ``Caused by: <why>``."""

from __future__ import annotations

import datetime
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from ..errors import Reject, RejectCode, nat_text

_REJECT_NAMES = {
    RejectCode.SYS_FATAL: "SysFatal",
    RejectCode.SYS_TRANSIENT: "SysTransient",
    RejectCode.DESTINATION_INVALID: "DestinationInvalid",
    RejectCode.CANISTER_REJECT: "CanisterReject",
    RejectCode.CANISTER_ERROR: "CanisterError",
    RejectCode.SYS_UNKNOWN: "SysUnknown",
}


def reject_text(rej: Reject) -> str:
    """A reject as ic-agent prints it (``AgentError::CertifiedReject``)."""
    code = f'Some("{rej.error_code.ic_code}")' if rej.error_code is not None else "None"
    return (
        f"The replica returned a rejection error: reject code "
        f"{_REJECT_NAMES.get(rej.reject_code, rej.reject_code.name)}, reject message "
        f"{rej.reject_message}, error code {code}"
    )


def human_bytes(n: int) -> str:
    """indicatif's ``HumanBytes`` as dfx printed it in the tutorial (``1.61MiB``)."""
    if n < 1024:
        return f"{n}B"
    value = float(n)
    prefixes = ("Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi")
    index = 0
    while value >= 1024 * 1024 and index < len(prefixes) - 1:
        value /= 1024
        index += 1
    return f"{value / 1024:.2f}{prefixes[index]}B"


def utc_time(ns: int) -> str:
    """A subnet timestamp as dfx prints snapshot times: ``2024-08-27 18:19:20 UTC``."""
    moment = datetime.datetime.fromtimestamp(ns // 1_000_000_000, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def colour(stream: TextIO, code: str, text: str) -> str:
    """``text`` in the ANSI colour ``code`` if ``stream`` is a terminal and NO_COLOR is unset."""
    if os.environ.get("NO_COLOR") is None and getattr(stream, "isatty", lambda: False)():
        return f"\x1b[{code}m{text}\x1b[0m"
    return text


def out(line: str = "") -> None:
    print(line, file=sys.stdout)


def printable(text: str, keep: str = "") -> str:
    """``text`` with control characters (user input may hold any) shown as escapes, so that an
    error is exactly the lines it means to be."""
    return "".join(
        c if c.isprintable() or c in keep else c.encode("unicode_escape").decode() for c in text
    )


def print_error(message: str, causes: Sequence[str] = ()) -> None:
    err = sys.stderr
    print(f"{colour(err, '31', 'Error')}: {printable(message)}", file=err)
    for cause in causes:  # a reject's message may span lines (the replica's help line)
        print(f"{colour(err, '33', 'Caused by')}: {printable(cause, keep=chr(10))}", file=err)


__all__ = [
    "colour",
    "human_bytes",
    "nat_text",
    "out",
    "print_error",
    "printable",
    "reject_text",
    "utc_time",
]
