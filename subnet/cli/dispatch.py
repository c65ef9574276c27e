"""``main``: parse a ``subnet`` command line, run the command, print any error as dfx does, and
return the exit code: 0, 2 for a command line that does not parse, 1 for a replay that diverges,
255 for an error (as dfx)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

import anyio

from ..api import SubnetError
from ..persist import CodeChangedError, PersistError
from ..trace import TraceError
from .exceptions import ERROR_EXIT, USAGE_EXIT, CliError, UsageError
from .output import print_error
from .parser import PlainCommand, ProjectCommand, build_parser
from .project import Project, ProjectError


def run_project_command(args: argparse.Namespace) -> int:
    """Run a project command in a session of the project around the working directory."""
    project = Project.find()
    fn: ProjectCommand = args.project
    accept = getattr(args, "accept_code_changes", False)
    with project.session(accept_code_changes=accept) as session:

        async def go() -> None:
            await fn(args, project, session)

        anyio.run(go)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``subnet`` command; returns the exit code (errors are printed, not raised)."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
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
