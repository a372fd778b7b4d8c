"""Tests for ``solutions.lookup`` (SPEC section 3 and the ID and size rules of sections 1 and 9).

Hand-worked examples first (the lesson's vocabulary, one-hot vectors and parameter counts worked
out by hand), then properties checked against independent constructions (``numpy.eye`` rows for
one-hot vectors, a one-hot matrix product for the lookup, SPEC's NumPy formula for the initial
embeddings), then every error rule.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from solutions import lookup

FAST = settings(max_examples=100, deadline=None)

#: build_vocab([("l","o"), ("lo","w")], "low lower"), worked by hand: "<unk>", then the characters
#: of "low lower" in code-point order (" " 32, "e" 101, "l" 108, "o" 111, "r" 114, "w" 119), then
#: the two merge tokens
LESSON_VOCAB = {"<unk>": 0, " ": 1, "e": 2, "l": 3, "o": 4, "r": 5, "w": 6, "lo": 7, "low": 8}

E3 = np.array([[0.0, 0.1], [1.0, 1.1], [2.0, 2.1]])

ids_lists = st.lists(st.integers(0, 9), max_size=12)
small_sizes = st.integers(1, 12)


@st.composite
def matrices_and_ids(draw: st.DrawFn) -> tuple[np.ndarray, list[int]]:
    """A finite (V, d) float matrix and valid IDs for it."""
    rows, dim = draw(small_sizes), draw(st.integers(1, 6))
    E = draw(hnp.arrays(np.float64, (rows, dim), elements=st.floats(-1e6, 1e6, allow_nan=False)))
    ids = draw(st.lists(st.integers(0, rows - 1), max_size=10))
    return E, ids


# ------------------------------------------------------------------------------------------------
# build_vocab


def test_build_vocab_lesson() -> None:
    assert lookup.build_vocab([("l", "o"), ("lo", "w")], "low lower") == LESSON_VOCAB
    assert list(lookup.build_vocab([("l", "o"), ("lo", "w")], "low lower").values()) == list(range(9))


def test_build_vocab_code_point_order_and_duplicates() -> None:
    """ "B" (66) sorts before "a" (97) and "é" (233) after "z" (122); repeated characters count once."""
    assert lookup.build_vocab([], "zaéBaa") == {"<unk>": 0, "B": 1, "a": 2, "z": 3, "é": 4}
    assert lookup.build_vocab([], "") == {"<unk>": 0}


@pytest.mark.parametrize("alphabet", [["b", "a", "b"], ("a", "b"), {"b", "a"}, (c for c in "ba"), "bab"])
def test_build_vocab_alphabet_iterables(alphabet: object) -> None:
    assert lookup.build_vocab([("a", "b")], alphabet) == {"<unk>": 0, "a": 1, "b": 2, "ab": 3}


def test_build_vocab_skips_tokens_already_present() -> None:
    """A repeated merge, and a merge whose token is "<unk>" itself, add nothing: no gap in the IDs."""
    merges = [("a", "b"), ("<un", "k>"), ("a", "b"), ("ab", "a")]
    assert lookup.build_vocab(merges, "ab") == {"<unk>": 0, "a": 1, "b": 2, "ab": 3, "aba": 4}


@FAST
@given(st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from(["a", "b", "ab", "bc"])), max_size=8),
       st.text(max_size=15))
def test_build_vocab_ids_gapless(merges: list, alphabet: str) -> None:
    before = copy.deepcopy(merges)
    vocab = lookup.build_vocab(merges, alphabet)
    assert merges == before                                           # no mutation
    assert list(vocab.values()) == list(range(len(vocab)))           # 0, 1, 2, ... in dict order
    # merge tokens have two characters or more, so none is a character or "<unk>" here
    merge_tokens = list(dict.fromkeys(a + b for a, b in merges))
    assert list(vocab) == ["<unk>"] + sorted(set(alphabet)) + merge_tokens


# ------------------------------------------------------------------------------------------------
# tokens_to_ids


def test_tokens_to_ids_lesson() -> None:
    """ "low lower" encoded with the lesson's merges; "!" was never seen, so it is "<unk>" (0)."""
    tokens = ["low", " ", "low", "e", "r", "!"]
    before = list(tokens)
    assert lookup.tokens_to_ids(tokens, LESSON_VOCAB) == [8, 1, 8, 2, 5, 0]
    assert tokens == before
    assert lookup.tokens_to_ids([], LESSON_VOCAB) == []
    assert lookup.tokens_to_ids(("lo", "w"), LESSON_VOCAB) == [7, 6]


