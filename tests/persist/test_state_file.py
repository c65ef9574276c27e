"""The state file: damaged or unknown files are clear errors, and a save that fails or is killed
leaves the previous state."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from actors.chat import Chat
from subnet import Subnet, persist
from subnet.persist import PersistError


def test_damaged_and_unknown_files_give_clear_errors(tmp_path):
    path = tmp_path / "state.cbor"
    path.write_bytes(b"\xff\x00garbage")
    with pytest.raises(PersistError, match="damaged"):
        persist.load(path)
    from subnet import heap

    path.write_bytes(heap.encode({"format": "subnet-state", "version": 99}))
    with pytest.raises(PersistError, match="version 99"):
        persist.load(path)
    path.write_bytes(heap.encode({"format": "subnet-state", "version": 1, "subnet": {}}))
    with pytest.raises(PersistError, match="damaged"):
        persist.load(path)
    path.write_bytes(heap.encode(["not", "a", "state"]))
    with pytest.raises(PersistError, match="not a subnet state"):
        persist.load(path)
    with pytest.raises(PersistError, match="cannot read"):
        persist.load(tmp_path / "missing.cbor")


KILLED_WRITER = """
import os, sys, time, anyio
from actors.chat import Chat
from subnet import persist

path = sys.argv[1]
net = persist.load(path, resolve=persist.class_resolver([Chat]))
anyio.run(net.handle("chat").call, "append", "never saved")

def slow_fsync(fd):
    print("writing", flush=True)
    time.sleep(60)

os.fsync = slow_fsync
persist.save(net, path)
"""


def test_killing_a_save_leaves_the_previous_state(tmp_path):
    path = tmp_path / "state.cbor"

    async def main():
        async with Subnet(seed=4) as net:
            chat = await net.deploy(Chat, name="chat")
            await chat.call("append", "saved")
            persist.save(net, path)

    anyio.run(main)
    before = path.read_bytes()
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline() == "writing\n"  # the new state is being written
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # the half write
    assert path.read_bytes() == before

    async def check():
        net = persist.load(path)
        assert await net.handle("chat").query("dump") == ["saved"]
        net.close()

    anyio.run(check)


def test_the_state_file_is_written_atomically(tmp_path, monkeypatch):
    path = tmp_path / "state.cbor"

    async def main():
        async with Subnet(seed=4) as net:
            await net.deploy(Chat, name="chat")
            persist.save(net, path)
            before = path.read_bytes()

            def failing_replace(src, dst):
                raise OSError("disk full")

            monkeypatch.setattr(os, "replace", failing_replace)
            await net.handle("chat").call("append", "lost")
            with pytest.raises(OSError, match="disk full"):
                persist.save(net, path)
            monkeypatch.undo()
            assert path.read_bytes() == before
            assert not [p for p in Path(tmp_path).iterdir() if p.name.endswith(".tmp")]

    anyio.run(main)
