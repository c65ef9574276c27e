"""The ingress filter of the management canister: what the IC refuses before execution.

An ingress message to ``aaaaa-aa`` is checked as it arrives, in the replica's order: the method
(one a user may call at all), the canister it names (which must exist), then who may call it.
A refused message is answered at once (the pending call has its reject before any step),
nothing executes and nothing changes. Calls from canisters are not filtered.

Sources:
- ``rs/types/types/src/messages/ingress_messages.rs`` (``extract_effective_canister_id``,
  ``ParseIngressError::into_user_error``);
- ``rs/execution_environment/src/execution_environment.rs`` (``should_accept_ingress_message``:
  the effective canister must exist, ``Canister <id> not found``);
- ``rs/execution_environment/src/canister_manager.rs`` (``should_accept_ingress_message``:
  ``Only canisters can call ic00 method <m>``, ``Only controllers of canister <id> can call
  ic00 method <m>``);
- ``rs/execution_environment/tests/canister_history.rs`` (``canister_info_retrieval``: "users
  cannot retrieve canister information directly via ingress messages").
"""

import pytest

from subnet import MANAGEMENT, ErrorCode, Reject, RejectCode, Subnet
from subnet import errors as E
from subnet.messages import Ingress, Request
from tests.canisters import Client, Store
from tests.support import fingerprint

pytestmark = pytest.mark.anyio

LIFECYCLE = [
    ("canister_status", {}),
    ("start_canister", {}),
    ("stop_canister", {}),
    ("uninstall_code", {}),
    ("delete_canister", {}),
    ("update_settings", {"settings": {"freezing_threshold": 7}}),
    ("install_code", {"mode": "reinstall", "wasm_module": Store}),
]
SNAPSHOTS = [
    ("take_canister_snapshot", {}),
    ("list_canister_snapshots", {}),
    ("load_canister_snapshot", {"snapshot_id": "SID"}),
    ("delete_canister_snapshot", {"snapshot_id": "SID"}),
    ("read_canister_snapshot_metadata", {"snapshot_id": "SID"}),
    (
        "read_canister_snapshot_data",
        {"snapshot_id": "SID", "kind": {"main_memory": {"offset": 0, "size": 1}}},
    ),
    (
        "upload_canister_snapshot_metadata",
        {
            "wasm_module_size": 1,
            "wasm_memory_size": 0,
            "stable_memory_size": 0,
            "certified_data": b"",
            "globals": [],
        },
    ),
    (
        "upload_canister_snapshot_data",
        {"snapshot_id": "SID", "kind": {"main_memory": {"offset": 0}}, "chunk": b""},
    ),
]
CONTROLLED = LIFECYCLE + SNAPSHOTS


async def setup(net):
    s = await net.deploy(Store, name="s")
    snap = await net.management.take_canister_snapshot(canister_id=s.id)
    return s, snap.id


def record_for(cid, sid, extra):
    return {"canister_id": cid, **{k: (bytes(sid) if v == "SID" else v) for k, v in extra.items()}}


def refused_at_once(net, method, record, sender=None):
    """Submit as ingress; the reject is there before any step, and nothing ran."""
    steps = net.engine.steps
    pending = net.submit(MANAGEMENT, method, record, sender=sender)
    assert pending.done, method
    assert net.engine.steps == steps
    assert not net.engine.busy()
    with pytest.raises(Reject) as rej:
        pending.result()
    return rej.value


@pytest.mark.parametrize("method,extra", CONTROLLED, ids=[m for m, _ in CONTROLLED])
async def test_a_non_controller_is_refused_at_the_filter(method, extra):
    async with Subnet() as net:
        s, sid = await setup(net)
        mallory = net.identity("mallory")
        before = fingerprint(net)
        events = len(net.trace)
        rej = refused_at_once(net, method, record_for(s.id, sid, extra), sender=mallory)
        assert rej == Reject(
            RejectCode.CANISTER_ERROR,
            f"Only controllers of canister {s.id} can call ic00 method {method}",
            ErrorCode.CanisterInvalidController,
        )
        assert fingerprint(net) == before
        # the message was submitted and answered; no subnet message executed
        assert [e.kind for e in net.trace[events:]] == ["submit", "ingress_done"]


