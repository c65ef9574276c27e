"""Every event the engine records fits the schema in subnet.events (the one description of the
trace format), on the shipped scenarios, which between them produce every kind of event."""

import anyio
import pytest

from subnet import Subnet
from subnet.events import EVENTS, Event, schema_error
from subnet.scenario import load_module
from tests.support import SCENARIOS

NAMES = ["snapshot_cases.py", "money_in_flight.py", "lock_race.py", "canister_snapshots.py"]


def run(name: str) -> list[Event]:
    path = str(SCENARIOS / name)
    module = load_module(path)

    async def main() -> list[Event]:
        async with Subnet(seed=3, scenario=path) as net:
            await module.scenario(net)
            await net.run_until_idle()
            return list(net.trace)

    return anyio.run(main)


@pytest.mark.parametrize("name", NAMES)
def test_recorded_events_fit_the_schema(name):
    events = run(name)
    assert events
    bad = [(e, schema_error(e)) for e in events if schema_error(e) is not None]
    assert not bad, bad[:5]


def test_schema_error_names_what_is_wrong():
    assert schema_error((1, 2, "exec", None, "m", ("ingress", 3, "reply"))) is None
    assert "unknown event kind" in schema_error((1, 2, "nope", None, "m", ()))
    assert "data fields" in schema_error((1, 2, "exec", None, "m", ("ingress",)))
    assert "6 fields" in schema_error((1, 2, "exec"))
    assert set(EVENTS) >= {"exec", "call", "hazard", "snapshot_loaded"}
