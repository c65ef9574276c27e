"""Hostile Wasm modules: damaged bytes of a real module end in the IC's rejects (IC0505 for a
module that does not decode or validate, a trap for one whose code then fails), never a Python
exception, and a refused install leaves the canister as it was."""

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from subnet import ErrorCode, Reject, Subnet
from tests.hostile import examples
from tests.support import MOTOKO

pytest.importorskip("wasmtime")

COUNTER = (MOTOKO / "counter.wasm").read_bytes()

ALLOWED_CALL = {
    ErrorCode.CanisterTrapped,
    ErrorCode.CanisterCalledTrap,
    ErrorCode.CanisterContractViolation,
    ErrorCode.CanisterInstructionLimitExceeded,
    ErrorCode.CanisterDidNotReply,
    ErrorCode.CanisterMethodNotFound,  # the damage hit the export's name
    ErrorCode.CanisterRejectedMessage,
}

ALLOWED_INSTALL = {
    ErrorCode.CanisterInvalidWasm,  # the module does not decode or validate
    ErrorCode.CanisterCalledTrap,  # canister_init trapped
    ErrorCode.CanisterTrapped,
    ErrorCode.CanisterContractViolation,
    ErrorCode.CanisterInstructionLimitExceeded,
}


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """The counter module with a few bytes overwritten, cut short, or grown."""
    data = bytearray(COUNTER)
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, len(data) - 1))
        data[where] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(module=damaged())
def test_a_damaged_module_is_refused_or_runs(module: bytes) -> None:
    async def main() -> None:
        async with Subnet(instruction_limit=50_000_000) as net:
            ic = net.management
            cid = (await ic.create_canister()).canister_id
            try:
                await ic.install_code(mode="install", canister_id=cid, wasm_module=module)
            except Reject as rej:
                assert rej.error_code in ALLOWED_INSTALL, rej
                assert net.inspect(cid).module_hash is None  # nothing half-installed
                return
            try:  # installed: a call ends in a reply or one of the IC's rejects
                await net.submit(cid, "inc")
            except Reject as rej:
                assert rej.error_code in ALLOWED_CALL, rej

    anyio.run(main)
