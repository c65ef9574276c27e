"""Canister lifecycle and call semantics, ported from the IC's own test suites.

Each test names the IC test it ports (file path and test name in a comment) and asserts the
behaviour that test checks, through our Python API. Where our simulator differs from the IC,
the test is kept and marked ``xfail(strict=True)`` with the difference in its reason.

Left out on purpose (no counterpart in the simulator): cycles and refunds, compute and memory
allocation, Wasm validation and compilation, instruction limits and DTS, install-code rate
limiting, heartbeats and the universal canister's own features, NNS-only behaviour (governance
may uninstall any canister), subnet admins and status/snapshot visibility, environment variables.
"""

import pytest

from actors import Canister, query, update
from subnet import MANAGEMENT, ErrorCode, Reject, RejectCode, Subnet
from subnet.memory import PAGE_SIZE

from .support import fingerprint

pytestmark = pytest.mark.anyio


# -- canisters used by the tests ----------------------------------------------------------------


class Store(Canister):
    """A counter on the heap and bytes in stable memory."""

    def init(self, start: int = 0):
        self.n = start

    @update
    def bump(self) -> int:
        self.n += 1
        return self.n

    @update
    def bump_then_trap(self) -> int:
        self.n += 1
        self.stable.grow(1)
        self.stable.write(0, b"dirty")
        raise RuntimeError("boom")

    @update
    def put(self, offset: int, data: bytes) -> None:
        need = (offset + len(data) + PAGE_SIZE - 1) // PAGE_SIZE
        if self.stable.size() < need:
            self.stable.grow(need - self.stable.size())
        self.stable.write(offset, data)

    @update
    def read_past_end(self) -> bytes:
        return self.stable.read(self.stable.size() * PAGE_SIZE, 1)

    @query
    def get(self) -> int:
        return self.n

    @query
    def read(self, offset: int, n: int) -> bytes:
        return self.stable.read(offset, n)

    @query
    def pages(self) -> int:
        return self.stable.size()

    @query
    def poke(self) -> int:
        self.n = 999
        return self.n


class StoreV2(Store):
    def post_upgrade(self):
        self.n = 100


class InitTraps(Canister):
    def init(self):
        raise RuntimeError("init failed")


class PreUpgradeTraps(Store):
    def pre_upgrade(self):
        raise RuntimeError("pre_upgrade failed")


class PostUpgradeTraps(Store):
    def post_upgrade(self):
        self.n = -1
        raise RuntimeError("post_upgrade failed")


CODE = {"Store": Store, "StoreV2": StoreV2}


class Client(Canister):
    """Calls other canisters and the management canister, and reports what came back
    (a calling canister sees a reject code and a message, nothing else)."""

    def init(self):
        self.log = []

    @update
    async def probe(self, target, method: str, *args):
        try:
            value = await self.call(target, method, *args)
        except Reject as rej:
            return ["reject", int(rej.reject_code), rej.reject_message]
        return ["reply", value]

    @update
    async def mgmt(self, method: str, record: dict, code=None, version_delta=None):
        record = dict(record)
        if code is not None:
            record["wasm_module"] = CODE[code]
        if version_delta is not None:  # sender_canister_version = ic0.canister_version + delta
            record["sender_canister_version"] = self.canister_version() + version_delta
        try:
            value = await self.call(MANAGEMENT, method, record)
        except Reject as rej:
            return ["reject", int(rej.reject_code), rej.reject_message]
        return ["reply", value]

    @update
    async def relay(self, target, method: str) -> int:
        value = await self.call(target, method)
        self.log.append(value)
        return value

    @update
    async def relay_twice(self, target, method: str) -> int:
        first = await self.call(target, method)
        second = await self.call(target, method)  # made by the callback
        self.log.append(second)
        return first + second

    @update
    async def relay_then_trap(self, target, method: str) -> int:
        self.log.append("before")
        await self.call(target, method)
        self.log.append("after")
        raise RuntimeError("callback trapped")

    @query
    def seen(self) -> list:
        return self.log


class Manual(Canister):
    def init(self):
        self.steps = []

    @update(manual_reply=True)
    def silent(self) -> None:
        self.steps.append("silent")

    @update(manual_reply=True)
    async def silent_after_call(self, target) -> None:
        await self.call(target, "bump")
        self.steps.append("callback")

    @update
    async def early(self, target) -> str:
        self.reply("early")
        self.steps.append("replied")
        await self.call(target, "bump")
        self.steps.append("after await")
        return "ignored"

    @update
    def reply_then_trap(self) -> None:
        self.reply("never seen")
        self.steps.append("rolled back")
        raise RuntimeError("after reply")

    @update
    def refuse(self) -> None:
        self.steps.append("refused")
        self.reject("no thanks")

    @query
    def log(self) -> list:
        return self.steps


class Staller(Canister):
    """Answers only after several round trips to itself: keeps its callers waiting."""

    def init(self):
        self.n = 0

    @update
    async def stall(self, rounds: int = 5) -> int:
        for _ in range(rounds):
            await self.call(self.id, "noop")
        self.n += 1
        return self.n

    @update
    def noop(self) -> None:
        pass

    @query
    def get(self) -> int:
        return self.n


class Sink(Canister):
    def init(self):
        self.order = []

    @update
    def take(self, item: int) -> None:
        self.order.append(item)

    @query
    def seen(self) -> list:
        return self.order


class Sender(Canister):
    @update
    async def send(self, sink, item: int) -> None:
        await self.call(sink, "take", item)


# -- helpers --------------------------------------------------------------------------------


async def history(net, cid, n=100):
    return await net.management.canister_info(canister_id=cid, num_requested_changes=n)


def change_tuple(change):
    return (change.timestamp_nanos, change.canister_version, change.origin, change.details)


def user(p):
    return {"from_user": {"user_id": p}}


async def step_until(net, predicate, limit=100):
    """Step until ``predicate()`` holds (the order of steps is the scheduler's business)."""
    for _ in range(limit):
        if predicate():
            return
        assert await net.step() is not None, "the subnet went idle first"
    raise AssertionError("condition not reached")


async def create_as(net, sender, controllers):
    created = await net.management.create_canister(
        settings={"controllers": controllers}, sender=sender
    )
    return created.canister_id


# == rs/execution_environment/tests/canister_history.rs =========================================


# rs/execution_environment/tests/canister_history.rs ::
#   canister_history_tracks_create_install_reinstall
async def test_canister_history_tracks_create_install_reinstall():
    async with Subnet() as net:
        ic = net.management
        u1, u2 = net.identity("user7"), net.identity("user8")
        expected = []
        t = net.time
        cid = await create_as(net, u1, [u1, u2])
        expected.append((t, 0, user(u1), {"creation": {"controllers": sorted([u1, u2])}}))
        info = await history(net, cid)
        assert info.total_num_changes == 1
        assert [change_tuple(c) for c in info.recent_changes] == expected

        net.advance_time(5_000_000_000)
        t = net.time
        await ic.install_code(mode="install", canister_id=cid, wasm_module=Store, sender=u2)
        expected.append(
            (
                t,
                1,
                user(u2),
                {"code_deployment": {"mode": "install", "module_hash": Store.module_hash()}},
            )
        )
        info = await history(net, cid)
        assert info.total_num_changes == 2
        assert [change_tuple(c) for c in info.recent_changes] == expected

        net.advance_time(5_000_000_000)
        t = net.time
        await ic.install_code(mode="reinstall", canister_id=cid, wasm_module=StoreV2, sender=u1)
        expected.append(
            (
                t,
                2,
                user(u1),
                {"code_deployment": {"mode": "reinstall", "module_hash": StoreV2.module_hash()}},
            )
        )
        info = await history(net, cid)
        assert info.total_num_changes == 3
        assert [change_tuple(c) for c in info.recent_changes] == expected
        assert Store.module_hash() != StoreV2.module_hash()


