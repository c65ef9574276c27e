"""Reject codes, IC error codes and the :class:`Reject` exception.

Numbering and names follow dfinity/ic ``rs/types/error_types/src/lib.rs``: an error code's first
digit is its reject code, and it prints as ``IC`` + four digits (``IC0301``). The message builders
below return a :class:`Reject` carrying the replica's wording for each error the simulator raises.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

from subnet.ids import Principal, SnapshotId

__all__ = [
    "DOC_BASE",
    "MAX_SLICE_SIZE_BYTES",
    "MAX_SNAPSHOT_ID_LENGTH",
    "ErrorCode",
    "PrincipalLike",
    "Reject",
    "RejectCode",
    "call_target_not_found",
    "candid_decode_error",
    "canister_called_trap",
    "canister_invalid_controller",
    "canister_method_not_found",
    "canister_non_empty",
    "canister_not_found",
    "canister_not_running",
    "canister_queue_full",
    "canister_rejected_message",
    "canister_stopped",
    "canister_stopped_query",
    "canister_stopping",
    "canister_trapped",
    "canister_uninstalled",
    "deadline_expired",
    "delete_canister_not_stopped",
    "delete_canister_self",
    "did_not_reply",
    "ingress_not_controller",
    "invalid_management_payload",
    "invalid_slice",
    "invalid_snapshot_id",
    "invalid_snapshot_metadata",
    "invalid_wasm_module",
    "management_method_not_found",
    "no_response",
    "only_canisters_can_call",
    "response_dropped",
    "sender_version_mismatch",
    "slice_too_large",
    "snapshot_globals_mismatch",
    "snapshot_immutable",
    "snapshot_inconsistent",
    "snapshot_invalid_ownership",
    "snapshot_limit_exceeded",
    "snapshot_not_controller",
    "snapshot_not_found",
    "snapshot_of_empty_canister",
    "state_canister_not_found",
    "stop_request_cancelled",
    "wasm_module_not_found",
]


class RejectCode(IntEnum):
    """The IC's reject codes (interface spec, "Reject codes")."""

    SYS_FATAL = 1
    SYS_TRANSIENT = 2
    DESTINATION_INVALID = 3
    CANISTER_REJECT = 4
    CANISTER_ERROR = 5
    SYS_UNKNOWN = 6


class ErrorCode(IntEnum):
    """User-facing IC error codes, named and numbered as in the replica."""

    # 1xx -- SYS_FATAL
    SubnetOversubscribed = 101
    MaxNumberOfCanistersReached = 102
    # 2xx -- SYS_TRANSIENT
    CanisterQueueFull = 201
    IngressMessageTimeout = 202
    CanisterQueueNotEmpty = 203
    IngressHistoryFull = 204
    CanisterIdAlreadyExists = 205
    StopCanisterRequestTimeout = 206
    CanisterOutOfCycles = 207
    CertifiedStateUnavailable = 208
    CanisterInstallCodeRateLimited = 209
    CanisterHeapDeltaRateLimited = 210
    # 3xx -- DESTINATION_INVALID
    CanisterNotFound = 301
    CanisterSnapshotNotFound = 305
    # 4xx -- CANISTER_REJECT
    InsufficientMemoryAllocation = 402
    InsufficientCyclesForCreateCanister = 403
    SubnetNotFound = 404
    CanisterNotHostedBySubnet = 405
    CanisterRejectedMessage = 406
    UnknownManagementMessage = 407
    InvalidManagementPayload = 408
    CanisterSnapshotImmutable = 409
    # 5xx -- CANISTER_ERROR
    CanisterTrapped = 502
    CanisterCalledTrap = 503
    CanisterContractViolation = 504
    CanisterInvalidWasm = 505
    CanisterDidNotReply = 506
    CanisterOutOfMemory = 507
    CanisterStopped = 508
    CanisterStopping = 509
    CanisterNotStopped = 510
    CanisterStoppingCancelled = 511
    CanisterInvalidController = 512
    CanisterFunctionNotFound = 513
    CanisterNonEmpty = 514
    QueryCallGraphLoopDetected = 517
    InsufficientCyclesInCall = 520
    CanisterWasmEngineError = 521
    CanisterInstructionLimitExceeded = 522
    CanisterMemoryAccessLimitExceeded = 524
    QueryCallGraphTooDeep = 525
    QueryCallGraphTotalInstructionLimitExceeded = 526
    CompositeQueryCalledInReplicatedMode = 527
    QueryTimeLimitExceeded = 528
    QueryCallGraphInternal = 529
    InsufficientCyclesInComputeAllocation = 530
    InsufficientCyclesInMemoryAllocation = 531
    InsufficientCyclesInMemoryGrow = 532
    ReservedCyclesLimitExceededInMemoryAllocation = 533
    ReservedCyclesLimitExceededInMemoryGrow = 534
    InsufficientCyclesInMessageMemoryGrow = 535
    CanisterMethodNotFound = 536
    CanisterWasmModuleNotFound = 537
    CanisterAlreadyInstalled = 538
    CanisterWasmMemoryLimitExceeded = 539
    ReservedCyclesLimitIsTooLow = 540
    # 6xx -- SYS_UNKNOWN (best-effort calls only)
    DeadlineExpired = 601
    ResponseDropped = 602

    @property
    def reject_code(self) -> RejectCode:
        """The reject code this error maps to: its first digit."""
        return RejectCode(int(self) // 100)

    @property
    def ic_code(self) -> str:
        """The printed form, e.g. ``"IC0301"``."""
        return f"IC{int(self):04d}"


class Reject(Exception):
    """A rejected call: what every failure in the simulator is.

    ``Reject(reject_code, reject_message, error_code=None)``. Equality compares the three
    fields; instances pickle (they cross process boundaries in campaigns).
    """

    reject_code: RejectCode
    reject_message: str
    error_code: ErrorCode | None

    def __init__(
        self,
        reject_code: RejectCode | int,
        reject_message: str,
        error_code: ErrorCode | int | None = None,
    ) -> None:
        rc = RejectCode(reject_code)
        ec = None if error_code is None else ErrorCode(error_code)
        if not isinstance(reject_message, str):
            raise TypeError(f"reject_message must be str, not {type(reject_message).__name__}")
        super().__init__(rc, reject_message, ec)
        self.reject_code = rc
        self.reject_message = reject_message
        self.error_code = ec

    @classmethod
    def from_error(cls, error_code: ErrorCode, message: str) -> Reject:
        """A reject for ``error_code`` with the reject code its first digit gives."""
        code = ErrorCode(error_code)
        return cls(code.reject_code, message, code)

    def for_canister_caller(self) -> Reject:
        """The reject as a *calling canister* sees it when this error ends a canister's own
        execution (trap, missing method, ...): the replica then puts the printed error code in
        front of the message (``IC0503: Error from Canister ...``), because it turns the whole
        user error into text (``rs/execution_environment/src/execution/common.rs``,
        ``action_to_request_response``). Errors of the management canister reach canister
        callers without that prefix, so do not use this for them."""
        if self.error_code is None:
            return self
        return Reject(
            self.reject_code, f"{self.error_code.ic_code}: {self.reject_message}", self.error_code
        )

    def __reduce__(self) -> tuple[type[Reject], tuple[RejectCode, str, ErrorCode | None]]:
        return (type(self), (self.reject_code, self.reject_message, self.error_code))

    def __str__(self) -> str:
        head = self.reject_code.name
        if self.error_code is not None:
            head += f", {self.error_code.ic_code}"
        return f"Reject({head}): {self.reject_message}"

    def __repr__(self) -> str:
        ec = "None" if self.error_code is None else f"ErrorCode.{self.error_code.name}"
        return f"Reject(RejectCode.{self.reject_code.name}, {self.reject_message!r}, {ec})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Reject):
            return (self.reject_code, self.reject_message, self.error_code) == (
                other.reject_code,
                other.reject_message,
                other.error_code,
            )
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.reject_code, self.reject_message, self.error_code))


