"""Canister snapshots: take, load, list, delete, read and upload, what a load does to calls in
flight, and guards.

Many tests are ported from the IC's own test suites: the comment above such a test names the IC
test it comes from and the file that holds it (dfinity/ic unless said otherwise). The IC tests
drive the replica with a Wasm "universal canister"; here the same behaviour is driven with small
Python canisters. Only behaviour is ported: cycles, instruction counting, heap-delta rate
limits, subnet memory capacity, compilation and checkpoints are not part of this simulator and
are left out (listed at the end). The tests of the Wasm chunk store, and of the chunk store a
snapshot holds, are in tests/chunks/.

Abbreviations used in the source comments:
- EE = rs/execution_environment/src/execution_environment/tests/canister_snapshots.rs
- ST = rs/execution_environment/tests/canister_snapshots.rs (StateMachine tests)
- CH = rs/execution_environment/tests/canister_history.rs
- PIC = packages/pocket-ic/tests/tests.rs
- SPEC = dfinity/developer-docs docs/references/ic-interface-spec (management-canister.md,
  abstract-behavior.md); CM = rs/execution_environment/src/canister_manager.rs and types.rs

Not ported (the simulator has no such mechanism):
- EE take/load_canister_snapshot_charges_canister_cycles, canister_snapshot_reserves_cycles_
  difference, canister_request_take_canister_cycles_reserved_for_app_and_verified_app_subnets,
  ST take_frozen_canister_snapshot_fails, EE take_canister_snapshot_fails_when_canister_would_
  be_frozen: cycles, freezing threshold, storage reservation.
- EE take_canister_snapshot_fails_subnet_memory_exceeded, ..._works_when_enough_subnet_memory_
  after_replacing_old_snapshot, ST canister_snapshots_and_memory_allocation: subnet memory
  capacity and memory allocation.
- EE take/load_canister_snapshot_fails_when_heap_delta_rate_limited, take_canister_snapshot_
  increases_heap_delta: heap-delta rate limiting.
- EE chunk_size_multiple_of_os_page_size: OS pages (the chunk store's other tests are in
  tests/chunks/).
- ST take_download_upload_load_snapshot_roundtrip_one_global: no Wasm globals.
- ST load_canister_snapshot_works_on_another_canister, first half ("not currently loadable ...
  usually ten minutes" until a checkpoint): checkpointing artifact.
- EE *_decode_round_trip, take_canister_snapshot_decode_fails: Rust Candid encoding.
- EE canister_snapshot_change_guard_do_not_modify_without_reading_doc_comment: Rust struct
  layout guard.
"""
