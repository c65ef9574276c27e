"""Executing messages: calls, replies, traps, cleanup, queues and ordering, stepping, timers."""
