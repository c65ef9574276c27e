"""``subnet canister snapshot upload`` on folders made to hurt: damaged metadata.json (random
fields, values and types, deep nesting, numbers where bytes belong), files of the wrong size,
symlinks to devices, FIFOs, folders, missing files. Whatever the folder, the command answers
with ``Error: ...`` (exit 255) or uploads (exit 0): never a traceback, never a hang, and a
refused upload leaves the saved project as it was.

``make fuzz`` runs the properties with 3000 examples each."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from subnet import cli, persist
from tests.hostile import Outcome, examples, must, subnet
from tests.support import fingerprint

CONFIG = '[canisters.chat]\nclass = "actors.chat:Chat"\n'
FILES = ("metadata.json", "wasm_module.bin", "wasm_memory.bin", "stable_memory.bin")
# each example runs a command (a few tens of ms): fewer than the default in the suite
PROPERTY = settings(
    max_examples=examples(50), deadline=None, suppress_health_check=list(HealthCheck)
)


@dataclass
class Project:
    root: Path
    pristine: Path  # a folder as `snapshot download` writes it
    state: bytes = dataclasses.field(repr=False)  # the saved state before any upload


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A project with a stopped chat canister, one snapshot, and that snapshot downloaded."""
    root = tmp_path_factory.mktemp("upload")
    (root / "subnet.toml").write_text(CONFIG)
    must(root, "deploy chat")
    must(root, "canister call chat append hello")
    must(root, "canister stop chat")
    sid = must(root, "canister snapshot create chat")[0].rsplit(" ", 1)[1]
    (root / "pristine").mkdir()
    must(root, f"canister snapshot download chat {sid} --dir pristine")
    return Project(root, root / "pristine", (root / ".subnet" / "state.cbor").read_bytes())


def state_path(project: Project) -> Path:
    return project.root / ".subnet" / "state.cbor"


def saved_fingerprint(data: bytes) -> tuple[Any, ...]:
    net = persist.loads(data).net
    try:
        return fingerprint(net)
    finally:
        net.close()


def upload(project: Project, folder: Path) -> Outcome:
    """Upload ``folder``, check the outcome, and put the project back as it was."""
    path = state_path(project)
    path.write_bytes(project.state)
    try:
        outcome = subnet(project.root, f"canister snapshot upload chat --dir {folder}")
        after = path.read_bytes()
    finally:
        path.write_bytes(project.state)
    text = "\n".join(outcome.err)
    assert "Traceback" not in text, text
    if currently_in_test_context():
        event(_kind(outcome))
    if outcome.code == 0:
        assert outcome.err == [], text
        assert outcome.out[-1].startswith("Uploaded a snapshot of canister chat."), outcome
        return outcome
    assert outcome.code == cli.ERROR_EXIT, outcome
    assert outcome.err and outcome.err[0].startswith("Error: "), outcome
    assert outcome.out == [], outcome
    if outcome.err[0].startswith("Error: Cannot upload a snapshot from "):
        assert after == project.state  # refused before any call: not a byte changed
    else:  # refused by the management canister: only the subnet's clock moved
        assert saved_fingerprint(after) == saved_fingerprint(project.state)
    return outcome


def _kind(outcome: Outcome) -> str:
    """What became of an upload, for ``--hypothesis-show-statistics``."""
    if outcome.code == 0:
        return "uploaded"
    if outcome.err and outcome.err[0].startswith("Error: Cannot upload a snapshot from "):
        detail = outcome.err[0].split("': ", 1)[-1]
        return "refused: " + " ".join(w for w in detail.split()[:4] if not w[0].isdigit())
    return "refused by the management canister"


def fresh_copy(project: Project, name: str) -> Path:
    folder = project.root / "tries" / name
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(project.pristine, folder, symlinks=True)
    return folder


def metadata(project: Project) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((project.pristine / "metadata.json").read_text())
    return loaded


def write_metadata(folder: Path, doc: Any) -> None:
    (folder / "metadata.json").write_text(json.dumps(doc))


# -- the defects, one by one ---------------------------------------------------------------------


def test_an_untouched_download_uploads_and_its_checksum_is_verified(project):
    folder = fresh_copy(project, "untouched")
    assert metadata(project)["checksum"]
    upload(project, folder)


def test_a_symlink_to_a_device_is_refused_not_read(project):
    for name in FILES:
        folder = fresh_copy(project, "device")
        (folder / name).unlink(missing_ok=True)
        (folder / name).symlink_to("/dev/zero")
        outcome = upload(project, folder)
        assert outcome.err == [
            f"Error: Cannot upload a snapshot from '{folder}': {name} is a character device, "
            f"not a regular file"
        ]


