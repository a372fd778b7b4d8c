"""Hidden cases of skipgram (never shipped to students)."""

import numpy as np

from grader.cases.public.test_skipgram import check_sgd_step
from grader.casekit import (case, expect_close, expect_equal, expect_raises, expect_unchanged, named,
                            random_matrix, resolve_function, unpack)

SOFTMAX = "a numerically stable softmax"
GRADS = "the skip-gram gradient"
SGD = "one step of gradient descent"
NEG = "negative sampling"
NUMGRAD = "checking gradients numerically"
PAIRS = "skip-gram training pairs"
TRAIN = "the skip-gram training loop"
VALID = "input validation"


# --- softmax -----------------------------------------------------------------------------------
@case("softmax", "very negative scores", hidden=True, concept=SOFTMAX,
      hint="exp(-1000) is 0 in floating point: shift the scores so that the largest becomes 0.")
def test_softmax_negative(student, ref):
    x = np.array([-1000.0, -1001.0, -1000.5])
    expect_close(student.skipgram.softmax(x), ref.skipgram.softmax(x))
    x = np.array([[-800.0, 0.0, 800.0]])
    expect_close(student.skipgram.softmax(x), ref.skipgram.softmax(x))


@case("softmax", "over the last axis of a 3-D array", hidden=True, concept=SOFTMAX,
      hint="Reduce over axis=-1 with keepdims=True so the shapes broadcast.")
def test_softmax_3d(student, ref):
    x = random_matrix(20, (2, 3, 4), scale=50.0)
    expect_close(student.skipgram.softmax(x), ref.skipgram.softmax(x))


@case("softmax", "float32 scores give float64 probabilities", hidden=True, concept="dtypes",
      hint="Array results are float64 unless the rules say otherwise: convert the input first.")
def test_softmax_float32(student, ref):
    x = np.array([0.5, 2.0, -1.0], dtype=np.float32)
    expect_close(student.skipgram.softmax(x), ref.skipgram.softmax(x))


@case("softmax", "non-finite scores are a ValueError", hidden=True, concept=VALID,
      hint="Check for inf and NaN before computing (np.isfinite).")
def test_softmax_non_finite(student, ref):
    expect_raises(ValueError, student.skipgram.softmax, np.array([1.0, np.inf]))
    expect_raises(ValueError, student.skipgram.softmax, np.array([[0.0, np.nan]]))


@case("softmax", "2-D scores are left unchanged", hidden=True, concept="no side effects",
      hint="x -= x.max() changes the caller's array; compute a new array instead.")
def test_softmax_no_mutation(student, ref):
    x = np.array([[3.0, 1.0], [0.0, 2.0]])
    _, (after,) = student.skipgram.softmax.keep_args(x)
    expect_unchanged(x, after, what="x")


# --- skipgram_loss_and_grads -------------------------------------------------------------------
@case("skipgram_loss_and_grads", "a larger vocabulary and dimension", points=2, hidden=True, concept=GRADS,
      hint="e = p - one_hot(context); grad_center = W_out.T @ e (shape d); grad_out = outer(e, v) (V x d).")
def test_loss_grads_larger(student, ref):
    W_in, W_out = random_matrix(21, (7, 4)), random_matrix(22, (7, 4))
    got = unpack(student.skipgram.skipgram_loss_and_grads(W_in, W_out, 6, 2), 3)
    expect_close(got, ref.skipgram.skipgram_loss_and_grads(W_in, W_out, 6, 2), what="(loss, grad_center, grad_out)")


@case("skipgram_loss_and_grads", "large scores: the loss stays exact", points=2, hidden=True, concept=GRADS,
      hint="-log p[context] = logsumexp(scores) - scores[context]; never take the log of a probability "
           "that rounded to 0.")
def test_loss_grads_large_scores(student, ref):
    W_in = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    W_out = np.array([[900.0, 0.0], [0.0, -200.0], [-300.0, 100.0]])
    got = unpack(student.skipgram.skipgram_loss_and_grads(W_in, W_out, 0, 2), 3)
    expect_close(got, ref.skipgram.skipgram_loss_and_grads(W_in, W_out, 0, 2), what="(loss, grad_center, grad_out)")


