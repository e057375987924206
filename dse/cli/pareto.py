"""`dse pareto`: the non-dominated set of any results and its hypervolume."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dse.errors import DseInputError
from dse.extras import install_hint

if TYPE_CHECKING:
    import polars as pl

    from dse.schema.space import Objectives


def pareto_command(
    results: Annotated[Path, typer.Argument(help="a Parquet file, or a directory of them (pareto*.parquet skipped)")],
    objectives: Annotated[str | None, typer.Option(
        "--objectives", help="columns, e.g. energy_pj,latency_s,accuracy:max (default: those the run recorded)")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="also draw the front: FILE.png or FILE.html")] = None,
    reference: Annotated[str | None, typer.Option(
        "--reference", help="hypervolume reference point, one value per objective "
        "(default: the worst value of each plus a tenth of its range)")] = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help="front rows to print")] = 20,
    columns: Annotated[str | None, typer.Option(
        "--columns", help="columns to print, comma separated: any column of the files, or a parameter or "
        "knob by name (rows, weight_bits); default: backend, the objectives, every parameter and knob")] = None,
) -> None:
    """The non-dominated set of any results and its hypervolume."""
    import numpy as np

    from dse.results.atomic import write_bytes_atomic
    from dse.results.front_files import summarize
    from dse.results.pareto import (
        hypervolume,
        minimization,
        objective_matrix,
        parse_objectives,
        result_files,
        scan_results,
        stored_objectives,
    )
    from dse.results.plots import pareto_html, pareto_png

    files = result_files(results)
    chosen = parse_objectives(objectives) if objectives else stored_objectives(files)
    if not chosen:
        raise DseInputError(f"{results}: no objectives recorded in the files; give --objectives")
    summary = summarize(scan_results(files), chosen)
    volume, ref = summary.hypervolume, summary.reference
    if reference is not None and summary.front.height:
        point = _numbers(reference, len(chosen))
        directions = list(chosen.values())
        volume = hypervolume(objective_matrix(summary.front, chosen), minimization(np.array([point]), directions)[0])
        ref = tuple(point)
    _print_front(summary.front, _columns(summary.front, chosen, columns), limit)
    typer.echo("\n".join(front_lines(summary.front.height, volume, ref, chosen)
                         + [f"from {summary.feasible:,} feasible rows of {len(files)} file(s)"]))
    if plot is not None:
        suffix = plot.suffix.lower()
        if suffix not in (".png", ".html"):
            raise DseInputError(f"--plot: {plot}: name a .png or .html file")
        title = results.name
        data = (pareto_png if suffix == ".png" else pareto_html)(summary.background, summary.front, chosen, title)
        if data is None:
            raise DseInputError(f"--plot: an HTML plot needs plotly ({install_hint('plotly')})")
        write_bytes_atomic(data, plot)
        typer.echo(f"plot: {plot}")


def _numbers(text: str, count: int) -> list[float]:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise DseInputError(f"--reference: '{text}': give {count} numbers separated by commas") from None
    if len(values) != count:
        raise DseInputError(f"--reference: give {count} numbers (one per objective), got {len(values)}")
    return values


def front_lines(size: int, volume: float | None, reference: tuple[float, ...] | None,
                 objectives: Objectives) -> list[str]:
    if not size:
        return ["front: empty (no finished, feasible trial)"]
    ref = ", ".join(f"{name} {value:.4g}" for name, value in zip(objectives, reference or (), strict=False))
    return [f"front: {size} designs; hypervolume {volume:.6g} (reference: {ref})"]


_SETTINGS = ("params_json", "knobs_json")
"""The JSON columns whose keys ``--columns`` can name (a design's parameters and knobs)."""


def _settings(row: dict[str, object]) -> dict[str, object]:
    import json

    out: dict[str, object] = {}
    for column in _SETTINGS:
        text = row.get(column)
        if isinstance(text, str) and text:
            out.update(json.loads(text))
    return out


def _columns(front: pl.DataFrame, objectives: Objectives, wanted: str | None) -> list[str]:
    """The columns to print: those asked for (each a column or a parameter/knob), or the default."""
    rows = [_settings(row) for row in front.select([c for c in _SETTINGS if c in front.columns]).iter_rows(named=True)]
    settings = list(dict.fromkeys(key for row in rows for key in row))
    if wanted is None:
        return [c for c in ("backend", *objectives) if c in front.columns] + settings
    names = [name.strip() for name in wanted.split(",") if name.strip()]
    unknown = [n for n in names if n not in front.columns and n not in settings]
    if unknown or not names:
        allowed = ", ".join([c for c in front.columns if c not in _SETTINGS] + settings)
        raise DseInputError(f"--columns: unknown column {', '.join(unknown) or '(none given)'} (allowed: {allowed})")
    return names


def _print_front(front: pl.DataFrame, columns: list[str], limit: int) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    if not front.height or not limit:
        return
    table = Table(title=f"Pareto front ({front.height} distinct designs, first {min(limit, front.height)})")
    for column in columns:
        table.add_column(escape(column), overflow="fold")
    for row in front.head(limit).iter_rows(named=True):
        values = {**_settings(row), **row}
        table.add_row(*(escape(_cell(values.get(c))) for c in columns))
    Console().print(table)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}" if isinstance(value, float) else str(value)
