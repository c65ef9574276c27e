"""Canister lifecycle through the management canister: create, install, upgrade, uninstall,
start, stop, delete, status, info and history, settings and controllers."""
