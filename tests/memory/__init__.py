"""Stable memory (subnet.memory): bounds, growth, copy-on-write images, checksums, sharing; and
stable memory as canisters use it."""
