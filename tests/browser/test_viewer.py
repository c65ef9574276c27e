"""The trace viewer (subnet.viewer) in a real browser: Playwright drives Chromium through a page
generated from a run of the orphaned snapshot case (scenarios/snapshot_cases.py).

The tests use a Chromium already on the machine (Debian's ``chromium`` package, found on the
PATH) and never download one. To run them::

    apt-get install chromium                 # or any Chromium; CHROMIUM=/path/to/it picks one
    python -m pip install -e '.[test]'       # has playwright: no `playwright install` needed

Without the ``playwright`` package or a Chromium they skip, saying which is missing.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from subnet import Subnet
from subnet.trace import TraceFile, decode_trace
from subnet.viewer import trace_page
from tests.support import ROOT, SCENARIOS


def _chromium() -> str | None:
    """A Chromium: $CHROMIUM, else `chromium` (Debian's package) or `chromium-browser` on the
    PATH."""
    for candidate in (
        os.environ.get("CHROMIUM"),
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


CHROMIUM = _chromium()
sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="playwright is not installed: python -m pip install playwright (no browser download)",
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium found: apt-get install chromium, or set CHROMIUM"
)


def _orphaned_trace() -> TraceFile:
    """The trace, with states, of the case where a snapshot load orphans a callback."""
    spec = importlib.util.spec_from_file_location("snapshot_cases", SCENARIOS / "snapshot_cases.py")
    assert spec is not None and spec.loader is not None
    cases = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cases)

    async def go() -> Subnet:
        async with Subnet(seed=0) as net:
            net.record_states()
            with contextlib.redirect_stdout(io.StringIO()):
                await cases.CASES["orphaned"][0](net)
            return net

    return decode_trace(anyio.run(go).trace_bytes())


@pytest.fixture(scope="module")
def trace() -> TraceFile:
    return _orphaned_trace()


@pytest.fixture(scope="module")
def browser(trace) -> Iterator[object]:
    """Chromium, started after the trace is built: Playwright's own event loop then runs, and
    the simulator's run (anyio.run) cannot start inside it."""
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser, trace, tmp_path):
    """The viewer's page for the orphaned case, opened from a file."""
    path = tmp_path / "orphaned.html"
    path.write_text(trace_page(trace, "orphaned"), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.goto(path.as_uri())
    yield opened
    context.close()
    assert errors == [], "the page's script failed"


def total_steps(trace: TraceFile) -> int:
    return max([e.step for e in trace.events] + [s["step"] for s in trace.states or ()])


def status(page) -> str:
    return page.get_by_role("status").inner_text()


def test_next_step_and_the_right_arrow_advance_the_status_line(page, trace):
    total = total_steps(trace)
    sync_api.expect(page.get_by_role("status")).to_have_text(f"step 1 of {total}")
    page.get_by_role("button", name="Next step").click()
    assert status(page) == f"step 2 of {total}"
    page.keyboard.press("ArrowRight")
    assert status(page) == f"step 3 of {total}"
    page.keyboard.press("ArrowLeft")
    assert status(page) == f"step 2 of {total}"
    page.get_by_role("button", name="Previous step").click()
    page.get_by_role("button", name="Previous step").click()  # no step before the first
    assert status(page) == f"step 1 of {total}"


def test_after_the_load_the_callbacks_panel_shows_the_callback_without_continuation(page, trace):
    loaded = [e.step for e in trace.events if e.kind == "snapshot_loaded"]
    assert len(loaded) == 1
    step = loaded[0]  # each step's state is the one after it: this is right after the load
    panel = page.locator("section", has=page.get_by_role("heading", name="Callbacks"))
    gone = panel.locator("tr.gone")
    total = total_steps(trace)
    for n in range(2, step + 1):
        page.get_by_role("button", name="Next step").click()
        assert status(page) == f"step {n} of {total}"
        if n < step:
            assert gone.count() == 0, f"step {n}: the heap still holds every continuation"
    assert gone.count() == 1
    cells = gone.first.locator("td").all_inner_texts()
    assert cells[0] == "vault" and cells[2] == "ledger.transfer"
    assert cells[-1] == "no: not in the heap"
    page.get_by_role("button", name="Previous step").click()  # before the load: still there
    assert gone.count() == 0
    assert panel.locator("td", has_text="yes: still in the heap").count() == 1


def test_a_click_on_a_box_of_the_diagram_selects_its_step(page, trace):
    total = total_steps(trace)
    boxes = page.locator("g.box[data-step]")
    assert boxes.count() > 1
    for index in (boxes.count() - 1, boxes.count() // 2):
        box = boxes.nth(index)
        step = int(box.get_attribute("data-step") or "")
        box.click()
        assert status(page) == f"step {step} of {total}"
        assert "selected" in (box.get_attribute("class") or "").split()


def pixels(png: bytes) -> set[bytes]:
    """The distinct pixels of an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    at, idat, header = 8, b"", b""
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, body = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    previous, seen = bytearray(stride), set()
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = previous[x], previous[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        seen.update(bytes(line[i : i + bpp]) for i in range(0, stride, bpp))
        previous = line
    return seen


def test_a_screenshot_of_the_page_is_not_blank(page, tmp_path):
    page.get_by_role("button", name="Next step").click()
    shot = tmp_path / "viewer.png"
    # the top left of the page (title, buttons, the start of the diagram): small to decode fast
    page.screenshot(path=str(shot), clip={"x": 0, "y": 0, "width": 640, "height": 400})
    assert len(pixels(shot.read_bytes())) > 2  # background, text and the diagram's colours


def test_a_documentation_page_with_an_embedded_viewer_steps_too(browser, tmp_path):
    """Every viewer of the documentation, as the built site serves it: in the ``<iframe>`` of
    each page that shows one (the hazards, the course's chapters), and on its own page where no
    page frames it. The viewer's status line reads ``step 1 of N``, and its "Next step" button
    advances it."""
    docs = ROOT / "docs"
    framed: dict[Path, list[str]] = {}  # page -> the viewers its frames show
    for page in sorted(docs.rglob("*.md")):
        found = re.findall(r'<iframe src="[^"]*/(viewers/[^"/]+)"', page.read_text())
        if found:
            framed[page.relative_to(docs)] = found
    shown = {Path(viewer) for viewers in framed.values() for viewer in viewers}
    alone = [
        page.relative_to(docs)
        for page in sorted(docs.rglob("*.html"))
        if 'id="trace-data"' in page.read_text(encoding="utf-8", errors="replace")
        and page.relative_to(docs) not in shown
    ]
    embedding = [*framed, *alone]
    if not embedding:
        pytest.skip("no documentation page embeds a trace viewer yet")
    assert Path("course/call_contexts.md") in framed  # a course chapter, in its frame
    if importlib.util.find_spec("mkdocs") is None:
        pytest.skip("mkdocs is not installed: pip install -e '.[docs]'")
    site = tmp_path / "site"
    command = [sys.executable, "-m", "mkdocs", "build", "--config-file", str(ROOT / "mkdocs.yml")]
    subprocess.run(
        [*command, "--site-dir", str(site)], cwd=ROOT, check=True, capture_output=True, timeout=300
    )
    context = browser.new_context()
    try:
        for source in embedding:
            built = site / source.with_suffix(".html")
            if source.suffix == ".md":
                built = site / source.with_suffix("") / "index.html"
                if source.stem == "index":
                    built = site / source.parent / "index.html"
            opened = context.new_page()
            opened.goto(built.as_uri(), wait_until="domcontentloaded")
            if source.suffix == ".md":  # the viewer is the page in the (first) frame
                frame = opened.locator("iframe").first
                frame.scroll_into_view_if_needed()  # a lazy frame loads when it is seen
                viewer = frame.content_frame
            else:
                viewer = opened
            line = viewer.get_by_role("status").first
            sync_api.expect(line).to_have_text(re.compile(r"step 1 of \d+"))
            total = line.inner_text().removeprefix("step 1 of ")
            viewer.get_by_role("button", name="Next step").first.click()
            assert line.inner_text() == f"step 2 of {total}", source
    finally:
        context.close()
