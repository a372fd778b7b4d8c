"""The class report's statistics: difficulty p and point-biserial discrimination (grader/report/stats.py).

First the hand-worked example of the module docstring, then properties (hypothesis), then an
independent oracle: numpy.corrcoef on the rest score computed here, item by item.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from grader.report import stats


def test_the_docstring_example_by_hand():
    # passed: rest 10 and 8 (mean 9); failed: rest 2 and 0 (mean 1); population sd of the rest
    # scores sqrt(((10-5)^2 + (8-5)^2 + (2-5)^2 + (0-5)^2) / 4) = sqrt(17); p = 1/2
    expected = (9 - 1) / math.sqrt(17) * math.sqrt(0.5 * 0.5)
    assert math.isclose(stats.point_biserial([1, 1, 0, 0], [10, 8, 2, 0]), expected)
    assert math.isclose(expected, 0.9701, abs_tol=5e-5)
    assert stats.difficulty([1, 1, 1, 0]) == 0.75


def test_constant_item_or_rest_is_undefined_and_shown_as_na():
    assert math.isnan(stats.point_biserial([1, 1, 1], [3, 5, 9]))
    assert math.isnan(stats.point_biserial([0, 0, 0], [3, 5, 9]))
    assert math.isnan(stats.point_biserial([1, 0, 1], [4, 4, 4]))
    assert stats.shown(stats.point_biserial([1, 1], [1, 2])) == "n/a"
    assert stats.shown(0.97014) == "0.97"


def test_describe_quartiles_like_a_spreadsheet():
    d = stats.describe([0, 50, 100])
    assert (d["n"], d["mean"], d["q1"], d["median"], d["q3"], d["min"], d["max"]) == (3, 50, 25, 50, 75, 0, 100)


items_and_class = st.integers(2, 40).flatmap(lambda n: st.tuples(
    arrays(np.int8, (n, 6), elements=st.integers(0, 1)),
    arrays(np.float64, 6, elements=st.sampled_from([1.0, 2.0, 3.0]))))


@given(items_and_class)
@example((np.array([[1, 0, 1, 1, 0, 0], [1, 1, 1, 1, 0, 0], [1, 0, 0, 1, 1, 0]], dtype=np.int8),
          np.array([1.0, 2.0, 1.0, 1.0, 3.0, 1.0])))
def test_p_in_unit_interval_and_discrimination_matches_numpy_corrcoef(data):
    matrix, points = data
    x = matrix.astype(float)
    totals = x @ points
    p = x.mean(axis=0)
    r = stats.discriminations(x, points, totals)
    assert ((0 <= p) & (p <= 1)).all()
    for j in range(x.shape[1]):
        rest = totals - x[:, j] * points[j]          # the rest score, computed here, item excluded
        assert 0 <= stats.difficulty(x[:, j]) <= 1
        if np.ptp(x[:, j]) == 0 or np.ptp(rest) == 0:
            assert math.isnan(r[j])
        else:
            oracle = np.corrcoef(x[:, j], rest)[0, 1]
            assert math.isclose(r[j], oracle, abs_tol=1e-9)
            assert -1 <= r[j] <= 1
            assert math.isclose(stats.point_biserial(x[:, j], rest), oracle, abs_tol=1e-9)


@given(st.lists(st.booleans(), min_size=2, max_size=60).filter(lambda xs: 0 < sum(xs) < len(xs)),
       st.floats(0, 100), st.floats(0.5, 50))
def test_a_perfectly_discriminating_item_has_discrimination_one(passed, low, gap):
    # everyone who passed has the high rest score, everyone who failed the low one
    x = np.array(passed, dtype=float)
    rest = low + gap * x
    assert math.isclose(stats.point_biserial(x, rest), 1.0, abs_tol=1e-9)
    assert math.isclose(stats.point_biserial(x, low + gap * (1 - x)), -1.0, abs_tol=1e-9)


@given(st.integers(1, 50), st.booleans(), st.lists(st.floats(0, 300), min_size=50, max_size=50))
def test_a_constant_item_is_undefined(n, value, rest):
    x = np.full(n, float(value))
    assert math.isnan(stats.point_biserial(x, np.array(rest[:n])))
    assert stats.difficulty(x) == float(value)