# rs/execution_environment/tests/canister_history.rs :: canister_history_tracks_upgrade
async def test_canister_history_tracks_upgrade():
    async with Subnet() as net:
        ic = net.management
        u1, u2 = net.identity("user7"), net.identity("user8")
        cid = await create_as(net, u1, [u1, u2])
        await ic.install_code(mode="install", canister_id=cid, wasm_module=Store, sender=u2)
        net.advance_time(5_000_000_000)
        t = net.time
        await ic.install_code(mode="upgrade", canister_id=cid, wasm_module=StoreV2, sender=u1)
        info = await history(net, cid)
        assert info.total_num_changes == 3
        assert change_tuple(info.recent_changes[-1]) == (
            t,
            2,
            user(u1),
            {"code_deployment": {"mode": "upgrade", "module_hash": StoreV2.module_hash()}},
        )


# rs/execution_environment/tests/canister_history.rs :: canister_history_tracks_uninstall
async def test_canister_history_tracks_uninstall():
    async with Subnet() as net:
        ic = net.management
        u1, u2 = net.identity("user7"), net.identity("user8")
        cid = await create_as(net, u1, [u1, u2])
        await ic.install_code(mode="install", canister_id=cid, wasm_module=Store, sender=u2)
        net.advance_time(5_000_000_000)
        t = net.time
        await ic.uninstall_code(canister_id=cid, sender=u1)
        info = await history(net, cid)
        assert info.total_num_changes == 3
        assert change_tuple(info.recent_changes[-1]) == (t, 2, user(u1), {"code_uninstall": None})
        assert info.module_hash is None


# rs/execution_environment/tests/canister_history.rs ::
#   canister_history_tracks_controllers_change_as_controllers_change
async def test_canister_history_tracks_controllers_change():
    async with Subnet() as net:
        u1, u2 = net.identity("user7"), net.identity("user8")
        t0 = net.time
        # repeated controllers: the history holds the sorted set
        cid = await create_as(net, u1, [u2, u1, u1, u2])
        expected = [(t0, 0, user(u1), {"creation": {"controllers": sorted([u1, u2])}})]
        for i in range(1, 20 + 42):
            net.advance_time(5_000_000_000)
            t = net.time
            await net.management.update_settings(
                canister_id=cid,
                settings={"controllers": [u2, u1, u2, u1, u1, u2]},
                sender_canister_version=666,  # ignored for ingress messages
                sender=u2,
            )
            expected.append(
                (t, i, user(u2), {"controllers_change": {"controllers": sorted([u1, u2])}})
            )
            expected = expected[-20:]
            info = await history(net, cid, len(expected))
            assert info.total_num_changes == i + 1
            assert [change_tuple(c) for c in info.recent_changes] == expected


# rs/execution_environment/tests/canister_history.rs ::
#   canister_history_tracks_changes_from_canister
async def test_canister_history_tracks_changes_from_canister():
    async with Subnet() as net:
        u1, u2 = net.identity("user7"), net.identity("user8")
        ucan = await net.deploy(Client)
        v = net.inspect(ucan).version  # what ic0.canister_version returns in the next call
        t = net.time
        result = await ucan.call(
            "mgmt", "create_canister", {"settings": {"controllers": [ucan.id, u1, u2]}}, None, 0
        )
        assert result[0] == "reply"
        cid = result[1]["canister_id"]
        info = await history(net, cid)
        [creation] = info.recent_changes
        assert creation.canister_version == 0
        assert creation.origin == {"from_canister": {"canister_id": ucan.id, "canister_version": v}}
        assert creation.details == {"creation": {"controllers": sorted([ucan.id, u1, u2])}}
        assert creation.timestamp_nanos > t  # executed after the caller's own execution

        result = await ucan.call(
            "mgmt", "install_code", {"mode": "install", "canister_id": cid}, "Store"
        )
        assert result == ["reply", None]
        info = await history(net, cid)
        assert info.total_num_changes == 2
        deployment = info.recent_changes[-1]
        assert deployment.canister_version == 1
        assert deployment.origin == {
            "from_canister": {"canister_id": ucan.id, "canister_version": None}
        }
        assert deployment.details == {
            "code_deployment": {"mode": "install", "module_hash": Store.module_hash()}
        }


# rs/execution_environment/tests/canister_history.rs ::
#   canister_history_fails_with_incorrect_sender_version
# rs/execution_environment/tests/canister_history.rs ::
#   canister_history_load_snapshot_fails_incorrect_sender_version
# rs/embedders/tests/sandbox_safe_system_state.rs ::
#   wrong_sender_canister_version_update_settings_ic00
@pytest.mark.parametrize(
    "method,record,code",
    [
        ("install_code", {"mode": "install"}, "Store"),
        ("update_settings", {"settings": {"freezing_threshold": 5}}, None),
        ("uninstall_code", {}, None),
    ],
)
async def test_canister_history_fails_with_incorrect_sender_version(method, record, code):
    async with Subnet() as net:
        ucan = await net.deploy(Client)
        cid = await create_as(net, net.default_identity, [ucan.id, net.default_identity])
        if method == "uninstall_code":
            await net.management.install_code(mode="install", canister_id=cid, wasm_module=Store)
        before = fingerprint(net)
        v = net.inspect(ucan).version
        result = await ucan.call("mgmt", method, {"canister_id": cid, **record}, code, 666 - v)
        assert result == [
            "reject",
            int(RejectCode.CANISTER_ERROR),
            f"IC0504: Management canister call payload includes sender canister version 666 "
            f"that does not match the actual sender canister version {v}.",
        ]
        after = fingerprint(net)
        target = [row for row in after[0] if row[0] == cid]
        assert target == [row for row in before[0] if row[0] == cid]


# rs/execution_environment/tests/canister_history.rs ::
#   canister_history_tracks_changes_from_canister
# (the matching case: a correct sender_canister_version is accepted and recorded)
async def test_canister_history_records_a_correct_sender_version():
    async with Subnet() as net:
        ucan = await net.deploy(Client)
        cid = await create_as(net, net.default_identity, [ucan.id, net.default_identity])
        v = net.inspect(ucan).version
        result = await ucan.call(
            "mgmt", "install_code", {"mode": "install", "canister_id": cid}, "Store", 0
        )
        assert result == ["reply", None]
        info = await history(net, cid, 1)
        assert info.recent_changes[0].origin == {
            "from_canister": {"canister_id": ucan.id, "canister_version": v}
        }


