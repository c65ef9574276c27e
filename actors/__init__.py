"""The canister programming model (``Canister``, ``update``, ``query``) and Candid type aliases.

Example canisters live in the modules of this package (``actors.chat``, ...).
"""

from .canister import Call, Canister, MethodInfo, Trap, query, trap, update
from .types import *  # noqa: F403 - the Candid aliases are part of this package's API
from .types import __all__ as _types_all

__all__ = ["Call", "Canister", "MethodInfo", "Trap", "query", "trap", "update", *_types_all]
