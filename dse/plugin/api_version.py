"""The plugin API version: the number a plugin declares it was written for, and its check.

A plugin module (the object its ``dse`` entry point names) declares::

    DSE_PLUGIN_API = 1

dse loads a plugin that declares the version it provides, refuses one that declares
another (one line in ``dse plugins``: which version it wants, which this dse has), and
loads an undeclared one as before, listed as ``undeclared``.
"""

from __future__ import annotations

#: The plugin API this dse provides: the hookspecs, the base classes and the names in
#: ``dse.__all__``. Raised when a change would break a plugin written for the previous one.
DSE_PLUGIN_API = 1


def declared_api(plugin: object) -> int | None:
    """The API version ``plugin`` declares (None when it declares none)."""
    declared = getattr(plugin, "DSE_PLUGIN_API", None)
    if declared is None:
        return None
    if isinstance(declared, bool) or not isinstance(declared, int):
        raise TypeError(f"DSE_PLUGIN_API must be an integer, got {declared!r}")
    return declared


def check_api(plugin: object) -> None:
    """Raise ImportError when ``plugin`` declares an API version other than this dse's."""
    declared = declared_api(plugin)
    if declared is not None and declared != DSE_PLUGIN_API:
        raise ImportError(f"written for dse plugin API {declared}; this dse provides API {DSE_PLUGIN_API}")
