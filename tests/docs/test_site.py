"""The documentation site (mkdocs.yml): it builds with ``mkdocs build --strict`` (a broken
link or anchor, a page left out of the navigation or any other warning fails it), its
navigation teaches in order, and its API reference is generated from the docstrings of the
public names."""

import importlib.util
import os
import re
import subprocess
import sys

import pytest

from tests.support import ROOT

CONFIG = ROOT / "mkdocs.yml"
ORDER = [
    "index.md",
    "concepts.md",
    "tutorial.md",
    "course/index.md",
    "course/atomicity.md",
    "course/call_contexts.md",
    "course/reentrancy.md",
    "course/stopping.md",
    "course/snapshots.md",
    "course/running_snapshots.md",
    "course/exploring.md",
    "course/fuzzing.md",
    "hazards.md",
    "traps.md",
    "limits.md",
    "exploring.md",
    "wasm.md",
    "reference.md",
    "api/subnet.md",
    "api/explore.md",
    "api/actors.md",
    "performance.md",
    "architecture.md",
]
NO_MKDOCS = importlib.util.find_spec("mkdocs") is None


def nav():
    """The pages of the navigation, in order (the ``- Title: page.md`` lines of mkdocs.yml)."""
    return re.findall(r"^\s+- [^:\n]+: (\S+\.md)$", CONFIG.read_text(), re.M)


def test_the_navigation_teaches_in_order_and_holds_every_page():
    assert nav() == ORDER
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert pages == set(ORDER)


def test_the_home_page_links_every_page():
    home = (ROOT / "docs" / "index.md").read_text()
    for page in ORDER[1:]:
        assert f"]({page})" in home, page


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if NO_MKDOCS:
        pytest.skip("mkdocs is not installed: pip install -e '.[docs]' (the test extra has it)")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(CONFIG)]
    result = subprocess.run(
        [*command, "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    assert "WARNING" not in log, log
    return out


@pytest.mark.slow
def test_the_site_builds_strictly_with_every_page_and_picture(site):
    for page in ORDER:
        if page.endswith("index.md"):  # index.md, course/index.md: the folder's index.html
            html = page.removesuffix("index.md") + "index.html"
        else:
            html = page.removesuffix(".md") + "/index.html"
        assert (site / html).is_file(), page
    for picture in (ROOT / "docs" / "pictures").glob("*.svg"):
        assert (site / "pictures" / picture.name).read_text() == picture.read_text()
    assert not (site / "hooks").exists()


@pytest.mark.slow
def test_the_api_reference_is_generated_from_the_docstrings(site):
    def ids(page):
        return set(re.findall(r'id="([\w.]+)"', (site / "api" / page / "index.html").read_text()))

    assert {
        "subnet.Subnet",
        "subnet.Subnet.deploy",
        "subnet.CanisterHandle",
        "subnet.Reject",
        "subnet.RejectCode",
        "subnet.ErrorCode",
        "subnet.SimulatorError",
    } <= ids("subnet")
    assert {"subnet.explore.explore", "subnet.explore.SnapshotFaults"} <= ids("explore")
    assert {"actors.Canister", "actors.update", "actors.query"} <= ids("actors")
    text = (site / "api" / "explore" / "index.html").read_text()
    assert ":class:" not in text  # the Sphinx roles of the docstrings are shown as code
