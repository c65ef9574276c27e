"""Who runs next: the strategies that pick one ready source at each step.

A strategy sees the ready set (a sorted list of source ids, see :mod:`subnet.engine`) and
returns an *index* into it. Indices, not ids, are what the engine records as decisions: a
decision list is then a plain list of small integers that replays a run exactly, and that a
shrinker can edit freely (any integer is a valid choice once taken modulo the number of ready
sources), the way Hypothesis replays and shrinks its choice sequences.
"""

from __future__ import annotations

import random as _random
from collections.abc import Iterator, Sequence
from typing import Protocol


class ReadyIds(Protocol):
    """The ready set as a strategy sees it: source ids in ascending order, indexable and
    bisectable (the engine's ``ReadySet`` list, or a ``SortedList`` when the set is large)."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int, /) -> int: ...

    def __iter__(self) -> Iterator[int]: ...

    def bisect_right(self, value: int, /) -> int: ...


class Strategy(Protocol):
    """Picks the index of the next source to run among ``ready`` (a sorted list of ids)."""

    name: str

    def choose(self, ready: ReadyIds) -> int: ...


class RoundRobin:
    """IC-like fairness: visit sources in id order, starting after the one that ran last."""

    name = "round_robin"

    def __init__(self) -> None:
        self._last = -1

    def choose(self, ready: ReadyIds) -> int:
        index = ready.bisect_right(self._last)
        if index == len(ready):
            index = 0
        self._last = ready[index]
        return index


class RandomStrategy:
    """Uniformly random among ready sources, from its own seeded generator."""

    name = "random"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._rng = _random.Random(seed)

    def choose(self, ready: ReadyIds) -> int:
        return self._rng.randrange(len(ready))


class ReplayDivergence(RuntimeError):
    """A replayed decision does not fit the run: the scenario is not the one recorded."""


class Replay:
    """Replays a recorded decision list; afterwards, or if ``strict`` is off, falls back to
    round robin (useful when a shrinker has cut the list short)."""

    name = "replay"

    def __init__(self, decisions: Sequence[int], *, strict: bool = True) -> None:
        self.decisions = list(decisions)
        self.strict = strict
        self._position = 0
        self._fallback = RoundRobin()

    def choose(self, ready: ReadyIds) -> int:
        position = self._position
        if position >= len(self.decisions):
            if self.strict:
                raise ReplayDivergence(
                    f"the recorded run made {len(self.decisions)} choices; this run wants more"
                )
            return self._fallback.choose(ready)
        self._position = position + 1
        index = self.decisions[position]
        if index >= len(ready):
            if self.strict:
                raise ReplayDivergence(
                    f"decision {position} chose source {index} of {len(ready)} ready sources"
                )
            index %= len(ready)
        return index


def round_robin() -> RoundRobin:
    return RoundRobin()


def random(seed: int = 0) -> RandomStrategy:
    return RandomStrategy(seed)


def replay(decisions: Sequence[int], *, strict: bool = True) -> Replay:
    return Replay(decisions, strict=strict)


def make_strategy(spec: str | Strategy | None, seed: int) -> Strategy:
    """Turn ``"round_robin"``/``"random"``/a strategy object into a strategy."""
    if spec is None or spec == "round_robin":
        return RoundRobin()
    if spec == "random":
        return RandomStrategy(seed)
    if isinstance(spec, str):
        raise ValueError(f"unknown strategy {spec!r}: use 'round_robin', 'random' or an object")
    return spec