# rs/execution_environment/tests/canister_history.rs :: canister_info_retrieval
async def test_canister_info_retrieval():
    async with Subnet() as net:
        ic = net.management
        u1, u2 = net.identity("user7"), net.identity("user8")
        cid = await create_as(net, u1, [u1, u2])
        await ic.install_code(mode="install", canister_id=cid, wasm_module=Store, sender=u2)
        await ic.install_code(mode="upgrade", canister_id=cid, wasm_module=StoreV2, sender=u1)
        reference = list((await history(net, cid)).recent_changes)
        assert len(reference) == 3
        ucan = await net.deploy(Client)

        async def info(n):
            record = {"canister_id": cid}
            if n is not None:
                record["num_requested_changes"] = n
            result = await ucan.call("mgmt", "canister_info", record)
            assert result[0] == "reply"
            return result[1]

        def changes(reply):
            return [
                (c["timestamp_nanos"], c["canister_version"], c["origin"], c["details"])
                for c in reply["recent_changes"]
            ]

        ref = [change_tuple(c) for c in reference]
        for n, want in [(None, []), (3, ref), (2, ref[-2:]), (666, ref)]:
            reply = await info(n)
            assert reply["total_num_changes"] == 3
            assert changes(reply) == want
            assert reply["module_hash"] == StoreV2.module_hash()
            assert reply["controllers"] == sorted([u1, u2])

        t = net.time
        await ic.uninstall_code(canister_id=cid, sender=u2)
        ref.append((t, 3, user(u2), {"code_uninstall": None}))
        reply = await info(4)
        assert reply["total_num_changes"] == 4
        assert changes(reply) == ref
        assert reply["module_hash"] is None
        assert reply["controllers"] == sorted([u1, u2])


# rs/execution_environment/tests/canister_history.rs :: canister_info_retrieval
# ("ask for more entries than present in canister history": all of them, oldest first)
@pytest.mark.parametrize("requested", [12, 20, 666])
async def test_canister_info_more_requested_than_present(requested):
    async with Subnet() as net:
        s = await net.deploy(Store)
        for _ in range(9):
            await net.management.install_code(mode="upgrade", canister_id=s.id, wasm_module=Store)
        info = await history(net, s.id, requested)
        assert info.total_num_changes == 11
        assert [c.canister_version for c in info.recent_changes] == list(range(11))


# rs/execution_environment/tests/canister_history.rs :: canister_history_tracks_controllers_change
# (MAX_CANISTER_HISTORY_CHANGES = 20: at most the 20 most recent changes, total keeps counting)
async def test_canister_info_keeps_the_20_most_recent_changes():
    async with Subnet() as net:
        s = await net.deploy(Store)
        for _ in range(30):
            await net.management.install_code(mode="upgrade", canister_id=s.id, wasm_module=Store)
        info = await history(net, s.id, 100)
        assert info.total_num_changes == 32
        assert len(info.recent_changes) == 20
        assert [c.canister_version for c in info.recent_changes] == list(range(12, 32))
        assert len((await history(net, s.id, 5)).recent_changes) == 5


# == rs/execution_environment/tests/canister_version.rs =========================================


# rs/execution_environment/tests/canister_version.rs :: canister_version
@pytest.mark.parametrize("mode", ["install", "reinstall", "upgrade"])
async def test_canister_version(mode):
    async with Subnet() as net:
        ic = net.management
        cid = (await ic.create_canister()).canister_id
        assert net.inspect(cid).version == 0
        await ic.install_code(mode="install", canister_id=cid, wasm_module=Store)
        assert net.inspect(cid).version == 1
        if mode != "install":
            await ic.install_code(mode=mode, canister_id=cid, wasm_module=Store)
            assert net.inspect(cid).version == 2


# Interface spec, abstract-behavior.md: every transition's effect on canister_version
async def test_canister_version_for_every_kind_of_operation():
    async with Subnet() as net:
        ic = net.management
        s = await net.deploy(Store)
        c = await net.deploy(Client)

        def v():
            return net.inspect(s).version

        base = v()
        await s.call("bump")  # update method: +1
        assert v() == base + 1
        with pytest.raises(Reject):
            await s.call("bump_then_trap")  # trapped execution: no change
        assert v() == base + 1
        assert await s.call("poke") == 999  # query method called as an update: no change
        assert v() == base + 1
        await s.query("get")  # query: no change
        await ic.canister_status(canister_id=s.id)  # status, info: no change
        await ic.canister_info(canister_id=s.id, num_requested_changes=3)
        assert v() == base + 1
        await ic.update_settings(canister_id=s.id, settings={})  # empty settings: +1
        assert v() == base + 2
        await ic.start_canister(canister_id=s.id)  # start a running canister: +1
        assert v() == base + 3
        await ic.stop_canister(canister_id=s.id)  # running -> stopping -> stopped: +1 +1
        assert net.inspect(s).status == "stopped" and v() == base + 5
        await ic.stop_canister(canister_id=s.id)  # stop a stopped canister: +1
        assert v() == base + 6
        await ic.take_canister_snapshot(canister_id=s.id)  # take: no change
        assert v() == base + 6
        await ic.start_canister(canister_id=s.id)  # stopped -> running: +1
        assert v() == base + 7
        await ic.uninstall_code(canister_id=s.id)  # +1
        assert v() == base + 8
        await ic.install_code(mode="install", canister_id=s.id, wasm_module=Store)  # +1
        assert v() == base + 9

        # the caller's side: the execution that makes a call commits (+1), so does the callback
        cv = net.inspect(c).version
        await c.call("relay", s.id, "bump")
        assert net.inspect(c).version == cv + 2


# == rs/execution_environment/src/canister_manager/tests.rs =====================================


# rs/execution_environment/src/canister_manager/tests.rs :: upgrade_non_existing_canister_fails
async def test_upgrade_non_existing_canister_fails():
    async with Subnet() as net:
        ghost = net.identity("ghost")
        with pytest.raises(Reject) as rej:
            await net.management.install_code(mode="upgrade", canister_id=ghost, wasm_module=Store)
        assert rej.value.error_code == ErrorCode.CanisterNotFound
        assert rej.value.reject_code == RejectCode.DESTINATION_INVALID
        assert rej.value.reject_message.startswith(f"Canister {ghost} not found.")


# rs/execution_environment/src/canister_manager/tests.rs :: upgrade_canister_with_no_wasm_fails
async def test_upgrade_canister_with_no_wasm_fails():
    async with Subnet() as net:
        cid = (await net.management.create_canister()).canister_id
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await net.management.install_code(mode="upgrade", canister_id=cid, wasm_module=Store)
        assert rej.value.error_code == ErrorCode.CanisterWasmModuleNotFound
        assert rej.value.reject_message.startswith(
            f"Error from Canister {cid}: Attempted to execute a message, but the canister "
            f"contains no Wasm module."
        )
        assert fingerprint(net) == before


# rs/execution_environment/src/canister_manager/tests.rs :: install_code_preserves_messages
async def test_install_code_preserves_messages():
    async with Subnet() as net:
        s = await net.deploy(Store, 50)
        pending = [s.submit("bump") for _ in range(10)]
        await net.management.install_code(mode="reinstall", canister_id=s.id, wasm_module=Store)
        assert net.inspect(s).queued_messages == 10  # still queued, after the new code
        await net.run_until_idle()
        assert [p.result() for p in pending] == list(range(1, 11))


# rs/execution_environment/src/canister_manager/tests.rs :: cannot_install_non_empty_canister
async def test_cannot_install_non_empty_canister():
    async with Subnet() as net:
        s = await net.deploy(Store)
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await net.management.install_code(mode="install", canister_id=s.id, wasm_module=StoreV2)
        assert rej.value.error_code == ErrorCode.CanisterNonEmpty
        assert rej.value.reject_message.startswith(
            f"Canister {s.id} cannot be installed because the canister is not empty. "
            f"Try installing with mode='reinstall' instead."
        )
        assert fingerprint(net) == before


