"""The course's exercises are real: the stub each page gives fails the page's check, and the
solution (tests/docs/course_solutions.py) passes it."""

import contextlib
import io
import re

import pytest

from tests.docs import course_solutions
from tests.support import ROOT

BLOCK = re.compile(r"```python\n(.*?)```", re.S)
COURSE = ROOT / "docs" / "course"
# page -> the name of the canister class the reader edits (its stub on the page, its
# solution in course_solutions)
EXERCISES = {
    "atomicity": "PoliteWallet",
    "call_contexts": "QuickShop",
    "reentrancy": "SafeVault",
    "stopping": "LockedShop",
    "snapshots": "TicketShop",
    "running_snapshots": "SteadyVault",
    "exploring": "CarefulVault",
    "fuzzing": "SnapshotProofVault",
}


def page_namespace(stem, monkeypatch):
    """Run the page's examples as test_examples does, and return their namespace."""
    monkeypatch.chdir(ROOT)
    namespace = {"__name__": f"course_{stem}"}
    page = COURSE / f"{stem}.md"
    with contextlib.redirect_stdout(io.StringIO()):
        for i, code in enumerate(BLOCK.findall(page.read_text())):
            exec(compile(code, f"{page.name} block {i}", "exec"), namespace)
    return namespace


def test_every_course_page_has_an_exercise():
    assert {p.stem for p in COURSE.glob("*.md")} - {"index"} == set(EXERCISES)


@pytest.mark.parametrize("stem", sorted(EXERCISES))
def test_the_stub_fails_and_the_solution_passes(stem, monkeypatch):
    namespace = page_namespace(stem, monkeypatch)
    check, name = namespace["check"], EXERCISES[stem]
    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert check(namespace[name]) is False
        assert "not yet:" in out.getvalue()
        assert check(getattr(course_solutions, name)) is True, out.getvalue()