@case("skipgram_loss_and_grads", "float32 matrices and NumPy integer IDs", hidden=True, concept="dtypes",
      hint="Token IDs may be NumPy integers; the gradients are float64 arrays whatever the input dtype.")
def test_loss_grads_float32(student, ref):
    W_in, W_out = random_matrix(23, (4, 3), dtype=np.float32), random_matrix(24, (4, 3), dtype=np.float32)
    got = unpack(student.skipgram.skipgram_loss_and_grads(W_in, W_out, np.int64(1), np.int32(3)), 3)
    expect_close(got, ref.skipgram.skipgram_loss_and_grads(W_in, W_out, 1, 3), what="(loss, grad_center, grad_out)")


@case("skipgram_loss_and_grads", "bad IDs and shapes", hidden=True, concept=VALID,
      hint="A negative or too large ID is an IndexError, a bool ID a TypeError, W_in and W_out of "
           "different shapes a ValueError.")
def test_loss_grads_bad(student, ref):
    W_in, W_out = random_matrix(25, (3, 2)), random_matrix(26, (3, 2))
    expect_raises(IndexError, student.skipgram.skipgram_loss_and_grads, W_in, W_out, 0, -1)
    expect_raises(IndexError, student.skipgram.skipgram_loss_and_grads, W_in, W_out, 3, 0)
    expect_raises(TypeError, student.skipgram.skipgram_loss_and_grads, W_in, W_out, True, 0)
    expect_raises(ValueError, student.skipgram.skipgram_loss_and_grads, W_in, W_out[:, :1], 0, 1)


# --- sgd_step ----------------------------------------------------------------------------------
@case("sgd_step", "both gradients come from the matrices before the step", points=2, hidden=True, concept=SGD,
      hint="Compute loss, grad_center and grad_out first; only then update W_in[center] and W_out.")
def test_sgd_step_order(student, ref):
    check_sgd_step(student, ref, random_matrix(27, (3, 4)), random_matrix(28, (3, 4)), 0, 2, 2.0)


@case("sgd_step", "a step when center == context", hidden=True, concept=SGD,
      hint="The update is the same formula whatever the IDs; W_in[center] and W_out change, nothing else.")
def test_sgd_step_same_ids(student, ref):
    check_sgd_step(student, ref, random_matrix(29, (4, 2)), random_matrix(30, (4, 2)), 3, 3, 0.3)


@case("sgd_step", "float32 matrices are updated in place", hidden=True, concept=SGD,
      hint="Update with -= so the caller's arrays change; they keep their dtype.")
def test_sgd_step_float32(student, ref):
    check_sgd_step(student, ref, random_matrix(31, (3, 3), dtype=np.float32),
               random_matrix(32, (3, 3), dtype=np.float32), 1, 0, 0.7)


@case("sgd_step", "an ID out of range is an IndexError", hidden=True, concept=VALID,
      hint="sgd_step accepts the same IDs as skipgram_loss_and_grads.")
def test_sgd_step_bad_id(student, ref):
    W_in, W_out = random_matrix(33, (3, 2)), random_matrix(34, (3, 2))
    expect_raises(IndexError, student.skipgram.sgd_step, W_in, W_out, -1, 0, 0.1)


# --- negative_sampling_loss_and_grads ----------------------------------------------------------
@case("negative_sampling_loss_and_grads", "large scores: the loss stays exact", points=2, hidden=True, concept=NEG,
      hint="-log sigmoid(s) = logaddexp(0, -s): exact where 1 / (1 + exp(-s)) rounds to 0 or 1.")
