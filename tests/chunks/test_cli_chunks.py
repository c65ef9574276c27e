"""``subnet canister snapshot download`` and ``upload`` carry a snapshot's Wasm chunk store as
dfx does: ``wasm_chunk_store/<hash in hex>.bin``, one file a chunk, listed in metadata.json."""

from __future__ import annotations

import hashlib
import json

from tests.support.cli import fail, ok


def _snapshot_folder(proj, capsys, name="dl"):
    ok(capsys, "deploy store")
    ok(capsys, "canister stop store")
    sid = ok(capsys, "canister snapshot create store")[0].rsplit(" ", 1)[1]
    (proj / name).mkdir()
    ok(capsys, f"canister snapshot download store {sid} --dir {name}")
    return proj / name


def _add_chunks(folder, chunks, *, listed=None):
    metadata = json.loads((folder / "metadata.json").read_text())
    del metadata["checksum"]  # the files change: the checksum no longer vouches for them
    (folder / "wasm_chunk_store").mkdir()
    for chunk in chunks:
        digest = hashlib.sha256(chunk).digest()
        (folder / "wasm_chunk_store" / f"{digest.hex()}.bin").write_bytes(chunk)
    hashes = listed if listed is not None else [hashlib.sha256(c).digest() for c in chunks]
    metadata["wasm_chunk_store"] = [{"hash": list(h)} for h in hashes]
    (folder / "metadata.json").write_text(json.dumps(metadata))


def test_chunks_go_up_and_come_down_again(proj, capsys):
    folder = _snapshot_folder(proj, capsys)
    assert not (folder / "wasm_chunk_store").exists()  # none: no folder, as dfx
    chunks = [b"first chunk", b"second chunk"]
    _add_chunks(folder, chunks)
    uploaded = ok(capsys, "canister snapshot upload store --dir dl")[0].rsplit(" ", 1)[1]
    (proj / "again").mkdir()
    ok(capsys, f"canister snapshot download store {uploaded} --dir again")
    metadata = json.loads((proj / "again" / "metadata.json").read_text())
    hashes = sorted(hashlib.sha256(c).digest() for c in chunks)
    assert [bytes(e["hash"]) for e in metadata["wasm_chunk_store"]] == hashes
    for chunk in chunks:
        name = f"{hashlib.sha256(chunk).hexdigest()}.bin"
        assert (proj / "again" / "wasm_chunk_store" / name).read_bytes() == chunk
    # downloaded with its checksum, the folder uploads as it is
    ok(capsys, "canister snapshot upload store --dir again")


def test_chunks_that_do_not_match_are_refused_before_anything_is_uploaded(proj, capsys):
    folder = _snapshot_folder(proj, capsys)
    _add_chunks(folder, [b"real"], listed=[hashlib.sha256(b"claimed").digest()])
    err = fail(capsys, "canister snapshot upload store --dir dl")
    assert err[0].startswith("Error: Cannot upload a snapshot from 'dl': ")
    assert len(ok(capsys, "canister snapshot list store")) == 1  # nothing was uploaded


def test_a_chunk_listed_twice_or_too_many_chunks_are_refused(proj, capsys):
    folder = _snapshot_folder(proj, capsys)
    digest = hashlib.sha256(b"twice").digest()
    _add_chunks(folder, [b"twice"], listed=[digest, digest])
    assert "twice" in fail(capsys, "canister snapshot upload store --dir dl")[0]
    metadata = json.loads((folder / "metadata.json").read_text())
    metadata["wasm_chunk_store"] = [{"hash": [i] * 32} for i in range(101)]
    (folder / "metadata.json").write_text(json.dumps(metadata))
    assert "101 chunks" in fail(capsys, "canister snapshot upload store --dir dl")[0]
