"""Bad input: whatever a management call or a canister call is given, the answer is a reply or a
Reject (never a Python exception), and a Reject leaves the subnet exactly as it was."""

import functools

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actors import Canister, query, update
from subnet import MANAGEMENT, ErrorCode, Reject, RejectCode, Subnet
from subnet.ids import SnapshotId
from tests.canisters import Client, Counter, Store
from tests.support import fingerprint

pytestmark = pytest.mark.anyio


async def test_bad_input_gives_rejects_not_tracebacks():
    async with Subnet() as net:
        c = await net.deploy(Counter)
        ghost = net.identity("ghost")
        with pytest.raises(Reject) as info:
            await net.submit(ghost, "inc")
        assert info.value.reject_code == RejectCode.DESTINATION_INVALID
        assert info.value.error_code == ErrorCode.CanisterNotFound
        with pytest.raises(Reject) as info:
            await c.call("nope")
        assert info.value.error_code == ErrorCode.CanisterMethodNotFound
        with pytest.raises(Reject) as info:
            await c.query("inc")  # an update called as a query
        assert info.value.error_code == ErrorCode.CanisterMethodNotFound
        with pytest.raises(Reject) as info:
            await c.call("inc", 1, 2, 3)
        assert "expected 0 to 1 arguments, got 3" in info.value.reject_message
        with pytest.raises(Reject) as info:
            await c.call("inc", "one")
        assert info.value.reject_code == RejectCode.CANISTER_ERROR
        with pytest.raises(Reject):
            await c.call("inc", object())
        assert await c.query("get") == 0  # none of that changed anything
        assert net.inspect(c).open_call_contexts == 0


async def test_bad_management_input():
    async with Subnet() as net:
        s = await net.deploy(Store)
        ghost = net.identity("ghost")
        before = fingerprint(net)
        cases = [
            ("stop_canister", {}, ErrorCode.InvalidManagementPayload),  # missing field
            ("stop_canister", {"canister_id": 42}, ErrorCode.InvalidManagementPayload),
            (
                "stop_canister",
                {"canister_id": "not-a-principal"},
                ErrorCode.InvalidManagementPayload,
            ),
            ("stop_canister", {"canister_id": ghost}, ErrorCode.CanisterNotFound),
            (
                "install_code",
                {"mode": "sideways", "canister_id": s.id, "wasm_module": Store},
                ErrorCode.InvalidManagementPayload,
            ),
            (
                "install_code",
                {"mode": "upgrade", "canister_id": s.id, "wasm_module": "Store"},
                ErrorCode.InvalidManagementPayload,
            ),
            (
                "canister_info",
                {"canister_id": s.id, "num_requested_changes": -1},
                ErrorCode.InvalidManagementPayload,
            ),
            ("no_such_method", {"canister_id": s.id}, ErrorCode.CanisterMethodNotFound),
        ]
        for method, record, code in cases:
            with pytest.raises(Reject) as rej:
                await net.submit(MANAGEMENT, method, record)
            assert rej.value.error_code == code, (method, record)
        with pytest.raises(Reject) as rej:
            await net.submit(MANAGEMENT, "stop_canister", {"canister_id": s.id}, "extra")
        assert rej.value.error_code == ErrorCode.InvalidManagementPayload
        assert fingerprint(net) == before


# rs/types/types/src/messages/ingress_messages.rs :: extract_effective_canister_id
#   (ParseIngressError::UnknownSubnetMethod: the ingress filter refuses the message);
# rs/execution_environment/src/execution_environment/tests.rs ::
#   subnet_ingress_message_unknown_method (past the filter: what a calling canister gets)
async def test_subnet_ingress_message_unknown_method():
    async with Subnet() as net:
        with pytest.raises(Reject) as rej:
            await net.submit(MANAGEMENT, "unknown", {})
        assert rej.value.error_code == ErrorCode.CanisterMethodNotFound
        assert rej.value.reject_message == "ic00 interface does not expose method unknown"
        c = await net.deploy(Client)
        assert await c.call("mgmt", "unknown", {}) == [
            "reject",
            int(RejectCode.CANISTER_ERROR),
            "Management canister has no method 'unknown'",
        ]


# -- any input at all (Hypothesis) -----------------------------------------------------------


METHODS = [
    "create_canister", "install_code", "uninstall_code", "start_canister", "stop_canister",
    "canister_status", "canister_info", "update_settings", "delete_canister", "raw_rand",
    "take_canister_snapshot", "load_canister_snapshot", "list_canister_snapshots",
    "delete_canister_snapshot", "read_canister_snapshot_metadata", "read_canister_snapshot_data",
    "upload_canister_snapshot_metadata", "upload_canister_snapshot_data", "no_such_method",
]  # fmt: skip