# =============================================================================================
# Message builders: one per IC error the simulator raises, with the replica's wording.
#
# Texts are the replica's as of dfinity/ic master (2025). Many management-canister errors end in
# a help line that the replica appends after a newline:
#     "<message>\n<suggestion> See documentation: <link>"
# (``rs/types/wasm_types/src/errors.rs``, ``ErrorHelp``'s Display). Errors raised while running
# canister code are prefixed with ``Error from Canister <id>: `` and, when they carry help, get
# a ``.`` and the help line after the error's own text
# (``rs/interfaces/src/execution_environment/errors.rs``, ``HypervisorError::into_user_error``),
# which is why some messages show ``..`` (the error's own full stop plus that ``.``).
# =============================================================================================

#: Base of the documentation links in help lines (``doc_ref`` in ``rs/types/wasm_types``).
DOC_BASE = "https://internetcomputer.org/docs/current/references/execution-errors"

#: ``MAX_SLICE_SIZE_BYTES`` in ``rs/execution_environment/src/canister_manager.rs``.
MAX_SLICE_SIZE_BYTES = 2_000_000

#: The 8-byte local id plus the longest principal (``SnapshotId::MAX_LENGTH_IN_BYTES``).
MAX_SNAPSHOT_ID_LENGTH = 8 + 29

PrincipalLike = Principal | str


def _text(p: PrincipalLike) -> str:
    return str(p)


def _doc(section: str) -> str:
    return f"{DOC_BASE}#{section}"


def _help(suggestion: str, link: str) -> str:
    """The replica's ``additional_help``: a newline, the suggestion, the documentation link."""
    return f"\n{suggestion} See documentation: {link}"


def _from_canister(canister_id: PrincipalLike, text: str, help_line: str = "") -> str:
    """``HypervisorError::into_user_error``'s description."""
    if help_line:
        return f"Error from Canister {_text(canister_id)}: {text}.{help_line}"
    return f"Error from Canister {_text(canister_id)}: {text}"


_TRAP_SUGGESTION = (
    "Consider gracefully handling failures from this canister or altering the canister to "
    "handle exceptions."
)
_LIST_SNAPSHOTS_SUGGESTION = (
    "Use the `list_canister_snapshot` API to see which snapshots are present."
)


# --- calls to canisters ----------------------------------------------------------------------


