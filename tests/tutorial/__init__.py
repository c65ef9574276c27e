"""The canister snapshots tutorial: its chat canister and its scenario."""
