"""Installing, upgrading and uninstalling canister code: the all-or-nothing parts.

Each operation either completes or leaves the canister exactly as it was: code, heap, stable
memory, certified data, continuation table. That is why every function here first records what
it may change and restores it on any failure (a trap in ``init``, ``pre_upgrade`` or
``post_upgrade``, a heap that is not plain data).

The instance object of a canister is created once and kept for the canister's whole life;
installing or upgrading code replaces its class and its attributes. Suspended frames hold
``self``, and on the IC a callback reaches whatever the canister's memory holds when the
response arrives; keeping one object makes a late response (after an upgrade, or after a
snapshot load brings a frame's continuation back) see the canister's *current* heap, as it must.
"""

from __future__ import annotations

from typing import Any

from actors.canister import Canister

from ..engine import Engine
from ..errors import Reject, canister_uninstalled
from ..execution import raised_by_canister, trap_reject
from ..heap import Heap, HeapError, copy_value
from ..ids import Principal
from ..memory import StableMemory
from ..routing import Router
from ..system import CanisterState
from ..wasm.module import module_of

_MUTABLE_DEFAULTS = (list, dict, set, bytearray)


def set_code(cs: CanisterState, cls: type[Canister] | None) -> None:
    """Make ``cls`` the canister's code, and tell the engine (it keeps the set of canisters
    whose code defines a system task: heartbeats, the low-memory hook)."""
    cs.code = cls
    host = cs.host
    if isinstance(host, Router):
        host.code_changed(cs)


def attach(cs: CanisterState, cls: type[Canister]) -> Canister:
    """The canister's one instance object, now of class ``cls`` (created on first use, and
    kept for the canister's whole life: see the module docstring)."""
    instance = cs.instance
    if instance is None:
        instance = object.__new__(cls)
        instance._system = cs.api
        cs.instance = instance
    else:
        instance.__class__ = cls
    return instance


def load_image(cs: CanisterState, cls: type[Canister], image: Any) -> None:
    """Make the canister's code ``cls`` and its heap the heap image ``image``, committed
    (a snapshot load, or a saved subnet read back). Raises ``HeapError`` for a bad image,
    ``ValueError`` for a Wasm memory image that does not fit the module."""
    if module_of(cls) is not None:  # a Wasm module: its memory and globals, in the running instance
        # of the same module (only the pages that differ are written), else a fresh one
        if cs.runtime is not None and cs.code is cls and cs.instance is not None:
            cs.runtime.restore_image(image)
            return
        instance = build_heap(cs, cls)
        assert cs.runtime is not None
        cs.runtime.restore_image(image)
    else:
        cs.runtime = None
        instance = attach(cs, cls)
        Heap.restore_image(instance, image)
    fresh = Heap()
    fresh.commit(instance)
    cs.heap = fresh
    set_code(cs, cls)


def build_heap(cs: CanisterState, cls: type[Canister]) -> Canister:
    """Give the canister a fresh heap of class ``cls``: mutable class-level defaults copied
    into the instance (so canisters never share them), then a no-argument ``__init__`` (for
    a Wasm module's class: a fresh instance of the module)."""
    cs.runtime = None
    instance = attach(cs, cls)
    instance.__dict__.clear()
    state = instance.__dict__
    for klass in reversed(cls.__mro__):
        if klass is Canister or klass is object:
            continue
        for name, value in vars(klass).items():
            if not name.startswith("__") and isinstance(value, _MUTABLE_DEFAULTS):
                state[name] = copy_value(value)
    if cls.__init__ is not object.__init__:
        cls.__init__(instance)
    return instance


class SavedState:
    """Everything a code change may touch, to put back if it fails."""

    def __init__(self, cs: CanisterState) -> None:
        self.code = cs.code
        self.cls = type(cs.instance) if cs.instance is not None else None
        self.heap = cs.heap
        self.stable = cs.stable.fork()
        self.certified_data = cs.certified_data
        self.continuations = dict(cs.continuations)
        self.global_timer = cs.global_timer
        self.runtime = cs.runtime
        self.runtime_image = cs.runtime.image() if cs.runtime is not None else None

    def restore(self, cs: CanisterState) -> None:
        set_code(cs, self.code)
        cs.heap = self.heap
        if cs.instance is not None:
            if self.cls is not None:
                cs.instance.__class__ = self.cls
            self.heap.rollback(cs.instance)
        cs.stable.restore(self.stable)
        cs.certified_data = self.certified_data
        cs.continuations = self.continuations
        cs.global_timer = self.global_timer
        cs.runtime = self.runtime
        if self.runtime is not None and self.runtime_image is not None:
            self.runtime.restore_image(self.runtime_image)


