"""dfx's snapshot commands: ``canister snapshot create``, ``load``, ``list``, ``delete``,
``download`` and ``upload``, with dfx's client-side checks, files and output."""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any

from ..api import Subnet
from ..errors import MAX_SLICE_SIZE_BYTES
from ..ids import Principal
from ..management import args as args_parser
from ..management.chunks import MAX_CHUNK_STORE_SIZE
from ..management.store import WASM_CHUNK_SIZE, content_checksum, main_memory_digest
from ..memory import PAGE_SIZE, SparseBuffer
from .calls import canister_id, management, sender, sid_text, snapshot_id
from .exceptions import CliError
from .output import human_bytes, out, utc_time
from .project import Project, Session

SLICE = MAX_SLICE_SIZE_BYTES  # bytes per snapshot read/upload call (the replica's maximum)


async def _ensure_stopped(
    net: Subnet, args: argparse.Namespace, cid: Principal, label: str, phrasing: str
) -> None:
    """dfx's client-side check: create and load refuse a canister that is not stopped."""
    if args.force:
        return
    status = await management(
        net,
        f"Could not retrieve status of canister {args.canister}",
        "canister_status",
        sender(net, args),
        canister_id=cid,
    )
    if status.status == "running":
        raise CliError(
            f"Canister {label} is running and snapshots should not be {phrasing} running "
            f"canisters. Run `subnet canister stop` first (or override with `--force`)"
        )
    if status.status == "stopping":
        raise CliError(
            f"Canister {label} is stopping but is not yet stopped. Wait a few seconds and try again"
        )


