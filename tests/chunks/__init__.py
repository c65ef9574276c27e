"""The Wasm chunk store: upload_chunk, stored_chunks, clear_chunk_store, install_chunked_code,
and the chunk store a snapshot holds.

IC sources are abbreviated as in tests/snapshots/__init__.py, and:
- WCS = rs/replicated_state/src/canister_state/system_state/wasm_chunk_store.rs
- TY = rs/execution_environment/src/canister_manager/types.rs
- EX = rs/execution_environment/src/execution_environment.rs

Not ported (the simulator has no such mechanism): the cycles an upload is charged, heap-delta
rate limiting of uploads, subnet memory capacity, and the Wasm compilation of an assembled
module (here the chunks carry module bytes that name a Python class: see
subnet/management/chunks.py).
"""