def test_a_fifo_is_refused_without_waiting(project):
    for name in FILES:
        folder = fresh_copy(project, "fifo")
        (folder / name).unlink(missing_ok=True)
        os.mkfifo(folder / name)
        outcome = upload(project, folder)
        assert outcome.err[0].endswith(f"{name} is a FIFO, not a regular file")


def test_a_folder_or_a_dangling_symlink_is_refused(project):
    folder = fresh_copy(project, "folder")
    (folder / "wasm_module.bin").unlink()
    (folder / "wasm_module.bin").mkdir()
    assert (
        upload(project, folder)
        .err[0]
        .endswith("wasm_module.bin is a directory, not a regular file")
    )
    folder = fresh_copy(project, "dangling")
    (folder / "wasm_memory.bin").unlink()
    (folder / "wasm_memory.bin").symlink_to(folder / "nowhere")
    assert (
        upload(project, folder)
        .err[0]
        .endswith("cannot open wasm_memory.bin: No such file or directory")
    )


def test_a_symlink_to_a_regular_file_is_followed(project):
    folder = fresh_copy(project, "linked")
    (folder / "wasm_memory.bin").rename(project.root / "tries" / "memory.bin")
    (folder / "wasm_memory.bin").symlink_to(project.root / "tries" / "memory.bin")
    upload(project, folder)


def test_a_file_shorter_or_longer_than_declared_is_refused(project):
    size = metadata(project)["wasm_memory_size"]
    for length in (0, 100, size - 1, size + 1):
        folder = fresh_copy(project, "sizes")
        with open(folder / "wasm_memory.bin", "r+b") as f:
            f.truncate(length)
        outcome = upload(project, folder)
        assert outcome.err == [
            f"Error: Cannot upload a snapshot from '{folder}': wasm_memory.bin holds {length} "
            f"bytes, but metadata.json declares wasm_memory_size = {size}"
        ]


def test_a_missing_file_is_refused_but_an_empty_stable_memory_may_be_left_out(project):
    folder = fresh_copy(project, "missing")
    (folder / "wasm_module.bin").unlink()
    assert (
        upload(project, folder)
        .err[0]
        .endswith("cannot open wasm_module.bin: No such file or directory")
    )
    folder = fresh_copy(project, "no-stable")
    assert metadata(project)["stable_memory_size"] == 0
    assert not (folder / "stable_memory.bin").exists()
    upload(project, folder)
    (folder / "stable_memory.bin").write_bytes(b"x")
    assert (
        upload(project, folder)
        .err[0]
        .endswith(
            "stable_memory.bin holds 1 bytes, but metadata.json declares stable_memory_size = 0"
        )
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("certified_data", 10**15),
        ("certified_data", 1e15),
        ("certified_data", [256]),
        ("certified_data", [True]),
        ("certified_data", "zz"),
        ("checksum", 12),
        ("checksum", [1, 2, 3]),
        ("wasm_memory_size", "65536"),
        ("wasm_memory_size", 65536.0),
        ("wasm_memory_size", -1),
        ("wasm_memory_size", True),
        ("source", "invented"),
        ("taken_at_timestamp", -5),
        ("canister_version", 2**64),
        ("wasm_chunk_store", {}),
        ("wasm_chunk_store", [7]),
    ],
)
def test_a_field_of_the_wrong_type_is_refused(project, field, value):
    folder = fresh_copy(project, "types")
    write_metadata(folder, {**metadata(project), field: value})
    [line] = upload(project, folder).err
    assert line.startswith(f"Error: Cannot upload a snapshot from '{folder}': ")
    assert field in line


def test_a_field_this_upload_does_not_know_is_ignored(project):
    """As dfx's serde reading of metadata.json ignores it (a folder from a newer dfx)."""
    folder = fresh_copy(project, "unknown")
    write_metadata(folder, {**metadata(project), "surprise": 1, "env_hash": [1, 2]})
    assert upload(project, folder).code == 0


