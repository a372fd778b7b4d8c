"""Tests of solutions/similarity.py: hand-worked examples, then properties, then edge cases.

The oracle is exact arithmetic: every float is a Fraction, dot products and squared norms are
exact, and one square root is taken in 50-digit Decimal. It never scales, clips or rounds early,
so it shares no shortcut with the solution.
"""

import math
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from solutions import similarity

SETTINGS = settings(max_examples=60, deadline=None)


def exact_cosine(a, b) -> float:
    """cos(a, b) from exact rational dot products; 0.0 when a norm is 0."""
    fa = [Fraction(float(x)) for x in a]
    fb = [Fraction(float(y)) for y in b]
    dot = sum((x * y for x, y in zip(fa, fb)), Fraction(0))
    norms_squared = sum((x * x for x in fa), Fraction(0)) * sum((y * y for y in fb), Fraction(0))
    if norms_squared == 0:
        return 0.0
    with localcontext() as ctx:
        ctx.prec = 50
        ctx.Emin, ctx.Emax = -(10**6), 10**6

        def dec(f: Fraction) -> Decimal:
            return Decimal(f.numerator) / Decimal(f.denominator)

        return float(dec(dot) / dec(norms_squared).sqrt())


# --- strategies --------------------------------------------------------------------------------

any_float = st.floats(allow_nan=False, allow_infinity=False)
# Magnitudes that stay normal floats after scaling by 2**+-60, 1e300 or 1e-300.
moderate = st.one_of(
    st.just(0.0),
    st.floats(min_value=1e-6, max_value=1e6),
    st.floats(min_value=-1e6, max_value=-1e-6),
)


@st.composite
def vector_pair(draw, elements=any_float, min_size=1, max_size=6):
    d = draw(st.integers(min_size, max_size))
    a = np.array(draw(st.lists(elements, min_size=d, max_size=d)))
    b = np.array(draw(st.lists(elements, min_size=d, max_size=d)))
    return a, b


def nonzero(v: np.ndarray) -> bool:
    return bool(np.any(v != 0))


# --- hand-worked examples ----------------------------------------------------------------------


def test_cosine_45_degrees():
    # [1, 0] . [1, 1] = 1, |[1, 0]| = 1, |[1, 1]| = sqrt(2)  ->  1/sqrt(2)
    assert similarity.cosine_similarity([1.0, 0.0], [1.0, 1.0]) == pytest.approx(1 / math.sqrt(2), abs=1e-15)


def test_cosine_orthogonal_opposite_parallel():
    assert similarity.cosine_similarity([1.0, 0.0], [0.0, 3.0]) == 0.0
    assert similarity.cosine_similarity([1.0, 2.0], [-2.0, -4.0]) == pytest.approx(-1.0, abs=1e-15)
    # Magnitude is ignored: [100, 200] points the same way as [1, 2].
    assert similarity.cosine_similarity([1.0, 2.0], [100.0, 200.0]) == pytest.approx(1.0, abs=1e-15)
    # 3-4-5 triangles: [3, 4] . [4, 3] = 24, norms 5 and 5.
    assert similarity.cosine_similarity([3, 4], [4, 3]) == pytest.approx(24 / 25, abs=1e-15)


def test_cosine_zero_vector_is_zero_not_nan():
    assert similarity.cosine_similarity([0.0, 0.0], [1.0, 2.0]) == 0.0
    assert similarity.cosine_similarity([1.0, 2.0], [0.0, 0.0]) == 0.0
    assert similarity.cosine_similarity([0.0, 0.0], [0.0, 0.0]) == 0.0


def test_cosine_is_clipped_where_rounding_overshoots():
    # For these vectors the dot product of the rounded unit vectors comes out as 1 + 2**-52
    # (with the scale-then-normalise recipe); the cosine must still be within [-1, 1].
    vectors = [[1.32, 0.36], [-0.29, 1.57, -0.43, -0.74], [0.99, -0.16, -1.07, 0.87]]
    vectors += np.round(np.random.default_rng(0).normal(size=(200, 3)), 2).tolist()
    for x in vectors:
        x = np.array(x)
        assert 1.0 - 1e-15 <= similarity.cosine_similarity(x, x) <= 1.0
        assert -1.0 <= similarity.cosine_similarity(x, -x) <= -1.0 + 1e-15
        both = similarity.cosine_similarity_matrix(np.array([x, -x]), np.array([x, 4 * x]))
        assert np.all(np.abs(both) <= 1.0)


