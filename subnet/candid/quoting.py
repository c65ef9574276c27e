"""How Candid text spells strings and labels, as the Rust ``candid`` crate prints them.

Rust's string escapes (:func:`rust_escape`), and names that are printed bare when they are
identifiers and not keywords, else quoted (:func:`ident_string`, :func:`label_text`).
"""

from __future__ import annotations

import re
import unicodedata

_KEYWORDS = frozenset(
    "import service func type opt vec record variant blob principal nat nat8 nat16 nat32 nat64 "
    "int int8 int16 int32 int64 float32 float64 bool text null reserved empty oneway query "
    "composite_query".split()
)
_ID_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def rust_escape(s: str, *, quote_single: bool) -> str:
    """Rust's `str::escape_debug` (`quote_single`) / `{:?}` body of a string."""
    out = []
    for i, c in enumerate(s):
        o = ord(c)
        if c == "\0":
            out.append("\\0")
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
