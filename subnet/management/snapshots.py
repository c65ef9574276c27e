"""The snapshot methods of the management canister, and what a load does to open calls.

What a snapshot holds is described in :mod:`.store`.

Loading a snapshot replaces code, heap, stable memory and certified data, and leaves system
state alone, as on the IC. So call contexts opened after the snapshot stay open, and callbacks
registered after it still wait for their responses. The continuation ids are what let the
simulator say what happens next (see docs/hazards.md):

- a callback whose continuation the loaded heap holds resumes that frame against the loaded
  state (the frame's locals still come from the other timeline: a *stale continuation*);
- a callback whose continuation the loaded heap does not hold finds nothing: the callback
  traps (*orphaned response*) and the system answers its call context (*starved*);
- a continuation the loaded heap holds whose callback no longer exists never resumes (*leaked
  continuation*: a lock taken before the ``await`` is never released).

A snapshot's content is checksummed (SHA-256, over the code's hash, the heap image, the
continuation table, the stable memory's Merkle root, certified data, timer and the hashes of
its Wasm chunk store); a load verifies it and refuses a snapshot whose content no longer
matches.

A load puts the snapshot's Wasm chunk store back, whatever its source. An uploaded snapshot
also sets the global timer and the low-memory hook's status, each only if the upload gave it
(``inactive`` switches the timer off; a value left out leaves the canister's as it is), and
the hook status must agree with the hook's condition in the loaded state; a taken snapshot
sets neither (``CanisterManager::load_canister_snapshot``).

Who may list snapshots and read them: the controllers, and per the canister's
``snapshot_visibility`` setting (interface spec 0.57) everyone (``public``) or the principals
it lists (``allowed_viewers``); see :meth:`SnapshotMethods.may_view`.
"""

from __future__ import annotations

from typing import Any

from .. import errors
from ..errors import ErrorCode, Reject, RejectCode
from ..guards import SnapshotGuard, refusal
from ..heap import HeapError
from ..ids import Principal, SnapshotId
from ..memory import DEFAULT_MAX_PAGES, PAGE_SIZE, SparseBuffer, StableMemory
from ..messages import Request
from ..routing import low_wasm_memory
from ..system import CanisterState
from ..view import CanisterView
from ..wasm.module import globals_fit, module_of
from . import args as parse
from .args import DataKind
from .chunks import (
    chunk_store,
    new_chunk,
    read_chunk,
    set_chunk_store,
    stored_hashes,
)
from .context import ManagementContext
from .lifecycle import SavedState, load_image
from .methods import MethodTable
from .store import StoredSnapshot, code_from_module

MAX_GLOBALS = 1000
GLOBAL_KINDS = frozenset(parse.GLOBAL_TYPES)
HOOK_STATUSES = frozenset(parse.HOOK_STATUSES)
MAX_MODULE_SIZE = 100 * 1024 * 1024  # the IC's limit on a Wasm module
MAX_WASM_MEMORY_SIZE = 4 * 1024**3  # 32-bit main memory
MAX_STABLE_MEMORY_SIZE = DEFAULT_MAX_PAGES * PAGE_SIZE  # 400 GiB


# -- helpers ----------------------------------------------------------------------------------


def _sizes(contexts: int, callbacks: int) -> dict[str, int]:
    return {"open_call_contexts": contexts, "outstanding_callbacks": callbacks}


READ_METHODS = frozenset(
    {"list_canister_snapshots", "read_canister_snapshot_metadata", "read_canister_snapshot_data"}
)
"""The methods ``snapshot_visibility`` opens to others than the controllers."""


