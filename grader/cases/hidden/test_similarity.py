"""Hidden cases of similarity (never shipped to students)."""

import numpy as np

from grader.cases.public.test_similarity import expect_cosine_range
from grader.casekit import case, expect_close, expect_equal, expect_raises, random_matrix

COSINE = "cosine similarity"
SCALE = "cosine without overflow or underflow"
RANK = "ranking by cosine similarity"
ANALOGY = "analogies by vector arithmetic"
VALID = "input validation"


# --- cosine_similarity -------------------------------------------------------------------------
@case("cosine_similarity", "huge vectors do not overflow", points=2, hidden=True, concept=SCALE,
      hint="Squaring 1e200 overflows to inf: divide each vector by its largest magnitude first.")
def test_cosine_huge(student, ref):
    a, b = np.array([3e200, -1e200, 2e200]), np.array([1e200, 1e200, 5e199])
    expect_close(student.similarity.cosine_similarity(a, b), ref.similarity.cosine_similarity(a, b))


@case("cosine_similarity", "tiny vectors do not underflow", points=2, hidden=True, concept=SCALE,
      hint="Squaring 1e-200 underflows to 0: divide each vector by its largest magnitude first.")
def test_cosine_tiny(student, ref):
    a, b = np.array([1e-200, 2e-200]), np.array([3e-200, 5e-201])
    expect_close(student.similarity.cosine_similarity(a, b), ref.similarity.cosine_similarity(a, b))


@case("cosine_similarity", "opposite, parallel and float32 vectors", hidden=True, concept=COSINE,
      hint="cos is 1 for the same direction, -1 for opposite ones, never outside [-1, 1]; return a float.")
def test_cosine_directions(student, ref):
    a = np.array([0.9, -1.0, -0.8], dtype=np.float32)
    for b in (-7 * a, 0.5 * a, np.array([0.3, -0.2, 0.9], dtype=np.float32)):
        got = student.similarity.cosine_similarity(a, b)
        expect_close(got, ref.similarity.cosine_similarity(a, b), rtol=1e-6, atol=1e-7)
        expect_cosine_range(got)


@case("cosine_similarity", "bad vectors are a ValueError", hidden=True, concept=VALID,
      hint="Different lengths, 2-D input, inf or NaN: ValueError.")
def test_cosine_bad(student, ref):
    expect_raises(ValueError, student.similarity.cosine_similarity, np.ones(2), np.ones(3))
    expect_raises(ValueError, student.similarity.cosine_similarity, np.array([1.0, np.nan]), np.ones(2))
    expect_raises(ValueError, student.similarity.cosine_similarity, np.ones((1, 2)), np.ones((1, 2)))


# --- cosine_similarity_matrix ------------------------------------------------------------------
@case("cosine_similarity_matrix", "zero rows give 0 everywhere", hidden=True, concept=COSINE,
      hint="A zero row has no direction: its cosines are 0 by convention, never NaN.")
def test_cosine_matrix_zero_rows(student, ref):
    A = random_matrix(50, (3, 4))
    A[1] = 0.0
    B = random_matrix(51, (2, 4))
    B[0] = 0.0
    expect_close(student.similarity.cosine_similarity_matrix(A, B), ref.similarity.cosine_similarity_matrix(A, B))


@case("cosine_similarity_matrix", "rows of very different magnitudes", points=2, hidden=True, concept=SCALE,
      hint="Scale each row by its own largest magnitude; then normalise each row.")
def test_cosine_matrix_magnitudes(student, ref):
    A = random_matrix(52, (3, 3)) * np.array([[1e250], [1e-250], [1.0]])
    B = random_matrix(53, (4, 3)) * np.array([[1e-200], [1e200], [3.0], [1e-3]])
    expect_close(student.similarity.cosine_similarity_matrix(A, B), ref.similarity.cosine_similarity_matrix(A, B))


@case("cosine_similarity_matrix", "identical rows are clipped to 1", hidden=True, concept=COSINE,
      hint="Rounding can give 1.0000000000000002: clip every value to [-1, 1].")
