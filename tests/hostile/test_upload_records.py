"""``upload_canister_snapshot_metadata`` and ``upload_canister_snapshot_data`` through the Python
API with records made to hurt: values of every type, integers past their Candid widths, the
IC's largest sizes. A call either succeeds or is rejected with the IC's codes, a rejected call
leaves the subnet exactly as it was, and whatever was accepted stays usable: the snapshot can
be listed, read, loaded (or refused with a reject), the canister snapshotted again, and the
subnet saved and loaded back.

``make fuzz`` runs the properties with 3000 examples each."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from subnet import MANAGEMENT, Reject, Subnet, persist
from subnet.memory import PAGE_SIZE
from tests.support import fingerprint
from tests.support.snapshots import deploy_counter, download, take

PROPERTY = settings(deadline=None, suppress_health_check=list(HealthCheck))

# integers at and past the edges of the widths that matter here
edges = st.sampled_from(
    [
        0,
        1,
        -1,
        2**31 - 1,
        2**31,
        -(2**31) - 1,
        2**63,
        -(2**63) - 1,
        2**64 - 1,
        2**64,
        2**128,
        2**200,
    ]
)
anything = st.recursive(
    st.none()
    | st.booleans()
    | edges
    | st.integers()
    | st.floats()
    | st.text(max_size=8)
    | st.binary(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=2)
    ),
    max_leaves=8,
)
variants = {
    "global_timer": st.sampled_from(["inactive", {"inactive": None}])
    | st.builds(lambda n: {"active": n}, edges | st.integers(0, 2**64)),
    "globals": st.lists(
        st.sampled_from(["i32", "i64", "f32", "f64", "v128", "u8"]).flatmap(
            lambda kind: st.builds(lambda v: {kind: v}, edges | st.floats() | st.booleans())
        ),
        max_size=3,
    ),
    "on_low_wasm_memory_hook_status": st.sampled_from(
        ["condition_not_satisfied", "ready", "executed", {"ready": None}, {"ready": 1}, "x"]
    ),
    "certified_data": st.binary(max_size=40),
    "checksum": st.sampled_from([b"", bytes(32), bytes(31)]),
}
OPTIONAL = ("global_timer", "globals", "on_low_wasm_memory_hook_status", "certified_data")


def run(test: Any) -> None:
    anyio.run(test)


async def attempt(net: Subnet, method: str, record: dict[str, Any]) -> Reject | None:
    """Call ``method``; a reject must change nothing and carry the IC's codes."""
    before = fingerprint(net)
    try:
        await net.submit(MANAGEMENT, method, record)
    except Reject as rej:
        assert rej.error_code is not None and 400 <= int(rej.error_code) < 600, rej
        assert fingerprint(net) == before, (method, rej)
        event(f"{method}: rejected {rej.error_code.name}")
        return rej
    event(f"{method}: accepted")
    return None


async def still_usable(net: Subnet, cid: Any) -> None:
    """Everything that reads snapshots works, and the subnet saves and loads back."""
    ic = net.management
    for s in await ic.list_canister_snapshots(canister_id=cid):
        await ic.read_canister_snapshot_metadata(canister_id=cid, snapshot_id=s.id)
    await ic.canister_status(canister_id=cid)
    await take(net, cid)
    await net.run_until_idle(max_steps=1000)  # a timer an upload armed in the past is due
    persist.loads(persist.dumps(net)).net.close()


@pytest.mark.slow
@PROPERTY
@given(
    sizes=st.fixed_dictionaries(
        {
            "wasm_module_size": edges | st.sampled_from([100 * 2**20, 100 * 2**20 + 1]),
            "wasm_memory_size": edges | st.sampled_from([PAGE_SIZE, 4 * 2**30]),
            "stable_memory_size": edges | st.sampled_from([PAGE_SIZE, 400 * 2**30]),
        }
    ),
    fields=st.fixed_dictionaries({}, optional={k: variants[k] | anything for k in variants}),
    data=st.lists(
        st.tuples(
            st.sampled_from(["wasm_module", "main_memory", "stable_memory", "heap"]),
            edges | st.integers(0, 2**40),
            st.binary(max_size=64),
        ),
        max_size=3,
    ),
)
def test_random_upload_records_are_accepted_or_rejected_cleanly(sizes, fields, data):
    async def test() -> None:
        async with Subnet() as net:
            c = await deploy_counter(net)
            record = {"canister_id": c.id, **sizes, **fields}
            if await attempt(net, "upload_canister_snapshot_metadata", record) is None:
                (snap,) = await net.management.list_canister_snapshots(canister_id=c.id)
                for kind, offset, chunk in data:
                    await attempt(
                        net,
                        "upload_canister_snapshot_data",
                        {
                            "canister_id": c.id,
                            "snapshot_id": snap.id,
                            "kind": {kind: {"offset": offset}},
                            "chunk": chunk,
                        },
                    )
                await attempt(
                    net, "load_canister_snapshot", {"canister_id": c.id, "snapshot_id": snap.id}
                )
            await still_usable(net, c.id)

    run(test)


@pytest.mark.slow
@PROPERTY
@given(fields=st.fixed_dictionaries({}, optional={k: variants[k] for k in OPTIONAL}))
@example(fields={"global_timer": {"active": 2**70}})
def test_a_real_snapshot_with_random_metadata_loads_or_is_rejected_cleanly(fields):
    """The module and memory of a real snapshot, with metadata at the edges of its types: the
    load that may follow leaves a canister that can be snapshotted again (a timer deadline past
    2**64 once made every later take fail)."""

    async def test() -> None:
        async with Subnet() as net:
            ic = net.management
            c = await deploy_counter(net, incs=1)
            s = await take(net, c.id)
            _, module, heap, stable = await download(ic, c.id, s.id)
            record = {
                "canister_id": c.id,
                "wasm_module_size": len(module),
                "wasm_memory_size": len(heap),
                "stable_memory_size": len(stable),
                **fields,
            }
            if await attempt(net, "upload_canister_snapshot_metadata", record) is None:
                snaps = await ic.list_canister_snapshots(canister_id=c.id)
                sid = snaps[-1].id
                for kind, blob in (("wasm_module", module), ("main_memory", heap)):
                    await ic.upload_canister_snapshot_data(
                        canister_id=c.id, snapshot_id=sid, kind={kind: {"offset": 0}}, chunk=blob
                    )
                await attempt(
                    net, "load_canister_snapshot", {"canister_id": c.id, "snapshot_id": sid}
                )
            await still_usable(net, c.id)

    run(test)
