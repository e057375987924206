"""The ANN-vs-SNN crossover plot: energy ratio against spike density, one curve per T."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from dse.evaluation.compare import BreakEven
from dse.results.atomic import write_bytes_atomic

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def crossover_png(grid: pl.DataFrame, points: Sequence[BreakEven], title: str, path: Path) -> Path:
    """Plot E_SNN(T, d) / E_ANN (and the hybrid's, dashed) on log axes; mark each break-even."""
    buffer = io.BytesIO()
    crossover_figure(grid, points, title).savefig(buffer, format="png", dpi=120)
    return write_bytes_atomic(buffer.getvalue(), path)


def crossover_figure(grid: pl.DataFrame, points: Sequence[BreakEven], title: str) -> Figure:
    """The crossover plot as a matplotlib figure on the Agg canvas (no pyplot state)."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    colors = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    steps = sorted(grid.filter(pl.col("engine") != "ann")["timesteps"].unique().to_list())
    for index, t in enumerate(steps):
        color = colors[index % len(colors)]
        for engine, style in (("snn", "-"), ("hybrid", "--")):
            curve = grid.filter((pl.col("engine") == engine) & (pl.col("timesteps") == t)).sort("spike_density")
            if curve.height:
                ax.plot(curve["spike_density"], curve["energy_ratio"], style, color=color,
                        label=f"{engine.upper()} T={t}")
        density = next((p.density for p in points if p.timesteps == t and p.density is not None), None)
        if density is not None:
            ax.plot([density], [1.0], "o", color=color)
            ax.annotate(f"{density:.3g}", (density, 1.0), textcoords="offset points",
                        xytext=(4, 6), fontsize=8, color=color)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("SNN spike density per time step")
    ax.set_ylabel("energy / ANN energy")
    ax.set_title(title, fontsize=10)
    ax.text(0.01, 0.98, "below 1: spiking wins", transform=ax.transAxes, va="top", fontsize=8)
    ax.legend(fontsize=8, ncol=2)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    return fig