def test_cosine_matrix_clip(student, ref):
    A = np.array([[0.7, -0.2, -0.8], [0.2, -0.8, -0.8], [0.9, -1.0, -0.8]])
    B = np.vstack([0.5 * A, -7.0 * A])
    got = student.similarity.cosine_similarity_matrix(A, B)
    expect_close(got, ref.similarity.cosine_similarity_matrix(A, B))
    expect_cosine_range(got)


@case("cosine_similarity_matrix", "bad matrices are a ValueError", hidden=True, concept=VALID,
      hint="Both must be 2-D with the same number of columns, and finite.")
def test_cosine_matrix_bad(student, ref):
    expect_raises(ValueError, student.similarity.cosine_similarity_matrix, np.ones((2, 3)), np.ones((2, 2)))
    expect_raises(ValueError, student.similarity.cosine_similarity_matrix, np.ones((2, 2)),
                  np.array([[1.0, np.inf]]))


# --- top_k -------------------------------------------------------------------------------------
@case("top_k", "exact ties go to the lower index", points=2, hidden=True, concept=RANK,
      hint="Sort by decreasing similarity with a stable sort, or by (-similarity, index).")
def test_top_k_ties(student, ref):
    base = random_matrix(54, (3, 3))
    matrix = np.vstack([base[0] * 4, base[1], base[0], base[2] * 0.5, base[1] * 8, base[0] * 0.25])
    query = base[0] + 0.5 * base[1]
    expect_equal(student.similarity.top_k(query, matrix, 6), ref.similarity.top_k(query, matrix, 6))


@case("top_k", "by cosine, not by dot product", points=2, hidden=True, concept=RANK,
      hint="A long vector is not more similar: compare directions only.")
def test_top_k_cosine(student, ref):
    query = np.array([1.0, 0.2])
    matrix = np.array([[100.0, 80.0], [0.9, 0.15], [-50.0, 1.0], [0.0, 0.0], [3.0, 1.0]])
    expect_equal(student.similarity.top_k(query, matrix, 4), ref.similarity.top_k(query, matrix, 4))


@case("top_k", "k = 0 and an empty matrix", hidden=True, concept=RANK,
      hint="k = 0 gives []; a matrix with no rows has nothing to return.")
def test_top_k_empty(student, ref):
    expect_equal(student.similarity.top_k(np.ones(2), np.ones((3, 2)), 0), [])
    expect_equal(student.similarity.top_k(np.ones(2), np.zeros((0, 2)), 2), [])


@case("top_k", "bad arguments", hidden=True, concept=VALID,
      hint="k must be an int (a bool is not) and the query must match the rows' length.")
def test_top_k_bad(student, ref):
    expect_raises(TypeError, student.similarity.top_k, np.ones(2), np.ones((3, 2)), True)
    expect_raises(ValueError, student.similarity.top_k, np.ones(3), np.ones((3, 2)), 1)
    expect_raises(ValueError, student.similarity.top_k, np.array([np.nan, 1.0]), np.ones((3, 2)), 1)


# --- analogy -----------------------------------------------------------------------------------
def _vocab_with_unk():
    words = ["<unk>", "man", "woman", "king", "queen", "prince", "princess", "apple"]
    vocab = {w: i for i, w in enumerate(words)}
    #               male  female royal commoner young fruit
    E = np.array([[0.2, 0.5, 0.6, 0.1, 0.0, 0.0],    # <unk>: close to the target on purpose
                  [1.0, 0.0, 0.0, 1.0, 0.0, 0.0],    # man
                  [0.0, 1.0, 0.0, 1.0, 0.0, 0.0],    # woman
                  [2.0, 0.0, 2.0, 0.0, 0.0, 0.0],    # king (a longer vector)
                  [0.0, 1.0, 1.2, 0.0, 0.1, 0.0],    # queen
                  [1.0, 0.0, 1.0, 0.0, 1.0, 0.0],    # prince
                  [0.0, 1.0, 1.0, 0.0, 1.0, 0.0],    # princess
                  [0.0, 0.0, 0.0, 0.0, 0.0, 1.0]])   # apple
    return vocab, E


@case("analogy", "<unk> is never an answer", points=2, hidden=True, concept=ANALOGY,
      hint="Leave out a, b, c and '<unk>' before taking the k best.")
