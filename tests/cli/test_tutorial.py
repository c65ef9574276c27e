"""The dfx canister snapshots tutorial, word for word, with ``subnet`` in place of ``dfx``."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

import pytest

from subnet import cli
from tests.support import ROOT
from tests.support.cli import CHAT_ID, SID0, SUBNET, normalise, ok

# The tutorial's commands and example output (dfinity/examples rust/canister-snapshots, the
# portal's "Canister Snapshots Example"), from step 5 on, with dfx replaced by subnet.
TUTORIAL = [
    ("canister call chat append 'Hi there!'", ["()"]),
    ("canister call chat dump", ['(vec { "Hi there!" })']),
    ("canister stop chat", [f"Stopping code for canister chat, with canister_id {CHAT_ID}"]),
    (
        "canister snapshot create chat",
        [f"Created a new snapshot of canister chat. Snapshot ID: {SID0}"],
    ),
    ("canister start chat", [f"Starting code for canister chat, with canister_id {CHAT_ID}"]),
    ("canister call chat remove_spam", ["(0 : nat64)"]),
    ("canister call chat dump", ["(vec {})"]),
    ("canister stop chat", [f"Stopping code for canister chat, with canister_id {CHAT_ID}"]),
    ("canister snapshot list chat", [f"{SID0}: 1.61MiB, taken at 2024-08-27 18:19:20 UTC"]),
    (f"canister snapshot load chat {SID0}", [f"Loaded snapshot {SID0} in canister chat"]),
    ("canister start chat", [f"Starting code for canister chat, with canister_id {CHAT_ID}"]),
    ("canister call chat dump", ['(vec { "Hi there!" })']),
]


def test_the_tutorial_word_for_word_in_process(proj, capsys):
    assert ok(capsys, "start --clean")[0] == "Running subnet start for version 0.1.0"
    deployed = ok(capsys, "deploy chat")
    assert deployed[0] == "Deploying: chat"
    assert f"chat canister created with canister id: {CHAT_ID}" in deployed
    assert deployed[-1] == "Deployed canisters."
    for command, expected in TUTORIAL:
        assert normalise(ok(capsys, command)) == normalise(expected), command


@pytest.mark.slow
def test_the_tutorial_word_for_word_with_the_installed_script(proj):
    env = {**os.environ, "NO_COLOR": "1"}

    def sh(command: str) -> list[str]:
        done = subprocess.run(
            [str(SUBNET), *shlex.split(command)],
            capture_output=True,
            text=True,
            env=env,
            cwd=proj,
            timeout=60,
        )
        assert (done.returncode, done.stderr) == (0, ""), command
        return done.stdout.splitlines()

    sh("start --clean")
    assert sh("deploy")[-1] == "Deployed canisters."
    for command, expected in TUTORIAL:
        assert normalise(sh(command)) == normalise(expected), command


def _console_blocks(markdown: str) -> list[tuple[str, list[str]]]:
    """The ``$ subnet ...`` commands of the ```console blocks, each with its output lines."""
    steps: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", markdown, re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            else:
                steps[-1][1].append(line)
    return steps


def test_docs_tutorial_transcript_runs_as_written(tmp_path, monkeypatch, capsys):
    # the folder the page describes: a subnet.toml naming the chat canister, nothing else
    (tmp_path / "subnet.toml").write_text('[canisters.chat]\nclass = "actors.chat:Chat"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    steps = _console_blocks((ROOT / "docs" / "tutorial.md").read_text())
    assert len(steps) >= 15
    for command, expected in steps:
        argv = shlex.split(command)
        assert argv[0] == "subnet"
        cli.main(argv[1:])
        captured = capsys.readouterr()
        got = captured.out.splitlines() + captured.err.splitlines()
        assert normalise(got) == normalise(expected), command


def test_make_run_script_runs_from_a_checkout():
    done = subprocess.run(
        [sys.executable, "scenarios/canister_snapshots.py"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == '(vec { "Hi there!" })'
