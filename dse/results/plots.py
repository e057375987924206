"""Pareto-front plots: a PNG (matplotlib) and an interactive HTML page (plotly, optional).

Two objectives give one scatter; more give one panel per pair of objectives. Grey dots are
the feasible trials, coloured markers the front, one colour per backend. An axis whose
values are positive and span more than two decades is logarithmic. At most
:data:`MAX_BACKGROUND` feasible trials are drawn (an even subsample,
:func:`dse.results.pareto.evenly_spaced`), so that a million-point
sweep still plots in a second.
"""

from __future__ import annotations

import io
import itertools
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from dse.schema.space import Objectives

#: Background points drawn at most (an evenly spaced subsample beyond this).
MAX_BACKGROUND = 20_000
_LABELS = {
    "energy_pj": "energy (pJ)",
    "latency_s": "latency (s)",
    "latency_cycles": "latency (cycles)",
    "area_mm2": "area (mm²)",
    "power_mw": "power (mW)",
    "accuracy": "accuracy",
}


def label(name: str, direction: str) -> str:
    arrow = "↓" if direction == "minimize" else "↑"
    return f"{_LABELS.get(name, name)} {arrow}"


def _with_backend(front: pl.DataFrame) -> pl.DataFrame:
    """Fronts of tables without a ``backend`` column are drawn as one series."""
    return front if "backend" in front.columns else front.with_columns(pl.lit("front").alias("backend"))


def _log_axis(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return bool(finite.size > 0 and finite.min() > 0 and finite.max() / finite.min() > 100)


def style_pair_axes(axes: Any, values: pl.DataFrame, x: str, y: str, objectives: Objectives) -> None:
    """Log scale on an axis whose values span more than two decades; labels with the direction; grid."""
    if _log_axis(values[x].to_numpy()):
        axes.set_xscale("log")
    if _log_axis(values[y].to_numpy()):
        axes.set_yscale("log")
    axes.set_xlabel(label(x, objectives[x]))
    axes.set_ylabel(label(y, objectives[y]))
    axes.grid(True, alpha=0.3)


def pareto_png(background: pl.DataFrame, front: pl.DataFrame, objectives: Objectives, title: str) -> bytes:
    """The PNG image of the front over the feasible trials."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    names = list(objectives)
    pairs = list(itertools.combinations(range(len(names)), 2)) or [(0, 0)]
    cols = min(3, len(pairs))
    rows = -(-len(pairs) // cols)
    figure = Figure(figsize=(5.0 * cols, 4.2 * rows), layout="constrained")
    FigureCanvasAgg(figure)
    front = _with_backend(front)
    backends = sorted(set(front["backend"].to_list())) if front.height else []
    colours = dict(zip(backends, itertools.cycle([f"C{i}" for i in range(10)]), strict=False))
    for k, (i, j) in enumerate(pairs):
        axes = figure.add_subplot(rows, cols, k + 1)
        x, y = names[i], names[j]
        axes.scatter(background[x].to_numpy(), background[y].to_numpy(), s=4, c="0.75", label="feasible trials",
                     rasterized=True)
        for backend in backends:
            part = front.filter(pl.col("backend") == backend).sort(x)
            axes.scatter(part[x].to_numpy(), part[y].to_numpy(), s=22, c=colours[backend], edgecolors="k",
                         linewidths=0.4, label=f"front: {backend}")
        shown = list(dict.fromkeys((x, y)))  # one objective: x and y are the same column
        both = pl.concat([background.select(shown), front.select(shown)]) if front.height else background.select(shown)
        style_pair_axes(axes, both, x, y, objectives)
        if k == 0:
            axes.legend(fontsize=8)
    figure.suptitle(f"{title}: {front.height} designs on the front")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def pareto_html(background: pl.DataFrame, front: pl.DataFrame, objectives: Objectives, title: str) -> bytes | None:
    """A self-contained interactive page (plotly inlined, works offline), or None without plotly."""
    try:
        import plotly.graph_objects as go
    except ImportError:
        return None
    names = list(objectives)
    front = _with_backend(front)
    hover = "params_json" if "params_json" in front.columns else None
    traces = []
    if len(names) == 2:
        traces.append(go.Scattergl(x=background[names[0]].to_list(), y=background[names[1]].to_list(),
                                   mode="markers", name="feasible trials", marker={"size": 3, "color": "#bbb"}))
    for backend in sorted(set(front["backend"].to_list())) if front.height else []:
        part = front.filter(pl.col("backend") == backend)
        text = part[hover].to_list() if hover else None
        if len(names) == 2:
            traces.append(go.Scatter(x=part[names[0]].to_list(), y=part[names[1]].to_list(), mode="markers",
                                     name=backend, text=text, marker={"size": 8}))
        elif len(names) == 3:
            traces.append(go.Scatter3d(x=part[names[0]].to_list(), y=part[names[1]].to_list(),
                                       z=part[names[2]].to_list(), mode="markers", name=backend, text=text,
                                       marker={"size": 4}))
        else:
            traces.append(go.Splom(dimensions=[{"label": n, "values": part[n].to_list()} for n in names],
                                   name=backend, text=text))
    figure = go.Figure(traces)
    titles = {f"{axis}axis_title": label(n, objectives[n]) for axis, n in zip("xyz", names, strict=False)}
    if len(names) == 3:
        figure.update_layout(scene=titles)
    elif len(names) == 2:
        both = pl.concat([background.select(names), front.select(names)]) if front.height else background
        figure.update_layout(**titles)
        for axis, n in zip("xy", names, strict=True):
            if _log_axis(both[n].to_numpy()):
                figure.update_layout({f"{axis}axis_type": "log"})
    figure.update_layout(title=f"{title}: {front.height} designs on the front")
    html: str = figure.to_html(include_plotlyjs=True, full_html=True)
    return html.encode()
