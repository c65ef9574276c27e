"""One record of every choice a run makes.

Everything nondeterministic in a run, which ready source runs next and whether, where and what
to inject before a step, is a *choice*: a small integer in ``[0, n)`` taken through one
:class:`Chooser` and appended to one list. That list is the run: replaying it replays the run
exactly (on asyncio and on trio alike), and a shrinker makes a failing run simpler by editing
it, the way Hypothesis records, replays and shrinks its choice sequences.

A chooser reads choices from a *prefix* while it lasts (a recorded run, or a shrinker's edited
candidate), then draws them from a seeded generator (``rng``), or takes 0, the simplest choice
(the oldest ready source; inject nothing), when it has none. Two kinds of choice go through it:

- :meth:`Chooser.draw` is a random choice (the random strategy, fault injection);
- :meth:`Chooser.decide` records a choice a deterministic policy made (round robin, PCT's pick
  of the highest-priority source), so that a replay does not need the policy at all.

On a *strict* replay, a recorded choice that does not fit (``value >= n``: the run is not the one
recorded) or a run that wants more choices than were recorded raises :class:`ReplayDivergence`:
a replay never silently wraps a choice. A shrinker's candidates are not strict: there, an edited
value is taken modulo ``n`` (any integer list is a candidate run).
"""

from __future__ import annotations

import random
from collections.abc import Sequence


class ReplayDivergence(RuntimeError):
    """A replayed choice does not fit the run: the scenario is not the one recorded."""


class Chooser:
    """Every choice of one run: ``choices[i]`` was taken among ``sizes[i]`` options."""

    __slots__ = ("choices", "prefix", "rng", "sizes", "strict")

    def __init__(
        self,
        prefix: Sequence[int] = (),
        rng: random.Random | None = None,
        *,
        strict: bool = False,
        record_sizes: bool = True,
    ) -> None:
        self.prefix = list(prefix)
        self.rng = rng
        self.strict = strict
        self.choices: list[int] = []
        # how many options each recorded choice had (a depth-first search needs them; a plain
        # run does not keep them)
        self.sizes: list[int] | None = [] if record_sizes else None

    @property
    def replaying(self) -> bool:
        """Whether the next choice comes from the prefix."""
        return len(self.choices) < len(self.prefix)

    def _recorded(self, n: int) -> int:
        i = len(self.choices)
        value = self.prefix[i]
        if value < n:
            return value
        if self.strict:
            raise ReplayDivergence(
                f"recorded choice {i} is {value}, but this run has only {n} options there"
            )
        return value % n

    def _past_the_end(self) -> None:
        raise ReplayDivergence(
            f"the recorded run made {len(self.prefix)} choices; this run wants more"
        )

    def draw(self, n: int) -> int:
        """A random choice in ``[0, n)``; a choice with one option is not recorded."""
        if n <= 1:
            return 0
        if len(self.choices) < len(self.prefix):
            value = self._recorded(n)
        elif self.rng is not None:
            value = self.rng.randrange(n)
        elif self.strict:
            self._past_the_end()
        else:
            value = 0
        self.choices.append(value)
        if self.sizes is not None:
            self.sizes.append(n)
        return value

    def weighted(self, p: float) -> int:
        """A yes/no choice (1 or 0) that a fresh run takes with probability ``p``: recorded as
        one choice of two options, so that a depth-first search tries both and a shrinker
        makes it 0. A certain outcome (``p`` 0 or 1) is not a choice, and is not recorded."""
        if p <= 0:
            return 0
        if p >= 1:
            return 1
        if self.rng is None or len(self.choices) < len(self.prefix):
            return self.draw(2)  # from the record, or the simplest choice (or a divergence)
        return self.decide(2, 1 if self.rng.random() < p else 0)

    def decide(self, n: int, proposal: int) -> int:
        """Record ``proposal``, the choice a deterministic policy made among ``n`` options; when
        replaying, the recorded choice instead."""
        if len(self.choices) < len(self.prefix):
            proposal = self._recorded(n)
        elif self.strict:
            self._past_the_end()
        self.choices.append(proposal)
        if self.sizes is not None:
            self.sizes.append(n)
        return proposal
