"""A Wadler-style layout engine, as the Rust ``pretty`` crate runs it.

Documents are tuples (:data:`Doc`): ``("nil",)``, ``("text", s)``, ``("line",)`` (a hard
newline), ``("alt", broken, flat)``, ``("group", d)``, ``("nest", k, d)``, ``("cat", (d, ...))``.
:func:`render` lays a document out at a width: a group is printed flat when its flat form plus
whatever follows it up to the next possible line break fits; otherwise its line breaks become
newlines. Widths count UTF-8 bytes, as the crate does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, TypeAlias

Nil: TypeAlias = tuple[Literal["nil"]]
Text: TypeAlias = tuple[Literal["text"], str]
Line: TypeAlias = tuple[Literal["line"]]
Alt: TypeAlias = tuple[Literal["alt"], "Doc", "Doc"]
Group: TypeAlias = tuple[Literal["group"], "Doc"]
Nest: TypeAlias = tuple[Literal["nest"], int, "Doc"]
Cat: TypeAlias = tuple[Literal["cat"], tuple["Doc", ...]]
Doc: TypeAlias = Nil | Text | Line | Alt | Group | Nest | Cat

NIL: Nil = ("nil",)
HARD: Line = ("line",)
SPACE_OR_BREAK: Doc = ("alt", HARD, ("text", " "))
NOTHING_OR_BREAK: Doc = ("alt", HARD, NIL)
_BREAK, _FLAT = 0, 1


def text(s: str) -> Doc:
    return ("text", s)


def cat(*docs: Doc) -> Doc:
    return ("cat", docs)


def kwd(s: str) -> Doc:
    return ("text", s + " ")


def enclose(left: str, doc: Doc, right: str, line: Doc) -> Doc:
    if doc is NIL:
        return text(left + right)
    return ("group", cat(("nest", 2, cat(text(left), line, doc)), line, text(right)))


def concat(docs: Iterable[Doc], sep: str) -> Doc:
    """Items separated by `sep` + line; when broken, the last item also gets `sep`."""
    docs = list(docs)
    if not docs:
        return NIL
    parts: list[Doc] = []
    for i, d in enumerate(docs):
        if i:
            parts.append(text(sep))
            parts.append(SPACE_OR_BREAK)
        parts.append(d)
    single: Doc = ("cat", tuple(parts))
    return ("alt", cat(single, text(sep)), single)


def _fits(doc: Doc, pos: int, width: int, bcmds: list[tuple[int, int, Doc]]) -> bool:
    fcmds = [doc]
    bidx = len(bcmds)
    mode = _FLAT
    while True:
        if fcmds:
            d = fcmds.pop()
        elif bidx == 0:
            return True
        else:
            bidx -= 1
            mode = _BREAK
            d = bcmds[bidx][2]
        while True:
            if d[0] == "cat":
                if not d[1]:
                    break
                fcmds.extend(reversed(d[1][1:]))
                d = d[1][0]
                continue
            if d[0] == "alt":
                d = d[1] if mode == _BREAK else d[2]
                continue
            if d[0] == "group":
                d = d[1]
                continue
            if d[0] == "nest":
                d = d[2]
                continue
            if d[0] == "line":
                return mode == _BREAK
            if d[0] == "text":
                pos += len(d[1].encode("utf-8"))
                if pos > width:
                    return False
            break


def render(doc: Doc, width: int) -> str:
    """The text of `doc` laid out at `width` columns."""
    out: list[str] = []
    pos = 0
    bcmds: list[tuple[int, int, Doc]] = [(0, _BREAK, doc)]
    while bcmds:
        ind, mode, d = bcmds.pop()
        while True:
            if d[0] == "cat":
                if not d[1]:
                    break
                for child in reversed(d[1][1:]):
                    bcmds.append((ind, mode, child))
                d = d[1][0]
                continue
            if d[0] == "alt":
                d = d[1] if mode == _BREAK else d[2]
                continue
            if d[0] == "group":
                if mode == _BREAK and _fits(d[1], pos, width, bcmds):
                    mode = _FLAT
                d = d[1]
                continue
            if d[0] == "nest":
                ind += d[1]
                d = d[2]
                continue
            if d[0] == "line":
                out.append("\n" + " " * ind)
                pos = ind
            elif d[0] == "text":
                out.append(d[1])
                pos += len(d[1].encode("utf-8"))
            break
    return "".join(out)
