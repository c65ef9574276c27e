"""``subnet canister`` status, info, metadata, delete and call; identities; a changed canister
class."""

from __future__ import annotations

import os
import shlex
import subprocess
import textwrap

import pytest

from subnet import cli
from subnet.ids import identity_principal
from tests.support.cli import CHAT_ID, SUBNET, fail, ok


def test_status_info_metadata_delete(proj, capsys):
    ok(capsys, "deploy")
    status = ok(capsys, "canister status chat")
    assert status[:3] == [
        "Canister status call result for chat.",
        "Status: Running",
        f"Controllers: {identity_principal('default')}",
    ]
    assert "Freezing threshold: 2_592_000" in status
    assert "Balance: 3_000_000_000_000 Cycles" in status
    assert any(line.startswith("Module hash: 0x") for line in status)
    info = ok(capsys, "canister info chat")
    assert info[0].startswith("Controllers: ") and info[1].startswith("Module hash: 0x")
    assert ok(capsys, "canister metadata chat candid:service") == [
        "service : {",
        "  append : (text) -> ();",
        "  dump : () -> (vec text) query;",
        "  remove_spam : () -> (nat64);",
        "}",
    ]
    assert fail(capsys, "canister delete chat")[-1].endswith('error code Some("IC0510")')
    ok(capsys, "canister stop chat")
    assert ok(capsys, "canister delete chat") == [
        f"Deleting canister chat, with canister_id {CHAT_ID}"
    ]
    assert fail(capsys, "canister status chat") == [
        "Error: Cannot find canister id. Please issue 'subnet deploy chat'."
    ]
    ok(capsys, "canister call store set '(\"a\", 5)'")
    assert ok(capsys, "canister call store get a") == ["(opt (5 : nat))"]
    assert ok(capsys, "deploy store")[-2].startswith("Module hash ")


def test_identity_chooses_the_sender(proj, capsys):
    ok(capsys, "deploy chat --identity alice")
    err = fail(capsys, "canister stop chat")
    assert err[0] == f"Error: Failed to stop canister {CHAT_ID}."
    assert err[-1].endswith('error code Some("IC0512")')
    ok(capsys, "--identity alice canister stop chat")
    ok(capsys, "canister snapshot create chat --identity alice")


@pytest.mark.slow
def test_a_changed_canister_class_asks_for_deploy(tmp_path):
    (tmp_path / "subnet.toml").write_text('[canisters.c]\nclass = "counter_mod:Counter"\n')
    source = textwrap.dedent(
        """
        from actors import Canister, nat, update

        class Counter(Canister):
            def __init__(self):
                self.n = 0

            @update
            def bump(self) -> nat:
                self.n += 1
                return self.n
        """
    )
    (tmp_path / "counter_mod.py").write_text(source)

    def sh(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SUBNET), *shlex.split(command)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=60,
            env={**os.environ, "NO_COLOR": "1"},
        )

    assert sh("deploy").returncode == 0
    assert sh("canister call c bump").stdout == "(1 : nat)\n"
    (tmp_path / "counter_mod.py").write_text(source.replace("+= 1", "+= 10"))
    changed = sh("canister call c bump")
    assert changed.returncode == cli.ERROR_EXIT
    assert changed.stderr.startswith("Error: the code of canister ")
    assert "run `subnet deploy`" in changed.stderr and "Traceback" not in changed.stderr
    upgraded = sh("deploy")
    assert "Upgrading code for canister c, with canister ID" in upgraded.stdout
    assert sh("canister call c bump").stdout == "(10 : nat)\n"  # the upgrade reset the heap
