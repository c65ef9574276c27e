"""A canister that cannot be stopped, and the snapshot taken of it anyway.

`dispatcher` always has a call in flight: it forwards a job to `relay`, awaits the answer, and
forwards the next. `stop_canister` waits until the canister's call contexts are closed, which
never happens here. After five minutes the IC answers the stop with IC0206 "Stop canister
request timed out", and the canister stays *stopping*. Then operators do what the IC allows and
only recommends against: they take the snapshot without a stopped canister (dfx needs
`--force` for it), and start the canister again. The trace records the hazard: the snapshot
holds a frame suspended on a call that was in flight when it was taken.

    subnet run scenarios/unstoppable.py --trace unstoppable.trace
    subnet trace show unstoppable.trace
"""

from actors import Canister, update
from subnet import MANAGEMENT, Reject, Subnet

MINUTE = 60 * 1_000_000_000


class Relay(Canister):
    @update
    def job(self, n: int) -> int:
        return n + 1


class Dispatcher(Canister):
    def init(self) -> None:
        self.done = 0

    @update
    async def run(self, relay: object) -> None:
        while True:  # one call always in flight
            self.done = await self.call(relay, "job", self.done)


async def scenario(net: Subnet) -> None:
    relay = await net.deploy(Relay, name="relay")
    dispatcher = await net.deploy(Dispatcher, name="dispatcher")
    dispatcher.submit("run", relay.id)
    await net.run_until_idle(max_steps=10)  # it never goes idle: a bound, not a wait
    stop = net.submit(MANAGEMENT, "stop_canister", {"canister_id": dispatcher.id})
    await net.run_until_idle(max_steps=10)
    view = net.inspect(dispatcher)
    print(f"after the stop: {view.status}, {view.open_call_contexts} open call context(s)")

    net.advance_time(5 * MINUTE)  # the next round answers the stop
    await net.run_until_idle(max_steps=10)
    try:
        stop.result()
    except Reject as rej:
        print(f"the stop: {rej.error_code.ic_code} {rej.reject_message}")
    print(f"still {net.inspect(dispatcher).status}")

    snap = await net.management.take_canister_snapshot(canister_id=dispatcher.id)
    print(f"snapshot {snap.id} taken; hazards: {[h.kind for h in net.hazards]}")
    await net.management.start_canister(canister_id=dispatcher.id)
    await net.run_until_idle(max_steps=10)
    print(f"started again: {net.inspect(dispatcher).status}")
