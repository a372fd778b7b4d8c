"""Hidden cases of lookup (never shipped to students)."""

import numpy as np

from grader.casekit import case, expect_close, expect_equal, expect_raises, random_matrix

VOCAB = "building a vocabulary"
IDS = "token IDs and the <unk> fallback"
ONE_HOT = "one-hot vectors"
LOOKUP = "the embedding lookup"
VALID = "input validation"


# --- build_vocab -------------------------------------------------------------------------------
@case("build_vocab", "characters in code-point order", points=2, hidden=True, concept=VOCAB,
      hint="sorted() orders strings by code point: spaces and punctuation, then capitals, then lower case.")
def test_build_vocab_code_points(student, ref):
    alphabet = "zebra Zulu! 9 é ß\n"
    merges = [("Z", "u"), ("e", "b")]
    expect_equal(student.lookup.build_vocab(merges, alphabet), ref.lookup.build_vocab(merges, alphabet))


@case("build_vocab", "a learned tokenizer's vocabulary", hidden=True, concept=VOCAB,
      hint="<unk> first, then the characters, then one token per merge in merge order, without gaps.")
def test_build_vocab_learned(student, ref):
    text = "the theme of these theses: then, there, thence"
    merges = ref.bpe.train_bpe(text, 15)
    expect_equal(student.lookup.build_vocab(merges, text), ref.lookup.build_vocab(merges, text))


@case("build_vocab", "no merges, and an alphabet as a set", hidden=True, concept=VOCAB,
      hint="Any iterable of one-character strings is an alphabet; its order does not matter.")
def test_build_vocab_set(student, ref):
    expect_equal(student.lookup.build_vocab([], {"q", "b", "a"}), ref.lookup.build_vocab([], {"q", "b", "a"}))
    expect_equal(student.lookup.build_vocab([], ""), ref.lookup.build_vocab([], ""))


@case("build_vocab", "bad alphabets raise TypeError or ValueError", hidden=True, concept=VALID,
      hint="Each alphabet entry must be a str of exactly one character.")
def test_build_vocab_bad_alphabet(student, ref):
    expect_raises(ValueError, student.lookup.build_vocab, [], ["a", "bc"])
    expect_raises(TypeError, student.lookup.build_vocab, [], ["a", 7])


# --- tokens_to_ids -----------------------------------------------------------------------------
@case("tokens_to_ids", "<unk> that is not ID 0", points=2, hidden=True, concept=IDS,
      hint="Use the vocab's own ID for '<unk>' rather than assuming where it is.")
def test_tokens_to_ids_unk_elsewhere(student, ref):
    vocab = {"a": 0, "b": 1, "<unk>": 2, "ab": 3}
    tokens = ["ab", "c", "a", "abc", "b"]
    expect_equal(student.lookup.tokens_to_ids(tokens, vocab), ref.lookup.tokens_to_ids(tokens, vocab), numpy_ints=True)


@case("tokens_to_ids", "a learned tokenizer end to end", hidden=True, concept=IDS,
      hint="Every token of encode() maps to its ID; only unknown tokens share the <unk> ID.")
def test_tokens_to_ids_learned(student, ref):
    text = "the theme of these theses"
    merges = ref.bpe.train_bpe(text, 8)
    vocab = ref.lookup.build_vocab(merges, "the mos")
    tokens = ref.bpe.encode("these themes, thy thesis", merges)
    expect_equal(student.lookup.tokens_to_ids(tokens, vocab), ref.lookup.tokens_to_ids(tokens, vocab), numpy_ints=True)
    expect_equal(student.lookup.tokens_to_ids([], vocab), [])


@case("tokens_to_ids", "a vocab without <unk> is fine while every token is known", hidden=True, concept=IDS,
      hint="Only an unknown token needs '<unk>': do not look it up before you need it.")
def test_tokens_to_ids_known(student, ref):
    vocab = {"x": 0, "yz": 1, " ": 2}
    tokens = ["yz", " ", "x", "x"]
    expect_equal(student.lookup.tokens_to_ids(tokens, vocab), ref.lookup.tokens_to_ids(tokens, vocab), numpy_ints=True)


