"""The committed Motoko modules (actors/motoko/*.wasm, *.did) are what their sources compile to.

The rebuild needs Node.js and the pinned compiler (``make wasm`` installs it into
actors/motoko/node_modules); without them it is skipped, so ``make test`` needs only Python.
The other checks read the committed files only.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import MOTOKO

SOURCES = sorted(MOTOKO.glob("*.mo"))


def custom_sections(wasm: bytes) -> dict[str, bytes]:
    """The custom sections of a Wasm module, by name."""

    def leb(i: int) -> tuple[int, int]:
        value = shift = 0
        while True:
            byte = wasm[i]
            i += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value, i

    assert wasm[:8] == b"\0asm\1\0\0\0"
    sections: dict[str, bytes] = {}
    i = 8
    while i < len(wasm):
        section_id = wasm[i]
        size, i = leb(i + 1)
        end = i + size
        if section_id == 0:
            name_len, j = leb(i)
            sections[wasm[j : j + name_len].decode()] = wasm[j + name_len : end]
        i = end
    return sections


def test_there_are_motoko_sources():
    names = {p.stem for p in SOURCES}
    assert {"chat", "chat_with_length", "counter", "vault"} <= names


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_each_source_has_its_module_and_candid_interface(source: Path):
    wasm = source.with_suffix(".wasm").read_bytes()
    did = source.with_suffix(".did").read_text()
    sections = custom_sections(wasm)
    assert sections["icp:private candid:service"].decode() == did
    # classical persistence: 32-bit memory, stable variables go through stable memory
    assert "icp:private enhanced-orthogonal-persistence" not in sections


@pytest.mark.slow
def test_the_sources_compile_to_the_committed_bytes(tmp_path: Path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH: the Motoko compiler runs on Node.js")
    if not (MOTOKO / "node_modules" / "motoko").is_dir():
        pytest.skip("actors/motoko/node_modules is absent: `make wasm` installs the compiler")
    run = subprocess.run(
        [node, str(MOTOKO / "build.js"), "--out-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr
    for source in SOURCES:
        for suffix in (".wasm", ".did"):
            committed = source.with_suffix(suffix)
            fresh = tmp_path / committed.name
            assert fresh.read_bytes() == committed.read_bytes(), (
                f"{committed.name} is not what {source.name} compiles to: run `make wasm`"
            )