def test_cosine_returns_python_float():
    assert type(similarity.cosine_similarity(np.array([1.0, 0.0]), np.array([1.0, 1.0]))) is float


def test_cosine_huge_and_tiny_by_hand():
    # Squaring 1e200 overflows and squaring 1e-200 underflows: a naive formula gives nan or 0.
    assert similarity.cosine_similarity([1e200, 1e200], [1e200, 0.0]) == pytest.approx(
        1 / math.sqrt(2), abs=1e-15
    )
    assert similarity.cosine_similarity([1e-200, 0.0], [1e-200, 1e-200]) == pytest.approx(
        1 / math.sqrt(2), abs=1e-15
    )
    assert similarity.cosine_similarity([1e308, 1e308], [-1e308, -1e308]) == pytest.approx(-1.0, abs=1e-15)
    assert similarity.cosine_similarity([5e-324, 0.0], [5e-324, 5e-324]) == pytest.approx(
        1 / math.sqrt(2), abs=1e-15
    )


def test_cosine_matrix_by_hand():
    A = np.array([[1.0, 0.0], [0.0, 0.0]])
    B = np.array([[1.0, 1.0], [0.0, 5.0], [-2.0, 0.0]])
    got = similarity.cosine_similarity_matrix(A, B)
    assert got.shape == (2, 3)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, [[1 / math.sqrt(2), 0.0, -1.0], [0.0, 0.0, 0.0]], rtol=0, atol=1e-15)


def test_top_k_by_hand():
    query = [1.0, 0.0]
    matrix = [[0.0, 1.0], [2.0, 0.0], [1.0, 1.0], [1.0, 0.0]]  # cos: 0, 1, 0.707, 1
    assert similarity.top_k(query, matrix, 3) == [1, 3, 2]
    assert similarity.top_k(query, matrix, 1) == [1]
    assert similarity.top_k(query, matrix, 0) == []
    assert similarity.top_k(query, matrix, 99) == [1, 3, 2, 0]


def test_top_k_exact_ties_go_to_lower_index():
    r = np.array([3.0, 1.0, -2.0])
    # Rows that differ by a power of two have bit-identical cosines with any query.
    matrix = np.array([r * 0.25, [1.0, 0.0, 0.0], r * 8, -r, r, [0.0, 0.0, 0.0], r * 2.0**-40])
    # cos: 1, 3/sqrt(14), 1, -1, 1, 0, 1
    assert similarity.top_k(r, matrix, 10) == [0, 2, 4, 6, 1, 5, 3]
    assert similarity.top_k(r, matrix, 2) == [0, 2]
    # A zero query has no direction: every row scores 0, so the order is the index order.
    assert similarity.top_k([0.0, 0.0, 0.0], matrix, 10) == list(range(7))


def test_top_k_many_exact_ties_keep_index_order():
    # NumPy's default sort is not stable on longer arrays; ties must still go to the lower index.
    rng = np.random.default_rng(1)
    directions = np.array([[1.0, 2.0, 3.0], [3.0, -1.0, 0.5], [-2.0, 0.0, 1.0]])
    which = rng.integers(0, 3, size=300)
    matrix = directions[which] * 2.0 ** rng.integers(-20, 20, size=(300, 1))
    got = similarity.top_k([1.0, 1.0, 1.0], matrix, 300)
    # cos with [1, 1, 1]: direction 0 > direction 1 > direction 2
    expected = [i for d in (0, 1, 2) for i in range(300) if which[i] == d]
    assert got == expected


def test_top_k_returns_python_ints():
    assert all(type(i) is int for i in similarity.top_k([1.0, 0.0], [[1.0, 0.0], [0.0, 1.0]], 2))


# The lesson's analogy on a hand-built matrix. Axes: male, female, royal, commoner.
# king - man + woman = [1,0,1,0] - [1,0,0,1] + [0,1,0,1] = [0,1,1,0] = queen, and all four rows
# have the same norm sqrt(2), so the unit vectors add up the same way: the target IS queen.
ANALOGY_VOCAB = {"<unk>": 0, "man": 1, "woman": 2, "king": 3, "queen": 4, "princess": 5, "apple": 6}
ANALOGY_E = np.array(
    [
        [0.0, 3.0, 3.0, 0.0],  # <unk>: parallel to queen, must still be left out
        [1.0, 0.0, 0.0, 1.0],  # man
        [0.0, 1.0, 0.0, 1.0],  # woman
        [1.0, 0.0, 1.0, 0.0],  # king
        [0.0, 1.0, 1.0, 0.0],  # queen
        [0.0, 1.0, 1.0, 0.5],  # princess: near queen, a little "commoner"
        [0.0, 0.0, 0.0, 0.0],  # apple: a zero row, cosine 0 with everything
    ]
)


