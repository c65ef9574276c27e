"""PCT, probabilistic concurrency testing, as a strategy over the run's chooser."""

from __future__ import annotations

from ..choices import Chooser
from ..queues import Chain, SourcesView
from ..strategies import ReadyIds


class PCTStrategy:
    """Probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010) over causal chains.

    A *thread* is a causal chain: an ingress message (or a timer) and every message it causes,
    its calls, their calls and all their responses (:meth:`SourcesView.chain`). Two calls into
    the same canister are two threads, so PCT's priority changes interleave *calls*, which is
    where reentrancy bugs live (check, ``await``, act). Each thread gets a random priority when
    it first has a message ready; the ready message of the highest-priority thread runs (its
    oldest source first). At ``depth - 1`` steps chosen at random among the first
    ``max_steps``, the thread that just ran drops below every initial priority. A bug that needs
    ``d`` particular orderings is found with probability at least ``1 / (n * k^(d-1))`` per
    run, instead of exponentially small odds for uniform random.
    """

    name = "pct"

    def __init__(self, chooser: Chooser, depth: int = 3, max_steps: int = 200) -> None:
        self.chooser = chooser
        self.depth = depth
        self.changes = [chooser.draw(max_steps) for _ in range(max(0, depth - 1))]
        self.priority: dict[Chain, int] = {}
        self.view: SourcesView | None = None
        self.count = 0

    def bind(self, view: SourcesView) -> None:
        """See the ready sources through ``view`` (``engine.sources_view()``)."""
        self.view = view

    def choose(self, ready: ReadyIds) -> int:
        assert self.view is not None, "PCTStrategy needs bind(engine.sources_view())"
        chain_of = self.view.chain
        best, best_priority = 0, None
        best_thread: Chain = ()
        for index, sid in enumerate(ready):
            thread = chain_of(sid)
            priority = self.priority.get(thread)
            if priority is None:
                priority = self.priority[thread] = self.depth + self.chooser.draw(1_000_000)
            if best_priority is None or priority > best_priority:
                best, best_priority, best_thread = index, priority, thread
        self.count += 1
        for i, at in enumerate(self.changes):
            if at == self.count:
                self.priority[best_thread] = i
        return self.chooser.decide(len(ready), best)
