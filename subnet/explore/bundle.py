"""A scenario shipped by content: its source, and the source of the project modules it imports.

A campaign on an executor (a process pool, a Dask cluster) runs on processes, and maybe
machines, that need not have the scenario file, or have another version of it. So the runs do
not name the file: they carry a :class:`Bundle`, the sources themselves, keyed by their SHA-256.
A worker writes a bundle once per machine (``subnet-bundles-<uid>/<sha256>/`` in the temporary
directory, content-addressed, so every process of the machine shares it) and loads the scenario
from there once per process.

What is shipped, precisely:

- the scenario's source file;
- every module it imports, and every module those import, transitively: any ``import`` statement
  anywhere in the file, at the top or inside a function, is followed, when the module's source
  is a ``.py`` file under the scenario's folder or the working directory (the project) and is
  neither part of the Python installation (the standard library, ``site-packages``, the virtual
  environment) nor of subnet-sim itself (the ``subnet`` and ``actors`` packages); the
  ``__init__.py`` of the packages around such a module ship with it.

Nothing else: a file the scenario reads (a Wasm module, JSON) is not shipped. What must be
installed on each worker: the same subnet-sim (checked before any run: another version is an
error, other sources of the same version a warning, see :func:`check_installed`), and every
other library the scenario imports. The workers import the shipped modules under their own
names, as the client did, so a canister class keeps its module name and its module hash, and
a run on a worker is the run of the client.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import os
import shutil
import sys
import sysconfig
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType

import actors

from ..scenario import ScenarioError, module_file, scenario_file
from .runner import Scenario

DISTRIBUTION = "subnet-sim"
OWN_PACKAGES = ("subnet", "actors")  # subnet-sim's packages: installed on workers, never shipped


class WorkerMismatch(RuntimeError):
    """A worker whose subnet-sim is not the client's: its runs could differ, so none runs."""


@dataclass(frozen=True)
class Bundle:
    """A scenario by content. ``spec`` is how the user named it (what traces record);
    ``entry`` is the file (a path given) or the module (a module name given) to load from the
    unpacked bundle; ``files`` are (path inside the bundle, source) pairs; ``modules`` the
    names the shipped files are imported under."""

    spec: str
    entry: str
    by_path: bool
    files: tuple[tuple[str, bytes], ...]
    modules: tuple[str, ...]
    digest: str


def build_bundle(spec: str) -> Bundle | None:
    """The bundle of the scenario ``spec`` (a file or a module name), or None when its source
    is not a project file (a module installed on the workers, which they import by name)."""
    path = scenario_file(spec)
    if path is None:
        return None
    path = path.resolve()
    roots = (path.parent, Path.cwd().resolve())
    by_path = spec.endswith(".py") or Path(spec).is_file()
    if not by_path and not _shippable(path, spec, roots):
        return None
    # a scenario file's imports are found from its folder first, as when it is loaded
    folder = [str(path.parent)] if by_path else []
    sys.path[:0] = folder
    try:
        if by_path:
            files = {path.name: path.read_bytes()}
            shipped = _shipped_imports([(path, None)], roots)
        else:  # the module and the packages around it, and what each of them imports
            files = {}
            starts: list[tuple[Path, str | None]] = []
            for candidate in _prefixes(spec):
                where = module_file(candidate)
                if where is not None and _shippable(where.resolve(), candidate, roots):
                    starts.append((where.resolve(), candidate))
            shipped = _shipped_imports(starts, roots)
        for name, source in sorted(shipped.items()):
            files.setdefault(_inner_path(name, source), source.read_bytes())
    finally:
        for place in folder:
            sys.path.remove(place)
    entry = path.name if by_path else spec
    digest = hashlib.sha256()
    for inner, data in sorted(files.items()):
        digest.update(f"{inner}\0{len(data)}\0".encode())
        digest.update(data)
    digest.update(f"entry\0{entry}\0{by_path}".encode())
    return Bundle(
        spec,
        entry,
        by_path,
        tuple(sorted(files.items())),
        tuple(sorted(shipped)),
        digest.hexdigest(),
    )