@pytest.mark.parametrize("method,extra", CONTROLLED, ids=[m for m, _ in CONTROLLED])
async def test_a_missing_canister_is_refused_at_the_filter(method, extra):
    async with Subnet() as net:
        _, sid = await setup(net)
        ghost = net.identity("ghost")
        before = fingerprint(net)
        rej = refused_at_once(net, method, record_for(ghost, sid, extra))
        # no full stop: the execution's own text ("... not found.") is not this one
        assert rej == Reject(
            RejectCode.DESTINATION_INVALID,
            f"Canister {ghost} not found",
            ErrorCode.CanisterNotFound,
        )
        assert rej == E.call_target_not_found(ghost)
        assert fingerprint(net) == before


async def test_canister_info_is_for_canisters_only():
    async with Subnet() as net:
        s = await net.deploy(Store)
        before = fingerprint(net)
        rej = refused_at_once(net, "canister_info", {"canister_id": s.id})
        assert rej == Reject(
            RejectCode.CANISTER_REJECT,
            "Only canisters can call ic00 method canister_info",
            ErrorCode.CanisterRejectedMessage,
        )
        # the canister it names is looked for first
        ghost = net.identity("ghost")
        assert refused_at_once(net, "canister_info", {"canister_id": ghost}) == (
            E.call_target_not_found(ghost)
        )
        assert fingerprint(net) == before
        # a canister may call it
        w = await net.deploy(Client)
        kind, info = await w.call("mgmt", "canister_info", {"canister_id": s.id})
        assert kind == "reply" and info["total_num_changes"] == 2


@pytest.mark.parametrize(
    "method,record",
    [
        ("create_canister", {}),
        ("raw_rand", None),
        ("deposit_cycles", {"canister_id": "SELF"}),
        ("http_request", {"url": "https://example.org"}),
        ("fetch_canister_logs", {"canister_id": "SELF"}),
    ],
)
async def test_methods_users_cannot_call(method, record):
    async with Subnet() as net:
        s = await net.deploy(Store)
        if isinstance(record, dict) and record.get("canister_id") == "SELF":
            record = {"canister_id": s.id}
        args = () if record is None else (record,)
        before = fingerprint(net)
        steps = net.engine.steps
        pending = net.submit(MANAGEMENT, method, *args)
        assert pending.done and net.engine.steps == steps
        assert pending.reject == Reject(
            RejectCode.CANISTER_REJECT,
            f"ic00 method {method} can not be called via ingress messages",
            ErrorCode.CanisterRejectedMessage,
        )
        assert fingerprint(net) == before


async def test_an_unknown_method_is_refused_at_the_filter():
    async with Subnet() as net:
        before = fingerprint(net)
        rej = refused_at_once(net, "make_coffee", {})
        assert rej == Reject(
            RejectCode.CANISTER_ERROR,
            "ic00 interface does not expose method make_coffee",
            ErrorCode.CanisterMethodNotFound,
        )
        assert fingerprint(net) == before


async def test_a_controller_passes_the_filter_and_the_call_executes():
    async with Subnet() as net:
        s = await net.deploy(Store)
        pending = net.submit(MANAGEMENT, "canister_status", {"canister_id": s.id})
        assert not pending.done
        info = await net.step()
        assert (info.kind, info.method, info.outcome) == ("subnet", "canister_status", "reply")
        assert pending.result()["status"] == "running"


