"""Per-step states (subnet.states): the recorder, the trace round trip and its validation, and
the viewer's page (subnet.viewer) parsed as HTML."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import anyio
import pytest

from actors.vault import Payments, Vault
from subnet import Subnet, cli
from subnet.codec import decode_document, encode_document
from subnet.trace import FORMAT, VERSION, TraceError, decode_trace
from subnet.viewer import trace_page
from tests.support import SCENARIOS

ROOT = Path(__file__).resolve().parents[2]


async def _orphaned(net: Subnet) -> None:
    vault = await net.deploy(Vault, name="vault")
    ledger = await net.deploy(Payments, name="ledger")
    ic = net.management
    snap = await ic.take_canister_snapshot(canister_id=vault.id)
    vault.submit("withdraw", ledger.id, 10)
    await net.step()
    await ic.load_canister_snapshot(canister_id=vault.id, snapshot_id=snap.id)
    await net.run_until_idle()


def run(states: bool) -> Subnet:
    async def go() -> Subnet:
        async with Subnet(seed=0) as net:
            if states:
                net.record_states()
            await _orphaned(net)
            return net

    return anyio.run(go)


def test_recording_is_off_by_default():
    net = run(states=False)
    assert net.engine.after_step == []
    assert decode_trace(net.trace_bytes()).states is None
    assert "states" not in decode_document(net.trace_bytes(), FORMAT, VERSION)


def test_the_recorder_keeps_what_changed_in_each_step():
    net = run(states=True)
    states = decode_trace(net.trace_bytes()).states
    assert states is not None
    vault = net.canister_id("vault")
    steps = [s["step"] for s in states]
    assert steps == sorted(steps)
    suspended = [s for s in states if s["canisters"].get(vault, {}).get("callbacks")]
    first = suspended[0]["canisters"][vault]
    assert first["callbacks"][0][-1] is True  # the heap holds its continuation
    assert first["heap"] == {"locked": True}  # only what changed

    def dangling(state):
        return any(cb[-1] is False for cb in state["canisters"].get(vault, {}).get("callbacks", []))

    loaded = [s for s in states if dangling(s)]
    assert loaded, "after the load, the callback's continuation is no longer in the heap"
    assert loaded[0]["canisters"][vault]["continuations"] == []


def test_states_survive_encode_and_decode():
    net = run(states=True)
    data = net.trace_bytes()
    trace = decode_trace(data)
    assert trace.states == net._states.states  # type: ignore[union-attr]
    assert decode_trace(data) == trace


def damaged(change) -> bytes:
    net = run(states=True)
    doc = decode_document(net.trace_bytes(), FORMAT, VERSION)
    body = {k: v for k, v in doc.items() if k not in ("format", "version")}
    change(body["states"])
    return encode_document(FORMAT, VERSION, body)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s.append("x"), "state 10 must be a map of step and canisters"),
        (lambda s: s[3].update(step=-1), "state 3's step must be an integer"),
        (lambda s: s[1].update(canisters={"vault": {}}), "keyed by principals"),
        (lambda s: next(iter(s[1]["canisters"].values())).update(status=3), "status must be"),
        (lambda s: next(iter(s[1]["canisters"].values())).update(colour="red"), "a field of"),
        (
            lambda s: next(iter(s[1]["canisters"].values())).update(callbacks=[[1, 2]]),
            "must hold lists of 6 fields",
        ),
        (lambda s: s.reverse(), "comes before the step of the state before it"),
    ],
)
def test_damaged_states_are_refused_with_one_line(change, expected):
    with pytest.raises(TraceError) as caught:
        decode_trace(damaged(change))
    message = str(caught.value)
    assert message.startswith("damaged trace file: ")
    assert expected in message
    assert "\n" not in message


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.buttons: list[str] = []
        self.headings: list[str] = []
        self.status = ""
        self.scripts: list[dict[str, str | None]] = []
        self.urls: list[str] = []
        self.links = 0
        self.steps: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "button":
            self.buttons.append(a.get("aria-label") or "")
        if tag in ("h2", "span") and (tag == "h2" or a.get("id") == "status"):
            self._in = tag
        if tag == "script":
            self.scripts.append(a)
        if tag == "link":
            self.links += 1
        for key in ("src", "href"):
            if a.get(key):
                self.urls.append(a[key] or "")
        if tag == "g" and "data-step" in a:
            self.steps.append(a["data-step"] or "")

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "h2":
            self.headings.append(data)
        elif self._in == "span":
            self.status += data


def page_of(net: Subnet) -> tuple[str, Page]:
    html = trace_page(decode_trace(net.trace_bytes()), "orphaned")
    parsed = Page()
    parsed.feed(html)
    return html, parsed


def test_the_page_has_the_buttons_the_status_line_and_the_panels():
    html, page = page_of(run(states=True))
    assert page.buttons == ["Previous step", "Next step"]
    assert re.fullmatch(r"step 1 of \d+", page.status)
    assert {"Call contexts", "Callbacks", "Heap"} <= set(page.headings)
    assert page.steps and all(s.isdigit() for s in page.steps)
    assert any(not s.get("src") and not s.get("type") for s in page.scripts)  # inline script
    assert all(not s.get("src") for s in page.scripts)
    assert page.links == 0 and page.urls == []
    # nothing fetched: no URL in an attribute, a style or an import (text may quote one)
    assert not re.search(r'=\s*"(https?:)?//', html)
    assert "url(http" not in html and "@import" not in html
    assert "ArrowLeft" in html and "ArrowRight" in html


def test_a_page_without_states_shows_the_diagram_and_a_note():
    html, page = page_of(run(states=False))
    assert "<svg" in html
    assert "holds no per-step states" in html
    assert "Heap" not in page.headings


def test_the_command_line_records_states_and_writes_the_page(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scenario = str(ROOT / "scenarios" / "snapshot_cases.py")
    assert cli.main(["run", scenario, "--trace", "t.trace", "--states"]) == 0
    assert decode_trace((tmp_path / "t.trace").read_bytes()).states
    assert cli.main(["trace", "show", "t.trace", "--format", "html", "-o", "t.html"]) == 0
    parsed = Page()
    parsed.feed((tmp_path / "t.html").read_text())
    assert parsed.buttons == ["Previous step", "Next step"]
    assert {"Call contexts", "Callbacks", "Heap"} <= set(parsed.headings)


def test_an_explorers_failure_trace_holds_the_states_and_still_replays():
    from subnet.explore import SnapshotFaults, explore, replay_failure
    from subnet.viewer import trace_page

    lock_race = str(SCENARIOS / "lock_race.py")
    result = explore(lock_race, runs=300, seed=1, faults=SnapshotFaults(("vault",), 0.05))
    recorded = decode_trace(result.trace)
    assert recorded.states  # one more run of the shrunk choices, with states
    again = replay_failure(lock_race, recorded.meta, recorded.decisions)
    assert decode_trace(again.trace).events == recorded.events  # looking changed nothing
    assert "holds no per-step states" not in trace_page(recorded, "race")
