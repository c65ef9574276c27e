"""The canister programming model: a class whose instance attributes are the heap.

```python
class Counter(Canister):
    def init(self, start: nat = 0):
        self.value = start

    @update
    async def bump_other(self, other: principal) -> nat:
        n = await self.call(other, "bump")      # one message execution ends here
        self.value += n                         # ... and the callback's begins here
        return self.value
```

Methods marked ``@update`` or ``@query`` are the canister's public interface; they may be plain
functions or ``async def``. ``await self.call(...)`` suspends the method until the callee's
response arrives, exactly like an ``.await`` on an inter-canister call in the Rust CDK: the code
before the ``await`` and the code after it are two separate, atomic message executions, and
anything may happen in between.

Hooks: ``init(*args)`` runs on install and reinstall; ``pre_upgrade()`` on the old instance
before an upgrade and ``post_upgrade(*args)`` on the new one. A plain ``__init__(self)`` (no
arguments) is a field initialiser: it runs whenever a fresh heap is built (install, reinstall,
upgrade), like Motoko's non-stable ``let``/``var`` declarations.

System tasks (each runs as a message execution of its own, like ``global_timer()``):
``heartbeat()`` once per round (``canister_heartbeat``), ``on_low_wasm_memory()`` when the
memory left under ``wasm_memory_limit`` falls below ``wasm_memory_threshold``
(``canister_on_low_wasm_memory``); see docs/concepts.md.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

if TYPE_CHECKING:
    from typing import Protocol

    from subnet.ids import Principal

    class _SystemApi(Protocol):
        """What the :class:`Canister` base class uses of the system (the engine's canister
        state provides it)."""

        @property
        def id(self) -> Principal: ...
        @property
        def version(self) -> int: ...
        def caller(self) -> Principal: ...
        def time(self) -> int: ...
        def msg_deadline(self) -> int: ...
        def stable_api(self) -> Any: ...
        def set_global_timer(self, deadline: int) -> int: ...
        def set_certified_data(self, data: bytes) -> None: ...
        def reply(self, value: Any) -> None: ...
        def reject(self, message: str) -> None: ...


HOOKS = frozenset({"init", "pre_upgrade", "post_upgrade"})

SYSTEM_TASKS = ("heartbeat", "on_low_wasm_memory")
"""Methods the system runs as tasks of their own: ``canister_heartbeat`` (once per round) and
``canister_on_low_wasm_memory`` (when the Wasm memory left falls below the threshold)."""


class Trap(Exception):
    """Raised by :func:`trap`: the execution traps with this message (any exception does)."""


def trap(message: str) -> NoReturn:
    """Trap the current message execution, like ``ic_cdk::trap``: its changes are rolled back."""
    raise Trap(message)


class MethodInfo:
    """What the system knows about one exported method."""

    __slots__ = (
        "_signature",
        "fast_check",
        "fn",
        "is_async",
        "kind",
        "manual_reply",
        "max_args",
        "min_args",
        "name",
    )

    def __init__(
        self, fn: Callable[..., Any], kind: str, name: str | None = None, manual_reply: bool = False
    ) -> None:
        self.fn = fn
        self.kind = kind  # "update" or "query"
        self.name = name or fn.__name__
        self.manual_reply = manual_reply
        self.is_async = inspect.iscoroutinefunction(fn)
        params = list(inspect.signature(fn).parameters.values())[1:]  # drop self
        positional = [
            p
            for p in params
            if p.kind
            in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        ]
        self.min_args = sum(1 for p in positional if p.default is inspect.Parameter.empty)
        varargs = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params)
        self.max_args = None if varargs else len(positional)
        self._signature: tuple[tuple[Any, ...] | None, tuple[Any, ...]] | None = None
        self.fast_check: Any = False  # engine cache: False = not computed yet

    @property
    def signature(self) -> tuple[tuple[Any, ...] | None, tuple[Any, ...]]:
        """(argument types, result types) as Candid types, derived from the annotations;
        argument types None when the method has no Candid signature (it accepts anything)."""
        if self._signature is None:
            from subnet.candid import ANY, method_signature

            try:
                self._signature = method_signature(self.fn)
            except TypeError:  # *args and the like: no Candid signature, accept anything
                self._signature = (None, (ANY,))
        return self._signature

    def arity_error(self, n: int) -> str | None:
        if n < self.min_args or (self.max_args is not None and n > self.max_args):
            if self.max_args == self.min_args:
                want = f"{self.min_args}"
            elif self.max_args is None:
                want = f"at least {self.min_args}"
            else:
                want = f"{self.min_args} to {self.max_args}"
            plural = "" if want == "1" else "s"
            return f"expected {want} argument{plural}, got {n}"
        return None

    def __repr__(self) -> str:
        return f"<{self.kind} method {self.name}>"


def update(
    fn: Callable[..., Any] | None = None, *, name: str | None = None, manual_reply: bool = False
) -> Any:
    """Export a method as an update (``canister_update``): it may change state and make calls.

    Its return value is the reply, unless it already answered with ``self.reply(...)`` or
    ``self.reject(...)``. With ``manual_reply=True`` (as in ic-cdk) the return value is ignored:
    a method that never calls ``self.reply``/``self.reject`` leaves its call context without an
    answer, and the system rejects the caller with "did not produce a response" (IC0506) once
    nothing is left to wait for.
    """
    if fn is None:
        return lambda f: update(f, name=name, manual_reply=manual_reply)
    fn.__canister_method__ = MethodInfo(fn, "update", name, manual_reply)  # type: ignore[attr-defined]
    return fn


def query(fn: Callable[..., Any] | None = None, *, name: str | None = None) -> Any:
    """Export a method as a query (``canister_query``): its changes are always discarded."""
    if fn is None:
        return lambda f: query(f, name=name)
    fn.__canister_method__ = MethodInfo(fn, "query", name)  # type: ignore[attr-defined]
    return fn


class Call:
    """An inter-canister call in flight; awaiting it suspends the method until the response.

    The awaitable yields itself to the engine, which registers a callback holding the id of this
    suspended frame (its *continuation*) and ends the message execution. The response resumes
    the frame: a reply is the value of the ``await``, a reject raises ``Reject`` there.
    ``timeout`` is None for an unbounded-wait call, or the seconds of a bounded-wait one.
    """

    __slots__ = ("args", "method", "target", "timeout")

    def __init__(
        self, target: Any, method: str, args: tuple[Any, ...], timeout: int | None = None
    ) -> None:
        self.target = target
        self.method = method
        self.args = args
        self.timeout = timeout

    def __await__(self) -> Generator[Call, Any, Any]:
        return (yield self)

    def __repr__(self) -> str:
        return f"<call {self.target}.{self.method}>"


class NotInSubnet(RuntimeError):
    """A canister's system API was used outside a message execution."""