def test_analogy_king_man_woman_is_queen():
    assert similarity.analogy("man", "king", "woman", ANALOGY_VOCAB, ANALOGY_E) == ["queen"]


def test_analogy_ranking_leaves_out_a_b_c_and_unk():
    # target = [0, 1, 1, 0] / sqrt(2); cos with princess = 2 / (sqrt(2) * 1.5) = 0.943, apple 0.
    got = similarity.analogy("man", "king", "woman", ANALOGY_VOCAB, ANALOGY_E, k=10)
    assert got == ["queen", "princess", "apple"]
    assert similarity.analogy("man", "king", "woman", ANALOGY_VOCAB, ANALOGY_E, k=2) == ["queen", "princess"]
    assert similarity.analogy("man", "king", "woman", ANALOGY_VOCAB, ANALOGY_E, k=0) == []


def test_analogy_uses_unit_vectors():
    # Scaling a row changes nothing: the target is built from unit vectors, even when squaring
    # the entries would overflow (1e300) or underflow (1e-300). With raw rows, king - 1e300 man
    # + woman would point at "antiman" instead.
    vocab = {**ANALOGY_VOCAB, "antiman": 7}
    E = np.vstack([ANALOGY_E, [-1.0, 0.0, 0.0, -1.0]])
    E[1] *= 1e300  # man
    E[2] *= 1e-300  # woman
    assert similarity.analogy("man", "king", "woman", vocab, E) == ["queen"]


def test_analogy_ties_to_lower_id_and_vocab_without_unk():
    vocab = {"man": 0, "king": 1, "woman": 2, "queen": 3, "queen2": 4}
    E = np.array([[1.0, 0, 0, 1], [1.0, 0, 1, 0], [0.0, 1, 0, 1], [0.0, 4, 4, 0], [0.0, 0.5, 0.5, 0]])
    assert similarity.analogy("man", "king", "woman", vocab, E, k=2) == ["queen", "queen2"]
    vocab_swapped = {"man": 0, "king": 1, "woman": 2, "queen": 4, "queen2": 3}
    assert similarity.analogy("man", "king", "woman", vocab_swapped, E, k=2) == ["queen2", "queen"]


def test_analogy_zero_rows_have_zero_unit_vectors():
    # a = "apple" is a zero row: its unit vector is 0, so the target is unit(king) + unit(woman).
    vocab = {"apple": 0, "king": 1, "woman": 2, "x": 3, "y": 4}
    E = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, -1.0]])
    assert similarity.analogy("apple", "king", "woman", vocab, E, k=2) == ["x", "y"]


# --- properties ---------------------------------------------------------------------------------


@SETTINGS
@given(vector_pair())
def test_cosine_matches_exact_arithmetic(pair):
    a, b = pair
    assert similarity.cosine_similarity(a, b) == pytest.approx(exact_cosine(a, b), abs=1e-14)


@SETTINGS
@given(vector_pair())
def test_cosine_bounds_symmetry_never_nan(pair):
    a, b = pair
    ab = similarity.cosine_similarity(a, b)
    assert -1.0 <= ab <= 1.0
    assert similarity.cosine_similarity(b, a) == ab
    if nonzero(a):
        assert 1.0 - 1e-15 <= similarity.cosine_similarity(a, a) <= 1.0
        assert -1.0 <= similarity.cosine_similarity(a, -a) <= -1.0 + 1e-15
    else:
        assert similarity.cosine_similarity(a, a) == 0.0


@SETTINGS
@given(vector_pair(elements=moderate), st.integers(-60, 60), st.integers(-60, 60))
def test_cosine_power_of_two_scaling_is_exact(pair, i, j):
    a, b = pair
    assert similarity.cosine_similarity(a * 2.0**i, b * 2.0**j) == similarity.cosine_similarity(a, b)


