"""Candid text (subnet.candid): dfx's exact reply strings, parsing, value checks, round trips."""
