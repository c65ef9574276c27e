"""Helpers shared by the tests; helpers of one area are in the modules beside this one."""

from pathlib import Path

from subnet import Subnet

ROOT = Path(__file__).resolve().parents[2]  # the repository: docs/, scenarios/, README.md
SCENARIOS = ROOT / "scenarios"
MOTOKO = ROOT / "actors" / "motoko"  # the Motoko canisters, their .mo, .wasm and .did


def fingerprint(net: Subnet) -> tuple:
    """Everything observable about the subnet's canisters, to assert that a failed call changed
    nothing."""
    rows = []
    for cid, cs in sorted(net.engine.canisters.items()):
        rows.append(
            (
                cid,
                cs.status,
                cs.version,
                tuple(cs.controllers),
                cs.code,
                tuple(sorted((k, repr(v)) for k, v in cs.heap.values().items())),
                cs.stable.size(),
                cs.stable.checksum(),
                cs.certified_data,
                cs.global_timer,
                repr(cs.history),
                cs.total_num_changes,
                tuple(sorted(cs.snapshots)),
                cs.next_snapshot_id,
                len(cs.call_contexts),
                len(cs.callbacks),
                tuple(sorted(cs.continuations.items())),
                repr(sorted(cs.extra.items())),
            )
        )
    return tuple(rows), net.ids.next_index
