"""Helpers of the lifecycle tests (tests/lifecycle/)."""


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