@SETTINGS
@given(vector_pair(elements=moderate), st.sampled_from([1e300, 1e-300, 3.7, 1e-9, 123456.789]))
def test_cosine_positive_scaling_invariance(pair, scale):
    a, b = pair
    assert similarity.cosine_similarity(a * scale, b) == pytest.approx(
        similarity.cosine_similarity(a, b), abs=1e-15
    )
    assert similarity.cosine_similarity(a * scale, b / scale) == pytest.approx(exact_cosine(a, b), abs=1e-14)


@SETTINGS
@given(st.integers(1, 5), st.integers(0, 5), st.integers(0, 4), st.data())
def test_cosine_matrix_equals_pairwise(n, m, d, data):
    def matrix(rows: int) -> np.ndarray:
        entries = data.draw(st.lists(moderate, min_size=rows * d, max_size=rows * d))
        return np.array(entries, dtype=float).reshape(rows, d)

    A, B = matrix(n), matrix(m)
    got = similarity.cosine_similarity_matrix(A, B)
    assert got.shape == (n, m)
    for i in range(n):
        for j in range(m):
            assert got[i, j] == pytest.approx(similarity.cosine_similarity(A[i], B[j]), abs=1e-15)
            assert got[i, j] == pytest.approx(exact_cosine(A[i], B[j]), abs=1e-14)


# Pairwise non-parallel directions: rows are these times powers of two, so exact ties are exactly
# the rows of one direction (and the zero rows), and the solution must compute them bit-identical.
DIRECTIONS = [(1, 0, 0), (0, 1, 0), (1, 1, 0), (3, -1, 2), (-2, 5, 1), (1, 2, 3), (-1, -1, -1), (0, 0, 0)]


@SETTINGS
@given(
    st.lists(st.tuples(st.integers(0, len(DIRECTIONS) - 1), st.integers(-30, 30)), min_size=0, max_size=10),
    st.tuples(st.integers(-4, 4), st.integers(-4, 4), st.integers(-4, 4)),
    st.integers(0, 12),
)
def test_top_k_equals_sorted_oracle(rows, query, k):
    matrix = np.array([np.array(DIRECTIONS[j], dtype=float) * 2.0**s for j, s in rows]).reshape(-1, 3)
    exact = [exact_cosine(query, DIRECTIONS[j]) for j, _ in rows]
    # Different directions must not tie exactly: their computed order would be a rounding accident.
    for (j1, _), c1 in zip(rows, exact):
        for (j2, _), c2 in zip(rows, exact):
            assume(j1 == j2 or abs(c1 - c2) > 1e-9)
    oracle = sorted(range(len(rows)), key=lambda i: (-exact[i], i))[:k]
    assert similarity.top_k(np.array(query, dtype=float), matrix, k) == oracle


# --- edge cases ---------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_non_finite_inputs_are_value_errors(bad):
    v = np.array([1.0, bad])
    ok = np.array([1.0, 2.0])
    with pytest.raises(ValueError):
        similarity.cosine_similarity(v, ok)
    with pytest.raises(ValueError):
        similarity.cosine_similarity(ok, v)
    with pytest.raises(ValueError):
        similarity.cosine_similarity_matrix(v[None], ok[None])
    with pytest.raises(ValueError):
        similarity.cosine_similarity_matrix(ok[None], v[None])
    with pytest.raises(ValueError):
        similarity.top_k(v, ok[None], 1)
    with pytest.raises(ValueError):
        similarity.top_k(ok, v[None], 1)
    with pytest.raises(ValueError):
        similarity.analogy("man", "king", "woman", ANALOGY_VOCAB, np.where(ANALOGY_E == 3.0, bad, ANALOGY_E))


