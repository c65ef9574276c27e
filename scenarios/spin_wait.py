"""A canister that waits for another message by spinning: the wait never ends.

``reserve`` marks the vault busy and awaits the ledger; ``withdraw`` spins until the vault is
no longer busy. Written as if messages ran in parallel, it forgets that a canister executes
one message at a time, atomically: while ``withdraw`` spins, the response that would end
``reserve``'s wait can never run. Whether it goes wrong depends on the order of the two
ingress messages and the ledger's reply; on the IC the spinning execution traps with IC0522
(instruction limit exceeded), and so it does here, once it runs past its execution budget.

    subnet explore scenarios/spin_wait.py --runs 50 --execution-limit 0.2
"""

from actors import Canister, update


class Ledger(Canister):
    def init(self) -> None:
        self.moves = 0

    @update
    def move(self, amount: int) -> int:
        self.moves += amount
        return self.moves


class Vault(Canister):
    def init(self, ledger: object) -> None:
        self.ledger = ledger
        self.busy = False
        self.withdrawn = 0

    @update
    async def reserve(self, amount: int) -> None:
        self.busy = True
        await self.call(self.ledger, "move", amount)
        self.busy = False

    @update
    def withdraw(self, amount: int) -> int:
        while self.busy:  # spin until reserve is done: it never will be, from in here
            pass
        self.withdrawn += amount
        return self.withdrawn


async def scenario(net):
    ledger = await net.deploy(Ledger, name="ledger")
    vault = await net.deploy(Vault, ledger.id, name="vault")
    first = vault.submit("reserve", 10)
    second = vault.submit("withdraw", 5)
    await net.run_until_idle()
    for call in (first, second):
        if call.reject is not None:
            raise AssertionError(f"a call failed: {call.reject.reject_message.splitlines()[0]}")
