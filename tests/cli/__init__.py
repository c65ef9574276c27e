"""The ``subnet`` command: the dfx tutorial word for word, snapshots on disk, errors, scenarios.

Its helpers are in tests/support/cli.py, the ``proj`` fixture in tests/conftest.py."""
