"""The management canister (``aaaaa-aa``): one handler for every subnet message, and the
ingress filter in front of it.

Every call to the management canister, whether an ingress message from a scenario or a call
from a canister, is a *subnet message*: the engine runs it before any canister message, as the
IC's scheduler does, so a management call observes a canister exactly between two message
executions, with whatever calls are in flight left in flight.

An *ingress* message to the management canister first passes the ingress filter
(:meth:`Management.filter_ingress`), which the router calls as the message is submitted: the
IC refuses some management calls there, before execution, with texts and codes of their own
(a method only canisters may call, a canister that does not exist, a sender that does not
control the canister). A refused message is answered at once; nothing executes.

A method either answers (a reply or a :class:`~subnet.errors.Reject`), or answers later
(``stop_canister``). Bad arguments are the caller's fault and get the IC's reject; an
exception of any other kind is the simulator's fault and is raised as
:class:`~subnet.errors.SimulatorError`, never disguised as a reject.
"""

from __future__ import annotations

from typing import Any

from .. import errors
from ..engine import Engine
from ..errors import ErrorCode, Reject, SimulatorError
from ..heap import HeapError, copy_payload
from ..ids import MANAGEMENT, CanisterIdAllocator, Principal
from ..messages import LOW_MEMORY, Request
from ..routing import update_hook_condition
from . import args as parse
from .args import NESTED_NAMES, SETTINGS_FIELDS, parse_record
from .chunks import ChunkMethods
from .context import HARNESS, HarnessCall, ManagementContext, SnapshotPolicy
from .methods import PENDING, LifecycleMethods, MethodTable
from .snapshots import SnapshotMethods

SENDER = "sender_canister_version"

# The IC's management methods (their ``ic00`` names) by what the ingress filter does with
# them. Source: ``rs/types/types/src/messages/ingress_messages.rs``
# (``extract_effective_canister_id``) and ``rs/execution_environment/src/canister_manager.rs``
# (``should_accept_ingress_message``).

NOT_VIA_INGRESS = frozenset(
    {
        "create_canister",
        "raw_rand",
        "deposit_cycles",
        "http_request",
        "setup_initial_dkg",
        "ecdsa_public_key",
        "sign_with_ecdsa",
        "reshare_chain_key",
        "schnorr_public_key",
        "sign_with_schnorr",
        "vetkd_public_key",
        "vetkd_derive_key",
        "bitcoin_get_balance",
        "bitcoin_get_utxos",
        "bitcoin_get_block_headers",
        "bitcoin_send_transaction",
        "bitcoin_send_transaction_internal",
        "bitcoin_get_successors",
        "bitcoin_get_current_fee_percentiles",
        "node_metrics_history",
        "subnet_info",
        "fetch_canister_logs",
    }
)
"""Refused as they are parsed: ``ic00 method <m> can not be called via ingress messages``."""

ONLY_CANISTERS = frozenset({"canister_info", "canister_metadata", "rename_canister"})
"""They name a canister, but only canisters may call them: ``Only canisters can call ic00
method <m>`` (once the canister is found)."""

CONTROLLERS_ONLY = frozenset(
    {
        "canister_status",
        "start_canister",
        "stop_canister",
        "uninstall_code",
        "delete_canister",
        "update_settings",
        "install_code",
        "install_chunked_code",
        "upload_chunk",
        "stored_chunks",
        "clear_chunk_store",
        "take_canister_snapshot",
        "load_canister_snapshot",
        "list_canister_snapshots",
        "delete_canister_snapshot",
        "read_canister_snapshot_metadata",
        "read_canister_snapshot_data",
        "upload_canister_snapshot_metadata",
        "upload_canister_snapshot_data",
    }
)
"""Accepted from a controller of the canister they name only."""

PROVISIONAL = frozenset({"provisional_create_canister_with_cycles", "provisional_top_up_canister"})
"""Accepted from principals on the provisional whitelist: on this development subnet, every
principal (as on dfx's local replica and PocketIC)."""

_CANISTER_FIELD = {"install_chunked_code": "target_canister"}


def not_via_ingress(method: str) -> Reject:
    """406: ``ic00 method <m> can not be called via ingress messages``.

    Source: ``rs/types/types/src/messages/ingress_messages.rs``
    (``ParseIngressError::SubnetMethodNotAllowed``, ``into_user_error``)."""
    return Reject.from_error(
        ErrorCode.CanisterRejectedMessage,
        f"ic00 method {method} can not be called via ingress messages",
    )


def not_exposed(method: str) -> Reject:
    """536: an ingress message naming no method of the management canister.

    Source: ``rs/types/types/src/messages/ingress_messages.rs``
    (``ParseIngressError::UnknownSubnetMethod``, ``into_user_error``)."""
    return Reject.from_error(
        ErrorCode.CanisterMethodNotFound, f"ic00 interface does not expose method {method}"
    )


def _named_canister(method: str, args: tuple[Any, ...]) -> Principal | None:
    """The canister named by the argument of a method the simulator does not implement."""
    if len(args) != 1 or not isinstance(args[0], dict):
        return None
    field = _CANISTER_FIELD.get(method, "canister_id")
    value = args[0].get(field)
    if value is None:
        return None
    try:
        return parse.principal(value, field)
    except parse.BadArgument:
        return None


