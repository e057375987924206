"""What a new user meets first: --version, help that shows flags as flags, the plugin listing,
the licence and citation files, and a refusal that names the resource that ran out."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import yaml

import dse
from dse.extras import DISTRIBUTION
from tests.conftest import PAPER_CNN, write

ROOT = Path(__file__).resolve().parents[2]


def test_version_prints_the_package_version(cli) -> None:
    code, out, _ = cli("--version")
    assert code == 0 and out.strip() == f"dse {dse.__version__}"


def test_help_shows_on_off_options_as_flags(cli) -> None:
    for args in (("--help",), ("evaluate", "--help"), ("plugins", "--help"), ("zoo", "list", "--help")):
        code, out, _ = cli(*args)
        assert code == 0
        assert "<bool>" not in out, args
    _, out, _ = cli("evaluate", "--help")
    assert re.search(r"--json\s+print the result as JSON", out)
    assert re.search(r"--out\s+<path>", out)  # options that take a value keep their type


def test_plugins_table_keeps_square_brackets(cli) -> None:
    # the onnx loader's description ends "needs the [formats] extra": rich must not read it as markup
    code, out, _ = cli("plugins")
    assert code == 0 and "[formats]" in out


def test_licence_is_the_one_pyproject_declares() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"]
    assert declared == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def test_citation_names_the_project_and_the_seed_paper() -> None:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["license"] == "MIT" and cff["version"] == dse.__version__
    paper = cff["preferred-citation"]
    # docs/references/ottati2023.md: IEEE JETCAS 13(4), pp. 1015-1025, 2023
    assert paper["doi"] == "10.1109/JETCAS.2023.3330432"
    assert (paper["volume"], paper["issue"], paper["start"], paper["end"], paper["year"]) == (13, 4, 1015, 1025, 2023)
    assert paper["authors"][0]["family-names"] == "Ottati" and len(paper["authors"]) == 7
    assert "To Spike or Not To Spike" in paper["title"]


def test_a_chip_short_of_neuron_slots_says_so_not_memory(cli, tmp_path: Path) -> None:
    # paper-cnn has 1 x 12 x 12 = 144 output neurons; one core holds 100 of them. Its SRAMs
    # are ample: weights 4,608 x 8 bits = 4.5 KiB of 128 KiB; potentials 144 x 16 bits of 16 KiB.
    arch = write(tmp_path / "a.yaml", {"backend": "snn", "name": "tiny", "technology": "horowitz45", "params": {
        "cores": 1, "neurons_per_core": 100, "weight_sram_kib": 128, "state_sram_kib": 16}})
    workload = write(tmp_path / "w.yaml", PAPER_CNN)
    code, out, _ = cli("evaluate", workload, arch, "--json")
    doc = json.loads(out)
    assert code == 0 and doc["totals"]["memory_fits"] is False
    assert "does not fit on chip: not enough neuron slots" in doc["notes"]
    code, out, _ = cli("evaluate", workload, arch)
    assert "does not fit on chip" in out and "memory does not fit" not in out


def test_a_systolic_array_short_of_filter_sram_names_the_layer(cli, tmp_path: Path) -> None:
    # weight-stationary 128 x 128 on paper-cnn (fan-in 4,608, one output channel): the stationary
    # tile is 128 x 1 weights x 8 bits, double-buffered = 2,048 bits > 0.125 KiB = 1,024 bits
    arch = write(tmp_path / "a.yaml", {"backend": "systolic", "name": "s", "technology": "horowitz45", "params": {
        "rows": 128, "cols": 128, "dataflow": "ws", "filter_sram_kib": 0.125}})
    code, out, _ = cli("evaluate", write(tmp_path / "w.yaml", PAPER_CNN), arch, "--json")
    doc = json.loads(out)
    assert code == 0 and doc["totals"]["memory_fits"] is False
    assert "does not fit on chip: a stationary tile of conv exceeds half its SRAM" in doc["notes"]


def test_the_distribution_is_not_the_unrelated_dse_on_the_index() -> None:
    # pypi.org/project/dse is a Django bulk-insert tool; dse ships as dse-accel, command and import stay dse
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == DISTRIBUTION == "dse-accel"
    assert project["scripts"] == {"dse": "dse.cli.app:main"}
    # a plugin made by `dse new-plugin` depends on this distribution, whatever it is called
    from dse.plugin.scaffold import placeholders

    assert placeholders("toy")["__DSE_REQUIREMENT__"] == DISTRIBUTION


def test_every_install_hint_works_from_a_checkout_and_from_the_index() -> None:
    assert dse.install_hint("train") == "pip install -e '.[train]' in a checkout, or pip install 'dse-accel[train]'"
    stale = [f"{path.relative_to(ROOT)}:{number}"
             for pattern in ("dse/**/*.py", "plugins/**/*.py", "docs/*.md", "README.md", "examples/**/*.md")
             for path in ROOT.glob(pattern)
             for number, line in enumerate(path.read_text().splitlines(), 1)
             if re.search(r"pip install '?dse\[", line)]
    assert not stale, f"install hints naming the unrelated 'dse' distribution: {stale}"
