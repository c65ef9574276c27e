import os

import pytest
from hypothesis import settings

# In CI every property test draws the same examples (a green main stays green); elsewhere
# Hypothesis explores fresh examples on every run.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request):
    """Every async test runs on both anyio backends."""
    return request.param
