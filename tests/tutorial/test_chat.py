"""The tutorial's chat canister: its behaviour, its bug, and the scenario that shows both."""

from __future__ import annotations

import pytest

from actors.chat import REMOVED, Chat, ChatWithLength, filter_spam
from subnet import ErrorCode, Reject, Subnet
from tests.support import SCENARIOS

pytestmark = pytest.mark.anyio


def test_spam_is_an_exact_word_between_single_spaces():
    chat = [
        "free coupon inside",
        "Coupon",  # case matters
        "coupons",  # whole words only
        "casino!",  # punctuation is part of the word
        "a  giveaway",  # split(" ") yields an empty word, then "giveaway"
        "giveaway\tnow",  # a tab does not split
        "hello",
    ]
    filtered, spam = filter_spam(chat)
    assert spam == 2
    assert filtered == [REMOVED, "Coupon", "coupons", "casino!", REMOVED, "giveaway\tnow", "hello"]


async def test_remove_spam_with_spam_replaces_and_counts():
    async with Subnet(seed=1) as net:
        chat = await net.deploy(Chat, name="chat")
        for message in ["Hi there!", "win at the casino", "coupon", "bye"]:
            assert await chat.call("append", message) is None
        assert await chat.call("remove_spam") == 2
        assert await chat.query("dump") == ["Hi there!", REMOVED, REMOVED, "bye"]


async def test_remove_spam_without_spam_loses_the_chat():
    async with Subnet(seed=1) as net:
        chat = await net.deploy(Chat, name="chat")
        await chat.call("append", "Hi there!")
        await chat.call("append", "How are you?")
        assert await chat.call("remove_spam") == 0  # the bug: nothing found ...
        assert await chat.query("dump") == []  # ... and nothing left


async def test_with_length_every_append_traps_after_the_bug_until_the_snapshot_is_loaded():
    async with Subnet(seed=2) as net:
        ic = net.management
        chat = await net.deploy(ChatWithLength, name="chat")
        await chat.call("append", "Hi there!")
        await ic.stop_canister(canister_id=chat.id)
        snapshot = await ic.take_canister_snapshot(canister_id=chat.id)
        await ic.start_canister(canister_id=chat.id)

        assert await chat.call("remove_spam") == 0
        for _ in range(2):
            with pytest.raises(Reject) as caught:
                await chat.call("append", "Anyone?")
            assert caught.value.error_code == ErrorCode.CanisterCalledTrap
            assert "left: 1\n right: 0" in caught.value.reject_message
        assert await chat.query("dump") == []  # the trapped appends changed nothing

        await ic.stop_canister(canister_id=chat.id)
        await ic.load_canister_snapshot(canister_id=chat.id, snapshot_id=snapshot.id)
        await ic.start_canister(canister_id=chat.id)
        await chat.call("append", "Anyone?")
        assert await chat.query("dump") == ["Hi there!", "Anyone?"]


async def test_with_length_keeps_the_chat_across_an_upgrade_in_stable_memory():
    async with Subnet(seed=3) as net:
        chat = await net.deploy(ChatWithLength, name="chat")
        await chat.call("append", "kept")
        await net.management.install_code(
            mode="upgrade", canister_id=chat.id, wasm_module=ChatWithLength
        )
        assert await chat.query("dump") == ["kept"]
        await chat.call("append", "still consistent")  # LENGTH came back too
        # the first version keeps nothing in stable memory: an upgrade loses the chat
        plain = await net.deploy(Chat, name="plain")
        await plain.call("append", "lost")
        await net.management.install_code(mode="upgrade", canister_id=plain.id, wasm_module=Chat)
        assert await plain.query("dump") == []


def test_candid_interface_is_the_tutorials():
    from subnet.candid import format_service

    methods = {n: (i.kind, *i.signature) for n, i in Chat.__canister_methods__.items()}
    assert format_service(methods) == (
        "service : {\n"
        "  append : (text) -> ();\n"
        "  dump : () -> (vec text) query;\n"
        "  remove_spam : () -> (nat64);\n"
        "}"
    )


async def test_scenario_prints_the_tutorials_transcript(capsys):
    import importlib.util

    path = SCENARIOS / "canister_snapshots.py"
    spec = importlib.util.spec_from_file_location("canister_snapshots_scenario", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    async with Subnet(seed=0) as net:
        await module.scenario(net)
    lines = capsys.readouterr().out.splitlines()
    sid = "000000000000000080000000001000010101"
    # the tutorial's example output, from "Populate the database" on
    start = lines.index("% dfx canister call chat append 'Hi there!'")
    assert lines[start:] == [
        "% dfx canister call chat append 'Hi there!'",
        "()",
        "% dfx canister call chat dump",
        '(vec { "Hi there!" })',
        "% dfx canister stop chat",
        "Stopping code for canister chat, with canister_id bkyz2-fmaaa-aaaaa-qaaaq-cai",
        "% dfx canister snapshot create chat",
        f"Created a new snapshot of canister chat. Snapshot ID: {sid}",
        "% dfx canister start chat",
        "Starting code for canister chat, with canister_id bkyz2-fmaaa-aaaaa-qaaaq-cai",
        "% dfx canister call chat remove_spam",
        "(0 : nat64)",
        "% dfx canister call chat dump",
        "(vec {})",
        "% dfx canister stop chat",
        "Stopping code for canister chat, with canister_id bkyz2-fmaaa-aaaaa-qaaaq-cai",
        "% dfx canister snapshot list chat",
        lines[start + 17],
        f"% dfx canister snapshot load chat {sid}",
        f"Loaded snapshot {sid} in canister chat",
        "% dfx canister start chat",
        "Starting code for canister chat, with canister_id bkyz2-fmaaa-aaaaa-qaaaq-cai",
        "% dfx canister call chat dump",
        '(vec { "Hi there!" })',
    ]
    assert lines[start + 17].startswith(f"{sid}: ")
    assert lines[start + 17].endswith(", taken at 2024-08-27 18:19:20 UTC")
