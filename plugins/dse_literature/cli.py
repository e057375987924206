"""The `dse reproduce` command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def reproduce_command(
    ctx: typer.Context,
    study: Annotated[str, typer.Argument(help="ottati2023 | lemaire2022 | silicon")],
    out: Annotated[
        Path | None, typer.Option("--out", help="directory for reproduce.parquet (and a figure)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print rows as JSON")] = False,
) -> None:
    """Regenerate a study's published numbers and print ours beside theirs."""
    from dse import DseInputError, context_plugins, echo_json, output_directory
    from dse_literature.reproduce import STUDIES

    if study not in STUDIES:
        raise DseInputError(f"reproduce: unknown study '{study}' (allowed: {', '.join(sorted(STUDIES))})")
    plugins = context_plugins(ctx)
    if out is not None:
        out = output_directory(out)
    rows = STUDIES[study](plugins)
    if out is not None:
        _write(out, study, rows, plugins)
    if as_json:
        echo_json([r.as_dict() for r in rows])
        return
    if study == "silicon":
        from dse_literature.silicon.table import print_silicon

        print_silicon(rows)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{study}: ours beside the published numbers")
    for column in ("quantity", "ours", "published", "difference", "", "note"):
        table.add_column(column, justify="right" if column in ("ours", "published", "difference") else "left")
    for r in rows:
        mark = (
            "ok" if r.within_1_percent else ("[yellow]approx[/yellow]" if not r.exact else "[red]off[/red]")
        )
        table.add_row(
            r.quantity, f"{r.ours:.4g}", f"{r.published:.4g}", f"{r.relative_difference:+.2%}", mark, r.note
        )
    Console().print(table)


def _write(out: Path, study: str, rows: list, plugins) -> None:
    import polars as pl

    from dse import provenance, write_parquet_atomic

    write_parquet_atomic(
        pl.DataFrame([r.as_dict() for r in rows]), out / f"reproduce-{study}.parquet", provenance()
    )
    if study == "ottati2023":
        from dse_literature.figures import ottati_energy_figure

        ottati_energy_figure(plugins, out / "ottati2023-energy.png")