def canister_not_found(canister_id: PrincipalLike) -> Reject:
    """301, from the management canister (``CanisterManagerError::CanisterNotFound``):
    ``Canister <id> not found.`` plus help.

    Source: ``rs/execution_environment/src/canister_manager/types.rs``."""
    return Reject.from_error(
        ErrorCode.CanisterNotFound,
        f"Canister {_text(canister_id)} not found."
        + _help(
            "Check the ICP dashboard to ensure the canister exists.", _doc("canister-not-found")
        ),
    )


def state_canister_not_found(canister_id: PrincipalLike) -> Reject:
    """301 as the execution environment reports it when a management call names a canister
    the subnet does not have: ``Canister <id> not found.``, with no help line (the snapshot
    tests of ``rs/execution_environment`` compare this whole text)."""
    return Reject.from_error(
        ErrorCode.CanisterNotFound, f"Canister {_text(canister_id)} not found."
    )


def invalid_wasm_module() -> Reject:
    """505: a snapshot's module is not a module this subnet can run (``CanisterInvalidWasm``:
    ``Canister's Wasm module is not valid: ...``).

    Source: ``rs/execution_environment/tests/canister_snapshots.rs``
    (``upload_and_load_snapshot_with_invalid_wasm``)."""
    return Reject.from_error(
        ErrorCode.CanisterInvalidWasm,
        "Canister's Wasm module is not valid: Failed to decode wasm module: unsupported "
        "canister module format.",
    )


MAX_INGRESS_PAYLOAD_BYTES = 2 * 1024 * 1024
"""The largest ingress message an application subnet accepts (2 MiB)."""
MAX_INTER_CANISTER_PAYLOAD_BYTES = 2 * 1024 * 1024
"""The largest reply (and cross-subnet request) payload: ``MAX_INTER_CANISTER_PAYLOAD_IN_BYTES``."""
MAX_SAME_SUBNET_REQUEST_BYTES = 5 * MAX_INTER_CANISTER_PAYLOAD_BYTES
"""The largest request to a canister of the same subnet (every canister here): 10 MiB."""


def ingress_too_large(size: int, limit: int = MAX_INGRESS_PAYLOAD_BYTES) -> Reject:
    """An ingress message over the limit never reaches the subnet: the HTTP endpoint refuses
    it (413 Payload Too Large). It has no IC error code; the simulator gives the pending call
    a ``SYS_FATAL`` reject with this text."""
    return Reject(
        RejectCode.SYS_FATAL,
        f"Request is too large: its payload of {size} bytes is larger than the maximum of "
        f"{limit} bytes that a subnet accepts in an ingress message.",
        None,
    )


def request_too_large(
    canister_id: PrincipalLike, callee: PrincipalLike, method: str, size: int, limit: int
) -> Reject:
    """504: an inter-canister call whose payload is over the limit (``ic0.call_data_append``
    / ``ic0.call_perform``): the calling execution traps.

    Source: ``rs/embedders/src/wasmtime_embedder/system_api/request_in_prep.rs``."""
    return Reject.from_error(
        ErrorCode.CanisterContractViolation,
        _from_canister(
            canister_id,
            f"Canister violated contract: Request to {_text(callee)}:{method} has a payload "
            f"size of {size}, which exceeds the permitted limit of {limit}",
        ),
    )


def nat_text(n: int) -> str:
    """A Candid ``nat`` as Rust's ``candid::Nat`` displays it: ``2_592_000`` (in the replica's
    texts and in dfx's output)."""
    return f"{n:_}"


class Refused(BaseException):
    """A trap the system raises (a System API call the IC refuses), with the IC's reject. A
    ``BaseException``: canister code that catches ``Exception`` cannot swallow it, as Wasm
    code cannot catch a trap."""

    def __init__(self, reject: Reject) -> None:
        super().__init__(reject.reject_message)
        self.reject = reject


def _bare(canister_id: PrincipalLike, reject: Reject) -> str:
    """A canister error's own text: without ``Error from Canister <id>: `` and the help line."""
    text = reject.reject_message
    prefix = f"Error from Canister {_text(canister_id)}: "
    if text.startswith(prefix):
        text = text[len(prefix) :]
    head, sep, tail = text.rpartition(".\n")
    if sep and " See documentation: " in tail and "\n" not in tail:
        text = head
    return text


def cleanup_also_failed(canister_id: PrincipalLike, callback: Reject, cleanup: Reject) -> Reject:
    """A callback that trapped, whose cleanup (``call_on_cleanup``) trapped too: both texts, the
    callback's code, no help line.

    Source: ``rs/interfaces/src/execution_environment/errors.rs``
    (``HypervisorError::Cleanup``)."""
    text = (
        f"{_bare(canister_id, callback)}\n\ncall_on_cleanup also failed:\n\n"
        f"{_bare(canister_id, cleanup)}"
    )
    return Reject(callback.reject_code, _from_canister(canister_id, text), callback.error_code)


def contract_violation(canister_id: PrincipalLike, text: str) -> Reject:
    """504: the canister called a System API function against its contract, e.g. replying to
    a call that is already answered: the execution traps (no help line).

    Source: ``rs/interfaces/src/execution_environment/errors.rs``
    (``HypervisorError::UserContractViolation``)."""
    return Reject.from_error(
        ErrorCode.CanisterContractViolation,
        _from_canister(canister_id, f"Canister violated contract: {text}"),
    )


