"""What one Wasm execution asks of the system, and how it can end in a trap.

An :class:`Execution` is the state the ``ic0`` functions act on while one execution runs
(its argument, caller, reply buffer, the call being built, the calls performed); the engine
reads the outcome off it when the module's function returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class WasmTrap(Exception):
    """A trap of the module: a Wasm trap (``trap`` is the IC's trap-code text), an explicit
    ``ic0.trap`` (``called`` is its message), a contract violation, or running out of fuel."""

    def __init__(
        self,
        text: str,
        *,
        called: str | None = None,
        violation: bool = False,
        fuel: bool = False,
    ) -> None:
        super().__init__(text)
        self.text = text
        self.called = called
        self.violation = violation
        self.fuel = fuel


@dataclass
class PerformedCall:
    """A call the code performed (``ic0.call_perform``), with the callback's closures."""

    callee: bytes
    method: str
    payload: bytes
    reply: tuple[int, int]  # (table index, env)
    reject: tuple[int, int]
    cleanup: tuple[int, int] | None = None
    timeout: int | None = None  # seconds of a bounded-wait call


@dataclass
class Execution:
    """What the ``ic0`` functions act on during one execution, and what it asked for."""

    # what runs: "update", "query", "reply" / "reject" (a callback), "cleanup", "task" (a
    # timer, a heartbeat), "init" (canister_init, canister_post_upgrade: they get the install
    # argument) or "pre_upgrade"
    kind: str
    method: str = ""
    arg: bytes = b""
    caller: bytes = b""
    reject_code: int = 0
    reject_message: str = ""
    replied_before: bool = False  # the call context was answered by an earlier execution
    deadline: int = 0
    reply_buffer: bytearray = field(default_factory=bytearray)
    response: tuple[str, Any] | None = None  # ("reply", bytes) | ("reject", str)
    pending: PerformedCall | None = None
    calls: list[PerformedCall] = field(default_factory=list)
    debug: list[str] = field(default_factory=list)
    certified_data: bytes | None = None