# rs/execution_environment/src/canister_manager/tests.rs :: install_code_with_wrong_controller_fails
@pytest.mark.parametrize("mode", ["install", "reinstall", "upgrade"])
async def test_install_code_with_wrong_controller_fails(mode):
    async with Subnet() as net:
        owner, other = net.identity("owner"), net.identity("other")
        cid = await create_as(net, owner, [owner])
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await net.management.install_code(
                mode=mode, canister_id=cid, wasm_module=Store, sender=other
            )
        assert rej.value.error_code == ErrorCode.CanisterInvalidController
        assert rej.value.reject_code == RejectCode.CANISTER_ERROR
        assert rej.value.reject_message.startswith(
            f"Only the controllers of the canister {cid} can control it.\n"
            f"Canister's controllers: {owner}\nSender's ID: {other}"
        )
        assert fingerprint(net) == before


# rs/execution_environment/src/canister_manager/tests.rs :: reinstall_on_empty_canister_succeeds
async def test_reinstall_on_empty_canister_succeeds():
    async with Subnet() as net:
        cid = (await net.management.create_canister()).canister_id
        await net.management.install_code(
            mode="reinstall", canister_id=cid, wasm_module=Store, arg=(4,)
        )
        assert await net.handle(cid).query("get") == 4
        info = await history(net, cid, 1)
        assert info.recent_changes[0].details["code_deployment"]["mode"] == "reinstall"
        assert net.inspect(cid).version == 1


# rs/execution_environment/src/canister_manager/tests.rs ::
#   install_calls_canister_start_and_canister_init
# rs/execution_environment/src/canister_manager/tests.rs ::
#   reinstall_calls_canister_start_and_canister_init
async def test_install_and_reinstall_call_init():
    async with Subnet() as net:
        s = await net.deploy(Store, 41)
        assert await s.query("get") == 41
        await s.call("bump")
        await net.management.install_code(
            mode="reinstall", canister_id=s.id, wasm_module=Store, arg=(42,)
        )
        assert await s.query("get") == 42


# rs/execution_environment/src/canister_manager/tests.rs :: reinstall_clears_stable_memory
# rs/execution_environment/src/canister_manager/tests.rs :: test_upgrade_preserves_stable_memory
async def test_reinstall_clears_and_upgrade_preserves_stable_memory():
    async with Subnet() as net:
        s = await net.deploy(Store)
        data = bytes([1, 2, 5, 8, 13])
        await s.call("put", 42, data)
        await s.call("bump")
        await net.management.install_code(mode="upgrade", canister_id=s.id, wasm_module=StoreV2)
        assert await s.query("read", 42, len(data)) == data
        assert await s.query("get") == 100  # the heap did not survive; post_upgrade rebuilt it
        await net.management.install_code(mode="reinstall", canister_id=s.id, wasm_module=Store)
        assert await s.query("pages") == 0
        assert await s.query("get") == 0


# rs/execution_environment/src/canister_manager/tests.rs ::
#   failed_upgrade_hooks_consume_instructions
# rs/execution_environment/src/canister_manager/tests.rs ::
#   failed_install_hooks_consume_instructions
# (the instruction accounting is skipped; the failure and the untouched canister are kept)
@pytest.mark.parametrize("first,second", [(PreUpgradeTraps, Store), (Store, PostUpgradeTraps)])
async def test_failed_upgrade_hooks_change_nothing(first, second):
    async with Subnet() as net:
        s = await net.deploy(first, 7)
        await s.call("put", 0, b"keep")
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await net.management.install_code(mode="upgrade", canister_id=s.id, wasm_module=second)
        assert rej.value.error_code == ErrorCode.CanisterCalledTrap
        assert "upgrade failed" in rej.value.reject_message
        assert fingerprint(net) == before
        assert await s.query("get") == 7


async def test_failed_install_hook_leaves_the_canister_empty():
    async with Subnet() as net:
        cid = (await net.management.create_canister()).canister_id
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await net.management.install_code(
                mode="install", canister_id=cid, wasm_module=InitTraps
            )
        assert rej.value.error_code == ErrorCode.CanisterCalledTrap
        assert "init failed" in rej.value.reject_message
        assert fingerprint(net) == before
        assert net.inspect(cid).module_hash is None


# rs/execution_environment/src/canister_manager/tests.rs ::
#   install_code_preserves_system_state_and_scheduler_state
@pytest.mark.parametrize("mode", ["reinstall", "upgrade"])
async def test_install_code_preserves_system_state(mode):
    async with Subnet() as net:
        w = await net.deploy(Client)
        s = await net.deploy(Store)
        pending = w.submit("relay", s.id, "bump")
        await net.step()  # w waits for s: one open call context, one callback
        view = net.inspect(w)
        before = (
            view.status,
            view.controllers,
            view.open_call_contexts,
            view.outstanding_callbacks,
        )
        assert before[2:] == (1, 1)
        await net.management.install_code(mode=mode, canister_id=w.id, wasm_module=Client)
        view = net.inspect(w)
        after = (view.status, view.controllers, view.open_call_contexts, view.outstanding_callbacks)
        assert after == before
        await net.run_until_idle()
        assert pending.done  # answered once, whatever the new code makes of the response
        assert net.inspect(w).open_call_contexts == 0


# rs/execution_environment/src/canister_manager/tests.rs :: stop_a_running_canister
async def test_stop_a_running_canister():
    async with Subnet() as net:
        s = await net.deploy(Store)
        assert net.inspect(s).status == "running"
        stop = net.submit(MANAGEMENT, "stop_canister", {"canister_id": s.id})
        await net.run_until_idle()
        # no call context open: the canister is ready to stop, and the stop is answered
        assert stop.result() is None
        assert net.inspect(s).status == "stopped"


# rs/execution_environment/src/canister_manager/tests.rs :: stop_a_stopped_canister
# rs/execution_environment/src/execution_environment/tests.rs ::
#   stopping_an_already_stopped_canister_succeeds
async def test_stop_a_stopped_canister():
    async with Subnet() as net:
        s = await net.deploy(Store)
        assert await net.management.stop_canister(canister_id=s.id) is None
        stop = net.submit(MANAGEMENT, "stop_canister", {"canister_id": s.id})
        await net.step()  # answered in the same step
        assert stop.done and stop.result() is None
        assert net.inspect(s).status == "stopped"


# rs/execution_environment/src/canister_manager/tests.rs ::
#   stop_a_stopped_canister_from_another_canister
async def test_stop_a_stopped_canister_from_another_canister():
    async with Subnet() as net:
        c = await net.deploy(Client)
        s = await net.deploy(Store, controllers=[c.id])
        assert await c.call("mgmt", "stop_canister", {"canister_id": s.id}) == ["reply", None]
        assert await c.call("mgmt", "stop_canister", {"canister_id": s.id}) == ["reply", None]
        assert net.inspect(s).status == "stopped"


# rs/execution_environment/src/canister_manager/tests.rs ::
#   stop_a_canister_with_incorrect_controller
# rs/execution_environment/src/execution_environment/tests.rs ::
#   stopping_a_canister_with_incorrect_controller_fails
async def test_stopping_a_canister_with_incorrect_controller_fails():
    async with Subnet() as net:
        s = await net.deploy(Store)
        other = net.identity("user13")
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await net.management.stop_canister(canister_id=s.id, sender=other)
        assert rej.value.error_code == ErrorCode.CanisterInvalidController
        assert rej.value.reject_message.startswith(
            f"Only the controllers of the canister {s.id} can control it.\n"
            f"Canister's controllers: {net.default_identity}\n"
            f"Sender's ID: {other}"
        )
        assert fingerprint(net) == before
        assert net.inspect(s).status == "running"