def not_in_mode(canister_id: PrincipalLike, api: str, mode: str) -> Reject:
    """504: a System API function called where the IC does not provide it, e.g. ``ic0_call_new``,
    ``ic0_certified_data_set`` or ``ic0_global_timer_set`` in a query (``mode``: ``non
    replicated query``, ``replicated query``): the execution traps.

    Source: ``rs/embedders/src/wasmtime_embedder/system_api.rs``
    (``HypervisorError::UserContractViolation``, ``ApiType``'s names)."""
    return contract_violation(canister_id, f'"{api}" cannot be executed in {mode} mode')


def reply_too_large(canister_id: PrincipalLike, size: int, limit: int) -> Reject:
    """504: a reply over the limit (``ic0.msg_reply_data_append``): the execution traps.

    Source: ``rs/embedders/src/wasmtime_embedder/system_api.rs``."""
    return Reject.from_error(
        ErrorCode.CanisterContractViolation,
        _from_canister(
            canister_id,
            f"Canister violated contract: ic0.msg_reply_data_append: application payload "
            f"size ({size}) cannot be larger than {limit}.",
        ),
    )


def sender_version_mismatch(given: int, actual: int) -> Reject:
    """504: ``sender_canister_version`` differs from the calling canister's version.

    Source: ``rs/embedders/src/wasmtime_embedder/system_api/sandbox_safe_system_state.rs``
    (``validate_sender_canister_version``)."""
    return Reject.from_error(
        ErrorCode.CanisterContractViolation,
        f"Management canister call payload includes sender canister version {given} that does "
        f"not match the actual sender canister version {actual}.",
    )


def call_target_not_found(canister_id: PrincipalLike) -> Reject:
    """301, for a message to a canister that does not exist (induction and routing):
    ``Canister <id> not found``, no full stop, no help. Also what the ingress filter of the
    management canister answers for an unknown target canister.

    Source: ``rs/interfaces/src/messaging.rs`` (``IngressInductionError``),
    ``rs/replicated_state/src/replicated_state.rs`` (``StateError``),
    ``rs/execution_environment/src/execution_environment.rs`` (ingress filter)."""
    return Reject.from_error(ErrorCode.CanisterNotFound, f"Canister {_text(canister_id)} not found")


def canister_method_not_found(
    canister_id: PrincipalLike, method: str, kind: str = "update"
) -> Reject:
    """536: the canister exports no such method. ``kind`` is ``"update"``, ``"query"``,
    ``"composite_query"`` or ``"system"`` as the replica words it.

    Source: ``rs/interfaces/src/execution_environment/errors.rs``
    (``HypervisorError::MethodNotFound`` and its help)."""
    if kind not in ("update", "query", "composite_query", "system"):
        raise ValueError(f"unknown method kind {kind!r}")
    return Reject.from_error(
        ErrorCode.CanisterMethodNotFound,
        _from_canister(
            canister_id,
            f"Canister has no {kind} method '{method}'.",
            _help(
                "Check that the method being called is exported by the target canister.",
                _doc("method-not-found"),
            ),
        ),
    )


def management_method_not_found(method: str) -> Reject:
    """536: unknown method of ``aaaaa-aa``: ``Management canister has no method '<m>'``.

    Source: ``rs/execution_environment/src/execution_environment.rs`` (asserted in
    ``rs/execution_environment/tests/execution_environment.rs``)."""
    return Reject.from_error(
        ErrorCode.CanisterMethodNotFound, f"Management canister has no method '{method}'"
    )


def canister_stopped(canister_id: PrincipalLike) -> Reject:
    """508: an update call or request to a stopped canister: ``Canister <id> is stopped``.

    Source: ``rs/interfaces/src/messaging.rs`` (``IngressInductionError``) and
    ``rs/replicated_state/src/replicated_state.rs`` (``StateError``)."""
    return Reject.from_error(ErrorCode.CanisterStopped, f"Canister {_text(canister_id)} is stopped")


def canister_not_running(canister_id: PrincipalLike, stopped: bool) -> Reject:
    """508 / 509 for a message that was already queued when its canister stopped (or began
    stopping): ``Canister <id> is not running`` (``rs/execution_environment/src/util.rs``,
    and the ``stopp*_canister_rejects_requests`` tests of the execution environment)."""
    code = ErrorCode.CanisterStopped if stopped else ErrorCode.CanisterStopping
    return Reject.from_error(code, f"Canister {_text(canister_id)} is not running")


def canister_stopped_query(canister_id: PrincipalLike) -> Reject:
    """508: a query to a stopped canister.

    Source: ``rs/replicated_state/src/replicated_state.rs`` (``get_active_canister``) and
    ``rs/execution_environment/src/query_handler/query_context.rs``."""
    return Reject.from_error(
        ErrorCode.CanisterStopped,
        f"Canister {_text(canister_id)} is stopped and therefore does not have a "
        "CallContextManager",
    )


def canister_stopping(canister_id: PrincipalLike) -> Reject:
    """509: an update call or request to a stopping canister: ``Canister <id> is stopping``.

    Source: ``rs/interfaces/src/messaging.rs`` and
    ``rs/replicated_state/src/replicated_state.rs``."""
    return Reject.from_error(
        ErrorCode.CanisterStopping, f"Canister {_text(canister_id)} is stopping"
    )


