"""The lifecycle methods of the management canister: create (and its provisional form),
install, uninstall, start, stop, status, info, settings, delete, raw_rand.

Each method validates its whole argument record first (:mod:`.args`), then checks permissions,
then checks the canister's state, and only then changes anything. A method that rejects has
changed nothing: that is the rule the tests assert for every error row.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from actors.canister import Canister

from .. import errors
from ..errors import ErrorCode, Reject, RejectCode
from ..ids import Principal
from ..messages import RUNNING, STOPPING, Request
from ..records import DefiniteCanisterSettings
from ..wasm.module import module_of
from . import args as parse
from . import lifecycle
from .context import MAX_HISTORY, ManagementContext, user_cannot_call
from .sizes import memory_size

DEFAULT_CYCLES = 3_000_000_000_000

PENDING = object()  # a method that answers later (stop_canister)
DEFAULT_SETTINGS = {
    f.name: f.default for f in fields(DefiniteCanisterSettings) if f.name != "controllers"
}
"""What ``canister_status`` reports for a setting nobody set (ic.did's defaults)."""
STOP_CANCELLED = Reject(RejectCode.CANISTER_ERROR, "stop cancelled")  # marker, never sent
STOP_TIMED_OUT = Reject(RejectCode.SYS_TRANSIENT, "stop timed out")  # marker, never sent


MethodTable = dict[str, tuple[dict[str, Any], Any]]
"""method name -> (argument schema, the function that executes it)"""


def nat(value: Any, name: str) -> int:
    """A Candid ``nat`` (``provisional_create_canister_with_cycles``'s ``amount``)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise parse.BadArgument(f"field {name}: expected nat, got {value!r:.80}")
    return value


class LifecycleMethods:
    """The management canister's lifecycle methods (one instance per subnet)."""

    def __init__(self, ctx: ManagementContext) -> None:
        self.ctx = ctx
        self.engine = ctx.engine

    def table(self) -> MethodTable:
        """This group's entries of the management canister's method table."""
        return {
            "create_canister": (
                dict(
                    settings=(parse.settings, False), sender_canister_version=parse.SENDER_VERSION
                ),
                self.create_canister,
            ),
            "provisional_create_canister_with_cycles": (
                dict(
                    amount=(nat, False),
                    settings=(parse.settings, False),
                    sender_canister_version=parse.SENDER_VERSION,
                ),
                self.provisional_create_canister_with_cycles,
            ),
            "install_code": (
                dict(
                    mode=(parse.mode, True),
                    canister_id=parse.CANISTER_ID,
                    wasm_module=(parse.code, True),
                    arg=(parse.arguments, False),
                    sender_canister_version=parse.SENDER_VERSION,
                ),
                self.install_code,
            ),
            "uninstall_code": (
                dict(canister_id=parse.CANISTER_ID, sender_canister_version=parse.SENDER_VERSION),
                self.uninstall_code,
            ),
            "start_canister": (dict(canister_id=parse.CANISTER_ID), self.start_canister),
            "stop_canister": (dict(canister_id=parse.CANISTER_ID), self.stop_canister),
            "canister_status": (dict(canister_id=parse.CANISTER_ID), self.canister_status),
            "canister_info": (
                dict(canister_id=parse.CANISTER_ID, num_requested_changes=(parse.nat64, False)),
                self.canister_info,
            ),
            "update_settings": (
                dict(
                    canister_id=parse.CANISTER_ID,
                    settings=(parse.settings, True),
                    sender_canister_version=parse.SENDER_VERSION,
                ),
                self.update_settings,
            ),
            "delete_canister": (dict(canister_id=parse.CANISTER_ID), self.delete_canister),
            "raw_rand": (dict(), self.raw_rand),
        }

    def create_canister(
        self, req: Request, settings: dict[str, Any] | None, sender_canister_version: int | None
    ) -> dict[str, Any]:
        """Only canisters call it (an ingress ``create_canister`` is refused at the ingress
        filter, :mod:`.dispatch`)."""
        return self.create(req, settings, sender_canister_version, DEFAULT_CYCLES)

    def provisional_create_canister_with_cycles(
        self,
        req: Request,
        amount: int | None,
        settings: dict[str, Any] | None,
        sender_canister_version: int | None,
    ) -> dict[str, Any]:
        """What a user calls to create a canister on a development subnet (dfx's local
        replica, PocketIC, the IC's own ``StateMachine`` tests), where every principal is on
        the provisional whitelist; the canister gets ``amount`` cycles (default: what
        ``create_canister`` gives here). ``specified_id`` is not supported.

        Source: ``rs/execution_environment/src/execution_environment.rs``
        (``ProvisionalCreateCanisterWithCycles``), ``rs/execution_environment/tests/
        canister_history.rs`` (canisters created by users this way, recorded ``from_user``)."""
        cycles = DEFAULT_CYCLES if amount is None else amount
        return self.create(req, settings, sender_canister_version, cycles)

    def create(
        self,
        req: Request,
        settings: dict[str, Any] | None,
        sender_canister_version: int | None,
        cycles: int,
    ) -> dict[str, Any]:
        settings = settings or {}
        controllers = settings.get("controllers")
        if controllers is None:
            controllers = [req.sender]  # the creator controls the new canister
        cid = self.ctx.ids.next()
        cs = self.engine.add_canister(cid, controllers)
        cs.extra["settings"] = {k: v for k, v in settings.items() if k != "controllers"}
        cs.extra["cycles"] = cycles
        self.ctx.record_change(
            cs,
            self.ctx.origin(req, sender_canister_version),
            {"creation": {"controllers": list(cs.controllers)}},
        )
        self.engine.trace.emit("created", cid, "", ())
        return {"canister_id": cid}

    def install_code(
        self,
        req: Request,
        mode: tuple[str, dict[str, Any]],
        canister_id: Principal,
        wasm_module: type[Canister],
        arg: tuple[Any, ...] | None,
        sender_canister_version: int | None,
    ) -> None:
        cs = self.ctx.controlled(req, canister_id)
        kind, options = mode
        args = arg or ()
        if kind == "install" and cs.code is not None:
            raise errors.canister_non_empty(canister_id)
        if kind == "upgrade":
            if cs.code is None:
                raise errors.wasm_module_not_found(canister_id)
            _check_memory_handling(options, cs.code, wasm_module)
            lifecycle.upgrade(
                self.engine,
                cs,
                wasm_module,
                args,
                req.sender,
                skip_pre_upgrade=bool(options.get("skip_pre_upgrade")),
            )
        else:
            lifecycle.install(self.engine, cs, wasm_module, args, req.sender)
        cs.version += 1
        self.ctx.record_change(
            cs,
            self.ctx.origin(req, sender_canister_version),
            {"code_deployment": {"mode": kind, "module_hash": wasm_module.module_hash()}},
        )
        return None

    def uninstall_code(
        self, req: Request, canister_id: Principal, sender_canister_version: int | None
    ) -> None:
        cs = self.ctx.controlled(req, canister_id)
        self.ctx.uninstall(cs, self.ctx.origin(req, sender_canister_version))
        return None

    def start_canister(self, req: Request, canister_id: Principal) -> None:
        """Running stays running; stopping or stopped becomes running, and pending stops are
        rejected. The version goes up by one in every case (as the replica does)."""
        cs = self.ctx.controlled(req, canister_id)
        cs.version += 1
        if cs.status == "running":
            return None
        if cs.status == "stopping":
            waiters, cs.stop_waiters = cs.stop_waiters, []
            for waiter in waiters:
                waiter(None, STOP_CANCELLED)
        cs.status = RUNNING
        self.engine.trace.emit("status", cs.id, "running", ())
        if cs.global_timer:  # a timer that came due while stopped fires now
            self.engine.arm_timer(cs, cs.global_timer)
            self.engine.fire_timers()
        return None

    def stop_canister(self, req: Request, canister_id: Principal) -> Any:
        """Running becomes stopping; the call is answered once no call context remains (the
        canister is then stopped). The version goes up now, and again when stopped."""
        cs = self.ctx.controlled(req, canister_id)
        cs.version += 1
        if cs.status == "stopped":
            return None

        def answer(reply: Any, reject: Reject | None) -> None:
            if reject is STOP_CANCELLED:
                if self.ctx.from_user(req):
                    reject = errors.stop_request_cancelled(canister_id)
                else:  # what the replica sends a calling canister (no error code)
                    reject = Reject(
                        RejectCode.CANISTER_REJECT,
                        f"Canister {canister_id}'s stop request cancelled",
                    )
            elif reject is STOP_TIMED_OUT:
                if self.ctx.from_user(req):
                    reject = errors.stop_request_timed_out()
                else:
                    reject = Reject(RejectCode.SYS_TRANSIENT, errors.STOP_TIMEOUT_TEXT)
            self.engine.answer_request(req, reply, reject)

        cs.stop_waiters.append(answer)
        self.engine.time_out_stop(cs, answer, STOP_TIMED_OUT)
        if cs.status == "running":
            cs.status = STOPPING
            self.engine.trace.emit("status", cs.id, "stopping", ())
        if not cs.call_contexts:
            self.engine.finish_stop(cs)
        return PENDING

    def canister_status(self, req: Request, canister_id: Principal) -> dict[str, Any]:
        cs = self.ctx.canister(canister_id)
        if req.sender not in cs.controllers and req.sender != canister_id:
            raise errors.canister_invalid_controller(canister_id, cs.controllers, req.sender)
        # every field of definite_canister_settings, the defaults where none was set
        settings = {
            "controllers": list(cs.controllers),
            **DEFAULT_SETTINGS,
            **cs.extra.get("settings", {}),
        }
        return {
            "status": cs.status,
            "version": cs.version,
            "settings": settings,
            "module_hash": cs.code.module_hash() if cs.code is not None else None,
            "memory_size": memory_size(cs),
            "cycles": cs.extra.get("cycles", 0),
            "idle_cycles_burned_per_day": 0,
            "reserved_cycles": 0,
        }

    def canister_info(
        self, req: Request, canister_id: Principal, num_requested_changes: int | None
    ) -> dict[str, Any]:
        """Only canisters call it; the ingress filter refuses it from users (:mod:`.dispatch`),
        and what would slip past gets the replica's ``reject_unexpected_ingress``."""
        if self.ctx.from_user(req):
            raise user_cannot_call("canister_info")
        cs = self.ctx.canister(canister_id)
        n = min(num_requested_changes or 0, MAX_HISTORY)
        changes = cs.history[max(0, len(cs.history) - n) :] if n else []
        return {
            "total_num_changes": cs.total_num_changes,
            "recent_changes": [dict(c) for c in changes],
            "module_hash": cs.code.module_hash() if cs.code is not None else None,
            "controllers": list(cs.controllers),
        }

    def update_settings(
        self,
        req: Request,
        canister_id: Principal,
        settings: dict[str, Any],
        sender_canister_version: int | None,
    ) -> None:
        cs = self.ctx.controlled(req, canister_id)
        controllers = settings.get("controllers")
        if controllers is not None:
            cs.controllers = sorted(set(controllers))
        others = {k: v for k, v in settings.items() if k != "controllers"}
        cs.extra.setdefault("settings", {}).update(others)
        cs.version += 1
        if controllers is not None:
            self.ctx.record_change(
                cs,
                self.ctx.origin(req, sender_canister_version),
                {"controllers_change": {"controllers": list(cs.controllers)}},
            )
        return None

    def delete_canister(self, req: Request, canister_id: Principal) -> None:
        if req.sender == canister_id:
            raise errors.delete_canister_self(canister_id)
        cs = self.ctx.controlled(req, canister_id)
        if cs.status != "stopped":
            raise errors.delete_canister_not_stopped(canister_id)
        if any(src is not None and src.items for src in (cs.ingress, *cs.queues.values())):
            raise Reject.from_error(
                ErrorCode.CanisterQueueNotEmpty,
                f"Canister {canister_id} has messages in its queues and cannot be deleted now. "
                f"Please retry after some time.",
            )
        self.engine.remove_canister(cs)
        return None

    def raw_rand(self, req: Request) -> bytes:
        """Only canisters call it (refused at the ingress filter, :mod:`.dispatch`)."""
        if self.ctx.from_user(req):
            raise user_cannot_call("raw_rand")
        return self.ctx.rng.randbytes(32)


EOP_SECTION = "enhanced-orthogonal-persistence"


def _enhanced_persistence(code: Any) -> bool:
    """Whether a module declares enhanced orthogonal persistence (the custom section
    ``enhanced-orthogonal-persistence``, as Motoko emits it). A Python canister's heap is
    replaced on every upgrade: it never does."""
    module = module_of(code)
    return module is not None and module.metadata(EOP_SECTION) is not None


def _check_memory_handling(options: dict[str, Any], old: Any, new: Any) -> None:
    """The upgrade option ``wasm_memory_persistence`` against the two modules, refused as the
    replica refuses it (``determine_main_memory_handling`` in ``rs/execution_environment/
    src/execution/install_code.rs``): omitted while the old module uses enhanced orthogonal
    persistence, or ``keep`` for a new module that does not."""
    persistence = options.get("wasm_memory_persistence")
    if isinstance(persistence, dict) and len(persistence) == 1:
        (persistence,) = persistence
    if persistence is None and _enhanced_persistence(old):
        raise Reject.from_error(
            ErrorCode.CanisterContractViolation,
            "Missing upgrade option: Enhanced orthogonal persistence requires the "
            "`wasm_memory_persistence` upgrade option.",
        )
    if persistence == "keep" and not _enhanced_persistence(new):
        raise Reject.from_error(
            ErrorCode.CanisterContractViolation,
            "Invalid upgrade option: The `wasm_memory_persistence: opt Keep` upgrade option "
            "requires that the new canister module supports enhanced orthogonal persistence.",
        )
