"""Public cases of similarity: cosine similarity and nearest neighbours.

Run them with ``embedlab check similarity``.
"""

import numpy as np

from grader.casekit import case, expect_close, expect_equal, expect_raises, expect_that, random_matrix, show

# the analogy of the docstring: dimensions (male, female, royal, commoner)
WORDS = {"man": 0, "woman": 1, "king": 2, "queen": 3}
E_WORDS = np.array([[1.0, 0, 0, 1], [0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 1, 0]])
# more words, and rows of different lengths: dimensions (male, female, royal, commoner, young)
FAMILY = {w: i for i, w in enumerate(["man", "woman", "king", "queen", "boy", "girl", "prince", "<unk>"])}
E_FAMILY = np.array([[1.0, 0, 0, 1, 0], [0, 1, 0, 1, 0], [3, 0, 3, 0, 0], [0, 1, 1, 0, 0],
                     [1, 0, 0, 1, 1], [0, 1, 0, 1, 2], [1, 0, 1, 0, 1], [0, 0.9, 0.8, 0.1, 0]])


def expect_cosine_range(got):
    """Cosines live in [-1, 1]: rounding must never push one past the ends."""
    values = np.atleast_1d(np.asarray(got, dtype=np.float64))
    expect_that(bool(np.all(np.abs(values) <= 1.0)), expected="values in [-1, 1] (clipped)", got=show(got),
                difference="a cosine is outside [-1, 1]: clip after dividing (np.clip)")


# --- cosine_similarity -------------------------------------------------------------------------
@case("cosine_similarity", "the docstring example: 45 degrees", points=2)
def test_cosine_example(student, ref):
    expect_close(student.similarity.cosine_similarity([1.0, 0.0], [1.0, 1.0]),
                 ref.similarity.cosine_similarity([1.0, 0.0], [1.0, 1.0]))


@case("cosine_similarity", "a zero vector gives 0.0, not NaN", points=2)
def test_cosine_zero(student, ref):
    a, b = np.array([1.0, 2.0]), np.zeros(2)
    expect_equal(student.similarity.cosine_similarity(a, b), ref.similarity.cosine_similarity(a, b))


@case("cosine_similarity", "magnitude is ignored; the result is clipped to [-1, 1]", points=2)
def test_cosine_magnitude(student, ref):
    a = np.array([0.5, 0.1, -0.7])
    for b in (2 * a, -2 * a):
        got = student.similarity.cosine_similarity(a, b)
        expect_close(got, ref.similarity.cosine_similarity(a, b))
        expect_cosine_range(got)


@case("cosine_similarity", "large vectors (1e200) do not overflow")
def test_cosine_large(student, ref):
    a, b = np.array([1e200, 0.0]), np.array([1e200, 1e200])
    expect_close(student.similarity.cosine_similarity(a, b), ref.similarity.cosine_similarity(a, b))


# --- cosine_similarity_matrix ------------------------------------------------------------------
@case("cosine_similarity_matrix", "the docstring example, with a zero row", points=2)
def test_cosine_matrix_example(student, ref):
    A, B = np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([[1.0, 1.0], [0.0, 5.0], [-2.0, 0.0]])
    expect_close(student.similarity.cosine_similarity_matrix(A, B), ref.similarity.cosine_similarity_matrix(A, B))


@case("cosine_similarity_matrix", "random matrices, 4 x 3 against 5 x 3", points=2)
def test_cosine_matrix_random(student, ref):
    A, B = random_matrix(40, (4, 3)), random_matrix(41, (5, 3), scale=10.0)
    expect_close(student.similarity.cosine_similarity_matrix(A, B), ref.similarity.cosine_similarity_matrix(A, B))


@case("cosine_similarity_matrix", "huge rows and multiples: no overflow, clipped to [-1, 1]", points=2)
def test_cosine_matrix_scale(student, ref):
    A = np.array([[0.5, 0.1, -0.7], [3e200, -1e200, 2e200]])
    B = np.array([[1.0, 0.2, -1.4], [-1.5, -0.3, 2.1], [1e200, 1e200, 5e199]])
    got = student.similarity.cosine_similarity_matrix(A, B)
    expect_close(got, ref.similarity.cosine_similarity_matrix(A, B))
    expect_cosine_range(got)


# --- top_k -------------------------------------------------------------------------------------
@case("top_k", "the docstring example: ties go to the lower index", points=2)
def test_top_k_example(student, ref):
    query, matrix = [1.0, 0.0], np.array([[0.0, 1.0], [2.0, 0.0], [1.0, 1.0], [1.0, 0.0]])
    expect_equal(student.similarity.top_k(query, matrix, 3), ref.similarity.top_k(query, matrix, 3))


@case("top_k", "k larger than the number of rows gives every row")
def test_top_k_large_k(student, ref):
    query, matrix = np.array([1.0, -1.0]), random_matrix(42, (4, 2))
    expect_equal(student.similarity.top_k(query, matrix, 10), ref.similarity.top_k(query, matrix, 10))


@case("top_k", "k < 0 is a ValueError")
def test_top_k_negative_k(student, ref):
    expect_raises(ValueError, student.similarity.top_k, np.ones(2), np.ones((3, 2)), -1)


# --- analogy -----------------------------------------------------------------------------------
@case("analogy", "man is to king as woman is to queen", points=2)
def test_analogy_example(student, ref):
    expect_equal(student.similarity.analogy("man", "king", "woman", WORDS, E_WORDS),
                 ref.similarity.analogy("man", "king", "woman", WORDS, E_WORDS))


@case("analogy", "a, b and c themselves are left out")
def test_analogy_left_out(student, ref):
    expect_equal(student.similarity.analogy("man", "king", "woman", WORDS, E_WORDS, k=3),
                 ref.similarity.analogy("man", "king", "woman", WORDS, E_WORDS, k=3))


@case("analogy", "unit vectors, <unk> left out, the k best words in order", points=2)
def test_analogy_units_public(student, ref):
    expect_equal(student.similarity.analogy("man", "king", "woman", FAMILY, E_FAMILY, k=3),
                 ref.similarity.analogy("man", "king", "woman", FAMILY, E_FAMILY, k=3))


@case("analogy", "an unknown word is a KeyError")
def test_analogy_unknown(student, ref):
    expect_raises(KeyError, student.similarity.analogy, "man", "king", "duchess", WORDS, E_WORDS)
