"""Tests of solutions/skipgram.py: hand-worked examples, then properties, then edge cases.

Nothing here trusts the solution to check itself: gradients are compared with this file's own
central differences, losses and probabilities with 50-digit Decimal arithmetic on exact scores,
and training with a loop written here from SPEC 4.
"""

import math
from decimal import Context, Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from solutions import skipgram

SETTINGS = settings(max_examples=60, deadline=None)
LN3 = math.log(3)
TINY = np.finfo(np.float64).tiny  # below the smallest normal float there is no relative precision

# --- independent oracles -----------------------------------------------------------------------


def central_difference(f, x, h=1e-6):
    """(f(x + h e_i) - f(x - h e_i)) / 2h for every entry, perturbing a private copy in place."""
    x = np.array(x, dtype=np.float64)
    flat = x.reshape(-1)
    grad = np.empty(flat.size)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        up = f(x)
        flat[i] = old - h
        down = f(x)
        flat[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad.reshape(x.shape)


def exact_dot(a, b) -> Fraction:
    return sum((Fraction(float(x)) * Fraction(float(y)) for x, y in zip(a, b)), Fraction(0))


def decimal_context():
    return localcontext(Context(prec=50, Emin=-(10**7), Emax=10**7))


def dec(x) -> Decimal:
    if isinstance(x, Fraction):
        return Decimal(x.numerator) / Decimal(x.denominator)
    return Decimal(float(x))


def oracle_log_softmax(scores, i) -> float:
    """log softmax(scores)[i] in 50-digit Decimal; scores are exact (floats or Fractions)."""
    with decimal_context():
        s = [dec(x) for x in scores]
        top = max(s)
        return float(s[i] - top - sum((x - top).exp() for x in s).ln())


def oracle_softmax(scores):
    return [math.exp(oracle_log_softmax(scores, i)) for i in range(len(scores))]


def oracle_skipgram_loss(W_in, W_out, center, context) -> float:
    scores = [exact_dot(row, W_in[center]) for row in W_out]
    return -oracle_log_softmax(scores, context)


def oracle_softplus(s: Fraction) -> Decimal:
    """log(1 + e^s) in Decimal."""
    return (1 + dec(s).exp()).ln() if s < 0 else dec(s) + (1 + (-dec(s)).exp()).ln()


def oracle_negative_sampling_loss(v, u_pos, U_neg) -> float:
    with decimal_context():
        return float(
            oracle_softplus(-exact_dot(u_pos, v)) + sum(oracle_softplus(exact_dot(u, v)) for u in U_neg)
        )


def oracle_pairs(ids, window):
    n = len(ids)
    return [(ids[i], ids[j]) for i in range(n) for j in range(n) if 0 < abs(i - j) <= window]


# --- strategies --------------------------------------------------------------------------------


def float_arrays(shape, bound):
    return arrays(np.float64, shape, elements=st.floats(-bound, bound, allow_subnormal=False))


@st.composite
def skipgram_case(draw, bound=3.0):
    V, d = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    W_in = draw(float_arrays((V, d), bound))
    W_out = draw(float_arrays((V, d), bound))
    return W_in, W_out, draw(st.integers(0, V - 1)), draw(st.integers(0, V - 1))


@st.composite
def negative_sampling_case(draw, bound=3.0):
    d, K = draw(st.integers(1, 4)), draw(st.integers(0, 4))
    return draw(float_arrays((d,), bound)), draw(float_arrays((d,), bound)), draw(float_arrays((K, d), bound))


# --- softmax -----------------------------------------------------------------------------------


def test_softmax_by_hand():
    # e^0 = 1 and e^ln3 = 3, out of 1 + 3 = 4.
    np.testing.assert_allclose(skipgram.softmax([0.0, LN3]), [0.25, 0.75], rtol=0, atol=1e-16)
    np.testing.assert_allclose(skipgram.softmax([5.0, 5.0, 5.0, 5.0]), [0.25] * 4, rtol=0, atol=1e-16)
    assert skipgram.softmax([7.0]).tolist() == [1.0]


def test_softmax_works_on_the_last_axis():
    x = np.array([[0.0, LN3], [2.0, 2.0], [LN3, 0.0]])
    np.testing.assert_allclose(
        skipgram.softmax(x), [[0.25, 0.75], [0.5, 0.5], [0.75, 0.25]], rtol=0, atol=1e-16
    )
    x3 = np.arange(24.0).reshape(2, 3, 4) / 7
    got = skipgram.softmax(x3)
    assert got.shape == (2, 3, 4)
    for i in range(2):
        for j in range(3):
            np.testing.assert_allclose(got[i, j], oracle_softmax(x3[i, j]), rtol=1e-14, atol=0)


@pytest.mark.filterwarnings("error")
def test_softmax_large_scores_by_hand():
    # exp(1000) overflows: without subtracting the max this would be inf / inf = nan.
    assert skipgram.softmax([1000.0, 1000.0]).tolist() == [0.5, 0.5]
    assert skipgram.softmax([-1000.0, -1000.0]).tolist() == [0.5, 0.5]
    assert skipgram.softmax([1000.0, 0.0]).tolist() == [1.0, 0.0]  # e^-1000 underflows to 0
    assert skipgram.softmax([1e300, -1e300]).tolist() == [1.0, 0.0]
    assert skipgram.softmax([1.7e308, -1.7e308]).tolist() == [1.0, 0.0]  # the difference overflows
    np.testing.assert_allclose(skipgram.softmax([1e300, 1e300 * (1 - 2**-52)]), [1.0, 0.0], rtol=0, atol=TINY)
    np.testing.assert_allclose(skipgram.softmax([1000.0 + LN3, 1000.0]), [0.75, 0.25], rtol=1e-13)


@SETTINGS
@given(arrays(np.float64, st.integers(1, 8), elements=st.floats(-1e300, 1e300)))
def test_softmax_matches_decimal_oracle_at_any_magnitude(x):
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        p = skipgram.softmax(x)
    assert p.dtype == np.float64 and p.shape == x.shape
    assert np.all(p >= 0)
    assert math.fsum(p) == pytest.approx(1.0, abs=1e-15 * len(x))
    np.testing.assert_allclose(p, oracle_softmax(x), rtol=1e-12, atol=TINY)


@SETTINGS
@given(arrays(np.float64, st.integers(1, 8), elements=st.floats(-1000, 1000)))
def test_softmax_matches_decimal_oracle_moderate(x):
    np.testing.assert_allclose(skipgram.softmax(x), oracle_softmax(x), rtol=1e-12, atol=TINY)


@SETTINGS
@given(
    arrays(np.float64, st.integers(1, 8), elements=st.integers(-(2**19), 2**19).map(lambda n: n / 1024)),
    st.integers(-(10**6), 10**6),
)
def test_softmax_shift_invariance_is_exact_when_the_shift_is(x, c):
    # x + c is exact here (multiples of 1/1024, small), so subtracting the max must give the
    # very same exponents: bit-identical probabilities.
    assert skipgram.softmax(x + c).tolist() == skipgram.softmax(x).tolist()


@SETTINGS
@given(arrays(np.float64, st.integers(1, 8), elements=st.floats(-1000, 1000)), st.floats(-1000, 1000))
def test_softmax_shift_invariance(x, c):
    # x + c rounds by at most ulp(2000) / 2, about 1e-13: that much relative change in each p.
    np.testing.assert_allclose(skipgram.softmax(x + c), skipgram.softmax(x), rtol=1e-12, atol=TINY)


# --- the full-softmax skip-gram loss and its gradients -----------------------------------------


def test_loss_and_grads_two_word_vocabulary_by_hand():
    # v = [1], scores = [0, ln 3], p = [1/4, 3/4], loss = -log(3/4) = log(4/3)
    # e = p - one_hot(1) = [1/4, -1/4]; grad_center = W_out.T @ e = [-ln(3)/4]; grad_out = outer(e, v)
    W_in = np.array([[1.0], [2.0]])
    W_out = np.array([[0.0], [LN3]])
    loss, grad_center, grad_out = skipgram.skipgram_loss_and_grads(W_in, W_out, 0, 1)
    assert type(loss) is float
    assert loss == pytest.approx(math.log(4 / 3), abs=1e-15)
    np.testing.assert_allclose(grad_center, [-LN3 / 4], rtol=1e-15)
    np.testing.assert_allclose(grad_out, [[0.25], [-0.25]], rtol=1e-15)
    assert grad_center.shape == (1,) and grad_out.shape == (2, 1)


def test_loss_and_grads_two_dimensions_by_hand():
    # center 1: v = [2, -1]; W_out rows [1, 1] and [0, 1] give scores [1, -1].
    # p = [e, 1/e] / (e + 1/e) = [1/(1 + e^-2), 1/(1 + e^2)]; context 0: loss = log(1 + e^-2)
    W_in = np.array([[9.0, 9.0], [2.0, -1.0]])
    W_out = np.array([[1.0, 1.0], [0.0, 1.0]])
    p0, p1 = 1 / (1 + math.exp(-2)), 1 / (1 + math.exp(2))
    loss, grad_center, grad_out = skipgram.skipgram_loss_and_grads(W_in, W_out, 1, 0)
    assert loss == pytest.approx(math.log1p(math.exp(-2)), abs=1e-15)
    e = [p0 - 1, p1]  # = [-p1, p1]
    np.testing.assert_allclose(grad_center, [e[0] * 1 + e[1] * 0, e[0] * 1 + e[1] * 1], rtol=1e-14)
    np.testing.assert_allclose(grad_out, [[2 * e[0], -e[0]], [2 * e[1], -e[1]]], rtol=1e-14)


@pytest.mark.filterwarnings("error")
def test_loss_is_exact_for_large_scores():
    # scores [s, 0]: loss(context 1) = s + log(1 + e^-s), loss(context 0) = log(1 + e^-s).
    for s in (1000.0, 1e300):
        W_in = np.array([[1.0], [0.0]])
        W_out = np.array([[s], [0.0]])
        assert skipgram.skipgram_loss_and_grads(W_in, W_out, 0, 1)[0] == s
        assert skipgram.skipgram_loss_and_grads(W_in, W_out, 0, 0)[0] == 0.0
        _, grad_center, grad_out = skipgram.skipgram_loss_and_grads(W_in, W_out, 0, 1)
        np.testing.assert_array_equal(grad_center, [s])  # e = [1, -1]: W_out.T @ e = s
        np.testing.assert_array_equal(grad_out, [[1.0], [-1.0]])


def test_loss_beyond_float64_is_inf_not_nan():
    # Scores 1.7e308 apart: the true loss, 3.4e308, is beyond float64 (and so is grad_center).
    W_out = np.array([[1.7e308], [-1.7e308]])
    with np.errstate(over="ignore"):
        loss, grad_center, grad_out = skipgram.skipgram_loss_and_grads(np.array([[1.0], [1.0]]), W_out, 0, 1)
    assert loss == math.inf
    assert grad_center.tolist() == [math.inf]
    assert grad_out.tolist() == [[1.0], [-1.0]]


@SETTINGS
@given(skipgram_case(bound=30.0))
def test_loss_matches_decimal_oracle(case):
    W_in, W_out, center, context = case
    loss = skipgram.skipgram_loss_and_grads(W_in, W_out, center, context)[0]
    scale = 1 + float(np.max(np.abs(W_out @ W_in[center])))
    assert loss == pytest.approx(
        oracle_skipgram_loss(W_in, W_out, center, context), rel=1e-13, abs=1e-14 * scale
    )


@SETTINGS
@given(skipgram_case())
def test_grads_match_central_differences(case):
    W_in, W_out, center, context = case
    _, grad_center, grad_out = skipgram.skipgram_loss_and_grads(W_in, W_out, center, context)

    def loss_of_W_in(W):
        return skipgram.skipgram_loss_and_grads(W, W_out, center, context)[0]

    def loss_of_W_out(W):
        return skipgram.skipgram_loss_and_grads(W_in, W, center, context)[0]

    # The gradient over ALL of W_in: the centre row has grad_center, every other row exactly 0.
    expected_in = np.zeros_like(W_in)
    expected_in[center] = grad_center
    np.testing.assert_allclose(central_difference(loss_of_W_in, W_in), expected_in, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(central_difference(loss_of_W_out, W_out), grad_out, rtol=1e-6, atol=1e-6)


@SETTINGS
@given(skipgram_case())
def test_grads_are_prediction_minus_truth(case):
    # e = p - one_hot(context) sums to 0 and is negative only at the context word.
    W_in, W_out, center, context = case
    v = W_in[center]
    _, grad_center, grad_out = skipgram.skipgram_loss_and_grads(W_in, W_out, center, context)
    p = np.array(oracle_softmax([exact_dot(row, v) for row in W_out]))
    e = p - np.eye(len(p))[context]
    np.testing.assert_allclose(grad_out, np.outer(e, v), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(
        grad_center, sum(e_j * row for e_j, row in zip(e, W_out)), rtol=1e-12, atol=1e-13
    )


# --- sgd_step ----------------------------------------------------------------------------------


def test_sgd_step_by_hand():
    # The two-word example with lr = 1: W_in[0] -= -ln(3)/4, W_out -= [[1/4], [-1/4]].
    W_in = np.array([[1.0], [2.0]])
    W_out = np.array([[0.0], [LN3]])
    loss = skipgram.sgd_step(W_in, W_out, 0, 1, 1.0)
    assert loss == pytest.approx(math.log(4 / 3), abs=1e-15)
    np.testing.assert_allclose(W_in, [[1 + LN3 / 4], [2.0]], rtol=1e-15)
    assert W_in[1, 0] == 2.0
    np.testing.assert_allclose(W_out, [[-0.25], [LN3 + 0.25]], rtol=1e-15)
    # The step lowered the loss.
    assert skipgram.skipgram_loss_and_grads(W_in, W_out, 0, 1)[0] < loss


@SETTINGS
@given(skipgram_case(), st.floats(1e-4, 1.0))
def test_sgd_step_equals_manual_update_and_touches_only_the_centre_row(case, lr):
    W_in, W_out, center, context = case
    loss, grad_center, grad_out = skipgram.skipgram_loss_and_grads(W_in, W_out, center, context)
    expected_in = W_in.copy()
    expected_in[center] -= lr * grad_center
    expected_out = W_out - lr * grad_out

    got = skipgram.sgd_step(W_in, W_out, center, context, lr)  # in place
    assert got == loss
    np.testing.assert_array_equal(W_in, expected_in)
    np.testing.assert_array_equal(W_out, expected_out)


@SETTINGS
@given(skipgram_case())
def test_small_sgd_step_does_not_raise_the_loss(case):
    W_in, W_out, center, context = case
    before = skipgram.sgd_step(W_in, W_out, center, context, 1e-3)
    assert skipgram.skipgram_loss_and_grads(W_in, W_out, center, context)[0] <= before + 1e-12


def test_sgd_step_updates_float32_in_place():
    W_in = np.array([[1.0], [2.0]], dtype=np.float32)
    W_out = np.array([[0.0], [LN3]], dtype=np.float32)
    ref_in, ref_out = W_in.copy(), W_out.copy()
    skipgram.sgd_step(W_in, W_out, 0, 1, 1.0)
    assert W_in.dtype == np.float32 and W_out.dtype == np.float32
    assert W_in[1, 0] == ref_in[1, 0] and W_in[0, 0] != ref_in[0, 0]
    assert not np.array_equal(W_out, ref_out)


def test_sgd_step_changes_nothing_when_it_refuses():
    W_in = np.array([[1.0, 2.0], [3.0, 4.0]])
    W_out = np.array([[0.5, 0.5], [-0.5, 0.5]])
    before = W_in.copy(), W_out.copy()
    for args, error in [
        ((0, 2, 0.1), IndexError),
        ((-1, 0, 0.1), IndexError),
        ((0, 1.0, 0.1), TypeError),
        ((True, 1, 0.1), TypeError),
        ((0, 1, "0.1"), TypeError),
        ((0, 1, True), TypeError),
        ((0, 1, math.nan), ValueError),
        ((0, 1, math.inf), ValueError),
    ]:
        with pytest.raises(error):
            skipgram.sgd_step(W_in, W_out, *args)
        np.testing.assert_array_equal(W_in, before[0])
        np.testing.assert_array_equal(W_out, before[1])


def test_sgd_step_needs_float_arrays_it_can_update():
    W = [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(TypeError):
        skipgram.sgd_step(W, np.zeros((2, 2)), 0, 1, 0.1)
    with pytest.raises(TypeError):
        skipgram.sgd_step(np.zeros((2, 2)), np.zeros((2, 2), dtype=np.int64), 0, 1, 0.1)
    with pytest.raises(ValueError):
        skipgram.sgd_step(np.zeros((2, 2)), np.zeros((3, 2)), 0, 1, 0.1)


# --- negative sampling -------------------------------------------------------------------------


def test_negative_sampling_by_hand():
    # s = u_pos.v = ln 3: sigma(s) = 3/4, -log sigma(s) = log(4/3), sigma(-s) = 1/4.
    # t = U_neg[0].v = -ln 3: -log sigma(-t) = log(4/3), sigma(t) = 1/4.
    # grad_v = -1/4 u_pos + 1/4 U_neg[0] = [-ln(3)/4 - ln(3)/4, 5/4]
    v = np.array([1.0, 0.0])
    u_pos = np.array([LN3, 0.0])
    U_neg = np.array([[-LN3, 5.0]])
    loss, grad_v, grad_u_pos, grad_U_neg = skipgram.negative_sampling_loss_and_grads(v, u_pos, U_neg)
    assert type(loss) is float
    assert loss == pytest.approx(2 * math.log(4 / 3), abs=1e-15)
    np.testing.assert_allclose(grad_v, [-LN3 / 2, 1.25], rtol=1e-15)
    np.testing.assert_allclose(grad_u_pos, [-0.25, 0.0], rtol=1e-15, atol=0)
    np.testing.assert_allclose(grad_U_neg, [[0.25, 0.0]], rtol=1e-15, atol=0)
    assert grad_U_neg.shape == (1, 2)


def test_negative_sampling_without_negatives():
    # K = 0: the loss is -log sigma(0) = log 2 for u_pos . v = 0.
    loss, grad_v, grad_u_pos, grad_U_neg = skipgram.negative_sampling_loss_and_grads(
        np.array([1.0, 1.0]), np.array([1.0, -1.0]), np.zeros((0, 2))
    )
    assert loss == pytest.approx(math.log(2), abs=1e-15)
    np.testing.assert_allclose(grad_v, [-0.5, 0.5], rtol=1e-15)
    np.testing.assert_allclose(grad_u_pos, [-0.5, -0.5], rtol=1e-15)
    assert grad_U_neg.shape == (0, 2)


@pytest.mark.filterwarnings("error")
def test_negative_sampling_is_exact_for_large_scores():
    one = np.array([1.0])
    for s in (1000.0, 1e300):
        # a confident, right model: loss log(1 + e^-s) rounds to 0, no gradient left
        loss, grad_v, grad_u_pos, grad_U_neg = skipgram.negative_sampling_loss_and_grads(
            one, np.array([s]), np.array([[-s]])
        )
        assert loss == 0.0
        assert grad_v.tolist() == [0.0] and grad_u_pos.tolist() == [0.0] and grad_U_neg.tolist() == [[0.0]]
        # a confident, wrong model: loss s + log(1 + e^-s) = s per question, full gradient
        loss, grad_v, grad_u_pos, grad_U_neg = skipgram.negative_sampling_loss_and_grads(
            one, np.array([-s]), np.array([[s]])
        )
        assert loss == 2 * s
        assert grad_v.tolist() == [2 * s] and grad_u_pos.tolist() == [-1.0] and grad_U_neg.tolist() == [[1.0]]


@SETTINGS
@given(negative_sampling_case(bound=30.0))
def test_negative_sampling_loss_matches_decimal_oracle(case):
    v, u_pos, U_neg = case
    loss = skipgram.negative_sampling_loss_and_grads(v, u_pos, U_neg)[0]
    scale = 1 + float(np.sum(np.abs(np.concatenate([[u_pos @ v], U_neg @ v]))))
    assert loss == pytest.approx(oracle_negative_sampling_loss(v, u_pos, U_neg), rel=1e-13, abs=1e-14 * scale)


@SETTINGS
@given(negative_sampling_case())
def test_negative_sampling_grads_match_central_differences(case):
    v, u_pos, U_neg = case
    _, grad_v, grad_u_pos, grad_U_neg = skipgram.negative_sampling_loss_and_grads(v, u_pos, U_neg)

    def loss(v=v, u_pos=u_pos, U_neg=U_neg):
        return skipgram.negative_sampling_loss_and_grads(v, u_pos, U_neg)[0]

    np.testing.assert_allclose(central_difference(lambda x: loss(v=x), v), grad_v, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(
        central_difference(lambda x: loss(u_pos=x), u_pos), grad_u_pos, rtol=1e-6, atol=1e-6
    )
    np.testing.assert_allclose(
        central_difference(lambda x: loss(U_neg=x), U_neg), grad_U_neg, rtol=1e-6, atol=1e-6
    )


# --- numerical_gradient ------------------------------------------------------------------------


def test_numerical_gradient_by_hand():
    # f(x) = sum(x**2): the gradient is 2x, and central differences are exact for a quadratic
    # up to rounding.
    np.testing.assert_allclose(
        skipgram.numerical_gradient(lambda x: float(np.sum(x**2)), np.array([1.0, -2.0])),
        [2.0, -4.0],
        atol=1e-9,
    )
    # f(x) = sin(x0) * x1 at (0, 3): gradient (cos(0) * 3, sin(0)) = (3, 0)
    got = skipgram.numerical_gradient(lambda x: math.sin(x[0]) * x[1], np.array([0.0, 3.0]))
    np.testing.assert_allclose(got, [3.0, 0.0], atol=1e-9)


@SETTINGS
@given(
    arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 3)), elements=st.floats(-5, 5)),
    st.data(),
)
def test_numerical_gradient_of_quadratics_and_sin(x, data):
    n = x.size
    A = data.draw(float_arrays((n, n), 2.0))
    b = data.draw(float_arrays((n,), 2.0))
    x_before = x.tobytes()

    def quadratic(y):
        y = y.reshape(-1)
        return float(y @ A @ y + b @ y)

    got = skipgram.numerical_gradient(quadratic, x)
    assert got.shape == x.shape and got.dtype == np.float64
    np.testing.assert_allclose(got, ((A + A.T) @ x.reshape(-1) + b).reshape(x.shape), rtol=1e-6, atol=1e-6)
    got = skipgram.numerical_gradient(lambda y: float(np.sum(np.sin(y))), x, eps=1e-4)
    np.testing.assert_allclose(got, np.cos(x), rtol=0, atol=1e-8)  # error about eps**2 / 6
    assert x.tobytes() == x_before  # bit-for-bit unchanged


def test_numerical_gradient_leaves_x_bit_for_bit_and_sees_only_copies():
    x = np.array([[0.1, -0.2, 0.3], [1e-300, -0.0, 2.0**0.5]])
    before = x.tobytes()
    seen = []

    def f(y):
        seen.append(y)
        assert y is not x and y.shape == x.shape and y.dtype == np.float64
        return float(np.sum(np.cos(y)))

    skipgram.numerical_gradient(f, x)
    assert x.tobytes() == before
    assert len(seen) == 2 * x.size
    zero_d = np.array(1.5)
    np.testing.assert_allclose(
        skipgram.numerical_gradient(lambda y: float(y) ** 3, zero_d), 3 * 1.5**2, rtol=1e-8
    )
    assert zero_d.tobytes() == np.array(1.5).tobytes()


def test_numerical_gradient_agrees_with_the_skipgram_gradient():
    rng = np.random.default_rng(7)
    W_in, W_out = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    _, grad_center, grad_out = skipgram.skipgram_loss_and_grads(W_in, W_out, 2, 0)
    got = skipgram.numerical_gradient(lambda W: skipgram.skipgram_loss_and_grads(W_in, W, 2, 0)[0], W_out)
    np.testing.assert_allclose(got, grad_out, rtol=1e-6, atol=1e-8)


def test_numerical_gradient_errors():
    f = lambda x: float(np.sum(x))  # noqa: E731
    x = np.array([1.0, 2.0])
    with pytest.raises(TypeError):
        skipgram.numerical_gradient("not callable", x)
    for eps in (0.0, -1e-5, math.nan, math.inf):
        with pytest.raises(ValueError):
            skipgram.numerical_gradient(f, x, eps=eps)
    for eps in ("1e-5", True, None):
        with pytest.raises(TypeError):
            skipgram.numerical_gradient(f, x, eps=eps)
    with pytest.raises(TypeError):
        skipgram.numerical_gradient(f, np.array(["a", "b"]))


# --- skipgram_pairs ----------------------------------------------------------------------------


def test_skipgram_pairs_by_hand():
    assert skipgram.skipgram_pairs([1, 2, 3], 1) == [(1, 2), (2, 1), (2, 3), (3, 2)]
    assert skipgram.skipgram_pairs([1, 2, 3], 2) == [(1, 2), (1, 3), (2, 1), (2, 3), (3, 1), (3, 2)]
    assert skipgram.skipgram_pairs([1, 2, 3], 99) == skipgram.skipgram_pairs([1, 2, 3], 2)
    # "Hello world" as IDs 0, 1, 2 ("Hello", " ", "world"), window 1
    assert skipgram.skipgram_pairs([0, 1, 2], 1) == [(0, 1), (1, 0), (1, 2), (2, 1)]
    assert skipgram.skipgram_pairs([5, 5], 1) == [(5, 5), (5, 5)]
    assert skipgram.skipgram_pairs([7], 3) == []
    assert skipgram.skipgram_pairs([], 1) == []


@SETTINGS
@given(st.lists(st.integers(0, 50), max_size=12), st.integers(1, 6))
def test_skipgram_pairs_equals_oracle(ids, window):
    got = skipgram.skipgram_pairs(ids, window)
    assert got == oracle_pairs(ids, window)
    n = len(ids)
    assert len(got) == sum(min(i, window) + min(n - 1 - i, window) for i in range(n))
    assert skipgram.skipgram_pairs(np.array(ids, dtype=np.int64), window) == got


def test_skipgram_pairs_accepts_numpy_integers_and_returns_python_ints():
    got = skipgram.skipgram_pairs([np.int64(4), np.int32(2), np.uint8(9)], np.int64(1))
    assert got == [(4, 2), (2, 4), (2, 9), (9, 2)]
    assert all(type(x) is int for pair in got for x in pair)
    assert skipgram.skipgram_pairs((10**6, 3), 1) == [(10**6, 3), (3, 10**6)]  # no upper bound here


def test_skipgram_pairs_errors():
    for window in (0, -1):
        with pytest.raises(ValueError):
            skipgram.skipgram_pairs([1, 2, 3], window)
    for window in (1.0, True, "2", None):
        with pytest.raises(TypeError):
            skipgram.skipgram_pairs([1, 2, 3], window)
    for ids in (
        [1, True, 3],
        [1, 2.0, 3],
        np.array([1.0, 2.0]),
        np.array([True, False]),
        "abc",
        [1, "2"],
        None,
    ):
        with pytest.raises(TypeError):
            skipgram.skipgram_pairs(ids, 1)
    with pytest.raises(IndexError):
        skipgram.skipgram_pairs([1, -1, 3], 1)
    with pytest.raises(IndexError):
        skipgram.skipgram_pairs(np.array([-5]), 1)
    with pytest.raises(ValueError):
        skipgram.skipgram_pairs(np.array([[1, 2], [3, 4]]), 1)


# --- train_skipgram ----------------------------------------------------------------------------


def reference_training(ids, vocab_size, dim, window, epochs, lr, seed):
    """SPEC 4, written out: init, zeros, one sgd_step per pair per epoch."""
    W_in = np.random.default_rng(seed).normal(0.0, 0.01, (vocab_size, dim))
    W_out = np.zeros((vocab_size, dim))
    for _ in range(epochs):
        for center, context in oracle_pairs(list(ids), window):
            skipgram.sgd_step(W_in, W_out, center, context, lr)
    return W_in, W_out


@settings(max_examples=30, deadline=None)
@given(
    st.integers(1, 6).flatmap(lambda V: st.tuples(st.just(V), st.lists(st.integers(0, V - 1), max_size=10))),
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(0, 3),
    st.sampled_from([0.05, 0.5]),
    st.integers(0, 2**32),
)
def test_train_skipgram_equals_a_loop_of_sgd_steps(vocab_and_ids, dim, window, epochs, lr, seed):
    vocab_size, ids = vocab_and_ids
    W_in, W_out = skipgram.train_skipgram(
        ids, vocab_size, dim, window=window, epochs=epochs, lr=lr, seed=seed
    )
    ref_in, ref_out = reference_training(ids, vocab_size, dim, window, epochs, lr, seed)
    assert W_in.dtype == W_out.dtype == np.float64
    assert W_in.shape == W_out.shape == (vocab_size, dim)
    np.testing.assert_array_equal(W_in, ref_in)
    np.testing.assert_array_equal(W_out, ref_out)


def test_train_skipgram_defaults_and_determinism():
    ids = [0, 1, 2, 1, 0, 3, 2]
    first = skipgram.train_skipgram(ids, 4, 3)
    second = skipgram.train_skipgram(list(ids), 4, 3)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    ref = reference_training(ids, 4, 3, window=2, epochs=5, lr=0.05, seed=0)
    for a, b in zip(first, ref):
        np.testing.assert_array_equal(a, b)
    other_seed = skipgram.train_skipgram(ids, 4, 3, seed=1)
    assert not np.array_equal(first[0], other_seed[0])


def test_train_skipgram_zero_epochs_is_the_initial_state():
    W_in, W_out = skipgram.train_skipgram([0, 1, 2], 3, 4, epochs=0, seed=5)
    np.testing.assert_array_equal(W_in, np.random.default_rng(5).normal(0.0, 0.01, (3, 4)))
    np.testing.assert_array_equal(W_out, np.zeros((3, 4)))


def test_train_skipgram_learns_that_shared_contexts_mean_similar():
    # "I feed my cat today" and "I feed my dog today": cat (0) and dog (1) share every context;
    # "the stock market fell" (5 6 7 8) shares none with them. Nobody says cat ~ dog.
    sentences = {"cat": [2, 3, 4, 0, 9], "dog": [2, 3, 4, 1, 9], "stock": [5, 6, 7, 8]}
    order = ["cat", "stock", "dog", "stock", "dog", "cat", "stock", "cat", "dog", "stock"] * 3
    corpus = [t for name in order for t in sentences[name]]
    W_in, _ = skipgram.train_skipgram(corpus, 10, 8, window=1, epochs=5, lr=0.2, seed=0)
    W_0, _ = skipgram.train_skipgram(corpus, 10, 8, window=1, epochs=0, seed=0)

    def cos(W, i, j):
        return float(W[i] @ W[j] / (np.linalg.norm(W[i]) * np.linalg.norm(W[j])))

    unrelated = max(cos(W_in, word, other) for word in (0, 1) for other in (5, 6, 7, 8))
    assert cos(W_0, 0, 1) < 0.5  # random at first
    assert cos(W_in, 0, 1) > 0.95
    assert cos(W_in, 0, 1) > unrelated + 0.3


def test_train_skipgram_checks_ids_even_without_pairs():
    with pytest.raises(IndexError):
        skipgram.train_skipgram([5], 3, 2)  # one token: no pair, still out of range
    with pytest.raises(IndexError):
        skipgram.train_skipgram([0, 3], 3, 2)
    with pytest.raises(IndexError):
        skipgram.train_skipgram([-1], 3, 2)
    with pytest.raises(TypeError):
        skipgram.train_skipgram([0, 1.0], 3, 2)
    with pytest.raises(TypeError):
        skipgram.train_skipgram([False], 3, 2)


def test_train_skipgram_size_errors():
    for kwargs, error in [
        (dict(vocab_size=0), ValueError),
        (dict(dim=0), ValueError),
        (dict(window=0), ValueError),
        (dict(epochs=-1), ValueError),
        (dict(lr=math.nan), ValueError),
        (dict(vocab_size=True), TypeError),
        (dict(dim=2.0), TypeError),
        (dict(epochs=1.5), TypeError),
        (dict(window="2"), TypeError),
        (dict(lr="fast"), TypeError),
    ]:
        args = dict(token_ids=[0, 1], vocab_size=3, dim=2) | kwargs
        with pytest.raises(error):
            skipgram.train_skipgram(**args)


def test_train_skipgram_accepts_numpy_ids_and_sizes():
    ids = np.array([0, 1, 2, 1], dtype=np.int32)
    got = skipgram.train_skipgram(ids, np.int64(3), np.int64(2), window=np.int64(1), epochs=np.int64(2))
    ref = reference_training([0, 1, 2, 1], 3, 2, window=1, epochs=2, lr=0.05, seed=0)
    for a, b in zip(got, ref):
        np.testing.assert_array_equal(a, b)
    assert ids.tolist() == [0, 1, 2, 1]


# --- edge cases shared by the loss functions ---------------------------------------------------


def test_loss_and_grads_errors():
    W = np.zeros((3, 2))
    for center, context in [(3, 0), (0, 3), (-1, 0), (0, -1)]:
        with pytest.raises(IndexError):
            skipgram.skipgram_loss_and_grads(W, W, center, context)
    for center, context in [(True, 0), (0, False), (1.0, 0), (0, 2.0), ("0", 0), (None, 0)]:
        with pytest.raises(TypeError):
            skipgram.skipgram_loss_and_grads(W, W, center, context)
    with pytest.raises(ValueError):
        skipgram.skipgram_loss_and_grads(np.zeros(3), np.zeros(3), 0, 0)
    with pytest.raises(ValueError):
        skipgram.skipgram_loss_and_grads(np.zeros((3, 2)), np.zeros((3, 3)), 0, 0)
    with pytest.raises(ValueError):
        skipgram.skipgram_loss_and_grads(np.zeros((3, 2)), np.zeros((4, 2)), 0, 0)
    with pytest.raises(TypeError):
        skipgram.skipgram_loss_and_grads(np.array([["a", "b"]]), np.zeros((1, 2)), 0, 0)
    with pytest.raises(ValueError):
        skipgram.skipgram_loss_and_grads(np.ones((2, 2)), np.array([[np.inf, 0.0], [0.0, 0.0]]), 0, 0)


def test_loss_and_grads_accepts_numpy_integer_ids():
    W_in = np.array([[1.0], [2.0]])
    W_out = np.array([[0.0], [LN3]])
    for center, context in [(np.int64(0), np.int64(1)), (np.int8(0), np.uint16(1))]:
        assert skipgram.skipgram_loss_and_grads(W_in, W_out, center, context)[0] == pytest.approx(
            math.log(4 / 3), abs=1e-15
        )


def test_negative_sampling_errors():
    v = np.array([1.0, 2.0])
    with pytest.raises(ValueError):
        skipgram.negative_sampling_loss_and_grads(v, np.array([1.0, 2.0, 3.0]), np.zeros((1, 2)))
    with pytest.raises(ValueError):
        skipgram.negative_sampling_loss_and_grads(v, v, np.zeros(2))
    with pytest.raises(ValueError):
        skipgram.negative_sampling_loss_and_grads(v, v, np.zeros((1, 3)))
    with pytest.raises(ValueError):
        skipgram.negative_sampling_loss_and_grads(v[None], v, np.zeros((1, 2)))
    with pytest.raises(TypeError):
        skipgram.negative_sampling_loss_and_grads(np.array(["a", "b"]), v, np.zeros((1, 2)))


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_softmax_refuses_non_finite_scores(bad):
    with pytest.raises(ValueError):
        skipgram.softmax([0.0, bad])
    with pytest.raises(ValueError):
        skipgram.softmax([[0.0, 1.0], [bad, 1.0]])


def test_softmax_shape_and_type_errors():
    with pytest.raises(ValueError):
        skipgram.softmax(3.0)  # no last axis
    with pytest.raises(ValueError):
        skipgram.softmax([])  # an empty distribution
    with pytest.raises(TypeError):
        skipgram.softmax(["a", "b"])
    with pytest.raises(TypeError):
        skipgram.softmax([True, False])
    assert skipgram.softmax(np.zeros((0, 3))).shape == (0, 3)  # no rows is fine
    assert skipgram.softmax(np.array([1, 2], dtype=np.int64)).dtype == np.float64
    assert skipgram.softmax(np.array([1, 2], dtype=np.float32)).dtype == np.float64


def test_no_input_is_mutated():
    rng = np.random.default_rng(3)
    W_in, W_out = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    v, u_pos, U_neg = rng.normal(size=3), rng.normal(size=3), rng.normal(size=(2, 3))
    x = rng.normal(size=(2, 5))
    ids = [0, 1, 2, 3, 2]
    inputs = [W_in, W_out, v, u_pos, U_neg, x]
    copies = [a.copy() for a in inputs]
    skipgram.softmax(x)
    skipgram.skipgram_loss_and_grads(W_in, W_out, 1, 2)
    skipgram.negative_sampling_loss_and_grads(v, u_pos, U_neg)
    skipgram.numerical_gradient(lambda y: float(np.sum(y**2)), x)
    skipgram.skipgram_pairs(ids, 2)
    skipgram.train_skipgram(ids, 4, 3, epochs=1)
    for before, after in zip(copies, inputs):
        np.testing.assert_array_equal(before, after)
    assert ids == [0, 1, 2, 3, 2]
