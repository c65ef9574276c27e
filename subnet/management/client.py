"""``net.management``: the scenario's side of the management canister.

Most methods are sent as ingress messages from ``sender`` (default: the subnet's default
identity), so they pass the IC's ingress filter like a user's call (:mod:`.dispatch`). Two
kinds of call a user cannot make on the IC are made the way the IC's own tests make them:

- the methods only canisters may call (``canister_info``, ``raw_rand``) are sent from the
  built-in harness canister (:data:`~.context.HARNESS`), as those tests send them from a
  universal canister; ``sender`` is ignored for them;
- ``create_canister`` is sent as ``provisional_create_canister_with_cycles`` from ``sender``, as
  a user creates a canister on a development subnet (dfx's local replica, PocketIC, the
  ``StateMachine`` tests of ``rs/execution_environment/tests/canister_history.rs``): the
  sender controls the new canister unless ``settings`` names controllers, and the creation is
  recorded ``from_user``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from actors.canister import Canister

from ..ids import MANAGEMENT, Principal
from ..records import CONVERTERS

Submit = Callable[..., Awaitable[Any]]
"""``submit(target, method, *args, sender=...)``: send an ingress message, await its reply."""

Harness = Callable[[str, dict[str, Any]], Awaitable[Any]]
"""``harness(method, record)``: the harness canister calls ``method``; await its reply."""

HARNESS_METHODS = frozenset({"canister_info", "raw_rand"})
"""The methods the client sends from the harness canister (only canisters may call them)."""


class ManagementClient:
    """``net.management``: one async method per management method, keyword arguments named as
    the Candid record fields, plus ``sender=``. Results are the dataclasses of
    :mod:`subnet.records`; ``()`` is ``None``. How each call is sent: the module docstring."""

    def __init__(self, submit: Submit, harness: Harness) -> None:
        self._submit = submit
        self._harness = harness

    async def _call(self, method: str, sender: Principal | None, record: dict[str, Any]) -> Any:
        record = {k: v for k, v in record.items() if v is not None}
        if method in HARNESS_METHODS:
            reply = await self._harness(method, record)
        else:
            reply = await self._submit(MANAGEMENT, method, record, sender=sender)
        convert = CONVERTERS.get(method)
        return convert(reply) if convert is not None and reply is not None else reply

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)

        async def method(*, sender: Principal | None = None, **fields: Any) -> Any:
            return await self._call(name, sender, fields)

        method.__name__ = name
        return method

    async def create_canister(
        self,
        *,
        settings: Any = None,
        sender: Principal | None = None,
        sender_canister_version: int | None = None,
    ) -> Any:
        """A new canister, created for ``sender`` (``provisional_create_canister_with_cycles``:
        see the module docstring)."""
        return await self._call(
            "provisional_create_canister_with_cycles",
            sender,
            {"settings": settings, "sender_canister_version": sender_canister_version},
        )

    async def install_code(
        self,
        *,
        mode: Any,
        canister_id: Principal,
        wasm_module: type[Canister],
        arg: tuple[Any, ...] | None = None,
        sender: Principal | None = None,
        sender_canister_version: int | None = None,
    ) -> None:
        await self._call(
            "install_code",
            sender,
            {
                "mode": mode,
                "canister_id": canister_id,
                "wasm_module": wasm_module,
                "arg": arg,
                "sender_canister_version": sender_canister_version,
            },
        )

    async def stop_canister(
        self, *, canister_id: Principal, sender: Principal | None = None
    ) -> None:
        await self._call("stop_canister", sender, {"canister_id": canister_id})

    async def start_canister(
        self, *, canister_id: Principal, sender: Principal | None = None
    ) -> None:
        await self._call("start_canister", sender, {"canister_id": canister_id})

    async def canister_status(
        self, *, canister_id: Principal, sender: Principal | None = None
    ) -> Any:
        return await self._call("canister_status", sender, {"canister_id": canister_id})

    async def canister_info(
        self,
        *,
        canister_id: Principal,
        num_requested_changes: int | None = None,
        sender: Principal | None = None,
    ) -> Any:
        """Sent from the harness canister (only canisters may call it); ``sender`` is
        ignored."""
        return await self._call(
            "canister_info",
            sender,
            {"canister_id": canister_id, "num_requested_changes": num_requested_changes},
        )

    async def take_canister_snapshot(
        self,
        *,
        canister_id: Principal,
        replace_snapshot: Any = None,
        uninstall_code: bool | None = None,
        sender_canister_version: int | None = None,
        sender: Principal | None = None,
    ) -> Any:
        return await self._call(
            "take_canister_snapshot",
            sender,
            {
                "canister_id": canister_id,
                "replace_snapshot": replace_snapshot,
                "uninstall_code": uninstall_code,
                "sender_canister_version": sender_canister_version,
            },
        )

    async def load_canister_snapshot(
        self,
        *,
        canister_id: Principal,
        snapshot_id: Any,
        sender_canister_version: int | None = None,
        sender: Principal | None = None,
    ) -> None:
        await self._call(
            "load_canister_snapshot",
            sender,
            {
                "canister_id": canister_id,
                "snapshot_id": snapshot_id,
                "sender_canister_version": sender_canister_version,
            },
        )

    async def list_canister_snapshots(
        self, *, canister_id: Principal, sender: Principal | None = None
    ) -> Any:
        return await self._call("list_canister_snapshots", sender, {"canister_id": canister_id})

    async def delete_canister_snapshot(
        self, *, canister_id: Principal, snapshot_id: Any, sender: Principal | None = None
    ) -> None:
        await self._call(
            "delete_canister_snapshot",
            sender,
            {"canister_id": canister_id, "snapshot_id": snapshot_id},
        )