def _shippable(path: Path, name: str, roots: tuple[Path, ...]) -> bool:
    """Whether the module ``name`` read from ``path`` is a project module (see the module
    docstring)."""
    if name.split(".")[0] in OWN_PACKAGES or path.suffix != ".py":
        return False
    if not any(path.is_relative_to(root) for root in roots):
        return False
    if "site-packages" in path.parts or "dist-packages" in path.parts:
        return False
    return not any(path.is_relative_to(place) for place in _installation())


@functools.cache
def _installation() -> list[Path]:
    """Where Python and its installed packages live (a virtual environment in the project's
    folder included)."""
    places = {sys.prefix, sys.base_prefix, sys.exec_prefix}
    paths = sysconfig.get_paths()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        with contextlib.suppress(KeyError):
            places.add(paths[key])
    return [Path(place).resolve() for place in places]


def _shipped_imports(
    starts: list[tuple[Path, str | None]], roots: tuple[Path, ...]
) -> dict[str, Path]:
    """The project modules to ship from ``starts`` (source files, each with its module name,
    or None for a scenario file): the named ones, and what they import, transitively, each
    with its source file."""
    found: dict[str, Path] = {name: source for source, name in starts if name is not None}
    todo = list(starts)
    while todo:
        source, module = todo.pop()
        package = _package_of(source, module)
        for imported in _imported_names(source, package):
            for candidate in _prefixes(imported):
                if candidate in found:
                    continue
                where = module_file(candidate)
                if where is None or not _shippable(where.resolve(), candidate, roots):
                    continue
                found[candidate] = where.resolve()
                todo.append((where.resolve(), candidate))
    return found


def _package_of(source: Path, module: str | None) -> str | None:
    """The package that relative imports in ``module`` start from (None: a scenario file,
    loaded outside any package)."""
    if module is None:
        return None
    return module if source.name == "__init__.py" else module.rpartition(".")[0]


def _imported_names(source: Path, package: str | None) -> set[str]:
    """Every module an ``import`` statement of ``source`` may name (``from a import b`` may
    name the module ``a.b``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source.read_bytes(), str(source))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the package, or from one of its parents
                parts = package.split(".") if package else []
                if node.level > len(parts):
                    continue  # outside any package: the import fails on the client too
                kept = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*kept, node.module] if node.module else kept)
            else:
                base = node.module or ""
            if not base or base == "__future__":
                continue
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return names


def _prefixes(name: str) -> list[str]:
    """``a.b.c`` -> ``a``, ``a.b``, ``a.b.c``: importing a module runs its packages first."""
    parts = name.split(".")
    return [".".join(parts[: n + 1]) for n in range(len(parts))]


def _inner_path(name: str, source: Path) -> str:
    """Where the module ``name`` goes in the bundle, so that the bundle's folder on
    ``sys.path`` imports it under the same name."""
    inner = name.replace(".", "/")
    return f"{inner}/__init__.py" if source.name == "__init__.py" else f"{inner}.py"


@dataclass(frozen=True)
class Installed:
    """subnet-sim as installed in a process: its version, and the SHA-256 of the Python
    sources of its packages (the first 16 hex digits)."""

    version: str
    sources: str

    def __str__(self) -> str:
        return f"{DISTRIBUTION} {self.version} (sources sha256 {self.sources})"


class OtherSources(UserWarning):
    """Workers with the client's subnet-sim version but other sources (an editable install
    changed between the two): a run may differ, and the campaign says so."""


_INSTALLED: list[Installed] = []  # per process: read once


def installed() -> Installed:
    """This process's subnet-sim (:class:`Installed`), read once."""
    if not _INSTALLED:
        try:
            version = metadata.version(DISTRIBUTION)
        except metadata.PackageNotFoundError:
            version = "(not installed)"
        digest = hashlib.sha256()
        here = Path(__file__).resolve().parents[1]  # the subnet package
        for package in (here, Path(actors.__file__).resolve().parent):
            for source in sorted(package.rglob("*.py")):
                inner = source.relative_to(package.parent).as_posix()
                digest.update(f"{inner}\0".encode())
                digest.update(source.read_bytes())
        _INSTALLED.append(Installed(version, digest.hexdigest()[:16]))
    return _INSTALLED[0]


