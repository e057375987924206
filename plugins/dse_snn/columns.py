"""Parameter sets as columns: numpy arrays, one entry per design point, from models or a polars frame.

The frame path checks every value against the same bounds and choices as the pydantic model
(read from its fields), without building a model per row; rows that fail (or whose column
type the fast check does not handle) are reported back so the caller can run them through
pydantic and get pydantic's own message. Numbers become float64 (None → NaN), choices their
index among the field's choices (int8; ``Columns.choice`` tests them by name), flags
booleans; nested models become ``a.b`` columns.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import annotated_types
import numpy as np
from pydantic import BaseModel

if TYPE_CHECKING:
    import polars as pl

class Columns(dict[str, np.ndarray]):
    """Parameter columns by path; a choice is held as its index in the field's choices (int8),
    and each choice test is computed once (every layer asks the same ones)."""

    def __init__(self, columns: dict[str, np.ndarray], choices: dict[str, tuple[str, ...]],
                 unset: tuple[str, ...] = ()) -> None:
        """``unset``: optional numbers known to be unset everywhere (absent from a frame)."""
        super().__init__(columns)
        self._choices = choices
        self._tests: dict[tuple[str, str], np.ndarray] = {}
        self._unset: dict[str, np.ndarray | bool] = dict.fromkeys(unset, True)

    def choice(self, path: str, value: str) -> np.ndarray:
        """Where the choice ``path`` is ``value`` (bool per design point)."""
        key = (path, value)
        if key not in self._tests:
            self._tests[key] = self[path] == self._choices[path].index(value)
        return self._tests[key]

    def name(self, path: str, code: int) -> str:
        """The choice ``path`` whose index is ``code``."""
        return self._choices[path][code]

    def unset(self, path: str) -> np.ndarray | bool:
        """Where the optional number ``path`` is unset (NaN): True or False when all designs agree."""
        if path not in self._unset:
            nan = np.isnan(self[path])
            self._unset[path] = True if nan.all() else False if not nan.any() else nan
        return self._unset[path]

    def given(self, path: str, default: float | np.ndarray) -> float | np.ndarray:
        """The optional number ``path``, ``default`` where it is unset; no new array when all designs agree."""
        unset = self.unset(path)
        if unset is True:
            return default
        return self[path] if unset is False else np.where(unset, default, self[path])

    def take(self, rows: np.ndarray) -> Columns:
        """The designs at ``rows``."""
        unset = tuple(path for path, known in self._unset.items() if known is True)
        return Columns({path: values[rows] for path, values in self.items()}, self._choices, unset)


@dataclass(frozen=True)
class Leaf:
    """One scalar field of a (possibly nested) parameter model."""

    path: str
    kind: str  # int | float | bool | choice
    default: Any
    choices: tuple[str, ...] = ()
    lower: float = -np.inf
    lower_open: bool = False
    upper: float = np.inf
    upper_open: bool = False


def leaves(model: type[BaseModel], prefix: str = "") -> tuple[Leaf, ...]:
    """The scalar fields of ``model``, nested models flattened to ``a.b`` paths."""
    out: list[Leaf] = []
    for name, info in model.model_fields.items():
        base = _strip_optional(info.annotation)
        if isinstance(base, type) and issubclass(base, BaseModel):
            out.extend(leaves(base, f"{prefix}{name}."))
            continue
        bounds: dict[str, Any] = {}
        for item in info.metadata:
            if isinstance(item, annotated_types.Ge):
                bounds.update(lower=float(item.ge))
            elif isinstance(item, annotated_types.Gt):
                bounds.update(lower=float(item.gt), lower_open=True)
            elif isinstance(item, annotated_types.Le):
                bounds.update(upper=float(item.le))
            elif isinstance(item, annotated_types.Lt):
                bounds.update(upper=float(item.lt), upper_open=True)
        if typing.get_origin(base) is Literal:
            out.append(Leaf(prefix + name, "choice", info.default, choices=typing.get_args(base)))
        elif base is bool:
            out.append(Leaf(prefix + name, "bool", info.default))
        elif base in (int, float):
            out.append(Leaf(prefix + name, base.__name__, info.default, **bounds))
        else:
            raise TypeError(f"{prefix}{name}: unsupported parameter type {base}")
    return tuple(out)


def _strip_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def from_models(models: Sequence[BaseModel], fields: Sequence[Leaf]) -> Columns:
    """Columns of already validated parameter models."""
    return Columns({leaf.path: _array(leaf, [_get(m, leaf.path) for m in models]) for leaf in fields},
                   _choices(fields))


def _choices(fields: Sequence[Leaf]) -> dict[str, tuple[str, ...]]:
    return {leaf.path: leaf.choices for leaf in fields if leaf.kind == "choice"}


def _get(model: BaseModel, path: str) -> Any:
    value: Any = model
    for part in path.split("."):
        value = getattr(value, part)
    return value


def _array(leaf: Leaf, values: list[Any]) -> np.ndarray:
    if leaf.kind == "choice":
        return np.array([leaf.choices.index(v) for v in values], dtype=np.int8)
    if leaf.kind == "bool":
        return np.array(values, dtype=bool)
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def _filled(leaf: Leaf, n: int) -> np.ndarray:
    """The field's default, ``n`` times."""
    if leaf.kind == "choice":
        return np.full(n, leaf.choices.index(leaf.default), dtype=np.int8)
    if leaf.kind == "bool":
        return np.full(n, bool(leaf.default))
    return np.full(n, np.nan if leaf.default is None else float(leaf.default))


