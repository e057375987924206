"""`dse report`: one self-contained HTML page for a run, a comparison or evaluations.

For what the directory holds (see :mod:`dse.report.sources`):

- a run (`dse explore`, `dse sweep`): trial counts, the Pareto front over the feasible
  trials (one panel per pair of the first :data:`PLOTTED_OBJECTIVES` objectives) and its
  table, then the per-layer energy breakdown of the chosen designs (best per objective and
  the knee, :mod:`dse.report.designs`), recomputed from the space;
- a comparison (`dse compare --out`): the crossover plot and the break-even table;
- evaluations (`dse evaluate --out` files): totals and per-layer breakdowns;
- always: provenance (:mod:`dse.report.provenance`).

The page holds its CSS and inline SVG plots and fetches nothing (no scripts, fonts, images
or style sheets from a network), so it opens offline and can be mailed as one file.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import polars as pl
from pydantic import ValidationError

from dse.errors import DseInputError
from dse.plugin.manager import Plugins
from dse.report.breakdown import LayerEnergy, breakdown_block, component_order, from_cost, from_frame
from dse.report.designs import Chosen, Recomputer, choose
from dse.report.html import esc, figure, note, page, paragraph, table
from dse.report.plots import component_colours, pareto_svg, svg_text
from dse.report.provenance import provenance_html
from dse.report.sources import Comparison, Evaluation, Run, read_directory
from dse.results.atomic import write_bytes_atomic
from dse.results.plots import label
from dse.schema.space import SearchSpace

REPORT_FILE = "report.html"
#: Objectives drawn in pairs at most (presentation choice: 4 objectives give 6 panels).
PLOTTED_OBJECTIVES = 4
#: Front rows listed at most (presentation choice; the plot shows them all).
FRONT_ROWS = 200
#: Relative difference above which a recomputed total is flagged against the recorded one
#: (a float sum in another order differs by ~1e-15; this flags a changed model, not rounding).
RECOMPUTE_TOLERANCE = 1e-9
#: Totals shown beside the objectives in tables (columns of dse.results.trials).
_METRICS = ("energy_pj", "latency_s", "area_mm2", "power_mw", "accuracy")
#: A design to break down: (html id, title, its layers or why they are missing).
Design = tuple[str, str, tuple[LayerEnergy, ...] | str]


def write_report(directory: Path, out: Path | None, plugins: Plugins, activity: Path | None = None) -> Path:
    """Write the report of ``directory`` to ``out`` (default ``DIR/report.html``), atomically.

    ``activity``: measured densities for the recomputed breakdowns (default: the activity file
    the run recorded in its ``dse.activity`` metadata, if any).
    """
    target = out if out is not None else directory / REPORT_FILE
    if target.suffix.lower() not in (".html", ".htm"):
        raise DseInputError(f"--out: {target}: name an .html file")
    return write_bytes_atomic(build_report(directory, plugins, activity).encode(), target)


def build_report(directory: Path, plugins: Plugins, activity: Path | None = None) -> str:
    """The HTML page of ``directory`` (``activity`` as in :func:`write_report`)."""
    contents = read_directory(directory)
    run, comparison, evaluations = contents.run, contents.comparison, contents.evaluations
    chosen, run_designs = _chosen_designs(run, plugins, activity) if run is not None else ([], [])
    eval_designs: list[Design] = [(f"eval-{i}", e.file.path.name, from_frame(e.frame))
                                  for i, e in enumerate(evaluations)]
    order = component_order(layers for _, _, layers in run_designs + eval_designs if not isinstance(layers, str))
    colours = component_colours(order)
    sections: list[tuple[str, str, str]] = []
    kinds: list[str] = []
    if run is not None:
        kinds.append({"explore": "exploration", "sweep": "sweep"}.get(str(run.identity.get("kind")), "run"))
        sections.append(("front", "Pareto front", _front_html(run, chosen)))
        sections.append(("breakdown", "Energy breakdown of chosen designs",
                         _chosen_table(chosen, run) + _blocks(run_designs, order, colours)))
    if comparison is not None:
        kinds.append("comparison")
        sections.append(("crossover", "ANN vs SNN crossover", _crossover_html(comparison)))
    if evaluations:
        kinds.append("evaluations")
        sections.append(("evaluations", "Evaluations",
                         _evaluations_table(evaluations, directory) + _blocks(eval_designs, order, colours)))
    files = [f for source in (run, comparison) if source is not None for f in source.files]
    files += [e.file for e in evaluations]
    sections.append(("provenance", "Provenance", provenance_html(contents, files)))
    return page(f"dse report: {directory.resolve().name}", f"{directory} · {', '.join(kinds)}", sections)


def _blocks(designs: list[Design], order: list[str], colours: dict[str, str]) -> str:
    """Each design's heading, then its plot and table (or why it has none)."""
    return "".join(f'<h3 id="{key}">{esc(title)}</h3>'
                   + (note(layers) if isinstance(layers, str) else breakdown_block(key, title, layers, order, colours))
                   for key, title, layers in designs)