def test_deep_nesting_and_not_json_are_refused(project):
    for text in ("[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000):
        folder = fresh_copy(project, "deep")
        (folder / "metadata.json").write_text(text)
        assert upload(project, folder).err == [
            f"Error: Cannot upload a snapshot from '{folder}': metadata.json is nested too deeply"
        ]
    for data in (b"\xff\xfe", b"{", b"[]", b'{"wasm_module_size": 1, "wasm_module_size": 2}'):
        folder = fresh_copy(project, "not-json")
        (folder / "metadata.json").write_bytes(data)
        [line] = upload(project, folder).err
        assert "metadata.json" in line


def test_a_huge_metadata_file_is_not_read(project):
    folder = fresh_copy(project, "huge")
    with open(folder / "metadata.json", "r+b") as f:
        f.truncate(1 << 30)  # a sparse gigabyte
    [line] = upload(project, folder).err
    assert line.endswith("metadata.json is larger than 1048576 bytes")


def test_edited_files_are_refused_while_the_checksum_vouches_for_them(project):
    folder = fresh_copy(project, "edited")
    memory = bytearray((folder / "wasm_memory.bin").read_bytes())
    memory[-1] ^= 1
    (folder / "wasm_memory.bin").write_bytes(bytes(memory))
    [line] = upload(project, folder).err
    assert line.endswith(
        "the files and metadata do not match the checksum in metadata.json: they changed since "
        "the download (remove the checksum to upload edited files)"
    )
    write_metadata(folder, {**metadata(project), "checksum": None})
    upload(project, folder)


def test_metadata_fields_reach_the_snapshot(project):
    """globals, the hook status and the timer are not dropped: the snapshot reports them."""
    folder = fresh_copy(project, "kept")
    fields = {
        "globals": [{"i32": -7}, {"f64": 0.5}],
        "on_low_wasm_memory_hook_status": "ready",
        "global_timer": {"active": 2**64 - 1},
        "certified_data": "00ff",
        "checksum": None,
    }
    write_metadata(folder, {**metadata(project), **fields})
    path = state_path(project)
    outcome = subnet(project.root, f"canister snapshot upload chat --dir {folder}")
    try:
        assert outcome.code == 0, outcome
        sid = outcome.out[-1].rsplit(" ", 1)[1]
        (project.root / "tries" / "back").mkdir(exist_ok=True)
        shutil.rmtree(project.root / "tries" / "back")
        (project.root / "tries" / "back").mkdir()
        must(project.root, f"canister snapshot download chat {sid} --dir tries/back")
        back = json.loads((project.root / "tries" / "back" / "metadata.json").read_text())
    finally:
        path.write_bytes(project.state)
    assert back["globals"] == fields["globals"]
    assert back["on_low_wasm_memory_hook_status"] == "ready"
    assert back["global_timer"] == {"active": 2**64 - 1}
    assert back["certified_data"] == [0, 255]


def test_values_outside_their_widths_get_the_ics_error(project):
    for fields, detail in (
        ({"global_timer": {"active": 2**70}}, "field global_timer.active: expected nat64"),
        ({"globals": [{"i32": 2**31}]}, "field globals[0].i32: expected int32"),
        ({"wasm_memory_size": 2**64}, "wasm_memory.bin holds"),
    ):
        folder = fresh_copy(project, "widths")
        write_metadata(folder, {**metadata(project), **fields})
        err = upload(project, folder).err
        assert detail in "\n".join(err), err


# -- properties ---------------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**130), max_value=2**130)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = (
    "source",
    "taken_at_timestamp",
    "wasm_module_size",
    "globals",
    "wasm_memory_size",
    "stable_memory_size",
    "wasm_chunk_store",
    "canister_version",
    "certified_data",
    "global_timer",
    "on_low_wasm_memory_hook_status",
    "checksum",
)
# values of the right shape near the edges, so that many examples get past the first check
nat = st.sampled_from([0, 1, 2**32, 2**63, 2**64 - 1, 2**64, -1])
plausible = {
    "global_timer": st.sampled_from(["inactive", {"inactive": None}])
    | st.builds(lambda n: {"active": n}, nat),
    "globals": st.lists(
        st.sampled_from(["i32", "i64", "f32", "f64", "v128"]).flatmap(
            lambda kind: st.builds(lambda v: {kind: v}, nat | st.floats() | st.integers())
        ),
        max_size=3,
    ),
    "on_low_wasm_memory_hook_status": st.sampled_from(
        ["condition_not_satisfied", "ready", "executed", {"ready": None}, "asleep"]
    ),
    "certified_data": st.lists(st.integers(0, 255), max_size=40)
    | st.binary(max_size=40).map(bytes.hex),
    "checksum": st.none() | st.lists(st.integers(0, 255), min_size=32, max_size=32),
    "taken_at_timestamp": nat,
    "canister_version": nat,
    "wasm_module_size": st.sampled_from([0, 1, 105, 2**64]),
    "wasm_memory_size": st.sampled_from([0, 65535, 65536, 2**64 - 65536]),
    "stable_memory_size": st.sampled_from([0, 65536, 400 * 2**30]),
}


# the fields the upload passes on to the management canister
PASSED_ON = ("global_timer", "globals", "on_low_wasm_memory_hook_status", "certified_data")


