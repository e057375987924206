"""`dse evaluate model.onnx|model.nir`, `dse zoo list`, `dse workload show`, and bad files (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import write

ARCH_ANN = {"backend": "ottati2023-ann", "name": "ann", "technology": "horowitz45", "params": {}}
ARCH_SNN = {"backend": "ottati2023-snn", "name": "snn", "technology": "horowitz45", "params": {}}


def test_evaluate_onnx_and_nir_files(cli, models, tmp_path: Path) -> None:
    for model, arch in ((models["cnn_helper"], ARCH_ANN), (models["snn_conv"], ARCH_SNN)):
        code, out, err = cli("evaluate", model, write(tmp_path / "a.yaml", arch), "--json")
        assert code == 0, err
        doc = json.loads(out)
        assert doc["totals"]["energy_pj"] > 0
    assert [l["name"] for l in doc["layers"]] == ["conv", "pool", "flat", "fc"]
    assert doc["timesteps"] == 8


def test_evaluate_with_activity_gives_the_hand_worked_energy(cli, models, tmp_path: Path) -> None:
    write(tmp_path / "act.json", {"fc1": {"input_density": 0.25, "output_density": 0.5},
                                  "fc2": {"output_density": 0.1}})
    code, out, err = cli("evaluate", models["snntorch_like"], write(tmp_path / "a.yaml", ARCH_ANN),
                         "--activity", tmp_path / "act.json", "--json")
    assert code == 0, err
    # ottati2023.md ANN, 8 bits: 5.23 pJ per non-zero MAC (2 reads of 2.5 + 0.2 + 0.03), 2.5 per output.
    # fc1: 8,192 * 0.25 = 2,048 MACs → 10,711.04 + 128 * 2.5 = 11,031.04
    # fc2 reads fc1's measured output, 0.5: 1,280 * 0.5 = 640 → 3,347.2 + 10 * 2.5 = 3,372.2
    assert json.loads(out)["totals"]["energy_pj"] == pytest.approx(14_403.24)


def test_zoo_list_names_every_entry(cli) -> None:
    code, out, _ = cli("zoo", "list", "--json")
    assert code == 0
    names = [row["name"] for row in json.loads(out)]
    assert names == ["zoo:paper-cnn", "zoo:paper-fc", "zoo:digits-mlp", "zoo:lenet5-mnist", "zoo:vgg9-cifar10",
                     "zoo:resnet18-imagenet", "zoo:mobilenetv1-imagenet",
                     "zoo:efficientnet-b0-imagenet", "zoo:dvs-gesture-scnn", "zoo:shd-rsnn",
                     "zoo:vit-b16-imagenet", "zoo:bert-base-seq128", "zoo:gpt2-small", "zoo:spikformer-cifar10",
                     "zoo:spike-driven-transformer-imagenet"]
    code, text, _ = cli("zoo", "list")
    assert code == 0 and "resnet18" in text


def test_workload_show_prints_counts_and_density_sources(cli, models, tmp_path: Path) -> None:
    (tmp_path / "act.csv").write_text("layer,input_density,output_density\nfc1,0.25,0.5\n")
    code, out, _ = cli("workload", "show", models["snntorch_like"], "--activity", tmp_path / "act.csv", "--json")
    assert code == 0
    doc = json.loads(out)
    fc1, fc2 = doc["layers"]
    assert (fc1["in_shape"], fc1["out_shape"], fc1["macs"]) == ([64], [128], 8_192)
    # synops = T * MACs * d_in * weight density = 8 * 8,192 * 0.25 = 16,384
    assert fc1["synops"] == pytest.approx(16_384)
    assert fc1["footprint_bits"] == {"weights": 8_192 * 8, "neuron_state": 128 * 8}
    assert fc1["input_density_source"] == f"measured: {tmp_path / 'act.csv'}"
    assert fc2["input_density_source"] == f"measured: {tmp_path / 'act.csv'}"  # fc1's measured output
    assert fc2["output_density_source"].startswith("default: 0.1 spikes")
    code, text, _ = cli("workload", "show", models["cnn_helper"])
    assert code == 0 and "densities (non-zero fraction per step) came from" in text and "metrics.md" in text


@pytest.mark.parametrize("fixture, needle", [
    ("truncated", "not a readable ONNX model"),
    ("random_onnx", "not a readable ONNX model"),
    ("random_nir", "not an HDF5 file"),
    ("not_nir", "not a NIR graph"),
    ("unsupported_onnx", "node 'upsample' (ConvTranspose) is not supported"),
    ("unsupported_nir", "node 'fc2' has type 'Spiky'"),
])
def test_bad_files_get_one_line_and_exit_code_2(cli, models, tmp_path: Path, fixture: str, needle: str) -> None:
    path = models[fixture]
    for args in (("workload", "show", path), ("evaluate", path, write(tmp_path / "a.yaml", ARCH_ANN))):
        code, _, err = cli(*args)
        lines = err.strip().splitlines()
        assert code == 2 and len(lines) == 1
        assert str(path) in lines[0] and needle in lines[0]


def test_unknown_zoo_name_lists_the_known_ones(cli, tmp_path: Path) -> None:
    code, _, err = cli("evaluate", "zoo:alexnet", write(tmp_path / "a.yaml", ARCH_ANN))
    assert code == 2 and "zoo:alexnet: no such zoo workload (known: paper-cnn" in err
