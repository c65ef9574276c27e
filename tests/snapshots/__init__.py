"""Canister snapshots: take, load, list, delete, read and upload, and what a load does to calls
in flight."""