class Management:
    """Executes subnet messages against the engine. One instance per subnet."""

    def __init__(
        self, engine: Engine, ids: CanisterIdAllocator, seed: int, policy: SnapshotPolicy
    ) -> None:
        self.engine = engine
        self.context = ManagementContext(engine, ids, seed, policy)
        self.lifecycle = LifecycleMethods(self.context)
        self.snapshots = SnapshotMethods(self.context)
        self.chunks = ChunkMethods(self.context, self.lifecycle.install_code)
        self.methods: MethodTable = {
            **self.lifecycle.table(),
            **self.snapshots.table(),
            **self.chunks.table(),
        }
        engine.subnet_handler = self.handle
        engine.ingress_filter = self.filter_ingress
        # the names a Wasm canister's Candid arguments to this canister are decoded by
        engine.management_fields = frozenset(
            {name for schema, _ in self.methods.values() for name in schema}
            | set(SETTINGS_FIELDS)
            | set(NESTED_NAMES)
        )
        engine.sender_version_methods = frozenset(
            method for method, (schema, _) in self.methods.items() if SENDER in schema
        )

    def filter_ingress(self, req: Request) -> Reject | None:
        """The IC's ingress filter for the management canister: the refusal of an ingress
        message ``req``, or ``None`` to accept it. In the replica's order: the method (one
        users may call at all), the canister it names (which must exist: ``Canister <id> not
        found``, without the full stop that the execution's text has), then who may call it.

        Source: ``rs/execution_environment/src/execution_environment.rs``
        (``should_accept_ingress_message``: ``extract_effective_canister_id``, then the
        effective canister, which pays for the message, then
        ``CanisterManager::should_accept_ingress_message``)."""
        method = req.method
        if method in NOT_VIA_INGRESS:
            return not_via_ingress(method)
        if method in PROVISIONAL:
            return None
        if method not in ONLY_CANISTERS and method not in CONTROLLERS_ONLY:
            return not_exposed(method)
        cid = self.effective_canister_id(method, req.args)
        if cid is None:
            return None
        cs = self.engine.get(cid)
        if cs is None:
            return errors.call_target_not_found(cid)
        if method in ONLY_CANISTERS:
            return errors.only_canisters_can_call(method)
        if req.sender not in cs.controllers and not SnapshotMethods.may_view(
            method, cs, req.sender
        ):  # a snapshot viewer (``snapshot_visibility``) may list and read snapshots
            return errors.ingress_not_controller(cid, method)
        return None

    def effective_canister_id(self, method: str, args: tuple[Any, ...]) -> Principal | None:
        """The canister an ingress message names (its effective canister id), or ``None``
        when its argument does not decode: the filter then lets it through, and the method's
        execution refuses the argument (408, the code the replica's filter gives it)."""
        entry = self.methods.get(method)
        if entry is None:
            return _named_canister(method, args)
        if len(args) != 1:
            return None
        try:
            record = parse_record(method, entry[0], args[0])
        except Reject as rej:
            if rej.error_code == ErrorCode.InvalidManagementPayload:
                return None
            # decodes, but the execution refuses it: as the replica, which decodes at the
            # filter and validates (e.g. the number of controllers) at execution
            record = args[0]
        cid = record.get("canister_id")
        return cid if isinstance(cid, Principal) else _named_canister(method, args)

    def harness_call(self, method: str, record: Any) -> HarnessCall:
        """Make the harness canister (:data:`~.context.HARNESS`) call ``method`` with
        ``record``; the returned call is answered like an ingress message (a pending call
        awaits it). It is a canister's call: the ingress filter does not apply."""
        engine = self.engine
        call = HarnessCall(engine.new_id(), HARNESS, MANAGEMENT, method, ())
        engine.trace.emit("submit", MANAGEMENT, method, (call.message_id, HARNESS, None))
        try:
            call.args = copy_payload((record,))
        except HeapError as exc:
            reject = errors.invalid_management_payload(f"arguments are not plain data: {exc}")
            engine.finish_ingress(call, None, reject)
            return call
        engine.enqueue_request(Request(HARNESS, MANAGEMENT, method, call.args, None, call))
        return call

    def handle(self, req: Request) -> str:
        entry = self.methods.get(req.method)
        if entry is None:
            self.engine.answer_request(req, None, errors.management_method_not_found(req.method))
            return "reject"
        schema, fn = entry
        try:
            if len(req.args) != 1:
                raise errors.candid_decode_error(
                    f"{req.method} takes exactly one record argument, got {len(req.args)}"
                )
            record = parse_record(req.method, schema, req.args[0])
            result = fn(req, **record)
        except Reject as rej:
            self.engine.answer_request(req, None, rej)
            return "reject"
        except Exception as exc:
            # not the caller's bad input (that is a Reject): a fault of the simulator itself
            raise SimulatorError(f"management method {req.method} failed: {exc!r}") from exc
        self._after(record)
        if result is PENDING:
            return "pending"
        self.engine.answer_request(req, result, None)
        return "reply"

    def _after(self, record: dict[str, Any]) -> None:
        """What the replica does after a subnet message succeeded on a canister: the
        low-memory hook's condition is checked again at once (install, settings, a snapshot
        taken, loaded or deleted can all change it), not at the next round. Only for a
        canister whose code defines the hook (or that has no code), as the rounds check it:
        the check measures the heap's image, which a large heap pays for (the replica keeps
        its status for every canister; here one without the hook stays
        ``condition_not_satisfied``)."""
        cs = self.engine.canisters.get(record.get("canister_id"))  # type: ignore[arg-type]
        if cs is None:
            return
        code = cs.code  # (no code: no memory, a cheap check)
        if code is None or LOW_MEMORY in code.__system_tasks__:
            update_hook_condition(cs)
