"""Identities (subnet.ids): the principal of a named identity."""

from __future__ import annotations

import hashlib

import pytest

from subnet.ids import (
    Principal,
    identity_principal,
)


def test_identity_principal_is_deterministic_and_self_authenticating() -> None:
    alice = identity_principal("alice")
    assert alice == identity_principal("alice")
    assert alice != identity_principal("bob")
    assert alice != identity_principal("Alice")
    assert len(alice.raw) == 29
    assert alice.raw[-1] == 0x02
    assert not alice.is_anonymous
    assert Principal.from_text(str(alice)) == alice


def test_identity_principal_pinned() -> None:
    # Pinned so that saved traces and docs keep naming the same principals.
    key = hashlib.sha256(b"subnet-sim/identity/v1\x00default").digest()
    assert identity_principal("default") == Principal.self_authenticating(key)
    assert identity_principal("") == Principal.self_authenticating(
        hashlib.sha256(b"subnet-sim/identity/v1\x00").digest()
    )


def test_identity_principal_type() -> None:
    with pytest.raises(TypeError):
        identity_principal(b"alice")  # type: ignore[arg-type]