def test_tokens_to_ids_unk_anywhere() -> None:
    """Unknown tokens get vocab["<unk>"], whatever that ID is."""
    assert lookup.tokens_to_ids(["a", "zz", "a"], {"a": 0, "<unk>": 5}) == [0, 5, 0]


def test_tokens_to_ids_without_unk() -> None:
    """Known tokens map as usual; the first unknown one is a KeyError (SPEC 9)."""
    vocab = {"a": 0, "b": 1}
    assert lookup.tokens_to_ids(["b", "a"], vocab) == [1, 0]
    with pytest.raises(KeyError):
        lookup.tokens_to_ids(["a", "c"], vocab)


@FAST
@given(st.lists(st.text(alphabet="lowe r!", min_size=1, max_size=3), max_size=10))
def test_tokens_to_ids_matches_dict_get(tokens: list) -> None:
    assert lookup.tokens_to_ids(tokens, LESSON_VOCAB) == [LESSON_VOCAB.get(t, 0) for t in tokens]


# ------------------------------------------------------------------------------------------------
# one_hot


def test_one_hot_by_hand() -> None:
    result = lookup.one_hot([2, 0, 2], 3)
    assert result.dtype == np.float64
    assert result.tolist() == [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]


def test_one_hot_empty() -> None:
    result = lookup.one_hot([], 4)
    assert result.shape == (0, 4) and result.dtype == np.float64


@FAST
@given(ids_lists, st.integers(10, 15))
def test_one_hot_rows_of_identity(ids: list, vocab_size: int) -> None:
    expected = np.eye(vocab_size)[np.array(ids, dtype=int)] if ids else np.zeros((0, vocab_size))
    result = lookup.one_hot(ids, vocab_size)
    assert result.dtype == np.float64 and result.shape == (len(ids), vocab_size)
    np.testing.assert_array_equal(result, expected)


@pytest.mark.parametrize("ids", [
    [np.int64(2), np.int32(0), 1],
    (2, 0, 1),
    np.array([2, 0, 1]),
    np.array([2, 0, 1], dtype=np.uint8),
    np.array([2, 0, 1], dtype=np.int16),
])
def test_one_hot_accepts_numpy_integers(ids: object) -> None:
    np.testing.assert_array_equal(lookup.one_hot(ids, 3), [[0, 0, 1], [1, 0, 0], [0, 1, 0]])


# ------------------------------------------------------------------------------------------------
# embedding_lookup


def test_embedding_lookup_by_hand() -> None:
    np.testing.assert_array_equal(lookup.embedding_lookup(E3, [2, 0, 2]), [[2.0, 2.1], [0.0, 0.1], [2.0, 2.1]])


def test_embedding_lookup_negative_id_is_an_error() -> None:
    """The classic bug: NumPy happily reads E[-1] as the last row. The lookup must not."""
    assert E3[[-1]].tolist() == [[2.0, 2.1]]                         # what plain indexing does
    with pytest.raises(IndexError):
        lookup.embedding_lookup(E3, [0, -1])
    with pytest.raises(IndexError):
        lookup.embedding_lookup(E3, np.array([-3]))


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int64, np.int8])
def test_embedding_lookup_keeps_dtype(dtype: type) -> None:
    E = np.arange(12).reshape(4, 3).astype(dtype)
    result = lookup.embedding_lookup(E, [3, 1])
    assert result.dtype == dtype
    np.testing.assert_array_equal(result, [[9, 10, 11], [3, 4, 5]])


def test_embedding_lookup_empty_ids() -> None:
    result = lookup.embedding_lookup(E3.astype(np.float32), [])
    assert result.shape == (0, 2) and result.dtype == np.float32


def test_embedding_lookup_returns_a_copy() -> None:
    E = E3.copy()
    result = lookup.embedding_lookup(E, [1])
    result[0, 0] = 99.0
    np.testing.assert_array_equal(E, E3)


@FAST
@given(matrices_and_ids())
def test_embedding_lookup_is_one_hot_times_E(case: tuple) -> None:
    """Each entry of one_hot @ E is one E value plus exact zeros, so equality is exact."""
    E, ids = case
    E_before, ids_before = E.copy(), list(ids)
    result = lookup.embedding_lookup(E, ids)
    assert result.shape == (len(ids), E.shape[1]) and result.dtype == E.dtype
    np.testing.assert_array_equal(result, lookup.one_hot(ids, E.shape[0]) @ E)
    np.testing.assert_array_equal(result, np.array([E[i] for i in ids]).reshape(len(ids), E.shape[1]))
    np.testing.assert_array_equal(E, E_before)                        # no mutation
    assert ids == ids_before


