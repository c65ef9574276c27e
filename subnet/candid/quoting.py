"""How Candid text spells strings, labels and integers, as the Rust ``candid`` crate prints
them.

Rust's string escapes (:func:`rust_escape`), names that are printed bare when they are
identifiers and not keywords, else quoted (:func:`ident_string`, :func:`label_text`), and the
decimal digits of integers of any length (:func:`decimal_text`, :func:`decimal_int`).

Two departures from the crate, so that everything printed parses back: NUL is written ``\\00``
(Rust writes ``\\0``, which no Candid lexer reads, the crate's own included), and ``true`` and
``false`` count as keywords (the crate prints a field named ``true`` bare, and its lexer reads
that as a boolean).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

_KEYWORDS = frozenset(
    "import service func type opt vec record variant blob principal nat nat8 nat16 nat32 nat64 "
    "int int8 int16 int32 int64 float32 float64 bool text null reserved empty oneway query "
    "composite_query true false".split()
)
_ID_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_DECIMAL_RE = re.compile(r"[+-]?[0-9]+\Z")


def rust_escape(s: str, *, quote_single: bool) -> str:
    """Rust's `str::escape_debug` (`quote_single`) / `{:?}` body of a string, but for NUL,
    written as the Candid byte escape ``\\00``."""
    out = []
    for i, c in enumerate(s):
        o = ord(c)
        if c == "\0":
            out.append("\\00")
        elif c == "\t":
            out.append("\\t")
        elif c == "\r":
            out.append("\\r")
        elif c == "\n":
            out.append("\\n")
        elif c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "'" and quote_single:
            out.append("\\'")
        elif 0x20 <= o < 0x7F:
            out.append(c)
        else:
            cat = unicodedata.category(c)
            unprintable = cat in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs")
            if unprintable or (i == 0 and cat in ("Mn", "Me")):
                out.append(f"\\u{{{o:x}}}")
            else:
                out.append(c)
    return "".join(out)


def ident_string(name: str) -> str:
    """`name` bare when it is an identifier and no keyword, else as a quoted string."""
    if _ID_RE.match(name) and name not in _KEYWORDS:
        return name
    return '"' + rust_escape(name, quote_single=True) + '"'


def label_text(label: str | int) -> str:
    """A record or variant label: a field id as its number, a name as :func:`ident_string`."""
    return str(label) if isinstance(label, int) else ident_string(label)


def decimal_text(n: int) -> str:
    """The decimal digits of ``n`` (with ``-``), however many: ``str(n)`` refuses more than
    ``sys.get_int_max_str_digits()`` (4,300 by default), a limit that is the whole process's
    and not this module's to change."""
    return str(Decimal(n))


def decimal_int(digits: str) -> int:
    """The integer of decimal ``digits`` (an optional sign, then ``0-9`` only), however many:
    the counterpart of :func:`decimal_text`."""
    if not _DECIMAL_RE.match(digits):
        raise ValueError(f"not decimal digits: {digits[:20]!r}")
    return int(Decimal(digits))
