"""The parts of a report page: which designs are chosen, and SVG made fit for inline HTML."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from dse.report.designs import choose, knee_index
from dse.report.html import inline_svg, number_text, table
from tests.report.dom import read_page


def test_knee_of_a_symmetric_front_is_its_middle() -> None:
    # scaled to [0, 1]: (0, 1), (0.4, 0.4), (1, 0); distances to (0, 0): 1, 0.566, 1
    assert knee_index(np.array([[0.0, 10.0], [4.0, 4.0], [10.0, 0.0]])) == 1


def test_choose_names_best_per_objective_and_merges_roles() -> None:
    front = pl.DataFrame({"study": ["s"] * 3, "trial": [0, 1, 2], "energy_pj": [1.0, 2.0, 5.0],
                          "accuracy": [0.5, 0.8, 0.9]})
    chosen = choose(front, {"energy_pj": "minimize", "accuracy": "maximize"})
    # scaled (minimised: energy, −accuracy): (0, 1), (0.25, 0.25), (1, 0) → knee is trial 1
    assert [(c.roles, c.key) for c in chosen] == [(("min energy_pj",), "s#0"), (("max accuracy",), "s#2"),
                                                  (("knee",), "s#1")]
    alone = choose(front.head(1), {"energy_pj": "minimize", "accuracy": "maximize"})
    assert [c.roles for c in alone] == [("min energy_pj", "max accuracy", "knee")]


points = st.integers(1, 12).flatmap(lambda n: st.lists(
    st.tuples(st.integers(0, 1000), st.integers(0, 1000), st.integers(0, 1000)), min_size=n, max_size=n))


@settings(max_examples=60, deadline=None)
@given(points, st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(0, 6)),
       st.tuples(st.integers(-500, 500), st.integers(-500, 500), st.integers(-500, 500)))
def test_knee_does_not_depend_on_units(rows: list[tuple[int, int, int]], powers: tuple[int, ...],
                                       shifts: tuple[int, ...]) -> None:
    """Scaling an objective by 2^k and shifting it (exact in binary floating point) keeps the knee."""
    p = np.array(rows, dtype=float)
    assert knee_index(p * 2.0 ** np.array(powers) + np.array(shifts)) == knee_index(p)


@settings(max_examples=60, deadline=None)
@given(points)
def test_each_best_design_is_best_in_its_objective(rows: list[tuple[int, int, int]]) -> None:
    frame = pl.DataFrame(rows, schema=["a", "b", "c"], orient="row").with_row_index("trial")
    objectives = {"a": "minimize", "b": "maximize", "c": "minimize"}
    chosen = choose(frame, objectives)
    for name, direction in objectives.items():
        best = max(frame[name]) if direction == "maximize" else min(frame[name])
        word = "max" if direction == "maximize" else "min"
        assert [c.row[name] for c in chosen if f"{word} {name}" in c.roles] == [best]
    assert sum(len(c.roles) for c in chosen) == 4  # three objectives and the knee, each once
    assert len({c.row["trial"] for c in chosen}) == len(chosen)


def test_inline_svg_has_no_prolog_namespace_urls_or_shared_ids() -> None:
    svg = ('<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
           '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
           '<svg xmlns:xlink="http://www.w3.org/1999/xlink" width="10pt" xmlns="http://www.w3.org/2000/svg">'
           '<defs><path id="m1" d="M 0 0"/><clipPath id="p1"><rect/></clipPath></defs>'
           '<use xlink:href="#m1" x="1"/><g clip-path="url(#p1)"/></svg>')
    one, two = inline_svg(svg, "a"), inline_svg(svg, "b")
    assert one == ('<svg width="10pt"><defs><path id="a-m1" d="M 0 0"/><clipPath id="a-p1"><rect/></clipPath>'
                   '</defs><use xlink:href="#a-m1" x="1"/><g clip-path="url(#a-p1)"/></svg>')
    assert 'id="b-m1"' in two and "http" not in one


def test_table_cells_keep_exact_values_and_escape_text() -> None:
    page = read_page(table(["name", "x", "n"], [["<b>&", 0.1 + 0.2, 1234]], table_id="t"))
    row = page.tables["t"][0]
    assert row[0].text == "<b>&"
    assert (row[1].text, row[1].value) == ("0.3", 0.30000000000000004)
    assert (row[2].text, row[2].value) == ("1,234", 1234)
    assert number_text(float("nan")) == "nan" and number_text(True) == "yes"


def test_lowest_energy_is_chosen_when_energy_is_not_an_objective() -> None:
    front = pl.DataFrame({"study": ["s"] * 3, "trial": [0, 1, 2], "latency_s": [1.0, 2.0, 3.0],
                          "area_mm2": [3.0, 2.0, 1.0], "energy_pj": [9.0, 4.0, 7.0]})
    chosen = choose(front, {"latency_s": "minimize", "area_mm2": "minimize"})
    # knee: scaled (0, 1), (0.5, 0.5), (1, 0) → trial 1, which also has the lowest energy
    assert [(c.roles, c.key) for c in chosen] == [(("min latency_s",), "s#0"), (("min area_mm2",), "s#2"),
                                                  (("knee", "min energy_pj"), "s#1")]