@FAST
@given(matrices_and_ids())
def test_embedding_lookup_numpy_ids(case: tuple) -> None:
    E, ids = case
    expected = lookup.embedding_lookup(E, ids)
    np.testing.assert_array_equal(lookup.embedding_lookup(E, np.array(ids, dtype=np.int32)), expected)
    np.testing.assert_array_equal(lookup.embedding_lookup(E, [np.int64(i) for i in ids]), expected)


# ------------------------------------------------------------------------------------------------
# count_parameters


@pytest.mark.parametrize(("vocab_size", "dim", "expected"), [
    (100_000, 512, 51_200_000),        # the lesson's first question
    (32_000, 1_024, 32_768_000),       # the end-of-lesson check
    (50_000, 768, 38_400_000),         # the lesson's "typical size", GPT-2 small
    (1, 1, 1),
    (np.int64(100_000), np.int32(512), 51_200_000),   # NumPy integers are sizes too
])
def test_count_parameters_lesson(vocab_size: int, dim: int, expected: int) -> None:
    result = lookup.count_parameters(vocab_size, dim)
    assert result == expected and type(result) is int


@FAST
@given(st.integers(1, 10**12), st.integers(1, 10**12))
def test_count_parameters_is_product(vocab_size: int, dim: int) -> None:
    assert lookup.count_parameters(vocab_size, dim) == vocab_size * dim           # no overflow


# ------------------------------------------------------------------------------------------------
# init_embeddings


def test_init_embeddings_default() -> None:
    E = lookup.init_embeddings(3, 4)
    assert E.shape == (3, 4) and E.dtype == np.float64
    np.testing.assert_array_equal(E, np.random.default_rng(0).normal(0.0, 0.01, (3, 4)))


@FAST
@given(small_sizes, small_sizes, st.integers(0, 2**64), st.floats(0, 10))
def test_init_embeddings_formula(vocab_size: int, dim: int, seed: int, scale: float) -> None:
    expected = np.random.default_rng(seed).normal(0.0, scale, (vocab_size, dim))
    np.testing.assert_array_equal(lookup.init_embeddings(vocab_size, dim, seed=seed, scale=scale), expected)
    np.testing.assert_array_equal(lookup.init_embeddings(vocab_size, dim, seed, scale), expected)


def test_init_embeddings_depends_on_seed_only() -> None:
    np.random.seed(123)                                   # the global generator must not matter
    first = lookup.init_embeddings(5, 3, seed=7)
    np.random.seed(456)
    np.testing.assert_array_equal(first, lookup.init_embeddings(5, 3, seed=7))
    assert not np.array_equal(first, lookup.init_embeddings(5, 3, seed=8))
    np.testing.assert_array_equal(lookup.init_embeddings(5, 3, seed=np.int64(7)), first)


def test_init_embeddings_scale_zero_and_int() -> None:
    np.testing.assert_array_equal(lookup.init_embeddings(2, 2, scale=0), np.zeros((2, 2)))
    np.testing.assert_array_equal(lookup.init_embeddings(2, 2, scale=1),
                                  np.random.default_rng(0).normal(0.0, 1.0, (2, 2)))


# ------------------------------------------------------------------------------------------------
# edge cases: SPEC sections 1 and 9


BAD_IDS = [
    ([True, 0], TypeError),                       # bools are not IDs
    ([np.bool_(True)], TypeError),
    ([1.0], TypeError),                           # neither are floats
    ([np.float64(1)], TypeError),
    (["1"], TypeError),
    ([None], TypeError),
    ([[1]], TypeError),                           # nested lists are not IDs
    (np.array([1.0, 0.0]), TypeError),
    (np.array([True, False]), TypeError),
    (np.array(["1"]), TypeError),
    (1, TypeError),                               # a single int is not a list of IDs
    ("01", TypeError),
    ({0: 1}, TypeError),
    (np.array([[0, 1]]), ValueError),             # IDs are 1-D
    (np.array(1), ValueError),
    ([-1], IndexError),                           # negative IDs never wrap around
    ([0, 3], IndexError),                         # 3 rows: IDs 0, 1, 2
    ([2**70], IndexError),                        # beyond any int64
    ([-(2**70)], IndexError),
    (np.array([2**64 - 1], dtype=np.uint64), IndexError),
    (np.array([-1], dtype=np.int8), IndexError),
]


@pytest.mark.parametrize(("ids", "error"), BAD_IDS)
def test_one_hot_rejects_ids(ids: object, error: type) -> None:
    with pytest.raises(error):
        lookup.one_hot(ids, 3)