def test_negative_sampling_large(student, ref):
    v = np.array([10.0, -20.0])
    u_pos = np.array([-40.0, 30.0])
    U_neg = np.array([[50.0, -10.0], [0.1, 0.2]])
    got = unpack(student.skipgram.negative_sampling_loss_and_grads(v, u_pos, U_neg), 4)
    expect_close(got, ref.skipgram.negative_sampling_loss_and_grads(v, u_pos, U_neg),
                 what="(loss, grad_v, grad_u_pos, grad_U_neg)")


@case("negative_sampling_loss_and_grads", "no negatives (K = 0)", hidden=True, concept=NEG,
      hint="With K = 0 the sum over negatives is empty: its loss is 0 and grad_U_neg has shape (0, d).")
def test_negative_sampling_none(student, ref):
    v, u_pos, U_neg = random_matrix(35, (3,)), random_matrix(36, (3,)), np.zeros((0, 3))
    got = unpack(student.skipgram.negative_sampling_loss_and_grads(v, u_pos, U_neg), 4)
    expect_close(got, ref.skipgram.negative_sampling_loss_and_grads(v, u_pos, U_neg),
                 what="(loss, grad_v, grad_u_pos, grad_U_neg)")


@case("negative_sampling_loss_and_grads", "many negatives, float32 inputs", points=2, hidden=True, concept=NEG,
      hint="Each negative k adds sigmoid(U_neg[k] . v) * U_neg[k] to grad_v and sigmoid(U_neg[k] . v) * v "
           "to its row of grad_U_neg.")
def test_negative_sampling_many(student, ref):
    v = random_matrix(37, (5,), dtype=np.float32)
    u_pos = random_matrix(38, (5,), dtype=np.float32)
    U_neg = random_matrix(39, (6, 5), scale=2.0, dtype=np.float32)
    got = unpack(student.skipgram.negative_sampling_loss_and_grads(v, u_pos, U_neg), 4)
    expect_close(got, ref.skipgram.negative_sampling_loss_and_grads(v, u_pos, U_neg),
                 what="(loss, grad_v, grad_u_pos, grad_U_neg)")


@case("negative_sampling_loss_and_grads", "mismatched lengths are a ValueError", hidden=True, concept=VALID,
      hint="v, u_pos and the rows of U_neg must all have length d.")
def test_negative_sampling_shapes(student, ref):
    expect_raises(ValueError, student.skipgram.negative_sampling_loss_and_grads,
                  np.ones(3), np.ones(2), np.ones((1, 3)))
    expect_raises(ValueError, student.skipgram.negative_sampling_loss_and_grads,
                  np.ones(3), np.ones(3), np.ones((2, 4)))


# --- numerical_gradient ------------------------------------------------------------------------
@case("numerical_gradient", "the step eps is used", hidden=True, concept=NUMGRAD,
      hint="Use the eps you are given, on both sides: (f(x + eps) - f(x - eps)) / (2 eps).")
def test_numerical_gradient_eps(student, ref):
    f = named("weighted_sin", weights=[2.0, -1.0])
    x = np.array([0.7, 1.3])
    expect_close(student.skipgram.numerical_gradient(f, x, eps=0.01),
                 ref.skipgram.numerical_gradient(resolve_function(f), x, eps=0.01), rtol=1e-7, atol=1e-9)


@case("numerical_gradient", "central, not one-sided, differences", points=2, hidden=True, concept=NUMGRAD,
      hint="A one-sided difference has an error proportional to eps; the central one to eps**2.")
def test_numerical_gradient_central(student, ref):
    f = named("quadratic_form", A=[[30.0, -5.0, 1.0], [2.0, 10.0, 0.0], [0.5, 0.0, -20.0]])
    x = np.array([1.5, -2.5, 0.25])
    expect_close(student.skipgram.numerical_gradient(f, x),
                 ref.skipgram.numerical_gradient(resolve_function(f), x), rtol=1e-7, atol=1e-9)


@case("numerical_gradient", "x is unchanged, whatever its values", hidden=True, concept="no side effects",
      hint="Perturb a copy of x; adding and subtracting eps does not always give back the same bits.")
