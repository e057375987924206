"""docs/api.md is what ``python -m dse.api_doc`` generates from the docstrings, and the
docs teach plugin authors only public names."""

from __future__ import annotations

import re
from pathlib import Path

import dse
from dse.api_doc import render

ROOT = Path(__file__).resolve().parents[2]


def test_api_page_is_generated_from_the_docstrings() -> None:
    assert (ROOT / "docs" / "api.md").read_text(encoding="utf-8") == render(), (
        "docs/api.md is stale: run `python -m dse.api_doc > docs/api.md`")


def test_every_public_name_has_an_entry() -> None:
    page = render()
    for name in dse.__all__:
        if name != "__version__":
            assert re.search(rf"^### (class )?`{re.escape(name)}[`(]", page, re.MULTILINE), name


def test_plugin_docs_import_only_public_names() -> None:
    """``from dse.x import y`` in the plugin docs would teach authors a private door
    (the kit, ``dse.testing``, is the exception: it is for their tests)."""
    for page in ("plugins.md", "plugin-tutorial.md"):
        text = (ROOT / "docs" / page).read_text(encoding="utf-8")
        private = [m for m in re.findall(r"from (dse\.[\w.]+) import", text) if not m.startswith("dse.testing")]
        assert not private, f"docs/{page} imports {private}"
        dotted = set(re.findall(r"\bdse\.([A-Za-z_]\w*)\b", text)) - {"testing", "md", "py", "__all__"}
        assert dotted <= set(dse.__all__), f"docs/{page} uses non-public dse.{sorted(dotted - set(dse.__all__))}"
