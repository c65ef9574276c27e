"""Canisters used by tests in more than one file (a canister used by one file only is defined
in that file)."""

from actors import Canister, query, trap, update
from subnet import MANAGEMENT, Reject, RejectCode
from subnet.memory import PAGE_SIZE

# -- calls, replies and traps ---------------------------------------------------------------


class Counter(Canister):
    """A counter on the heap, with methods that trap, read the caller and read the time."""

    def init(self, start: int = 0):
        self.value = start
        self.log = []

    @update
    def inc(self, by: int = 1) -> int:
        self.value += by
        self.log.append(by)
        return self.value

    @update
    def inc_then_trap(self, by: int) -> int:
        self.value += by
        self.log.append(by)
        self.stable.grow(1)
        self.stable.write(0, b"dirty")
        trap("boom")

    @update
    def divide(self, d: int) -> int:
        return 10 // d

    @query
    def get(self) -> int:
        return self.value

    @query
    def history(self) -> list[int]:
        return self.log

    @query
    def mutate_in_query(self) -> int:
        self.value = 999
        return self.value

    @update
    def who(self) -> str:
        return str(self.caller)

    @update
    def now(self) -> int:
        return self.time()


class Relay(Canister):
    """Forwards a call and records what came back (a reject is recorded, then re-raised)."""

    def init(self):
        self.seen = []

    @update
    async def forward(self, target, method: str, *args):
        try:
            result = await self.call(target, method, *args)
        except Reject as rej:
            self.seen.append(("reject", int(rej.reject_code)))
            raise
        self.seen.append(("reply", result))
        return result

    @update
    async def forward_then_trap(self, target, method: str):
        await self.call(target, method)
        self.seen.append("after")
        raise ValueError("callback trapped")

    @query
    def log(self) -> list:
        return self.seen


class Manual(Canister):
    """Replies by hand: not at all, early (then calls ``bump`` of its target, a :class:`Store`),
    then traps, or with a reject."""

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


class Sink(Canister):
    """Records the items it is sent, in the order it executes them."""

    def init(self):
        self.order = []

    @update
    def take(self, item: int) -> None:
        self.order.append(item)

    @query
    def seen(self) -> list[int]:
        return self.order


class Sender(Canister):
    """Sends one item to a :class:`Sink`."""

    @update
    async def send(self, sink, item: int) -> None:
        await self.call(sink, "take", item)


# -- lifecycle: a heap counter and stable memory --------------------------------------------


class Store(Canister):
    """A counter on the heap and bytes in stable memory."""

    n = 0  # a class-level default: also there after an upgrade, which does not call init

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
    def put_then_trap(self, offset: int, data: bytes) -> None:
        self.put(offset, data)
        raise RuntimeError("after writing")

    @update
    def grow(self, pages: int) -> None:
        self.stable.grow(pages)

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
    """Rebuilds the heap after an upgrade: the counter starts again at 100."""

    def post_upgrade(self):
        self.n = 100


CODE = {"Store": Store, "StoreV2": StoreV2}  # what Client.mgmt installs, by name


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
    async def ask_management(self, method: str, record: dict):
        """Like ``mgmt``, but answers with the management canister's reply or reject."""
        return await self.call(MANAGEMENT, method, record)

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


# -- snapshots ------------------------------------------------------------------------------


class Chat(Canister):
    """Messages on the heap, bytes in stable memory, certified data (not the tutorial's
    ``actors.chat.Chat``)."""

    def init(self):
        self.chat = []

    @update
    def append(self, message: str) -> None:
        self.chat.append(message)

    @update
    def put(self, offset: int, data: bytes) -> None:
        need = (offset + len(data) + PAGE_SIZE - 1) // PAGE_SIZE
        if self.stable.size() < need:
            self.stable.grow(need - self.stable.size())
        self.stable.write(offset, data)

    @update
    def certify(self, data: bytes) -> None:
        self.set_certified_data(data)

    @query
    def dump(self) -> list[str]:
        return self.chat

    @query
    def read(self, offset: int, n: int) -> bytes:
        return self.stable.read(offset, n)


class ChatV2(Chat):
    @query
    def version(self) -> int:
        return 2


class Ledger(Canister):
    """Moves money when asked, and counts how much."""

    def init(self):
        self.moved = 0

    @update
    def transfer(self, amount: int) -> int:
        self.moved += amount
        return amount


class Vault(Canister):
    """Takes a lock across an await: the classic reentrancy guard."""

    def init(self):
        self.locked = False
        self.balance = 100
        self.log = []

    @update
    async def withdraw(self, ledger, amount: int) -> int:
        if self.locked:
            raise Reject(RejectCode.CANISTER_REJECT, "vault is locked")
        self.locked = True
        self.log.append("start")
        try:
            await self.call(ledger, "transfer", amount)
            self.balance -= amount
            self.log.append("done")
        finally:
            self.locked = False
        return self.balance

    @query
    def state(self) -> dict:
        return {"locked": self.locked, "balance": self.balance, "log": self.log}


class GrowCounter(Canister):
    """Like the IC tests' COUNTER_GROW_CANISTER_WAT: ``inc`` grows stable memory by one page and
    writes the new counter value (4 bytes, little endian) at the end of the new page."""

    def init(self):
        self.counter = 0

    @update
    def inc(self) -> int:
        self.stable.grow(1)
        self.counter += 1
        self.stable.write(self.counter * PAGE_SIZE - 4, self.counter.to_bytes(4, "little"))
        return self.counter

    @update
    def grow(self, pages: int) -> None:
        self.stable.grow(pages)

    @update
    def certify(self, data: bytes) -> None:
        self.set_certified_data(data)

    @update
    def run(self) -> None:
        return None

    @query
    def read(self) -> int:
        return self.counter


class Other(Canister):
    """A different module, to see that a load brings the snapshot's code back."""

    @query
    def which(self) -> str:
        return "other"


class Operator(Canister):
    """Calls the management canister, as the IC tests' universal canister does for them."""

    @update
    async def ic00(self, method, *args):
        try:
            return {"reply": await self.call(MANAGEMENT, method, *args)}
        except Reject as rej:
            return {"reject": [int(rej.reject_code), rej.reject_message]}

    @update
    def my_version(self) -> int:
        return self.canister_version()
