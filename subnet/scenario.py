"""Loading a scenario: a ``.py`` file or an importable module.

A scenario module defines ``async def scenario(net)``, and may define ``invariant(net)``
(checked after every step while exploring; raise or return False for a violation),
``invariants`` (a list of such functions), ``check(net)`` (sync or async, run once at the end
of a run), and ``FAULTS`` (a dict of :class:`subnet.explore.SnapshotFaults` options).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType


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
