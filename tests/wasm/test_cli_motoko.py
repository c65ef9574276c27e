"""The dfx snapshot tutorial, word for word, against the Motoko chat canister through the
``subnet`` command: a Wasm module named in ``subnet.toml``, Candid text in and out, snapshots
of its real memory, and the state file keeping the module and its memory between commands."""

import re
import shutil

import pytest

from tests.cli.test_tutorial import TUTORIAL
from tests.support import MOTOKO, ROOT
from tests.support.cli import CHAT_ID, fail, normalise, ok

pytest.importorskip("wasmtime")

# the project these tests run in is the one docs/wasm.md shows
DOCS_TOML = re.search(r"```toml\n(.*?)```", (ROOT / "docs" / "wasm.md").read_text(), re.S)


@pytest.fixture
def motoko_proj(tmp_path, monkeypatch):
    shutil.copy(MOTOKO / "chat.wasm", tmp_path / "chat.wasm")
    assert DOCS_TOML is not None, "docs/wasm.md shows a subnet.toml"
    (tmp_path / "subnet.toml").write_text(DOCS_TOML.group(1))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def test_the_tutorial_word_for_word_against_the_motoko_chat(motoko_proj, capsys):
    ok(capsys, "start --clean")
    deployed = ok(capsys, "deploy chat")
    assert f"chat canister created with canister id: {CHAT_ID}" in deployed
    assert deployed[-1] == "Deployed canisters."
    for command, expected in TUTORIAL:
        assert normalise(ok(capsys, command)) == normalise(expected), command


def test_the_interface_and_a_typed_call(motoko_proj, capsys):
    ok(capsys, "start --clean")
    ok(capsys, "deploy chat")
    assert ok(capsys, "canister call chat append '(\"typed\")'") == ["()"]
    assert ok(capsys, "canister call chat dump --query") == ['(vec { "typed" })']
    err = fail(capsys, "canister call chat append '(42)'")
    assert any("text" in line for line in err), err


def test_a_module_that_is_not_wasm_is_refused_by_name(motoko_proj, capsys):
    (motoko_proj / "chat.wasm").write_bytes(b"not a module")
    err = fail(capsys, "deploy chat")
    assert err[-1] == "Caused by: Failed to decode wasm module: unsupported canister module format."


def test_download_and_upload_a_motoko_snapshot_in_dfxs_layout(motoko_proj, capsys):
    ok(capsys, "start --clean")
    ok(capsys, "deploy chat")
    ok(capsys, "canister call chat append '(\"kept\")'")
    ok(capsys, "canister stop chat")
    created = ok(capsys, "canister snapshot create chat")[0]
    sid = created.rsplit(" ", 1)[-1]
    (motoko_proj / "dl").mkdir()  # as dfx, the folder must exist
    ok(capsys, f"canister snapshot download chat {sid} --dir dl")
    folder = motoko_proj / "dl"
    assert (folder / "wasm_module.bin").read_bytes() == (motoko_proj / "chat.wasm").read_bytes()
    memory = (folder / "wasm_memory.bin").read_bytes()
    assert len(memory) % 65536 == 0 and b"kept" in memory  # the real linear memory
    ok(capsys, "canister start chat")
    ok(capsys, "canister call chat remove_spam")  # the tutorial's bug: the chat is emptied
    assert ok(capsys, "canister call chat dump") == ["(vec {})"]
    ok(capsys, "canister stop chat")
    [line] = ok(capsys, "canister snapshot upload chat --dir dl")
    uploaded = line.rsplit(" ", 1)[-1]
    ok(capsys, f"canister snapshot load chat {uploaded}")
    ok(capsys, "canister start chat")
    assert ok(capsys, "canister call chat dump") == ['(vec { "kept" })']


def test_metadata_prints_the_modules_own_sections(motoko_proj, capsys):
    ok(capsys, "start --clean")
    ok(capsys, "deploy chat")
    did = (MOTOKO / "chat.did").read_text().rstrip("\n").splitlines()
    assert ok(capsys, "canister metadata chat candid:service") == did
    assert ok(capsys, "canister metadata chat motoko:stable-types")[0].startswith("// Version")
    err = fail(capsys, "canister metadata chat nothing:here")
    assert err[-1] == "Caused by: The canister has no metadata section named `nothing:here`."
