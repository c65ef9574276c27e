"""Canister lifecycle through the management canister: create, install, upgrade, uninstall,
start, stop, delete, status, info and history, settings and controllers.

Many tests are ported from the IC's own test suites: the comment above such a test names the
IC test (file path and test name) whose behaviour it asserts, through our Python API. Where the
simulator differed from the IC, the test would be kept and marked ``xfail(strict=True)`` with
the difference in its reason.

Left out on purpose (no counterpart in the simulator): cycles and refunds, compute and memory
allocation, Wasm validation and compilation, instruction limits and DTS, install-code rate
limiting, heartbeats and the universal canister's own features, NNS-only behaviour (governance
may uninstall any canister), subnet admins and status/snapshot visibility, environment variables.
"""
