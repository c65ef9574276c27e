"""The ``snapshot_visibility`` setting (interface spec 0.57: ``controllers``, ``public`` or
``allowed_viewers``): accepted by create_canister and update_settings, reported by
canister_status, and who it lets list and read snapshots. And a settings record's unknown
fields, which Candid's record subtyping ignores.

The replica's canister_manager.rs stored for reference predates the setting (its
list_canister_snapshot and read_snapshot_* call validate_controller); what it opens follows
the spec as its clients describe it: ``SnapshotVisibility`` of ic-management-canister-types
(controllers; public: anyone; allowed_viewers: those principals and the controllers, at most
10) and icp-cli (it gates list_canister_snapshots, read_canister_snapshot_metadata and
read_canister_snapshot_data).
"""

import pytest

from subnet import ErrorCode, RejectCode, Subnet
from tests.canisters import GrowCounter, Operator
from tests.support import fingerprint
from tests.support.snapshots import rejected, take

pytestmark = pytest.mark.anyio


async def test_create_and_update_settings_and_status_report_it():
    async with Subnet() as net:
        ic = net.management
        created = await ic.create_canister(settings={"snapshot_visibility": "public"})
        status = await ic.canister_status(canister_id=created.canister_id)
        assert status.settings.snapshot_visibility == "public"
        c = await net.deploy(GrowCounter)
        status = await ic.canister_status(canister_id=c.id)
        assert status.settings.snapshot_visibility == "controllers"  # the default
        viewer = net.identity("viewer")
        await ic.update_settings(
            canister_id=c.id, settings={"snapshot_visibility": {"allowed_viewers": [viewer]}}
        )
        status = await ic.canister_status(canister_id=c.id)
        assert status.settings.snapshot_visibility == {"allowed_viewers": [viewer]}
        await ic.update_settings(
            canister_id=c.id, settings={"snapshot_visibility": {"controllers": None}}
        )
        status = await ic.canister_status(canister_id=c.id)
        assert status.settings.snapshot_visibility == "controllers"


# BoundedAllowedViewers (at most 10): refused as the argument is decoded (408); an unknown case
# too; nothing changes
async def test_more_than_ten_viewers_do_not_decode():
    async with Subnet() as net:
        c = await net.deploy(GrowCounter)
        before = fingerprint(net)
        viewers = [net.identity(str(i)) for i in range(11)]
        for visibility in ({"allowed_viewers": viewers}, "everyone", {"public": 1}):
            rej = await rejected(
                net,
                "update_settings",
                {"canister_id": c.id, "settings": {"snapshot_visibility": visibility}},
            )
            assert rej.error_code == ErrorCode.InvalidManagementPayload
            assert "snapshot_visibility" in rej.reject_message
        assert fingerprint(net) == before


# A settings record is decoded as the replica decodes canister_settings: a field its type does
# not have is ignored (Candid record subtyping), not refused
async def test_unknown_settings_fields_are_ignored():
    async with Subnet() as net:
        ic = net.management
        c = await net.deploy(GrowCounter)
        await ic.update_settings(
            canister_id=c.id,
            settings={"freezing_threshold": 7, "a_setting_from_the_future": [1, 2]},
        )
        status = await ic.canister_status(canister_id=c.id)
        assert status.settings.freezing_threshold == 7
        assert "a_setting_from_the_future" not in net.engine.get(c.id).extra["settings"]
        created = await ic.create_canister(settings={"not_a_setting": True})
        assert "not_a_setting" not in net.engine.get(created.canister_id).extra["settings"]


READS = (
    "list_canister_snapshots",
    "read_canister_snapshot_metadata",
    "read_canister_snapshot_data",
)


def read_record(method, cid, sid):
    if method == "list_canister_snapshots":
        return {"canister_id": cid}
    if method == "read_canister_snapshot_metadata":
        return {"canister_id": cid, "snapshot_id": sid}
    return {
        "canister_id": cid,
        "snapshot_id": sid,
        "kind": {"stable_memory": {"offset": 0, "size": 4}},
    }


async def test_who_may_list_and_read_snapshots():
    async with Subnet() as net:
        ic = net.management
        c = await net.deploy(GrowCounter)
        await c.call("inc")
        s = await take(net, c.id)
        viewer = await net.deploy(Operator)  # a canister that does not control c
        outsider = await net.deploy(Operator)

        async def outcome(caller, method):
            got = await caller.call("ic00", method, read_record(method, c.id, bytes(s.id)))
            return "reply" if "reply" in got else got["reject"]

        # controllers only (the default): the controllers' error
        for method in READS:
            code, message = await outcome(viewer, method)
            assert code == RejectCode.CANISTER_ERROR
            assert message.startswith(f"Only the controllers of the canister {c.id} can control")
        await ic.update_settings(
            canister_id=c.id, settings={"snapshot_visibility": {"allowed_viewers": [viewer.id]}}
        )
        for method in READS:
            assert await outcome(viewer, method) == "reply"
            assert (await outcome(outsider, method))[0] == RejectCode.CANISTER_ERROR
        await ic.update_settings(canister_id=c.id, settings={"snapshot_visibility": "public"})
        for method in READS:
            assert await outcome(outsider, method) == "reply"
        # what a viewer reads is what a controller reads
        got = await viewer.call("ic00", "list_canister_snapshots", {"canister_id": c.id})
        assert [bytes(x["id"]) for x in got["reply"]] == [bytes(s.id)]
        # it opens reading only: take, load, delete and uploads stay the controllers'
        cs = net.engine.get(c.id)
        before = (tuple(cs.snapshots), cs.version)
        for method, record in (
            ("take_canister_snapshot", {"canister_id": c.id}),
            ("load_canister_snapshot", {"canister_id": c.id, "snapshot_id": bytes(s.id)}),
            ("delete_canister_snapshot", {"canister_id": c.id, "snapshot_id": bytes(s.id)}),
            (
                "upload_canister_snapshot_metadata",
                {
                    "canister_id": c.id,
                    "wasm_module_size": 1,
                    "wasm_memory_size": 0,
                    "stable_memory_size": 0,
                },
            ),
        ):
            code, message = (await outsider.call("ic00", method, record))["reject"]
            assert message.startswith(f"Only the controllers of the canister {c.id}"), method
        assert (tuple(cs.snapshots), cs.version) == before


async def test_a_viewer_lists_snapshots_by_ingress_and_still_cannot_take_one():
    """The ingress filter lets a viewer's list and reads through, as the execution does."""
    async with Subnet() as net:
        ic = net.management
        c = await net.deploy(GrowCounter)
        await take(net, c.id)
        viewer = net.identity("viewer")
        listed = net.submit(
            "aaaaa-aa", "list_canister_snapshots", {"canister_id": c.id}, sender=viewer
        )
        await net.run_until_idle()
        assert (
            listed.reject is not None
            and listed.reject.error_code == ErrorCode.CanisterInvalidController
        )
        await ic.update_settings(
            canister_id=c.id, settings={"snapshot_visibility": {"allowed_viewers": [viewer]}}
        )
        listed = net.submit(
            "aaaaa-aa", "list_canister_snapshots", {"canister_id": c.id}, sender=viewer
        )
        await net.run_until_idle()
        assert listed.reject is None and len(listed.result()) == 1
        taken = net.submit(
            "aaaaa-aa", "take_canister_snapshot", {"canister_id": c.id}, sender=viewer
        )
        await net.run_until_idle()
        assert taken.reject is not None
        assert taken.reject.error_code == ErrorCode.CanisterInvalidController