def validate_metadata(
    wasm_module_size: int,
    wasm_memory_size: int,
    stable_memory_size: int,
    globals_count: int,
    certified_data: bytes,
) -> str | None:
    """The replica's first objection to uploaded metadata, as it prints it (the variant of
    ``MetadataValidationError``, in ``{:?}`` form), or None. Nothing else of the metadata is
    validated: any timer (``{"active": 0}`` too) and any hook status are taken as they are.

    Source: ``rs/replicated_state/src/canister_snapshots.rs``
    (``ValidatedSnapshotMetadata::validate``, Wasm32 limits)."""
    if wasm_module_size == 0:
        return "WasmModuleEmpty"
    if wasm_module_size > MAX_MODULE_SIZE:
        return "WasmModuleTooLarge"
    if wasm_memory_size % PAGE_SIZE:
        return "WasmMemoryNotPageAligned"
    if wasm_memory_size > MAX_WASM_MEMORY_SIZE:
        return "WasmMemoryTooLarge"
    if stable_memory_size % PAGE_SIZE:
        return "StableMemoryNotPageAligned"
    if stable_memory_size > MAX_STABLE_MEMORY_SIZE:
        return "StableMemoryTooLarge"
    if globals_count > MAX_GLOBALS:
        return "ExportedGlobalsTooLarge"
    if len(certified_data) > 32:  # a 32-byte hash
        return "CertifiedDataTooLarge"
    return None


_HOOK_VARIANTS = {
    "condition_not_satisfied": "ConditionNotSatisfied",
    "ready": "Ready",
    "executed": "Executed",
}


def hook_consistent(status: str, satisfied: bool) -> bool:
    """Whether an uploaded hook status fits the hook's condition: ``ready`` and ``executed``
    need it satisfied, ``condition_not_satisfied`` needs it not to be
    (``OnLowWasmMemoryHookStatus::is_consistent_with``)."""
    return satisfied if status in ("ready", "executed") else not satisfied


def hook_status_inconsistent(status: str | None, satisfied: bool) -> Reject:
    """408: a load of an uploaded snapshot whose hook status contradicts the loaded state. The
    status is the snapshot's ``Option``, printed with ``{:?}`` (``Some(Ready)``).

    Source: ``rs/execution_environment/src/canister_manager.rs``
    (``load_canister_snapshot``, ``CanisterSnapshotInconsistent``)."""
    shown = "None" if status is None else f"Some({_HOOK_VARIANTS[status]})"
    return errors.snapshot_inconsistent(
        f"Hook status ({shown}) of uploaded snapshot is inconsistent with the canister's "
        f"state (hook condition satisfied: {str(satisfied).lower()})."
    )


