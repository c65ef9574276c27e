"""The project's state file (``.subnet/state.cbor``) damaged or made to hurt: bytes flipped,
inserted, deleted or cut off; the body re-sealed after damage (as someone who computes the
checksum would); values inside the CBOR replaced by other types, huge or negative integers,
nested junk, a reference to a planted module. Whatever the file, a command answers with
``Error: ...`` (exit 255) or runs (exit 0): never a traceback, never a hang, a refused file is
left as it was, and the planted module (which writes a marker file when imported) is never
imported.

``make fuzz`` runs the properties with 3000 examples each."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cbor2 import CBORTag
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from subnet import cli, persist
from subnet.cli.project import Project as ProjectFolder
from subnet.codec import decode, decode_document, encode
from subnet.ids import Principal
from subnet.management.store import MODULE_MAGIC
from tests.hostile import Outcome, must, subnet
from tests.hostile.damage import (
    TAGGED,
    TOO_MANY_DIGITS,
    damaged,
    replace_at,
    reshaped,
    unpack,
)
from tests.support.cli import STORE_MODULE

CONFIG = """
[canisters.chat]
class = "actors.chat:Chat"

[canisters.store]
class = "hostile_store:Store"
"""
PLANTED = "planted_canister"  # a module beside subnet.toml, so importable; never declared
PLANTED_SOURCE = """
import pathlib

pathlib.Path(__file__).with_name("IMPORTED").write_text(__name__)

from actors import Canister


class Evil(Canister):
    pass
"""
EVIL_MODULE = MODULE_MAGIC + f"{PLANTED}:Evil\n".encode() + b"0" * 64 + b"\n"
PROPERTY = settings(deadline=None, suppress_health_check=list(HealthCheck))


@dataclass
class Project:
    root: Path
    state: bytes  # as the commands below saved it
    uploaded: str  # the id of the uploaded snapshot (it keeps its uploaded bytes)

    @property
    def path(self) -> Path:
        return self.root / ".subnet" / "state.cbor"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A project whose state holds two canisters, stable memory, history, settings, a snapshot
    taken and one uploaded (with its uploaded bytes), and a planted module beside it."""
    root = tmp_path_factory.mktemp("state")
    (root / "subnet.toml").write_text(CONFIG)
    (root / "hostile_store.py").write_text(STORE_MODULE)
    (root / f"{PLANTED}.py").write_text(PLANTED_SOURCE)
    must(root, "deploy")
    must(root, "canister call chat append '(\"hi \\1b[2J\")'")
    must(root, "canister call store write '(70000, blob \"hello\")'")
    must(root, "canister call store set '(\"k\", 7)'")
    must(root, "canister stop store")
    sid = must(root, "canister snapshot create store")[0].rsplit(" ", 1)[1]
    (root / "dl").mkdir()
    must(root, f"canister snapshot download store {sid} --dir dl")
    uploaded = must(root, "canister snapshot upload store --dir dl")[0].rsplit(" ", 1)[1]
    must(root, "canister start store")
    state = (root / ".subnet" / "state.cbor").read_bytes()
    return Project(root, state, uploaded)


def commands(project: Project) -> list[str]:
    """What a user runs next: every one of them loads the state file."""
    return [
        "canister status chat",
        "canister info store",
        "canister snapshot list store",
        "canister call chat dump",
        "canister call store read '(70000, 5)'",
        f"canister snapshot load store {project.uploaded} --force",
        "deploy",
    ]


def nothing_imported(project: Project) -> None:
    assert not (project.root / "IMPORTED").exists(), "the planted module was imported"
    assert PLANTED not in sys.modules


def run_on(project: Project, data: bytes, command: str) -> Outcome:
    """Run ``command`` on a project whose state file is ``data``; check the outcome, then put
    the project back as it was."""
    project.path.write_bytes(data)
    try:
        outcome = subnet(project.root, command)
        after = project.path.read_bytes()
    finally:
        project.path.write_bytes(project.state)
    text = "\n".join(outcome.out + outcome.err)
    assert "Traceback" not in text, text
    nothing_imported(project)
    if outcome.code != 0:
        assert outcome.code == cli.ERROR_EXIT, outcome
        assert outcome.err and outcome.err[0].startswith("Error: "), outcome
        assert all(line.isprintable() for line in outcome.err), outcome.err
        if after != data:  # a call the subnet refused (its clock moved): the file was a state
            loadable(project, data)
    return outcome


