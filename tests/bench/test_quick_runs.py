"""Every benchmark runs: its ``--quick`` mode, in a process of its own, ends well and prints its
ratios (a benchmark that no longer runs is found here, not the next time someone measures)."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.slow

BENCH = ROOT / "bench"
QUICK = [
    "pingpong", "opcodes", "scale", "heap", "replay", "explore", "snapshots", "memory_fork",
    "wasm",
]  # fmt: skip


def run(script: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH / f"{script}.py"), "--quick"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


@pytest.mark.parametrize("script", QUICK)
def test_a_benchmark_runs_and_prints_its_ratios(script):
    if script == "wasm" and importlib.util.find_spec("wasmtime") is None:
        pytest.skip("wasmtime is not installed")
    if script in ("pingpong", "opcodes") and importlib.util.find_spec("simpy") is None:
        pytest.skip("simpy (the bench extra) is not installed")
    done = run(script)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    lines = done.stdout.strip().splitlines()
    assert any(line.startswith("ratio") for line in lines) or script == "wasm", lines[-3:]


def test_the_instruction_count_says_so_without_valgrind(tmp_path):
    """Counting machine instructions needs valgrind: without it the script says so and ends
    well (a full count takes minutes under valgrind: ``make bench`` runs it)."""
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    done = run("instructions", env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("instructions: valgrind is not installed")
