"""Public cases of skipgram: how gradient descent learns embeddings.

Run them with ``embedlab check skipgram``.
"""

import math

import numpy as np

from grader.casekit import (case, expect_close, expect_equal, expect_raises, expect_unchanged, named,
                            random_matrix, resolve_function, unpack)

LN3 = math.log(3.0)
# the docstring's worked example: V = 2, d = 1 (W_in needs a row per token too)
W_IN_EXAMPLE = np.array([[1.0], [-0.5]])
W_OUT_EXAMPLE = np.array([[0.0], [LN3]])


# --- softmax -----------------------------------------------------------------------------------
@case("softmax", "the docstring example: softmax([0, ln 3]) = [1/4, 3/4]")
def test_softmax_example(student, ref):
    x = np.array([0.0, LN3])
    expect_close(student.skipgram.softmax(x), ref.skipgram.softmax(x))


@case("softmax", "a plain Python list of scores, as in the docstring example")
def test_softmax_list(student, ref):
    # the signature takes any sequence of floats: softmax([0, ln 3]) must work without np.array first
    expect_close(student.skipgram.softmax([0.0, LN3]), ref.skipgram.softmax(np.array([0.0, LN3])))


@case("softmax", "large scores: no overflow, no NaN", points=2)
def test_softmax_large(student, ref):
    x = np.array([1000.0, 999.0, -1000.0])
    expect_close(student.skipgram.softmax(x), ref.skipgram.softmax(x))


@case("softmax", "each row of a 2-D array is one distribution")
def test_softmax_rows(student, ref):
    x = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 5.0]])
    expect_close(student.skipgram.softmax(x), ref.skipgram.softmax(x))


@case("softmax", "the scores are left unchanged")
def test_softmax_no_mutation(student, ref):
    x = np.array([2.0, -1.0, 0.5])
    _, (after,) = student.skipgram.softmax.keep_args(x)
    expect_unchanged(x, after, what="x")


# --- skipgram_loss_and_grads -------------------------------------------------------------------
@case("skipgram_loss_and_grads", "the docstring's worked example", points=2)
def test_loss_grads_example(student, ref):
    got = unpack(student.skipgram.skipgram_loss_and_grads(W_IN_EXAMPLE, W_OUT_EXAMPLE, 0, 1), 3)
    expect_close(got, ref.skipgram.skipgram_loss_and_grads(W_IN_EXAMPLE, W_OUT_EXAMPLE, 0, 1),
                 what="(loss, grad_center, grad_out)")


@case("skipgram_loss_and_grads", "random matrices, V = 5 and d = 3", points=2)
def test_loss_grads_random(student, ref):
    W_in, W_out = random_matrix(1, (5, 3)), random_matrix(2, (5, 3))
    got = unpack(student.skipgram.skipgram_loss_and_grads(W_in, W_out, 3, 1), 3)
    expect_close(got, ref.skipgram.skipgram_loss_and_grads(W_in, W_out, 3, 1), what="(loss, grad_center, grad_out)")


@case("skipgram_loss_and_grads", "large scores: the loss stays finite and exact", points=2)
def test_loss_grads_large(student, ref):
    W_in = np.array([[2.0], [1.0], [-1.0]])
    W_out = np.array([[400.0], [-300.0], [10.0]])
    got = unpack(student.skipgram.skipgram_loss_and_grads(W_in, W_out, 0, 1), 3)
    expect_close(got, ref.skipgram.skipgram_loss_and_grads(W_in, W_out, 0, 1), what="(loss, grad_center, grad_out)")


@case("skipgram_loss_and_grads", "the matrices are left unchanged")
def test_loss_grads_no_mutation(student, ref):
    W_in, W_out = random_matrix(3, (4, 2)), random_matrix(4, (4, 2))
    _, after = student.skipgram.skipgram_loss_and_grads.keep_args(W_in, W_out, 0, 2)
    expect_unchanged(W_in, after[0], what="W_in")
    expect_unchanged(W_out, after[1], what="W_out")


# --- sgd_step ----------------------------------------------------------------------------------
def check_sgd_step(student, ref, W_in, W_out, center, context, lr):
    """The student's step changes W_in and W_out in place exactly as the reference's step does."""
    loss, (W_in_after, W_out_after, *_) = student.skipgram.sgd_step.keep_args(W_in, W_out, center, context, lr)
    want_in, want_out = W_in.copy(), W_out.copy()
    want_loss = ref.skipgram.sgd_step(want_in, want_out, center, context, lr)
    expect_close(W_in_after, want_in, what="W_in after the step")
    expect_close(W_out_after, want_out, what="W_out after the step")
    expect_close(loss, want_loss, what="the returned loss")


@case("sgd_step", "updates W_in[center] and W_out in place, returns the loss before", points=3)
def test_sgd_step_in_place(student, ref):
    check_sgd_step(student, ref, random_matrix(5, (4, 3)), random_matrix(6, (4, 3)), 2, 0, 0.5)