# -- runs ---------------------------------------------------------------------------------------
def _front_html(run: Run, chosen: list[Chosen]) -> str:
    objectives = run.objectives
    parts = [_counts_html(run)]
    if run.hypervolume is not None:
        reference = ", ".join(f"{n} {v:.6g}" for n, v in zip(objectives, run.hypervolume.get("reference") or (),
                                                             strict=False))
        parts.append(paragraph(f"Hypervolume {run.hypervolume['value']:.6g} (reference point: {reference})."))
    if run.front.height == 0:
        return "".join(parts) + note("The front is empty: no trial finished feasible.")
    plotted = dict(list(objectives.items())[:PLOTTED_OBJECTIVES])
    marks = [(c.label, c.row) for c in chosen]
    svg = pareto_svg(run.background, run.front, plotted, marks)
    parts.append(figure(svg, "pareto-plot", f"{run.front.height} designs on the front (coloured) over "
                        f"{run.background.height:,} feasible trials (grey); black outlines: the designs "
                        "broken down below"))
    parts.append(_front_table(run.front, objectives))
    return "".join(parts)


def _counts_html(run: Run) -> str:
    if run.trials is None:
        return paragraph(f"Only the front was found ({run.front.height} designs): no trial table.")
    names = run.trials.collect_schema().names()
    state = pl.col("state") if "state" in names else pl.lit("COMPLETE")
    feasible = pl.col("feasible").fill_null(False) if "feasible" in names else pl.lit(True)
    counts = (run.trials.group_by("backend").agg(
        pl.len().alias("trials"), (state == "COMPLETE").sum().alias("complete"),
        (state == "FAIL").sum().alias("failed"), feasible.sum().alias("feasible"))
        .collect(engine="streaming").sort("backend"))
    on_front = dict(run.front.group_by("backend").len().iter_rows()) if run.front.height else {}
    rows = [[r["backend"], r["trials"], r["complete"], r["failed"], r["feasible"], on_front.get(r["backend"], 0)]
            for r in counts.iter_rows(named=True)]
    foot = ["all", *(int(counts[c].sum()) for c in ("trials", "complete", "failed", "feasible")), run.front.height]
    parts = [table(["backend", "trials", "complete", "failed", "feasible", "on the front"], rows,
                   table_id="trial-counts", caption="Trials", foot=foot)]
    if "error" in names:
        errors = (run.trials.filter(pl.col("error").is_not_null()).group_by("error").len()
                  .collect(engine="streaming").sort(["len", "error"], descending=[True, False]).head(5))
        if errors.height:
            parts.append(table(["error", "trials"], errors.rows(), table_id="errors",
                               caption="Most common errors of failed trials"))
    return "".join(parts)


def _front_table(front: pl.DataFrame, objectives: dict[str, str]) -> str:
    metrics = [m for m in _METRICS if m not in objectives and m in front.columns and front[m].null_count() < front.height]
    columns = ["#", "backend", *(label(n, d) for n, d in objectives.items()), *metrics, "parameters", "knobs",
               "trial"]
    rows = []
    for i, row in enumerate(front.head(FRONT_ROWS).iter_rows(named=True)):
        rows.append([i + 1, row.get("backend"), *(row[n] for n in objectives), *(row[m] for m in metrics),
                     _pairs(row.get("params_json")), _pairs(row.get("knobs_json")),
                     f"{row.get('study')}#{row.get('trial')}"])
    caption = f"The front ({front.height} designs" + (f"; the first {FRONT_ROWS} listed)" if front.height > FRONT_ROWS
                                                       else ")")
    return table(columns, rows, table_id="front", caption=caption)


def _pairs(text: str | None) -> str:
    """``{"rows": 16, "sram_kib": 1.234567891}`` → ``rows=16, sram_kib=1.23457`` (exact: the run's files)."""
    if not text:
        return "–"
    values = json.loads(text)
    return ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items()) or "–"