def from_frame(frame: pl.DataFrame, fields: Sequence[Leaf]) -> tuple[Columns, np.ndarray]:
    """Columns of a parameter frame, and a mask of rows the fast check could not accept.

    Null cells take the field's default (as ``dse.plugin.types.unflatten`` does). Rejected
    rows hold defaults in the columns; the caller validates them one by one.
    """
    n = frame.height
    known = {leaf.path for leaf in fields}
    rejected = np.full(n, any(name not in known for name in frame.columns))
    columns: dict[str, np.ndarray] = {}
    for leaf in fields:
        default = _filled(leaf, n)
        if leaf.path not in frame.columns:
            columns[leaf.path] = default
            continue
        values, bad = _column(leaf, frame.get_column(leaf.path), default)
        rejected |= bad
        columns[leaf.path] = values
    absent = tuple(leaf.path for leaf in fields if leaf.path not in frame.columns and leaf.default is None)
    return Columns(columns, _choices(fields), absent), rejected


def _column(leaf: Leaf, series: pl.Series, default: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import polars as pl

    n, nulls = len(series), series.null_count()  # (filling no nulls would still cost a polars query)
    if series.dtype == pl.Null:
        return default, np.zeros(n, dtype=bool)
    null = series.is_null().to_numpy() if nulls else np.zeros(n, dtype=bool)
    if leaf.kind == "choice":
        if series.dtype not in (pl.String, pl.Categorical) and not isinstance(series.dtype, pl.Enum):
            return default, ~null
        strings = series.cast(pl.String)
        return _codes(leaf, strings.fill_null(leaf.default) if nulls else strings, default)
    if leaf.kind == "bool":
        if series.dtype != pl.Boolean:
            return default, ~null
        if not nulls:
            return series.to_numpy(), null
        return np.where(null, default, series.fill_null(False).to_numpy()), np.zeros(n, dtype=bool)
    if not series.dtype.is_numeric():
        return default, ~null
    raw = series.cast(pl.Float64).fill_null(0.0).to_numpy() if nulls else series.to_numpy().astype(float)
    ok = np.isfinite(raw)
    if leaf.kind == "int":
        ok &= raw == np.floor(raw)
    ok &= (raw > leaf.lower) if leaf.lower_open else (raw >= leaf.lower)
    ok &= (raw < leaf.upper) if leaf.upper_open else (raw <= leaf.upper)
    bad = ~null & ~ok
    return (np.where(null | bad, default, raw) if nulls or not ok.all() else raw), bad


def _codes(leaf: Leaf, strings: pl.Series, default: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A choice column's indices, and where it holds no choice of the field. A comparison per
    choice (the first row's first, alone when every row holds it) is cheaper than a lookup."""
    first = strings[0] if len(strings) else None
    order = sorted(range(len(leaf.choices)), key=lambda code: leaf.choices[code] != first)
    if first in leaf.choices and bool((strings == first).all()):
        return np.full(len(strings), order[0], dtype=np.int8), np.zeros(len(strings), dtype=bool)
    codes = np.full(len(strings), -1, dtype=np.int8)
    for code in order:
        codes[(strings == leaf.choices[code]).to_numpy()] = code
    bad = codes < 0
    return np.where(bad, default, codes), bad
