"""Public cases of lookup: from token to dense vector. Run them with ``embedlab check lookup``."""

import numpy as np

from grader.casekit import case, expect_equal, expect_raises, expect_unchanged

LESSON_MERGES = [("l", "o"), ("lo", "w")]
E_EXAMPLE = np.array([[0.0, 0.1], [1.0, 1.1], [2.0, 2.1]])


# --- build_vocab -------------------------------------------------------------------------------
@case("build_vocab", "the docstring example", points=2)
def test_build_vocab_example(student, ref):
    expect_equal(student.lookup.build_vocab(LESSON_MERGES, "low lower"),
                 ref.lookup.build_vocab(LESSON_MERGES, "low lower"))


@case("build_vocab", "code-point order: spaces, then capitals, then lower case")
def test_build_vocab_code_points(student, ref):
    expect_equal(student.lookup.build_vocab([], "Hello World"), ref.lookup.build_vocab([], "Hello World"))


@case("build_vocab", "an alphabet given as a list, with repeats")
def test_build_vocab_list_alphabet(student, ref):
    alphabet = ["t", "a", "c", "a", " "]
    expect_equal(student.lookup.build_vocab([("c", "a")], alphabet), ref.lookup.build_vocab([("c", "a")], alphabet))


@case("build_vocab", "a merge token already present is skipped")
def test_build_vocab_duplicate_token(student, ref):
    merges = [("a", "b"), ("b", "c"), ("ab", "c"), ("a", "bc")]
    expect_equal(student.lookup.build_vocab(merges, "cba"), ref.lookup.build_vocab(merges, "cba"))


# --- tokens_to_ids -----------------------------------------------------------------------------
@case("tokens_to_ids", "the docstring example: unknown tokens get <unk>", points=2)
def test_tokens_to_ids_example(student, ref):
    vocab = ref.lookup.build_vocab(LESSON_MERGES, "low lower")
    tokens = ["low", " ", "low", "e", "r", "!"]
    expect_equal(student.lookup.tokens_to_ids(tokens, vocab), ref.lookup.tokens_to_ids(tokens, vocab), numpy_ints=True)


@case("tokens_to_ids", "no <unk> in the vocab: an unknown token is a KeyError")
def test_tokens_to_ids_no_unk(student, ref):
    expect_raises(KeyError, student.lookup.tokens_to_ids, ["a", "z"], {"a": 0, "b": 1})


# --- one_hot -----------------------------------------------------------------------------------
@case("one_hot", "the docstring example", points=2)
def test_one_hot_example(student, ref):
    expect_equal(student.lookup.one_hot([2, 0, 2], 3), ref.lookup.one_hot([2, 0, 2], 3))


@case("one_hot", "a negative ID is an IndexError", points=2)
def test_one_hot_negative(student, ref):
    expect_raises(IndexError, student.lookup.one_hot, [1, -1], 4)


@case("one_hot", "an ID equal to vocab_size is an IndexError")
def test_one_hot_too_large(student, ref):
    expect_raises(IndexError, student.lookup.one_hot, [0, 4], 4)


@case("one_hot", "NumPy integer IDs and integer arrays work")
def test_one_hot_numpy_ids(student, ref):
    ids = np.array([3, 1, 0], dtype=np.int32)
    expect_equal(student.lookup.one_hot(ids, 5), ref.lookup.one_hot(ids, 5))
    ids = [np.int64(1), 2]
    expect_equal(student.lookup.one_hot(ids, 3), ref.lookup.one_hot(ids, 3))


# --- embedding_lookup --------------------------------------------------------------------------
@case("embedding_lookup", "the docstring example", points=2)
def test_embedding_lookup_example(student, ref):
    ids = [2, 0, 2]
    expect_equal(student.lookup.embedding_lookup(E_EXAMPLE, ids), ref.lookup.embedding_lookup(E_EXAMPLE, ids))


@case("embedding_lookup", "a negative ID is an IndexError, not the last row", points=2)
def test_embedding_lookup_negative(student, ref):
    expect_raises(IndexError, student.lookup.embedding_lookup, E_EXAMPLE, [0, -1])


@case("embedding_lookup", "rows keep the dtype of E (float32)")
def test_embedding_lookup_float32(student, ref):
    E = E_EXAMPLE.astype(np.float32)
    expect_equal(student.lookup.embedding_lookup(E, [1, 2]), ref.lookup.embedding_lookup(E, [1, 2]))


@case("embedding_lookup", "E is left unchanged")
def test_embedding_lookup_no_mutation(student, ref):
    E = E_EXAMPLE.copy()
    _, (after, _ids) = student.lookup.embedding_lookup.keep_args(E, [1, 1, 0])
    expect_unchanged(E, after, what="E")


# --- count_parameters --------------------------------------------------------------------------
@case("count_parameters", "the lesson's 100,000 tokens x 512 dimensions")
def test_count_parameters_lesson(student, ref):
    expect_equal(student.lookup.count_parameters(100_000, 512), ref.lookup.count_parameters(100_000, 512))


@case("count_parameters", "a size of 0 is a ValueError")
def test_count_parameters_zero(student, ref):
    expect_raises(ValueError, student.lookup.count_parameters, 0, 512)


# --- init_embeddings ---------------------------------------------------------------------------
@case("init_embeddings", "default seed and scale", points=2)
def test_init_embeddings_default(student, ref):
    expect_equal(student.lookup.init_embeddings(3, 4), ref.lookup.init_embeddings(3, 4))


@case("init_embeddings", "seed and scale are used")
def test_init_embeddings_seed_scale(student, ref):
    expect_equal(student.lookup.init_embeddings(5, 2, seed=7, scale=0.5),
                 ref.lookup.init_embeddings(5, 2, seed=7, scale=0.5))
