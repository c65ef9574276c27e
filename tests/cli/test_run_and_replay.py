"""``subnet run``, ``replay`` and ``trace show``: scenarios, their traces, and bad input."""

from __future__ import annotations

from subnet import cli
from tests.support import ROOT
from tests.support.cli import fail

HAZARD_SCENARIO = """
from actors.chat import Chat


async def scenario(net):
    chat = await net.deploy(Chat, name="chat")
    await chat.call("append", "Hi there!")
    await net.management.take_canister_snapshot(canister_id=chat.id)  # running: a hazard
    print("done")
"""


def test_run_replay_and_show_a_trace(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    (tmp_path / "hazard.py").write_text(HAZARD_SCENARIO)
    assert cli.main(["run", "hazard.py", "--seed", "3", "--trace", "h.trace"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "done\n"
    assert "1 hazard(s)" in captured.err
    assert cli.main(["replay", "h.trace", "--backend", "trio"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith("Replayed h.trace: ") and line.endswith("identical (1 hazard(s)).")
    assert cli.main(["trace", "show", "h.trace"]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[0] == "Trace h.trace: scenario hazard.py, seed 3, strategy round_robin"
    [hazard] = [line for line in shown if "HAZARD" in line]
    assert "snapshot_taken_while_running" in hazard
    # a trace whose events are not the scenario's: the replay says where they part
    from subnet.trace import encode_trace, load_trace

    recorded = load_trace("h.trace")
    events = list(recorded.events)
    events[3] = events[3]._replace(method="tampered")
    (tmp_path / "t.trace").write_bytes(encode_trace(recorded.meta, recorded.decisions, events))
    assert cli.main(["replay", "t.trace"]) == 1
    assert capsys.readouterr().out.splitlines()[0] == "Replay of t.trace diverged at event 3:"


def test_run_the_tutorial_scenario_and_bad_scenarios(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", str(ROOT / "scenarios" / "canister_snapshots.py")]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == '(vec { "Hi there!" })'
    (tmp_path / "empty.py").write_text("x = 1\n")
    assert fail(capsys, "run empty.py")[0].startswith("Error: Scenario 'empty.py' has no")
    assert fail(capsys, "run missing.py")[0] == "Error: Cannot find scenario file 'missing.py'."
    assert fail(capsys, "replay missing.trace")[0] == "Error: Cannot read trace 'missing.trace'."
