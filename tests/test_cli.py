"""The ``subnet`` command: the dfx tutorial word for word, snapshots on disk, errors, scenarios."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from subnet import candid, cli
from subnet.cli import project
from subnet.ids import identity_principal

ROOT = Path(__file__).parent.parent
SUBNET = Path(sys.executable).parent / "subnet"  # the installed console script
SID0 = "000000000000000080000000001000010101"
CHAT_ID = "bkyz2-fmaaa-aaaaa-qaaaq-cai"

STORE_MODULE = '''
from actors import Canister, blob, nat, nat64, opt, query, text, update


class Store(Canister):
    """Stable memory and a small map, with typed arguments."""

    def __init__(self):
        self.kv = {}

    @update
    def write(self, offset: nat64, data: blob) -> None:
        need = -(-(offset + len(data)) // 65536)
        if self.stable.size() < need:
            self.stable.grow(need - self.stable.size())
        self.stable.write(offset, data)

    @query
    def read(self, offset: nat64, n: nat64) -> blob:
        return self.stable.read(offset, n)

    @update
    def set(self, key: text, value: nat) -> None:
        self.kv[key] = value

    @query
    def get(self, key: text) -> opt[nat]:
        return self.kv.get(key)
'''

CONFIG = """
[canisters.chat]
class = "actors.chat:Chat"