class SnapshotMethods:
    """The snapshot methods of the management canister (one instance per subnet)."""

    def __init__(self, ctx: ManagementContext) -> None:
        self.ctx = ctx
        self.engine = ctx.engine
        self.policy = ctx.policy

    # -- common checks ------------------------------------------------------------------------
    def guard(self, cs: CanisterState) -> SnapshotGuard:
        return self.policy.guard_for(cs.id)

    def find(self, cs: CanisterState, sid: SnapshotId) -> StoredSnapshot:
        """A snapshot of ``cs`` by id (305 if unknown, 406 if it belongs to another canister)."""
        if sid.canister_id != cs.id:
            owner = self.engine.get(sid.canister_id)
            if owner is not None and sid in owner.snapshots:
                raise errors.snapshot_invalid_ownership(sid, cs.id)
            raise errors.snapshot_not_found(sid, cs.id)
        snap: StoredSnapshot | None = cs.snapshots.get(sid)
        if snap is None:
            raise errors.snapshot_not_found(sid, cs.id)
        return snap

    @staticmethod
    def may_view(method: str, cs: CanisterState, sender: Principal) -> bool:
        """Whether ``sender`` may call ``method`` (list or read snapshots) on ``cs`` although
        it does not control it: the canister's ``snapshot_visibility`` is ``public``, or
        lists ``sender`` among its ``allowed_viewers``.

        Source: the interface spec 0.57 (``snapshot_visibility`` in ``canister_settings``),
        as its clients describe it (``SnapshotVisibility`` of ``ic-management-canister-types``
        and ``icp-cli``: it opens ``list_canister_snapshots``,
        ``read_canister_snapshot_metadata`` and ``read_canister_snapshot_data``). The
        replica's ``canister_manager.rs`` stored for reference predates the setting: its
        ``list_canister_snapshot`` and ``read_snapshot_*`` call ``validate_controller``."""
        if method not in READ_METHODS:
            return False
        visibility = (cs.extra.get("settings") or {}).get("snapshot_visibility", "controllers")
        if visibility == "public":
            return True
        return isinstance(visibility, dict) and sender in visibility.get("allowed_viewers", ())

    def viewed(self, req: Request, canister_id: Principal) -> CanisterState:
        """The canister, if the sender controls it or may view its snapshots (else 301 /
        512, the controllers' error)."""
        cs = self.ctx.canister(canister_id)
        if req.sender not in cs.controllers and not self.may_view(req.method, cs, req.sender):
            raise errors.canister_invalid_controller(canister_id, cs.controllers, req.sender)
        return cs

    def check_guard(self, operation: str, cs: CanisterState) -> None:
        view = CanisterView(cs)
        reason = self.guard(cs).check(operation, view)
        if reason is not None:
            raise refusal(operation, view, reason)

    def not_stopped_hazard(self, operation: str, cs: CanisterState, sid: SnapshotId) -> None:
        if cs.status == "stopped":
            return
        contexts = len(cs.call_contexts)
        callbacks = len(cs.callbacks)
        verb = "taken" if operation == "take" else "loaded"
        self.engine.hazard(
            f"snapshot_{verb}_while_{cs.status}",
            cs.id,
            f"snapshot {sid.hex()} {verb} while the canister was {cs.status}, with "
            f"{contexts} open call context(s) and {callbacks} outstanding callback(s)",
            snapshot=sid.hex(),
            status=cs.status,
            **_sizes(contexts, callbacks),
        )

    # -- take -------------------------------------------------------------------------------
    def take(
        self,
        req: Request,
        canister_id: Principal,
        replace_snapshot: SnapshotId | None,
        uninstall_code: bool | None,
        sender_canister_version: int | None,
    ) -> dict[str, Any]:
        cs = self.ctx.controlled(req, canister_id)
        replaced = None
        if replace_snapshot is not None:
            replaced = self.find(cs, replace_snapshot)
        elif len(cs.snapshots) >= self.policy.max_per_canister:
            raise errors.snapshot_limit_exceeded(canister_id, self.policy.max_per_canister)
        if cs.code is None:
            raise errors.snapshot_of_empty_canister(canister_id)
        self.check_guard("take", cs)
        sid = SnapshotId(cs.id, cs.next_snapshot_id)
        snap = StoredSnapshot(
            id=sid,
            source="taken_from_canister",
            taken_at_timestamp=self.engine.time,
            code=cs.code,
            # a Wasm module's memory: its committed pages, shared, not copied
            heap_image=cs.runtime.image() if cs.runtime is not None else cs.heap.image(),
            continuations=dict(cs.continuations),
            stable=cs.stable.fork(),
            certified_data=cs.certified_data,
            global_timer=cs.global_timer,
            canister_version=cs.version,
            hook_status=cs.hook_status,
            chunk_store=dict(chunk_store(cs)),
        )
        snap.checksum = snap.compute_checksum()
        cs.next_snapshot_id += 1
        cs.snapshots[sid] = snap
        if replaced is not None:
            del cs.snapshots[replaced.id]
        self.engine.trace.emit(
            "snapshot_taken",
            cs.id,
            sid.hex(),
            (
                cs.status,
                len(cs.call_contexts),
                len(cs.callbacks),
                sorted(snap.continuations.values()),
            ),
        )
        self.not_stopped_hazard("take", cs, sid)
        if uninstall_code:
            self.ctx.uninstall(cs, self.ctx.origin(req, sender_canister_version))
        return snap.describe()

    # -- load -------------------------------------------------------------------------------
    def load(
        self,
        req: Request,
        canister_id: Principal,
        snapshot_id: SnapshotId,
        sender_canister_version: int | None,
    ) -> None:
        cs = self.ctx.controlled(req, canister_id)
        owner = self.engine.get(snapshot_id.canister_id)
        if owner is None or (snap := owner.snapshots.get(snapshot_id)) is None:
            raise errors.snapshot_not_found(snapshot_id, canister_id)
        if owner is not cs and req.sender not in owner.controllers:
            raise errors.snapshot_not_controller(req.sender, canister_id, snapshot_id)
        uploaded = None
        if snap.buffers is not None:
            try:
                uploaded = code_from_module(snap.buffers["wasm_module"].data())
            except ValueError:
                raise errors.invalid_wasm_module() from None
            module = module_of(uploaded)
            if module is None and snap.globals:
                raise errors.snapshot_globals_mismatch()
            if module is not None and not globals_fit(module, snap.globals):
                raise errors.snapshot_globals_mismatch()
        try:
            snap.materialize(uploaded)
        except ValueError as exc:
            raise errors.snapshot_inconsistent(
                f"The snapshot {snapshot_id} cannot be loaded: {exc}. Upload its module and "
                f"main memory in full first."
            ) from None
        if snap.checksum and snap.compute_checksum() != snap.checksum:
            raise Reject(
                RejectCode.CANISTER_REJECT,
                f"The snapshot {snapshot_id} of canister {snapshot_id.canister_id} is corrupted: "
                f"its content does not match its checksum {snap.checksum.hex()}. Nothing was "
                f"loaded.",
                ErrorCode.CanisterRejectedMessage,
            )
        self.check_guard("load", cs)
        self.apply(cs, snap)
        cs.version += 1
        details: dict[str, Any] = {
            "canister_version": snap.canister_version,
            "snapshot_id": bytes(snapshot_id),
            "taken_at_timestamp": snap.taken_at_timestamp,
            "source": snap.source,
        }
        details["from_canister_id"] = owner.id if owner is not cs else None
        self.ctx.record_change(
            cs, self.ctx.origin(req, sender_canister_version), {"load_snapshot": details}
        )
        self.engine.trace.emit(
            "snapshot_loaded",
            cs.id,
            snapshot_id.hex(),
            (
                cs.status,
                len(cs.call_contexts),
                len(cs.callbacks),
                sorted(snap.continuations.values()),
            ),
        )
        self.not_stopped_hazard("load", cs, snapshot_id)
        self.continuation_hazards(cs, snap)
        return None

    def apply(self, cs: CanisterState, snap: StoredSnapshot) -> None:
        """Replace code, heap (and its continuation table), stable memory, certified data and
        the Wasm chunk store; from an uploaded snapshot also the hook status and the timer
        that it gives. All or nothing: a hook status that contradicts the loaded state puts
        everything back (the timer is armed last, once nothing can fail).

        Source: ``CanisterManager::load_canister_snapshot`` (the chunk store for every
        source; the timer and hook status of ``MetadataUpload`` snapshots only, each
        ``if let Some``; then ``is_consistent_with`` on the new canister's hook condition)."""
        saved = SavedState(cs)
        saved_store, saved_hook = chunk_store(cs), cs.hook_status
        try:
            code = snap.code
            assert code is not None
            load_image(cs, code, snap.heap_image)
            cs.stable.restore(snap.stable)
            cs.certified_data = snap.certified_data
            cs.continuations = dict(snap.continuations)
        except (HeapError, ValueError, TypeError) as exc:
            saved.restore(cs)
            raise errors.snapshot_inconsistent(f"cannot load snapshot {snap.id}: {exc}") from None
        set_chunk_store(cs, snap.chunk_store)
        uploaded = snap.source == "metadata_upload"
        if uploaded and snap.hook_status is not None:
            cs.hook_status = snap.hook_status
            satisfied = low_wasm_memory(cs)
            if not hook_consistent(snap.hook_status, satisfied):
                saved.restore(cs)
                set_chunk_store(cs, saved_store)
                cs.hook_status = saved_hook
                raise hook_status_inconsistent(snap.hook_status, satisfied)
        if uploaded and snap.global_timer is not None:
            # 0: inactive, switched off; active at time 0: due at once (armed at 1 ns, as 0
            # disarms)
            deadline = 1 if snap.timer_active_at_zero else snap.global_timer
            self.engine.arm_timer(cs, deadline)

    def continuation_hazards(self, cs: CanisterState, snap: StoredSnapshot) -> None:
        # a callback of a call context that uninstall_code deleted resumes nothing
        calls = cs.call_contexts
        live = [cb for cb in cs.callbacks.values() if not calls[cb.call_context_id].deleted]
        waiting = {cb.continuation_id: cb for cb in live}
        for slot, cont in sorted(snap.continuations.items()):
            cb = waiting.get(cont)
            # a Python frame must still be held; foreign code's continuation lives in the
            # memory just loaded, which holds it
            if cb is not None and (cont in cs.frames or cb.closure is not None):
                self.engine.hazard(
                    "stale_continuation",
                    cs.id,
                    f"continuation {cont} (awaiting {cb.target}.{cb.method}, callback {cb.id}) is "
                    f"in the loaded heap: its response will resume it against the loaded state, "
                    f"with local variables from before the load",
                    continuation=cont,
                    callback=cb.id,
                    slot=slot,
                )
            else:
                self.engine.hazard(
                    "leaked_continuation",
                    cs.id,
                    f"the loaded heap holds continuation {cont} (table slot {slot}), whose "
                    f"callback no longer exists: it will never resume, and whatever it holds "
                    f"(a lock, reserved funds) stays held",
                    continuation=cont,
                    slot=slot,
                )
        held = set(snap.continuations.values())
        for cb in sorted(live, key=lambda c: c.id):
            if cb.continuation_id not in held:
                self.engine.hazard(
                    "dangling_callback",
                    cs.id,
                    f"callback {cb.id} (awaiting {cb.target}.{cb.method}) refers to continuation "
                    f"{cb.continuation_id}, which the loaded heap does not hold: its response "
                    f"will find nothing to resume",
                    callback=cb.id,
                    continuation=cb.continuation_id,
                )

    # -- list / delete ------------------------------------------------------------------------
    def list(self, req: Request, canister_id: Principal) -> list[dict[str, Any]]:
        cs = self.viewed(req, canister_id)
        return [s.describe() for s in cs.snapshots.values()]

    def delete(self, req: Request, canister_id: Principal, snapshot_id: SnapshotId) -> None:
        cs = self.ctx.controlled(req, canister_id)
        snap = self.find(cs, snapshot_id)
        del cs.snapshots[snap.id]
        self.engine.trace.emit("snapshot_deleted", cs.id, snapshot_id.hex(), ())
        return None

    # -- download ---------------------------------------------------------------------------
    def read_metadata(
        self, req: Request, canister_id: Principal, snapshot_id: SnapshotId
    ) -> dict[str, Any]:
        """Everything but the bytes. A timer or hook status an upload left out reads back as
        ``None`` (``opt``: ``read_snapshot_metadata`` maps the snapshot's ``Option``)."""
        cs = self.viewed(req, canister_id)
        snap = self.find(cs, snapshot_id)
        timer = snap.global_timer
        return {
            "source": snap.source,
            "taken_at_timestamp": snap.taken_at_timestamp,
            "wasm_module_size": snap.module_size,
            "globals": snap.exported_globals,
            "wasm_memory_size": snap.wasm_memory_size,
            "stable_memory_size": snap.stable_size,
            "wasm_chunk_store": stored_hashes(snap.chunk_store),
            "canister_version": snap.canister_version,
            "certified_data": snap.certified_data,
            "global_timer": None
            if timer is None
            else ({"active": timer} if timer or snap.timer_active_at_zero else {"inactive": None}),
            "on_low_wasm_memory_hook_status": snap.hook_status,
            "checksum": self.checksum_of(snap),
        }

    @staticmethod
    def checksum_of(snap: StoredSnapshot) -> bytes:
        """The content checksum (an uploaded snapshot's is computed from what it holds now)."""
        if snap.checksum:
            return snap.checksum
        try:
            snap.materialize()
        except ValueError:
            return b""
        return snap.compute_checksum()

    def read_data(
        self,
        req: Request,
        canister_id: Principal,
        snapshot_id: SnapshotId,
        kind: DataKind,
    ) -> dict[str, Any]:
        """A slice of the module or a memory (at most 2,000,000 bytes), or one chunk of the
        snapshot's Wasm chunk store by its hash (``read_snapshot_data``, ``get_response_size``:
        a chunk is not a slice)."""
        cs = self.viewed(req, canister_id)
        snap = self.find(cs, snapshot_id)
        which, offset, size, digest = kind
        if which == "wasm_chunk":
            return {"chunk": read_chunk(snap.chunk_store, digest)}
        if size > errors.MAX_SLICE_SIZE_BYTES:
            raise errors.slice_too_large(size, errors.MAX_SLICE_SIZE_BYTES)
        if which == "stable_memory":
            total = snap.stable_size
            if offset + size > total:
                raise errors.invalid_slice(offset, size)
            return {"chunk": snap.read_stable(offset, size)}
        total = snap.module_size if which == "wasm_module" else snap.wasm_memory_size
        if offset + size > total:
            raise errors.invalid_slice(offset, size)
        return {"chunk": snap.read_part(which, offset, size)}

    # -- upload -------------------------------------------------------------------------------
    def upload_metadata(
        self,
        req: Request,
        canister_id: Principal,
        replace_snapshot: SnapshotId | None,
        wasm_module_size: int,
        wasm_memory_size: int,
        stable_memory_size: int,
        certified_data: bytes | None,
        global_timer: tuple[str, int] | None,
        globals: tuple[dict[str, int | float], ...] | None,
        on_low_wasm_memory_hook_status: str | None,
        checksum: bytes | None,
    ) -> dict[str, Any]:
        """A new snapshot of the declared sizes, to fill with ``upload_data``.

        The arguments arrive decoded to their Candid types (:mod:`.args`: every integer within
        its width); then, in the replica's order, the sender must control the canister, the
        metadata must be valid (:func:`validate_metadata`), the snapshot to replace must be
        the canister's, and without one the canister must have room for another snapshot.
        Nothing changes before all of that holds. The buffers hold only what is uploaded into
        them, so declaring the IC's largest sizes costs nothing until the data arrives; the
        Wasm chunk store starts empty.

        Source: ``CanisterManager::create_snapshot_from_metadata``,
        ``CanisterSnapshot::from_metadata``."""
        cs = self.ctx.controlled(req, canister_id)
        globals_list = globals or ()
        data = certified_data or b""
        invalid = validate_metadata(
            wasm_module_size, wasm_memory_size, stable_memory_size, len(globals_list), data
        )
        if invalid is not None:
            raise errors.invalid_snapshot_metadata(invalid)
        if replace_snapshot is not None:
            replaced = self.find(cs, replace_snapshot)
        else:
            replaced = None
            if len(cs.snapshots) >= self.policy.max_per_canister:
                raise errors.snapshot_limit_exceeded(canister_id, self.policy.max_per_canister)
        timer = None if global_timer is None else global_timer[1]
        at_zero = global_timer == ("active", 0)
        sid = SnapshotId(cs.id, cs.next_snapshot_id)
        snap = StoredSnapshot(
            id=sid,
            source="metadata_upload",
            taken_at_timestamp=self.engine.time,
            code=None,
            heap_image=b"",
            continuations={},
            stable=StableMemory().fork(),
            certified_data=data,
            global_timer=timer,
            canister_version=cs.version,
            checksum=checksum or b"",
            globals=tuple(globals_list),
            hook_status=on_low_wasm_memory_hook_status,
            timer_active_at_zero=at_zero,
            buffers={
                "wasm_module": SparseBuffer(wasm_module_size),
                "main_memory": SparseBuffer(wasm_memory_size),
                "stable_memory": SparseBuffer(stable_memory_size),
            },
            dirty=True,
        )
        if replaced is not None:
            del cs.snapshots[replaced.id]  # (the replica removes it first; the result is the same)
        cs.next_snapshot_id += 1
        cs.snapshots[sid] = snap
        self.engine.trace.emit("snapshot_upload", cs.id, sid.hex(), ())
        return {"snapshot_id": bytes(sid)}

    def upload_data(
        self,
        req: Request,
        canister_id: Principal,
        snapshot_id: SnapshotId,
        kind: DataKind,
        chunk: bytes,
    ) -> None:
        """Write ``chunk`` into an uploaded snapshot's module or memory at ``offset``, or add it
        to the snapshot's Wasm chunk store (``wasm_chunk``: at most 1 MiB, 100 chunks; a chunk
        already there changes nothing). The read's slice limit does not apply: the replica
        checks only that the chunk fits what the metadata declared; the message's own size
        limit (2 MiB of ingress) bounds it.

        Source: ``CanisterManager::write_snapshot_data``."""
        cs = self.ctx.controlled(req, canister_id)
        snap = self.find(cs, snapshot_id)
        if snap.buffers is None:
            raise errors.snapshot_immutable()
        which, offset, _, _ = kind
        if which == "wasm_chunk":
            digest, new = new_chunk(snap.chunk_store, chunk)
            if new:
                snap.chunk_store = {**snap.chunk_store, digest: chunk}
            return None
        buffer = snap.buffers[which]
        if offset + len(chunk) > len(buffer):
            raise errors.invalid_slice(offset, len(chunk))
        buffer.write(offset, chunk)
        snap.dirty = True
        return None

    # -- the method table ---------------------------------------------------------------------

    def table(self) -> MethodTable:
        """This group's entries of the management canister's method table."""
        ops = self
        sid = (parse.snapshot_id, True)
        return {
            "take_canister_snapshot": (
                dict(
                    canister_id=parse.CANISTER_ID,
                    replace_snapshot=(parse.snapshot_id, False),
                    uninstall_code=(parse.boolean, False),
                    sender_canister_version=parse.SENDER_VERSION,
                ),
                ops.take,
            ),
            "load_canister_snapshot": (
                dict(
                    canister_id=parse.CANISTER_ID,
                    snapshot_id=sid,
                    sender_canister_version=parse.SENDER_VERSION,
                ),
                ops.load,
            ),
            "list_canister_snapshots": (dict(canister_id=parse.CANISTER_ID), ops.list),
            "delete_canister_snapshot": (
                dict(canister_id=parse.CANISTER_ID, snapshot_id=sid),
                ops.delete,
            ),
            "read_canister_snapshot_metadata": (
                dict(canister_id=parse.CANISTER_ID, snapshot_id=sid),
                ops.read_metadata,
            ),
            "read_canister_snapshot_data": (
                dict(canister_id=parse.CANISTER_ID, snapshot_id=sid, kind=(parse.read_kind, True)),
                ops.read_data,
            ),
            "upload_canister_snapshot_metadata": (
                dict(
                    canister_id=parse.CANISTER_ID,
                    replace_snapshot=(parse.snapshot_id, False),
                    wasm_module_size=(parse.nat64, True),
                    wasm_memory_size=(parse.nat64, True),
                    stable_memory_size=(parse.nat64, True),
                    certified_data=(parse.blob, False),
                    global_timer=(parse.global_timer, False),
                    globals=(parse.exported_globals, False),
                    on_low_wasm_memory_hook_status=(parse.hook_status, False),
                    checksum=(parse.sha256, False),
                ),
                ops.upload_metadata,
            ),
            "upload_canister_snapshot_data": (
                dict(
                    canister_id=parse.CANISTER_ID,
                    snapshot_id=sid,
                    kind=(parse.upload_kind, True),
                    chunk=(parse.blob, True),
                ),
                ops.upload_data,
            ),
        }
