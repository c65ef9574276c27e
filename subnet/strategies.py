"""Who runs next: the strategies that pick one ready source at each step.

A strategy sees the ready set (a sorted list of source ids, see :mod:`subnet.queues`) and
returns an *index* into it. It takes that choice through its :class:`~subnet.choices.Chooser`,
the one record of every choice of the run: a random strategy *draws* it, a deterministic one
(round robin) *decides* it and the chooser records the decision. So a run's choice list
replays it whatever the strategy was, even one written by a user (wrapped by
:func:`with_chooser`), and a replay is round robin over a strict chooser that answers every
choice from the recorded list.
"""

from __future__ import annotations

import random as _random
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from .choices import Chooser, ReplayDivergence


class ReadyIds(Protocol):
    """The ready set as a strategy sees it: source ids in ascending order, indexable and
    bisectable (the engine's ``ReadySet`` list, or a ``SortedList`` when the set is large)."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int, /) -> int: ...

    def __iter__(self) -> Iterator[int]: ...

    def bisect_right(self, value: int, /) -> int: ...


class Strategy(Protocol):
    """Picks the index of the next source to run among ``ready`` (at least two ids), taking
    the choice through ``chooser``."""

    name: str
    chooser: Chooser

    def choose(self, ready: ReadyIds) -> int: ...


class Policy(Protocol):
    """A user's strategy without a chooser: just ``choose(ready) -> index``."""

    name: str

    def choose(self, ready: ReadyIds) -> int: ...


class RoundRobin:
    """IC-like fairness: visit sources in id order, starting after the one that ran last."""

    name = "round_robin"

    def __init__(self, chooser: Chooser | None = None) -> None:
        self.chooser = chooser if chooser is not None else Chooser(record_sizes=False)
        self._last = -1

    def choose(self, ready: ReadyIds) -> int:
        index = ready.bisect_right(self._last)
        if index == len(ready):
            index = 0
        index = self.chooser.decide(len(ready), index)
        self._last = ready[index]
        return index

    def state(self) -> dict[str, Any]:
        """What a saved subnet keeps of this strategy."""
        return {"name": self.name, "last": self._last}

    def restore(self, doc: dict[str, Any]) -> None:
        self._last = doc["last"]


class RandomStrategy:
    """Uniformly random among ready sources, drawn through the chooser (from a generator
    seeded with ``seed`` unless the chooser brings its own)."""

    name = "random"

    def __init__(self, seed: int = 0, chooser: Chooser | None = None) -> None:
        self.seed = seed
        self.chooser = (
            chooser
            if chooser is not None
            else Chooser(rng=_random.Random(seed), record_sizes=False)
        )

    def choose(self, ready: ReadyIds) -> int:
        return self.chooser.draw(len(ready))

    def state(self) -> dict[str, Any]:
        """What a saved subnet keeps of this strategy: its seed and its generator's state."""
        rng = self.chooser.rng
        assert rng is not None, "a random strategy draws from a generator"
        version, internal, gauss = rng.getstate()
        return {"name": self.name, "seed": self.seed, "state": [version, list(internal), gauss]}

    def restore(self, doc: dict[str, Any]) -> None:
        version, internal, gauss = doc["state"]
        self.chooser.rng = _random.Random()
        self.chooser.rng.setstate((version, tuple(internal), gauss))


class Replay(RoundRobin):
    """Replays a recorded choice list. ``strict`` (the default): a choice that does not fit,
    or a run that wants more choices than were recorded, raises :class:`ReplayDivergence`;
    otherwise such a choice is taken modulo the options, and round robin goes on after the
    list (useful when a list was cut short)."""

    name = "replay"

    def __init__(self, decisions: Sequence[int], *, strict: bool = True) -> None:
        super().__init__(Chooser(decisions, strict=strict, record_sizes=False))

    @property
    def decisions(self) -> list[int]:
        return self.chooser.prefix


class Recorded:
    """A user's policy with its choices recorded (see :func:`with_chooser`)."""

    def __init__(self, policy: Policy, chooser: Chooser | None = None) -> None:
        self.policy = policy
        self.name = policy.name
        self.chooser = chooser if chooser is not None else Chooser(record_sizes=False)

    def choose(self, ready: ReadyIds) -> int:
        return self.chooser.decide(len(ready), self.policy.choose(ready))


def with_chooser(strategy: Strategy | Policy) -> Strategy:
    """``strategy`` itself if it takes its choices through a chooser, else it wrapped so that
    its choices are recorded."""
    if isinstance(getattr(strategy, "chooser", None), Chooser):
        return strategy  # type: ignore[return-value]  # it has a chooser: it is a Strategy
    return Recorded(strategy)


def round_robin() -> RoundRobin:
    return RoundRobin()


def random(seed: int = 0) -> RandomStrategy:
    return RandomStrategy(seed)


def replay(decisions: Sequence[int], *, strict: bool = True) -> Replay:
    return Replay(decisions, strict=strict)


def make_strategy(spec: str | Strategy | Policy | None, seed: int) -> Strategy:
    """Turn ``"round_robin"``/``"random"``/a strategy object into a strategy."""
    if spec is None or spec == "round_robin":
        return RoundRobin()
    if spec == "random":
        return RandomStrategy(seed)
    if isinstance(spec, str):
        raise ValueError(f"unknown strategy {spec!r}: use 'round_robin', 'random' or an object")
    return with_chooser(spec)


__all__ = [
    "Chooser",
    "Policy",
    "RandomStrategy",
    "ReadyIds",
    "Recorded",
    "Replay",
    "ReplayDivergence",
    "RoundRobin",
    "Strategy",
    "make_strategy",
    "random",
    "replay",
    "round_robin",
    "with_chooser",
]