async def cmd_snapshot_create(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = canister_id(net, args.canister)
    replace = None
    if args.replace is not None:
        replace = snapshot_id(args.replace, "create", "--replace <REPLACE>")
    # named as typed, as dfx's own e2e test expects ("Canister hello_backend is running ...")
    await _ensure_stopped(net, args, cid, args.canister, "taken of")
    snap = await management(
        net,
        f"Failed to take snapshot of canister {args.canister}",
        "take_canister_snapshot",
        sender(net, args),
        canister_id=cid,
        replace_snapshot=replace,
    )
    out(f"Created a new snapshot of canister {args.canister}. Snapshot ID: {snap.id.hex()}")


async def cmd_snapshot_load(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = canister_id(net, args.canister)
    sid = snapshot_id(args.snapshot, "load")
    await _ensure_stopped(net, args, cid, args.canister, "applied to")
    await management(
        net,
        f"Failed to load snapshot {sid_text(sid)} in canister {args.canister}",
        "load_canister_snapshot",
        sender(net, args),
        canister_id=cid,
        snapshot_id=sid,
    )
    out(f"Loaded snapshot {sid_text(sid)} in canister {args.canister}")


async def cmd_snapshot_delete(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = canister_id(net, args.canister)
    sid = snapshot_id(args.snapshot, "delete")
    await management(
        net,
        f"Failed to delete snapshot {sid_text(sid)} in canister {args.canister}",
        "delete_canister_snapshot",
        sender(net, args),
        canister_id=cid,
        snapshot_id=sid,
    )
    out(f"Deleted snapshot {sid_text(sid)} from canister {args.canister}")


async def cmd_snapshot_list(args: argparse.Namespace, project: Project, session: Session) -> None:
    net = session.net
    cid = canister_id(net, args.canister)
    snapshots = await management(
        net,
        f"Failed to retrieve snapshot list from canister {args.canister}",
        "list_canister_snapshots",
        sender(net, args),
        canister_id=cid,
    )
    if not snapshots:
        out(f"No snapshots found in canister {args.canister}")
    for s in snapshots:
        out(f"{s.id.hex()}: {human_bytes(s.total_size)}, taken at {utc_time(s.taken_at_timestamp)}")


_BLOBS = (  # (kind in the management API, file, metadata size field)
    ("wasm_module", "wasm_module.bin", "wasm_module_size"),
    ("main_memory", "wasm_memory.bin", "wasm_memory_size"),
    ("stable_memory", "stable_memory.bin", "stable_memory_size"),
)


def _json_value(value: Any) -> Any:
    """Metadata as serde_json writes the Rust record: blobs as arrays of numbers, and a variant
    case without a payload (``CanisterTimer::Inactive``, a unit variant) as its name."""
    if isinstance(value, bytes | bytearray):
        return list(value)
    if isinstance(value, dict):
        if len(value) == 1 and None in value.values():  # {"inactive": None}
            return next(iter(value))
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def _directory(path: str) -> Path:
    folder = Path(path)
    if not folder.is_dir():
        raise CliError(
            f"invalid value '{path}' for '--dir <DIR>': Path does not exist or is not a directory."
        )
    return folder


async def cmd_snapshot_download(
    args: argparse.Namespace, project: Project, session: Session
) -> None:
    net = session.net
    cid = canister_id(net, args.canister)
    sid = snapshot_id(args.snapshot, "download")
    folder = _directory(args.dir)
    if any(folder.iterdir()):
        raise CliError(f"Directory '{folder}' is not empty")
    caller = sender(net, args)
    label = f"snapshot {sid_text(sid)} in canister {args.canister}"
    metadata = await management(
        net,
        f"Failed to read metadata from {label}",
        "read_canister_snapshot_metadata",
        caller,
        canister_id=cid,
        snapshot_id=sid,
    )
    fields = dataclasses.asdict(metadata)
    (folder / "metadata.json").write_text(json.dumps(_json_value(fields), indent=2))
    for kind, filename, size_field in _BLOBS:
        size = fields[size_field]
        if kind == "stable_memory" and size == 0:
            continue  # dfx writes no stable_memory.bin for an empty stable memory
        what = {"wasm_module": "Wasm module", "main_memory": "Wasm memory"}.get(
            kind, "stable memory"
        )
        with open(folder / filename, "wb") as f:
            for offset in range(0, size, SLICE):
                piece = await management(
                    net,
                    f"Failed to read {what} from {label}",
                    "read_canister_snapshot_data",
                    caller,
                    canister_id=cid,
                    snapshot_id=sid,
                    kind={kind: {"offset": offset, "size": min(SLICE, size - offset)}},
                )
                f.write(piece.chunk)
    if metadata.wasm_chunk_store:  # as dfx: wasm_chunk_store/<hash in hex>.bin, one a chunk
        (folder / CHUNK_DIR).mkdir()
        for entry in metadata.wasm_chunk_store:
            piece = await management(
                net,
                f"Failed to read Wasm chunk from {label}",
                "read_canister_snapshot_data",
                caller,
                canister_id=cid,
                snapshot_id=sid,
                kind={"wasm_chunk": {"hash": entry.hash}},
            )
            (folder / _chunk_file(entry.hash)).write_bytes(piece.chunk)
    out(f"Snapshot {sid_text(sid)} in canister {args.canister} saved to '{folder}'")


# -- upload: reading a folder written by `snapshot download` ------------------------------------
#
# The folder is input from anywhere (edited by hand, or made to hurt), so it is read with care:
# only regular files are opened (never a device, a FIFO or a folder, even through a symlink, and
# never blocking), no file is read past the size metadata.json declares for it, and every field
# of metadata.json is either used, checked and set aside, or refused. The files are read whole
# (into sparse buffers: only chunks with data are held) and checked, the checksum too, before
# the first call to the management canister: a refused upload changes nothing, and once the
# metadata upload is accepted, nothing is left to refuse.

METADATA_FILE = "metadata.json"
METADATA_LIMIT = 1 << 20  # bytes: what the download writes is a few hundred
CHUNK_DIR = "wasm_chunk_store"  # the snapshot's Wasm chunks, as dfx writes them
MAX_CHUNKS = MAX_CHUNK_STORE_SIZE // WASM_CHUNK_SIZE


def _chunk_file(digest: bytes) -> str:
    return f"{CHUNK_DIR}/{digest.hex()}.bin"


# metadata.json fields that describe the snapshot the files were downloaded from; the subnet
# sets them anew for an uploaded snapshot (as the IC does), so the upload only checks their type
_DESCRIPTIVE = ("source", "taken_at_timestamp", "canister_version", "wasm_chunk_store")
# fields passed to upload_canister_snapshot_metadata as they are: the management canister
# decodes them (its errors name the field)
_PASSED = ("global_timer", "globals", "on_low_wasm_memory_hook_status")
_SIZES = tuple(field for _, _, field in _BLOBS)
_KNOWN = (*_SIZES, "certified_data", "checksum", *_PASSED, *_DESCRIPTIVE)
_SOURCES = ("taken_from_canister", "metadata_upload")


@dataclasses.dataclass
class _Upload:
    """What metadata.json asks of an upload."""

    sizes: dict[str, int]
    certified_data: bytes | None
    passed: dict[str, Any]
    checksum: bytes | None
    chunks: list[bytes]  # the hashes of the Wasm chunk store's chunks


def _refuse(folder: Path, detail: str) -> CliError:
    return CliError(f"Cannot upload a snapshot from '{folder}': {detail}")


def _file_kind(mode: int) -> str:
    for test, kind in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "not a regular file"


def _open_regular(folder: Path, name: str) -> tuple[int, int]:
    """A descriptor open for reading on the regular file ``folder/name`` (a symlink to one
    will do), and its size. Anything else is refused before it is opened, and opened without
    blocking, so that a FIFO swapped in between cannot hang the command either."""
    path = folder / name
    try:
        before = os.stat(path)
        if not stat.S_ISREG(before.st_mode):
            raise _refuse(folder, f"{name} is {_file_kind(before.st_mode)}, not a regular file")
        flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
        fd = os.open(path, flags)
    except OSError as exc:
        raise _refuse(folder, f"cannot open {name}: {exc.strerror or exc}") from None
    try:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode):
            raise _refuse(folder, f"{name} is {_file_kind(now.st_mode)}, not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd, now.st_size


def _read(folder: Path, name: str, fd: int, n: int) -> bytes:
    """Up to ``n`` bytes (fewer only at the end of the file)."""
    parts: list[bytes] = []
    while n > 0:
        try:
            piece = os.read(fd, min(n, SLICE))
        except OSError as exc:
            raise _refuse(folder, f"cannot read {name}: {exc.strerror or exc}") from None
        if not piece:
            break
        parts.append(piece)
        n -= len(piece)
    return b"".join(parts)


def _read_metadata_file(folder: Path) -> bytes:
    fd, size = _open_regular(folder, METADATA_FILE)
    try:
        if size > METADATA_LIMIT:
            raise _refuse(folder, f"{METADATA_FILE} is larger than {METADATA_LIMIT} bytes")
        data = _read(folder, METADATA_FILE, fd, METADATA_LIMIT + 1)
    finally:
        os.close(fd)
    if len(data) > METADATA_LIMIT:
        raise _refuse(folder, f"{METADATA_FILE} is larger than {METADATA_LIMIT} bytes")
    return data


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object of JSON, refusing a key given twice (which of the two would count?)."""
    doc = dict(pairs)
    if len(doc) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"the key {json.dumps(key)} is given twice")
            seen.add(key)
    return doc


def _shown(value: Any) -> str:
    """A JSON value for a message, cut short."""
    if isinstance(value, int) and value.bit_length() > 128:
        return f"an integer of {value.bit_length()} bits"
    try:
        text = json.dumps(value)
    except (RecursionError, ValueError, TypeError):
        return f"a {type(value).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."


def _size_field(folder: Path, doc: dict[str, Any], field: str) -> int:
    if field not in doc:
        raise _refuse(folder, f"{METADATA_FILE} has no {field}")
    value = doc[field]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _refuse(
            folder, f"{field} in {METADATA_FILE} is {_shown(value)}, not a number of bytes"
        )
    return value


def _bytes_field(folder: Path, field: str, value: Any) -> bytes | None:
    """A blob as the download writes it (a list of byte values) or as hex text; null is
    none. Never a number."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return bytes.fromhex(value)
        except ValueError:
            pass
    elif isinstance(value, list) and all(
        isinstance(b, int) and not isinstance(b, bool) and 0 <= b < 256 for b in value
    ):
        return bytes(value)
    raise _refuse(
        folder,
        f"{field} in {METADATA_FILE} is {_shown(value)}: expected a list of byte values "
        f"(0 to 255) or hex text",
    )


def _nat_field(folder: Path, field: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**64:
        raise _refuse(folder, f"{field} in {METADATA_FILE} is {_shown(value)}: expected a nat64")


def _check_descriptive(folder: Path, doc: dict[str, Any]) -> None:
    """The fields that describe the downloaded snapshot: typed as the download writes them."""
    source = doc.get("source")
    if source is not None and source not in _SOURCES:
        raise _refuse(
            folder,
            f"source in {METADATA_FILE} is {_shown(source)}: expected one of {', '.join(_SOURCES)}",
        )
    for field in ("taken_at_timestamp", "canister_version"):
        if doc.get(field) is not None:
            _nat_field(folder, field, doc[field])


def _chunk_hashes(folder: Path, doc: dict[str, Any]) -> list[bytes]:
    """``wasm_chunk_store``: the hashes of the chunks in ``wasm_chunk_store/`` to upload, each
    as the download writes it (``{"hash": [...]}``; a bare blob is taken too), at most 100
    (what a chunk store holds), none twice."""
    store = doc.get("wasm_chunk_store")
    if store is None:
        return []
    what = f"wasm_chunk_store in {METADATA_FILE}"
    if not isinstance(store, list):
        raise _refuse(folder, f"{what} is {_shown(store)}: expected a list")
    if len(store) > MAX_CHUNKS:
        raise _refuse(folder, f"{what} lists {len(store)} chunks: a chunk store holds {MAX_CHUNKS}")
    hashes: list[bytes] = []
    for item in store:
        value = item["hash"] if isinstance(item, dict) and set(item) == {"hash"} else item
        digest = _bytes_field(folder, "wasm_chunk_store", value)
        if digest is None or len(digest) != 32:
            raise _refuse(folder, f"{what} lists {_shown(item)}: expected a SHA-256 (32 bytes)")
        if digest in hashes:
            raise _refuse(folder, f"{what} lists the chunk {digest.hex()} twice")
        hashes.append(digest)
    return hashes


def _parse_metadata(folder: Path, data: bytes) -> _Upload:
    """What metadata.json asks for, every field accounted for (see the module's notes)."""
    try:
        doc = json.loads(data.decode("utf-8"), object_pairs_hook=_unique_keys)
    except RecursionError:
        raise _refuse(folder, f"{METADATA_FILE} is nested too deeply") from None
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        raise _refuse(folder, f"{METADATA_FILE} is not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise _refuse(folder, f"{METADATA_FILE} does not hold a JSON object")
    # a field this upload does not know is ignored, as dfx's serde reading of the file (no
    # deny_unknown_fields) ignores it: a folder written by a newer dfx still uploads
    doc = {key: value for key, value in doc.items() if key in _KNOWN}
    sizes = {field: _size_field(folder, doc, field) for field in _SIZES}
    certified = _bytes_field(folder, "certified_data", doc.get("certified_data"))
    checksum = _bytes_field(folder, "checksum", doc.get("checksum"))
    if checksum is not None and len(checksum) not in (0, 32):
        raise _refuse(
            folder,
            f"checksum in {METADATA_FILE} has {len(checksum)} bytes: a checksum is a SHA-256 "
            f"(32 bytes)",
        )
    _check_descriptive(folder, doc)
    passed = {field: doc[field] for field in _PASSED if doc.get(field) is not None}
    return _Upload(sizes, certified, passed, checksum or None, _chunk_hashes(folder, doc))


def _is_zero(piece: bytes) -> bool:
    return piece.count(0) == len(piece)


def _read_blob(folder: Path, filename: str, field: str, size: int) -> SparseBuffer:
    """The ``size`` bytes of ``folder/filename``, which must hold exactly that many (it is read
    no further than one byte past them). Only the chunks with data are held."""
    fd, actual = _open_regular(folder, filename)
    try:
        if actual != size:
            raise _refuse(
                folder,
                f"{filename} holds {actual} bytes, but {METADATA_FILE} declares {field} = {size}",
            )
        buffer = SparseBuffer(size)
        for offset in range(0, size, SLICE):
            want = min(SLICE, size - offset)
            piece = _read(folder, filename, fd, want)
            if len(piece) < want:
                raise _refuse(folder, f"{filename} became shorter while it was read")
            if not _is_zero(piece):
                buffer.write(offset, piece)
        if _read(folder, filename, fd, 1):
            raise _refuse(folder, f"{filename} became longer while it was read")
    finally:
        os.close(fd)
    return buffer


def _read_chunk(folder: Path, digest: bytes) -> bytes:
    """The chunk ``wasm_chunk_store/<hash>.bin`` holds: at most 1 MiB, with that SHA-256."""
    name = _chunk_file(digest)
    fd, size = _open_regular(folder, name)
    try:
        if size > WASM_CHUNK_SIZE:
            raise _refuse(
                folder, f"{name} holds {size} bytes: a chunk is at most {WASM_CHUNK_SIZE}"
            )
        data = _read(folder, name, fd, WASM_CHUNK_SIZE + 1)
    finally:
        os.close(fd)
    if len(data) > WASM_CHUNK_SIZE or hashlib.sha256(data).digest() != digest:
        raise _refuse(folder, f"{name} does not hold the chunk of that hash")
    return data


_UNDECODABLE = -1


def _timer_deadline(value: Any) -> int | None:
    """The deadline of ``global_timer`` (0 = inactive; None when metadata.json gives none, as
    the upload then leaves it out), or ``_UNDECODABLE`` (the management canister then refuses
    the upload)."""
    if value is None:
        return None
    try:
        return args_parser.global_timer(value, "global_timer")[1]
    except args_parser.BadArgument:
        return _UNDECODABLE


def _check_checksum(folder: Path, upload: _Upload, blobs: dict[str, SparseBuffer]) -> None:
    """The files' content checksum (as ``read_canister_snapshot_metadata`` reports it) must be
    the one metadata.json gives, if it gives one."""
    if upload.checksum is None:
        return
    deadline = _timer_deadline(upload.passed.get("global_timer"))
    if deadline == _UNDECODABLE:
        return  # the metadata upload is refused, with the IC's error
    if upload.sizes["stable_memory_size"] % PAGE_SIZE:
        return  # likewise
    stable = blobs["stable_memory"].image()
    actual = content_checksum(
        blobs["wasm_module"].sha256(),
        main_memory_digest(blobs["wasm_module"], blobs["main_memory"]),
        stable.checksum(),
        upload.certified_data or b"",
        deadline,
        tuple(upload.chunks),
    )
    if actual != upload.checksum:
        raise _refuse(
            folder,
            f"the files and metadata do not match the checksum in {METADATA_FILE}: they changed "
            f"since the download (remove the checksum to upload edited files)",
        )


async def cmd_snapshot_upload(args: argparse.Namespace, project: Project, session: Session) -> None:
    """``canister snapshot upload NAME --dir DIR [--replace ID]``: a new snapshot from the files
    of ``snapshot download``.

    metadata.json is read as the download writes it. The three sizes say how many bytes each
    file must hold, exactly (``stable_memory.bin`` may be left out when its size is 0);
    ``certified_data``, ``global_timer``, ``globals`` and ``on_low_wasm_memory_hook_status``
    go to the new snapshot (the management canister checks them, as the IC does; one that is
    ``null`` is left out); ``wasm_chunk_store`` lists the chunks of ``wasm_chunk_store/`` (as
    dfx writes them: ``<hash in hex>.bin``), each uploaded into the new snapshot's chunk
    store, and each must have its hash; ``source``, ``taken_at_timestamp`` and
    ``canister_version`` describe the downloaded snapshot and are only type-checked (the
    subnet sets them anew); any other field is refused. ``checksum`` (written by the download:
    the content checksum that ``read_canister_snapshot_metadata`` reports) vouches for the
    files as downloaded: when it is there, the files must have that checksum, or nothing is
    uploaded. To upload edited files, remove it (or set it to ``null``).

    Everything is read and checked before the first call to the management canister, so a
    refused upload changes nothing."""
    net = session.net
    cid = canister_id(net, args.canister)
    folder = _directory(args.dir)
    replace = None
    if args.replace is not None:
        replace = snapshot_id(args.replace, "upload", "--replace <REPLACE>")
    caller = sender(net, args)
    upload = _parse_metadata(folder, _read_metadata_file(folder))
    blobs: dict[str, SparseBuffer] = {}
    for kind, filename, field in _BLOBS:
        size = upload.sizes[field]
        if kind == "stable_memory" and size == 0 and not os.path.lexists(folder / filename):
            blobs[kind] = SparseBuffer(0)  # the download writes no file for an empty one
            continue
        blobs[kind] = _read_blob(folder, filename, field, size)
    chunks = [_read_chunk(folder, digest) for digest in upload.chunks]
    _check_checksum(folder, upload, blobs)
    project.check_upload(blobs["wasm_module"].to_bytes(), net)  # a class the project knows
    created = await management(
        net,
        f"Failed to upload snapshot metadata to canister {args.canister}",
        "upload_canister_snapshot_metadata",
        caller,
        canister_id=cid,
        replace_snapshot=replace,
        certified_data=upload.certified_data,
        **upload.sizes,
        **upload.passed,
    )
    sid = created.snapshot_id
    # in dfx's order; the buffers start zeroed, so only the data is sent
    for kind, _, _ in _BLOBS:
        for offset, piece in blobs[kind].runs(SLICE):
            await management(
                net,
                f"Failed to upload {kind.replace('_', ' ')} to snapshot {sid.hex()} in "
                f"canister {args.canister}",
                "upload_canister_snapshot_data",
                caller,
                canister_id=cid,
                snapshot_id=sid,
                kind={kind: {"offset": offset}},
                chunk=piece,
            )
    for chunk in chunks:
        await management(
            net,
            f"Failed to upload Wasm chunk to snapshot {sid.hex()} in canister {args.canister}",
            "upload_canister_snapshot_data",
            caller,
            canister_id=cid,
            snapshot_id=sid,
            kind={"wasm_chunk": None},
            chunk=chunk,
        )
    out(f"Uploaded a snapshot of canister {args.canister}. Snapshot ID: {sid.hex()}")


__all__ = [
    "SLICE",
    "cmd_snapshot_create",
    "cmd_snapshot_delete",
    "cmd_snapshot_download",
    "cmd_snapshot_list",
    "cmd_snapshot_load",
    "cmd_snapshot_upload",
]