def report(outcome: Outcome) -> None:
    """What became of an example (``--hypothesis-show-statistics`` counts them)."""
    event("ran" if outcome.code == 0 else outcome.err[0].split("(", 1)[-1][:30])


def loadable(project: Project, data: bytes) -> None:
    """``data`` loads (as the command line loads it), else PersistError."""
    persist.loads(data, resolve=ProjectFolder(project.root).class_resolver()).net.close()


def seal(body: dict[str, Any]) -> bytes:
    """A state file with this body and a checksum that matches it."""
    inner = encode(body)
    return encode(
        {
            "format": persist.FORMAT,
            "version": persist.VERSION,
            "sha256": hashlib.sha256(inner).digest(),
            "body": inner,
        }
    )


def body_of(data: bytes) -> dict[str, Any]:
    doc = decode_document(data, persist.FORMAT, persist.VERSION, sealed=[persist.VERSION])
    return {k: v for k, v in doc.items() if k not in ("format", "version")}


def body_bytes(data: bytes) -> bytes:
    inner: bytes = decode(data)["body"]
    return inner


def reseal_bytes(inner: bytes) -> bytes:
    return encode(
        {
            "format": persist.FORMAT,
            "version": persist.VERSION,
            "sha256": hashlib.sha256(inner).digest(),
            "body": inner,
        }
    )


# -- damage -------------------------------------------------------------------------------------


HUGE = [-1, -(2**63), -(2**70), 2**32, 2**63, 2**64 - 1, 2**64, 2**65, 2**128, 2**4000]


ESCAPES = st.sampled_from(["\x1b[2J", "\x1b]0;owned\x07", "a\nb", "\r", "\u202e", "\x00"])
JUNK = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(0, len(HUGE) - 1).map(HUGE.__getitem__),
        st.integers(-1000, 1000),
        st.floats(),
        st.text(max_size=12),
        ESCAPES,
        st.binary(max_size=24),
        st.just(EVIL_MODULE),
        st.just({"$code": EVIL_MODULE}),
        st.just(f"{PLANTED}:Evil"),
        st.just(Principal(b"\x01")),
        st.just(b"\x00" * 4096),
        st.sampled_from([TOO_MANY_DIGITS, TAGGED]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(st.one_of(st.text(max_size=8), st.integers(-5, 5)), inner, max_size=4),
    ),
    max_leaves=8,
)