# --- one_hot -----------------------------------------------------------------------------------
@case("one_hot", "one_hot(ids) @ E picks the rows of E", hidden=True, concept=ONE_HOT,
      hint="Row i has its single 1.0 in column ids[i]; the shape is (len(ids), vocab_size).")
def test_one_hot_rows(student, ref):
    ids = [4, 0, 4, 2]
    expect_equal(student.lookup.one_hot(ids, 6), ref.lookup.one_hot(ids, 6))
    expect_equal(student.lookup.one_hot([], 3), ref.lookup.one_hot([], 3))


@case("one_hot", "bools and floats are not IDs", hidden=True, concept=VALID,
      hint="A TypeError for True or 2.0, and for an array of floats: they are not token IDs.")
def test_one_hot_bad_ids(student, ref):
    expect_raises(TypeError, student.lookup.one_hot, [True, 0], 3)
    expect_raises(TypeError, student.lookup.one_hot, [1.0], 3)
    expect_raises(TypeError, student.lookup.one_hot, np.array([1.0, 2.0]), 3)


@case("one_hot", "out-of-range IDs and sizes", hidden=True, concept=VALID,
      hint="Every ID must be in 0..vocab_size-1 (IndexError otherwise); a vocab_size below 1 is a ValueError.")
def test_one_hot_range(student, ref):
    expect_raises(IndexError, student.lookup.one_hot, np.array([0, -3]), 5)
    expect_raises(IndexError, student.lookup.one_hot, [9], 5)
    # no IDs, so only "vocab_size below 1" applies (ID 0 with vocab_size 0 would also be out of range)
    expect_raises(ValueError, student.lookup.one_hot, [], 0)


# --- embedding_lookup --------------------------------------------------------------------------
@case("embedding_lookup", "rows of a random matrix, as one_hot @ E", points=2, hidden=True, concept=LOOKUP,
      hint="The lookup returns E's rows in the order of ids, repeats included, with E's dtype.")
def test_embedding_lookup_random(student, ref):
    E = random_matrix(11, (7, 3))
    ids = np.array([6, 0, 3, 3, 1], dtype=np.int64)
    expect_equal(student.lookup.embedding_lookup(E, ids), ref.lookup.embedding_lookup(E, ids))


@case("embedding_lookup", "negative and too large IDs", points=2, hidden=True, concept=LOOKUP,
      hint="NumPy reads E[-1] as the last row: check the range of every ID yourself (IndexError).")
def test_embedding_lookup_range(student, ref):
    E = random_matrix(12, (4, 2))
    expect_raises(IndexError, student.lookup.embedding_lookup, E, np.array([2, -4]))
    expect_raises(IndexError, student.lookup.embedding_lookup, E, [4])


@case("embedding_lookup", "float32 and float16 matrices keep their dtype", hidden=True, concept=LOOKUP,
      hint="Read the rows, do not compute them: a product with a float64 one-hot matrix changes the dtype.")
def test_embedding_lookup_dtypes(student, ref):
    for dtype in (np.float32, np.float16):
        E = random_matrix(13, (5, 3), dtype=dtype)
        expect_equal(student.lookup.embedding_lookup(E, [4, 0]), ref.lookup.embedding_lookup(E, [4, 0]))


@case("embedding_lookup", "E must be 2-D; no IDs give no rows", hidden=True, concept=VALID,
      hint="A 1-D E is a ValueError; an empty list of IDs gives an array of shape (0, d).")
def test_embedding_lookup_shapes(student, ref):
    E = random_matrix(14, (4, 3))
    expect_raises(ValueError, student.lookup.embedding_lookup, E[0], [0])
    expect_close(student.lookup.embedding_lookup(E, []), ref.lookup.embedding_lookup(E, []))


@case("embedding_lookup", "bool IDs are a TypeError", hidden=True, concept=VALID,
      hint="True is not a token ID, even though NumPy would read it as 1 or as a mask.")
def test_embedding_lookup_bool(student, ref):
    expect_raises(TypeError, student.lookup.embedding_lookup, random_matrix(15, (3, 2)), [True, False, True])


# --- count_parameters --------------------------------------------------------------------------
@case("count_parameters", "another vocabulary size and dimension", hidden=True, concept="size of an embedding matrix",
      hint="One row of dim numbers per token: nothing more.")