def test_numerical_gradient_no_mutation_hidden(student, ref):
    f = named("weighted_sin", weights=[[1.0, 2.0], [3.0, -1.0], [0.5, 0.25]])
    x = np.array([[0.1, 0.7], [1e-3, 123.456], [-0.3, 5.5]])
    _, (_f, after, *_) = student.skipgram.numerical_gradient.keep_args(f, x, 1e-4)
    expect_unchanged(x, after, what="x")


# --- skipgram_pairs ----------------------------------------------------------------------------
@case("skipgram_pairs", "a longer text and a wider window", points=2, hidden=True, concept=PAIRS,
      hint="For each position i in order, every j with 1 <= |i - j| <= window, j ascending; never j == i.")
def test_skipgram_pairs_longer(student, ref):
    ids = [4, 8, 15, 16, 23, 42, 8]
    expect_equal(student.skipgram.skipgram_pairs(ids, 3), ref.skipgram.skipgram_pairs(ids, 3), numpy_ints=True)


@case("skipgram_pairs", "a window wider than the text; NumPy IDs", hidden=True, concept=PAIRS,
      hint="Clip the window at both ends of the text. Token IDs may come as a NumPy integer array.")
def test_skipgram_pairs_wide(student, ref):
    ids = np.array([7, 7, 2], dtype=np.int64)
    expect_equal(student.skipgram.skipgram_pairs(ids, 10), ref.skipgram.skipgram_pairs(ids, 10), numpy_ints=True)
    expect_equal(student.skipgram.skipgram_pairs([5], 2), [])


@case("skipgram_pairs", "bad IDs and windows", hidden=True, concept=VALID,
      hint="A negative ID is an IndexError; a bool or float window or ID a TypeError.")
def test_skipgram_pairs_bad(student, ref):
    expect_raises(IndexError, student.skipgram.skipgram_pairs, [1, -2, 3], 1)
    expect_raises(TypeError, student.skipgram.skipgram_pairs, [1, 2], True)
    expect_raises(TypeError, student.skipgram.skipgram_pairs, [1, 2.0], 1)
    expect_raises(ValueError, student.skipgram.skipgram_pairs, [1, 2], -1)


# --- train_skipgram ----------------------------------------------------------------------------
@case("train_skipgram", "the default window, epochs, lr and seed", points=2, hidden=True, concept=TRAIN,
      hint="Defaults: window=2, epochs=5, lr=0.05, seed=0; W_in from init_embeddings, W_out zeros.")
def test_train_skipgram_defaults(student, ref):
    ids = [2, 0, 1, 2, 0, 4, 3]
    got = unpack(student.skipgram.train_skipgram(ids, 5, 2), 2)
    expect_close(got, ref.skipgram.train_skipgram(ids, 5, 2), what="(W_in, W_out)")


@case("train_skipgram", "pairs in order, a large learning rate", points=2, hidden=True, concept=TRAIN,
      hint="One sgd_step per pair of skipgram_pairs, in that order, every epoch.")
def test_train_skipgram_order(student, ref):
    ids = np.array([0, 3, 1, 3, 2, 0], dtype=np.int32)
    got = unpack(student.skipgram.train_skipgram(ids, 4, 3, window=2, epochs=3, lr=2.0, seed=5), 2)
    expect_close(got, ref.skipgram.train_skipgram(ids, 4, 3, window=2, epochs=3, lr=2.0, seed=5), what="(W_in, W_out)")


@case("train_skipgram", "0 epochs give the initial matrices", hidden=True, concept=TRAIN,
      hint="W_in = init_embeddings(vocab_size, dim, seed) with scale 0.01; W_out = zeros((vocab_size, dim)).")
def test_train_skipgram_no_epochs(student, ref):
    got = unpack(student.skipgram.train_skipgram([0, 1, 2], 3, 4, epochs=0, seed=9), 2)
    expect_close(got, ref.skipgram.train_skipgram([0, 1, 2], 3, 4, epochs=0, seed=9), what="(W_in, W_out)")


