"""Helpers of the snapshot tests (tests/snapshots/)."""

import dataclasses

import pytest

from subnet import MANAGEMENT, Reject
from tests.canisters import Chat, GrowCounter, Ledger, Vault

MAX_SLICE = 2_000_000


async def rejected(net, method, record=None, *, sender=None, no_args=False):
    """Submit a management call as ingress and return its Reject (fails if it succeeds)."""
    args = () if no_args else (record,)
    with pytest.raises(Reject) as rej:
        await net.submit(MANAGEMENT, method, *args, sender=sender)
    return rej.value


async def take(net, cid, **extra):
    return await net.management.take_canister_snapshot(canister_id=cid, **extra)


async def history(net, cid, n=1):
    info = await net.management.canister_info(canister_id=cid, num_requested_changes=n)
    return list(info.recent_changes)


async def read_all(ic, cid, sid, kind, size):
    """Download one memory of a snapshot in slices of at most 2,000,000 bytes."""
    data = b""
    while len(data) < size:
        n = min(MAX_SLICE, size - len(data))
        got = await ic.read_canister_snapshot_data(
            canister_id=cid, snapshot_id=sid, kind={kind: {"offset": len(data), "size": n}}
        )
        assert len(got.chunk) == n
        data += got.chunk
    return data


async def download(ic, cid, sid):
    meta = await ic.read_canister_snapshot_metadata(canister_id=cid, snapshot_id=sid)
    module = await read_all(ic, cid, sid, "wasm_module", meta.wasm_module_size)
    heap = await read_all(ic, cid, sid, "main_memory", meta.wasm_memory_size)
    stable = await read_all(ic, cid, sid, "stable_memory", meta.stable_memory_size)
    return meta, module, heap, stable


async def upload_data(ic, cid, sid, kind, data, slice_size=MAX_SLICE):
    for offset in range(0, len(data), slice_size):
        await ic.upload_canister_snapshot_data(
            canister_id=cid,
            snapshot_id=sid,
            kind={kind: {"offset": offset}},
            chunk=data[offset : offset + slice_size],
        )


async def upload_metadata(ic, target, meta, module, heap, stable, **metadata):
    """Upload the metadata of a downloaded snapshot (``meta`` and its three memories) to
    ``target``; ``metadata`` adds or overrides fields."""
    fields = dict(
        wasm_module_size=len(module),
        wasm_memory_size=len(heap),
        stable_memory_size=len(stable),
        certified_data=meta.certified_data,
        global_timer=meta.global_timer,
        on_low_wasm_memory_hook_status=meta.on_low_wasm_memory_hook_status,
    )
    fields.update(metadata)
    return await ic.upload_canister_snapshot_metadata(canister_id=target, **fields)


async def download_upload(ic, cid, sid, target, **metadata):
    """ST ``download_upload_snapshot``: download ``sid`` of ``cid`` and upload it to ``target``."""
    meta, module, heap, stable = await download(ic, cid, sid)
    up = await upload_metadata(ic, target, meta, module, heap, stable, **metadata)
    await upload_data(ic, target, up.snapshot_id, "wasm_module", module)
    await upload_data(ic, target, up.snapshot_id, "main_memory", heap)
    await upload_data(ic, target, up.snapshot_id, "stable_memory", stable)
    return up.snapshot_id


async def assert_snapshot_eq(ic, c1, s1, c2, s2, *, strict=False):
    """ST ``assert_snapshot_eq``: equal metadata (but for source, timestamp and version) and
    equal module, heap and stable memory. Unless ``strict``, also ignore our extra
    ``checksum`` field (see test_take_download_upload_load_snapshot_roundtrip)."""
    m1, *data1 = await download(ic, c1, s1)
    m2, *data2 = await download(ic, c2, s2)
    same = {"source", "taken_at_timestamp", "canister_version"}
    if not strict and hasattr(m2, "checksum"):
        same.add("checksum")
    m1 = dataclasses.replace(m1, **{name: getattr(m2, name) for name in same})
    assert m1 == m2
    assert data1 == data2


async def deploy_counter(net, incs=0, **kw):
    counter = await net.deploy(GrowCounter, **kw)
    for _ in range(incs):
        await counter.call("inc")
    return counter


async def deploy_chat(net, *messages, cls=Chat):
    chat = await net.deploy(cls, name=None)
    for m in messages:
        await chat.call("append", m)
    return chat


async def vault_setup(net):
    vault = await net.deploy(Vault, name="vault")
    ledger = await net.deploy(Ledger, name="ledger")
    return vault, ledger


def kinds(net):
    return [h.kind for h in net.hazards]


async def in_flight(net):
    vault, ledger = await vault_setup(net)
    vault.submit("withdraw", ledger.id, 10)
    await net.step()
    return vault
