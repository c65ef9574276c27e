"""A Hypothesis state machine for snapshots: random take / load / list / delete / replace /
upload sequences, mixed with updates and calls left in flight, against a reference model of
the IC's rules and of what a load does to suspended frames (docs/hazards.md)."""

from dataclasses import dataclass

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from actors import Canister, query, update
from subnet import MANAGEMENT, ErrorCode, Reject, SnapshotId, Subnet

LIMIT = 3


class Notes(Canister):
    def init(self):
        self.items = []

    @update
    def add(self, item: str) -> None:
        self.items.append(item)

    @update
    async def ask(self, other) -> None:
        self.items.append("a")
        await self.call(other, "echo")
        self.items.append("b")

    @query
    def get(self) -> list[str]:
        return self.items


class Echo(Canister):
    @update
    def echo(self) -> None:
        return None


@dataclass
class Snap:
    items: list
    frames: frozenset
    version: int
    source: str
    size: int = 0


class IngressFirst:
    """Run a newly submitted ingress message before anything in flight, so that calls left in
    flight only progress when a rule says so."""

    name = "ingress_first"

    def __init__(self):
        self.engine = None

    def choose(self, ready):
        for index, sid in enumerate(ready):
            if self.engine._sources[sid].kind == "ingress":
                return index
        return 0