# rs/execution_environment/src/canister_manager/tests.rs :: stop_a_non_existing_canister
# rs/execution_environment/src/execution_environment/tests.rs :: start_a_non_existing_canister
# rs/execution_environment/src/execution_environment/tests.rs ::
#   get_canister_status_of_nonexisting_canister
# rs/execution_environment/src/canister_manager/tests.rs :: delete_non_existing_canister_fails
@pytest.mark.parametrize(
    "method", ["stop_canister", "start_canister", "canister_status", "delete_canister"]
)
async def test_lifecycle_methods_on_a_non_existing_canister_fail(method):
    async with Subnet() as net:
        await net.deploy(Store)
        ghost = net.identity("ghost")
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await getattr(net.management, method)(canister_id=ghost)
        assert rej.value.error_code == ErrorCode.CanisterNotFound
        assert rej.value.reject_code == RejectCode.DESTINATION_INVALID
        assert rej.value.reject_message.startswith(f"Canister {ghost} not found")
        assert fingerprint(net) == before


# rs/execution_environment/src/canister_manager/tests.rs ::
#   start_a_canister_with_incorrect_controller
# rs/execution_environment/src/canister_manager/tests.rs ::
#   get_canister_status_with_incorrect_controller
# rs/execution_environment/src/canister_manager/tests.rs ::
#   delete_canister_with_incorrect_controller_fails
# rs/execution_environment/src/canister_manager/tests.rs :: set_controller_with_incorrect_controller
@pytest.mark.parametrize(
    "method,extra",
    [
        ("start_canister", {}),
        ("canister_status", {}),
        ("delete_canister", {}),
        ("update_settings", {"settings": {"controllers": []}}),
        ("uninstall_code", {}),
    ],
)
async def test_incorrect_controller_fails(method, extra):
    async with Subnet() as net:
        right = net.identity("right")
        s = await net.deploy(Store, sender=right)
        await net.management.stop_canister(canister_id=s.id, sender=right)
        wrong = net.identity("wrong")
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await getattr(net.management, method)(canister_id=s.id, sender=wrong, **extra)
        assert rej.value.error_code == ErrorCode.CanisterInvalidController
        assert rej.value.reject_code == RejectCode.CANISTER_ERROR
        assert f"Sender's ID: {wrong}" in rej.value.reject_message
        assert fingerprint(net) == before
        assert net.inspect(s).controllers == [right]


# rs/execution_environment/src/canister_manager/tests.rs ::
#   starting_an_already_running_canister_keeps_it_running
# rs/execution_environment/src/canister_manager/tests.rs :: start_a_stopped_canister_succeeds
async def test_start_running_and_stopped_canisters():
    async with Subnet() as net:
        s = await net.deploy(Store)
        assert await net.management.start_canister(canister_id=s.id) is None
        assert net.inspect(s).status == "running"
        await net.management.stop_canister(canister_id=s.id)
        assert net.inspect(s).status == "stopped"
        assert await net.management.start_canister(canister_id=s.id) is None
        assert net.inspect(s).status == "running"
        assert await s.call("bump") == 1


# rs/execution_environment/src/canister_manager/tests.rs ::
#   start_a_stopping_canister_with_stop_contexts
# rs/execution_environment/src/execution_environment/tests.rs ::
#   starting_a_stopping_canister_succeeds
async def test_starting_a_stopping_canister_cancels_every_pending_stop():
    async with Subnet() as net:
        w = await net.deploy(Client)
        s = await net.deploy(Store)
        w.submit("relay", s.id, "bump")
        await net.step()
        stop1 = net.submit(MANAGEMENT, "stop_canister", {"canister_id": w.id})
        stop2 = net.submit(MANAGEMENT, "stop_canister", {"canister_id": w.id})
        await net.step()
        await net.step()
        assert net.inspect(w).status == "stopping"
        assert not stop1.done and not stop2.done
        await net.management.start_canister(canister_id=w.id)
        assert net.inspect(w).status == "running"
        for stop in (stop1, stop2):
            assert stop.done
            rej = stop.reject
            assert rej.error_code == ErrorCode.CanisterStoppingCancelled
            assert rej.reject_code == RejectCode.CANISTER_ERROR
            assert rej.reject_message == f"Canister {w.id}'s stop request was cancelled."
        await net.run_until_idle()
        assert net.inspect(w).status == "running"


# rs/execution_environment/src/execution_environment.rs :: reject_stop_requests (canister callers)
async def test_starting_a_stopping_canister_rejects_a_canister_stop_caller():
    async with Subnet() as net:
        c = await net.deploy(Client)
        w = await net.deploy(Client, controllers=[c.id, net.default_identity])
        s = await net.deploy(Staller)
        w.submit("relay", s.id, "stall")
        await step_until(net, lambda: net.inspect(w).open_call_contexts == 1)
        stop = c.submit("mgmt", "stop_canister", {"canister_id": w.id})
        await step_until(net, lambda: net.inspect(w).status == "stopping")
        assert net.inspect(w).open_call_contexts == 1
        await net.management.start_canister(canister_id=w.id)
        await net.run_until_idle()
        assert stop.result() == [
            "reject",
            int(RejectCode.CANISTER_REJECT),
            f"Canister {w.id}'s stop request cancelled",
        ]


# rs/execution_environment/src/canister_manager/tests.rs :: get_canister_status_of_running_canister
# rs/execution_environment/src/canister_manager/tests.rs :: get_canister_status_of_stopped_canister
# rs/execution_environment/src/canister_manager/tests.rs :: get_canister_status_of_stopping_canister
async def test_get_canister_status_of_running_stopping_and_stopped_canisters():
    async with Subnet() as net:
        ic = net.management
        w = await net.deploy(Client)
        s = await net.deploy(Store)
        assert (await ic.canister_status(canister_id=w.id)).status == "running"
        w.submit("relay", s.id, "bump")
        await net.step()
        net.submit(MANAGEMENT, "stop_canister", {"canister_id": w.id})
        await net.step()
        assert (await ic.canister_status(canister_id=w.id)).status == "stopping"
        await net.run_until_idle()
        assert (await ic.canister_status(canister_id=w.id)).status == "stopped"


# rs/execution_environment/src/execution_environment/tests.rs ::
#   get_running_canister_status_from_another_canister
# rs/execution_environment/src/execution_environment/tests.rs ::
#   get_stopped_canister_status_from_another_canister
async def test_get_canister_status_from_another_canister():
    async with Subnet() as net:
        c = await net.deploy(Client)
        s = await net.deploy(Store, controllers=[c.id])
        kind, status = await c.call("mgmt", "canister_status", {"canister_id": s.id})
        assert kind == "reply"
        assert status["status"] == "running"
        assert status["settings"]["controllers"] == [c.id]
        assert status["module_hash"] == Store.module_hash()
        assert status["cycles"] > 0
        typed = await net.management.canister_status(canister_id=s.id, sender=c.id)
        assert typed.settings.freezing_threshold == 2_592_000
        await c.call("mgmt", "stop_canister", {"canister_id": s.id})
        kind, status = await c.call("mgmt", "canister_status", {"canister_id": s.id})
        assert status["status"] == "stopped"


# Interface spec, management-canister.md canister_status: module_hash is null for an empty canister
async def test_canister_status_of_an_empty_canister():
    async with Subnet() as net:
        cid = (await net.management.create_canister()).canister_id
        status = await net.management.canister_status(canister_id=cid)
        assert status.module_hash is None
        assert status.status == "running"
        assert status.settings.controllers == (net.default_identity,)


