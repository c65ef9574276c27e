"""Loading a scenario: a ``.py`` file or an importable module.

A scenario module defines ``async def scenario(net)``, and may define ``invariant(net)``
(checked after every step while exploring; raise or return False for a violation),
``invariants`` (a list of such functions), ``check(net)`` (sync or async, run once at the end
of a run), and ``FAULTS`` (a dict of :class:`subnet.explore.SnapshotFaults` options).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any


class ScenarioError(Exception):
    """A scenario that cannot be found or loaded."""


def load_module(spec: str) -> ModuleType:
    """Import a scenario given as a file path or a module name."""
    path = Path(spec)
    if spec.endswith(".py") or path.is_file():
        if not path.is_file():
            raise ScenarioError(f"Cannot find scenario file '{spec}'.")
        name = "_subnet_scenario_" + "".join(c if c.isalnum() else "_" for c in path.stem)
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise ScenarioError(f"Cannot load scenario file '{spec}'.")
        module = importlib.util.module_from_spec(module_spec)
        folder = str(path.resolve().parent)
        sys.path.insert(0, folder)
        try:
            module_spec.loader.exec_module(module)
        except Exception as exc:
            raise ScenarioError(f"Cannot load scenario '{spec}': {exc}") from None
        finally:
            sys.path.remove(folder)
        return module
    try:
        return importlib.import_module(spec)
    except ImportError as exc:
        raise ScenarioError(f"Cannot load scenario '{spec}': {exc}") from None


@dataclass
class ScenarioModule:
    """What a scenario module defines (see the module docstring); ``name`` is how it was given
    (a file path or a module name), which is what worker processes and replays load again."""

    run: Callable[..., Any]
    invariants: list[Callable[..., Any]] = field(default_factory=list)
    check: Callable[..., Any] | None = None
    faults: dict[str, Any] | None = None
    name: str | None = None


def load_scenario(spec: str) -> ScenarioModule:
    """Load a scenario file or module and the checks it defines (raises :class:`ScenarioError`
    if it cannot be loaded or has no ``scenario``)."""
    module = load_module(spec)
    run = getattr(module, "scenario", None)
    if run is None or not callable(run):
        raise ScenarioError(f"Scenario '{spec}' has no `async def scenario(net)` to run.")
    invariants = list(getattr(module, "invariants", []))
    if hasattr(module, "invariant"):
        invariants.append(module.invariant)
    faults = getattr(module, "FAULTS", None)
    return ScenarioModule(run, invariants, getattr(module, "check", None), faults, spec)


def module_file(name: str) -> Path | None:
    """The source file of the module ``name``, found along ``sys.path`` without importing
    anything (not even its parent packages, whose ``__init__`` would run), or None. A module
    imported already is where it was imported from."""
    parts = name.split(".")
    if not all(part.isidentifier() for part in parts):
        return None
    loaded = getattr(sys.modules.get(name), "__file__", None)
    if isinstance(loaded, str) and Path(loaded).is_file():
        return Path(loaded)
    search: list[str] | None = None  # sys.path
    found = None
    for n in range(1, len(parts) + 1):
        try:
            found = importlib.machinery.PathFinder.find_spec(".".join(parts[:n]), search)
        except (ImportError, ValueError, OSError):
            return None
        if found is None:
            return None
        if n < len(parts):
            if found.submodule_search_locations is None:
                return None
            search = list(found.submodule_search_locations)
    if found is None or not found.origin or not Path(found.origin).is_file():
        return None
    return Path(found.origin)


def scenario_file(spec: str) -> Path | None:
    """The file a scenario given as a path or a module name is read from (without importing
    it), or None if there is none."""
    path = Path(spec)
    if path.is_file():
        return path
    if spec.endswith(".py"):
        return None
    return module_file(spec)


def source_digest(spec: str | None) -> str | None:
    """The SHA-256 of a scenario's source file (recorded in traces, so that a replay can say
    when the scenario changed since), or None when there is no file to read."""
    path = scenario_file(spec) if spec else None
    if path is None:
        return None
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def scenario_error(exc: BaseException) -> str:
    """One line for what a scenario raised: its type and message."""
    return f"{type(exc).__name__}: {exc}".rstrip(": ")