FIELDS = [
    "canister_id", "snapshot_id", "replace_snapshot", "uninstall_code", "mode", "wasm_module",
    "arg", "settings", "controllers", "num_requested_changes", "sender_canister_version", "kind",
    "chunk", "wasm_module_size", "wasm_memory_size", "stable_memory_size", "certified_data",
    "global_timer", "globals", "on_low_wasm_memory_hook_status", "bogus",
]  # fmt: skip


class Target(Canister):
    def init(self):
        self.items = []

    @update
    def add(self, item: int) -> int:
        self.items.append(item)
        return len(self.items)

    @query
    def count(self) -> int:
        return len(self.items)


@functools.cache
def values(cid):
    """Plausible and implausible values for any field (one strategy per canister id: building
    it anew for every example took longer than drawing from it)."""
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.text(max_size=12),
        st.binary(max_size=40), st.just(cid), st.just(str(cid)), st.just(bytes(cid)),
        st.just(bytes(SnapshotId(cid, 0))), st.just(SnapshotId(cid, 0).hex()),
        st.sampled_from(["install", "reinstall", "upgrade"]), st.just(Target),
        st.floats(allow_nan=False),
    )  # fmt: skip
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.dictionaries(
                st.sampled_from([*FIELDS, "offset", "size", "active"]), inner, max_size=3
            ),
        ),
        max_leaves=6,
    )


async def setup():
    net = Subnet()
    target = await net.deploy(Target, name="target")
    await target.call("add", 1)
    await net.management.take_canister_snapshot(canister_id=target.id)
    return net, target


def good(field, cid):
    """Values that fit ``field`` (so that calls get past validation and reach the checks)."""
    sid = SnapshotId(cid, 0)
    options = {
        "canister_id": [cid],
        "snapshot_id": [bytes(sid), sid.hex(), sid, bytes(SnapshotId(cid, 7))],
        "replace_snapshot": [bytes(sid), bytes(SnapshotId(cid, 7))],
        "mode": ["install", "reinstall", "upgrade", {"upgrade": {}}],
        "wasm_module": [Target],
        "arg": [(), None],
        "settings": [{}, {"controllers": []}, {"controllers": [cid]}, {"freezing_threshold": 5}],
        "kind": [
            {"main_memory": {"offset": 0, "size": 10}},
            {"stable_memory": {"offset": 0}},
            {"wasm_module": {"offset": 3, "size": 2}},
        ],
        "chunk": [b"", b"abc"],
        "uninstall_code": [True, False],
        "num_requested_changes": [0, 1, 50],
        "wasm_module_size": [1, 100],
        "wasm_memory_size": [0, 65536],
        "stable_memory_size": [0, 65536],
        "global_timer": [{"inactive": None}, {"active": 5}],
    }.get(field, [None])
    return st.sampled_from(options)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_management_calls_with_any_record_reply_or_reject_cleanly(data):
    async def main():
        net, target = await setup()
        method = data.draw(st.sampled_from(METHODS), label="method")
        entry = net._management.methods.get(method)
        schema = list(entry[0]) if entry else ["canister_id"]
        record = {}
        for field in schema:
            if data.draw(st.integers(0, 9), label=f"use {field}") < 8:
                bad = data.draw(st.integers(0, 9), label=f"bad {field}") == 0
                pick = values(target.id) if bad else good(field, target.id)
                record[field] = data.draw(pick, label=field)
        if data.draw(st.integers(0, 9), label="extra field") == 0:
            record[data.draw(st.sampled_from(FIELDS))] = data.draw(values(target.id))
        sender = data.draw(st.sampled_from([None, net.identity("mallory")]), label="sender")
        args = (record,) if data.draw(st.integers(0, 19), label="arity") else ()
        before = fingerprint(net)
        try:
            await net.submit(MANAGEMENT, method, *args, sender=sender)
        except Reject as rej:
            assert fingerprint(net) == before, (method, record, rej)
            # the management canister's safety net must not be what answered: every bad
            # argument should meet a check that says what is wrong with it
            assert "could not process the arguments" not in rej.reject_message, rej
        net.close()

    anyio.run(main)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_canister_calls_with_any_arguments_reply_or_reject_cleanly(data):
    async def main():
        net, target = await setup()
        method = data.draw(st.sampled_from(["add", "count", "items", "init", "__init__", ""]))
        args = data.draw(st.lists(values(target.id), max_size=3))
        as_query = data.draw(st.booleans())
        before = fingerprint(net)
        try:
            if as_query:
                await target.query(method, *args)
            else:
                await target.call(method, *args)
        except Reject:
            assert fingerprint(net) == before
        net.close()

    anyio.run(main)
