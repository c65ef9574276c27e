"""The documentation: every example runs and prints what the page shows."""
