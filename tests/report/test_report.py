"""`dse report`: the page of an exploration, a sweep, a comparison and evaluations, rendered
in headless Chromium and read back: its plots, its tables and their numbers, its provenance.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import dse
from tests.conftest import write
from tests.report.conftest import SEED, SPACE, Run
from tests.report.dom import read_page, rendered_dom, screenshot

# Hand calculation, ottati2023.md per-event model (8-bit: e_mem 2.5 pJ per word, e_mul 0.2,
# e_add 0.03 pJ), tiny network at density 0.5, ANN (zero-skipping):
#   conv1: 2 outputs channels × 2×2 positions × 9 taps = 72 synapses; 72 × 0.5 = 36 MACs
#          weight reads 36 × 2.5 = 90, activation reads 90, output writes 8 × 2.5 = 20,
#          compute 36 × (0.2 + 0.03) = 8.28  → 208.28 pJ, 36 cycles
#   fc:    8 × 4 = 32 synapses; 16 MACs → 40, 40, 4 × 2.5 = 10, 16 × 0.23 = 3.68 → 93.68 pJ, 16 cycles
#   total 301.96 pJ, 52 cycles. Any SNN trial (T >= 2) costs more (about 2 × 214.34 pJ, below).
ANN_LAYERS = {
    "conv1": {"sram_weight_read (pJ)": 90.0, "sram_activation_read (pJ)": 90.0, "sram_output_write (pJ)": 20.0,
              "compute (pJ)": 8.28, "energy (pJ)": 208.28, "cycles": 36.0},
    "fc": {"sram_weight_read (pJ)": 40.0, "sram_activation_read (pJ)": 40.0, "sram_output_write (pJ)": 10.0,
           "compute (pJ)": 3.68, "energy (pJ)": 93.68, "cycles": 16.0},
}
ANN_TOTAL_PJ = 301.96
# SNN, T = 1, same densities (spike bit e_mem / 8 = 0.3125 pJ):
#   conv1: 36 events; active outputs 8 × (1 − 0.5⁹) = 7.984375; 8 × 0.5 = 4 spikes out (a layer's
#          output density is the input density of the layer it feeds: flatten's 0.5)
#          36 × 0.3125 + 36 × 2.5 + 2 × 7.984375 × 2.5 + 8 × 0.3125
#          + (36 × 0.03 + 7.984375 × 0.23 + 4 × 0.03) = 146.70828125 pJ
#   fc:    16 events; active 4 × (1 − 0.5⁸) = 3.984375; 2 spikes out
#          5 + 40 + 19.921875 + 1.25 + (0.48 + 0.91640625 + 0.06) = 67.62828125 pJ
SNN_T1_TOTAL_PJ = 146.70828125 + 67.62828125
_NETWORK = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def report(dse_cli: Run, directory: Path, *extra: object) -> Path:
    code, out, err = dse_cli("report", directory, *extra)
    assert code == 0, err
    path = Path(out.strip().removeprefix("report: "))
    assert path.is_file()
    return path


@pytest.fixture(scope="module")
def explore_page(dse_cli: Run, explored: Path) -> Path:
    """The report of the exploration, written once for the tests that read it."""
    return report(dse_cli, explored)


def offline(html: str) -> None:
    """No resource is fetched from a network: no http(s) or protocol-relative src/href, no
    URL at all in the page, and no script."""
    assert not _NETWORK.search(html)
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html.lower()


def test_exploration_page_shows_front_breakdowns_and_provenance(explore_page: Path, explored: Path,
                                                                profile: Path) -> None:
    path = explore_page
    assert path == explored / "report.html"
    html = path.read_text()
    offline(html)
    page = read_page(rendered_dom(path, profile))
    front = pl.read_parquet(explored / "pareto.parquet")
    trials = pl.read_parquet(explored / "trials.parquet")

    # the Pareto plot, and one breakdown plot per chosen design
    assert "pareto-plot" in page.svgs
    breakdowns = [key for key in page.svgs if key.startswith("design-")]
    chosen = page.tables["chosen"]
    assert len(breakdowns) == len(chosen) >= 2

    # the front table lists the front as the run wrote it
    assert len(page.tables["front"]) == front.height
    assert [c.value for c in page.column("front", "energy (pJ) ↓")] == front["energy_pj"].to_list()
    assert [c.value for c in page.column("front", "power (mW) ↓")] == front["power_mw"].to_list()

    # trial counts: 32 trials, 16 per backend (trials split evenly)
    assert page.values("trial-counts", "all")["trials"] == 32 == trials.height
    assert page.values("trial-counts", "ottati2023-ann")["trials"] == 16

    # the min-energy design is an ANN trial; its layers recomputed by hand
    energy_row = next(row for row in chosen if "min energy_pj" in row[0].text)
    assert energy_row[2].text == "ottati2023-ann"
    key = f"design-{chosen.index(energy_row)}-table"
    assert page.classes[key] == "breakdown"
    for layer, expected in ANN_LAYERS.items():
        got = page.values(key, layer)
        assert {name: got[name] for name in expected} == pytest.approx(expected)
    assert page.values(key, "total")["energy (pJ)"] == pytest.approx(ANN_TOTAL_PJ)
    assert page.values(key, "total")["cycles"] == 52
    assert trials["energy_pj"].min() == pytest.approx(ANN_TOTAL_PJ)  # the run recorded the same total

    # the knee is chosen, and every chosen design is on the front
    assert any("knee" in row[0].text for row in chosen)
    assert {row[1].text for row in chosen} <= {f"{r['study']}#{r['trial']}" for r in front.iter_rows(named=True)}

    # provenance: versions, input hashes, seed, sampler, trials, the space
    meta = pl.read_parquet_metadata(explored / "trials.parquet")
    assert page.row("versions", "trials.parquet")[1].text == dse.__version__
    hashes = {(r[0].text, r[1].text): r[2].text for r in page.tables["inputs"]}
    assert hashes[("trials.parquet", "space")] == meta["input_hash.space"]
    assert hashes[("trials.parquet", "workload")] == meta["input_hash.workload"]
    assert page.values("run", "seed")["value"] == SEED
    assert page.values("run", "trials")["value"] == SPACE["trials"]
    assert json.loads(page.row("run", "sampler")[1].text) == {"name": "random", "batch_size": 16}
    assert page.row("run", "run.json: kind")[1].text == "explore"
    assert page.row("space-backends", "ottati2023-snn")[3].text == "timesteps: categorical 2 | 4"


def test_page_paints_its_plots(explore_page: Path, profile: Path, tmp_path: Path) -> None:
    from matplotlib.image import imread

    image = imread(screenshot(explore_page, profile, tmp_path / "shot.png"))
    assert image.shape[:2] == (1000, 1280)
    # the header band is dark blue (#23395d), plots and tables draw far more than one colour
    assert np.allclose(image[20, 640, :3], [0x23 / 255, 0x39 / 255, 0x5D / 255], atol=0.02)
    assert len(np.unique(image[:, :, :3].reshape(-1, 3), axis=0)) > 50


def test_comparison_page_shows_crossover_and_break_even(dse_cli: Run, compared: Path, profile: Path) -> None:
    path = report(dse_cli, compared)
    offline(path.read_text())
    page = read_page(rendered_dom(path, profile))
    summary = json.loads((compared / "breakeven.json").read_text())
    assert "crossover-plot" in page.svgs
    rows = page.tables["break-even"]
    assert [r[0].value for r in rows] == [1, 2, 4, 8]
    for row, point in zip(rows, summary["break_even"], strict=True):
        assert row[1].value == point["spike_density"]  # exactly the file's numbers
        # ottati2023.md: T · d* ≈ 1.83 · d_ANN, d_ANN = 0.1 → d* ≈ 0.183 / T
        assert row[1].value == pytest.approx(0.183 / row[0].value, rel=0.015)
        assert row[3].text == "below d*"
    # ANN energy of the paper CNN at d = 0.1: 12×12 outputs × 512×9 taps = 663,552 synapses,
    # × 0.1 = 66,355.2 MACs × (2.5 + 2.5 + 0.23) pJ + 144 writes × 2.5 pJ = 347,397.7 pJ
    assert "ANN: 347398 pJ per inference" in page.text
    assert page.row("versions", "compare.parquet")[1].text == dse.__version__


def test_evaluations_page_shows_each_design(dse_cli: Run, evaluated: Path, profile: Path) -> None:
    path = report(dse_cli, evaluated, "--out", evaluated / "pages" / "evaluations.html")
    offline(path.read_text())
    page = read_page(rendered_dom(path, profile))
    totals = {row[0].text: row[5].value for row in page.tables["evaluations-table"]}
    assert totals == pytest.approx({"ann.parquet": ANN_TOTAL_PJ, "snn.parquet": SNN_T1_TOTAL_PJ})
    assert {"eval-0-plot", "eval-1-plot"} <= set(page.svgs)
    assert page.values("eval-0-table", "conv1")["energy (pJ)"] == pytest.approx(208.28)
    assert page.values("eval-1-table", "conv1")["energy (pJ)"] == pytest.approx(146.70828125)
    assert not (evaluated / "report.html").exists()


def test_sweep_directory_reports_its_front(dse_cli: Run, inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    code, _, err = dse_cli("sweep", inputs / "space.yaml", "--grid", "--grid-points", "3", "--out", out)
    assert code == 0, err
    page = read_page(report(dse_cli, out).read_text())
    front = pl.read_parquet(out / "pareto.parquet")
    # grid: ANN 3 clocks, SNN 3 clocks × T ∈ {2, 4}: 9 points
    assert page.values("trial-counts", "all")["trials"] == 9
    assert [c.value for c in page.column("front", "latency (s) ↓")] == front["latency_s"].to_list()
    energy = next(r for r in page.tables["chosen"] if "min energy_pj" in r[0].text)
    assert page.values(f"design-{page.tables['chosen'].index(energy)}-table", "total")["energy (pJ)"] == \
        pytest.approx(ANN_TOTAL_PJ)


def test_a_sweep_report_reads_no_column_it_does_not_show(dse_cli: Run, inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    assert dse_cli("sweep", inputs / "space.yaml", "--grid", "--grid-points", "3", "--out", out)[0] == 0
    # the worker column (host:pid of this process, which ran the sweep) made undecodable:
    # bytes that are not UTF-8, of the same length, so that each file's layout holds
    worker = f"{socket.gethostname()}:{os.getpid()}".encode()
    for chunk in (out / "points").iterdir():
        chunk.write_bytes(chunk.read_bytes().replace(worker, b"\xff" * len(worker)))
    with pytest.raises(pl.exceptions.ComputeError, match="invalid UTF-8"):
        pl.read_parquet(out / "points")
    page = read_page(report(dse_cli, out).read_text())
    assert page.values("trial-counts", "all")["trials"] == 9  # as in the test above


def test_same_directory_gives_the_same_page(dse_cli: Run, compared: Path, tmp_path: Path) -> None:
    first = report(dse_cli, compared, "--out", tmp_path / "a.html").read_bytes()
    assert report(dse_cli, compared, "--out", tmp_path / "b.html").read_bytes() == first


def test_missing_workload_leaves_a_note_not_a_failure(dse_cli: Run, explored: Path, inputs: Path,
                                                      tmp_path: Path) -> None:
    workload = inputs / "tiny.yaml"
    moved = tmp_path / "tiny.yaml"
    shutil.move(workload, moved)
    try:
        page = read_page(report(dse_cli, explored, "--out", tmp_path / "r.html").read_text())
    finally:
        shutil.move(moved, workload)
    assert not any(key.startswith("design-") for key in page.svgs)
    assert "Not recomputed: space workload:" in page.text and str(workload) in page.text
    assert len(page.tables["front"]) == pl.read_parquet(explored / "pareto.parquet").height


def _absent(folder: Path) -> Path:
    return folder / "absent"


def _a_file(folder: Path) -> Path:
    (folder / "f.txt").write_text("x")
    return folder / "f.txt"


def _damaged_trials(folder: Path) -> Path:
    (folder / "trials.parquet").write_bytes(b"PAR1 not a Parquet file")
    return folder


@pytest.mark.parametrize(("make", "needle"), [
    (_absent, "absent: no such directory"),
    (lambda folder: folder, "nothing to report"),
    (_a_file, "not a directory"),
    (_damaged_trials, "trials.parquet: not a readable Parquet file"),
])
def test_bad_directories_give_one_line_and_exit_2(dse_cli: Run, tmp_path: Path, make, needle: str) -> None:
    code, _, err = dse_cli("report", make(tmp_path))
    assert code == 2
    assert needle in err and len(err.strip().splitlines()) == 1


def test_out_must_be_html(dse_cli: Run, compared: Path, tmp_path: Path) -> None:
    code, _, err = dse_cli("report", compared, "--out", tmp_path / "r.pdf")
    assert code == 2 and "name an .html file" in err


def test_designs_are_recomputed_with_the_densities_an_accuracy_model_measured(inputs: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from dse.cli.app import build_app
    from dse.plugin.manager import make_plugins
    from tests.report import quarter_density

    plugins = make_plugins(extra=[quarter_density])
    space = {**SPACE, "backends": SPACE["backends"][:1], "trials": 8, "accuracy": {"model": "quarter-density"}}
    write(inputs / "measured.yaml", space)
    runner, app = CliRunner(), build_app(plugins)
    out = tmp_path / "measured"
    for args in (["explore", inputs / "measured.yaml", "--out", out], ["report", out]):
        result = runner.invoke(app, [str(a) for a in args], obj=plugins)
        assert result.exit_code == 0, result.stderr
    page = read_page((out / "report.html").read_text())
    # ANN at the measured density 0.25: conv1 18 MACs → 45 + 45 + 20 + 18 × 0.23 = 114.14 pJ;
    # fc 8 MACs → 20 + 20 + 10 + 8 × 0.23 = 51.84 pJ; 165.98 pJ, as the run recorded
    assert page.values("design-0-table", "conv1")["energy (pJ)"] == pytest.approx(114.14)
    assert page.values("design-0-table", "total")["energy (pJ)"] == pytest.approx(165.98)
    assert pl.read_parquet(out / "trials.parquet")["energy_pj"].min() == pytest.approx(165.98)
    assert "pJ, the run recorded" not in page.text  # no recomputed total differs from its record


def test_a_recomputed_total_that_differs_from_the_record_is_flagged(dse_cli: Run, explored: Path,
                                                                    tmp_path: Path) -> None:
    from dse.results.atomic import write_parquet_atomic

    copy = tmp_path / "copy"
    copy.mkdir()
    front = pl.read_parquet(explored / "pareto.parquet")
    doubled = front.with_columns(pl.col("energy_pj") * 2)  # as if the model had changed since the run
    write_parquet_atomic(doubled, copy / "pareto.parquet", pl.read_parquet_metadata(explored / "pareto.parquet"))
    page = read_page(report(dse_cli, copy).read_text())
    # 301.96 pJ recomputed (hand calculation above) against 603.92 pJ in the file
    assert "(recomputed 301.96 pJ, the run recorded 603.92 pJ)" in page.text
    assert "Only the front was found" in page.text
