"""Canister code that misbehaves: an endless loop traps with IC0522 (the execution budget),
``BaseException``s raised by canister code are traps, awaiting anything but a call traps, and a
subnet that never goes idle ends ``run_until_idle()`` with an error naming what kept it busy.
Each of these used to hang, escape the engine or leak a call context."""

import signal
import threading

import anyio
import pytest

from actors import Canister, query, update
from subnet import ErrorCode, Reject, RejectCode, Subnet
from subnet.api import SubnetError
from subnet.budget import WATCHDOG
from tests.support import fingerprint

pytestmark = pytest.mark.anyio

LIMIT = 0.3  # seconds: short, so that the endless loops below end quickly


class Misbehaving(Canister):
    def init(self) -> None:
        self.n = 0
        self.seen: list[int] = []

    @update
    def bump(self) -> int:
        self.n += 1
        return self.n

    @update
    def spin(self) -> int:
        self.n += 100
        self.seen.append(1)
        while True:
            pass

    @update
    async def spin_after_call(self) -> int:
        self.n += 1
        await self.call(self.id, "bump")
        self.n += 100
        while True:
            pass

    @update
    def spin_swallowing(self) -> int:
        while True:
            try:
                while True:
                    pass
            except Exception:  # an ordinary handler cannot take the budget's trap
                self.n += 1000

    @query
    def query_spin(self) -> int:
        while True:
            pass

    @update
    def exit(self, kind: str) -> int:
        self.n += 1
        if kind == "exit":
            raise SystemExit(0)
        if kind == "interrupt":
            raise KeyboardInterrupt
        raise GeneratorExit

    @update
    async def exit_after_call(self) -> int:
        await self.call(self.id, "bump")
        self.n += 1
        raise SystemExit(3)

    @update
    async def await_nothing(self) -> int:
        self.n += 1
        await _Nothing()
        return 1

    @update
    async def await_nothing_after_call(self) -> int:
        answer = await self.call(self.id, "bump")
        self.n += 1
        await _Nothing()
        return answer

    @update
    def signal_self(self) -> int:
        signal.raise_signal(signal.SIGINT)  # what a Ctrl-C does, while canister code runs
        return 0

    @update
    async def forever(self) -> None:
        await self.call(self.id, "forever")

    @update
    def arm_forever(self) -> None:
        self.set_global_timer(self.time())

    def global_timer(self) -> None:
        self.n += 1
        self.set_global_timer(self.time())


class Big(Canister):
    def init(self) -> None:
        self.n = 0

    @update
    def take(self, data: bytes) -> int:
        return len(data)

    @update
    def give(self, size: int) -> bytes:
        self.n += 1
        return bytes(size)

    @update
    def give_list(self, count: int) -> list[str]:
        self.n += 1
        return ["x" * 1024] * count

    @update
    async def send(self, size: int) -> int:
        self.n += 1
        return await self.call(self.id, "take", bytes(size))


class _Nothing:
    """An awaitable that yields ``None``, as ``asyncio.sleep(0)`` does."""

    def __await__(self):
        yield None


class LoopsOnUpgrade(Canister):
    def init(self) -> None:
        self.n = 1

    def post_upgrade(self) -> None:
        while True:
            pass


async def _deploy(net: Subnet) -> object:
    return await net.deploy(Misbehaving, name="m")


@pytest.mark.parametrize("method", ["spin", "spin_after_call", "spin_swallowing"])
async def test_an_endless_loop_traps_with_ic0522_and_rolls_back(method):
    async with Subnet(execution_limit=LIMIT) as net:
        m = await _deploy(net)
        await m.call("bump")
        with pytest.raises(Reject) as info:
            await m.call(method)
        rej = info.value
        assert rej.reject_code == RejectCode.CANISTER_ERROR
        assert rej.error_code == ErrorCode.CanisterInstructionLimitExceeded
        assert rej.reject_message.startswith(
            f"Error from Canister {m.id}: Canister exceeded the limit of 40000000000 "
            "instructions for single message execution..\nTry optimizing this method"
        )
        # the looping execution is rolled back; an earlier execution of the call is kept
        expected = 3 if method == "spin_after_call" else 1
        assert net.inspect(m).heap["n"] == expected
        assert net.inspect(m).open_call_contexts == 0  # nothing leaks: the canister can stop
        assert net.engine.overruns == [(m.id, method)]
        await m.call("bump")  # and it still works


