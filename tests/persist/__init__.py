"""Saving and loading a whole idle subnet (subnet.persist)."""
