"""A Hypothesis state machine: random lifecycle calls from several identities, checked after
every step against a small reference model of the IC's rules (status, controllers, version,
history, and which error each refused call gets)."""

from dataclasses import dataclass, field

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from subnet import MANAGEMENT, ErrorCode, Reject, Subnet
from tests.canisters import Store, StoreV2

IDENTITIES = ["alice", "bob", "carol"]


@dataclass
class Model:
    controllers: set
    status: str = "running"
    version: int = 0
    code: type | None = None
    changes: list = field(default_factory=list)  # (kind, version)
    total: int = 0
    deleted: bool = False

    def change(self, kind):
        self.total += 1
        self.changes.append((kind, self.version))
        del self.changes[:-20]


class Lifecycle(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.net = Subnet()
        self.ids = {name: self.net.identity(name) for name in IDENTITIES}
        self.models: dict = {}

    # -- driving --------------------------------------------------------------------------
    def call(self, method, record, sender):
        pending = self.net.submit(MANAGEMENT, method, record, sender=self.ids[sender])
        self.net.engine.run_until_idle()
        assert pending.done
        try:
            return pending.result(), None
        except Reject as rej:
            return None, rej

    def expect(self, cid, sender):
        """The error the IC gives before looking at anything else, or None."""
        m = self.models[cid]
        if m.deleted:
            return ErrorCode.CanisterNotFound
        if self.ids[sender] not in m.controllers:
            return ErrorCode.CanisterInvalidController
        return None

    def check(self, rej, code):
        if code is None:
            assert rej is None, rej
        else:
            assert rej is not None and rej.error_code == code, (rej, code)

    # -- rules ----------------------------------------------------------------------------
    @rule(sender=st.sampled_from(IDENTITIES), co=st.lists(st.sampled_from(IDENTITIES), max_size=2))
    def create(self, sender, co):
        settings = {"controllers": [self.ids[c] for c in co]} if co else None
        # a user creates a canister with the provisional method; an ingress create_canister is
        # refused by the ingress filter (rs/types/types/src/messages/ingress_messages.rs ::
        # extract_effective_canister_id)
        _, refused = self.call("create_canister", {"settings": settings}, sender)
        assert refused is not None and refused.error_code == ErrorCode.CanisterRejectedMessage
        reply, rej = self.call(
            "provisional_create_canister_with_cycles", {"settings": settings}, sender
        )
        assert rej is None
        controllers = {self.ids[c] for c in co} if co else {self.ids[sender]}
        m = Model(controllers)
        m.change("creation")
        self.models[reply["canister_id"]] = m

    @precondition(lambda self: self.models)
    @rule(
        data=st.data(),
        sender=st.sampled_from(IDENTITIES),
        mode=st.sampled_from(["install", "reinstall", "upgrade"]),
        v2=st.booleans(),
    )
    def install(self, data, sender, mode, v2):
        cid = data.draw(st.sampled_from(sorted(self.models)))
        code = StoreV2 if v2 else Store
        _, rej = self.call(
            "install_code", {"mode": mode, "canister_id": cid, "wasm_module": code}, sender
        )
        m = self.models[cid]
        expected = self.expect(cid, sender)
        if expected is None and mode == "install" and m.code is not None:
            expected = ErrorCode.CanisterNonEmpty
        if expected is None and mode == "upgrade" and m.code is None:
            expected = ErrorCode.CanisterWasmModuleNotFound
        self.check(rej, expected)
        if expected is None:
            m.code = code
            m.version += 1
            m.change("code_deployment")

    @precondition(lambda self: self.models)
    @rule(data=st.data(), sender=st.sampled_from(IDENTITIES))
    def uninstall(self, data, sender):
        cid = data.draw(st.sampled_from(sorted(self.models)))
        _, rej = self.call("uninstall_code", {"canister_id": cid}, sender)
        expected = self.expect(cid, sender)
        self.check(rej, expected)
        if expected is None:
            m = self.models[cid]
            m.code = None
            m.version += 1
            m.change("code_uninstall")

    @precondition(lambda self: self.models)
    @rule(data=st.data(), sender=st.sampled_from(IDENTITIES))
    def stop(self, data, sender):
        cid = data.draw(st.sampled_from(sorted(self.models)))
        _, rej = self.call("stop_canister", {"canister_id": cid}, sender)
        expected = self.expect(cid, sender)
        self.check(rej, expected)
        if expected is None:
            m = self.models[cid]
            # +1 for the request; +1 again when a running canister becomes stopped
            m.version += 1 if m.status == "stopped" else 2
            m.status = "stopped"

    @precondition(lambda self: self.models)
    @rule(data=st.data(), sender=st.sampled_from(IDENTITIES))
    def start(self, data, sender):
        cid = data.draw(st.sampled_from(sorted(self.models)))
        _, rej = self.call("start_canister", {"canister_id": cid}, sender)
        expected = self.expect(cid, sender)
        self.check(rej, expected)
        if expected is None:
            m = self.models[cid]
            m.version += 1
            m.status = "running"

    @precondition(lambda self: self.models)
    @rule(
        data=st.data(),
        sender=st.sampled_from(IDENTITIES),
        new=st.none() | st.lists(st.sampled_from(IDENTITIES), max_size=3),
    )
    def update_settings(self, data, sender, new):
        cid = data.draw(st.sampled_from(sorted(self.models)))
        settings = {} if new is None else {"controllers": [self.ids[c] for c in new]}
        _, rej = self.call("update_settings", {"canister_id": cid, "settings": settings}, sender)
        expected = self.expect(cid, sender)
        self.check(rej, expected)
        if expected is None:
            m = self.models[cid]
            m.version += 1
            if new is not None:
                m.controllers = {self.ids[c] for c in new}
                m.change("controllers_change")

    @precondition(lambda self: self.models)
    @rule(data=st.data(), sender=st.sampled_from(IDENTITIES))
    def delete(self, data, sender):
        cid = data.draw(st.sampled_from(sorted(self.models)))
        _, rej = self.call("delete_canister", {"canister_id": cid}, sender)
        expected = self.expect(cid, sender)
        m = self.models[cid]
        if expected is None and m.status != "stopped":
            expected = ErrorCode.CanisterNotStopped
        self.check(rej, expected)
        if expected is None:
            m.deleted = True

    @precondition(lambda self: self.models)
    @rule(data=st.data(), sender=st.sampled_from(IDENTITIES))
    def bump(self, data, sender):
        cid = data.draw(st.sampled_from(sorted(self.models)))
        pending = self.net.submit(cid, "bump", sender=self.ids[sender])
        self.net.engine.run_until_idle()
        m = self.models[cid]
        if m.deleted:
            expected = ErrorCode.CanisterNotFound
        elif m.status == "stopped":
            expected = ErrorCode.CanisterStopped
        elif m.code is None:
            expected = ErrorCode.CanisterWasmModuleNotFound
        else:
            expected = None
        try:
            pending.result()
            rej = None
        except Reject as exc:
            rej = exc
        self.check(rej, expected)
        if expected is None:
            m.version += 1  # a successful update execution

    # -- invariants -----------------------------------------------------------------------
    @invariant()
    def matches_the_model(self):
        for cid, m in self.models.items():
            cs = self.net.engine.get(cid)
            if m.deleted:
                assert cs is None
                continue
            assert cs.status == m.status
            assert cs.version == m.version
            assert set(cs.controllers) == m.controllers
            assert cs.code is m.code
            assert cs.total_num_changes == m.total
            kinds = [(next(iter(c["details"])), c["canister_version"]) for c in cs.history]
            assert kinds == m.changes
            assert not cs.call_contexts and not cs.callbacks

    def teardown(self):
        self.net.close()


Lifecycle.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
TestLifecycle = Lifecycle.TestCase
