import os

import pytest
from hypothesis import settings

from tests.support.cli import CONFIG, STORE_MODULE

# In CI every property test draws the same examples (a green main stays green); elsewhere
# Hypothesis explores fresh examples on every run.
settings.register_profile("ci", derandomize=True, database=None)
# `make fuzz` runs the hostile-input properties (tests/hostile/) with many fresh examples.
settings.register_profile("fuzz", max_examples=3000, deadline=None, database=None)
if os.environ.get("SUBNET_FUZZ"):
    settings.load_profile("fuzz")
elif os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request):
    """Every async test runs on both anyio backends."""
    return request.param


@pytest.fixture
def proj(tmp_path, monkeypatch):
    """A ``subnet`` project folder (tests/cli/): subnet.toml with a chat and a store canister."""
    (tmp_path / "subnet.toml").write_text(CONFIG)
    (tmp_path / "cli_store.py").write_text(STORE_MODULE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path