async def test_canister_callers_are_not_filtered():
    async with Subnet() as net:
        s = await net.deploy(Store)
        w = await net.deploy(Client)
        # not a controller: the execution's own check, with its own text
        result = await w.call("mgmt", "stop_canister", {"canister_id": s.id})
        assert result == [
            "reject",
            int(RejectCode.CANISTER_ERROR),
            E.canister_invalid_controller(s.id, [net.default_identity], w.id).reject_message,
        ]
        # a canister may create canisters and draw random bytes
        kind, created = await w.call("mgmt", "create_canister", {})
        assert kind == "reply" and net.inspect(created["canister_id"]).controllers == [w.id]
        kind, rand = await w.call("mgmt", "raw_rand", {})
        assert kind == "reply" and len(rand) == 32


async def test_an_argument_that_does_not_decode_passes_to_execution():
    # the replica's filter refuses it with InvalidManagementPayload (408); here execution does,
    # with the same code and the simulator's decoding text
    async with Subnet() as net:
        s = await net.deploy(Store)
        mallory = net.identity("mallory")
        pending = net.submit(MANAGEMENT, "stop_canister", {"canister_id": 42}, sender=mallory)
        assert not pending.done
        await net.step()
        assert pending.reject.error_code == ErrorCode.InvalidManagementPayload
        pending = net.submit(
            MANAGEMENT, "canister_info", {"canister_id": s.id, "num_requested_changes": -1}
        )
        await net.step()
        assert pending.reject.error_code == ErrorCode.InvalidManagementPayload


async def test_the_filter_sees_the_state_as_the_message_arrives():
    # accepted while the sender controls the canister; a removal queued before it runs first,
    # and the execution refuses it with its own text
    async with Subnet() as net:
        bob = net.identity("bob")
        s = await net.deploy(Store, controllers=[net.default_identity, bob])
        removal = net.submit(
            MANAGEMENT,
            "update_settings",
            {"canister_id": s.id, "settings": {"controllers": [net.default_identity]}},
        )
        stop = net.submit(MANAGEMENT, "stop_canister", {"canister_id": s.id}, sender=bob)
        assert not stop.done
        await removal
        with pytest.raises(Reject) as rej:
            await stop
        assert rej.value == E.canister_invalid_controller(s.id, [net.default_identity], bob)
        # now the filter refuses bob at once
        assert refused_at_once(
            net, "stop_canister", {"canister_id": s.id}, sender=bob
        ) == E.ingress_not_controller(s.id, "stop_canister")


async def test_same_seed_same_trace_with_refusals():
    async def run(seed):
        async with Subnet(seed=seed, strategy="random") as net:
            s = await net.deploy(Store)
            net.submit(MANAGEMENT, "canister_info", {"canister_id": s.id})
            net.submit(MANAGEMENT, "stop_canister", {"canister_id": s.id}, sender=net.identity("x"))
            await s.call("bump")
            await net.management.canister_info(canister_id=s.id)
            return net.trace_bytes()

    assert await run(5) == await run(5)


# rs/execution_environment/src/execution_environment.rs :: reject_unexpected_ingress: what a
# canister-only method answers if an ingress message reaches execution past the filter (as the
# IC's ExecutionTest injects messages straight into the subnet queue)
@pytest.mark.parametrize("method,record", [("canister_info", "SELF"), ("raw_rand", {})])
async def test_a_canister_only_method_past_the_filter_is_refused_at_execution(method, record):
    async with Subnet() as net:
        s = await net.deploy(Store)
        record = {"canister_id": s.id} if record == "SELF" else record
        ing = Ingress(net.engine.new_id(), net.default_identity, MANAGEMENT, method, (record,))
        net.engine.enqueue_request(
            Request(net.default_identity, MANAGEMENT, method, (record,), None, ing)
        )
        before = fingerprint(net)
        await net.step()
        assert ing.done
        assert ing.reject == Reject(
            RejectCode.CANISTER_ERROR,
            f"{method} cannot be called by a user.",
            ErrorCode.CanisterContractViolation,
        )
        assert fingerprint(net) == before
