"""An update that ran is kept, as on the IC, whatever happens to the command afterwards: its
output cannot be written (a closed pipe), its reply does not print, it leaves a timer due or a
call in flight, or the command fails after it; an empty ``--identity`` is refused."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys

import pytest

from subnet import cli
from subnet.api import Subnet
from subnet.cli import calls
from tests.support.cli import fail, ok, run

KEPT_MODULE = '''
from actors import Canister, nat, principal, query, trap, update


class Kept(Canister):
    """Updates whose effects must survive whatever the command does after them."""

    def __init__(self):
        self.n = 0
        self.fired = 0
        self.forever = False

    @update
    def bump(self) -> nat:
        self.n += 1
        return self.n

    @update
    def huge(self) -> nat:
        self.n += 1
        return 10**5000

    @update
    def wrong(self) -> nat:
        self.n += 1
        return "not a nat"

    @update
    def arm(self) -> None:
        self.n += 1
        self.set_global_timer(self.time())

    @update
    def arm_forever(self) -> None:
        self.n += 1
        self.forever = True
        self.set_global_timer(self.time())

    @update
    async def reply_then_call(self, other: principal) -> None:
        self.reply(None)
        await self.call(other, "bump")
        self.n += 1

    @update
    async def call_then_trap(self, other: principal) -> None:
        await self.call(other, "bump")
        trap("after the call")

    @update
    def keep_odd_text(self) -> None:
        self.n += 1
        self.odd = chr(0xD800)  # a lone surrogate: no UTF-8 writes it down

    def global_timer(self):
        self.fired += 1
        if self.forever:
            self.set_global_timer(self.time())

    @query
    def get(self) -> tuple[nat, nat]:
        return (self.n, self.fired)
'''

KEPT_CONFIG = """
[canisters.a]
class = "cli_kept:Kept"

[canisters.b]
class = "cli_kept:Kept"
"""


@pytest.fixture
def kept(proj):
    (proj / "subnet.toml").write_text(KEPT_CONFIG)
    (proj / "cli_kept.py").write_text(KEPT_MODULE)
    return proj


def state(capsys, name: str = "a") -> str:
    [line] = ok(capsys, f"canister call {name} get")
    return line


class _ClosedPipe(io.StringIO):
    """A stdout whose reader went away."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_an_update_is_kept_when_its_reader_goes_away(kept, capsys, monkeypatch):
    ok(capsys, "deploy a")
    with monkeypatch.context() as m:
        m.setattr(sys, "stdout", _ClosedPipe())
        assert cli.main(["canister", "call", "a", "bump"]) == 0  # quietly
    assert capsys.readouterr().err == ""
    assert state(capsys) == "(1 : nat, 0 : nat)"


def test_a_closed_pipe_ends_the_installed_command_quietly(kept):
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": os.pathsep.join(sys.path)}

    def subnet(*argv: str, stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "subnet.cli", *argv],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            cwd=kept,
            env=env,
            timeout=60,
        )

    assert subnet("deploy", "a").returncode == 0
    read, write = os.pipe()
    os.close(read)  # `| head -c 0`: every write fails with EPIPE
    try:
        done = subnet("canister", "call", "a", "huge", stdout=write)
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (0, "")
    assert subnet("canister", "call", "a", "get").stdout == "(1 : nat, 0 : nat)\n"


def test_a_reply_with_more_digits_than_python_prints_prints(kept, capsys):
    ok(capsys, "deploy a")
    lines = ok(capsys, "canister call a huge")
    assert lines == ["(", f"  100{'_000' * 1666} : nat,", ")"]  # 10**5000, as dfx breaks it
    assert state(capsys) == "(1 : nat, 0 : nat)"


def test_a_reply_that_does_not_print_keeps_the_update(kept, capsys):
    ok(capsys, "deploy a")
    assert fail(capsys, "canister call a wrong")[0] == "Error: Failed to decode the reply."
    assert state(capsys) == "(1 : nat, 0 : nat)"


def test_a_timer_armed_for_now_fires_before_the_save(kept, capsys):
    ok(capsys, "deploy a")
    assert ok(capsys, "canister call a arm") == ["()"]
    assert state(capsys) == "(1 : nat, 1 : nat)"


def deploy_both(capsys) -> str:
    """Deploy a and b; the id of b."""
    created = ok(capsys, "deploy")
    return next(line.split()[-1] for line in created if line.startswith("b canister created"))


