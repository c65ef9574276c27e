"""The management canister (``aaaaa-aa``): one handler for every subnet message.

Every call to the management canister, whether an ingress message from a scenario or a call
from a canister, is a *subnet message*: the engine runs it before any canister message, as the
IC's scheduler does, so a management call observes a canister exactly between two message
executions, with whatever calls are in flight left in flight.

A method either answers (a reply or a :class:`~subnet.errors.Reject`), or answers later
(``stop_canister``). Bad arguments are the caller's fault and get the IC's reject; an
exception of any other kind is the simulator's fault and is raised as
:class:`~subnet.errors.SimulatorError`, never disguised as a reject.
"""

from __future__ import annotations

from .. import errors
from ..engine import Engine
from ..errors import Reject, SimulatorError
from ..ids import CanisterIdAllocator
from ..messages import Request
from .args import parse_record
from .context import ManagementContext, SnapshotPolicy
from .methods import PENDING, LifecycleMethods, MethodTable
from .snapshots import SnapshotMethods


class Management:
    """Executes subnet messages against the engine. One instance per subnet."""

    def __init__(
        self, engine: Engine, ids: CanisterIdAllocator, seed: int, policy: SnapshotPolicy
    ) -> None:
        self.engine = engine
        self.context = ManagementContext(engine, ids, seed, policy)
        self.lifecycle = LifecycleMethods(self.context)
        self.snapshots = SnapshotMethods(self.context)
        self.methods: MethodTable = {**self.lifecycle.table(), **self.snapshots.table()}
        engine.subnet_handler = self.handle

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
        if result is PENDING:
            return "pending"
        self.engine.answer_request(req, result, None)
        return "reply"
