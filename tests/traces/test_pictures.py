"""Trace pictures: well-formed SVG, one mark per hazard, the same bytes for the same run, and
the documentation's pictures regenerated from their scenarios."""

import contextlib
import importlib.util
import io
import xml.etree.ElementTree as ET

import anyio

from subnet import Subnet
from subnet.cli import main as cli
from subnet.picture import html_page, sequence_svg
from tests.support import ROOT

SVG = "{http://www.w3.org/2000/svg}"


def load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scenarios" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_case(name):
    case = load("snapshot_cases").CASES[name][0]

    async def go():
        async with Subnet(seed=0) as net:
            with contextlib.redirect_stdout(io.StringIO()):
                await case(net)
            return net

    return anyio.run(go)


def test_the_picture_is_svg_with_a_mark_per_hazard():
    net = run_case("orphaned")
    svg = sequence_svg(net.trace, names={cid: n for n, cid in net.names.items()}, title="t")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    tooltips = [t.text for t in root.iter(f"{SVG}title")]
    assert len(tooltips) == len(net.hazards) == 5
    assert tooltips[3].startswith("orphaned_response:")
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "vault" in texts and "ledger" in texts and "withdraw → trap" in texts
    assert sequence_svg(net.trace, title="t") == sequence_svg(run_case("orphaned").trace, title="t")
    page = html_page(svg, "t")
    assert page.startswith("<!doctype html>") and svg in page


def test_the_docs_pictures_are_up_to_date():
    pictures = load("snapshot_cases").pictures()
    assert set(pictures) == {"resumed", "orphaned", "leaked"}
    for name, svg in pictures.items():
        assert svg == (ROOT / "docs" / "pictures" / f"case_{name}.svg").read_text(), name


def test_trace_show_draws_svg_and_html(tmp_path, capsys):
    trace = tmp_path / "o.trace"
    assert cli(["run", str(ROOT / "scenarios" / "snapshot_cases.py"), "--trace", str(trace)]) == 0
    capsys.readouterr()
    assert cli(["trace", "show", str(trace), "--format", "svg"]) == 0
    svg = capsys.readouterr().out
    ET.fromstring(svg)
    assert "vault" in svg  # names travel in the trace
    assert cli(["trace", "show", str(trace), "--format", "html"]) == 0
    assert "<svg" in capsys.readouterr().out
