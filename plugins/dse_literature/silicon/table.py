"""The `dse reproduce silicon` table: one row per published measurement, assumptions as numbered notes."""

from __future__ import annotations

from collections.abc import Sequence

from dse_literature.silicon.study import SiliconRow


def print_silicon(rows: Sequence[SiliconRow]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="silicon: dse's named chips beside their published measurements")
    for column in ("chip", "quantity", "workload", "published", "dse", "unit", "error", "fitted", "note"):
        table.add_column(column, justify="right" if column in ("published", "dse", "error") else "left")
    notes: list[str] = []
    for r in rows:
        mark = ""
        if r.assumed:
            if r.assumed not in notes:
                notes.append(r.assumed)
            mark = f"[{notes.index(r.assumed) + 1}]"
        table.add_row(r.chip, r.quantity, r.workload, f"{r.published:.4g}", f"{r.dse:.4g}", r.unit,
                      f"{r.error_pct:+.1f} %", "fitted" if r.fitted else "check", mark)
    console = Console()
    console.print(table)
    for index, note in enumerate(notes, start=1):
        console.print(f"[{index}] {note}", highlight=False)
    console.print("fitted: the row was used to fit the chip's factor k; check: held apart from every fit. "
                  "Why each error is what it is: docs/silicon.md", highlight=False)
