"""A state file is input: its checksum and every field are checked before anything is built,
and nothing it names is imported. (tests/hostile/test_state_files.py damages real state files
at random; these are the cases one by one.)"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import anyio
import pytest

from actors.chat import Chat
from subnet import Reject, Subnet, persist
from subnet.codec import decode, encode
from subnet.management.store import MODULE_MAGIC
from subnet.persist import PersistError
from tests.canisters import Store

HERE = Path(__file__).parent
PLANTED = """
import pathlib

pathlib.Path(__file__).with_name("IMPORTED").write_text(__name__)

from actors import Canister


class Evil(Canister):
    pass
"""


@pytest.fixture
def planted(tmp_path, monkeypatch):
    """A module on sys.path that leaves a marker file when it is imported."""
    (tmp_path / "planted_state_module.py").write_text(PLANTED)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield MODULE_MAGIC + b"planted_state_module:Evil\n" + b"0" * 64 + b"\n"
    assert not (tmp_path / "IMPORTED").exists(), "the planted module was imported"
    assert "planted_state_module" not in sys.modules


def saved_chat() -> bytes:
    async def main() -> bytes:
        async with Subnet(seed=2) as net:
            chat = await net.deploy(Chat, name="chat")
            await chat.call("append", "hello")
            return persist.dumps(net)

    return anyio.run(main)


def body(data: bytes) -> dict:
    return decode(decode(data)["body"])


def sealed(fields: dict) -> bytes:
    inner = encode(fields)
    digest = hashlib.sha256(inner).digest()
    return encode({"format": "subnet-state", "version": 2, "sha256": digest, "body": inner})


def test_a_state_file_is_sealed_with_the_sha256_of_its_body():
    doc = decode(saved_chat())
    assert list(doc) == ["format", "version", "sha256", "body"]
    assert (
        (doc["format"], doc["version"]) == ("subnet-state", persist.VERSION) == ("subnet-state", 2)
    )
    assert doc["sha256"] == hashlib.sha256(doc["body"]).digest()
    assert list(decode(doc["body"])) == ["subnet", "chunks", "canisters"]


def test_any_changed_byte_of_the_body_is_refused():
    data = saved_chat()
    start = data.index(decode(data)["body"])
    for at in range(start, len(data), 7):
        damaged = bytearray(data)
        damaged[at] ^= 0x20
        with pytest.raises(PersistError, match="does not match its SHA-256 checksum"):
            persist.loads(bytes(damaged))
    with pytest.raises(PersistError, match="after the end of the document"):
        persist.loads(data + b"\x00")


def test_a_class_whose_module_is_not_imported_is_refused_by_name(planted):
    fields = body(saved_chat())
    fields["canisters"][0]["module"] = planted
    with pytest.raises(PersistError, match="is the class 'planted_state_module:Evil', which this"):
        persist.loads(sealed(fields))
    # a resolver that knows the class (the command line's knows subnet.toml's) is asked first
    with pytest.raises(PersistError, match="planted_state_module:Evil"):
        persist.loads(sealed(fields), resolve=persist.class_resolver([Chat]))


def test_the_classes_a_resolver_knows_are_the_only_ones_found():
    data = saved_chat()
    persist.loads(data, resolve=persist.class_resolver([Chat])).net.close()
    with pytest.raises(PersistError, match=r"'actors\.chat:Chat', which this subnet does not know"):
        persist.loads(data, resolve=persist.class_resolver([Store]))
    assert persist.imported_class("actors.chat:Chat") is Chat
    for ref in ("actors.chat:__class__", "actors.chat:Chat.__mro__", "no_such_module:X", "os:path"):
        assert persist.imported_class(ref) is None


def test_an_uploaded_module_naming_an_unimported_class_is_never_imported(planted):
    """The management canister resolves uploaded module bytes among the classes already
    loaded: a module it would have to import is an invalid module, as on the IC."""

    async def main() -> None:
        async with Subnet(seed=1) as net:
            ic = net.management
            chat = await net.deploy(Chat, name="chat")
            created = await ic.upload_canister_snapshot_metadata(
                canister_id=chat.id,
                wasm_module_size=len(planted),
                wasm_memory_size=65536,
                stable_memory_size=0,
            )
            await ic.upload_canister_snapshot_data(
                canister_id=chat.id,
                snapshot_id=created.snapshot_id,
                kind={"wasm_module": {"offset": 0}},
                chunk=planted,
            )
            await ic.stop_canister(canister_id=chat.id)
            with pytest.raises(Reject, match="IC0"):
                await ic.load_canister_snapshot(
                    canister_id=chat.id, snapshot_id=created.snapshot_id
                )
            persist.loads(persist.dumps(net)).net.close()  # saved and loaded: still not imported

    anyio.run(main)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (
            lambda f: f["canisters"][0].update(heap=b"\xa1\x9f"),
            "heap image: not a valid CBOR image",
        ),
        (lambda f: f["canisters"][0].update(heap=b"\x81" * 500 + b"\x00"), "nesting depth"),
        (lambda f: f["canisters"][0]["stable"].update(pages=1, chunks=[[16, 0]]), "chunk index"),
        (lambda f: f["subnet"]["raw_rand"][1].__setitem__(0, -1), "a word of raw_rand's generator"),
        (lambda f: f["subnet"].update(names=["chat"]), "the canister names must be a map"),
        (lambda f: f["subnet"].update(seed=2**5000), "the seed must be an integer of at most"),
        (lambda f: f["canisters"].append({**f["canisters"][0], "ingress_source": None}), "twice"),
        (lambda f: f["canisters"][0].update(status=["running"]), "status must be one of"),
    ],
)
def test_each_damaged_field_is_named(change, says):
    fields = body(saved_chat())
    if "chunk index" in says:
        fields["chunks"] = [bytes(4096)]
    change(fields)
    with pytest.raises(PersistError, match="is damaged") as raised:
        persist.loads(sealed(fields))
    assert says in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_file_of_format_version_1_still_loads():
    """state_v1.cbor was written by the version of subnet before the checksum (format 1): a
    chat canister, a store with stable memory, a snapshot taken and one uploaded."""
    data = (HERE / "state_v1.cbor").read_bytes()
    assert decode(data)["version"] == 1
    loaded = persist.loads(
        data, accept_code_changes=True, resolve=persist.class_resolver([Chat, Store])
    )
    net = loaded.net

    async def check() -> None:
        assert await net.handle("chat").query("dump") == ["written by format 1"]
        assert await net.handle("store").query("read", 70000, 5) == b"hello"
        store = net.engine.get(net.handle("store").id)
        assert [s.source for s in store.snapshots.values()] == [
            "taken_from_canister",
            "metadata_upload",
        ]

    anyio.run(check)
    again = persist.dumps(net)
    assert decode(again)["version"] == 2  # written back sealed
    net.close()
    persist.loads(again, accept_code_changes=True).net.close()
