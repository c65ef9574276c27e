"""The Wasm chunk store: ``upload_chunk``, ``stored_chunks``, ``clear_chunk_store`` and
``install_chunked_code``.

A canister's chunk store holds up to 100 chunks of at most 1 MiB each, by their SHA-256; every
chunk counts as 1 MiB of the canister's memory, whatever its length. Uploading a chunk that is
already there answers its hash and changes nothing. The store goes with the canister's code:
uninstalling code empties it; installing or upgrading code does not. A snapshot holds a copy
of it, a load puts that copy back (:mod:`.snapshots`), and a snapshot's store can be read and
uploaded chunk by chunk (the ``wasm_chunk`` kind of ``read_canister_snapshot_data`` and
``upload_canister_snapshot_data``).

**What ``install_chunked_code`` installs.** Canister code here is a Python class, not Wasm
bytes. The chunks carry *module bytes*, the same bytes a snapshot download gives as its
``wasm_module`` (:func:`.store.module_bytes`: a reference to a class that is already loaded,
and the class's hash): their concatenation, in the order ``chunk_hashes_list`` gives, must
have the SHA-256 ``wasm_module_hash`` (as on the IC), and is then resolved to its class as a
snapshot load resolves an uploaded module (:func:`.store.code_from_module`; never by importing
anything). Bytes that name no loaded class are an invalid module (IC0505), as bytes that are
not Wasm are on the IC. The class is then installed in ``mode`` exactly as ``install_code``
installs it; the canister's module hash is then the class's (what ``canister_status`` and the
history report for any code here), not the chunks' SHA-256.

Sources: ``rs/execution_environment/src/canister_manager.rs`` (``upload_chunk``,
``clear_chunk_store``, ``stored_chunks``), ``canister_manager/types.rs`` (``WasmSource::
into_canister_module``, ``InstallCodeContext::chunked_install``,
``CanisterManagerError::WasmChunkStoreError``), ``rs/execution_environment/src/
execution_environment.rs`` (``decode_input_and_take_canister``: the store canister),
``rs/replicated_state/src/canister_state/system_state/wasm_chunk_store.rs``
(``can_insert_chunk``, ``CHUNK_SIZE``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from .. import errors
from ..errors import DOC_BASE, ErrorCode, Reject
from ..ids import Principal
from ..messages import Request
from ..system import CanisterState
from . import args as parse
from .context import ManagementContext
from .store import WASM_CHUNK_SIZE, code_from_module

CHUNK_STORE = "wasm_chunk_store"
"""Where a canister's chunk store is kept: ``CanisterState.extra[CHUNK_STORE]``, a dict of
chunk hash to chunk (absent when the store is empty)."""

MAX_CHUNK_STORE_SIZE = 100 * 1024 * 1024
"""``wasm_chunk_store_max_size``: the store holds at most this many bytes, every chunk counted
as 1 MiB, so at most 100 chunks (``CanisterMgrConfig``, the embedders' ``wasm_max_size``)."""

SUBNET_ID = Principal(hashlib.sha224(b"subnet-sim/subnet").digest() + b"\x02")
"""The id this subnet gives itself in the replica's texts that name the subnet (a
self-authenticating form, as subnet ids are). It is not a canister, and nothing calls it."""

Installer = Callable[..., None]
"""``install_code`` of the lifecycle methods: ``(req, *, mode, canister_id, wasm_module, arg,
sender_canister_version)``."""


def rust_debug(data: bytes, *, hex_digits: bool = False) -> str:
    """Bytes as the replica prints them with ``{:?}`` (``[1, 2, 255]``) or ``{:02x?}``
    (``[01, 02, ff]``)."""
    items = (f"{b:02x}" if hex_digits else str(b) for b in data)
    return "[" + ", ".join(items) + "]"


def chunk_store_error(message: str) -> Reject:
    """IC0504: ``Error from Wasm chunk store: <message>.`` and the help line.

    Source: ``rs/execution_environment/src/canister_manager/types.rs``
    (``CanisterManagerError::WasmChunkStoreError``, its ``ErrorHelp``)."""
    return Reject.from_error(
        ErrorCode.CanisterContractViolation,
        f"Error from Wasm chunk store: {message}.\n"
        "Use the `stored_chunks` API to check which hashes are present or top up the canister "
        f"if it is low on cycles. See documentation: {DOC_BASE}#wasm-chunk-store-error",
    )


def chunk_store(cs: CanisterState) -> dict[bytes, bytes]:
    """The canister's chunk store (hash -> chunk); not to be changed in place."""
    store: dict[bytes, bytes] = cs.extra.get(CHUNK_STORE) or {}
    return store


def set_chunk_store(cs: CanisterState, store: dict[bytes, bytes]) -> None:
    """Give the canister the chunk store ``store`` (a copy of it)."""
    if store:
        cs.extra[CHUNK_STORE] = dict(store)
    else:
        cs.extra.pop(CHUNK_STORE, None)


def store_size(store: dict[bytes, bytes]) -> int:
    """The memory a chunk store takes as the IC counts it: 1 MiB for every chunk
    (``WasmChunkStore::memory_usage``)."""
    return len(store) * WASM_CHUNK_SIZE


def stored_hashes(store: dict[bytes, bytes]) -> list[dict[str, bytes]]:
    """``vec chunk_hash``: the hashes in the store's order (by hash, as the replica's
    ``BTreeMap`` keeps them)."""
    return [{"hash": h} for h in sorted(store)]


def new_chunk(store: dict[bytes, bytes], chunk: bytes) -> tuple[bytes, bool]:
    """The hash of ``chunk``, and whether it is new to ``store``; a new chunk that does not
    fit (too long, or the store full) raises the replica's error. A chunk already there
    always fits: it is found first.

    Source: ``WasmChunkStore::can_insert_chunk``."""
    digest = hashlib.sha256(chunk).digest()
    if digest in store:
        return digest, False
    if len(chunk) > WASM_CHUNK_SIZE:
        raise chunk_store_error(
            f"Wasm chunk size {len(chunk)} exceeds the maximum chunk size of {WASM_CHUNK_SIZE}"
        )
    if len(store) * WASM_CHUNK_SIZE >= MAX_CHUNK_STORE_SIZE:
        raise chunk_store_error(
            f"Wasm chunk store has already reached maximum capacity of {MAX_CHUNK_STORE_SIZE} "
            f"bytes or the maximum number of entries, {MAX_CHUNK_STORE_SIZE // WASM_CHUNK_SIZE}"
        )
    return digest, True


def read_chunk(store: dict[bytes, bytes], digest: bytes) -> bytes:
    """The chunk ``digest`` names (``read_canister_snapshot_data`` with ``wasm_chunk``).

    Source: ``CanisterManager::read_snapshot_data`` (``CanisterSnapshotDataKind::WasmChunk``)."""
    if len(digest) != 32:
        raise chunk_store_error(
            f"Bytes {rust_debug(digest, hex_digits=True)} are not a valid WasmChunkHash."
        )
    chunk = store.get(digest)
    if chunk is None:
        raise chunk_store_error(f"WasmChunkHash {rust_debug(digest, hex_digits=True)} not found.")
    return chunk


def assemble(store: dict[bytes, bytes], hashes: list[bytes], module_hash: bytes) -> bytes:
    """The module the chunks make, in order; it must have the SHA-256 ``module_hash``.

    Source: ``WasmSource::into_canister_module``."""
    parts = []
    for digest in hashes:
        if len(digest) != 32:
            raise chunk_store_error("Chunk hash is invalid. The length is not 32")
        chunk = store.get(digest)
        if chunk is None:
            raise chunk_store_error(f"Chunk hash {rust_debug(digest)} was not found")
        parts.append(chunk)
    module = b"".join(parts)
    actual = hashlib.sha256(module).digest()
    if actual != module_hash:
        raise chunk_store_error(
            f"Wasm module hash {rust_debug(actual)} does not match given hash "
            f"WasmHash({rust_debug(module_hash)})"
        )
    return module


class ChunkMethods:
    """The chunk store's methods of the management canister (one instance per subnet)."""

    def __init__(self, ctx: ManagementContext, install: Installer) -> None:
        self.ctx = ctx
        self.engine = ctx.engine
        self.install = install

    def own_or_controlled(self, req: Request, cid: Principal) -> CanisterState:
        """The canister, if the sender is the canister itself or controls it (upload, list and
        clear allow the canister itself: ``CanisterManager::upload_chunk`` and the others)."""
        cs = self.ctx.canister(cid)
        if req.sender != cid and req.sender not in cs.controllers:
            raise errors.canister_invalid_controller(cid, cs.controllers, req.sender)
        return cs

    def upload_chunk(self, req: Request, canister_id: Principal, chunk: bytes) -> dict[str, Any]:
        cs = self.own_or_controlled(req, canister_id)
        store = chunk_store(cs)
        digest, new = new_chunk(store, chunk)
        if new:
            set_chunk_store(cs, {**store, digest: chunk})
        return {"hash": digest}

    def stored_chunks(self, req: Request, canister_id: Principal) -> list[dict[str, bytes]]:
        cs = self.own_or_controlled(req, canister_id)
        return stored_hashes(chunk_store(cs))

    def clear_chunk_store(self, req: Request, canister_id: Principal) -> None:
        cs = self.own_or_controlled(req, canister_id)
        set_chunk_store(cs, {})
        return None

    def install_chunked_code(
        self,
        req: Request,
        mode: tuple[str, dict[str, Any]],
        target_canister: Principal,
        store_canister: Principal | None,
        chunk_hashes_list: list[bytes],
        wasm_module_hash: bytes,
        arg: tuple[Any, ...] | None,
        sender_canister_version: int | None,
    ) -> None:
        """Install the module that chunks of the store canister's chunk store make (the
        target's own store without ``store_canister``); see the module docstring for what is
        installed. The checks, in the replica's order: the store canister exists and the
        sender controls it (or is it), the module hash has 32 bytes, the target exists and the
        sender controls it, the mode fits the target, then the chunks make the module.

        Sources: ``ExecutionEnvironment::decode_input_and_take_canister``,
        ``InstallCodeContext::chunked_install``, ``CanisterManager::install_code_dts``,
        ``execution/install.rs`` and ``upgrade.rs`` (input validated, then the module
        assembled)."""
        store_id = store_canister if store_canister is not None else target_canister
        store = self.engine.get(store_id)
        if store is None:
            raise Reject.from_error(
                ErrorCode.CanisterNotFound,
                f"InstallChunkedCode Error: Store canister {store_id} was not found on subnet "
                f"{SUBNET_ID} of target canister {target_canister}",
            )
        if req.sender != store_id and req.sender not in store.controllers:
            raise errors.canister_invalid_controller(store_id, store.controllers, req.sender)
        if len(wasm_module_hash) != 32:
            raise Reject.from_error(
                ErrorCode.CanisterContractViolation,
                f"Invalid wasm hash {rust_debug(wasm_module_hash)}",
            )
        target = self.engine.get(target_canister)
        if target is None:
            raise errors.canister_not_found(target_canister)
        if req.sender not in target.controllers:
            raise errors.canister_invalid_controller(
                target_canister, target.controllers, req.sender
            )
        kind, _ = mode
        if kind == "install" and target.code is not None:
            raise errors.canister_non_empty(target_canister)
        if kind == "upgrade" and target.code is None:
            raise errors.wasm_module_not_found(target_canister)
        module = assemble(chunk_store(store), chunk_hashes_list, wasm_module_hash)
        try:
            code = code_from_module(module)
        except ValueError:
            raise errors.invalid_wasm_module() from None
        self.install(
            req,
            mode=mode,
            canister_id=target_canister,
            wasm_module=code,
            arg=arg,
            sender_canister_version=sender_canister_version,
        )
        return None

    def table(self) -> dict[str, tuple[dict[str, Any], Any]]:
        """This group's entries of the management canister's method table."""
        return {
            "upload_chunk": (
                dict(canister_id=parse.CANISTER_ID, chunk=(parse.blob, True)),
                self.upload_chunk,
            ),
            "stored_chunks": (dict(canister_id=parse.CANISTER_ID), self.stored_chunks),
            "clear_chunk_store": (dict(canister_id=parse.CANISTER_ID), self.clear_chunk_store),
            "install_chunked_code": (
                dict(
                    mode=(parse.mode, True),
                    target_canister=(parse.principal, True),
                    store_canister=(parse.principal, False),
                    chunk_hashes_list=(parse.chunk_hashes, True),
                    wasm_module_hash=(parse.blob, True),
                    arg=(parse.arguments, False),
                    sender_canister_version=parse.SENDER_VERSION,
                ),
                self.install_chunked_code,
            ),
        }
