"""Trace pictures: well-formed SVG, one mark per hazard, the same bytes for the same run, the
documentation's pictures regenerated from their scenarios, and the geometry of every picture
drawn from a real run: no text outside its box, no label or arrow over a box, and one arrow
for every answer the trace records (each ingress message's reply or reject, the response to
each inter-canister call)."""

import contextlib
import importlib.util
import io
import re
import xml.etree.ElementTree as ET
from collections import Counter

import anyio
import pytest

from actors import Canister, update
from subnet import MANAGEMENT, Reject, RejectCode, Subnet
from subnet.cli import main as cli
from subnet.picture import ASCENT, CHAR_WIDTH, DESCENT, FONT_SIZE, html_page, sequence_svg
from subnet.scenario import load_scenario
from tests.support import ROOT, SCENARIOS

SVG = "{http://www.w3.org/2000/svg}"
SECOND = 1_000_000_000


def load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scenarios" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(scenario, seed=0, *, failing=False):
    """The subnet after ``scenario`` (one that may fail: the trace is there all the same)."""

    async def go():
        async with Subnet(seed=seed) as net:
            with contextlib.redirect_stdout(io.StringIO()):
                try:
                    await scenario(net)
                except AssertionError:
                    if not failing:
                        raise
            return net

    return anyio.run(go)


def run_case(name):
    return run(load("snapshot_cases").CASES[name][0])


def picture(net, title="t"):
    return sequence_svg(net.trace, names={cid: n for n, cid in net.names.items()}, title=title)


# -- a run with every kind of answer --------------------------------------------------------


class Callee(Canister):
    @update
    def ok(self) -> int:
        return 1

    @update
    def refuse(self) -> None:
        raise Reject(RejectCode.CANISTER_REJECT, "no thanks")

    @update
    def boom(self) -> int:
        raise ValueError("boom")

    @update(manual_reply=True)
    def decline(self) -> None:
        self.reject("declined")  # answered with a reject, and the method then returns

    @update
    async def relay(self, target: object) -> int:
        n: int = await self.call(target, "ok")
        return n


class Asker(Canister):
    @update
    async def ask(self, target: object, method: str, timeout: int | None, *args: object) -> str:
        try:
            await self.call(target, method, *args, timeout=timeout)
        except Reject:
            return "rejected"
        return "replied"

    @update
    def pong(self) -> str:
        return "pong"


async def every_answer(net: Subnet) -> None:
    ic = net.management
    callee = await net.deploy(Callee, name="callee")
    relay = await net.deploy(Callee, name="a_relay_with_a_really_long_canister_name")
    asker = await net.deploy(Asker, name="asker")
    assert await asker.call("ask", callee.id, "ok", None) == "replied"
    assert await asker.call("ask", callee.id, "refuse", None) == "rejected"
    assert await asker.call("ask", callee.id, "boom", None) == "rejected"
    assert await asker.call("ask", callee.id, "decline", None) == "rejected"
    assert await asker.call("ask", asker.id, "pong", None) == "replied"  # a call to itself
    assert await asker.call("ask", MANAGEMENT, "raw_rand", None, {}) == "replied"
    await ic.stop_canister(canister_id=callee.id)
    assert await asker.call("ask", callee.id, "ok", None) == "rejected"  # refused at induction
    with pytest.raises(Reject):
        await callee.call("ok")  # an ingress message to a stopped canister
    await ic.start_canister(canister_id=callee.id)
    # a bounded-wait call whose deadline passes while the relay works: the system answers it,
    # and the relay's reply, when it comes, is dropped
    pending = asker.submit("ask", relay.id, "relay", 5, callee.id)
    await net.step()
    await net.step()
    net.advance_time(10 * SECOND)
    await net.run_until_idle()
    assert await pending == "rejected"
    # uninstalled while its call is in flight: the user is rejected, the response runs no code
    pending = asker.submit("ask", callee.id, "ok", None)
    await net.step()
    await ic.uninstall_code(canister_id=asker.id)
    await net.run_until_idle()
    with pytest.raises(Reject):
        await pending


# -- geometry -------------------------------------------------------------------------------