def test_count_parameters_quiz(student, ref):
    expect_equal(student.lookup.count_parameters(32_000, 1_024), ref.lookup.count_parameters(32_000, 1_024))
    expect_equal(student.lookup.count_parameters(1, 1), 1)


@case("count_parameters", "bad sizes", hidden=True, concept=VALID,
      hint="A size must be an int (not a bool or a float) of at least 1.")
def test_count_parameters_bad(student, ref):
    expect_raises(ValueError, student.lookup.count_parameters, 10, -2)
    expect_raises(TypeError, student.lookup.count_parameters, True, 3)
    expect_raises(TypeError, student.lookup.count_parameters, 10, 2.0)


# --- init_embeddings ---------------------------------------------------------------------------
@case("init_embeddings", "shape (vocab_size, dim) from the seed alone", points=2, hidden=True,
      concept="random initialisation",
      hint="Exactly numpy.random.default_rng(seed).normal(0.0, scale, (vocab_size, dim)).")
def test_init_embeddings_shape(student, ref):
    expect_equal(student.lookup.init_embeddings(2, 6, seed=3), ref.lookup.init_embeddings(2, 6, seed=3))
    expect_equal(student.lookup.init_embeddings(4, 1, 123, 2.0), ref.lookup.init_embeddings(4, 1, 123, 2.0))


@case("init_embeddings", "sizes below 1 are a ValueError", hidden=True, concept=VALID,
      hint="Validate vocab_size and dim before drawing random numbers.")
def test_init_embeddings_bad(student, ref):
    expect_raises(ValueError, student.lookup.init_embeddings, 0, 4)
    expect_raises(ValueError, student.lookup.init_embeddings, 3, -1)


# --- every Raises line of the docstrings is graded (issue 10) ----------------------------------
@case("tokens_to_ids", "tokens that are not a list, or a vocab that is not a dict, are a TypeError", hidden=True,
      concept=VALID, hint="tokens must be a list of str and vocab a dict: check both before the lookup.")
def test_tokens_to_ids_types(student, ref):
    expect_raises(TypeError, student.lookup.tokens_to_ids, ["a", 3], {"<unk>": 0, "a": 1})
    expect_raises(TypeError, student.lookup.tokens_to_ids, ["a"], [("<unk>", 0), ("a", 1)])


@case("init_embeddings", "a seed or size that is not an int, or a scale that is not a number, is a TypeError",
      hidden=True, concept=VALID, hint="Check the types of vocab_size, dim, seed and scale (a bool is not an int).")
def test_init_embeddings_types(student, ref):
    expect_raises(TypeError, student.lookup.init_embeddings, 3, 2, 1.5)
    expect_raises(TypeError, student.lookup.init_embeddings, 3, 2, 0, "0.01")
    expect_raises(TypeError, student.lookup.init_embeddings, 3.0, 2)


# --- cases that kill the survivors of the automated mutation analysis (issue 10) ---------------
@case("build_vocab", "an empty string in the alphabet is a ValueError", hidden=True, concept=VALID,
      hint="Each alphabet entry must be exactly one character: not two, and not zero.")
def test_build_vocab_empty_char(student, ref):
    expect_raises(ValueError, student.lookup.build_vocab, [], ["a", ""])


@case("embedding_lookup", "a 3-D E is a ValueError", hidden=True, concept=VALID,
      hint="E must be exactly 2-D: check E.ndim != 2, not only < 2.")
def test_embedding_lookup_3d(student, ref):
    expect_raises(ValueError, student.lookup.embedding_lookup, random_matrix(54, (3, 2, 2)), [0, 1])


@case("init_embeddings", "scale 0 is allowed; an infinite scale, a bool seed or a bool scale is not", hidden=True,
      concept=VALID, hint="scale must be finite and >= 0 (0 gives all zeros); a bool is neither an int nor a number.")
def test_init_embeddings_edges(student, ref):
    expect_close(student.lookup.init_embeddings(2, 3, 0, 0.0), ref.lookup.init_embeddings(2, 3, 0, 0.0))
    expect_raises(ValueError, student.lookup.init_embeddings, 2, 3, 0, float("inf"))
    expect_raises(TypeError, student.lookup.init_embeddings, 2, 3, True)
    expect_raises(TypeError, student.lookup.init_embeddings, 2, 3, 0, True)
