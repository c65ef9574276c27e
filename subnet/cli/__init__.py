"""The ``subnet`` command (being split into modules; everything still lives in ``snapshot``)."""

from .snapshot import (
    ERROR_EXIT,
    USAGE_EXIT,
    CliError,
    build_parser,
    human_bytes,
    main,
    reject_text,
    utc_time,
)

__all__ = [
    "ERROR_EXIT",
    "USAGE_EXIT",
    "CliError",
    "build_parser",
    "human_bytes",
    "main",
    "reject_text",
    "utc_time",
]