@pytest.mark.parametrize(("ids", "error"), BAD_IDS)
def test_embedding_lookup_rejects_ids(ids: object, error: type) -> None:
    with pytest.raises(error):
        lookup.embedding_lookup(E3, ids)


BAD_SIZES = [(0, ValueError), (-5, ValueError), (np.int64(0), ValueError), (True, TypeError),
             (np.bool_(True), TypeError), (2.0, TypeError), ("3", TypeError), (None, TypeError)]


@pytest.mark.parametrize(("size", "error"), BAD_SIZES)
def test_sizes_rejected_everywhere(size: object, error: type) -> None:
    calls = [
        lambda: lookup.one_hot([], size),
        lambda: lookup.count_parameters(size, 4),
        lambda: lookup.count_parameters(4, size),
        lambda: lookup.init_embeddings(size, 4),
        lambda: lookup.init_embeddings(4, size),
    ]
    for call in calls:
        with pytest.raises(error):
            call()


@pytest.mark.parametrize(("E", "error"), [
    (E3.tolist(), TypeError),                     # a list of lists is not an array
    (None, TypeError),
    (np.zeros(3), ValueError),                    # E must be 2-D
    (np.zeros((3, 2, 1)), ValueError),
    (np.float64(1.0), TypeError),
])
def test_embedding_lookup_rejects_E(E: object, error: type) -> None:
    with pytest.raises(error):
        lookup.embedding_lookup(E, [0])


def test_embedding_lookup_on_zero_rows() -> None:
    E = np.zeros((0, 4))
    assert lookup.embedding_lookup(E, []).shape == (0, 4)
    with pytest.raises(IndexError):
        lookup.embedding_lookup(E, [0])


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"seed": True}, TypeError),
    ({"seed": 1.5}, TypeError),
    ({"seed": None}, TypeError),
    ({"seed": -1}, ValueError),
    ({"scale": True}, TypeError),
    ({"scale": "0.1"}, TypeError),
    ({"scale": -0.1}, ValueError),
    ({"scale": float("nan")}, ValueError),
    ({"scale": float("inf")}, ValueError),
])
def test_init_embeddings_rejects(kwargs: dict, error: type) -> None:
    with pytest.raises(error):
        lookup.init_embeddings(3, 2, **kwargs)


@pytest.mark.parametrize(("merges", "alphabet", "error"), [
    ([("a", "b")], 5, TypeError),                 # not iterable
    ([("a", "b")], ["ab"], ValueError),           # entries are single characters
    ([("a", "b")], [""], ValueError),
    ([("a", "b")], [1], TypeError),
    ([("a", "b")], b"ab", TypeError),             # bytes iterate as ints
    ({("a", "b"): 0}, "ab", TypeError),           # merges are a list of pairs
    ([["a", "b"]], "ab", TypeError),
    ([("a", 1)], "ab", TypeError),
    ([("a", "b", "c")], "ab", ValueError),
    ([("", "b")], "ab", ValueError),
])
def test_build_vocab_rejects(merges: object, alphabet: object, error: type) -> None:
    with pytest.raises(error):
        lookup.build_vocab(merges, alphabet)


@pytest.mark.parametrize(("tokens", "vocab", "error"), [
    ("low", LESSON_VOCAB, TypeError),             # a str is not a list of tokens
    ([1], LESSON_VOCAB, TypeError),
    (["low", None], LESSON_VOCAB, TypeError),
    (["low"], [("low", 8)], TypeError),           # the vocab is a dict
    (["zz"], {}, KeyError),
])
def test_tokens_to_ids_rejects(tokens: object, vocab: object, error: type) -> None:
    with pytest.raises(error):
        lookup.tokens_to_ids(tokens, vocab)


def test_lookup_does_not_mutate_inputs() -> None:
    merges, alphabet = [("l", "o"), ("lo", "w")], ["w", "o", "l"]
    tokens, vocab = ["low", "?"], dict(LESSON_VOCAB)
    ids = np.array([2, 0])
    snapshot = copy.deepcopy((merges, alphabet, tokens, vocab))
    lookup.build_vocab(merges, alphabet)
    lookup.tokens_to_ids(tokens, vocab)
    lookup.one_hot(ids, 3)
    lookup.embedding_lookup(E3, ids)
    assert (merges, alphabet, tokens, vocab) == snapshot
    assert ids.tolist() == [2, 0] and E3.tolist() == [[0.0, 0.1], [1.0, 1.1], [2.0, 2.1]]
