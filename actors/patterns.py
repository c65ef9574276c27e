"""Patterns from the IC security guidelines, for canister code and for teaching.

``CallerGuard`` is the Python form of the guidelines' Rust ``CallerGuard``: it marks a caller
as busy in a heap set for as long as a block (usually one that awaits calls) runs, so that a
second call from the same caller is refused instead of interleaving with the first. The mark is
removed when the block ends, however it ends, *including a trap in a callback*: the engine runs
the block's exit as the IC runs the cleanup callback (see ``subnet/cleanup.py``).

```python
@update
async def withdraw(self, amount: nat) -> nat:
    with CallerGuard(self.busy, self.caller):   # self.busy is a set in the heap
        await self.call(self.ledger, "transfer", amount)
        ...
```
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from .canister import trap


class CallerGuard:
    """Refuse concurrent calls from the same caller while the ``with`` block runs."""

    __slots__ = ("_busy", "_key")

    def __init__(self, busy: set[Any], key: Any) -> None:
        self._busy = busy
        self._key = key

    def __enter__(self) -> CallerGuard:
        if self._key in self._busy:
            trap(f"already processing a request for {self._key}")
        self._busy.add(self._key)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._busy.discard(self._key)
