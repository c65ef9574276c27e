"""``subnet start`` and ``subnet stop``: dfx's replica commands, which here only prepare or reset
the project's ``.subnet/`` (there is no replica process), and the version they report."""

from __future__ import annotations

import argparse
import importlib.metadata

from .output import out
from .project import Project


def version() -> str:
    """The installed ``subnet-sim`` version (``0.1.0`` when it is not installed)."""
    try:
        return importlib.metadata.version("subnet-sim")
    except Exception:
        return "0.1.0"


def cmd_start_project(args: argparse.Namespace) -> int:
    project = Project.find()
    out(f"Running subnet start for version {version()}")
    if args.clean:
        project.reset()
        out(f"Subnet state in {project.state_dir.name}/ reset: the subnet starts clean.")
    else:
        with project.locked():
            pass
        out(f"Subnet state in {project.state_dir.name}/ (no replica process is needed).")
    return 0


def cmd_stop_project(args: argparse.Namespace) -> int:
    Project.find()
    return 0


__all__ = ["cmd_start_project", "cmd_stop_project", "version"]