def check_installed(client: Installed | None) -> str | None:
    """Refuse to run for a client whose subnet-sim version is not this worker's
    (:class:`WorkerMismatch`); say who this worker is when only the sources differ (a
    development install edited since one side imported it: an error there would stop work that
    usually runs the same, so the client warns instead, :class:`OtherSources`)."""
    here = installed()
    if client is None or client == here:
        return None
    if client.version != here.version:
        raise WorkerMismatch(
            f"worker {_host()} has {here}, the client {client}: install the client's "
            f"subnet-sim on every worker"
        )
    return f"worker {_host()} has {here}"


def _host() -> str:
    return f"{os.uname().nodename if hasattr(os, 'uname') else '?'} (pid {os.getpid()})"


@dataclass
class _Unpacked:
    root: Path
    scenario: Scenario
    modules: dict[str, ModuleType]  # the shipped modules, as this process imported them


_UNPACKED: dict[tuple[str, str], _Unpacked] = {}  # per process: (digest, spec) -> loaded
LOCK = threading.Lock()
"""Held while a bundle's modules are this process's (``sys.modules`` is shared by threads):
a worker process runs one batch at a time (runs are pure Python, and hold the GIL anyway)."""


@contextlib.contextmanager
def unpacked(bundle: Bundle) -> Iterator[Scenario]:
    """The bundle's scenario, loaded once per process, with the bundle's modules imported
    under their names for as long as the context lasts (hold :data:`LOCK`)."""
    key = (bundle.digest, bundle.spec)
    found = _UNPACKED.get(key)
    if found is None:
        root = _written(bundle)
        modules: dict[str, ModuleType] = {}
        with _imported_from(root, bundle.modules, modules):
            entry = str(root / bundle.entry) if bundle.by_path else bundle.entry
            try:
                scenario = Scenario.load(entry)
            except ScenarioError as exc:  # e.g. a library it imports is not installed here
                raise ScenarioError(f"on worker {_host()}: {exc}") from None
        scenario.name = bundle.spec  # what the client's runs record
        found = _UNPACKED[key] = _Unpacked(root, scenario, modules)
    with _imported_from(found.root, bundle.modules, found.modules):
        yield found.scenario


@contextlib.contextmanager
def _imported_from(
    root: Path, names: tuple[str, ...], modules: dict[str, ModuleType]
) -> Iterator[None]:
    """While the context lasts, the modules ``names`` are the bundle's: those imported already
    (``modules``), and the others imported from ``root``; afterwards ``modules`` holds them and
    ``sys.modules`` is as before (another bundle may use the same names)."""
    saved = {name: sys.modules.get(name) for name in names}
    for name in names:
        if name in modules:
            sys.modules[name] = modules[name]
        else:
            sys.modules.pop(name, None)
    sys.path.insert(0, str(root))
    try:
        yield
    finally:
        sys.path.remove(str(root))
        for name in names:
            if name in sys.modules:
                modules[name] = sys.modules[name]
            previous = saved[name]
            if previous is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = previous


def _written(bundle: Bundle) -> Path:
    """The bundle's folder on this machine, written once (atomically: to a fresh folder,
    renamed to its digest) and shared by every process of the user."""
    parent = Path(tempfile.gettempdir()) / f"subnet-bundles-{_uid()}"
    parent.mkdir(mode=0o700, exist_ok=True)
    if hasattr(os, "getuid") and parent.stat().st_uid != os.getuid():
        raise WorkerMismatch(f"{parent} belongs to another user: bundles are not unpacked there")
    final = parent / bundle.digest
    if final.is_dir():
        return final
    work = Path(tempfile.mkdtemp(dir=parent, prefix=".partial-"))
    for inner, data in bundle.files:
        target = work / inner
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    try:
        work.rename(final)
    except OSError:  # another process of this machine was first: the same content
        shutil.rmtree(work, ignore_errors=True)
    return final


def _uid() -> str:
    return str(os.getuid()) if hasattr(os, "getuid") else "user"


__all__ = [
    "LOCK",
    "Bundle",
    "Installed",
    "OtherSources",
    "WorkerMismatch",
    "build_bundle",
    "check_installed",
    "installed",
    "unpacked",
]
