"""A project folder: ``subnet.toml`` names the canisters, ``.subnet/`` keeps the subnet.

``subnet.toml``::

    [subnet]                      # optional
    seed = 0

    [canisters.chat]
    class = "actors.chat:Chat"    # module:class, importable from the project folder
    init_arg = "()"               # optional: Candid text for the class's init

    [canisters.motoko_chat]
    wasm = "chat.wasm"            # a Wasm module (path from the project folder), or
    # main = "chat.mo"            # a Motoko source, compiled with Node.js and npm's motoko

The subnet itself lives in ``.subnet/state.cbor`` (:mod:`subnet.persist`). A command opens the
project with :meth:`Project.session`, which takes an exclusive ``fcntl.flock`` on
``.subnet/lock`` (so two commands never interleave their load-run-save) and loads the state or
starts a fresh subnet; :meth:`Session.save` writes it back atomically when it changed (the
command runner, :mod:`subnet.cli.dispatch`, saves once the subnet is idle).
"""

from __future__ import annotations

import fcntl
import importlib
import os
import sys
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actors.canister import Canister

from .. import persist
from ..api import Subnet
from ..codec import write_atomic
from ..ids import Principal
from ..wasm.module import InvalidWasm, WasmModule
from ..wasm.motoko import MotokoError, compile_motoko

CONFIG = "subnet.toml"
STATE_DIR = ".subnet"
STATE_FILE = "state.cbor"
LOCK_FILE = "lock"
LOCK_TIMEOUT_S = 30.0


class ProjectError(Exception):
    """A project that cannot be used as it is; the message says why, in one line."""


@dataclass(frozen=True)
class CanisterSpec:
    """One ``[canisters.<name>]``: a Python class (``class``), a Wasm module (``wasm``) or
    a Motoko source (``main``), and the Candid text of its init argument."""

    name: str
    class_ref: str
    init_arg: str | None = None
    wasm: str | None = None
    main: str | None = None


@dataclass
class Session:
    """One command's view of the project: the subnet, and what the load noticed."""

    net: Subnet
    changed_code: list[Principal] = field(default_factory=list)
    path: Path | None = None  # the state file
    saved: bytes | None = None  # the subnet as loaded (or fresh), or as last saved

    def save(self) -> None:
        """Write the subnet to the state file, atomically, if it changed since it was loaded or
        last saved. It must be idle (:class:`~subnet.persist.PersistError` otherwise)."""
        after = persist.dumps(self.net)
        if after != self.saved and self.path is not None:
            write_atomic(self.path, after)
            self.saved = after


def resolve_class(ref: str) -> type[Canister]:
    """The canister class named ``module:Class`` (``module.Class`` is accepted too)."""
    module_name, sep, qualname = ref.partition(":")
    if not sep:
        module_name, _, qualname = ref.rpartition(".")
    if not module_name or not qualname:
        raise ProjectError(f"canister class {ref!r} is not of the form module:Class")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ProjectError(f"cannot import {module_name} (for {ref}): {exc}") from None
    try:
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except AttributeError:
        raise ProjectError(f"module {module_name} has no {qualname} (for {ref})") from None
    if not (isinstance(obj, type) and issubclass(obj, Canister)):
        raise ProjectError(f"{ref} is not a Canister subclass")
    return obj


def _canonical(ref: str) -> str:
    """``module:Class`` of a reference ``subnet.toml`` may also write ``module.Class``."""
    if ":" in ref:
        return ref
    module_name, _, qualname = ref.rpartition(".")
    return f"{module_name}:{qualname}"


def installed_classes(net: Subnet) -> list[type[Canister]]:
    """The canister classes installed in ``net``: its canisters' code and their snapshots'."""
    classes: list[type[Canister]] = []
    for cs in net.engine.canisters.values():
        codes = [cs.code, *(snap.code for snap in cs.snapshots.values())]
        classes.extend(code for code in codes if code is not None and code not in classes)
    return classes