# rs/execution_environment/src/canister_manager/tests.rs :: delete_running_canister_fails
# rs/execution_environment/src/canister_manager/tests.rs :: delete_stopping_canister_fails
@pytest.mark.parametrize("state", ["running", "stopping"])
async def test_delete_running_or_stopping_canister_fails(state):
    async with Subnet() as net:
        w = await net.deploy(Client)
        s = await net.deploy(Store)
        if state == "stopping":
            w.submit("relay", s.id, "bump")
            await net.step()
            net.submit(MANAGEMENT, "stop_canister", {"canister_id": w.id})
            await net.step()
        assert net.inspect(w).status == state
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await net.management.delete_canister(canister_id=w.id)
        assert rej.value.error_code == ErrorCode.CanisterNotStopped
        assert rej.value.reject_code == RejectCode.CANISTER_ERROR
        assert rej.value.reject_message.startswith(
            f"Canister {w.id} must be stopped before it is deleted."
        )
        assert fingerprint(net) == before


# rs/execution_environment/src/canister_manager/tests.rs :: delete_stopped_canister_succeeds
async def test_delete_stopped_canister_succeeds():
    async with Subnet() as net:
        ic = net.management
        s = await net.deploy(Store)
        c = await net.deploy(Client)
        await ic.take_canister_snapshot(canister_id=s.id)
        await ic.stop_canister(canister_id=s.id)
        assert await ic.delete_canister(canister_id=s.id) is None
        assert s.id not in net.engine.canisters
        with pytest.raises(Reject) as rej:
            await s.call("bump")  # ingress to a deleted canister
        assert rej.value.error_code == ErrorCode.CanisterNotFound
        assert rej.value.reject_code == RejectCode.DESTINATION_INVALID
        # a canister calling it gets DESTINATION_INVALID too
        result = await c.call("probe", s.id, "bump")
        assert result[:2] == ["reject", int(RejectCode.DESTINATION_INVALID)]
        assert f"Canister {s.id} not found" in result[2]
        for method in ("canister_status", "start_canister", "stop_canister"):
            with pytest.raises(Reject) as rej:
                await getattr(ic, method)(canister_id=s.id)
            assert rej.value.error_code == ErrorCode.CanisterNotFound
        # ids of deleted canisters are never reused
        assert (await ic.create_canister()).canister_id not in (s.id, c.id)


# rs/execution_environment/src/canister_manager.rs :: delete_canister (DeleteCanisterSelf)
async def test_a_canister_cannot_delete_itself():
    async with Subnet() as net:
        c = await net.deploy(Client)
        await net.management.update_settings(
            canister_id=c.id, settings={"controllers": [c.id, net.default_identity]}
        )
        result = await c.call("mgmt", "delete_canister", {"canister_id": c.id})
        assert result[0] == "reject"
        assert result[2].startswith(f"Canister {c.id} cannot delete itself.")
        assert c.id in net.engine.canisters


# rs/execution_environment/src/canister_manager/tests.rs ::
#   uninstall_canister_responds_to_unresponded_call_contexts
async def test_uninstall_canister_responds_to_unresponded_call_contexts():
    async with Subnet() as net:
        a = await net.deploy(Client, name="a")
        w = await net.deploy(Client, name="w")
        s = await net.deploy(Staller, name="s")
        from_user = w.submit("relay", s.id, "stall")
        from_canister = a.submit("probe", w.id, "relay", s.id, "stall")
        await step_until(net, lambda: net.inspect(w).open_call_contexts == 2)
        await net.management.uninstall_code(canister_id=w.id)
        rej = from_user.reject
        assert rej.error_code == ErrorCode.CanisterRejectedMessage
        assert rej.reject_code == RejectCode.CANISTER_REJECT
        assert rej.reject_message == "Canister has been uninstalled."
        await net.run_until_idle()
        assert from_canister.result() == [
            "reject",
            int(RejectCode.CANISTER_REJECT),
            "Canister has been uninstalled.",
        ]
        view = net.inspect(w)
        assert view.open_call_contexts == 0 and view.outstanding_callbacks == 0
        assert await s.query("get") == 2  # s answered both calls; the responses were dropped
        assert [e.kind for e in net.trace].count("dropped") == 2


# rs/execution_environment/src/canister_manager/tests.rs ::
#   uninstall_canister_doesnt_respond_to_responded_call_contexts
async def test_uninstall_canister_doesnt_respond_to_responded_call_contexts():
    async with Subnet() as net:
        m = await net.deploy(Manual)
        s = await net.deploy(Store)
        pending = m.submit("early", s.id)
        await net.step()
        assert pending.result() == "early"
        assert net.inspect(m).open_call_contexts == 1
        await net.management.uninstall_code(canister_id=m.id)
        assert pending.result() == "early"  # no second answer
        ends = [e for e in net.trace if e.kind == "ingress_done" and e.method == "early"]
        assert len(ends) == 1
        await net.run_until_idle()
        assert net.inspect(m).open_call_contexts == 0


# rs/execution_environment/src/execution/response/tests.rs ::
#   execute_response_when_call_context_deleted
# Interface spec, management-canister.md uninstall_code: later responses are not executed, even
# if code is installed again before they arrive
async def test_execute_response_when_call_context_deleted():
    async with Subnet() as net:
        w = await net.deploy(Client)
        s = await net.deploy(Store)
        w.submit("relay", s.id, "bump")
        await net.step()
        await net.management.uninstall_code(canister_id=w.id)
        assert net.inspect(w).status == "running"
        await net.management.install_code(mode="install", canister_id=w.id, wasm_module=Client)
        await net.run_until_idle()
        assert await w.query("seen") == []  # the callback never ran
        assert [e.kind for e in net.trace].count("dropped") == 1


# Interface spec, abstract-behavior.md "Stopping a canister" + uninstall: a stopping canister whose
# call contexts are all deleted by uninstall_code becomes stopped, and its stop is answered
async def test_uninstall_lets_a_stopping_canister_stop():
    async with Subnet() as net:
        w = await net.deploy(Client)
        s = await net.deploy(Store)
        w.submit("relay", s.id, "bump")
        await net.step()
        stop = net.submit(MANAGEMENT, "stop_canister", {"canister_id": w.id})
        await net.step()
        assert net.inspect(w).status == "stopping"
        await net.management.uninstall_code(canister_id=w.id)
        await net.run_until_idle()
        assert net.inspect(w).status == "stopped"
        assert stop.result() is None


# rs/execution_environment/src/canister_manager/tests.rs :: set_controller_with_correct_controller
# Interface spec: update_settings with controllers = [] leaves the canister without controllers
async def test_set_controllers_and_empty_controllers():
    async with Subnet() as net:
        old, new = net.identity("old"), net.identity("new")
        s = await net.deploy(Store, sender=old)
        await net.management.update_settings(
            canister_id=s.id, settings={"controllers": [new]}, sender=old
        )
        assert net.inspect(s).controllers == [new]
        with pytest.raises(Reject) as rej:
            await net.management.stop_canister(canister_id=s.id, sender=old)
        assert rej.value.error_code == ErrorCode.CanisterInvalidController
        await net.management.update_settings(
            canister_id=s.id, settings={"controllers": []}, sender=new
        )
        assert net.inspect(s).controllers == []
        info = await history(net, s.id, 1)
        assert info.recent_changes[0].details == {"controllers_change": {"controllers": []}}
        with pytest.raises(Reject) as rej:
            await net.management.stop_canister(canister_id=s.id, sender=new)
        assert rej.value.error_code == ErrorCode.CanisterInvalidController


