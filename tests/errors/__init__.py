"""Errors (subnet.errors): reject and error codes, the Reject exception, the replica's texts."""
