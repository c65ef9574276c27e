"""The dfx canister snapshots tutorial, through the Python API.

The tutorial (dfinity/examples, ``rust/canister-snapshots``) deploys a chat canister, takes a
snapshot of it, loses the chat to the bug in ``remove_spam`` and gets it back by loading the
snapshot. This script does the same with ``net.management`` and prints the tutorial's transcript:
each dfx command, then what dfx prints for it.

Run it as a script (``python scenarios/canister_snapshots.py``, which is ``make run``) or as a
scenario (``subnet run scenarios/canister_snapshots.py --trace run.trace``): both call
``scenario(net)`` on a fresh subnet.
"""

from __future__ import annotations

import anyio

from actors.chat import Chat
from subnet import Subnet, candid
from subnet.cli import human_bytes, utc_time


def command(text: str) -> None:
    print(f"% dfx {text}")


def reply(method: str, result: object) -> None:
    """Print a reply as ``dfx canister call`` does, from the method's Candid signature."""
    _, results = Chat.__canister_methods__[method].signature
    print(candid.format_reply(result, results))


async def scenario(net: Subnet) -> None:
    ic = net.management

    command("deploy")
    chat = await net.deploy(Chat, name="chat")
    print("Deploying all canisters.")
    print("Creating canisters...")
    print("Creating canister chat...")
    print(f"chat canister created with canister id: {chat.id}")
    print("Installing canisters...")
    print(f"Installing code for canister chat, with canister ID {chat.id}")
    print("Deployed canisters.")

    # Step 5: populate the database with data
    command("canister call chat append 'Hi there!'")
    reply("append", await chat.call("append", "Hi there!"))
    command("canister call chat dump")
    reply("dump", await chat.query("dump"))

    # Step 6: take a snapshot of the stopped canister
    command("canister stop chat")
    print(f"Stopping code for canister chat, with canister_id {chat.id}")
    await ic.stop_canister(canister_id=chat.id)
    command("canister snapshot create chat")
    snapshot = await ic.take_canister_snapshot(canister_id=chat.id)
    print(f"Created a new snapshot of canister chat. Snapshot ID: {snapshot.id.hex()}")
    command("canister start chat")
    print(f"Starting code for canister chat, with canister_id {chat.id}")
    await ic.start_canister(canister_id=chat.id)

    # Step 7: simulate data loss
    command("canister call chat remove_spam")
    reply("remove_spam", await chat.call("remove_spam"))
    command("canister call chat dump")
    reply("dump", await chat.query("dump"))

    # Step 8: restore the canister state from the snapshot
    command("canister stop chat")
    print(f"Stopping code for canister chat, with canister_id {chat.id}")
    await ic.stop_canister(canister_id=chat.id)
    command("canister snapshot list chat")
    for s in await ic.list_canister_snapshots(canister_id=chat.id):
        size, taken = human_bytes(s.total_size), utc_time(s.taken_at_timestamp)
        print(f"{s.id.hex()}: {size}, taken at {taken}")
    command(f"canister snapshot load chat {snapshot.id.hex()}")
    await ic.load_canister_snapshot(canister_id=chat.id, snapshot_id=snapshot.id)
    print(f"Loaded snapshot {snapshot.id.hex()} in canister chat")
    command("canister start chat")
    print(f"Starting code for canister chat, with canister_id {chat.id}")
    await ic.start_canister(canister_id=chat.id)
    command("canister call chat dump")
    reply("dump", await chat.query("dump"))


async def main() -> None:
    async with Subnet(seed=0, scenario="scenarios/canister_snapshots.py") as net:
        await scenario(net)


if __name__ == "__main__":
    anyio.run(main)