def number(element, name, default=0.0):
    return float(element.get(name, default))


def extent(text):
    """The box a text element fills: each character ``CHAR_WIDTH`` em wide (the estimate the
    picture sizes its boxes with), ``ASCENT`` em above the baseline and ``DESCENT`` below."""
    size = number(text, "font-size", FONT_SIZE)
    width = len(text.text) * size * CHAR_WIDTH
    x, y = number(text, "x"), number(text, "y")
    anchor = text.get("text-anchor", "start")
    x0 = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
    return (x0, y - ASCENT * size, x0 + width, y + DESCENT * size)


def rect(element):
    x, y = number(element, "x"), number(element, "y")
    return (x, y, x + number(element, "width"), y + number(element, "height"))


def circle(element):
    cx, cy, r = number(element, "cx"), number(element, "cy"), number(element, "r")
    return (cx - r, cy - r, cx + r, cy + r)


def path_extent(path):
    """The bounding box of an arrow's loop (``M x,y h.. v.. h..``)."""
    tokens = re.findall(r"[MhvHV]|-?[\d.]+", path.get("d"))
    x = y = 0.0
    xs, ys = [], []
    i = 0
    while i < len(tokens):
        op = tokens[i]
        if op == "M":
            x, y = float(tokens[i + 1]), float(tokens[i + 2])
            i += 3
        else:
            value = float(tokens[i + 1])
            if op == "h":
                x += value
            else:
                y += value
            i += 2
        xs.append(x)
        ys.append(y)
    return (min(xs), min(ys), max(xs), max(ys))


def inside(inner, outer):
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and inner[2] <= outer[2]
        and inner[3] <= outer[3]
    )