def test_what_an_update_leaves_in_flight_runs_before_the_save(kept, capsys):
    b = deploy_both(capsys)
    assert ok(capsys, f"canister call a reply_then_call '(principal \"{b}\")'") == ["()"]
    assert state(capsys, "a") == "(1 : nat, 0 : nat)"
    assert state(capsys, "b") == "(1 : nat, 0 : nat)"


def test_a_failed_command_keeps_what_ran_before_it_failed(kept, capsys):
    b = deploy_both(capsys)
    err = fail(capsys, f"canister call a call_then_trap '(principal \"{b}\")'")
    assert err[0] == "Error: Failed update call."
    assert state(capsys, "b") == "(1 : nat, 0 : nat)"  # the callee's update is committed
    assert state(capsys, "a") == "(0 : nat, 0 : nat)"  # the trap rolled the caller back


def test_a_timer_that_never_rests_is_a_clear_error_that_keeps_nothing(kept, capsys, monkeypatch):
    monkeypatch.setattr("subnet.cli.dispatch.SETTLE_STEPS", 200)
    ok(capsys, "deploy a")
    code, out, err = run(capsys, "canister call a arm_forever")
    assert (code, out) == (cli.ERROR_EXIT, [])  # no reply printed for an update not kept
    assert err == [
        "Error: The subnet is still busy after 200 more steps (a global timer that re-arms "
        "itself for now runs forever), so it cannot be saved: nothing this command did is kept."
    ]
    assert state(capsys) == "(0 : nat, 0 : nat)"


def test_a_deploy_refused_for_its_argument_creates_nothing(kept, capsys):
    err = fail(capsys, "deploy a --argument '(1)'")
    assert err[0].startswith("Error: Invalid argument for a's init: ")
    assert fail(capsys, "canister call a get") == [
        "Error: Cannot find canister id. Please issue 'subnet deploy a'."
    ]
    assert not (kept / ".subnet" / "state.cbor").exists()


@pytest.mark.parametrize("name", ["", " ", "\t"])
def test_an_empty_identity_is_refused(kept, capsys, name):
    ok(capsys, "deploy a")
    for argv in (
        ["canister", "call", "a", "bump", "--identity", name],
        ["--identity", name, "canister", "call", "a", "bump"],
        ["deploy", f"--identity={name}"],
    ):
        assert cli.main(argv) == cli.USAGE_EXIT
        captured = capsys.readouterr()
        assert captured.out == ""
        [line] = captured.err.splitlines()
        assert line.startswith("Error: argument --identity: Invalid identity name ")
        assert "an identity name cannot be empty" in line
    assert state(capsys) == "(0 : nat, 0 : nat)"


def test_arguments_that_are_not_utf8_are_refused(kept, capsys):
    ok(capsys, "deploy a")
    # bytes that are not UTF-8 reach Python as lone surrogates (os.fsdecode)
    for argv in (
        ["canister", "call", "a", "bump", "--identity", "al\udcffice"],
        ["canister", "call", "a", "bump", "\udcff"],
        ["deploy", "\udcff"],
    ):
        assert cli.main(argv) == cli.USAGE_EXIT
        [line] = capsys.readouterr().err.splitlines()
        assert line.startswith("Error: invalid UTF-8 was detected in one or more arguments: '")
        assert line.endswith("\\udcff' (see 'subnet --help')") or "al\\udcffice" in line
    with pytest.raises(cli.CliError, match="is not valid UTF-8"):
        calls.identity_name("al\udcffice")
    assert state(capsys) == "(0 : nat, 0 : nat)"


def test_state_that_cannot_be_saved_is_an_error_not_a_traceback(kept, capsys):
    ok(capsys, "deploy a")
    code, out, err = run(capsys, "canister call a keep_odd_text")
    assert code == cli.ERROR_EXIT and out == []
    assert err and err[0].startswith("Error: ") and not any("Traceback" in e for e in err)
    assert state(capsys) == "(0 : nat, 0 : nat)"


def test_the_sender_of_an_empty_identity_is_an_error_not_the_default():
    net = Subnet()
    try:
        assert calls.sender(net, argparse.Namespace()) == net.default_identity
        assert calls.sender(net, argparse.Namespace(identity="bob")) == net.identity("bob")
        with pytest.raises(cli.CliError, match="cannot be empty"):
            calls.sender(net, argparse.Namespace(identity=""))
    finally:
        net.close()
