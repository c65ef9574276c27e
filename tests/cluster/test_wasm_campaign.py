"""A campaign over a Wasm canister on the cluster: the Motoko vault's module is installed with
the `actors` package, so workers find it; the result is the local one, byte for byte."""

import pytest

from subnet.explore import SnapshotFaults, explore
from tests.support import SCENARIOS

pytest.importorskip("wasmtime")

VAULT = str(SCENARIOS / "motoko_vault.py")
SPIN = str(SCENARIOS / "spin_wait.py")

pytestmark = pytest.mark.slow


def test_the_motoko_vault_campaign_is_the_same_on_the_cluster(client):
    faults = SnapshotFaults(canisters=("vault",), probability=0.2)
    local = explore(VAULT, runs=30, seed=0, faults=faults)
    remote = explore(
        VAULT,
        runs=30,
        seed=0,
        faults=faults,
        executor=client.get_executor(),
    )
    assert not local.ok
    assert (remote.runs, remote.shrunk, remote.trace) == (local.runs, local.shrunk, local.trace)


def test_an_endless_loop_is_trapped_on_a_worker_too(client):
    # workers run tasks on threads: the execution budget's monitor thread traps there
    local = explore(SPIN, runs=10, seed=0, execution_limit=0.2)
    remote = explore(
        SPIN,
        runs=10,
        seed=0,
        execution_limit=0.2,
        executor=client.get_executor(),
    )
    assert local.first_failure is not None
    assert local.first_failure.kind == "instruction_limit"
    assert (remote.runs, remote.shrunk, remote.trace) == (local.runs, local.shrunk, local.trace)