# rs/execution_environment/src/canister_manager/tests.rs (MAX_CONTROLLERS = 10) and
# rs/execution_environment/src/canister_manager.rs :: validate_canister_settings
async def test_more_than_ten_controllers_are_refused():
    async with Subnet() as net:
        s = await net.deploy(Store)
        ten = [net.identity(f"c{i}") for i in range(9)] + [net.default_identity]
        await net.management.update_settings(canister_id=s.id, settings={"controllers": ten})
        assert len(net.inspect(s).controllers) == 10
        before = fingerprint(net)
        eleven = [*ten, net.identity("c10")]
        with pytest.raises(Reject) as rej:
            await net.management.update_settings(canister_id=s.id, settings={"controllers": eleven})
        assert rej.value.error_code == ErrorCode.CanisterContractViolation
        assert rej.value.reject_code == RejectCode.CANISTER_ERROR
        assert rej.value.reject_message.startswith(
            "Could not validate the settings: Invalid settings: 'controllers' length exceeds "
            "maximum size allowed of 10."
        )
        assert fingerprint(net) == before
        with pytest.raises(Reject) as rej:
            await net.management.create_canister(settings={"controllers": eleven})
        assert rej.value.error_code == ErrorCode.CanisterContractViolation


# == rs/execution_environment/src/execution_environment/tests.rs ================================


# rs/execution_environment/src/execution_environment/tests.rs :: stopping_canister_rejects_requests
async def test_stopping_canister_rejects_requests():
    async with Subnet() as net:
        a = await net.deploy(Client, name="a")
        b = await net.deploy(Client, name="b")
        c = await net.deploy(Staller, name="c")
        b.submit("probe", c.id, "stall", 30)  # keeps b stopping rather than stopped
        await step_until(net, lambda: net.inspect(b).open_call_contexts == 1)
        pending = a.submit("probe", b.id, "seen")
        await step_until(net, lambda: net.inspect(b).queued_messages == 1)  # a's request waits
        net.submit(MANAGEMENT, "stop_canister", {"canister_id": b.id})
        await net.step()
        assert net.inspect(b).status == "stopping"
        await net.run_until_idle()
        assert pending.result() == [
            "reject",
            int(RejectCode.CANISTER_ERROR),
            f"IC0509: Canister {b.id} is not running",
        ]


# rs/execution_environment/src/execution_environment/tests.rs :: stopped_canister_rejects_requests
async def test_stopped_canister_rejects_requests():
    async with Subnet() as net:
        a = await net.deploy(Client, name="a")
        b = await net.deploy(Store, name="b")
        pending = a.submit("probe", b.id, "bump")
        await net.step()  # a's request is queued at b
        net.submit(MANAGEMENT, "stop_canister", {"canister_id": b.id})
        await net.step()
        assert net.inspect(b).status == "stopped"
        await net.run_until_idle()
        assert pending.result() == [
            "reject",
            int(RejectCode.CANISTER_ERROR),
            f"IC0508: Canister {b.id} is not running",
        ]


# rs/execution_environment/src/execution_environment/tests.rs :: stopping_canister_rejects_requests
# (the error code a calling canister cannot see, but the trace / a user can: 509 and 508)
async def test_calls_to_stopping_and_stopped_canisters_are_rejected_with_canister_error():
    async with Subnet() as net:
        w = await net.deploy(Client)
        s = await net.deploy(Store)
        w.submit("relay", s.id, "bump")
        await net.step()
        net.submit(MANAGEMENT, "stop_canister", {"canister_id": w.id})
        await net.step()
        with pytest.raises(Reject) as rej:
            await w.call("relay", s.id, "bump")
        assert rej.value.error_code == ErrorCode.CanisterStopping
        assert rej.value.reject_code == RejectCode.CANISTER_ERROR
        await net.run_until_idle()
        with pytest.raises(Reject) as rej:
            await w.call("relay", s.id, "bump")
        assert rej.value.error_code == ErrorCode.CanisterStopped
        assert rej.value.reject_code == RejectCode.CANISTER_ERROR
        with pytest.raises(Reject) as rej:
            await w.query("seen")
        assert rej.value.error_code == ErrorCode.CanisterStopped
        assert rej.value.reject_message == (
            f"Canister {w.id} is stopped and therefore does not have a CallContextManager"
        )


# rs/execution_environment/src/execution_environment/tests.rs :: stop_canister_from_another_canister
# rs/execution_environment/src/execution_environment/tests.rs ::
#   start_canister_from_another_canister
async def test_stop_and_start_canister_from_another_canister():
    async with Subnet() as net:
        c = await net.deploy(Client)
        w = await net.deploy(Client, controllers=[c.id])
        s = await net.deploy(Staller)
        work = w.submit("relay", s.id, "stall")
        await step_until(net, lambda: net.inspect(w).open_call_contexts == 1)
        stop = c.submit("mgmt", "stop_canister", {"canister_id": w.id})
        await step_until(net, lambda: net.inspect(w).status == "stopping")
        assert net.inspect(w).open_call_contexts == 1
        assert not stop.done  # the stop replies only once no call context remains
        await net.run_until_idle()
        assert work.result() == 1
        assert stop.result() == ["reply", None]
        assert net.inspect(w).status == "stopped"
        assert await c.call("mgmt", "start_canister", {"canister_id": w.id}) == ["reply", None]
        assert net.inspect(w).status == "running"


# rs/execution_environment/src/execution_environment/tests.rs ::
#   subnet_ingress_message_unknown_method
async def test_subnet_ingress_message_unknown_method():
    async with Subnet() as net:
        with pytest.raises(Reject) as rej:
            await net.submit(MANAGEMENT, "unknown", {})
        assert rej.value.error_code == ErrorCode.CanisterMethodNotFound
        assert rej.value.reject_message == "Management canister has no method 'unknown'"


# == rs/execution_environment/src/execution/response/tests.rs ===================================


# rs/execution_environment/src/execution/response/tests.rs :: execute_response_when_stopping_status
# Interface spec: a stopping canister still processes responses, and its callbacks may call out
async def test_execute_response_when_stopping_status():
    async with Subnet() as net:
        w = await net.deploy(Client)
        s = await net.deploy(Store)
        pending = w.submit("relay_twice", s.id, "bump")
        await net.step()
        stop = net.submit(MANAGEMENT, "stop_canister", {"canister_id": w.id})
        await net.step()
        assert net.inspect(w).status == "stopping"
        await net.run_until_idle()
        assert pending.result() == 1 + 2  # the callback's own call went out and came back
        assert stop.result() is None
        assert net.inspect(w).status == "stopped"
        assert net.inspect(w).heap["log"] == [2]


# rs/execution_environment/src/execution/response/tests.rs :: execute_response_successfully
async def test_execute_response_successfully():
    async with Subnet() as net:
        w = await net.deploy(Client)
        s = await net.deploy(Store, 9)
        assert await w.call("relay", s.id, "bump") == 10
        assert await w.query("seen") == [10]
        assert net.inspect(w).open_call_contexts == 0


# rs/execution_environment/src/execution/response/tests.rs :: execute_response_traps
async def test_execute_response_traps():
    async with Subnet() as net:
        w = await net.deploy(Client)
        s = await net.deploy(Store)
        with pytest.raises(Reject) as rej:
            await w.call("relay_then_trap", s.id, "bump")
        assert rej.value.error_code == ErrorCode.CanisterCalledTrap
        assert "Canister called `ic0.trap` with message: " in rej.value.reject_message
        assert await s.query("get") == 1  # the callee committed
        assert await w.query("seen") == [
            "before"
        ]  # the first execution committed, not the callback
        assert net.inspect(w).open_call_contexts == 0


# == traps, replies and rejects (rs/execution_environment/src/execution/update/tests.rs,
#    rs/execution_environment/src/execution/common.rs, Interface spec) ==========================


