"""Traces: recording, saving, replaying, and drawing them."""