class Snapshots(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        strategy = IngressFirst()
        self.net = Subnet(strategy=strategy, max_snapshots_per_canister=LIMIT)
        strategy.engine = self.net.engine
        ic = self.call
        # users create canisters with the provisional method (ingress create_canister is
        # refused: rs/types/types/src/messages/ingress_messages.rs ::
        # extract_effective_canister_id)
        create = "provisional_create_canister_with_cycles"
        cid = ic(create, {})["canister_id"]
        ic("install_code", {"mode": "install", "canister_id": cid, "wasm_module": Notes})
        echo = ic(create, {})["canister_id"]
        ic("install_code", {"mode": "install", "canister_id": echo, "wasm_module": Echo})
        self.cid, self.echo = cid, echo
        # the model
        self.items: list = []
        self.table: set = set()  # frames the heap holds
        self.waiting: dict = {}  # frame -> pending call
        self.version = 1
        self.status = "running"
        self.snaps: dict = {}
        self.next_local = 0
        self.changes = ["creation", "code_deployment"]

    # -- driving --------------------------------------------------------------------------
    def call(self, method, record, expect=None):
        pending = self.net.submit(MANAGEMENT, method, record)
        self.net.engine.run_until_idle() if method == "stop_canister" else self.net.engine.step()
        assert pending.done, method
        try:
            result = pending.result()
        except Reject as rej:
            assert expect is not None, rej
            assert rej.error_code == expect, (rej, expect)
            return None
        assert expect is None, f"{method} should have failed with {expect}"
        return result

    def settle(self):
        """Run everything in flight, and apply the model's continuation rule to each frame."""
        self.net.engine.run_until_idle()
        for frame, pending in self.waiting.items():
            assert pending.done
            if frame in self.table:  # resumes against the heap as it is now
                self.items.append("b")
                self.table.discard(frame)
                self.version += 1
                assert pending.result() is None
            else:  # orphaned: the callback traps and the caller is rejected
                try:
                    pending.result()
                    raise AssertionError("an orphaned response must trap")
                except Reject as rej:
                    assert rej.error_code == ErrorCode.CanisterTrapped
        self.waiting.clear()

    # -- rules ----------------------------------------------------------------------------
    @rule(item=st.sampled_from(["x", "y", "z"]))
    def add(self, item):
        pending = self.net.submit(self.cid, "add", item)
        self.net.engine.step()
        if self.status == "running":
            assert pending.result() is None
            self.items.append(item)
            self.version += 1
        else:
            assert pending.done and pending.reject.error_code == ErrorCode.CanisterStopped

    @precondition(lambda self: self.status == "running" and len(self.waiting) < 3)
    @rule()
    def start_call(self):
        pending = self.net.submit(self.cid, "ask", self.echo)
        self.net.engine.step()  # ingress runs first: the call is now in flight
        [frame] = [
            cb.continuation_id
            for cb in self.net.engine.get(self.cid).callbacks.values()
            if cb.continuation_id not in self.waiting
        ]
        self.items.append("a")
        self.version += 1
        self.table.add(frame)
        self.waiting[frame] = pending

    @rule()
    def settle_all(self):
        self.settle()

    @rule(replace=st.booleans(), data=st.data())
    def take(self, replace, data):
        record = {"canister_id": self.cid}
        target = None
        if replace and self.snaps:
            target = data.draw(st.sampled_from(sorted(self.snaps)))
            record["replace_snapshot"] = bytes(SnapshotId(self.cid, target))
        expect = None
        if target is None and len(self.snaps) >= LIMIT:
            expect = ErrorCode.CanisterRejectedMessage
        result = self.call("take_canister_snapshot", record, expect)
        if expect is None:
            local = self.next_local
            self.next_local += 1
            assert result["id"] == bytes(SnapshotId(self.cid, local))
            self.snaps[local] = Snap(
                list(self.items),
                frozenset(self.table),
                self.version,
                "taken_from_canister",
                result["total_size"],
            )
            if target is not None:
                del self.snaps[target]

    @precondition(lambda self: self.snaps)
    @rule(data=st.data())
    def load(self, data):
        local = data.draw(st.sampled_from(sorted(self.snaps)))
        snap = self.snaps[local]
        self.call(
            "load_canister_snapshot",
            {"canister_id": self.cid, "snapshot_id": bytes(SnapshotId(self.cid, local))},
        )
        self.items = list(snap.items)
        self.table = set(snap.frames)
        self.version += 1
        self.changes.append("load_snapshot")
        last = self.net.engine.get(self.cid).history[-1]["details"]["load_snapshot"]
        assert last["canister_version"] == snap.version
        assert last["source"] == snap.source

    @rule(local=st.integers(0, 8))
    def delete(self, local):
        expect = None if local in self.snaps else ErrorCode.CanisterSnapshotNotFound
        self.call(
            "delete_canister_snapshot",
            {"canister_id": self.cid, "snapshot_id": bytes(SnapshotId(self.cid, local))},
            expect,
        )
        self.snaps.pop(local, None)

    @precondition(lambda self: self.snaps)
    @rule(data=st.data())
    def upload_copy(self, data):
        """Download a snapshot and upload it again as a new one."""
        local = data.draw(st.sampled_from(sorted(self.snaps)))
        sid = bytes(SnapshotId(self.cid, local))
        meta = self.call(
            "read_canister_snapshot_metadata", {"canister_id": self.cid, "snapshot_id": sid}
        )
        parts = {}
        for kind, size in (
            ("wasm_module", meta["wasm_module_size"]),
            ("main_memory", meta["wasm_memory_size"]),
            ("stable_memory", meta["stable_memory_size"]),
        ):
            parts[kind] = self.call(
                "read_canister_snapshot_data",
                {
                    "canister_id": self.cid,
                    "snapshot_id": sid,
                    "kind": {kind: {"offset": 0, "size": size}},
                },
            )["chunk"]
        expect = ErrorCode.CanisterRejectedMessage if len(self.snaps) >= LIMIT else None
        result = self.call(
            "upload_canister_snapshot_metadata",
            {
                "canister_id": self.cid,
                "wasm_module_size": len(parts["wasm_module"]),
                "wasm_memory_size": len(parts["main_memory"]),
                "stable_memory_size": len(parts["stable_memory"]),
            },
            expect,
        )
        if expect is not None:
            return
        new = result["snapshot_id"]
        for kind, chunk in parts.items():
            self.call(
                "upload_canister_snapshot_data",
                {
                    "canister_id": self.cid,
                    "snapshot_id": new,
                    "kind": {kind: {"offset": 0}},
                    "chunk": chunk,
                },
            )
        local_new = self.next_local
        self.next_local += 1
        assert new == bytes(SnapshotId(self.cid, local_new))
        source = self.snaps[local]
        self.snaps[local_new] = Snap(
            list(source.items), source.frames, self.version, "metadata_upload", source.size
        )

    @rule()
    def stop_and_start(self):
        self.call("stop_canister", {"canister_id": self.cid})  # runs until stopped
        # stopping waits for every call context: everything in flight settles first
        self.settle()
        self.version += 2
        self.status = "stopped"
        self.call("start_canister", {"canister_id": self.cid})
        self.version += 1
        self.status = "running"

    # -- invariants -----------------------------------------------------------------------
    @invariant()
    def agrees_with_the_model(self):
        cs = self.net.engine.get(self.cid)
        assert cs.heap.values()["items"] == self.items
        assert cs.version == self.version
        assert set(cs.continuations.values()) == self.table
        listed = self.net.engine.get(self.cid).snapshots
        assert sorted(s.local_id for s in listed) == sorted(self.snaps)
        for local, snap in self.snaps.items():
            stored = listed[SnapshotId(self.cid, local)]
            assert stored.canister_version == snap.version
            assert stored.source == snap.source
            if snap.source == "taken_from_canister":
                assert stored.total_size == snap.size
        kinds = [next(iter(c["details"])) for c in cs.history]
        assert kinds == self.changes[-20:]

    def teardown(self):
        self.net.close()


Snapshots.TestCase.settings = settings(max_examples=50, stateful_step_count=25, deadline=None)
TestSnapshots = Snapshots.TestCase
