"""Python types used as examples by the Candid tests (tests/candid/)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TypedDict

from actors.types import Variant, nat, nat64, null, opt, text
from subnet.ids import Principal

P0 = Principal.from_text("aaaaa-aa")
P1 = Principal.from_text("bkyz2-fmaaa-aaaaa-qaaaq-cai")


class Status(Variant):
    running: null
    stopping: null
    stopped: null


class Result(Variant):
    ok: nat
    err: text


@dataclass
class Settings:
    controllers: list[Principal]
    compute_allocation: nat
    memory_allocation: nat
    freezing_threshold: nat


@dataclass
class CanisterStatus:
    status: Status
    memory_size: nat
    cycles: nat
    settings: Settings
    module_hash: opt[bytes]


class Point(TypedDict):
    x: int
    y: int


class Color(enum.Enum):
    red = 1
    green = 2


@dataclass
class Node:
    children: list[Node]


class Chat:
    """The method signatures of the tutorial's chat canister, and two more."""

    def append(self, message: str) -> None: ...

    def dump(self) -> list[str]: ...

    def remove_spam(self) -> nat64: ...

    def pair(self, a: nat, b) -> tuple[nat, text]: ...

    def untyped(self, x): ...
