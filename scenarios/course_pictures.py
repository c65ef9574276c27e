"""The course's pictures and trace viewers (docs/course/), each drawn from the real trace of its
chapter's example.

    python scenarios/course_pictures.py docs   # docs/pictures/course_*.svg, docs/viewers/course_*

The generator runs a chapter's Python blocks in order, in one namespace, as a reader pastes them
into one session, until the example's run is defined. A chapter's example is a function of the
subnet (``payments(net)``, ``order_tea(net)``, ...): it runs once more on a fresh subnet that
records every step's state, and its trace is drawn, as a sequence diagram
(:func:`subnet.picture.sequence_svg`) or as the trace viewer's page
(:func:`subnet.viewer.trace_page`). The two chapters on the explorer draw the trace of the
failure their campaign found and shrank (``result.trace``, recorded with its states). The tests
regenerate every drawing and compare it with the file the site serves.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from pathlib import Path
from typing import Any, NamedTuple

import anyio

from subnet import Subnet
from subnet.picture import sequence_svg
from subnet.trace import TraceFile, decode_trace
from subnet.viewer import trace_page

DOCS = Path(__file__).resolve().parent.parent / "docs"
COURSE = DOCS / "course"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


class Drawing(NamedTuple):
    """What a chapter shows: ``kind`` is ``"svg"`` (a sequence diagram in docs/pictures/) or
    ``"viewer"`` (a trace viewer's page in docs/viewers/). ``run`` names, in the chapter's
    namespace, the example's function of the subnet (called with the values the page names
    ``args``), or the explorer's result whose shrunk failure is drawn."""

    kind: str
    title: str
    run: str
    args: tuple[str, ...] = ()

    def path(self, stem: str) -> str:
        """Where the drawing of chapter ``stem`` is, from docs/."""
        if self.kind == "svg":
            return f"pictures/course_{stem}.svg"
        return f"viewers/course_{stem}.html"


CHAPTERS = {
    "atomicity": Drawing("svg", "A payment commits; an overdraft traps", "payments"),
    "call_contexts": Drawing(
        "viewer", "An order waits on the audit: its call context and callback", "order_tea"
    ),
    "reentrancy": Drawing(
        "viewer",
        "Two withdrawals pass the check before either debits",
        "two_withdrawals",
        ("Vault",),
    ),
    "stopping": Drawing(
        "viewer", "A shop stopped while an order is in flight", "stop_while_ordering"
    ),
    "snapshots": Drawing(
        "svg",
        "Stop, take, start; stop, load, start: a snapshot of a stopped canister",
        "backup_and_restore",
    ),
    "running_snapshots": Drawing(
        "viewer",
        "A snapshot taken at an await, loaded after the call finished",
        "snapshot_at_await",
    ),
    "exploring": Drawing("viewer", "The shrunk schedule that overdraws the vault", "result"),
    "fuzzing": Drawing("viewer", "The shrunk snapshot timing that locks the vault", "result"),
}


def page_namespace(stem: str, until: str | None = None) -> dict[str, Any]:
    """Run the Python blocks of docs/course/<stem>.md in order, in one namespace, their output
    swallowed; with ``until``, stop after the block that defines that name."""
    page = COURSE / f"{stem}.md"
    namespace: dict[str, Any] = {"__name__": f"course_{stem}"}
    with contextlib.redirect_stdout(io.StringIO()):
        for i, code in enumerate(BLOCK.findall(page.read_text())):
            exec(compile(code, f"{page.name} block {i}", "exec"), namespace)
            if until is not None and until in namespace:
                return namespace
    if until is not None:
        raise LookupError(f"{page.name} defines no {until}")
    return namespace


def chapter_trace(stem: str) -> TraceFile:
    """The trace a chapter's drawing shows, with every step's state."""
    drawing = CHAPTERS[stem]
    page = page_namespace(stem, until=drawing.run)
    found = page[drawing.run]
    if not callable(found):  # the explorer's result: its shrunk failure, replayed with states
        return decode_trace(found.trace)
    args = [page[name] for name in drawing.args]

    async def example() -> bytes:
        async with Subnet() as net:  # as the page's main() opens it
            net.record_states()
            await found(net, *args)
            return net.trace_bytes()

    with contextlib.redirect_stdout(io.StringIO()):
        return decode_trace(anyio.run(example))


def draw(stem: str) -> str:
    """The drawing of chapter ``stem``: an SVG, or a viewer's HTML page."""
    drawing, trace = CHAPTERS[stem], chapter_trace(stem)
    if drawing.kind == "svg":
        names = {cid: name for name, cid in (trace.meta.get("names") or {}).items()}
        return sequence_svg(trace.events, names=names, title=drawing.title)
    return trace_page(trace, drawing.title)


def drawings() -> dict[str, str]:
    """Every chapter's drawing, by its path from docs/."""
    return {drawing.path(stem): draw(stem) for stem, drawing in CHAPTERS.items()}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python scenarios/course_pictures.py DOCS_DIR")
    for path, text in drawings().items():
        (Path(sys.argv[1]) / path).write_text(text, encoding="utf-8")
