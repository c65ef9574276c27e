"""``subnet run``, ``replay`` and ``trace show``: scenarios, their traces, and bad input."""

from __future__ import annotations

from subnet import cli
from tests.support import ROOT
from tests.support.cli import fail, run

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


FAILING_SCENARIO = """
from actors.chat import Chat


def check(messages):
    assert messages == ["Bye"], f"the chat holds {messages}"


async def scenario(net):
    chat = await net.deploy(Chat, name="chat")
    await chat.call("append", "Hi there!")
    check(await chat.query("dump"))
"""


def test_a_failing_scenario_is_reported_with_its_own_lines_and_its_trace_kept(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "failing.py").write_text(FAILING_SCENARIO)
    code, out, err = run(capsys, "run failing.py --trace f.trace")
    assert code == cli.ERROR_EXIT and not any("Traceback" in line for line in err)
    assert err[0].startswith("Trace written to f.trace: ")
    assert err[1] == "Error: Scenario 'failing.py' failed at step 3."
    assert err[2:] == [
        "Caused by: AssertionError: the chat holds ['Hi there!']",
        'Caused by: at failing.py:12 in scenario: check(await chat.query("dump"))',
        "Caused by: at failing.py:6 in check: "
        'assert messages == ["Bye"], f"the chat holds {messages}"',
    ]
    # the trace of the failed run replays: the same events, and the same failure
    code, out, err = run(capsys, "replay f.trace")
    assert code == 0 and out == [
        "Replayed f.trace: 14 events, identical (0 hazard(s)); the scenario failed again: "
        "AssertionError: the chat holds ['Hi there!']."
    ]
    # fixed since: the replay says the recorded failure is gone
    (tmp_path / "failing.py").write_text(FAILING_SCENARIO.replace('["Bye"]', '["Hi there!"]'))
    code, out, err = run(capsys, "replay f.trace")
    assert code == 1 and out[:2] == [
        "Replay of f.trace diverged: the scenario raised nothing",
        "  (when recorded: AssertionError: the chat holds ['Hi there!'])",
    ]
    assert out[2].startswith("  hint: failing.py changed since the trace was recorded")


def test_the_unstoppable_scenario(tmp_path, monkeypatch, capsys):
    """scenarios/unstoppable.py: a stop that cannot complete times out (IC0206), and the
    snapshot is taken of the stopping canister, a hazard the trace keeps; its trace replays."""
    monkeypatch.chdir(tmp_path)
    script = str(ROOT / "scenarios" / "unstoppable.py")
    assert cli.main(["run", script, "--trace", "u.trace"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == [
        "after the stop: stopping, 1 open call context(s)",
        "the stop: IC0206 Stop canister request timed out",
        "still stopping",
        "snapshot bd3sg-teaaa-aaaaa-qaaba-cai-0 taken; hazards: ['snapshot_taken_while_stopping']",
        "started again: running",
    ]
    # what docs/hazards.md shows of it
    shown = (
        (ROOT / "docs" / "hazards.md")
        .read_text()
        .split("$ subnet run scenarios/unstoppable.py\n", 1)[1]
    )
    assert shown.split("\n```", 1)[0].splitlines() == printed
    assert cli.main(["replay", "u.trace", "--scenario", script]) == 0
    assert "identical (1 hazard(s))" in capsys.readouterr().out
