"""Tests of solutions/pipeline.py: the lesson's "Hello world" sketch first, then properties, then
edge cases.

Tokenization is bpe's business (tested in its own file); here the IDs, the lookup and the mean are
redone by hand, and retrieval is checked against `similarity.top_k` over `embed_text`.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solutions import bpe, lookup, pipeline, similarity, skipgram

SETTINGS = settings(max_examples=50, deadline=None)

# Merges that make "Hello" and "world" whole tokens. The pre-tokenizer keeps the space in front of
# "world" in its chunk, and no merge touches it, so "Hello world" is the lesson's three tokens.
HELLO_MERGES = [
    ("H", "e"),
    ("He", "l"),
    ("Hel", "l"),
    ("Hell", "o"),
    ("w", "o"),
    ("wo", "r"),
    ("wor", "l"),
    ("worl", "d"),
]
HELLO_VOCAB = {"Hello": 0, " ": 1, "world": 2}
# The 3 x 4 embedding matrix of the sketch, "random" numbers written by hand.
HELLO_E = np.array(
    [
        [0.2, -0.4, 0.1, 0.5],  # Hello
        [0.0, 0.3, -0.2, 0.1],  # " "
        [0.6, 0.1, 0.4, -0.3],  # world
    ]
)


# --- the lesson's "Hello world" sketch -----------------------------------------------------------


def test_hello_world_text_to_tokens_to_ids_to_rows():
    tokens = bpe.encode("Hello world", HELLO_MERGES)
    assert tokens == ["Hello", " ", "world"]
    ids = lookup.tokens_to_ids(tokens, HELLO_VOCAB)
    assert ids == [0, 1, 2]
    # "Look up" each token: circle its row. The text's vector is the mean of the circled rows.
    # (0.2 + 0.0 + 0.6) / 3, (-0.4 + 0.3 + 0.1) / 3, (0.1 - 0.2 + 0.4) / 3, (0.5 + 0.1 - 0.3) / 3
    got = pipeline.embed_text("Hello world", HELLO_MERGES, HELLO_VOCAB, HELLO_E)
    assert got.shape == (4,) and got.dtype == np.float64
    np.testing.assert_allclose(got, [0.8 / 3, 0.0, 0.1, 0.1], rtol=1e-15, atol=1e-16)


def test_hello_world_training_changes_only_the_hello_row():
    # Train to predict "world" (ID 2) from "Hello" (ID 0), W_out starting at zeros as in
    # train_skipgram. Step 1: all scores are 0, p = [1/3, 1/3, 1/3], e = [1/3, 1/3, -2/3], and
    # grad_center = W_out.T @ e = 0: only W_out moves, by -lr * outer(e, v).
    W_in = HELLO_E.copy()
    W_out = np.zeros((3, 4))
    lr = 0.5
    v = HELLO_E[0]
    e1 = np.array([1 / 3, 1 / 3, -2 / 3])
    loss1 = skipgram.sgd_step(W_in, W_out, 0, 2, lr)
    assert loss1 == pytest.approx(math.log(3), abs=1e-15)
    np.testing.assert_array_equal(W_in, HELLO_E)
    np.testing.assert_allclose(W_out, -lr * np.outer(e1, v), rtol=1e-15)

    # Step 2: W_out = -lr outer(e1, v), so scores = -lr |v|^2 e1 and grad_center = -lr v (e1 . e2)
    # with e1 . e2 = 1 - p2. The Hello row grows along itself: v (1 + lr^2 (1 - p2)).
    scores = -lr * (v @ v) * e1  # |v|^2 = 0.04 + 0.16 + 0.01 + 0.25 = 0.46
    p2 = math.exp(scores[2]) / math.fsum(math.exp(s) for s in scores)
    loss2 = skipgram.sgd_step(W_in, W_out, 0, 2, lr)
    assert loss2 == pytest.approx(-math.log(p2), rel=1e-14)
    assert loss2 < loss1
    np.testing.assert_allclose(W_in[0], v * (1 + lr**2 * (1 - p2)), rtol=1e-14)
    # "Which row's numbers would backpropagation update?" Only Hello's: the others are untouched.
    np.testing.assert_array_equal(W_in[1:], HELLO_E[1:])


def test_embed_text_mean_by_hand():
    E = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]])
    np.testing.assert_allclose(
        pipeline.embed_text("Hello world", HELLO_MERGES, HELLO_VOCAB, E), [1 / 3, 1 / 3], rtol=1e-15
    )
    np.testing.assert_array_equal(pipeline.embed_text("world", HELLO_MERGES, HELLO_VOCAB, E), [0.0, 1.0])
    # "Hello Hello" is Hello, " ", Hello: (2 * [1, 0] + [0, 0]) / 3
    np.testing.assert_allclose(
        pipeline.embed_text("Hello Hello", HELLO_MERGES, HELLO_VOCAB, E), [2 / 3, 0.0], rtol=1e-15
    )


def test_embed_text_unknown_tokens_use_the_unk_row():
    vocab = {"<unk>": 0, "Hello": 1, " ": 2, "world": 3}
    E = np.array([[8.0, 8.0], [1.0, 0.0], [0.0, 0.0], [0.0, 1.0]])
    # "Hello!" is "Hello", "!" and "!" is unknown: ([1, 0] + [8, 8]) / 2
    np.testing.assert_allclose(pipeline.embed_text("Hello!", HELLO_MERGES, vocab, E), [4.5, 4.0], rtol=1e-15)
    # Without "<unk>" an unknown token is a KeyError (SPEC 9).
    with pytest.raises(KeyError):
        pipeline.embed_text("Hello!", HELLO_MERGES, HELLO_VOCAB, HELLO_E)


def test_embed_text_empty_text_is_zeros():
    got = pipeline.embed_text("", HELLO_MERGES, HELLO_VOCAB, HELLO_E)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, np.zeros(4))
    got32 = pipeline.embed_text("", HELLO_MERGES, HELLO_VOCAB, HELLO_E.astype(np.float32))
    assert got32.dtype == np.float64 and got32.shape == (4,)


def test_embed_text_returns_float64_for_float32_and_integer_E():
    E32 = HELLO_E.astype(np.float32)
    got = pipeline.embed_text("Hello world", HELLO_MERGES, HELLO_VOCAB, E32)
    assert got.dtype == np.float64
    # The float32 rows, averaged in float64: each entry is exactly a float32 value widened.
    expected = [math.fsum(float(E32[i, j]) for i in range(3)) / 3 for j in range(4)]
    np.testing.assert_allclose(got, expected, rtol=1e-15, atol=1e-17)
    E_int = np.array([[3, 0], [0, 0], [0, 6]], dtype=np.int32)
    got = pipeline.embed_text("Hello world", HELLO_MERGES, HELLO_VOCAB, E_int)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, [1.0, 2.0])


def test_embed_text_accepts_numpy_integer_ids():
    vocab = {token: np.int64(i) for token, i in HELLO_VOCAB.items()}
    np.testing.assert_allclose(
        pipeline.embed_text("Hello world", HELLO_MERGES, vocab, HELLO_E),
        [0.8 / 3, 0.0, 0.1, 0.1],
        rtol=1e-15,
        atol=1e-16,
    )


def test_retrieve_by_hand():
    E = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]])
    documents = ["world", "Hello", "Hello world"]
    # query "Hello" = [1, 0]; documents [0, 1], [1, 0], [1/3, 1/3]: cos 0, 1, 1/sqrt(2)
    assert pipeline.retrieve("Hello", documents, HELLO_MERGES, HELLO_VOCAB, E, 2) == [1, 2]
    assert pipeline.retrieve("Hello", documents, HELLO_MERGES, HELLO_VOCAB, E, 10) == [1, 2, 0]
    assert pipeline.retrieve("world", documents, HELLO_MERGES, HELLO_VOCAB, E, 1) == [0]
    assert pipeline.retrieve("Hello", documents, HELLO_MERGES, HELLO_VOCAB, E, 0) == []


def test_retrieve_ties_go_to_the_lower_index():
    E = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]])
    # "Hello Hello" = [2/3, 0] and "Hello" = [1, 0] point the same way as the query; so do the
    # two copies of "world Hello world" among themselves. An empty document is the zero vector.
    documents = ["world Hello world", "Hello Hello", "", "Hello", "world Hello world"]
    assert pipeline.retrieve("Hello", documents, HELLO_MERGES, HELLO_VOCAB, E, 5) == [1, 3, 0, 4, 2]
    # An empty query has no direction: every document scores 0, index order.
    assert pipeline.retrieve("", documents, HELLO_MERGES, HELLO_VOCAB, E, 5) == [0, 1, 2, 3, 4]


def test_retrieve_without_documents_is_empty():
    assert pipeline.retrieve("Hello", [], HELLO_MERGES, HELLO_VOCAB, HELLO_E, 3) == []
    assert pipeline.retrieve("Hello", (), HELLO_MERGES, HELLO_VOCAB, HELLO_E, 0) == []


# --- properties ----------------------------------------------------------------------------------

CORPUS = "the cat sat on the mat. the dog sat on the log. a cat and a dog met."
MERGES = bpe.train_bpe(CORPUS, 20)
VOCAB = lookup.build_vocab(MERGES, CORPUS)
E_RANDOM = np.random.default_rng(0).normal(size=(len(VOCAB), 5))
texts = st.text(alphabet="the catsdogmlnr.!? xyz", max_size=30)  # x, y, z, !, ? are unknown


def oracle_embed(text, E):
    """The mean of the looked-up rows, redone: dict lookups and math.fsum, no NumPy."""
    ids = [VOCAB.get(token, VOCAB["<unk>"]) for token in bpe.encode(text, MERGES)]
    if not ids:
        return [0.0] * E.shape[1]
    return [math.fsum(float(E[i, j]) for i in ids) / len(ids) for j in range(E.shape[1])]


@SETTINGS
@given(texts)
def test_embed_text_equals_the_mean_of_looked_up_rows(text):
    got = pipeline.embed_text(text, MERGES, VOCAB, E_RANDOM)
    assert got.dtype == np.float64 and got.shape == (5,)
    np.testing.assert_allclose(got, oracle_embed(text, E_RANDOM), rtol=1e-12, atol=1e-14)


@SETTINGS
@given(texts, st.lists(texts, max_size=6), st.integers(0, 8))
def test_retrieve_equals_top_k_over_embed_text(query, documents, k):
    got = pipeline.retrieve(query, documents, MERGES, VOCAB, E_RANDOM, k)
    vectors = np.array([pipeline.embed_text(doc, MERGES, VOCAB, E_RANDOM) for doc in documents]).reshape(
        -1, 5
    )
    assert got == similarity.top_k(pipeline.embed_text(query, MERGES, VOCAB, E_RANDOM), vectors, k)
    assert len(got) == min(k, len(documents))
    assert all(type(i) is int for i in got)
    # most similar first, by the cosine of the embeddings
    scores = [
        similarity.cosine_similarity(pipeline.embed_text(query, MERGES, VOCAB, E_RANDOM), vectors[i])
        for i in got
    ]
    assert all(a >= b - 1e-15 for a, b in zip(scores, scores[1:]))


# --- edge cases ----------------------------------------------------------------------------------


def test_embed_text_errors():
    with pytest.raises(TypeError):
        pipeline.embed_text(b"Hello", HELLO_MERGES, HELLO_VOCAB, HELLO_E)
    with pytest.raises(TypeError):
        pipeline.embed_text(None, HELLO_MERGES, HELLO_VOCAB, HELLO_E)
    with pytest.raises(ValueError):
        pipeline.embed_text("Hello", HELLO_MERGES, HELLO_VOCAB, HELLO_E[0])
    with pytest.raises(ValueError):
        pipeline.embed_text("", HELLO_MERGES, HELLO_VOCAB, HELLO_E[0])  # E is checked even for ""
    with pytest.raises(IndexError):
        pipeline.embed_text("world", HELLO_MERGES, HELLO_VOCAB, HELLO_E[:2])  # ID 2, only 2 rows
    with pytest.raises(IndexError):
        pipeline.embed_text("world", HELLO_MERGES, {**HELLO_VOCAB, "world": -1}, HELLO_E)


def test_retrieve_errors():
    args = (HELLO_MERGES, HELLO_VOCAB, HELLO_E)
    with pytest.raises(TypeError):
        pipeline.retrieve("Hello", "Hello world", *args, 1)  # a string is not a list of documents
    with pytest.raises(TypeError):
        pipeline.retrieve("Hello", ["Hello", 3], *args, 1)
    with pytest.raises(TypeError):
        pipeline.retrieve("Hello", None, *args, 1)
    with pytest.raises(TypeError):
        pipeline.retrieve(3, ["Hello"], *args, 1)
    for bad_k, error in [(-1, ValueError), (1.0, TypeError), (True, TypeError), (None, TypeError)]:
        with pytest.raises(error):
            pipeline.retrieve("Hello", ["Hello", "world"], *args, bad_k)
        with pytest.raises(error):
            pipeline.retrieve("Hello", [], *args, bad_k)  # k is checked even without documents
    E_nan = HELLO_E.copy()
    E_nan[2, 0] = np.nan
    with pytest.raises(ValueError):
        pipeline.retrieve("Hello", ["world"], HELLO_MERGES, HELLO_VOCAB, E_nan, 1)


def test_no_input_is_mutated():
    E = HELLO_E.copy()
    merges = list(HELLO_MERGES)
    vocab = dict(HELLO_VOCAB)
    documents = ["world", "Hello world", ""]
    pipeline.embed_text("Hello world", merges, vocab, E)
    pipeline.retrieve("Hello", documents, merges, vocab, E, 2)
    np.testing.assert_array_equal(E, HELLO_E)
    assert merges == HELLO_MERGES and vocab == HELLO_VOCAB
    assert documents == ["world", "Hello world", ""]
    # the result is a new array, not a view into E
    got = pipeline.embed_text("world", merges, vocab, E)
    got += 1
    np.testing.assert_array_equal(E, HELLO_E)
