"""A trace file is input: every field is checked against the schema when it is read, a replay
runs only a scenario of the project (or the one given), and nothing is imported to find out
where a scenario is. (tests/hostile/test_trace_files.py damages real traces at random.)"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import sys
from typing import ClassVar

import anyio
import pytest

from subnet import Subnet, cli
from subnet.codec import decode, encode
from subnet.events import EVENTS
from subnet.explore import campaign, explore
from subnet.explore.replay import SETTING_CHECKS, settings_of
from subnet.explore.runner import Settings
from subnet.scenario import module_file, scenario_file, source_digest
from subnet.trace import FIELD_TYPES, TraceError, decode_trace
from tests.support.cli import fail

MARKER = """
import pathlib

pathlib.Path(__file__).with_name("IMPORTED").write_text(__name__)
"""
SCENARIO = """
from actors.chat import Chat


async def scenario(net):
    chat = await net.deploy(Chat, name="chat")
    await chat.call("append", "hello")
"""


def recorded() -> bytes:
    async def main() -> bytes:
        async with Subnet(seed=1, scenario="nothing.py") as net:
            from actors.chat import Chat

            chat = await net.deploy(Chat, name="chat")
            await chat.call("append", "hello")
            return net.trace_bytes()

    return anyio.run(main)


def test_every_event_kind_has_the_type_of_each_of_its_fields():
    assert list(FIELD_TYPES) == list(EVENTS)
    for kind, (_, names) in EVENTS.items():
        repeated = bool(names) and names[-1].endswith("...")
        assert len(FIELD_TYPES[kind]) == (1 if repeated else len(names)), kind


def test_every_explorer_setting_is_checked_when_a_trace_is_replayed():
    assert set(SETTING_CHECKS) == {f.name for f in dataclasses.fields(Settings)}
    with pytest.raises(TraceError, match="setting depth cannot be 'x'"):
        settings_of({"explore": {"depth": "x"}})
    with pytest.raises(TraceError, match="unknown field 'bogus'"):
        settings_of({"explore": {"bogus": 1}})
    with pytest.raises(TraceError, match="fault settings do not fit"):
        settings_of({"explore": {"faults": {"sometimes": True}}})


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        (2, ["exec"], "kind must be one of"),  # an event kind that is a list
        (0, 10**5000, "step must be an integer"),  # an integer too long to print
        (5, (2**64, "x"), "data field 0 must be an integer"),
        (3, "aaaaa-aa", "canister must be a principal"),
    ],
    ids=["kind-a-list", "huge-step", "data-out-of-range", "canister-a-string"],
)
def test_an_event_that_does_not_fit_the_schema_is_refused(field, value, says):
    doc = decode(recorded())
    doc["events"][0] = [*doc["events"][0]]
    doc["events"][0][field] = value
    with pytest.raises(TraceError, match="damaged trace file: event 0") as raised:
        decode_trace(encode(doc))
    assert says in str(raised.value)


def test_metadata_that_subnet_never_writes_is_refused():
    doc = decode(recorded())
    for meta, says in (
        ({"names": ["chat"]}, "the canister names must be a map"),
        ({"seed": "3"}, "the seed must be an integer"),
        ({"failure": {"kind": "x"}}, "the failure must be a map"),
        ({"explore": []}, "the explorer's settings must be a map"),
        ({"backend": "curio"}, "the backend must be one of"),
    ):
        with pytest.raises(TraceError, match="damaged trace file") as raised:
            decode_trace(encode({**doc, "meta": {**doc["meta"], **meta}}))
        assert says in str(raised.value)


def test_finding_a_module_imports_nothing(tmp_path, monkeypatch):
    package = tmp_path / "planted_trace_pkg"
    package.mkdir()
    (package / "__init__.py").write_text(MARKER)
    (package / "scenario.py").write_text(MARKER)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert module_file("planted_trace_pkg.scenario") == package / "scenario.py"
    assert scenario_file("planted_trace_pkg.scenario") == package / "scenario.py"
    assert source_digest("planted_trace_pkg.scenario") is not None
    assert module_file("planted_trace_pkg.missing") is None
    assert module_file("not a module") is None
    assert not (package / "IMPORTED").exists()
    assert "planted_trace_pkg" not in sys.modules


def test_a_scenario_module_of_the_project_replays(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("NO_COLOR", "1")
    (tmp_path / "project_scenario.py").write_text(SCENARIO)
    assert cli.main(["run", "project_scenario", "--trace", "m.trace"]) == 0
    capsys.readouterr()
    assert cli.main(["replay", "m.trace"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "Replaying m.trace with scenario project_scenario\n"
    assert captured.out.startswith("Replayed m.trace: ")


def test_a_replay_refuses_a_scenario_outside_the_working_directory(tmp_path, monkeypatch, capsys):
    project, outside = tmp_path / "project", tmp_path / "outside"
    project.mkdir()
    outside.mkdir()
    (outside / "far.py").write_text(MARKER + SCENARIO)
    monkeypatch.chdir(project)
    doc = decode(recorded())
    doc["meta"]["scenario"] = str(outside / "far.py")
    (project / "far.trace").write_bytes(encode(doc))
    err = fail(capsys, "replay far.trace")
    assert err[0].startswith(f"Error: Trace 'far.trace' names the scenario '{outside / 'far.py'}'")
    assert (
        err[1]
        == "Caused by: pass --scenario SCENARIO to replay the trace with a scenario you trust"
    )
    doc["meta"]["scenario"] = "../outside/far.py"  # relative, and out of the tree all the same
    (project / "far.trace").write_bytes(encode(doc))
    assert "which is not a file in this directory's tree" in fail(capsys, "replay far.trace")[0]
    assert not (outside / "IMPORTED").exists()


class Recording(concurrent.futures.ProcessPoolExecutor):
    asked: ClassVar[list[int | None]] = []

    def __init__(self, max_workers: int | None = None, **options: object) -> None:
        Recording.asked.append(max_workers)
        super().__init__(max_workers=max_workers, **options)  # type: ignore[arg-type]


def test_workers_are_capped_by_runs_and_cpus(tmp_path, monkeypatch, capsys):
    """``--workers 3000 --runs 3`` used to start 1,500 processes."""
    monkeypatch.setattr(campaign, "ProcessPoolExecutor", Recording)
    monkeypatch.setattr(campaign.os, "cpu_count", lambda: 8)
    Recording.asked.clear()
    scenario = tmp_path / "hello.py"
    scenario.write_text(SCENARIO)
    many = explore(str(scenario), runs=3, workers=3000, seed=5)
    one = explore(str(scenario), runs=3, workers=1, seed=5)
    assert Recording.asked == [3]
    assert (many.runs, many.steps, many.failures) == (one.runs, one.steps, one.failures)
    assert campaign.capped_workers(3000, 3) == 3
    assert campaign.capped_workers(3000, 100) == 8
    assert campaign.capped_workers(0, 100) == 1
    monkeypatch.chdir(tmp_path)
    assert cli.main(["explore", "hello.py", "--workers", "3000", "--runs", "3"]) == 0
    assert max(Recording.asked) <= 3
    capsys.readouterr()
    assert cli.main(["explore", "--help"]) == 0
    assert "at most one per run and one per CPU" in " ".join(capsys.readouterr().out.split())
