"""Where dse comes from: its name on the package index, and how to add an optional extra."""

from __future__ import annotations

DISTRIBUTION = "dse-accel"
"""dse's distribution name on the package index (``dse`` there is an unrelated Django tool,
pypi.org/project/dse); the command, the import package and the plugin group stay ``dse``."""


def install_hint(extra: str) -> str:
    """The pip command that adds ``extra`` (train, formats, plotly, ...): from a checkout and from the index."""
    return f"pip install -e '.[{extra}]' in a checkout, or pip install '{DISTRIBUTION}[{extra}]'"
