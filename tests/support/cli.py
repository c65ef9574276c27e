"""Helpers of the tests of the ``subnet`` command (tests/cli/); the ``proj`` fixture, a project
folder with these files, is in tests/conftest.py."""

import re
import shlex
import sys
from pathlib import Path

from subnet import cli

SUBNET = Path(sys.executable).parent / "subnet"  # the installed console script
SID0 = "000000000000000080000000001000010101"
CHAT_ID = "bkyz2-fmaaa-aaaaa-qaaaq-cai"

STORE_MODULE = '''
from actors import Canister, blob, nat, nat64, opt, query, text, update


class Store(Canister):
    """Stable memory and a small map, with typed arguments."""

    def __init__(self):
        self.kv = {}

    @update
    def write(self, offset: nat64, data: blob) -> None:
        need = -(-(offset + len(data)) // 65536)
        if self.stable.size() < need:
            self.stable.grow(need - self.stable.size())
        self.stable.write(offset, data)

    @query
    def read(self, offset: nat64, n: nat64) -> blob:
        return self.stable.read(offset, n)

    @update
    def set(self, key: text, value: nat) -> None:
        self.kv[key] = value

    @query
    def get(self, key: text) -> opt[nat]:
        return self.kv.get(key)
'''

CONFIG = """
[canisters.chat]
class = "actors.chat:Chat"

[canisters.store]
class = "cli_store:Store"
"""

_LIST_LINE = re.compile(r"^([0-9a-f]+): [0-9.]+[KMGT]?i?B, taken at (.*) UTC$")


def normalise(lines: list[str]) -> list[str]:
    """The snapshot list line without its size (the simulator's snapshots are smaller)."""
    return [_LIST_LINE.sub(r"\1: <size>, taken at \2 UTC", line) for line in lines]


def run(capsys, command: str) -> tuple[int, list[str], list[str]]:
    code = cli.main(shlex.split(command))
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


def ok(capsys, command: str) -> list[str]:
    code, out, err = run(capsys, command)
    assert (code, err) == (0, []), f"{command}: {err}"
    return out


def fail(capsys, command: str) -> list[str]:
    code, out, err = run(capsys, command)
    assert code == cli.ERROR_EXIT, f"{command}: {code} {out} {err}"
    assert err and err[0].startswith("Error: "), err
    assert not any("Traceback" in line for line in err)
    return err
