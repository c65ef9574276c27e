"""The course's exercises are real: the stub each page gives fails the page's check, and the
solution (tests/docs/course_solutions.py) passes it. Its pictures and trace viewers are real
too: each chapter shows one, drawn from its own example's trace by
scenarios/course_pictures.py, regenerated here and compared with the file the site serves, and
every step the prose points at ("step 5 (`order → await`)") is a box of that drawing."""

import contextlib
import importlib.util
import io
import re

import pytest

from tests.docs import course_solutions
from tests.support import ROOT, SCENARIOS

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


def _generator():
    path = SCENARIOS / "course_pictures.py"
    spec = importlib.util.spec_from_file_location("course_pictures", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pictures = _generator()
# a step the prose points at: "step 5 (`order → await`)", the box's label as the drawing has it
POINTED = re.compile(r"\bstep (\d+) \(`([^`]+ → [^`]+)`\)", re.I)


def page_namespace(stem, monkeypatch):
    """Run the page's examples as test_examples does, and return their namespace."""
    monkeypatch.chdir(ROOT)
    return pictures.page_namespace(stem)


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


def test_every_chapter_shows_a_drawing_of_its_own_run():
    assert set(pictures.CHAPTERS) == set(EXERCISES)
    for stem, drawing in pictures.CHAPTERS.items():
        text = (COURSE / f"{stem}.md").read_text()
        path = drawing.path(stem)
        assert f"](../{path})" in text, stem  # the picture, or the viewer's own page
        if drawing.kind == "viewer":  # embedded: the page is course/<stem>/index.html
            assert f'<iframe src="../../{path}"' in text, stem


def test_the_course_drawings_are_up_to_date():
    drawn = pictures.drawings()
    for path, text in drawn.items():
        saved = (ROOT / "docs" / path).read_text(encoding="utf-8")
        assert text == saved, f"{path}: regenerate with python scenarios/course_pictures.py docs"
    kept = {
        p.relative_to(ROOT / "docs").as_posix()
        for folder in ("pictures", "viewers")
        for p in (ROOT / "docs" / folder).glob("course_*")
    }
    assert kept == set(drawn), "a course drawing no chapter shows"


@pytest.mark.parametrize("stem", sorted(EXERCISES))
def test_the_steps_the_prose_points_at_are_boxes_of_the_drawing(stem):
    text = " ".join((COURSE / f"{stem}.md").read_text().split())
    pointed = POINTED.findall(text)
    assert pointed, f"{stem}: the prose points at no step of its drawing"
    drawing = (ROOT / "docs" / pictures.CHAPTERS[stem].path(stem)).read_text(encoding="utf-8")
    for step, label in pointed:
        box = f'<g class="box" data-step="{step}"><title>{label}</title>'
        assert box in drawing, f"{stem}: step {step} has no box {label!r}"
