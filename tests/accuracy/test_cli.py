"""`dse accuracy`: one accuracy-model call from the shell."""

from __future__ import annotations

import json

import pytest


def test_dse_accuracy_prints_the_table_value_as_json(cli):
    code, out, _ = cli("accuracy", "zoo:digits-mlp", "-k", "kind=snn", "-k", "timesteps=8", "-k", "weight_bits=4",
                       "--json")
    assert code == 0
    doc = json.loads(out)
    # accuracy_digits.md: SNN T = 8, 4-bit QAT weights: 0.966.
    assert doc["value"] == pytest.approx(0.966)
    assert doc["source"].startswith("table digits-mlp.csv: snn T=8 w4 rate LIF(0.9)")


@pytest.mark.parametrize(("args", "message"), [
    (("-k", "bits"), "dse: --knob: expected NAME=VALUE (got 'bits')"),
    (("-k", "kind=snn", "-k", "timesteps=64"), "timesteps=64 is outside the measured range 1..16"),
    (("-m", "digits-proxy", "-p", "epochs=0"), "dse: --param: epochs: Input should be greater than or equal to 1"),
    (("-m", "oracle",), "unknown accuracy model 'oracle' (known: digits-proxy, table)"),
])
def test_bad_input_is_one_line_and_exit_code_2(cli, args, message):
    code, _, err = cli("accuracy", "zoo:digits-mlp", *args)
    assert code == 2
    lines = [line for line in err.splitlines() if line.startswith("dse:")]
    assert len(lines) == 1 and message in lines[0]
