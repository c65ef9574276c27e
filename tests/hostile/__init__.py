"""Hostile-input properties: every entry point of the simulator against generated junk.

In the suite each property runs a modest number of examples (fixed ones in CI); ``make fuzz``
runs them with thousands of fresh examples. A property that lowers its example count for the
suite uses :func:`examples`, so that ``make fuzz`` still runs it in full.
"""

import os

FUZZ_EXAMPLES = 3000


def examples(n: int) -> int:
    """``n`` examples in the suite, :data:`FUZZ_EXAMPLES` under ``make fuzz``."""
    return max(n, FUZZ_EXAMPLES) if os.environ.get("SUBNET_FUZZ") else n


# -- running a command as a user would -------------------------------------------------------

import contextlib  # noqa: E402
import io  # noqa: E402
import shlex  # noqa: E402
import threading  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from subnet import cli  # noqa: E402

HANG_SECONDS = 20
"""A command that runs longer than this hangs (a generous bound: they take milliseconds)."""


@dataclass
class Outcome:
    code: int
    out: list[str]
    err: list[str]


def subnet(root: Path, command: str) -> Outcome:
    """Run one ``subnet`` command in ``root``, in a thread, to see it hang: no signal is used,
    since the simulator's execution watchdog owns the process's one ``SIGALRM``."""
    out, err = io.StringIO(), io.StringIO()
    result: dict[str, Any] = {}

    def main() -> None:
        try:
            result["code"] = cli.main(shlex.split(command))
        except BaseException as exc:  # reported in the test's thread
            result["raised"] = exc

    with contextlib.chdir(root), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        thread = threading.Thread(target=main, daemon=True)
        thread.start()
        thread.join(HANG_SECONDS)
    assert not thread.is_alive(), f"subnet {command} hangs"
    if "raised" in result:
        raise result["raised"]
    return Outcome(result["code"], out.getvalue().splitlines(), err.getvalue().splitlines())


def must(root: Path, command: str) -> list[str]:
    """Run a command that must succeed silently on stderr; its output lines."""
    outcome = subnet(root, command)
    assert (outcome.code, outcome.err) == (0, []), (command, outcome)
    return outcome.out
