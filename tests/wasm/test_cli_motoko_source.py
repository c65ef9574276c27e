"""A canister of ``subnet.toml`` given as a Motoko source (``main = "counter.mo"``) is
compiled with Node.js and npm's ``motoko`` package when they are there, once per content."""

import os
import shutil

import pytest

from tests.support import MOTOKO
from tests.support.cli import ok

pytest.importorskip("wasmtime")

NODE_MODULES = MOTOKO / "node_modules"

needs_compiler = pytest.mark.skipif(
    shutil.which("node") is None or not (NODE_MODULES / "motoko").is_dir(),
    reason="needs Node.js and the Motoko compiler (make wasm installs it)",
)


@pytest.mark.slow
@needs_compiler
def test_a_motoko_source_is_compiled_and_deployed(tmp_path, monkeypatch, capsys):
    shutil.copy(MOTOKO / "counter.mo", tmp_path / "counter.mo")
    (tmp_path / "subnet.toml").write_text('[canisters.counter]\nmain = "counter.mo"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("NODE_PATH", str(NODE_MODULES))
    ok(capsys, "start --clean")
    assert ok(capsys, "deploy counter")[-1] == "Deployed canisters."
    assert ok(capsys, "canister call counter inc") == ["(1 : nat)"]
    built = list((tmp_path / ".subnet" / "build").glob("counter-*.wasm"))
    assert len(built) == 1
    # the same module as the committed build of the same source
    assert built[0].read_bytes() == (MOTOKO / "counter.wasm").read_bytes()
    # a second deploy compiles nothing: the cached module is used
    stamp = os.stat(built[0]).st_mtime_ns
    ok(capsys, "deploy counter")
    assert os.stat(built[0]).st_mtime_ns == stamp