[canisters.store]
class = "cli_store:Store"
"""

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

_LIST_LINE = re.compile(r"^([0-9a-f]+): [0-9.]+[KMGT]?i?B, taken at (.*) UTC$")


def normalise(lines: list[str]) -> list[str]:
    """The snapshot list line without its size (the simulator's snapshots are smaller)."""
    return [_LIST_LINE.sub(r"\1: <size>, taken at \2 UTC", line) for line in lines]


@pytest.fixture
def proj(tmp_path, monkeypatch):
    (tmp_path / "subnet.toml").write_text(CONFIG)
    (tmp_path / "cli_store.py").write_text(STORE_MODULE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def run(capsys, command: str) -> tuple[int, list[str], list[str]]:
    code = cli.main(shlex.split(command))
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


def ok(capsys, command: str) -> list[str]:
    code, out, err = run(capsys, command)
    assert (code, err) == (0, []), f"{command}: {err}"
    return out


def fail(capsys, command: str) -> list[str]:
    code, out, err = run(capsys, command)
    assert code == cli.ERROR_EXIT, f"{command}: {code} {out} {err}"
    assert err and err[0].startswith("Error: "), err
    assert not any("Traceback" in line for line in err)
    return err


# -- the tutorial ---------------------------------------------------------------------------------


def test_the_tutorial_word_for_word_in_process(proj, capsys):
    assert ok(capsys, "start --clean")[0] == "Running subnet start for version 0.1.0"
    deployed = ok(capsys, "deploy chat")
    assert deployed[0] == "Deploying: chat"
    assert f"chat canister created with canister id: {CHAT_ID}" in deployed
    assert deployed[-1] == "Deployed canisters."
    for command, expected in TUTORIAL:
        assert normalise(ok(capsys, command)) == normalise(expected), command


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


# -- snapshots on disk ---------------------------------------------------------------------------


def test_download_edit_upload_load_round_trip(proj, capsys):
    ok(capsys, "deploy store")
    ok(capsys, "canister call store write '(70000 : nat64, blob \"hello\")'")
    ok(capsys, "canister stop store")
    sid = ok(capsys, "canister snapshot create store")[0].rsplit(" ", 1)[1]
    (proj / "dl").mkdir()
    assert ok(capsys, f"canister snapshot download store {sid} --dir dl") == [
        f"Snapshot {sid} in canister store saved to 'dl'"
    ]
    names = sorted(p.name for p in (proj / "dl").iterdir())
    assert names == ["metadata.json", "stable_memory.bin", "wasm_memory.bin", "wasm_module.bin"]
    metadata = json.loads((proj / "dl" / "metadata.json").read_text())
    assert metadata["stable_memory_size"] == 2 * 65536
    stable = bytearray((proj / "dl" / "stable_memory.bin").read_bytes())
    assert stable[70000:70005] == b"hello"
    stable[70000:70005] = b"HELLO"
    (proj / "dl" / "stable_memory.bin").write_bytes(bytes(stable))
    [line] = ok(capsys, "canister snapshot upload store --dir dl")
    uploaded = line.rsplit(" ", 1)[1]
    assert line == f"Uploaded a snapshot of canister store. Snapshot ID: {uploaded}"
    assert uploaded != sid
    assert len(ok(capsys, "canister snapshot list store")) == 2
    ok(capsys, f"canister snapshot load store {uploaded}")
    ok(capsys, "canister start store")
    assert ok(capsys, "canister call store read '(70000, 5)'") == ['(blob "HELLO")']
    # and the original snapshot still has the old bytes
    ok(capsys, "canister stop store")
    ok(capsys, f"canister snapshot load store {sid}")
    ok(capsys, "canister start store")
    assert ok(capsys, "canister call store read '(70000, 5)'") == ['(blob "hello")']
    # replace: the uploaded snapshot takes the place of the first one
    ok(capsys, f"canister snapshot upload store --dir dl --replace {sid}")
    listed = ok(capsys, "canister snapshot list store")
    assert len(listed) == 2 and not any(line.startswith(sid) for line in listed)


def test_download_refuses_a_directory_that_is_not_empty(proj, capsys):
    ok(capsys, "deploy chat")
    ok(capsys, "canister stop chat")
    ok(capsys, "canister snapshot create chat")
    (proj / "full").mkdir()
    (proj / "full" / "x").write_text("x")
    assert fail(capsys, f"canister snapshot download chat {SID0} --dir full") == [
        "Error: Directory 'full' is not empty"
    ]
    err = fail(capsys, f"canister snapshot download chat {SID0} --dir missing")
    assert len(err) == 1


# -- other canister commands -----------------------------------------------------------------------


def test_status_info_metadata_delete(proj, capsys):
    ok(capsys, "deploy")
    status = ok(capsys, "canister status chat")
    assert status[:3] == [
        "Canister status call result for chat.",
        "Status: Running",
        f"Controllers: {identity_principal('default')}",
    ]
    assert "Freezing threshold: 2_592_000" in status
    assert "Balance: 3_000_000_000_000 Cycles" in status
    assert any(line.startswith("Module hash: 0x") for line in status)
    info = ok(capsys, "canister info chat")
    assert info[0].startswith("Controllers: ") and info[1].startswith("Module hash: 0x")
    assert ok(capsys, "canister metadata chat candid:service") == [
        "service : {",
        "  append : (text) -> ();",
        "  dump : () -> (vec text) query;",
        "  remove_spam : () -> (nat64);",
        "}",
    ]
    assert fail(capsys, "canister delete chat")[-1].endswith('error code Some("IC0510")')
    ok(capsys, "canister stop chat")
    assert ok(capsys, "canister delete chat") == [
        f"Deleting canister chat, with canister_id {CHAT_ID}"
    ]
    assert fail(capsys, "canister status chat") == [
        "Error: Cannot find canister id. Please issue 'subnet deploy chat'."
    ]
    ok(capsys, "canister call store set '(\"a\", 5)'")
    assert ok(capsys, "canister call store get a") == ["(opt (5 : nat))"]
    assert ok(capsys, "deploy store")[-2].startswith("Module hash ")


def test_identity_chooses_the_sender(proj, capsys):
    ok(capsys, "deploy chat --identity alice")
    err = fail(capsys, "canister stop chat")
    assert err[0] == f"Error: Failed to stop canister {CHAT_ID}."
    assert err[-1].endswith('error code Some("IC0512")')
    ok(capsys, "--identity alice canister stop chat")
    ok(capsys, "canister snapshot create chat --identity alice")


def test_create_and_load_refuse_a_running_canister_unless_forced(proj, capsys):
    ok(capsys, "deploy chat")
    assert fail(capsys, "canister snapshot create chat") == [
        f"Error: Canister {CHAT_ID} is running and snapshots should not be taken of running "
        "canisters. Run `subnet canister stop` first (or override with `--force`)"
    ]
    ok(capsys, "canister snapshot create chat --force")
    assert fail(capsys, f"canister snapshot load chat {SID0}") == [
        "Error: Canister chat is running and snapshots should not be applied to running "
        "canisters. Run `subnet canister stop` first (or override with `--force`)"
    ]
    assert ok(capsys, f"canister snapshot load chat {SID0} -f") == [
        f"Loaded snapshot {SID0} in canister chat"
    ]
    assert ok(capsys, f"canister snapshot delete chat {SID0}") == [
        f"Deleted snapshot {SID0} from canister chat"
    ]
    assert ok(capsys, "canister snapshot list chat") == ["No snapshots found in canister chat"]


def test_state_persists_until_start_clean(proj, capsys):
    ok(capsys, "deploy chat")
    ok(capsys, "canister call chat append 'kept'")
    ok(capsys, "start")
    ok(capsys, "stop")
    assert ok(capsys, "canister call chat dump") == ['(vec { "kept" })']
    ok(capsys, "start --clean")
    assert fail(capsys, "canister call chat dump") == [
        "Error: Cannot find canister id. Please issue 'subnet deploy chat'."
    ]


def test_a_changed_canister_class_asks_for_deploy(tmp_path):
    (tmp_path / "subnet.toml").write_text('[canisters.c]\nclass = "counter_mod:Counter"\n')
    source = textwrap.dedent(
        """
        from actors import Canister, nat, update

        class Counter(Canister):
            def __init__(self):
                self.n = 0

            @update
            def bump(self) -> nat:
                self.n += 1
                return self.n
        """
    )
    (tmp_path / "counter_mod.py").write_text(source)

    def sh(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SUBNET), *shlex.split(command)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=60,
            env={**os.environ, "NO_COLOR": "1"},
        )

    assert sh("deploy").returncode == 0
    assert sh("canister call c bump").stdout == "(1 : nat)\n"
    (tmp_path / "counter_mod.py").write_text(source.replace("+= 1", "+= 10"))
    changed = sh("canister call c bump")
    assert changed.returncode == cli.ERROR_EXIT
    assert changed.stderr.startswith("Error: the code of canister ")
    assert "run `subnet deploy`" in changed.stderr and "Traceback" not in changed.stderr
    upgraded = sh("deploy")
    assert "Upgrading code for canister c, with canister ID" in upgraded.stdout
    assert sh("canister call c bump").stdout == "(10 : nat)\n"  # the upgrade reset the heap


# -- errors -----------------------------------------------------------------------------------


def test_errors_are_one_clear_line_or_a_reject(proj, capsys):
    ok(capsys, "deploy")
    one_line = {
        "canister call nope dump": "Error: Cannot find canister id. Please issue 'subnet deploy "
        "nope'.",
        "canister call store set '(\"a\", -1)'": "Error: Invalid argument for store.set: ",
        "canister call store set '(1, 2)'": "Error: Invalid argument for store.set: ",
        "canister call store set '(\"a\"'": "Error: Invalid argument for store.set: ",
        "canister call store get '(1, 2, 3)'": "Error: Invalid argument for store.get: ",
        "canister call chat remove_spam --query": "Error: Invalid method call: remove_spam is not "
        "a query method.",
        "canister snapshot load chat xyz -f": "Error: invalid value 'xyz' for '<SNAPSHOT>': "
        "Invalid character 'x' at position 0",
        "canister snapshot delete chat abc": "Error: invalid value 'abc' for '<SNAPSHOT>': Odd "
        "number of digits",
        "canister snapshot create": "Error: the following arguments are required: canister",
        "canister frobnicate chat": "Error: argument COMMAND: invalid choice: 'frobnicate'",
        "deploy nope": "Error: Cannot find canister 'nope' in subnet.toml.",
        "canister metadata chat candid:args": "Error: Failed to read `candid:args` metadata",
    }
    for command, start in one_line.items():
        err = (
            fail(capsys, command)
            if not command.startswith(("canister snapshot create", "canister frobnicate"))
            else None
        )
        if err is None:
            code, _, err = run(capsys, command)
            assert code == cli.USAGE_EXIT
        assert err[0].startswith(start), (command, err)
        if "metadata" not in command:
            assert len(err) == 1, (command, err)
    # errors of the subnet itself: the dfx layout, with the reject's codes
    err = fail(capsys, "canister snapshot load chat 0000000000000007800000000010000101 -f")
    assert err[0] == (
        "Error: Failed to load snapshot 0000000000000007800000000010000101 in canister chat"
    )
    assert err[1].startswith("Caused by: The replica returned a rejection error: reject code ")
    err = fail(capsys, "canister call chat nope")
    assert err[0] == "Error: Failed update call."
    assert err[-1].endswith('error code Some("IC0536")')


def test_outside_a_project_and_with_a_damaged_state(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert fail(capsys, "canister call chat dump")[0].startswith(
        "Error: Cannot find subnet.toml in the current working directory"
    )
    (tmp_path / "subnet.toml").write_text(CONFIG.replace("[canisters.chat]", "[canisters.chat"))
    assert "not valid TOML" in fail(capsys, "deploy")[0]
    (tmp_path / "subnet.toml").write_text(CONFIG)
    (tmp_path / ".subnet").mkdir()
    (tmp_path / ".subnet" / "state.cbor").write_bytes(b"\x9f\x01")
    [line] = fail(capsys, "canister call chat dump")
    assert "is damaged" in line and "subnet start --clean" in line
    from subnet import heap

    (tmp_path / ".subnet" / "state.cbor").write_bytes(
        heap.encode({"format": "subnet-state", "version": 2})
    )
    [line] = fail(capsys, "canister call chat dump")
    assert "version 2" in line
    ok(capsys, "start --clean")
    ok(capsys, "deploy chat")


def test_a_second_command_waits_for_the_lock(proj, capsys, monkeypatch):
    ok(capsys, "deploy chat")
    monkeypatch.setattr(project, "LOCK_TIMEOUT_S", 0.2)
    fd = os.open(proj / ".subnet" / "lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another command is running
        [line] = fail(capsys, "canister call chat append x")
        assert "another subnet command" in line
    finally:
        os.close(fd)
    ok(capsys, "canister call chat append x")


_TYPES = [
    (candid.candid_type(str), candid.candid_type(int)),
    (candid.candid_type(bytes),),
    (),
]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.sampled_from(_TYPES))
def test_candid_parser_never_fails_other_than_with_candid_error(text, types):
    try:
        candid.parse_args(text, types)
    except candid.CandidError as exc:
        assert "\n" not in str(exc)


_COMMANDS = [
    "canister call store set",
    "canister call store get",
    "canister call store write",
    "canister call chat append",
    "canister call",
    "canister snapshot load store",
    "canister snapshot delete chat",
    "canister snapshot create",
    "canister status",
    "canister stop",
    "canister info",
    "deploy",
    "canister snapshot list",
]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(_COMMANDS), st.lists(st.text(max_size=20), max_size=3))
def test_random_arguments_never_give_a_traceback(proj, capsys, command, words):
    if not (proj / ".subnet" / "state.cbor").exists():
        cli.main(["deploy"])
    capsys.readouterr()
    code = cli.main([*command.split(), *words])
    captured = capsys.readouterr()
    assert code in (0, cli.USAGE_EXIT, cli.ERROR_EXIT)
    if code:
        lines = captured.err.splitlines()
        assert lines and lines[0].startswith("Error: "), lines
        if len(lines) > 1:  # more lines only for what the subnet said (dfx's layout)
            assert lines[1].startswith("Caused by: "), lines


# -- scenarios and traces -------------------------------------------------------------------------

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