def test_shape_errors():
    with pytest.raises(ValueError):
        similarity.cosine_similarity([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError):
        similarity.cosine_similarity([[1.0, 2.0]], [[1.0, 2.0]])
    with pytest.raises(ValueError):
        similarity.cosine_similarity(1.0, 2.0)
    with pytest.raises(ValueError):
        similarity.cosine_similarity_matrix(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError):
        similarity.cosine_similarity_matrix(np.ones(3), np.ones((2, 3)))
    with pytest.raises(ValueError):
        similarity.top_k([1.0, 0.0], np.ones((3, 3)), 1)
    with pytest.raises(ValueError):
        similarity.top_k([1.0, 0.0], np.ones(2), 1)
    with pytest.raises(ValueError):
        similarity.analogy("man", "king", "woman", ANALOGY_VOCAB, ANALOGY_E[0])


def test_type_errors():
    with pytest.raises(TypeError):
        similarity.cosine_similarity(["a", "b"], [1.0, 2.0])
    with pytest.raises(TypeError):
        similarity.cosine_similarity([True, False], [1.0, 2.0])
    with pytest.raises(TypeError):
        similarity.cosine_similarity_matrix([[1 + 2j]], [[1.0]])
    with pytest.raises(TypeError):
        similarity.cosine_similarity_matrix([[None, 1.0]], [[1.0, 1.0]])
    for bad_k in (1.0, True, "1", None):
        with pytest.raises(TypeError):
            similarity.top_k([1.0, 0.0], [[1.0, 0.0]], bad_k)
        with pytest.raises(TypeError):
            similarity.analogy("man", "king", "woman", ANALOGY_VOCAB, ANALOGY_E, k=bad_k)
    with pytest.raises(TypeError):
        similarity.analogy("man", "king", 3, ANALOGY_VOCAB, ANALOGY_E)
    with pytest.raises(TypeError):
        similarity.analogy("man", "king", "woman", [("man", 1)], ANALOGY_E)
    with pytest.raises(TypeError):
        similarity.analogy("man", "king", "woman", {**ANALOGY_VOCAB, "man": 1.0}, ANALOGY_E)


def test_negative_k_is_a_value_error():
    with pytest.raises(ValueError):
        similarity.top_k([1.0, 0.0], [[1.0, 0.0]], -1)
    with pytest.raises(ValueError):
        similarity.analogy("man", "king", "woman", ANALOGY_VOCAB, ANALOGY_E, k=-1)


def test_numpy_integer_k_is_accepted():
    assert similarity.top_k([1.0, 0.0], [[0.0, 1.0], [1.0, 0.0]], np.int64(1)) == [1]
    assert similarity.analogy("man", "king", "woman", ANALOGY_VOCAB, ANALOGY_E, k=np.int32(1)) == ["queen"]


def test_analogy_unknown_word_is_a_key_error():
    with pytest.raises(KeyError):
        similarity.analogy("man", "king", "duchess", ANALOGY_VOCAB, ANALOGY_E)
    with pytest.raises(KeyError):
        similarity.analogy("emperor", "king", "woman", ANALOGY_VOCAB, ANALOGY_E)


def test_analogy_id_outside_E_is_an_index_error():
    with pytest.raises(IndexError):
        similarity.analogy("man", "king", "woman", {**ANALOGY_VOCAB, "woman": 7}, ANALOGY_E)
    with pytest.raises(IndexError):
        similarity.analogy("man", "king", "woman", {**ANALOGY_VOCAB, "woman": -1}, ANALOGY_E)


def test_empty_inputs():
    assert similarity.top_k([1.0, 0.0], np.zeros((0, 2)), 3) == []
    assert similarity.cosine_similarity_matrix(np.zeros((0, 2)), np.ones((3, 2))).shape == (0, 3)
    assert similarity.cosine_similarity([], []) == 0.0


def test_integer_and_float32_inputs_are_accepted():
    assert similarity.cosine_similarity(
        np.array([1, 0], dtype=np.int8), np.array([1, 1], dtype=np.int64)
    ) == pytest.approx(1 / math.sqrt(2), abs=1e-15)
    got = similarity.cosine_similarity_matrix(np.array([[3, 4]], dtype=np.float32), np.array([[4, 3]]))
    assert got.dtype == np.float64
    assert got[0, 0] == pytest.approx(24 / 25, abs=1e-15)


def test_no_input_is_mutated():
    a = np.array([3.0, -4.0, 1e300])
    b = np.array([1.0, 2.0, 0.0])
    A = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    E = ANALOGY_E.copy()
    vocab = dict(ANALOGY_VOCAB)
    copies = [x.copy() for x in (a, b, A, E)]
    similarity.cosine_similarity(a, b)
    similarity.cosine_similarity_matrix(A, A)
    similarity.top_k(b, A, 2)
    similarity.analogy("man", "king", "woman", vocab, E, k=3)
    for before, after in zip(copies, (a, b, A, E)):
        assert np.array_equal(before, after)
    assert vocab == ANALOGY_VOCAB
