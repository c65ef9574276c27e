"""The management canister (``aaaaa-aa``): lifecycle, settings, history and snapshots.

- :mod:`.args`: decoding argument records (the IC's 408 for what does not fit);
- :mod:`.context`: what every method shares (finding canisters, permissions, history, the
  snapshot policy);
- :mod:`.lifecycle`: installing, upgrading and uninstalling code, all or nothing;
- :mod:`.methods`: the lifecycle methods (create, install, start, stop, status, ...);
- :mod:`.store` and :mod:`.snapshots`: stored snapshots and the snapshot methods;
- :mod:`.chunks`: the Wasm chunk store and its methods (``upload_chunk``, ...,
  ``install_chunked_code``);
- :mod:`.sizes`: memory as the IC charges it;
- :mod:`.dispatch`: :class:`Management`, the handler the engine calls for subnet messages,
  and the ingress filter the router calls as an ingress message to it arrives;
- :mod:`.client`: :class:`ManagementClient`, ``net.management`` in a scenario.
"""

from .client import ManagementClient
from .context import ManagementContext, NotSavable, SnapshotPolicy
from .dispatch import Management
from .sizes import memory_size
from .store import StoredSnapshot, code_from_module, module_bytes

__all__ = [
    "Management",
    "ManagementClient",
    "ManagementContext",
    "NotSavable",
    "SnapshotPolicy",
    "StoredSnapshot",
    "code_from_module",
    "memory_size",
    "module_bytes",
]
