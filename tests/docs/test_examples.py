"""Every Python example in docs/ (and docs/course/) runs, and prints what the page shows under it.

The examples of one page run in order in one namespace, as a reader would paste them into one
session; a ```text block right after a ```python block is that block's exact output.
"""

import contextlib
import io
import re

import pytest

from tests.support import ROOT

DOCS = ROOT / "docs"
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)
PAGES = sorted(
    p
    for p in [ROOT / "README.md", *DOCS.glob("*.md"), *DOCS.glob("course/*.md")]
    if "```python" in p.read_text()
)


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_docs_examples(page, monkeypatch):
    monkeypatch.chdir(ROOT)  # the examples name scenario files from the repository's root
    blocks = BLOCK.findall(page.read_text())
    namespace = {"__name__": f"docs_{page.stem}"}
    ran = 0
    for i, (lang, code) in enumerate(blocks):
        if lang != "python":
            continue
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"{page.name} block {i}", "exec"), namespace)
        ran += 1
        if i + 1 < len(blocks) and blocks[i + 1][0] == "text":
            assert out.getvalue() == blocks[i + 1][1], f"{page.name} block {i}"
    assert ran


def test_the_reference_lists_every_hazard_kind():
    from subnet.events import HAZARDS

    def plain(text):
        return text.replace("`", "").replace("'", "").replace('"', "")

    text = plain((DOCS / "reference.md").read_text())
    for kind, meaning in HAZARDS.items():
        assert f"| {kind} | {plain(meaning)} |" in text, kind