# rs/execution_environment/src/execution/common.rs :: action_to_ingress_response (trap)
async def test_trap_rolls_back_and_reports_503():
    async with Subnet() as net:
        s = await net.deploy(Store, 5)
        before = fingerprint(net)
        with pytest.raises(Reject) as rej:
            await s.call("bump_then_trap")
        assert rej.value.error_code == ErrorCode.CanisterCalledTrap
        assert rej.value.reject_code == RejectCode.CANISTER_ERROR
        assert rej.value.reject_message.startswith(
            f"Error from Canister {s.id}: Canister called `ic0.trap` with message: "
        )
        assert "boom" in rej.value.reject_message
        assert await s.query("get") == 5
        assert await s.query("pages") == 0
        assert fingerprint(net) == before  # including the canister version


# rs/execution_environment/src/execution/common.rs :: action_to_request_response (Fail)
async def test_a_calling_canister_sees_the_error_code_in_front_of_a_trap_message():
    async with Subnet() as net:
        c = await net.deploy(Client)
        s = await net.deploy(Store)
        kind, code, message = await c.call("probe", s.id, "bump_then_trap")
        assert (kind, code) == ("reject", int(RejectCode.CANISTER_ERROR))
        assert message.startswith(
            f"IC0503: Error from Canister {s.id}: Canister called `ic0.trap` with message: "
        )


# rs/execution_environment/tests/hypervisor.rs (a Wasm trap, e.g. stable memory out of bounds: 502)
async def test_stable_memory_out_of_bounds_is_502():
    async with Subnet() as net:
        c = await net.deploy(Client)
        s = await net.deploy(Store)
        with pytest.raises(Reject) as rej:
            await s.call("read_past_end")
        assert rej.value.error_code == ErrorCode.CanisterTrapped
        assert rej.value.reject_message.startswith(
            f"Error from Canister {s.id}: Canister trapped: stable memory out of bounds"
        )
        kind, code, message = await c.call("probe", s.id, "read_past_end")
        assert (kind, code) == ("reject", int(RejectCode.CANISTER_ERROR))
        assert message.startswith(f"IC0502: Error from Canister {s.id}: Canister trapped: ")


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


# rs/execution_environment/tests/execution_test.rs / Interface spec: calls to a missing canister
async def test_calls_to_a_missing_canister():
    async with Subnet() as net:
        c = await net.deploy(Client)
        ghost = net.identity("ghost")
        with pytest.raises(Reject) as rej:
            await net.submit(ghost, "bump")
        assert rej.value.error_code == ErrorCode.CanisterNotFound
        assert rej.value.reject_code == RejectCode.DESTINATION_INVALID
        assert rej.value.reject_message == f"Canister {ghost} not found"
        assert await c.call("probe", ghost, "bump") == [
            "reject",
            int(RejectCode.DESTINATION_INVALID),
            f"Canister {ghost} not found",
        ]


# rs/execution_environment/tests/hypervisor.rs (method not found, IC0536) and
# rs/execution_environment/src/execution/nonreplicated_query.rs (update method called as query)
async def test_calls_to_a_missing_method_and_wrong_kind():
    async with Subnet() as net:
        c = await net.deploy(Client)
        s = await net.deploy(Store)
        with pytest.raises(Reject) as rej:
            await s.call("nope")
        assert rej.value.error_code == ErrorCode.CanisterMethodNotFound
        assert rej.value.reject_code == RejectCode.CANISTER_ERROR
        assert rej.value.reject_message.startswith(
            f"Error from Canister {s.id}: Canister has no update method 'nope'.."
        )
        kind, code, message = await c.call("probe", s.id, "nope")
        assert (kind, code) == ("reject", int(RejectCode.CANISTER_ERROR))
        assert message.startswith(
            f"IC0536: Error from Canister {s.id}: Canister has no update method 'nope'.."
        )
        with pytest.raises(Reject) as rej:
            await s.query("bump")  # an update method called as a query
        assert rej.value.error_code == ErrorCode.CanisterMethodNotFound
        assert "Canister has no query method 'bump'" in rej.value.reject_message
        # a query method called as an update runs replicated; its changes are discarded
        v = net.inspect(s).version
        assert await s.call("poke") == 999
        assert await s.query("get") == 0
        assert net.inspect(s).version == v
        # calling a method of an empty canister
        cid = (await net.management.create_canister()).canister_id
        with pytest.raises(Reject) as rej:
            await net.submit(cid, "bump")
        assert rej.value.error_code == ErrorCode.CanisterWasmModuleNotFound


# Interface spec, abstract-behavior.md: every call gets exactly one response
async def test_exactly_one_response_per_call():
    async with Subnet(strategy="random", seed=11) as net:
        a = await net.deploy(Client)
        s = await net.deploy(Store)
        m = await net.deploy(Manual)
        targets = [
            (s.id, "bump"),
            (s.id, "bump_then_trap"),
            (net.identity("nobody"), "x"),
            (m.id, "silent"),
            (m.id, "refuse"),
            (s.id, "nope"),
        ]
        calls = [a.submit("probe", *targets[i % len(targets)]) for i in range(30)]
        await net.run_until_idle()
        assert all(p.done for p in calls)
        done = [e.data[0] for e in net.trace if e.kind == "ingress_done" and e.method == "probe"]
        assert len(done) == len(set(done)) == 30
        kinds = [p.result()[0] for p in calls]
        assert kinds.count("reply") == 5  # only the bumps reply
        assert await s.query("get") == 5
        for h in (a, s, m):
            assert net.inspect(h).open_call_contexts == 0
            assert net.inspect(h).outstanding_callbacks == 0


# Interface spec, abstract-behavior.md: requests between two canisters execute in send order
@pytest.mark.parametrize("seed", range(4))
async def test_requests_fifo_per_pair(seed):
    async with Subnet(strategy="random", seed=seed) as net:
        sink = await net.deploy(Sink)
        senders = [await net.deploy(Sender) for _ in range(3)]
        for i in range(24):
            senders[i % 3].submit("send", sink.id, i)
        await net.run_until_idle()
        order = await sink.query("seen")
        assert sorted(order) == list(range(24))
        for k in range(3):
            mine = [x for x in order if x % 3 == k]
            assert mine == sorted(mine)


# Interface spec, abstract-behavior.md: responses have no ordering guarantee
async def test_responses_are_unordered():
    orders = set()
    for seed in range(10):
        async with Subnet(strategy="random", seed=seed) as net:
            a = await net.deploy(Client)
            s = await net.deploy(Store)
            a.submit("relay", s.id, "bump")
            a.submit("relay", s.id, "bump")
            await net.run_until_idle()
            orders.add(tuple(await a.query("seen")))
    assert orders == {(1, 2), (2, 1)}


# rs/execution_environment/src/canister_manager.rs :: should_accept_ingress_message (raw_rand)
# Interface spec, management-canister.md raw_rand: 32 fresh bytes, canisters only
async def test_raw_rand_is_canister_only():
    async with Subnet() as net:
        c = await net.deploy(Client)
        with pytest.raises(Reject) as rej:
            await net.submit(MANAGEMENT, "raw_rand", {})
        assert rej.value.error_code == ErrorCode.CanisterRejectedMessage
        assert rej.value.reject_code == RejectCode.CANISTER_REJECT
        assert rej.value.reject_message == "Only canisters can call ic00 method raw_rand"
        first = await c.call("mgmt", "raw_rand", {})
        second = await c.call("mgmt", "raw_rand", {})
        assert first[0] == second[0] == "reply"
        assert len(first[1]) == len(second[1]) == 32
        assert first[1] != second[1]