def canister_queue_full(capacity: int = 500) -> Reject:
    """201 (SYS_TRANSIENT): the canister-pair queue is full.

    Source: ``rs/replicated_state/src/replicated_state.rs`` (``StateError::QueueFull``)."""
    return Reject.from_error(
        ErrorCode.CanisterQueueFull, f"Maximum queue capacity {capacity} reached"
    )


def canister_called_trap(canister_id: PrincipalLike, message: str) -> Reject:
    """503: the method trapped explicitly (``ic0.trap``; in the simulator: raised an exception).

    Source: ``rs/interfaces/src/execution_environment/errors.rs``
    (``HypervisorError::CalledTrap``)."""
    return Reject.from_error(
        ErrorCode.CanisterCalledTrap,
        _from_canister(
            canister_id,
            f"Canister called `ic0.trap` with message: '{message}'",
            _help(_TRAP_SUGGESTION, _doc("trapped-explicitly")),
        ),
    )


def instruction_limit_exceeded(canister_id: PrincipalLike, limit: int) -> Reject:
    """522: the execution ran past its instruction limit (in the simulator: its time budget,
    :mod:`subnet.budget`). The replica's text already ends with a full stop, and the help
    line adds another.

    Source: ``rs/interfaces/src/execution_environment/errors.rs``
    (``HypervisorError::InstructionLimitExceeded``)."""
    return Reject.from_error(
        ErrorCode.CanisterInstructionLimitExceeded,
        _from_canister(
            canister_id,
            f"Canister exceeded the limit of {limit} instructions for single message execution.",
            _help(
                "Try optimizing this method to consume fewer instructions or split the work "
                "across multiple messages.",
                _doc("instruction-limit-exceeded"),
            ),
        ),
    )


def canister_trapped(canister_id: PrincipalLike, trap: str) -> Reject:
    """502: a Wasm-level trap; ``trap`` is the trap code text, e.g. ``"heap out of bounds"``,
    ``"stable memory out of bounds"``, ``"integer division by 0"``, ``"unreachable"``.

    Source: ``rs/interfaces/src/execution_environment/errors.rs``
    (``HypervisorError::Trapped`` and ``TrapCode``'s Display)."""
    return Reject.from_error(
        ErrorCode.CanisterTrapped,
        _from_canister(
            canister_id, f"Canister trapped: {trap}", _help(_TRAP_SUGGESTION, _doc("trapped"))
        ),
    )


def did_not_reply(canister_id: PrincipalLike) -> Reject:
    """506: the call context of an *ingress* call closed without a reply.

    Source: ``rs/execution_environment/src/execution/common.rs``
    (``action_to_ingress_response``)."""
    return Reject.from_error(
        ErrorCode.CanisterDidNotReply, f"Canister {_text(canister_id)} did not reply to the call"
    )


def no_response() -> Reject:
    """CANISTER_ERROR ``No response``: what a *calling canister* gets when the callee's call
    context closed without a reply. The replica sends no error code with it (``error_code`` is
    ``None``).

    Source: ``rs/execution_environment/src/execution/common.rs``
    (``action_to_request_response``)."""
    return Reject(RejectCode.CANISTER_ERROR, "No response")


def ingress_no_wasm_module() -> Reject:
    """537, from the ingress filter: an ingress message to a canister with no module is
    refused before it is accepted (the filter's first check of ``canister_inspect_message``).

    Source: ``rs/execution_environment/src/execution/inspect_message.rs``."""
    return Reject.from_error(
        ErrorCode.CanisterWasmModuleNotFound, "Requested canister has no wasm module"
    )


def wasm_module_not_found(canister_id: PrincipalLike) -> Reject:
    """537: a message (or an upgrade) reached a canister that has no module installed.

    Source: ``rs/interfaces/src/execution_environment/errors.rs``
    (``HypervisorError::WasmModuleNotFound``)."""
    return Reject.from_error(
        ErrorCode.CanisterWasmModuleNotFound,
        _from_canister(
            canister_id,
            "Attempted to execute a message, but the canister contains no Wasm module.",
            _help(
                "Please install code to this canister before calling it.",
                _doc("wasm-module-not-found"),
            ),
        ),
    )


def canister_rejected_message(canister_id: PrincipalLike) -> Reject:
    """406: the canister's ``canister_inspect_message`` refused an ingress message.

    Source: ``rs/interfaces/src/execution_environment/errors.rs``
    (``HypervisorError::MessageRejected``; its help is empty)."""
    return Reject.from_error(
        ErrorCode.CanisterRejectedMessage,
        _from_canister(canister_id, "Canister rejected the message"),
    )


def canister_uninstalled() -> Reject:
    """406 (CANISTER_REJECT): what every open call context of a canister gets when its code is
    uninstalled (``uninstall_code``, or take with ``uninstall_code = true``).

    Source: ``rs/execution_environment/src/canister_manager.rs`` (``uninstall_canister``)."""
    return Reject.from_error(ErrorCode.CanisterRejectedMessage, "Canister has been uninstalled.")


# --- the management canister: control, lifecycle ---------------------------------------------