@case("train_skipgram", "bad IDs and sizes", hidden=True, concept=VALID,
      hint="Check every ID against vocab_size before training (IndexError); sizes below 1 are a ValueError.")
def test_train_skipgram_bad(student, ref):
    expect_raises(IndexError, student.skipgram.train_skipgram, [0, 1, -1], 3, 2)
    expect_raises(IndexError, student.skipgram.train_skipgram, [3, 3], 3, 2)
    expect_raises(ValueError, student.skipgram.train_skipgram, [0, 1], 2, 0)


# --- every Raises line of the docstrings is graded (issue 10) ----------------------------------
@case("softmax", "scores that are not real numbers are a TypeError", hidden=True, concept=VALID,
      hint="The given _float_array checks that x holds real numbers.")
def test_softmax_not_numbers(student, ref):
    expect_raises(TypeError, student.skipgram.softmax, ["a", "b"])


@case("skipgram_loss_and_grads", "every ID argument is range-checked", hidden=True, concept=VALID,
      hint="Both center and context must be in 0..V-1: a negative ID is out of range too.")
def test_loss_and_grads_every_id(student, ref):
    W_in, W_out = random_matrix(41, (3, 2)), random_matrix(42, (3, 2))
    expect_raises(IndexError, student.skipgram.skipgram_loss_and_grads, W_in, W_out, -1, 0)
    expect_raises(IndexError, student.skipgram.skipgram_loss_and_grads, W_in, W_out, 0, 3)


@case("sgd_step", "every ID argument is range-checked, context included", hidden=True, concept=VALID,
      hint="sgd_step accepts the same IDs as skipgram_loss_and_grads: center and context both in 0..V-1.")
def test_sgd_step_every_id(student, ref):
    W_in, W_out = random_matrix(43, (3, 2)), random_matrix(44, (3, 2))
    expect_raises(IndexError, student.skipgram.sgd_step, W_in, W_out, 0, -1, 0.1)
    expect_raises(IndexError, student.skipgram.sgd_step, W_in, W_out, 0, 3, 0.1)
    expect_raises(IndexError, student.skipgram.sgd_step, W_in, W_out, 3, 0, 0.1)


@case("sgd_step", "matrices that cannot be updated in place, or an lr that is not a number, are a TypeError",
      hidden=True, concept=VALID, hint="W_in and W_out must be float arrays (an int array cannot take a float "
      "step in place); lr must be a real number.")
def test_sgd_step_types(student, ref):
    W_out = random_matrix(45, (3, 2))
    expect_raises(TypeError, student.skipgram.sgd_step, np.ones((3, 2), dtype=np.int64), W_out, 0, 1, 0.1)
    expect_raises(TypeError, student.skipgram.sgd_step, random_matrix(46, (3, 2)), W_out, 0, 1, "0.1")


@case("sgd_step", "a non-finite lr or mismatched shapes are a ValueError", hidden=True, concept=VALID,
      hint="Check that lr is finite; the shapes are checked as in skipgram_loss_and_grads.")
def test_sgd_step_values(student, ref):
    expect_raises(ValueError, student.skipgram.sgd_step, random_matrix(47, (3, 2)), random_matrix(48, (3, 2)),
                  0, 1, float("inf"))
    expect_raises(ValueError, student.skipgram.sgd_step, random_matrix(49, (3, 2)), random_matrix(50, (3, 3)),
                  0, 1, 0.1)


@case("negative_sampling_loss_and_grads", "inputs that are not real numbers are a TypeError", hidden=True,
      concept=VALID, hint="The given _float_array checks that each input holds real numbers.")
def test_negative_sampling_types(student, ref):
    expect_raises(TypeError, student.skipgram.negative_sampling_loss_and_grads, ["a", "b"], np.ones(2),
                  np.ones((1, 2)))


@case("numerical_gradient", "a bad f, x or eps is a TypeError; a zero, negative or infinite eps a ValueError",
      hidden=True, concept=VALID, hint="Check that f is callable, x holds real numbers and eps is a finite "
      "positive number before you perturb anything.")
