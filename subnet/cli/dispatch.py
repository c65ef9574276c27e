"""``main``: parse a ``subnet`` command line, run the command, print any error as dfx does, and
return the exit code: 0, 2 for a command line that does not parse, 1 for a replay that diverges,
255 for an error (as dfx).

A project command keeps what it ran, as the IC commits an update whatever its client does: when
the command ends, or fails after it may have changed the subnet (an error line), what it set
going runs until the subnet is idle (a timer armed for now fires; at most :data:`SETTLE_STEPS`
steps), the subnet is saved, and only then is the command's output written. A reader that goes
away (``subnet canister call c dump | head -1``) ends the command quietly with exit code 0: the
command did all it was asked to, and what it did is saved.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Sequence

import anyio

from ..api import SubnetError
from ..codec import HeapError
from ..persist import CodeChangedError, PersistError
from ..trace import TraceError
from .exceptions import ERROR_EXIT, USAGE_EXIT, CliError, UsageError
from .output import print_error
from .parser import PlainCommand, ProjectCommand, build_parser
from .project import Project, ProjectError, Session

SETTLE_STEPS = 100_000  # steps a command's leftovers may take before the subnet is saved


async def commit(session: Session) -> None:
    """Run what is still in flight (due timers, calls made after a reply, ...) until the subnet is
    idle, then save it: an update that ran is kept, as on the IC."""
    net = session.net
    await net.run_until_idle(max_steps=SETTLE_STEPS)
    if net.engine.has_work():
        raise CliError(
            f"The subnet is still busy after {SETTLE_STEPS:_} more steps (a global timer that "
            f"re-arms itself for now runs forever), so it cannot be saved: nothing this command "
            f"did is kept."
        )
    try:
        session.save()
    except (HeapError, PersistError) as exc:  # state that cannot be written down
        raise CliError(
            "The subnet cannot be saved: nothing this command did is kept.", str(exc)
        ) from None


def _write(text: str, *, quiet: bool = False) -> None:
    """Write a command's output to stdout (if there is one); with ``quiet``, a failure to write
    is ignored (an error is on its way to stderr)."""
    stream = sys.stdout
    if not text or stream is None:
        return
    try:
        try:
            stream.write(text)
        except UnicodeEncodeError:  # text from the command line that stdout cannot encode
            encoding = getattr(stream, "encoding", None) or "utf-8"
            stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
        stream.flush()
    except OSError:
        if not quiet:
            raise
    except ValueError:  # stdout is closed: there is nowhere to write
        pass


def run_project_command(args: argparse.Namespace) -> int:
    """Run a project command in a session of the project around the working directory: run it,
    save what it ran (:func:`commit`), then write its output."""
    project = Project.find()
    fn: ProjectCommand = args.project
    accept = getattr(args, "accept_code_changes", False)
    output = io.StringIO()
    try:
        with project.session(accept_code_changes=accept) as session:

            async def keep() -> None:
                try:
                    await commit(session)
                except BaseException:
                    output.seek(0)  # nothing is kept: no output claims otherwise
                    output.truncate()
                    raise

            async def go() -> None:
                with contextlib.redirect_stdout(output):
                    try:
                        await fn(args, project, session)
                    except (CliError, UsageError, ProjectError, OSError):
                        await keep()  # what ran before the error is kept
                        raise
                    await keep()

            anyio.run(go)
    except BaseException:
        _write(output.getvalue(), quiet=True)
        raise
    _write(output.getvalue())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``subnet`` command; returns the exit code (errors are printed, not raised)."""
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    for word in words:  # bytes that are not UTF-8 arrive as lone surrogates
        try:
            word.encode("utf-8")
        except UnicodeEncodeError:
            shown = word.encode("utf-8", "backslashreplace").decode()
            print_error(
                f"invalid UTF-8 was detected in one or more arguments: '{shown}' "
                f"(see 'subnet --help')"
            )
            return USAGE_EXIT
    try:
        args = parser.parse_args(words)
    except UsageError as exc:
        print_error(f"{exc.message} (see '{exc.prog} --help')")
        return USAGE_EXIT
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0
    try:
        if hasattr(args, "plain"):
            plain: PlainCommand = args.plain
            return plain(args)
        return run_project_command(args)
    except UsageError as exc:  # arguments that parse but do not fit together
        print_error(f"{exc.message} (see '{exc.prog} --help')")
        return USAGE_EXIT
    except CliError as exc:
        print_error(exc.message, exc.causes)
    except CodeChangedError as exc:
        print_error(
            f"{exc}: run `subnet deploy` to upgrade it, or `subnet start --clean` to start over."
        )
    except (PersistError, ProjectError, SubnetError, TraceError) as exc:
        print_error(str(exc))
    except BrokenPipeError:  # the reader went away (``| head``): stop quietly
        with contextlib.suppress(OSError, ValueError):  # as the Python docs recommend
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as exc:
        print_error(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
    except KeyboardInterrupt:
        print_error("interrupted")
    return ERROR_EXIT


__all__ = ["main", "run_project_command"]
