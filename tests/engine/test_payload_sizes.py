"""Payload limits: a payload's size is bounded without encoding it when it is small, and the
bound never lets a payload over the limit through (a large integer counts its digits).

IC: 2 MiB for an ingress message and a reply, 10 MiB for a same-subnet request
(docs/limits.md)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actors import Canister, update
from subnet import ErrorCode, Principal, Reject, Subnet
from subnet.codec import _bound, _Measure, encode, size_over

pytestmark = pytest.mark.anyio

PRINCIPALS = st.binary(max_size=29).map(Principal)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(2**2000), 2**2000),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.binary(max_size=40),
    PRINCIPALS,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.lists(inner, max_size=5).map(tuple),
        st.dictionaries(st.text(max_size=5), inner, max_size=4),
        st.sets(st.integers(), max_size=3),
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(st.lists(VALUES, max_size=4).map(tuple), st.integers(0, 400))
def test_the_bound_is_never_below_the_encoding_and_the_answer_is_exact(values, limit):
    size = len(encode(values))
    try:
        assert _bound(values, 0) >= size
    except _Measure:
        pass  # sets, deep containers: measured
    assert size_over(values, limit) == (size if size > limit else None)
    assert size_over(values, size) is None
    assert size_over(values, size - 1) == size


class Sender(Canister):
    @update
    async def send(self, target) -> int:
        return await self.call(target, "take", 1 << (8 * 11 * 2**20))  # 11 MiB of digits


class Big(Canister):
    @update
    def huge(self) -> int:
        return 1 << (8 * 3_000_000)  # a 3 MB integer: over the 2 MiB reply limit

    @update
    def take(self, n: int) -> int:
        return n.bit_length()


async def test_a_huge_integer_is_over_the_limits():
    async with Subnet() as net:
        big = await net.deploy(Big)
        with pytest.raises(Reject) as rej:
            await big.call("huge")
        assert rej.value.error_code == ErrorCode.CanisterContractViolation
        assert "reply" in rej.value.reject_message.lower()
        with pytest.raises(Reject) as rej:
            await big.call("take", 1 << (8 * 3_000_000))
        assert "2097152" in rej.value.reject_message.replace(",", "")  # the ingress limit
        assert await big.call("take", 1 << 64) == 65
        sender = await net.deploy(Sender)
        with pytest.raises(Reject) as rej:
            await sender.call("send", big.id)
        assert rej.value.error_code == ErrorCode.CanisterContractViolation
        assert "10485760" in rej.value.reject_message.replace(",", "")  # the request limit
