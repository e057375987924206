"""``dse new-plugin``: a new backend package rendered from the template in ``template/``.

The package has a backend (``cost`` and a vectorised ``cost_batch``), the entry point that
makes dse find it, the declared plugin API version, tests that run dse's conformance kit
and a CI workflow. Placeholders in the template: ``__NAME__`` (backend and entry-point
name), ``__DIST__`` (distribution), ``__MODULE__`` (import package), ``__CLASS__`` (class
prefix), ``__API__`` (plugin API version), ``__DSE_REQUIREMENT__`` (this dse's distribution).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from dse.errors import DseInputError
from dse.extras import DISTRIBUTION
from dse.plugin.api_version import DSE_PLUGIN_API

_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_SUFFIX = ".tmpl"


def placeholders(name: str) -> dict[str, str]:
    """The template's placeholders for the plugin ``name`` (e.g. ``my-array``)."""
    if not _NAME.fullmatch(name):
        raise DseInputError(f"new-plugin: name '{name}' must be lower-case letters and digits in words joined by "
                            "'-', starting with a letter (e.g. my-array)")
    return {
        "__NAME__": name,
        "__DIST__": f"dse-{name}",
        "__MODULE__": "dse_" + name.replace("-", "_"),
        "__CLASS__": "".join(part.capitalize() for part in name.split("-")),
        "__API__": str(DSE_PLUGIN_API),
        "__DSE_REQUIREMENT__": DISTRIBUTION,
    }


def render_plugin(name: str, out: Path) -> list[Path]:
    """Write the package for ``name`` into ``out`` (which must not exist or be empty).

    The files are written to a temporary folder next to ``out`` and moved into place at
    the end, so a failure leaves nothing behind. Returns the written paths.
    """
    values = placeholders(name)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DseInputError(f"{out}: exists and is not an empty folder; choose another --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        written = _render_tree(resources.files("dse.plugin") / "template", staging, values)
        if out.exists():
            out.rmdir()
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [out / path.relative_to(staging) for path in written]


def _render_tree(source: Traversable, target: Path, values: dict[str, str]) -> list[Path]:
    written: list[Path] = []
    for entry in sorted(source.iterdir(), key=lambda e: e.name):
        name = _substitute(entry.name, values)
        if entry.is_dir():
            if name == "__pycache__":
                continue
            folder = target / (".github" if name == "github" else name)
            folder.mkdir()
            written += _render_tree(entry, folder, values)
        elif name.endswith(_SUFFIX):
            path = target / name.removesuffix(_SUFFIX)
            path.write_text(_substitute(entry.read_text(encoding="utf-8"), values), encoding="utf-8")
            written.append(path)
    return written


def _substitute(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(key, value)
    return text
