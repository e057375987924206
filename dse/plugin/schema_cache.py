"""The ``Params`` models whose JSON Schema an earlier run built, remembered between runs.

Registration builds the JSON Schema of every backend's and accuracy model's ``Params``
(:mod:`dse.plugin.checks`) so that one bad model never breaks `dse schema`: 43 ms for the
nine built-in models in issue 17, at every start. A model that passed is remembered by
``module:qualname`` in the start-up cache directory (:mod:`dse.plugin.discovery`) with the
modification times of the source files of ``dse`` and of every plugin package then loaded.
The memory holds while the entry points (``sys.path`` and its directories' times) and those
files are what they were; anything else makes the next run build every schema again. Only
models defined at the top level of a module of ``dse`` or of a plugin package (entry points)
are remembered: a class made in a function, or in a test, is checked at every registration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dse.plugin.discovery import (
    entry_points,
    file_stamps,
    path_key,
    read_cache,
    source_files,
    stamps_hold,
    write_cache,
)

FILE = "schema-checks.json"


@dataclass
class SchemaChecks:
    """Models known to have a JSON Schema (``passed``) and those this run found so (``found``),
    by ``module:qualname``."""

    passed: frozenset[str]
    stamps: dict[str, int]
    packages: frozenset[str]
    found: set[str] = field(default_factory=set)

    @classmethod
    def load(cls) -> SchemaChecks:
        """What earlier runs remembered, if it still holds; else nothing."""
        packages = frozenset({"dse"} | {ep.top_package for ep in entry_points()})
        payload = read_cache(FILE, path_key())
        if isinstance(payload, dict) and stamps_hold(payload.get("files")) and isinstance(payload.get("passed"), list):
            return cls(frozenset(map(str, payload["passed"])), payload["files"], packages)
        return cls(frozenset(), {}, packages)

    def known(self, model: type) -> bool:
        """Whether an earlier run built ``model``'s JSON Schema from the same sources."""
        return self._ref(model) in self.passed

    def remember(self, model: type) -> None:
        """Note that ``model``'s JSON Schema was built."""
        ref = self._ref(model)
        if ref is not None:
            self.found.add(ref)

    def _ref(self, model: type) -> str | None:
        """``module:qualname`` of a model the cache may remember, or None (module docstring)."""
        module, qualname = getattr(model, "__module__", ""), getattr(model, "__qualname__", "")
        if not module or "<" in qualname or module.split(".")[0] not in self.packages:
            return None
        return f"{module}:{qualname}"

    def save(self) -> None:
        """Write the models found this run, with what was remembered, and the files they came from."""
        if self.found - self.passed:
            write_cache(FILE, path_key(), {"passed": sorted(self.passed | self.found),
                                           "files": self.stamps | file_stamps(source_files())})
