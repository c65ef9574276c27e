"""Wasm canisters: modules compiled from Motoko (or Rust, ...) running beside Python actors.

``WasmModule.from_file(path)`` reads a module; ``await net.deploy(module, name="chat")``
installs it, and ``install_code(wasm_module=<bytes>)`` takes the bytes. Calls take and return
Python values, converted through the module's Candid interface (its ``candid:service``
section). The modules:

* :mod:`~subnet.wasm.module`: reading a module (sections, imports, exports, interface) and
  instrumenting it (every mutable global exported); no Wasm engine needed.
* :mod:`~subnet.wasm.context`: what one execution asks of the system; :class:`WasmTrap`.
* :mod:`~subnet.wasm.ic0`: the System API the module imports.
* :mod:`~subnet.wasm.runtime`: a wasmtime instance per canister; executions, rollback, fuel.
* :mod:`~subnet.wasm.pages`: the committed memory as shared 64 KiB pages, and snapshot images.
* :mod:`~subnet.wasm.motoko`: compiling a Motoko source with npm's ``motoko`` compiler.
* :mod:`~subnet.wasm.code`: the module as canister code: its class, and the executions the
  engine asks for, with values converted at the boundary.
"""

from .module import InvalidWasm, WasmModule

__all__ = ["InvalidWasm", "WasmModule"]