TWEAKS = st.fixed_dictionaries(
    {
        int: st.one_of(
            st.integers(-2, 70_000), st.integers(0, len(HUGE) - 1).map(HUGE.__getitem__)
        ),
        bool: st.booleans(),
        str: st.one_of(st.text(max_size=12), ESCAPES, st.sampled_from(["running", "stopped"])),
        bytes: st.one_of(st.binary(max_size=40), st.just(EVIL_MODULE)),
        float: st.floats(),
    }
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place inside a decoded state body (map keys and list indexes; of a long list, its
    first items and its last)."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list | tuple):
        indexes = range(len(value)) if len(value) <= 8 else [0, 1, 2, len(value) - 1]
        for index in indexes:
            yield from paths(value[index], (*prefix, index))


@st.composite
def structured(draw: st.DrawFn, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with one to three values inside it replaced, removed or added to."""
    places = sorted(paths(body), key=lambda path: (-len(path), repr(path)))[:-1]  # deep first
    for _ in range(draw(st.integers(1, 3))):
        path = places[draw(st.integers(0, len(places) - 1))]
        how = draw(st.sampled_from(["junk", "tweak", "tweak", "remove", "add", "deep", "negate"]))
        junk = draw(JUNK)
        tweak = draw(TWEAKS)

        def change(old: Any, how: str = how, junk: Any = junk, tweak: Any = tweak) -> Any:
            if how == "tweak":  # a value of the same type, another value
                return tweak.get(type(old), junk)
            return reshaped(old, how, junk)

        body = replace_at(body, path, change)
    return body


# -- the properties -----------------------------------------------------------------------------


@PROPERTY
@given(data=st.data())
def test_damaged_bytes_are_refused_in_one_line(project, data):
    damaged_file = data.draw(damaged(project.state))
    command = data.draw(st.sampled_from(commands(project)))
    outcome = run_on(project, damaged_file, command)
    report(outcome)
    if damaged_file != project.state:  # the checksum sees every change of the body
        assert outcome.code == cli.ERROR_EXIT or body_bytes(damaged_file) == body_bytes(
            project.state
        )


@PROPERTY
@given(data=st.data())
def test_a_damaged_body_with_a_matching_checksum_is_refused_or_loads(project, data):
    inner = data.draw(damaged(body_bytes(project.state)))
    report(run_on(project, reseal_bytes(inner), data.draw(st.sampled_from(commands(project)))))


@PROPERTY
@given(data=st.data())
def test_wrong_values_inside_the_state_are_refused_or_load(project, data):
    body = data.draw(structured(body_of(project.state)))
    try:
        file = seal(unpack(body))
    except Exception:  # junk that is not plain data (a float key?): not a file anyone can write
        return
    report(run_on(project, file, data.draw(st.sampled_from(commands(project)))))


# -- the defects, one by one ----------------------------------------------------------------------


def test_the_untouched_state_loads_and_every_command_runs(project):
    for command in commands(project):
        outcome = run_on(project, project.state, command)
        assert outcome.code == 0 or "load" in command, outcome


def test_a_planted_class_is_refused_by_name_and_never_imported(project):
    body = body_of(project.state)
    body["canisters"][0]["module"] = EVIL_MODULE
    outcome = run_on(project, seal(body), "canister status chat")
    assert outcome.err[0].startswith("Error: ")
    assert f"is the class '{PLANTED}:Evil', which this subnet does not know" in outcome.err[0]
    snapshot = body_of(project.state)
    store = snapshot["canisters"][1]
    store["snapshots"][0]["code"] = {"$code": EVIL_MODULE}
    outcome = run_on(project, seal(snapshot), "canister status chat")
    assert f"{PLANTED}:Evil" in outcome.err[0]


def test_an_uploaded_module_naming_a_planted_class_is_never_imported(project):
    """The uploaded bytes of a snapshot are the management canister's to judge: loading it
    refuses the module (as the IC refuses a bad Wasm module), and imports nothing."""
    body = body_of(project.state)
    upload = next(s for s in body["canisters"][1]["snapshots"] if s["buffers"] is not None)
    upload["buffers"]["wasm_module"]["$bytearray"] = {
        "size": len(EVIL_MODULE),
        "chunks": [[0, EVIL_MODULE]],
    }
    upload["dirty"] = True
    file = seal(body)
    assert run_on(project, file, "canister status chat").code == 0
    outcome = run_on(project, file, f"canister snapshot load store {project.uploaded} --force")
    assert outcome.code == cli.ERROR_EXIT
    assert "IC0" in " ".join(outcome.err), outcome.err


def test_an_upload_naming_a_planted_class_is_refused_by_name(project):
    """A downloaded folder whose module names a class of the project folder that subnet.toml
    does not declare: refused by name, before the class is imported, and nothing is saved."""
    folder = project.root / "evil_dl"
    folder.mkdir(exist_ok=True)
    for name in ("wasm_memory.bin", "stable_memory.bin"):
        if (project.root / "dl" / name).exists():
            (folder / name).write_bytes((project.root / "dl" / name).read_bytes())
    (folder / "wasm_module.bin").write_bytes(EVIL_MODULE)
    metadata = json.loads((project.root / "dl" / "metadata.json").read_text())
    metadata["wasm_module_size"] = len(EVIL_MODULE)
    metadata.pop("checksum", None)
    (folder / "metadata.json").write_text(json.dumps(metadata))
    outcome = run_on(project, project.state, "canister snapshot upload store --dir evil_dl")
    assert outcome.err == [
        f"Error: the snapshot's module names the canister class {PLANTED}:Evil, which "
        f"subnet.toml does not declare and no canister of this subnet runs; it is not imported, "
        f"and nothing was uploaded"
    ]
    assert project.path.read_bytes() == project.state


@pytest.mark.parametrize(
    ("where", "value", "says"),
    [
        (("canisters", 0, "heap"), b"\xa1\x9f", "heap image: not a valid CBOR"),
        (("canisters", 0, "heap"), b"\x81" * 500 + b"\x00", "heap image"),  # too deep
        (("canisters", 1, "snapshots", 0, "heap_image"), b"\xd9\xd9\xf9\x01", "heap image"),
        (("canisters", 1, "stable", "chunks"), [[10**6, 0]], "stable memory"),  # out of bounds
        (("canisters", 1, "stable", "pages"), -1, "stable memory"),
        (("subnet", "raw_rand", 1, 0), -1, "raw_rand"),  # an RNG word below 0
        (("subnet", "raw_rand", 1, 624), 10**6, "raw_rand"),
        (("subnet", "strategy", "last"), "x", "round robin"),
        (("subnet", "seed"), 2**5000, "seed"),
        (("subnet", "names"), ["chat"], "canister names"),
        (("canisters", 0, "controllers"), [b"\x01"], "controller"),
        (("canisters", 0, "history", 0, "origin"), {"from_user": None}, "origin"),
        (("canisters", 0, "status"), "stopping", "status"),
        (("canisters", 0, "id"), Principal(b""), "management canister"),
        (("canisters", 0, "ingress_source"), 10**9, "ingress queue"),
        (("canisters", 1, "snapshots", 0, "id", "$snapshot_id"), b"\x00" * 9, "snapshot"),
        (("canisters", 1, "snapshots", 0, "globals"), [{"i32": 2**40}], "globals"),
        (("chunks",), [b"short"], "memory chunk"),
        # built when the test runs (an integer of 5001 digits does not even print)
        (("canisters", 1, "snapshots", 0, "globals"), lambda: [[10**5000]], "globals"),
        (("canisters", 0, "extra", "cycles"), lambda: CBORTag(4321, [10**5000]), "cycles"),
        (("subnet", "time"), lambda: [10**5000], "the subnet's time must be"),
    ],
)
def test_each_damaged_field_is_named(project, where, value, says):
    if callable(value):
        value = value()
    body = replace_at(body_of(project.state), where, lambda old: value)
    outcome = run_on(project, seal(body), "canister status chat")
    assert outcome.code == cli.ERROR_EXIT
    [line] = outcome.err
    assert "is damaged (" in line and says in line, line


def test_a_changed_byte_is_caught_by_the_checksum(project):
    data = bytearray(project.state)
    data[-40] ^= 0x01  # inside the body: still CBOR, other content
    outcome = run_on(project, bytes(data), "canister status chat")
    assert outcome.err == [
        f"Error: {project.path} is damaged (its content does not match its SHA-256 checksum); "
        f"run `subnet start --clean` to start over"
    ]
    outcome = run_on(project, project.state + b"\x00", "canister status chat")
    assert "byte(s) after the end of the document" in outcome.err[0]


def test_a_version_1_file_without_a_checksum_still_loads(project):
    """Files written before the checksum (format version 1: the same fields, unsealed) load,
    every field checked, and are written back as version 2 when a command changes the
    subnet."""
    old = encode({"format": persist.FORMAT, "version": 1, **body_of(project.state)})
    assert run_on(project, old, "canister status chat").code == 0
    project.path.write_bytes(old)
    try:
        must(project.root, "canister call chat append '(\"again\")'")
        assert decode(project.path.read_bytes())["version"] == persist.VERSION
    finally:
        project.path.write_bytes(project.state)
    damaged_old = replace_at(body_of(project.state), ("subnet", "time"), lambda old: -5)
    outcome = run_on(
        project, encode({"format": persist.FORMAT, "version": 1, **damaged_old}), "deploy"
    )
    assert "the subnet's time must be an integer" in outcome.err[0]
