"""Replying by hand: no reply, an early reply before the work is done, a reject, and a reply
discarded by a later trap."""

import pytest

from actors import query, update
from subnet import ErrorCode, Reject, RejectCode, Subnet
from tests.canisters import Client, Manual, Store

pytestmark = pytest.mark.anyio


async def test_did_not_reply_and_early_reply():
    async with Subnet() as net:
        m = await net.deploy(Manual)
        c = await net.deploy(Store)
        with pytest.raises(Reject) as info:
            await m.call("silent")
        assert info.value.error_code == ErrorCode.CanisterDidNotReply
        assert info.value.reject_code == RejectCode.CANISTER_ERROR
        assert await m.query("log") == ["silent"]
        pending = m.submit("early", c.id)
        await net.step()
        assert pending.done and pending.result() == "early"  # answered before the callback
        assert net.inspect(m).open_call_contexts == 1  # still waiting for its own call
        await net.run_until_idle()
        assert await m.query("log") == ["silent", "replied", "after await"]
        assert net.inspect(m).open_call_contexts == 0


# rs/execution_environment/src/execution/common.rs :: action_to_ingress_response (NoResponse)
# rs/execution_environment/src/execution/common.rs :: action_to_request_response (NoResponse)
async def test_did_not_reply():
    async with Subnet() as net:
        m = await net.deploy(Manual)
        c = await net.deploy(Client)
        s = await net.deploy(Store)
        with pytest.raises(Reject) as rej:
            await m.call("silent")
        assert rej.value.error_code == ErrorCode.CanisterDidNotReply
        assert rej.value.reject_code == RejectCode.CANISTER_ERROR
        assert rej.value.reject_message == f"Canister {m.id} did not reply to the call"
        assert await m.query("log") == ["silent"]  # the execution itself committed
        # the context stays open while a callback is outstanding; it fails once none is left
        pending = m.submit("silent_after_call", s.id)
        await net.step()
        assert not pending.done and net.inspect(m).open_call_contexts == 1
        await net.run_until_idle()
        assert pending.reject.error_code == ErrorCode.CanisterDidNotReply
        # a calling canister gets CANISTER_ERROR "No response", with no error code
        assert await c.call("probe", m.id, "silent") == [
            "reject",
            int(RejectCode.CANISTER_ERROR),
            "No response",
        ]


# rs/execution_environment/src/execution_environment/tests.rs ::
#   ingress_can_reply_and_produce_output_request
async def test_reply_early_then_keep_working():
    async with Subnet() as net:
        m = await net.deploy(Manual)
        s = await net.deploy(Store)
        pending = m.submit("early", s.id)
        await net.step()
        assert pending.done and pending.result() == "early"
        assert net.inspect(m).open_call_contexts == 1
        await net.run_until_idle()
        assert await m.query("log") == ["replied", "after await"]
        assert await s.query("get") == 1
        assert net.inspect(m).open_call_contexts == 0


# rs/execution_environment/src/execution_environment/tests.rs :: ingress_can_reject
async def test_ingress_can_reject():
    async with Subnet() as net:
        m = await net.deploy(Manual)
        c = await net.deploy(Client)
        with pytest.raises(Reject) as rej:
            await m.call("refuse")
        assert rej.value.reject_code == RejectCode.CANISTER_REJECT
        assert rej.value.reject_message == "no thanks"
        assert await m.query("log") == ["refused"]  # a reject is not a trap: state is kept
        assert await c.call("probe", m.id, "refuse") == [
            "reject",
            int(RejectCode.CANISTER_REJECT),
            "no thanks",
        ]


# Interface spec, abstract-behavior.md: a reply made by an execution that then traps is discarded
async def test_reply_then_trap_discards_the_reply():
    async with Subnet() as net:
        m = await net.deploy(Manual)
        with pytest.raises(Reject) as rej:
            await m.call("reply_then_trap")
        assert rej.value.error_code == ErrorCode.CanisterCalledTrap
        assert "after reply" in rej.value.reject_message
        assert await m.query("log") == []


class Twice(Manual):
    def init(self) -> None:
        super().init()
        self.n = 0

    @update(manual_reply=True)
    def reply_twice(self) -> None:
        self.n += 1
        self.reply(1)
        self.reply(2)

    @update(manual_reply=True)
    def reply_then_reject(self) -> None:
        self.n += 1
        self.reply(1)
        try:
            self.reject("no")
        except Exception:  # a contract violation is a trap: it cannot be caught
            pass

    @query
    def count(self) -> int:
        return self.n


# rs/embedders/src/wasmtime_embedder/system_api.rs (ic0.msg_reply_data_append, ic0.msg_reject
# on a call already answered: UserContractViolation "the call is already replied", IC0504);
# the execution traps: its reply and its changes are undone
async def test_answering_twice_is_a_contract_violation():
    async with Subnet() as net:
        t = await net.deploy(Twice)
        for method, api in (
            ("reply_twice", "msg_reply_data_append"),
            ("reply_then_reject", "msg_reject"),
        ):
            with pytest.raises(Reject) as info:
                await t.call(method)
            assert info.value.error_code == ErrorCode.CanisterContractViolation
            assert info.value.reject_message == (
                f"Error from Canister {t.id}: Canister violated contract: ic0.{api}: the call "
                "is already replied"
            )
        assert await t.query("count") == 0
