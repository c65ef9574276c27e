"""The explorer: schedules, snapshot faults, invariants, shrinking, replay, workers."""