def canister_invalid_controller(
    canister_id: PrincipalLike, controllers: Iterable[PrincipalLike], sender: PrincipalLike
) -> Reject:
    """512: the caller is not a controller. Controllers are listed as the replica's
    ``BTreeSet<PrincipalId>`` orders them (shorter principals first, then by bytes),
    separated by single spaces.

    Source: ``rs/execution_environment/src/canister_manager/types.rs``
    (``CanisterManagerError::CanisterInvalidController``)."""
    ctrls = sorted({_as_principal(c) for c in controllers}, key=lambda p: (len(p.raw), p.raw))
    listed = " ".join(str(c) for c in ctrls)
    return Reject.from_error(
        ErrorCode.CanisterInvalidController,
        f"Only the controllers of the canister {_text(canister_id)} can control it.\n"
        f"Canister's controllers: {listed}\n"
        f"Sender's ID: {_text(sender)}"
        + _help(
            "Execute this call from a controller of the target canister or add the current "
            "caller as a controller.",
            _doc("invalid-controller"),
        ),
    )


def ingress_not_controller(canister_id: PrincipalLike, method: str) -> Reject:
    """512: an *ingress* message to ``aaaaa-aa`` from a non-controller, refused by the
    management canister's ingress filter before execution.

    Source: ``rs/execution_environment/src/execution_environment.rs``
    (``should_accept_ingress_message``)."""
    return Reject.from_error(
        ErrorCode.CanisterInvalidController,
        f"Only controllers of canister {_text(canister_id)} can call ic00 method {method}",
    )


def only_canisters_can_call(method: str) -> Reject:
    """406: a management method reserved for canisters (e.g. ``canister_info``,
    ``raw_rand``) sent as ingress.

    Source: ``rs/execution_environment/src/execution_environment.rs``
    (``should_accept_ingress_message``)."""
    return Reject.from_error(
        ErrorCode.CanisterRejectedMessage, f"Only canisters can call ic00 method {method}"
    )


def canister_non_empty(canister_id: PrincipalLike) -> Reject:
    """514: ``install_code`` in mode ``install`` on a canister that has a module.

    Source: ``rs/execution_environment/src/canister_manager/types.rs``
    (``CanisterManagerError::CanisterNonEmpty``)."""
    return Reject.from_error(
        ErrorCode.CanisterNonEmpty,
        f"Canister {_text(canister_id)} cannot be installed because the canister is not empty. "
        "Try installing with mode='reinstall' instead."
        + _help(
            "Check that you want to overwrite the canister and, if so, use mode='reinstall'.",
            _doc("canister-not-empty"),
        ),
    )


def delete_canister_not_stopped(canister_id: PrincipalLike) -> Reject:
    """510: ``delete_canister`` on a canister that is running or stopping.

    Source: ``rs/execution_environment/src/canister_manager/types.rs``
    (``CanisterManagerError::DeleteCanisterNotStopped``)."""
    return Reject.from_error(
        ErrorCode.CanisterNotStopped,
        f"Canister {_text(canister_id)} must be stopped before it is deleted."
        + _help("Stop the canister before deleting it.", _doc("delete-canister-not-stopped")),
    )


def delete_canister_self(canister_id: PrincipalLike) -> Reject:
    """512: a canister called ``delete_canister`` on itself.

    Source: ``rs/execution_environment/src/canister_manager/types.rs``
    (``CanisterManagerError::DeleteCanisterSelf``)."""
    return Reject.from_error(
        ErrorCode.CanisterInvalidController,
        f"Canister {_text(canister_id)} cannot delete itself."
        + _help(
            "Delete the canister from one of its other controllers.",
            _doc("delete-canister-self"),
        ),
    )


def stop_request_cancelled(canister_id: PrincipalLike) -> Reject:
    """511: a pending ``stop_canister`` answered because ``start_canister`` ran meanwhile.

    Source: ``rs/execution_environment/src/canister_manager.rs`` (``start_canister``)."""
    return Reject.from_error(
        ErrorCode.CanisterStoppingCancelled,
        f"Canister {_text(canister_id)}'s stop request was cancelled.",
    )


STOP_TIMEOUT_TEXT = "Stop canister request timed out"


def stop_request_timed_out() -> Reject:
    """206: a ``stop_canister`` still pending ``STOP_CANISTER_TIMEOUT_DURATION`` (5 minutes)
    after it was executed is answered with a timeout; the canister stays stopping. A calling
    canister gets the same reject code and text, without the error code.

    Source: the replica's scheduler (stop canister requests timed out at the start of a
    round), ``rs/execution_environment/src/scheduler/tests``; the text as the error code
    table words it."""
    return Reject.from_error(ErrorCode.StopCanisterRequestTimeout, STOP_TIMEOUT_TEXT)


# --- the management canister: arguments --------------------------------------------------------


def invalid_management_payload(detail: str) -> Reject:
    """408 with ``detail`` as the whole message: malformed arguments to a management method.

    Source: ``ErrorCode::InvalidManagementPayload`` in ``rs/types/error_types/src/lib.rs``;
    the text is the caller's."""
    return Reject.from_error(ErrorCode.InvalidManagementPayload, detail)


def candid_decode_error(detail: str) -> Reject:
    """408: the Candid argument of a management method does not decode:
    ``Error decoding candid: <detail>``.

    Source: ``rs/types/management_canister_types/src/lib.rs``
    (``candid_error_to_user_error``)."""
    return Reject.from_error(ErrorCode.InvalidManagementPayload, f"Error decoding candid: {detail}")