def meet(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def problems(svg):
    """Every way the picture breaks the rules: a text outside its box, a text, a hazard mark
    or an arrow over a box, two texts over each other, two boxes over each other, something
    outside the canvas."""
    root = ET.fromstring(svg)
    canvas = (0, 0, number(root, "width"), number(root, "height"))
    found = []
    boxes, texts = [], []  # (extent, what)
    for group in root.iter(f"{SVG}g"):
        kind = group.get("class", "")
        shape = group.find(f"{SVG}rect")
        text = group.find(f"{SVG}text")
        if kind in ("box", "lane"):
            boxes.append((rect(shape), text.text))
            if not inside(extent(text), rect(shape)):
                found.append(f"{text.text!r} spills out of its box")
    for group in root.iter(f"{SVG}g"):
        kind = group.get("class", "")
        text = group.find(f"{SVG}text")
        if kind == "hazard":
            mark = circle(group.find(f"{SVG}circle"))
            if not inside(extent(text), mark):
                found.append(f"hazard number {text.text} spills out of its mark")
            found += [f"hazard {text.text} is over {w!r}" for b, w in boxes if meet(mark, b)]
        if kind.startswith("arrow"):
            line = group.find(f"{SVG}line")
            loop = group.find(f"{SVG}path")
            if line is not None:
                ys = number(line, "y1"), number(line, "y2")
                assert ys[0] == ys[1], "arrows are horizontal"
                xs = sorted((number(line, "x1"), number(line, "x2")))
                shape = (xs[0], ys[0] - 3, xs[1], ys[0] + 3)  # with its head
            else:
                shape = path_extent(loop)
            found += [f"the arrow {text.text!r} crosses {w!r}" for b, w in boxes if meet(shape, b)]
    for text in root.iter(f"{SVG}text"):
        box = extent(text)
        texts.append((box, text.text))
        if not inside(box, canvas):
            found.append(f"{text.text!r} is outside the picture")
    in_boxes = {
        id(g.find(f"{SVG}text")) for g in root.iter(f"{SVG}g") if g.get("class") in ("box", "lane")
    }
    for text in root.iter(f"{SVG}text"):
        if id(text) in in_boxes:
            continue
        found += [f"{text.text!r} is over {w!r}" for b, w in boxes if meet(extent(text), b)]
    for i, (a, what) in enumerate(texts):
        found += [f"{what!r} is over {w!r}" for b, w in texts[i + 1 :] if meet(a, b)]
    for i, (a, what) in enumerate(boxes):
        found += [f"box {what!r} is over box {w!r}" for b, w in boxes[i + 1 :] if meet(a, b)]
    return found


def answers_in(svg):
    """The answer arrows of a picture, by label."""
    root = ET.fromstring(svg)
    return Counter(
        g.find(f"{SVG}text").text
        for g in root.iter(f"{SVG}g")
        if "answer" in g.get("class", "").split()
    )


def answered(events):
    """The answers a trace records: ingress messages answered, responses to calls that ran
    (or found no callback)."""
    calls = {e.data[1] for e in events if e.kind == "call"}
    ingress = [e for e in events if e.kind == "ingress_done"]
    responses = [
        e for e in events if e.kind == "exec" and e.data[0] == "response" and e.data[3] in calls
    ]
    dropped = [e for e in events if e.kind == "dropped" and e.data[0] in calls]
    return ingress, responses, dropped


def scenario_files():
    return sorted(p.stem for p in SCENARIOS.glob("*.py") if "async def scenario" in p.read_text())


def test_the_picture_is_svg_with_a_mark_per_hazard():
    net = run_case("orphaned")
    svg = picture(net)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    marks = [g for g in root.iter(f"{SVG}g") if g.get("class") == "hazard"]
    tooltips = [g.find(f"{SVG}title").text for g in marks]
    assert len(tooltips) == len(net.hazards) == 5
    assert tooltips[3].startswith("orphaned_response:")
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "vault" in texts and "ledger" in texts and "withdraw → trap" in texts
    assert svg == picture(run_case("orphaned"))
    page = html_page(svg, "t")
    assert page.startswith("<!doctype html>") and svg in page


def test_the_reject_back_to_the_user_is_drawn():
    net = run_case("orphaned")
    root = ET.fromstring(picture(net))
    [reject] = [g for g in root.iter(f"{SVG}g") if g.get("class") == "arrow answer reject"]
    assert reject.find(f"{SVG}text").text == "reject"
    assert "withdraw" in reject.find(f"{SVG}title").text
    assert "Canister trapped" in reject.find(f"{SVG}title").text
    line = reject.find(f"{SVG}line")
    users = min(
        number(g.find(f"{SVG}rect"), "x") for g in root.iter(f"{SVG}g") if g.get("class") == "lane"
    )
    assert number(line, "x2") < number(line, "x1") and number(line, "x2") > users  # to users


@pytest.mark.parametrize("name", ["resumed", "orphaned", "leaked"])
def test_the_docs_pictures_keep_every_text_in_its_box(name):
    svg = (ROOT / "docs" / "pictures" / f"case_{name}.svg").read_text()
    assert problems(svg) == []
    assert problems(picture(run_case(name))) == []


@pytest.mark.parametrize("name", scenario_files())
def test_every_scenario_draws_without_overlaps_and_with_every_answer(name):
    net = run(load_scenario(str(SCENARIOS / f"{name}.py")).run, failing=True)
    svg = picture(net, title=f"scenarios/{name}.py (seed 0)")
    assert problems(svg) == []
    ingress, responses, dropped = answered(net.trace)
    assert sum(answers_in(svg).values()) == len(ingress) + len(responses) + len(dropped) > 0


def test_every_answer_is_drawn_and_labelled():
    net = run(every_answer)
    svg = picture(net)
    assert problems(svg) == []
    ingress, responses, dropped = answered(net.trace)
    assert len(dropped) == 2  # the relay's late reply, the response to the uninstalled asker
    drawn = answers_in(svg)
    assert sum(drawn.values()) == len(ingress) + len(responses) + len(dropped)
    assert drawn["dropped"] == 2 and drawn["response"] == 0  # every label is known here
    ingress_rejects = sum(e.data[1] == "reject" for e in ingress)
    assert ingress_rejects == 2  # the stopped callee, the uninstalled asker
    root = ET.fromstring(svg)
    labels = {}  # the responses to inter-canister calls, by callee and method, as drawn
    for g in root.iter(f"{SVG}g"):
        tip = g.find(f"{SVG}title").text if g.find(f"{SVG}title") is not None else ""
        if "answer" in g.get("class", "").split() and "to the ingress" not in tip:
            answer, called = re.match(r"(\w+): (\S+) to ", tip).groups()
            assert answer == g.find(f"{SVG}text").text
            labels.setdefault(called, []).append(answer)
    assert labels["callee.ok"] == ["reply", "reject", "reply", "dropped"]  # refused, relayed
    assert labels["callee.refuse"] == ["reject"]
    assert labels["callee.boom"] == ["reject"]
    # its execution ends in "reply" (the method returned): the response event says reject
    assert labels["callee.decline"] == ["reject"]
    assert labels["asker.pong"] == ["reply"]
    assert labels["aaaaa-aa.raw_rand"] == ["reply"]
    relay = "a_relay_with_a_really_long_canister_name.relay"
    assert labels[relay] == ["reject", "dropped"]  # the system's reject, then the late reply
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "a_relay_with_a_really_l…" not in texts  # shortened in the middle, with a tooltip
    assert any(t.startswith("a_relay_wit") and "…" in t for t in texts)


def test_long_labels_are_shortened_with_the_full_text_as_a_tooltip():
    root = ET.fromstring(picture(run_case("resumed")))
    [box] = [
        g
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "box"
        and g.find(f"{SVG}title").text == "provisional_create_canister_with_cycles → reply"
    ][:1]
    shown = box.find(f"{SVG}text").text
    assert "…" in shown and shown.endswith("→ reply")
    assert any(
        t.text == "take_canister_snapshot → reply" for t in root.iter(f"{SVG}text")
    )  # short enough: shown whole


def test_the_docs_pictures_are_up_to_date():
    cases = load("snapshot_cases")
    pictures = cases.pictures()
    assert set(pictures) == {"resumed", "orphaned", "leaked"}
    for name, svg in pictures.items():
        assert svg == (ROOT / "docs" / "pictures" / f"case_{name}.svg").read_text(), (
            f"{name}: regenerate with python scenarios/snapshot_cases.py --pictures docs/pictures"
        )
    pytest.importorskip("wasmtime")
    for name, svg in cases.pictures(cases.MOTOKO_CASES).items():
        assert svg == (ROOT / "docs" / "pictures" / f"motoko_{name}.svg").read_text(), (
            f"{name}: regenerate with python scenarios/snapshot_cases.py --pictures docs/pictures"
        )


def test_the_docs_viewers_are_up_to_date():
    viewers = load("snapshot_cases").viewers()
    assert set(viewers) == {"resumed", "orphaned", "leaked"}
    for name, page in viewers.items():
        assert 'id="trace-data"' in page
        saved = (ROOT / "docs" / "viewers" / f"case_{name}.html").read_text(encoding="utf-8")
        assert page == saved, (
            f"{name}: regenerate with python scenarios/snapshot_cases.py --viewers docs/viewers"
        )
    hazards = (ROOT / "docs" / "hazards.md").read_text()
    for name in viewers:
        assert f"(viewers/case_{name}.html)" in hazards, name
    pytest.importorskip("wasmtime")
    motoko = load("snapshot_cases")
    for name, page in motoko.viewers(motoko.MOTOKO_CASES).items():
        saved = (ROOT / "docs" / "viewers" / f"motoko_{name}.html").read_text(encoding="utf-8")
        assert page == saved, (
            f"{name}: regenerate with python scenarios/snapshot_cases.py --viewers docs/viewers"
        )


def test_trace_show_draws_svg_and_html(tmp_path, capsys):
    trace = tmp_path / "o.trace"
    assert cli(["run", str(ROOT / "scenarios" / "snapshot_cases.py"), "--trace", str(trace)]) == 0
    capsys.readouterr()
    assert cli(["trace", "show", str(trace), "--format", "svg"]) == 0
    svg = capsys.readouterr().out
    ET.fromstring(svg)
    assert "vault" in svg  # names travel in the trace
    assert problems(svg) == []
    assert answers_in(svg) == answers_in(picture(run_case("orphaned")))
    assert cli(["trace", "show", str(trace), "--format", "html"]) == 0
    assert "<svg" in capsys.readouterr().out
