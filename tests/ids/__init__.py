"""Ids (subnet.ids): principals, canister ids, identities, snapshot ids."""
