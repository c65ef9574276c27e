"""The command line's own exceptions, and the exit codes it returns for them."""

from __future__ import annotations

ERROR_EXIT = 255  # dfx exits 255 on any error
USAGE_EXIT = 2


class CliError(Exception):
    """An error to print as dfx does: ``Error: <message>``, then one ``Caused by:`` line per
    cause."""

    def __init__(self, message: str, *causes: str) -> None:
        super().__init__(message)
        self.message = message
        self.causes = causes


class UsageError(Exception):
    """A command line that does not parse."""

    def __init__(self, message: str, prog: str) -> None:
        super().__init__(message)
        self.message = message
        self.prog = prog


__all__ = ["ERROR_EXIT", "USAGE_EXIT", "CliError", "UsageError"]