async def test_the_same_endless_loop_gives_the_same_trace_every_time():
    traces = []
    for _ in range(2):
        async with Subnet(seed=3, execution_limit=LIMIT) as net:
            m = await _deploy(net)
            with pytest.raises(Reject):
                await m.call("spin")
            await m.call("bump")
            traces.append(net.trace_bytes())
    assert traces[0] == traces[1]


async def test_a_query_that_loops_traps_with_the_query_limit():
    async with Subnet(execution_limit=LIMIT) as net:
        m = await _deploy(net)
        with pytest.raises(Reject) as info:
            await m.query("query_spin")
        assert info.value.error_code == ErrorCode.CanisterInstructionLimitExceeded
        assert "limit of 5000000000 instructions" in info.value.reject_message


async def test_an_upgrade_hook_that_loops_fails_the_upgrade_and_changes_nothing():
    async with Subnet(execution_limit=LIMIT) as net:
        c = await net.deploy(LoopsOnUpgrade, name="c")
        before = fingerprint(net)
        with pytest.raises(Reject) as info:
            await net.management.install_code(
                mode="upgrade", canister_id=c.id, wasm_module=LoopsOnUpgrade
            )
        assert info.value.error_code == ErrorCode.CanisterInstructionLimitExceeded
        assert "limit of 300000000000 instructions" in info.value.reject_message
        assert fingerprint(net) == before


async def test_no_limit_means_no_watchdog_for_an_execution_that_ends():
    WATCHDOG.disarm()  # whatever an earlier test left
    async with Subnet(execution_limit=None) as net:
        m = await _deploy(net)
        assert await m.call("bump") == 1
        assert not WATCHDOG.armed  # nothing ticks: the executions never armed it
    async with Subnet(execution_limit=LIMIT) as net:
        m = await _deploy(net)
        assert await m.call("bump") == 1
        assert WATCHDOG.armed  # with a limit, the first execution arms it
    assert not WATCHDOG.armed  # and closing the subnet disarms it


@pytest.mark.parametrize("bad", [0, -1, "2", True])
async def test_a_bad_execution_limit_is_a_clear_error(bad):
    with pytest.raises(ValueError, match="execution_limit"):
        Subnet(execution_limit=bad)


@pytest.mark.parametrize("kind", ["exit", "interrupt", "generator"])
async def test_base_exceptions_raised_by_canister_code_are_traps(kind):
    async with Subnet() as net:
        m = await _deploy(net)
        with pytest.raises(Reject) as info:
            await m.call("exit", kind)
        assert info.value.error_code == ErrorCode.CanisterCalledTrap
        name = {"exit": "SystemExit", "interrupt": "KeyboardInterrupt"}.get(kind, "GeneratorExit")
        assert name in info.value.reject_message
        assert net.inspect(m).heap["n"] == 0  # rolled back, not committed by the next message
        assert net.inspect(m).open_call_contexts == 0
        await net.management.stop_canister(canister_id=m.id)  # the canister can stop
        assert net.inspect(m).status == "stopped"


async def test_a_base_exception_after_an_await_is_a_trap_of_that_execution():
    async with Subnet() as net:
        m = await _deploy(net)
        with pytest.raises(Reject) as info:
            await m.call("exit_after_call")
        assert "SystemExit: 3" in info.value.reject_message
        assert net.inspect(m).heap["n"] == 1  # bump's execution is kept, the last one is not
        assert net.inspect(m).open_call_contexts == 0


async def test_a_real_ctrl_c_while_canister_code_runs_stops_the_program():
    # Python's own Ctrl-C handler, whatever the test runner inherited (a background job
    # starts with SIGINT ignored)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        async with Subnet() as net:
            m = await _deploy(net)
            with pytest.raises(KeyboardInterrupt):
                await m.call("signal_self")
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize("method", ["await_nothing", "await_nothing_after_call"])
async def test_awaiting_anything_but_a_call_traps_every_time(method):
    async with Subnet() as net:
        m = await _deploy(net)
        for _ in range(2):
            with pytest.raises(Reject) as info:
                await m.call(method)
            assert info.value.error_code == ErrorCode.CanisterCalledTrap
            assert "canister code awaited None; only inter-canister calls" in (
                info.value.reject_message
            )
        assert net.inspect(m).open_call_contexts == 0