def test_numerical_gradient_errors(student, ref):
    f = named("sum_squares")
    expect_raises(TypeError, student.skipgram.numerical_gradient, 3, np.ones(2))
    expect_raises(TypeError, student.skipgram.numerical_gradient, f, ["a", "b"])
    expect_raises(TypeError, student.skipgram.numerical_gradient, f, np.ones(2), "1e-5")
    expect_raises(ValueError, student.skipgram.numerical_gradient, f, np.ones(2), 0.0)
    expect_raises(ValueError, student.skipgram.numerical_gradient, f, np.ones(2), -1e-5)
    expect_raises(ValueError, student.skipgram.numerical_gradient, f, np.ones(2), float("inf"))


@case("train_skipgram", "an ID, window or lr of the wrong type is a TypeError", hidden=True, concept=VALID,
      hint="IDs and window are ints (not bools, not floats); lr is a real number.")
def test_train_skipgram_types(student, ref):
    expect_raises(TypeError, student.skipgram.train_skipgram, [0, 1.0], 3, 2)
    expect_raises(TypeError, student.skipgram.train_skipgram, [0, 1], 3, 2, 1.5)
    expect_raises(TypeError, student.skipgram.train_skipgram, [0, 1], 3, 2, 2, 5, "0.05")


# --- cases that kill the survivors of the automated mutation analysis (issue 10) ---------------
@case("softmax", "0-d scores are a ValueError; one score, or no rows, are fine", hidden=True, concept=SOFTMAX,
      hint="Refuse a 0-d x and an empty last axis; one score gives [1.0], and a (0, 3) array has no rows to fail.")
def test_softmax_edges(student, ref):
    expect_raises(ValueError, student.skipgram.softmax, np.float64(2.0))
    expect_close(student.skipgram.softmax([5.0]), ref.skipgram.softmax(np.array([5.0])))
    expect_close(student.skipgram.softmax(np.zeros((0, 3))), ref.skipgram.softmax(np.zeros((0, 3))))


@case("skipgram_loss_and_grads", "W_in and W_out with different vocabulary sizes are a ValueError", hidden=True,
      concept=VALID, hint="Compare the whole shapes with !=: (3, 2) and (4, 2) differ too.")
def test_loss_and_grads_vocab_sizes(student, ref):
    expect_raises(ValueError, student.skipgram.skipgram_loss_and_grads,
                  random_matrix(55, (3, 2)), random_matrix(56, (4, 2)), 0, 1)
    expect_raises(ValueError, student.skipgram.skipgram_loss_and_grads,
                  random_matrix(57, (4, 2)), random_matrix(58, (3, 2)), 0, 1)


@case("sgd_step", "a matrix given as a list is a TypeError", hidden=True, concept=VALID,
      hint="A list cannot be updated in place like an array: check isinstance(W, np.ndarray) for both.")
def test_sgd_step_list_matrix(student, ref):
    expect_raises(TypeError, student.skipgram.sgd_step, [[0.1, 0.2], [0.3, 0.4]], random_matrix(59, (2, 2)),
                  0, 1, 0.1)


@case("skipgram_pairs", "a long text of token IDs", hidden=True, concept=PAIRS,
      hint="Skip j == i with !=, never with `is not`: large ints are distinct objects.")
def test_skipgram_pairs_long(student, ref):
    ids = [i % 7 for i in range(300)]
    expect_equal(student.skipgram.skipgram_pairs(ids, 1), ref.skipgram.skipgram_pairs(ids, 1), numpy_ints=True)


@case("train_skipgram", "epochs -1 is a ValueError, epochs True a TypeError", hidden=True, concept=VALID,
      hint="epochs must be an int >= 0; a bool is not an int here.")
def test_train_skipgram_epochs(student, ref):
    expect_raises(ValueError, student.skipgram.train_skipgram, [0, 1], 2, 2, 1, -1)
    expect_raises(TypeError, student.skipgram.train_skipgram, [0, 1], 2, 2, 1, True)