class Project:
    """A folder with a ``subnet.toml``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.state_dir = root / STATE_DIR
        self.state_path = self.state_dir / STATE_FILE
        config_path = root / CONFIG
        try:
            config = tomllib.loads(config_path.read_text())
        except OSError as exc:
            raise ProjectError(f"cannot read {config_path}: {exc.strerror or exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ProjectError(f"{config_path} is not valid TOML: {exc}") from None
        subnet = config.get("subnet", {})
        seed = subnet.get("seed", 0) if isinstance(subnet, dict) else 0
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ProjectError(f"{CONFIG}: [subnet] seed must be an integer")
        self.seed = seed
        self.canisters: dict[str, CanisterSpec] = {}
        canisters = config.get("canisters", {})
        if not isinstance(canisters, dict):
            raise ProjectError(f"{CONFIG}: [canisters] must be a table of canister tables")
        for name, spec in canisters.items():
            kinds = [k for k in ("class", "wasm", "main") if isinstance(spec, dict) and k in spec]
            if len(kinds) != 1 or not isinstance(spec[kinds[0]], str):
                raise ProjectError(
                    f'{CONFIG}: [canisters.{name}] needs one of class = "module:Class", '
                    f'wasm = "file.wasm" or main = "file.mo"'
                )
            init_arg = spec.get("init_arg")
            if init_arg is not None and not isinstance(init_arg, str):
                raise ProjectError(f"{CONFIG}: [canisters.{name}] init_arg must be Candid text")
            self.canisters[name] = CanisterSpec(
                name, spec.get("class", ""), init_arg, spec.get("wasm"), spec.get("main")
            )
        # the project's own modules are importable, as a project's sources are to dfx
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))

    @classmethod
    def find(cls, start: Path | None = None) -> Project:
        """The project containing ``start`` (default: the working directory) or a parent."""
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / CONFIG).is_file():
                return cls(folder)
        raise ProjectError(
            f"Cannot find {CONFIG} in the current working directory or any of its parents. "
            f"Did you forget to create one?"
        )

    # -- state ------------------------------------------------------------------------------
    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the project's exclusive lock (waits up to LOCK_TIMEOUT_S for another command)."""
        self.state_dir.mkdir(exist_ok=True)
        fd = os.open(self.state_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + LOCK_TIMEOUT_S
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise ProjectError(
                            f"another subnet command has held {self.state_dir / LOCK_FILE} for "
                            f"{LOCK_TIMEOUT_S:.0f} s; try again when it has finished"
                        ) from None
                    time.sleep(0.05)
            # temporary files left by a command killed while saving: the old state stands
            for stale in self.state_dir.glob(f".{STATE_FILE}.*.tmp"):
                stale.unlink(missing_ok=True)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def fresh(self) -> Subnet:
        return Subnet(seed=self.seed)

    def resolve(self, name: str) -> type[Canister]:
        """The code of canister ``name`` of ``subnet.toml``: its class, or the canister class
        of its Wasm module (a Motoko source is compiled first, into ``.subnet/build``)."""
        spec = self.canisters[name]
        if spec.wasm is None and spec.main is None:
            return resolve_class(spec.class_ref)
        path = self.root / (spec.wasm or spec.main or "")
        try:
            if spec.main is not None:
                wasm = compile_motoko(path, self.state_dir / "build")
            else:
                wasm = path.read_bytes()
            return WasmModule(wasm, name=path.stem).canister_class()
        except OSError as exc:
            raise ProjectError(f"cannot read {path}: {exc.strerror or exc}") from None
        except (MotokoError, InvalidWasm) as exc:
            raise ProjectError(str(exc)) from None

    # -- which classes a file may name ------------------------------------------------------
    def class_resolver(self, net: Subnet | None = None) -> persist.ClassResolver:
        """What the state file, or an uploaded snapshot, may name as code: a class installed in
        ``net`` (a canister's or a snapshot's code), or one that ``subnet.toml`` declares (it
        is imported then, as ``subnet deploy`` would). Anything else is refused by name: what a
        file names is never imported."""

        def resolve(ref: str) -> type[Canister] | None:
            if net is not None:
                for cls in installed_classes(net):
                    if persist.class_ref(cls) == ref:
                        return cls
            declared = [spec.class_ref for spec in self.canisters.values() if spec.class_ref]
            for text in declared:
                if _canonical(text) == ref:
                    return resolve_class(text)
            for text in declared:  # a class that subnet.toml names by another module
                try:
                    cls = resolve_class(text)
                except ProjectError:
                    continue
                if persist.class_ref(cls) == ref:
                    return cls
            return None

        return resolve

    def check_upload(self, module: bytes, net: Subnet) -> None:
        """Refuse, by name, a snapshot module (``wasm_module.bin``) that names a canister class
        this project does not know (see :meth:`class_resolver`), before anything is uploaded.
        Module bytes that name no class at all are the management canister's to refuse."""
        found = persist.module_reference(module)
        if found is not None and self.class_resolver(net)(found[0]) is None:
            ref = found[0] if len(found[0]) <= 100 else found[0][:100] + "..."
            raise ProjectError(
                f"the snapshot's module names the canister class {ref}, which {CONFIG} does "
                f"not declare and no canister of this subnet runs; it is not imported, and "
                f"nothing was uploaded"
            )

    @contextmanager
    def session(self, *, accept_code_changes: bool = False) -> Iterator[Session]:
        """Lock, load (or start) the subnet, yield it, unlock. Only :meth:`Session.save` writes
        the state: what is not saved is forgotten."""
        with self.locked():
            if self.state_path.exists():
                loaded = persist.load_state(
                    self.state_path,
                    accept_code_changes=accept_code_changes,
                    resolve=self.class_resolver(),
                )
                session = Session(loaded.net, loaded.changed_code)
            else:
                session = Session(self.fresh())
            session.path, session.saved = self.state_path, persist.dumps(session.net)
            try:
                yield session
            finally:
                session.net.close()

    def reset(self) -> None:
        """Forget the subnet: the next command starts a fresh one."""
        with self.locked():
            self.state_path.unlink(missing_ok=True)


__all__ = [
    "CONFIG",
    "CanisterSpec",
    "Project",
    "ProjectError",
    "Session",
    "installed_classes",
    "resolve_class",
]
