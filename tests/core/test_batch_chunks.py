"""Batches in chunks (dse.in_chunks): the same rows in the same order, and memory that does not
grow with designs x layers x components."""

from __future__ import annotations

import tracemalloc

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dse import BATCH_COLUMNS, batch_schema, in_chunks
from dse.plugin import batching
from dse.plugin.manager import make_plugins
from dse.testing import conformance_workload_set

PLUGINS = make_plugins()
TECH = PLUGINS.technology("horowitz45")


def echo(part: pl.DataFrame) -> pl.DataFrame:
    """A batch frame whose energy is the row's ``x`` and whose error names its ``g``."""
    n = part.height
    return pl.DataFrame({"energy_pj": part["x"], **{c: np.zeros(n) for c in BATCH_COLUMNS[1:5]},
                         "memory_fits": np.ones(n, dtype=bool),
                         "error": [None if g else "g is 0" for g in part["g"]]}, schema=batch_schema())


@settings(max_examples=50, deadline=None)
@given(xs=st.lists(st.tuples(st.floats(-1e6, 1e6), st.integers(0, 3)), max_size=40), rows=st.integers(1, 9),
       grouped=st.booleans())
def test_chunks_keep_every_row_in_its_place(xs: list[tuple[float, int]], rows: int, grouped: bool) -> None:
    frame = pl.DataFrame({"x": [x for x, _ in xs], "g": [g for _, g in xs]}, schema={"x": pl.Float64, "g": pl.Int64})
    out = in_chunks(echo, frame, rows, by=("g",) if grouped else ())
    assert out.columns == list(BATCH_COLUMNS) and out["energy_pj"].to_list() == frame["x"].to_list()
    assert out["error"].to_list() == [None if g else "g is 0" for g in frame["g"]]


def random_frame(backend: str, n: int) -> pl.DataFrame:
    rng = np.random.default_rng(0)
    if backend == "systolic":
        return pl.DataFrame({"rows": rng.integers(4, 129, n), "cols": rng.integers(4, 129, n),
                             "dataflow": rng.choice(["os", "ws", "is"], n),
                             "latency_model": rng.choice(["scalesim", "bandwidth"], n)})
    if backend == "snn":
        return pl.DataFrame({"cores": rng.integers(1, 257, n), "timesteps": rng.integers(1, 9, n),
                             "state_update": rng.choice(["per_event", "per_active_neuron", "sorted_time"], n)})
    return pl.DataFrame({"split_after": rng.integers(0, 3, n), "ann.rows": rng.integers(4, 65, n),
                         "snn.cores": rng.integers(1, 65, n)})


@pytest.mark.parametrize("backend", ["systolic", "snn", "hybrid"])
def test_a_batch_needs_memory_for_its_results_and_one_chunk_only(backend: str, monkeypatch) -> None:
    # 10^4 designs in chunks of 1024 on the conformance CNN (L = 7 layers). What a batch may hold:
    # per design, its 6 result columns, its place in the order and its row hash (64 B); per chunk,
    # (16 L + 400) float64 arrays of 1024 (per-layer matrices and one layer's temporaries):
    # 10^4 x 64 B + 1024 x 8 B x (16 x 7 + 400) = 0.64 MB + 4.2 MB = 4.8 MB. Costing every design
    # at once with every layer's 12 components kept would take 10^4 x 7 x 12 x 8 B = 6.7 MB and more.
    workload = conformance_workload_set()[0]
    n, chunk = 10_000, 1024
    monkeypatch.setattr(batching, "CHUNK_ROWS", chunk)
    bound = n * 64 + chunk * 8 * (16 * len(workload.layers) + 400)
    b, frame = PLUGINS.backend(backend), random_frame(backend, n)
    b.cost_batch(workload, frame.head(10), TECH)  # imports and caches outside the measurement
    tracemalloc.start()
    try:
        out = b.cost_batch(workload, frame, TECH)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert out["error"].null_count() == n
    assert peak < bound, f"{peak / 2**20:.1f} MB traced, bound {bound / 2**20:.1f} MB"


@settings(max_examples=30, deadline=None)
@given(groups=st.lists(st.sampled_from(["os", "ws", "is"]), min_size=2, max_size=60), seed=st.integers(0, 2**16),
       rows=st.integers(1, 9))
def test_chunks_take_rows_of_one_group_and_a_range_of_an_integer_column(groups: list[str], seed: int,
                                                                        rows: int) -> None:
    # in_chunks orders rows by its by-columns, the first most significant: a chunk spans as few
    # groups as it can, and within a group a range of the integer column (a hybrid's split points)
    splits = np.random.default_rng(seed).integers(-3, 40, len(groups))
    frame = pl.DataFrame({"x": np.arange(len(groups), dtype=float), "g": groups, "k": splits})
    seen: list[pl.DataFrame] = []

    def record(part: pl.DataFrame) -> pl.DataFrame:
        seen.append(part)
        return echo(part.with_columns(g=pl.lit(1)))

    out = in_chunks(record, frame, rows, by=("g", "k"))
    assert out["energy_pj"].to_list() == frame["x"].to_list()
    if len(groups) <= rows:
        return
    order = pl.concat(seen)
    changes = (order["g"] != order["g"].shift(1)).sum()
    assert changes == order["g"].n_unique() - 1  # each group's rows are contiguous
    for _, group in order.group_by("g", maintain_order=True):
        keys = group["k"].to_list()
        assert keys == sorted(keys)  # a group's rows in the order of k: each chunk a range of it
