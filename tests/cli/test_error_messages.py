"""Errors of the ``subnet`` command: one clear line (or dfx's layout for a reject), never a
traceback."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from subnet import cli
from tests.support.cli import fail, ok, run


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
    # a command line that does not parse (an argument dfx's parser refuses) exits with 2
    usage = {
        "canister snapshot create",
        "canister frobnicate chat",
        "canister snapshot load chat xyz -f",
        "canister snapshot delete chat abc",
    }
    for command, start in one_line.items():
        if command in usage:
            code, _, err = run(capsys, command)
            assert code == cli.USAGE_EXIT, command
        else:
            err = fail(capsys, command)
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


@pytest.mark.slow
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
