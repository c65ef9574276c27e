"""``subnet canister snapshot``: download, edit and upload on disk; running canisters need
``--force``."""

from __future__ import annotations

import json

from tests.support.cli import SID0, fail, ok


def test_download_edit_upload_load_round_trip(proj, capsys):
    ok(capsys, "deploy store")
    ok(capsys, "canister call store write '(70000 : nat64, blob \"hello\")'")
    ok(capsys, "canister stop store")
    sid = ok(capsys, "canister snapshot create store")[0].rsplit(" ", 1)[1]
    (proj / "dl").mkdir()
    assert ok(capsys, f"canister snapshot download store {sid} --dir dl") == [
        f"Snapshot {sid} in canister store saved to 'dl'"
    ]
    names = sorted(p.name for p in (proj / "dl").iterdir())
    assert names == ["metadata.json", "stable_memory.bin", "wasm_memory.bin", "wasm_module.bin"]
    metadata = json.loads((proj / "dl" / "metadata.json").read_text())
    assert metadata["stable_memory_size"] == 2 * 65536
    stable = bytearray((proj / "dl" / "stable_memory.bin").read_bytes())
    assert stable[70000:70005] == b"hello"
    stable[70000:70005] = b"HELLO"
    (proj / "dl" / "stable_memory.bin").write_bytes(bytes(stable))
    del metadata["checksum"]  # it vouches for the files as downloaded: edited ones go without
    (proj / "dl" / "metadata.json").write_text(json.dumps(metadata))
    [line] = ok(capsys, "canister snapshot upload store --dir dl")
    uploaded = line.rsplit(" ", 1)[1]
    assert line == f"Uploaded a snapshot of canister store. Snapshot ID: {uploaded}"
    assert uploaded != sid
    assert len(ok(capsys, "canister snapshot list store")) == 2
    ok(capsys, f"canister snapshot load store {uploaded}")
    ok(capsys, "canister start store")
    assert ok(capsys, "canister call store read '(70000, 5)'") == ['(blob "HELLO")']
    # and the original snapshot still has the old bytes
    ok(capsys, "canister stop store")
    ok(capsys, f"canister snapshot load store {sid}")
    ok(capsys, "canister start store")
    assert ok(capsys, "canister call store read '(70000, 5)'") == ['(blob "hello")']
    # replace: the uploaded snapshot takes the place of the first one
    ok(capsys, f"canister snapshot upload store --dir dl --replace {sid}")
    listed = ok(capsys, "canister snapshot list store")
    assert len(listed) == 2 and not any(line.startswith(sid) for line in listed)


def test_download_refuses_a_directory_that_is_not_empty(proj, capsys):
    ok(capsys, "deploy chat")
    ok(capsys, "canister stop chat")
    ok(capsys, "canister snapshot create chat")
    (proj / "full").mkdir()
    (proj / "full" / "x").write_text("x")
    assert fail(capsys, f"canister snapshot download chat {SID0} --dir full") == [
        "Error: Directory 'full' is not empty"
    ]
    err = fail(capsys, f"canister snapshot download chat {SID0} --dir missing")
    assert len(err) == 1


def test_create_and_load_refuse_a_running_canister_unless_forced(proj, capsys):
    ok(capsys, "deploy chat")
    assert fail(capsys, "canister snapshot create chat") == [
        "Error: Canister chat is running and snapshots should not be taken of running "
        "canisters. Run `subnet canister stop` first (or override with `--force`)"
    ]
    ok(capsys, "canister snapshot create chat --force")
    assert fail(capsys, f"canister snapshot load chat {SID0}") == [
        "Error: Canister chat is running and snapshots should not be applied to running "
        "canisters. Run `subnet canister stop` first (or override with `--force`)"
    ]
    assert ok(capsys, f"canister snapshot load chat {SID0} -f") == [
        f"Loaded snapshot {SID0} in canister chat"
    ]
    assert ok(capsys, f"canister snapshot delete chat {SID0}") == [
        f"Deleted snapshot {SID0} from canister chat"
    ]
    assert ok(capsys, "canister snapshot list chat") == ["No snapshots found in canister chat"]
