"""The plots of `dse report` as SVG text: Pareto pairs and per-layer energy breakdowns.

Matplotlib draws on the Agg canvas (no display) and writes SVG with text kept as text and
fixed id salts, so the same directory gives the same page byte for byte. Background clouds
are rasterised inside the SVG (an embedded PNG data URI), so that thousands of trials stay
light; fronts and bars stay vector.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from dse.results.plots import style_pair_axes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from dse.schema.space import Objectives

#: Markers of the chosen designs on the Pareto plots, in order.
_MARKS = ("*", "D", "^", "s", "P", "X")
#: rcParams for SVG output: text stays text (smaller, searchable), ids are reproducible.
_SVG_RC: dict[Any, Any] = {"svg.fonttype": "none", "svg.hashsalt": "dse-report"}
#: No RDF metadata block: no date (reproducible), no creator or type URLs in the page.
_NO_METADATA = {"Date": None, "Creator": None, "Type": None, "Format": None}


def new_figure(width: float, height: float) -> Figure:
    """A figure on the Agg canvas (no pyplot state, no display)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def svg_text(figure: Figure) -> str:
    """``figure`` as SVG text, without metadata (reproducible, no URLs)."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context(_SVG_RC):
        figure.savefig(buffer, format="svg", metadata=_NO_METADATA)
    return buffer.getvalue()


def pareto_svg(background: pl.DataFrame, front: pl.DataFrame, objectives: Objectives,
               marks: Sequence[tuple[str, dict[str, Any]]]) -> str:
    """One panel per pair of ``objectives``: grey feasible trials, the front coloured by
    backend, and each chosen design (label, row) as a black-edged marker."""
    names = list(objectives)
    pairs = list(itertools.combinations(names, 2)) or [(names[0], names[0])]
    cols = min(3, len(pairs))
    rows = -(-len(pairs) // cols)
    figure = new_figure(4.6 * cols, 3.6 * rows + 0.4 * (1 + len(marks) // 4))
    backends = sorted(set(front["backend"].to_list())) if "backend" in front.columns else []
    for k, (x, y) in enumerate(pairs):
        axes = figure.add_subplot(rows, cols, k + 1)
        if background.height:
            axes.scatter(background[x].to_numpy(), background[y].to_numpy(), s=4, c="0.78",
                         label="feasible trials", rasterized=True)
        for i, backend in enumerate(backends):
            part = front.filter(pl.col("backend") == backend)
            axes.scatter(part[x].to_numpy(), part[y].to_numpy(), s=20, c=f"C{i % 10}", edgecolors="k",
                         linewidths=0.3, label=f"front: {backend}")
        for (text, row), marker in zip(marks, itertools.cycle(_MARKS), strict=False):
            axes.scatter([row[x]], [row[y]], s=140, marker=marker, facecolors="none", edgecolors="k",
                         linewidths=1.3, label=text)
        values = pl.concat([background.select(x, y), front.select(x, y)]) if background.height else front
        style_pair_axes(axes, values, x, y, objectives)
    handles, labels = figure.axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=min(4, len(labels)), fontsize=8)
    return svg_text(figure)


def breakdown_svg(layers: Sequence[str], components: Sequence[str], energy_pj: np.ndarray,
                  colours: Mapping[str, str], title: str) -> str:
    """A stacked bar per layer (``energy_pj``: layers × components, pJ), one colour per component."""
    width = min(16.0, max(5.5, 0.42 * len(layers) + 3.5))
    figure = new_figure(width, 3.8)
    axes = figure.add_subplot()
    x = np.arange(len(layers))
    bottom = np.zeros(len(layers))
    for j, component in enumerate(components):
        axes.bar(x, energy_pj[:, j], bottom=bottom, color=colours[component], label=component, width=0.7)
        bottom += energy_pj[:, j]
    axes.set_xticks(x, labels=list(layers), rotation=45 if len(layers) > 6 else 0,
                    ha="right" if len(layers) > 6 else "center", fontsize=8)
    axes.set_ylabel("energy per inference (pJ)")
    axes.set_title(title, fontsize=10)
    axes.grid(True, axis="y", alpha=0.3)
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return svg_text(figure)


def component_colours(components: Sequence[str]) -> dict[str, str]:
    """A fixed colour per component (matplotlib's tab20 cycle, in the order given)."""
    import matplotlib

    palette = matplotlib.colormaps["tab20"](range(20))
    return {name: matplotlib.colors.to_hex(palette[i % len(palette)]) for i, name in enumerate(components)}