def invalid_snapshot_id(raw: bytes) -> Reject:
    """408: a ``snapshot_id`` / ``replace_snapshot`` blob that is not a snapshot id (too short,
    too long, or not a principal after the first 8 bytes). Worded as the replica's
    ``SnapshotIdError`` inside a Candid decoding error; see the note at the end of this module.

    Source: ``rs/types/base_types/src/lib.rs`` (``SnapshotId::try_from``,
    ``SnapshotIdError``'s Display)."""
    n = len(raw)
    if n < 8:
        why = (
            "Invalid length of SnapshotId: Invalid snapshot ID length: "
            f"provided {n}, minumum length expected {MAX_SNAPSHOT_ID_LENGTH}."
        )
    elif n > MAX_SNAPSHOT_ID_LENGTH:
        why = (
            "Invalid length of SnapshotId: Invalid snapshot ID length: "
            f"provided {n}, maximum length expected {MAX_SNAPSHOT_ID_LENGTH}."
        )
    else:
        why = (
            "Invalid format of SnapshotId: Failed to create a Snapshot ID. "
            "Input could not be parsed into a Snapshot ID."
        )
    return candid_decode_error(why)


# --- snapshots ---------------------------------------------------------------------------------


def snapshot_not_found(snapshot_id: SnapshotId | str, canister_id: PrincipalLike) -> Reject:
    """305: no snapshot with this id exists (take with ``replace_snapshot``, load, delete, read,
    upload data). ``snapshot_id`` prints as ``<canister>-<local id>``.

    Source: ``rs/execution_environment/src/canister_manager/types.rs``
    (``CanisterManagerError::CanisterSnapshotNotFound``)."""
    return Reject.from_error(
        ErrorCode.CanisterSnapshotNotFound,
        f"Could not find the snapshot ID {snapshot_id} for canister {_text(canister_id)}."
        + _help(_LIST_SNAPSHOTS_SUGGESTION, _doc("canister-snapshot-not-found")),
    )


def snapshot_invalid_ownership(snapshot_id: SnapshotId | str, canister_id: PrincipalLike) -> Reject:
    """406: the snapshot exists but belongs to another canister (take's ``replace_snapshot``,
    delete, read, upload data).

    Source: ``rs/execution_environment/src/canister_manager/types.rs``
    (``CanisterManagerError::CanisterSnapshotInvalidOwnership``)."""
    return Reject.from_error(
        ErrorCode.CanisterRejectedMessage,
        f"The snapshot {snapshot_id} does not belong to canister {_text(canister_id)}."
        + _help(_LIST_SNAPSHOTS_SUGGESTION, _doc("canister-snapshot-invalid-ownership")),
    )


def snapshot_not_controller(
    sender: PrincipalLike, canister_id: PrincipalLike, snapshot_id: SnapshotId | str
) -> Reject:
    """406: load of another canister's snapshot by a sender who does not control the
    canister the snapshot belongs to. (The help link is a bare section name in the replica.)

    Source: ``rs/execution_environment/src/canister_manager/types.rs``
    (``CanisterManagerError::CanisterSnapshotNotController``)."""
    return Reject.from_error(
        ErrorCode.CanisterRejectedMessage,
        f"Only a controller of the canister that snapshot {snapshot_id} belongs to can load it "
        f"on canister {_text(canister_id)}. Sender: {_text(sender)}."
        + _help(
            "Make sure you are a controller of the canister that the snapshot belongs to.",
            "canister-snapshot-not-controller",
        ),
    )


def snapshot_limit_exceeded(canister_id: PrincipalLike, limit: int) -> Reject:
    """406: take (or metadata upload) without ``replace_snapshot`` when the canister already
    has ``limit`` snapshots. (The help link is a bare section name in the replica.)

    Source: ``rs/execution_environment/src/canister_manager/types.rs``
    (``CanisterManagerError::CanisterSnapshotLimitExceeded``)."""
    return Reject.from_error(
        ErrorCode.CanisterRejectedMessage,
        f"Canister {_text(canister_id)} has reached the maximum number of snapshots allowed: "
        f"{limit}."
        + _help(
            "Consider deleting an unnecessary snapshot of the specified canister before "
            "creating a new one.",
            "canister-snapshot-limit-exceeded",
        ),
    )


def snapshot_of_empty_canister(canister_id: PrincipalLike) -> Reject:
    """406: take on a canister with no module. The replica's text really ends in ``:``.

    Source: ``rs/execution_environment/src/canister_manager/types.rs``
    (``CanisterManagerError::CanisterSnapshotExecutionStateNotFound``)."""
    return Reject.from_error(
        ErrorCode.CanisterRejectedMessage,
        f"Failed to create snapshot for empty canister {_text(canister_id)}:",
    )


def snapshot_immutable() -> Reject:
    """409: ``upload_canister_snapshot_data`` into a snapshot that was taken, not created by
    ``upload_canister_snapshot_metadata``.

    Source: ``rs/execution_environment/src/canister_manager/types.rs``
    (``CanisterManagerError::CanisterSnapshotImmutable``)."""
    return Reject.from_error(
        ErrorCode.CanisterSnapshotImmutable,
        "Only canister snapshots created by metadata upload can be mutated.",
    )