async def test_a_timer_that_rearms_forever_ends_run_until_idle_with_a_clear_error():
    async with Subnet(idle_limit=2_000) as net:
        m = await _deploy(net)
        await m.call("arm_forever")
        with pytest.raises(SubnetError) as info:
            await net.run_until_idle()
        text = str(info.value)
        assert "still busy after 2,000 steps" in text
        assert "the global timer of m ran 1,000 times" in text
        assert "re-arms itself" in text
        assert await net.run_until_idle(max_steps=10) == 10  # a bound given is a bound kept


async def test_awaiting_a_call_that_recurses_forever_ends_with_the_same_error():
    async with Subnet(idle_limit=2_000) as net:
        m = await _deploy(net)
        with pytest.raises(SubnetError, match="awaiting a call: the subnet is still busy") as info:
            await m.call("forever")
        assert "requests to m.forever ran" in str(info.value)


MiB = 1024 * 1024


async def test_ingress_over_2_mib_is_refused_before_it_reaches_the_canister():
    async with Subnet() as net:
        b = await net.deploy(Big, name="b")
        assert await b.call("take", bytes(2 * MiB - 100)) == 2 * MiB - 100
        with pytest.raises(Reject) as info:
            await b.call("take", bytes(2 * MiB + 1))
        assert info.value.reject_code == RejectCode.SYS_FATAL
        assert "larger than the maximum of 2097152 bytes" in info.value.reject_message
        assert not [e for e in net.trace if e.kind == "exec" and e.method == "take"][1:]


async def test_a_request_over_10_mib_traps_the_caller_and_changes_nothing():
    async with Subnet() as net:
        b = await net.deploy(Big, name="b")
        assert await b.call("send", 9 * MiB) == 9 * MiB  # same subnet: up to 10 MiB
        with pytest.raises(Reject) as info:
            await b.call("send", 10 * MiB + 1)
        assert info.value.error_code == ErrorCode.CanisterContractViolation
        assert f"Request to {b.id}:take has a payload size of" in info.value.reject_message
        assert "exceeds the permitted limit of 10485760" in info.value.reject_message
        assert net.inspect(b).heap["n"] == 1
        assert net.inspect(b).open_call_contexts == 0


@pytest.mark.parametrize("method", ["give", "give_list"])
async def test_a_reply_over_2_mib_traps(method):
    async with Subnet() as net:
        b = await net.deploy(Big, name="b")
        small = 1024 if method == "give" else 1
        assert await b.call(method, small)
        with pytest.raises(Reject) as info:
            await b.call(method, 2 * MiB + 1 if method == "give" else 2049)
        assert info.value.error_code == ErrorCode.CanisterContractViolation
        assert "application payload size" in info.value.reject_message
        assert "cannot be larger than 2097152" in info.value.reject_message
        assert net.inspect(b).heap["n"] == 1  # the execution is rolled back


def test_an_endless_loop_on_another_thread_traps_too():
    # a Dask worker runs its tasks on threads, where no signal arrives: a monitor thread
    # watches their executions and raises the trap there
    async def main():
        async with Subnet(seed=3, execution_limit=LIMIT) as net:
            m = await _deploy(net)
            await m.call("bump")
            with pytest.raises(Reject) as info:
                await m.call("spin")
            await m.call("bump")
            return info.value, net.inspect(m).heap["n"], list(net.engine.overruns), m.id

    box: list = []
    worker = threading.Thread(target=lambda: box.append(anyio.run(main)))
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive() and box, "the endless loop was not trapped"
    rej, n, overruns, cid = box[0]
    assert rej.error_code == ErrorCode.CanisterInstructionLimitExceeded
    assert "exceeded the limit of 40000000000 instructions" in rej.reject_message
    assert n == 2  # the loop's changes rolled back
    assert overruns == [(cid, "spin")]