def test_analogy_unk(student, ref):
    vocab, E = _vocab_with_unk()
    expect_equal(student.similarity.analogy("man", "king", "woman", vocab, E, k=3),
                 ref.similarity.analogy("man", "king", "woman", vocab, E, k=3))


@case("analogy", "unit vectors, not raw rows", points=2, hidden=True, concept=ANALOGY,
      hint="The target is unit(E[b]) - unit(E[a]) + unit(E[c]): rows of different lengths weigh the same.")
def test_analogy_units(student, ref):
    vocab, E = _vocab_with_unk()
    E = E * np.array([[1.0], [5.0], [0.2], [3.0], [1.0], [0.5], [2.0], [1.0]])
    expect_equal(student.similarity.analogy("woman", "princess", "man", vocab, E, k=2),
                 ref.similarity.analogy("woman", "princess", "man", vocab, E, k=2))


@case("analogy", "a zero row and a random matrix", hidden=True, concept=ANALOGY,
      hint="The unit vector of a zero row is zero (not NaN); rank every other word by cosine.")
def test_analogy_random(student, ref):
    vocab = {f"w{i}": i for i in range(9)}
    E = random_matrix(55, (9, 4))
    E[4] = 0.0
    expect_equal(student.similarity.analogy("w4", "w1", "w2", vocab, E, k=4),
                 ref.similarity.analogy("w4", "w1", "w2", vocab, E, k=4))


# --- every Raises line of the docstrings is graded (issue 10) ----------------------------------
@case("cosine_similarity", "vectors that do not hold real numbers are a TypeError", hidden=True, concept=VALID,
      hint="The given _finite_array checks that a vector holds real numbers.")
def test_cosine_similarity_types(student, ref):
    expect_raises(TypeError, student.similarity.cosine_similarity, ["a", "b"], np.ones(2))


@case("cosine_similarity_matrix", "matrices that do not hold real numbers are a TypeError", hidden=True,
      concept=VALID, hint="The given _finite_array checks that a matrix holds real numbers.")
def test_cosine_matrix_types(student, ref):
    expect_raises(TypeError, student.similarity.cosine_similarity_matrix, np.ones((2, 2)), [["a", "b"]])


@case("analogy", "the errors of its docstring: IndexError, TypeError, ValueError", hidden=True, concept=VALID,
      hint="Check k, E, each word and its ID before any arithmetic; an ID must be a row of E.")
def test_analogy_errors(student, ref):
    E = random_matrix(51, (4, 3))
    vocab = {"man": 0, "king": 1, "woman": 2, "queen": 3}
    expect_raises(IndexError, student.similarity.analogy, "man", "king", "woman", {**vocab, "woman": 9}, E)
    expect_raises(TypeError, student.similarity.analogy, "man", "king", 7, {**vocab, 7: 2}, E)
    expect_raises(TypeError, student.similarity.analogy, "man", "king", "woman", {**vocab, "woman": 2.0}, E)
    expect_raises(TypeError, student.similarity.analogy, "man", "king", "woman", vocab, E, 1.5)
    expect_raises(ValueError, student.similarity.analogy, "man", "king", "woman", vocab, E, -1)
    bad = E.copy()
    bad[3, 0] = np.inf
    expect_raises(ValueError, student.similarity.analogy, "man", "king", "woman", vocab, bad)


# --- cases that kill the survivors of the automated mutation analysis (issue 10) ---------------
@case("analogy", "a negative or bool ID is refused; c may be <unk> itself", hidden=True, concept=ANALOGY,
      hint="An ID must be an int in 0..V-1 (E[-1] would silently wrap); <unk> is left out even when it is c.")
def test_analogy_id_edges(student, ref):
    E = random_matrix(60, (5, 3))
    vocab = {"<unk>": 0, "man": 1, "king": 2, "woman": 3, "queen": 4}
    expect_raises(IndexError, student.similarity.analogy, "man", "king", "woman", {**vocab, "woman": -1}, E)
    expect_raises(TypeError, student.similarity.analogy, "man", "king", "woman", {**vocab, "woman": True}, E)
    got = student.similarity.analogy("man", "king", "<unk>", vocab, E, k=3)
    expect_equal(got, ref.similarity.analogy("man", "king", "<unk>", vocab, E, k=3))
