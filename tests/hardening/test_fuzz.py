"""Fuzzing the input files: whatever a workload, architecture or space file holds, `dse
validate` answers with a result or one DseInputError line; never another exception (a
traceback for the user) and never more than 5 s (hypothesis' deadline) for one file.

Documents are valid examples with values replaced at random paths, random documents, and
random text, written as YAML or JSON; 1,000 examples run in process (about 20 s).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dse.errors import MAX_LINE, DseInputError
from dse.inputs.json_schema import validate_any
from dse.plugin.manager import Plugins, make_plugins

ROOT = Path(__file__).resolve().parents[2]
FUZZ_EXAMPLES = int(os.environ.get("DSE_FUZZ_EXAMPLES", "1000"))

WORKLOAD = yaml.safe_load((ROOT / "examples" / "workloads" / "paper-cnn.yaml").read_text())
ARCHITECTURES = [yaml.safe_load((ROOT / "examples" / "architectures" / name).read_text())
                 for name in ("systolic.yaml", "snn.yaml", "hybrid.yaml", "ottati-snn.yaml")]
SPACE = {"name": "fuzz", "workload": "w.yaml", "objectives": {"energy_pj": "minimize", "latency_s": "minimize"},
         "constraints": ["area_mm2 <= 4"],
         "backends": [{"backend": "systolic", "technology": "horowitz45",
                       "params": {"rows": {"type": "int", "low": 4, "high": 64}, "dataflow": "ws"}}],
         "knobs": {"input_density": {"type": "float", "low": 0.1, "high": 1.0}},
         "sampler": {"name": "nsga2", "population_size": 10}, "trials": 20, "seed": 0}
SEEDS = [WORKLOAD, *ARCHITECTURES, SPACE]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=2**62, max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True), st.floats(min_value=-1e-300, max_value=1e-300),
    st.text(max_size=20), st.sampled_from(["conv2d", "dense", "pool", "systolic", "snn", "hybrid", "horowitz45",
                                           "zoo:digits-mlp", "minimize", "w.yaml", "1e308", "-1"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(st.text(max_size=12), inner, max_size=4)),
                      max_leaves=12)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``doc``."""
    found = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found += _paths(value, (*prefix, index))
    return found


def _replaced(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = json.loads(json.dumps(doc))
    node = copy
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return copy


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    doc = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 3))):
        doc = _replaced(doc, draw(st.sampled_from(_paths(doc))), draw(values))
    return doc


def _text(doc: Any, as_json: bool) -> str:
    if as_json:
        return json.dumps(doc, allow_nan=True)  # NaN and Infinity too: a JSON file may hold them
    try:
        return yaml.dump(doc, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper))
    except yaml.YAMLError:
        return str(doc)


documents = st.one_of(
    st.tuples(mutated(), st.booleans()).map(lambda pair: (_text(pair[0], pair[1]), pair[1])),
    st.tuples(values, st.booleans()).map(lambda pair: (_text(pair[0], pair[1]), pair[1])),
    st.tuples(st.text(max_size=200), st.booleans()),
)


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    return make_plugins()


@pytest.mark.slow
@settings(max_examples=FUZZ_EXAMPLES, deadline=5000, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                   HealthCheck.function_scoped_fixture])
@given(document=documents)
def test_any_input_file_is_a_result_or_one_line(document: tuple[str, bool], plugins: Plugins,
                                                tmp_path_factory: pytest.TempPathFactory) -> None:
    text, as_json = document
    folder = tmp_path_factory.getbasetemp() / "fuzz"
    folder.mkdir(exist_ok=True)
    (folder / "w.yaml").write_text(yaml.safe_dump(WORKLOAD))
    path = folder / ("doc.json" if as_json else "doc.yaml")
    path.write_text(text)
    try:
        answer = validate_any(str(path), plugins)
    except DseInputError as error:
        answer = str(error)
    assert "\n" not in answer and len(answer) <= MAX_LINE + len(str(path)), answer
