"""Hostile command lines (Hypothesis): random argument lists through ``subnet.cli.main`` in a
project folder with deployed canisters end with an exit code and error lines, never a traceback,
and never hang.

Left out: ``run`` and ``explore``, which import and run the Python module a word names (random
words must not run the standard library's modules), and paths that leave the project folder
(``--dir`` and trace files stay inside it). `make fuzz` runs this with many more examples."""

from __future__ import annotations

import faulthandler
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from subnet import cli
from tests.hostile.test_candid_text import _HOSTILE
from tests.support.cli import CHAT_ID, SID0

HANG_S = 30  # one command of a random argument list takes milliseconds

_WORDS = st.sampled_from(
    [
        "start", "stop", "deploy", "canister", "call", "status", "info", "delete", "metadata",
        "snapshot", "create", "load", "list", "download", "upload", "replay", "trace", "show",
        "chat", "store", "nobody", CHAT_ID, "aaaaa-aa", SID0, "00", "candid:service",
        "append", "dump", "remove_spam", "write", "read", "set", "get", "global_timer",
        "--identity", "--identity=", "--query", "--update", "--argument", "--force", "-f",
        "--replace", "--dir", "--clean", "--background", "--format", "svg", "html", "text",
        "--help", "--version", "--", "-", "", " ", "alice", "default", "subnet.toml", ".",
        "'Hi there!'", "(42 : nat64)", '("a", 5)', "(blob \"\\00\\ff\")", "(0, blob \"x\")",
    ]
)  # fmt: skip
# bytes of a command line that are not UTF-8 reach Python as lone surrogates (os.fsdecode)
_NOT_UTF8 = st.tuples(_WORDS, st.text(st.characters(min_codepoint=0xDC80, max_codepoint=0xDCFF)))
_ARG = st.one_of(_WORDS, _WORDS, st.text(max_size=12), _HOSTILE, _NOT_UTF8.map("".join))
# commands that parse, so that random arguments reach the commands themselves
_COMMANDS = st.sampled_from(
    [
        "deploy", "deploy chat", "deploy store --argument", "start", "stop",
        "canister call chat append", "canister call chat dump", "canister call chat",
        "canister call store set", "canister call store get", "canister call store write",
        "canister call store read", "canister call store", "canister call --query store get",
        "canister status", "canister info", "canister stop", "canister start",
        "canister delete", "canister metadata chat", "canister snapshot create chat --force",
        f"canister snapshot load chat {SID0}", "canister snapshot load chat",
        "canister snapshot delete chat", "canister snapshot list",
        f"canister snapshot download chat {SID0} --dir", "canister snapshot upload chat --dir",
        "trace show", "replay",
    ]
).map(str.split)  # fmt: skip
_ARGV = st.one_of(
    st.lists(_ARG, max_size=8),
    st.tuples(_COMMANDS, st.lists(_ARG, max_size=4)).map(lambda cr: cr[0] + cr[1]),
).filter(
    lambda argv: (
        not any(
            word in ("run", "explore") or word.startswith(("/", "~")) or ".." in word
            for word in argv
        )
    )
)


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """A command still running after `seconds` ends the test run, with every thread's stack
    (a watchdog thread: the simulator's own execution budget uses SIGALRM)."""
    faulthandler.dump_traceback_later(seconds, exit=True, file=sys.__stderr__)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


@pytest.fixture
def deployed(proj: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A copy of the project's state with both canisters deployed and a snapshot of chat."""
    for argv in (
        ["deploy"],
        ["canister", "stop", "chat"],
        ["canister", "snapshot", "create", "chat"],
    ):
        assert cli.main(argv) == 0
    capsys.readouterr()
    return Path(shutil.copy(proj / ".subnet" / "state.cbor", proj / "deployed.cbor"))


@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(_ARGV)
def test_random_argument_lists_end_with_an_exit_code_never_a_traceback(
    proj: Path, capsys: pytest.CaptureFixture[str], deployed: Path, argv: list[str]
) -> None:
    (proj / ".subnet").mkdir(exist_ok=True)  # `start --clean` may have removed the state
    shutil.copy(deployed, proj / ".subnet" / "state.cbor")  # every example starts alike
    with deadline(HANG_S):
        code = cli.main(argv)
    captured = capsys.readouterr()
    assert isinstance(code, int) and code in (0, 1, cli.USAGE_EXIT, cli.ERROR_EXIT), code
    assert "Traceback" not in captured.err
    if code in (cli.USAGE_EXIT, cli.ERROR_EXIT):
        lines = captured.err.splitlines()
        assert lines and lines[0].startswith("Error: "), lines
