"""The chat canister of the dfx canister snapshots tutorial, bug included.

Both classes follow the tutorial's Rust canister (dfinity/examples, ``rust/canister-snapshots``)
line by line:

- :class:`Chat` is ``src/chat/src/lib.rs``: ``append``, ``dump`` and a broken ``remove_spam``.
- :class:`ChatWithLength` is ``backend/src/lib.rs``: it also keeps a ``LENGTH`` counter that
  ``append`` checks against the chat, and saves both to stable memory across upgrades.

The bug: ``remove_spam`` *takes* the chat out of the heap (Rust's ``CHAT.take()`` leaves an empty
vector behind) and writes the filtered chat back only if it found spam. With no spam the chat is
left empty and the method returns 0. In :class:`ChatWithLength` that also breaks the invariant
``LENGTH == len(chat)``, so every later ``append`` traps until a snapshot is loaded.
"""

from __future__ import annotations

import json

from actors import Canister, nat64, query, text, trap, update, vec

SPAM_KEYWORDS = frozenset({"coupon", "giveaway", "casino"})
REMOVED = "(removed spam message)"


def filter_spam(chat: list[str]) -> tuple[list[str], int]:
    """The filtered chat and the number of spam messages in it.

    A message is spam when one of its words, split on single spaces exactly as Rust's
    ``message.split(" ")`` does, is one of the keywords."""
    filtered: list[str] = []
    spam = 0
    for message in chat:
        if any(word in SPAM_KEYWORDS for word in message.split(" ")):
            spam += 1
            filtered.append(REMOVED)
        else:
            filtered.append(message)
    return filtered, spam


class Chat(Canister):
    """A miniature chat database (the tutorial's ``chat`` canister)."""

    def __init__(self) -> None:
        self.chat: list[str] = []

    @update
    def append(self, message: text) -> None:
        """Appends a new message to the chat."""
        self.chat.append(message)

    @query
    def dump(self) -> vec[text]:
        """All the chat messages."""
        return self.chat

    @update
    def remove_spam(self) -> nat64:
        """Replaces spam messages; returns how many there were. BROKEN on purpose."""
        chat, self.chat = self.chat, []  # CHAT.take()
        filtered, spam = filter_spam(chat)
        if spam:
            self.chat = filtered
        return spam


class ChatWithLength(Chat):
    """The tutorial's later version: a ``LENGTH`` counter checked by ``append``, and the chat
    kept in stable memory across upgrades (``pre_upgrade`` / ``post_upgrade``)."""

    def __init__(self) -> None:
        super().__init__()
        self.LENGTH = 0

    @update
    def append(self, message: text) -> None:
        """Appends a message, after checking that LENGTH matches the chat (traps if not)."""
        if self.LENGTH != len(self.chat):
            trap(
                f"assertion `left == right` failed\n  left: {self.LENGTH}\n right: {len(self.chat)}"
            )
        self.chat.append(message)
        self.LENGTH += 1

    def pre_upgrade(self) -> None:
        """Saves (chat, LENGTH) to stable memory: an 8-byte length, then JSON."""
        data = json.dumps([self.chat, self.LENGTH]).encode()
        record = len(data).to_bytes(8, "little") + data
        pages = -(-len(record) // 65536)
        have = self.stable.size()
        if have < pages:
            self.stable.grow(pages - have)
        self.stable.write(0, record)

    def post_upgrade(self) -> None:
        """Restores what ``pre_upgrade`` saved."""
        n = int.from_bytes(self.stable.read(0, 8), "little")
        self.chat, self.LENGTH = json.loads(self.stable.read(8, n))


__all__ = ["REMOVED", "SPAM_KEYWORDS", "Chat", "ChatWithLength", "filter_spam"]
