"""Trace events carry the arguments of ingress messages and calls, so a replay notices a
changed argument even when the canister's answers do not change."""

import textwrap

from subnet.cli import main as cli
from subnet.trace import load_trace

SCENARIO = textwrap.dedent(
    """
    from actors import Canister, update


    class Sink(Canister):
        def init(self) -> None:
            self.calls = 0

        @update
        def note(self, amount: int, memo: list[str]) -> None:
            self.calls += 1  # the amount changes nothing the trace recorded before

        @update
        async def forward(self, amount: int) -> None:
            await self.call(self.id, "note", amount, ["forwarded"])


    async def scenario(net):
        sink = await net.deploy(Sink, name="sink")
        await sink.call("note", 100, ["first"])
        await sink.call("forward", 7)
    """
)


def test_submit_and_call_events_hold_the_arguments(tmp_path):
    scenario = tmp_path / "sink.py"
    scenario.write_text(SCENARIO)
    trace = tmp_path / "sink.trace"
    assert cli(["run", str(scenario), "--trace", str(trace)]) == 0
    events = load_trace(trace).events
    submits = [e.data[2] for e in events if e.kind == "submit" and e.method in ("note", "forward")]
    assert submits == [(100, ["first"]), (7,)]
    calls = [e.data[5] for e in events if e.kind == "call" and e.method == "note"]
    assert calls == [(7, ["forwarded"])]
    installs = [e for e in events if e.kind == "submit" and e.method == "install_code"]
    assert installs and all(e.data[2] is None for e in installs)  # code is not data


def test_replay_after_an_argument_changed_diverges_at_that_event(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scenario = tmp_path / "sink.py"
    scenario.write_text(SCENARIO)
    assert cli(["run", "sink.py", "--trace", "sink.trace"]) == 0
    assert cli(["replay", "sink.trace"]) == 0
    scenario.write_text(SCENARIO.replace('"forward", 7', '"forward", 8'))
    capsys.readouterr()
    assert cli(["replay", "sink.trace"]) == 1
    out = capsys.readouterr().out
    assert "diverged at event" in out
    assert "(7,)" in out and "(8,)" in out
    assert "hint: sink.py changed since the trace was recorded" in out