class Canister:
    """Base class of every canister. Subclass it; instance attributes are the heap.

    The heap must hold plain data (None, bool, int, float, str, bytes, list, tuple, dict, set,
    ``Principal``): it is checked when an execution commits, and an attribute that is not plain
    data traps the execution with a message naming it.
    """

    __slots__ = ("_system",)
    _system: _SystemApi | None  # set by the engine while the canister runs on a subnet
    __canister_methods__: ClassVar[dict[str, MethodInfo]] = {}
    __system_tasks__: ClassVar[tuple[str, ...]] = ()
    _module_hash: ClassVar[bytes | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("__slots__"):
            raise TypeError(
                f"canister class {cls.__name__} must not define __slots__: its instance "
                f"attributes are its heap"
            )
        methods: dict[str, MethodInfo] = {}
        for klass in reversed(cls.__mro__):
            for attr, value in vars(klass).items():
                info = getattr(value, "__canister_method__", None)
                if isinstance(info, MethodInfo):
                    methods[info.name] = info
                elif attr in methods and methods[attr].fn.__name__ == attr:
                    del methods[attr]  # overridden by a plain method
        cls.__canister_methods__ = methods
        cls._module_hash = None
        tasks = tuple(name for name in SYSTEM_TASKS if callable(getattr(cls, name, None)))
        cls.__system_tasks__ = tasks

    # -- the system API (ic0), available during a message execution -----------------------
    def _sys(self) -> _SystemApi:
        try:
            system = self._system
        except AttributeError:
            system = None
        if system is None:
            raise NotInSubnet(
                f"{type(self).__name__}: the system API is only available while the canister "
                f"runs on a subnet (deploy it with Subnet.deploy)"
            )
        return system

    @property
    def id(self) -> Principal:
        """This canister's id (``ic0.canister_self``)."""
        return self._sys().id

    @property
    def caller(self) -> Principal:
        """The caller of the current call context (``ic0.msg_caller``)."""
        return self._sys().caller()

    def time(self) -> int:
        """Subnet time in nanoseconds since the epoch (``ic0.time``)."""
        return self._sys().time()

    @property
    def stable(self) -> Any:
        """Stable memory: ``size()``, ``grow(pages)``, ``read(offset, n)``, ``write(offset, b)``."""
        return self._sys().stable_api()

    def canister_version(self) -> int:
        """The canister version (``ic0.canister_version``)."""
        return self._sys().version

    def set_global_timer(self, deadline: int) -> int:
        """Arm the canister's global timer for ``deadline`` (subnet time, ns; 0 disarms it), as
        ``ic0.global_timer_set``; returns the previous deadline. At the start of the first round
        at or after it, the canister's ``global_timer`` method runs once as a message of its
        own (not in a query: there it traps, as ``ic0.global_timer_set`` is not provided)."""
        return self._sys().set_global_timer(deadline)

    def set_certified_data(self, data: bytes) -> None:
        """Set the certified data (at most 32 bytes), as ``ic0.certified_data_set``."""
        self._sys().set_certified_data(data)

    def reply(self, value: Any = None) -> None:
        """Answer the current call now (``ic0.msg_reply``) and keep running: later code and
        callbacks still execute, but the caller already has its answer. The reply is sent when
        this execution commits; a trap discards it."""
        self._sys().reply(value)

    def reject(self, message: str) -> None:
        """Reject the current call now (``ic0.msg_reject``, CANISTER_REJECT); state is kept."""
        self._sys().reject(message)

    def call(self, target: Any, method: str, *args: Any, timeout: int | None = None) -> Call:
        """Call ``method`` of canister ``target``; ``await`` it for the reply (or a Reject).

        Without ``timeout`` the call is an *unbounded-wait* (guaranteed response) call: the
        caller waits for the callee's answer however long it takes. ``timeout=seconds`` makes
        it a *bounded-wait* (best-effort response) call, like ``Call::bounded_wait`` with
        ``change_timeout`` in the Rust CDK (``ic0.call_with_best_effort_response``): the
        system answers it with ``SYS_UNKNOWN`` once its deadline passes without a response,
        whether or not the callee executed it; the timeout is silently capped at 300 seconds
        (the IC's ``MAX_CALL_TIMEOUT``)."""
        if timeout is not None and (type(timeout) is not int or not 0 <= timeout < 1 << 32):
            raise ValueError(
                f"a call's timeout is a whole number of seconds (a u32), not {timeout!r}"
            )
        return Call(target, method, args, timeout)

    def msg_deadline(self) -> int:
        """The deadline of the current message in ns since the epoch (``ic0.msg_deadline``,
        ``ic_cdk::api::msg_deadline``): after it the caller may stop waiting for the response.
        Set for a bounded-wait call and its callbacks; 0 for an unbounded-wait call, an
        ingress message, a query or a system task."""
        return self._sys().msg_deadline()

    @classmethod
    def module_hash(cls) -> bytes:
        """SHA-256 standing in for the Wasm module hash: the class's qualified name and source."""
        if cls._module_hash is None:
            try:
                source = inspect.getsource(cls)
            except (OSError, TypeError):
                source = ""
            ident = f"{cls.__module__}:{cls.__qualname__}\n{source}".encode()
            cls._module_hash = hashlib.sha256(ident).digest()
        return cls._module_hash

    def __repr__(self) -> str:
        return f"<{type(self).__name__} canister>"