def _chosen_designs(run: Run, plugins: Plugins, activity: Path | None) -> tuple[list[Chosen], list[Design]]:
    """The chosen designs and, for each, its recomputed layers or why they could not be."""
    chosen = choose(run.front, run.objectives)
    recomputer = _recomputer(run, plugins, activity)
    designs: list[Design] = []
    for i, design in enumerate(chosen):
        title = f"{design.label}: {design.row.get('backend')} ({design.key})"
        if isinstance(recomputer, str):
            designs.append((f"design-{i}", title, recomputer))
            continue
        try:
            cost = recomputer.cost(design.row)
        except DseInputError as error:
            designs.append((f"design-{i}", title, f"Not recomputed: {error}"))
            continue
        layers = from_cost(cost)
        recorded = design.row.get("energy_pj")
        if recorded is not None and not math.isclose(cost.energy_pj, recorded, rel_tol=RECOMPUTE_TOLERANCE):
            title += f" (recomputed {cost.energy_pj:.6g} pJ, the run recorded {recorded:.6g} pJ)"
        designs.append((f"design-{i}", title, layers))
    return chosen, designs


def _recomputer(run: Run, plugins: Plugins, activity: Path | None) -> Recomputer | str:
    if run.space_json is None:
        return "Not recomputed: the run's files carry no dse.space metadata."
    recorded = next((f.metadata["dse.activity"] for f in run.files if "dse.activity" in f.metadata), None)
    try:
        return Recomputer(SearchSpace.model_validate_json(run.space_json), plugins,
                          activity if activity is not None else None if recorded is None else Path(recorded))
    except ValidationError:
        return "Not recomputed: the recorded space does not validate with this version of dse."


def _chosen_table(chosen: list[Chosen], run: Run) -> str:
    if not chosen:
        return note("No design to break down: the front is empty.")
    metrics = [m for m in _METRICS if m in run.front.columns and run.front[m].null_count() < run.front.height]
    rows = [[c.label, c.key, c.row.get("backend"), *(c.row.get(m) for m in metrics), _pairs(c.row.get("params_json")),
             _pairs(c.row.get("knobs_json"))] for c in chosen]
    return (paragraph("Each design's layers are recomputed from the run's space with the trial's knobs and "
                      "parameters (the run's files keep totals only). The knee is the front design nearest the "
                      "ideal point once every objective is scaled to [0, 1] over the front.")
            + table(["chosen as", "trial", "backend", *metrics, "parameters", "knobs"], rows, table_id="chosen",
                    caption="Chosen designs (totals as the run recorded them)"))


# -- comparisons and evaluations ----------------------------------------------------------------
def _crossover_html(comparison: Comparison) -> str:
    from dse.evaluation.compare import BreakEven
    from dse.results.crossover_plot import crossover_figure

    summary = comparison.summary
    points = [BreakEven(p["timesteps"], p["spike_density"], p["snn_wins_below"])
              for p in (summary or {}).get("break_even", [])]
    name = (summary or {}).get("workload", "workload")
    svg = svg_text(crossover_figure(comparison.grid, points, f"{name}: SNN / ANN energy"))
    parts = [figure(svg, "crossover-plot", "Energy of the SNN (solid) and hybrid (dashed) relative to the ANN, "
                    "against the spike density per time step; dots: break-even densities")]
    if summary is None:
        return "".join(parts) + note("breakeven.json is missing: no break-even table.")
    parts.insert(0, paragraph(f"ANN: {summary['ann_energy_pj']:.6g} pJ per inference at activation density "
                              f"d_ANN = {summary['ann_density']:.4g}. The seed paper's rule (Ottati et al. 2023): "
                              "T · d* ≈ 1.83 · d_ANN."))
    rows = []
    for p in summary["break_even"]:
        d = p["spike_density"]
        wins = ("below d*" if d is not None else "always") if p["snn_wins_below"] else "never"
        rows.append([p["timesteps"], d, p.get("t_times_d_over_d_ann"), wins])
    parts.append(table(["T", "break-even spike density d*", "T·d* / d_ANN", "SNN wins"], rows, table_id="break-even",
                       caption="Break-even spike density per number of time steps"))
    return "".join(parts)


def _evaluations_table(evaluations: tuple[Evaluation, ...], directory: Path) -> str:
    rows = []
    for e in evaluations:
        f = e.frame
        first = f.row(0, named=True) if f.height else {}
        rows.append([e.file.path.name, first.get("workload"), first.get("architecture"), first.get("backend"),
                     first.get("technology"), math.fsum(f["energy_pj"].to_list()), first.get("design_latency_s"),
                     first.get("design_area_mm2")])
    return table(["file", "workload", "architecture", "backend", "technology", "energy (pJ)", "latency (s)",
                  "area (mm²)"], rows, table_id="evaluations-table", caption=f"dse evaluate results in {directory}")