@case("sgd_step", "every other row of W_in is untouched")
def test_sgd_step_other_rows(student, ref):
    W_in, W_out = random_matrix(7, (5, 2)), random_matrix(8, (5, 2))
    _, (W_in_after, *_) = student.skipgram.sgd_step.keep_args(W_in, W_out, 1, 3, 0.1)
    others = [0, 2, 3, 4]
    expect_unchanged(W_in[others], W_in_after[others], what="the rows of W_in other than center")


# --- negative_sampling_loss_and_grads ----------------------------------------------------------
@case("negative_sampling_loss_and_grads", "the docstring's worked example", points=2)
def test_negative_sampling_example(student, ref):
    v, u_pos, U_neg = np.array([1.0, 0.0]), np.array([LN3, 0.0]), np.array([[-LN3, 5.0]])
    got = unpack(student.skipgram.negative_sampling_loss_and_grads(v, u_pos, U_neg), 4)
    expect_close(got, ref.skipgram.negative_sampling_loss_and_grads(v, u_pos, U_neg),
                 what="(loss, grad_v, grad_u_pos, grad_U_neg)")


@case("negative_sampling_loss_and_grads", "random vectors, K = 3 negatives", points=2)
def test_negative_sampling_random(student, ref):
    v, u_pos, U_neg = random_matrix(9, (4,)), random_matrix(10, (4,)), random_matrix(11, (3, 4))
    got = unpack(student.skipgram.negative_sampling_loss_and_grads(v, u_pos, U_neg), 4)
    expect_close(got, ref.skipgram.negative_sampling_loss_and_grads(v, u_pos, U_neg),
                 what="(loss, grad_v, grad_u_pos, grad_U_neg)")


@case("negative_sampling_loss_and_grads", "large scores: the loss stays finite and exact")
def test_negative_sampling_large_public(student, ref):
    v, u_pos, U_neg = np.array([30.0]), np.array([-30.0]), np.array([[25.0], [-1.0]])
    got = unpack(student.skipgram.negative_sampling_loss_and_grads(v, u_pos, U_neg), 4)
    expect_close(got, ref.skipgram.negative_sampling_loss_and_grads(v, u_pos, U_neg),
                 what="(loss, grad_v, grad_u_pos, grad_U_neg)")


# --- numerical_gradient ------------------------------------------------------------------------
@case("numerical_gradient", "the docstring example: f = sum(x**2) at [1, -2]", points=2)
def test_numerical_gradient_example(student, ref):
    f = named("sum_squares")
    x = np.array([1.0, -2.0])
    expect_close(student.skipgram.numerical_gradient(f, x), ref.skipgram.numerical_gradient(resolve_function(f), x),
                 rtol=1e-7, atol=1e-9)


@case("numerical_gradient", "x is bit-for-bit unchanged")
def test_numerical_gradient_no_mutation(student, ref):
    f = named("weighted_sin", weights=[1.0, 2.0, 3.0, 4.0])
    x = np.array([0.3, -1.7, 2.9, 0.1])
    _, (_f, after, *_) = student.skipgram.numerical_gradient.keep_args(f, x)
    expect_unchanged(x, after, what="x")


@case("numerical_gradient", "x of any shape (2-D)")
def test_numerical_gradient_2d(student, ref):
    f = named("weighted_sin", weights=[[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]])
    expect_close(student.skipgram.numerical_gradient(f, x), ref.skipgram.numerical_gradient(resolve_function(f), x),
                 rtol=1e-7, atol=1e-9)


# --- skipgram_pairs ----------------------------------------------------------------------------
@case("skipgram_pairs", "the docstring examples, windows 1 and 2", points=2)
def test_skipgram_pairs_example(student, ref):
    for window in (1, 2):
        expect_equal(student.skipgram.skipgram_pairs([1, 2, 3], window), ref.skipgram.skipgram_pairs([1, 2, 3], window),
                     numpy_ints=True)


@case("skipgram_pairs", "a window below 1 is a ValueError")
def test_skipgram_pairs_window(student, ref):
    expect_raises(ValueError, student.skipgram.skipgram_pairs, [1, 2, 3], 0)


# --- train_skipgram ----------------------------------------------------------------------------
@case("train_skipgram", "a short text, 2 epochs", points=3)
def test_train_skipgram_short(student, ref):
    ids = [0, 1, 2, 1, 0, 3]
    got = unpack(student.skipgram.train_skipgram(ids, 4, 3, window=1, epochs=2, lr=0.5), 2)
    expect_close(got, ref.skipgram.train_skipgram(ids, 4, 3, window=1, epochs=2, lr=0.5), what="(W_in, W_out)")


@case("train_skipgram", "an ID outside the vocabulary is an IndexError, even without pairs")
def test_train_skipgram_bad_id(student, ref):
    expect_raises(IndexError, student.skipgram.train_skipgram, [5], 3, 2)