def snapshot_inconsistent(message: str) -> Reject:
    """408 with ``message`` as the text: an uploaded snapshot that cannot be loaded as is.

    Source: ``rs/execution_environment/src/canister_manager/types.rs``
    (``CanisterManagerError::CanisterSnapshotInconsistent``)."""
    return Reject.from_error(ErrorCode.InvalidManagementPayload, message)


def snapshot_globals_mismatch() -> Reject:
    """408: load of an uploaded snapshot whose globals do not match its module's exports.

    Source: ``rs/execution_environment/src/canister_manager.rs``
    (``load_canister_snapshot``)."""
    return snapshot_inconsistent(
        "Wasm exported globals of canister module and snapshot metadata do not match."
    )


def invalid_snapshot_metadata(detail: str) -> Reject:
    """408: ``upload_canister_snapshot_metadata`` with invalid fields. The replica prints its
    validation error's Rust ``Debug`` form as ``detail``.

    Source: ``rs/execution_environment/src/canister_manager.rs``
    (``create_snapshot_from_metadata``)."""
    return Reject.from_error(
        ErrorCode.InvalidManagementPayload,
        f"Snapshot Metadata contains invalid data: {detail}",
    )


def invalid_slice(offset: int, size: int) -> Reject:
    """408: read or upload of snapshot data outside the module / heap / stable memory.

    Source: ``rs/execution_environment/src/canister_manager/types.rs``
    (``CanisterManagerError::InvalidSlice``)."""
    return Reject.from_error(
        ErrorCode.InvalidManagementPayload,
        "Invalid subslice into wasm module / main memory / stable memory: "
        f"offset: {offset}, size: {size}",
    )


def slice_too_large(requested: int, allowed: int = MAX_SLICE_SIZE_BYTES) -> Reject:
    """408: ``read_canister_snapshot_data`` asking for more than 2,000,000 bytes at once.

    Source: ``rs/execution_environment/src/canister_manager/types.rs``
    (``CanisterManagerError::SliceTooLarge``)."""
    return Reject.from_error(
        ErrorCode.InvalidManagementPayload, f"Requested slice too large: {requested} > {allowed}"
    )


def _as_principal(p: PrincipalLike) -> Principal:
    return p if isinstance(p, Principal) else Principal.from_text(p)


# ---------------------------------------------------------------------------------------------
# Not verified, and what is used instead:
# - DOC_BASE: the replica's ``doc_ref`` read ``http://internetcomputer.org/docs/current/...``
#   in the versions stored for reference; rejects observed from mainnet in 2025 show
#   ``https://internetcomputer.org/docs/current/references/execution-errors#...``. The https
#   form is used. The rest of each help line is taken from the source.
# - invalid_snapshot_id: the replica wraps ``SnapshotIdError`` in Candid's own decoding error
#   chain (field and type context) that is not reproduced; only the inner text is. One replica
#   version appended `` test a change`` to the length message; that is left out.
# - invalid_snapshot_metadata: the ``detail`` (a Rust Debug of the validation error) is the
#   caller's to word.
# - no_response: whether newer replicas attach an error code to this inter-canister reject
#   could not be seen; none is attached here.
# - Nothing: CanisterMethodNotFound is 536 / CANISTER_ERROR in the current replica; 302 /
#   DESTINATION_INVALID was its number in old replica versions (older summaries of the
#   numbering still say 302). The current numbering is used.
# ---------------------------------------------------------------------------------------------


def call_perform_queue_full(
    sender: PrincipalLike, receiver: PrincipalLike, capacity: int
) -> Reject:
    """201 (SYS_TRANSIENT), raised at the ``await`` of a call that ``ic0.call_perform`` could
    not enqueue because the sender-to-receiver queue is full (what the CDKs report as
    "Couldn't send message"); the call never leaves the canister."""
    return Reject(
        RejectCode.SYS_TRANSIENT,
        f"Couldn't send message: the queue from {sender} to {receiver} is full "
        f"(maximum queue capacity {capacity} reached)",
    )


def deadline_expired() -> Reject:
    """SYS_UNKNOWN, 601: the deadline of a bounded-wait (best-effort) call passed before a
    response was delivered; the callee may or may not have executed the call. The system
    answers the caller's callback with this reject, and drops the callee's response if one
    comes later.

    Source: ``rs/replicated_state/src/canister_state/system_state.rs`` (``pop_input``:
    ``CanisterInput::DeadlineExpired`` becomes a reject response with ``RejectCode::SysUnknown``
    and this text); the error code is ``ErrorCode::DeadlineExpired`` of
    ``rs/types/error_types/src/lib.rs``."""
    return Reject.from_error(ErrorCode.DeadlineExpired, "Call deadline has expired.")


def response_dropped() -> Reject:
    """SYS_UNKNOWN, 602: the response to a bounded-wait (best-effort) call was dropped (shed
    under memory pressure) after the callee produced it.

    Source: ``rs/replicated_state/src/canister_state/system_state.rs`` (``pop_input``:
    ``CanisterInput::ResponseDropped``); the error code is ``ErrorCode::ResponseDropped``."""
    return Reject.from_error(ErrorCode.ResponseDropped, "Response was dropped.")


class SimulatorError(RuntimeError):
    """A fault of the simulator itself, to be reported as a bug: never the IC's answer to bad
    input (that is always a :class:`Reject`). The original exception is its ``__cause__``,
    traceback included."""
