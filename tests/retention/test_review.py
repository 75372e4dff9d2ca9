"""Review findings: each test failed before its fix."""

from __future__ import annotations

import inspect
import re

import saasmetrics.retention as retention


def test_docstrings_have_no_control_characters() -> None:
    # a non-raw docstring once turned "\text" / "\frac" into a tab and a form feed
    for name in retention.__all__:
        obj = getattr(retention, name)
        doc = inspect.getdoc(obj) or ""
        assert not re.search(r"[\x00-\x08\x0b-\x1f]", doc.replace("\t", "\x01")), name
