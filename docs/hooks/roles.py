"""A MkDocs hook for the API reference (docs/api/): the docstrings are written for Sphinx, and
Markdown shows two of its habits as they are. A role (:class:`~subnet.choices.Chooser`) is left
as text before a code span: this keeps the code span alone, shortened to its last name where
the role says ``~``, as Sphinx shows it. A paragraph that ends with ``::`` (an example block
follows) ends with ``:``."""

from __future__ import annotations

import re
from typing import Any

ROLE = re.compile(r":(?:class|func|meth|data|attr|mod|exc|obj):<code>(~?)([^<]+)</code>")


def _shown(match: re.Match[str]) -> str:
    tilde, name = match.groups()
    return f"<code>{name.rsplit('.', 1)[-1] if tilde else name}</code>"


def on_page_content(html: str, page: Any, **_: Any) -> str:
    if not page.file.src_uri.startswith("api/"):
        return html
    return ROLE.sub(_shown, html).replace("::</p>", ":</p>")
