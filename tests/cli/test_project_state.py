"""The project's saved state: kept between commands until ``start --clean``, damaged or missing
files, one command at a time."""

from __future__ import annotations

import fcntl
import os

from subnet.cli import project
from tests.support.cli import CONFIG, fail, ok


def test_state_persists_until_start_clean(proj, capsys):
    ok(capsys, "deploy chat")
    ok(capsys, "canister call chat append 'kept'")
    ok(capsys, "start")
    ok(capsys, "stop")
    assert ok(capsys, "canister call chat dump") == ['(vec { "kept" })']
    ok(capsys, "start --clean")
    assert fail(capsys, "canister call chat dump") == [
        "Error: Cannot find canister id. Please issue 'subnet deploy chat'."
    ]


def test_outside_a_project_and_with_a_damaged_state(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert fail(capsys, "canister call chat dump")[0].startswith(
        "Error: Cannot find subnet.toml in the current working directory"
    )
    (tmp_path / "subnet.toml").write_text(CONFIG.replace("[canisters.chat]", "[canisters.chat"))
    assert "not valid TOML" in fail(capsys, "deploy")[0]
    (tmp_path / "subnet.toml").write_text(CONFIG)
    (tmp_path / ".subnet").mkdir()
    (tmp_path / ".subnet" / "state.cbor").write_bytes(b"\x9f\x01")
    [line] = fail(capsys, "canister call chat dump")
    assert "is damaged" in line and "subnet start --clean" in line
    from subnet import heap

    (tmp_path / ".subnet" / "state.cbor").write_bytes(
        heap.encode({"format": "subnet-state", "version": 99})
    )
    [line] = fail(capsys, "canister call chat dump")
    assert "version 99" in line
    ok(capsys, "start --clean")
    ok(capsys, "deploy chat")


def test_a_second_command_waits_for_the_lock(proj, capsys, monkeypatch):
    ok(capsys, "deploy chat")
    monkeypatch.setattr(project, "LOCK_TIMEOUT_S", 0.2)
    fd = os.open(proj / ".subnet" / "lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another command is running
        [line] = fail(capsys, "canister call chat append x")
        assert "another subnet command" in line
    finally:
        os.close(fd)
    ok(capsys, "canister call chat append x")