def _hook_failure(cs: CanisterState, exc: BaseException) -> Reject:
    if isinstance(exc, Reject):
        return exc
    return trap_reject(cs.id, exc)


def _abandon_frames(cs: CanisterState) -> None:
    """The heap is replaced: its continuations are gone (frames stay held, never to run)."""
    cs.continuations = {}


def _new_heap(
    engine: Engine,
    cs: CanisterState,
    cls: type[Canister],
    hook: str,
    args: tuple[Any, ...],
    caller: Principal,
) -> None:
    """Build a fresh heap of ``cls``, run ``hook(*args)`` (``init`` or ``post_upgrade``) if the
    class has it, and commit (the heap's continuations are gone). A class without the hook
    ignores the arguments, as a module without ``canister_init`` (or
    ``canister_post_upgrade``) ignores the install argument on the IC."""
    _abandon_frames(cs)
    instance = build_heap(cs, cls)
    fn = getattr(cls, hook, None)
    if fn is not None:
        engine.run_hook(cs, fn.__get__(instance), args, caller)
    cs.heap.commit(instance)


def install(
    engine: Engine, cs: CanisterState, cls: type[Canister], args: tuple[Any, ...], caller: Principal
) -> None:
    """Mode ``install`` / ``reinstall``: a fresh heap, empty stable memory, ``init(*args)``."""
    saved = SavedState(cs)
    try:
        args = copy_value(tuple(args))
        set_code(cs, cls)
        cs.heap = Heap()
        cs.stable.restore(StableMemory().fork())
        cs.certified_data = b""
        cs.global_timer = 0
        _new_heap(engine, cs, cls, "init", args, caller)
    except BaseException as exc:
        saved.restore(cs)
        if not raised_by_canister(exc):  # a real Ctrl-C
            raise
        raise _hook_failure(cs, exc) from None


def upgrade(
    engine: Engine,
    cs: CanisterState,
    cls: type[Canister],
    args: tuple[Any, ...],
    caller: Principal,
    *,
    skip_pre_upgrade: bool = False,
) -> None:
    """Mode ``upgrade``: ``pre_upgrade`` on the old heap, a fresh heap of ``cls``,
    ``post_upgrade(*args)``; stable memory survives, the heap does not, and the global timer
    is deactivated (interface spec, "Global timer": by ``install_code`` in any mode), which
    ``post_upgrade`` may arm again."""
    saved = SavedState(cs)
    try:
        args = copy_value(tuple(args))
        instance = cs.instance
        if instance is not None and cs.code is not None and not skip_pre_upgrade:
            pre = getattr(cs.code, "pre_upgrade", None)
            if pre is not None:
                engine.run_hook(cs, pre.__get__(instance), (), caller)
        set_code(cs, cls)
        cs.heap = Heap()
        cs.global_timer = 0
        _new_heap(engine, cs, cls, "post_upgrade", args, caller)
    except BaseException as exc:
        saved.restore(cs)
        if not raised_by_canister(exc):  # a real Ctrl-C
            raise
        raise _hook_failure(cs, exc) from None


def uninstall(engine: Engine, cs: CanisterState) -> None:
    """Remove code, heap, stable memory and certified data, and delete every call context:
    one not answered yet is rejected (CANISTER_REJECT, ``Canister has been uninstalled.``).

    A deleted call context stays until the responses to its calls have arrived: its callbacks
    stay registered, and a response to one runs no code, unregisters it and closes the call
    context after the last one. So a stopping canister stays stopping until then.

    Source: ``rs/replicated_state/src/canister_state/system_state/call_context_manager.rs``
    (``delete_all_call_contexts``: "Callbacks will be unregistered when responses are
    received"), ``rs/execution_environment/src/execution/response.rs``
    (``ResponseHelper::validate``: a deleted call context executes nothing)."""
    reject = canister_uninstalled()
    for ctx in list(cs.call_contexts.values()):
        if not ctx.responded:
            engine.respond(ctx, None, reject)
        ctx.deleted = True
    set_code(cs, None)
    cs.runtime = None
    cs.heap = Heap()
    if cs.instance is not None:
        cs.instance.__dict__.clear()
    cs.stable.restore(StableMemory().fork())
    cs.certified_data = b""
    cs.global_timer = 0
    cs.extra.pop("wasm_chunk_store", None)  # the Wasm chunk store (chunks.py) is cleared too
    _abandon_frames(cs)


__all__ = ["HeapError", "build_heap", "install", "uninstall", "upgrade"]