@st.composite
def metadata_edits(draw: st.DrawFn) -> list[tuple[str, str, Any]]:
    """Edits of metadata.json: (set | delete, field, value)."""
    edits = []
    for _ in range(draw(st.integers(0, 4))):
        known = draw(st.integers(0, 9))
        field = draw(st.sampled_from(FIELDS) if known else st.text(max_size=8))
        action = draw(st.sampled_from(["set", "plausible", "plausible", "plausible", "delete"]))
        if action == "plausible" and field in plausible:
            edits.append(("set", field, draw(plausible[field])))
        elif action == "delete":
            edits.append(("delete", field, None))
        else:
            edits.append(("set", field, draw(json_values)))
    if draw(st.booleans()):  # edited files go without the checksum of the download
        edits.append(("set", "checksum", None))
    return edits


DAMAGE = st.sampled_from(
    [
        "keep",
        "keep",
        "delete",
        "truncate",
        "extend",
        "flip",
        "dev_zero",
        "dev_null",
        "fifo",
        "directory",
        "dangling",
        "symlink",
    ]
)


def damage(folder: Path, name: str, how: str, n: int) -> None:
    path = folder / name
    if how == "keep":
        return
    if how in ("truncate", "extend", "flip"):
        if os.path.lexists(path) and not path.is_file():
            return  # a device, a FIFO, a folder or a dangling link by an earlier damage
        if not path.exists():
            path.write_bytes(b"")
    if how == "truncate":
        with open(path, "r+b") as f:
            f.truncate(n % (path.stat().st_size + 1))
        return
    if how == "extend":
        with open(path, "ab") as f:
            f.write(bytes([n % 256]) * (1 + n % 5000))
        return
    if how == "flip":
        data = bytearray(path.read_bytes())
        if data:
            data[n % len(data)] ^= 1 + n % 255
        path.write_bytes(bytes(data))
        return
    target = folder.parent / f"{folder.name}-{name}"
    if how == "symlink":  # to a regular file with the same bytes: fine
        # (never copy a device or a FIFO an earlier damage put there, nor a link made before)
        if path.is_file() and not path.is_symlink():
            shutil.copyfile(path, target)
            path.unlink()
            path.symlink_to(target)
        return
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
    if how == "delete":
        return
    if how == "dev_zero":
        path.symlink_to("/dev/zero")
    elif how == "dev_null":
        path.symlink_to("/dev/null")
    elif how == "fifo":
        os.mkfifo(path)
    elif how == "directory":
        path.mkdir()
    elif how == "dangling":
        path.symlink_to(folder / "nowhere")


def apply_edits(project: Project, folder: Path, edits: list[tuple[str, str, Any]]) -> None:
    doc = metadata(project)
    for action, field, value in edits:
        if action == "delete":
            doc.pop(field, None)
        else:
            doc[field] = value
    write_metadata(folder, doc)


@pytest.mark.slow
@PROPERTY
@given(edits=metadata_edits())
def test_random_metadata_never_gives_a_traceback(project, edits):
    folder = fresh_copy(project, "metadata")
    apply_edits(project, folder, edits)
    upload(project, folder)


@pytest.mark.slow
@PROPERTY
@given(
    values=st.fixed_dictionaries(
        {},
        optional={field: strategy for field, strategy in plausible.items() if field in PASSED_ON},
    )
)
def test_values_at_the_edges_of_their_types_never_give_a_traceback(project, values):
    """Values of the right shape, in and out of their widths, reach the management canister."""
    folder = fresh_copy(project, "edges")
    apply_edits(project, folder, [("set", k, v) for k, v in {**values, "checksum": None}.items()])
    upload(project, folder)


@pytest.mark.slow
@PROPERTY
@given(
    damages=st.lists(st.tuples(st.sampled_from(FILES), DAMAGE, st.integers(0, 2**20)), max_size=3),
    edits=metadata_edits(),
)
def test_damaged_folders_never_give_a_traceback_a_hang_or_a_change(project, damages, edits):
    folder = fresh_copy(project, "damaged")
    if edits:
        apply_edits(project, folder, edits)
    for name, how, n in damages:
        damage(folder, name, how, n)
    upload(project, folder)


@pytest.mark.slow
@PROPERTY
@given(
    text=st.text(max_size=200)
    | st.binary(max_size=200).map(lambda b: b.decode("latin-1"))
    | json_values.map(json.dumps)
)
def test_metadata_that_is_not_a_record_never_gives_a_traceback(project, text):
    folder = fresh_copy(project, "text")
    (folder / "metadata.json").write_text(text, encoding="utf-8", errors="surrogateescape")
    upload(project, folder)
