"""From token to dense vector: token IDs, one-hot vectors and the embedding lookup.

After tokenization each token becomes an integer, its *token ID*: its row number in the vocabulary.
The number itself means nothing (token 15340 is not "slightly more" than token 15339), so the model
keeps an *embedding matrix* ``E`` with one row per token and reads the token's row: a dense vector
of ``d`` floats, random at first and shaped by training. Conceptually the token is a *one-hot*
vector, all zeros but a 1 at its ID, and ``one_hot(id) @ E`` picks out exactly row ``id`` of ``E``;
real models skip the huge sparse vector and index the row directly. That is the whole trick::

    "low lower" --encode--> ["low", " ", "low", "e", "r"] --vocab--> [8, 1, 8, 2, 5] --E[ids]--> 5 x d

Students write every function below except the ``_check_size`` and ``_as_ids`` helpers, which are
given: they raise the errors the exercise asks for on wrong types (``TypeError``: bools and floats are not
token IDs) and sizes below 1 (``ValueError``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from . import bpe

# ----------------------------------------------------------------------------------------------
# given helpers


def _check_size(value: int, name: str) -> int:
    """GIVEN. Return ``value`` as an int if it is a whole number >= 1 (``vocab_size``, ``dim``).

    ``TypeError`` unless a Python or NumPy integer (a bool is not a size); ``ValueError`` below 1.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, not {value}")
    return int(value)


def _as_ids(ids: list[int] | np.ndarray) -> np.ndarray:
    """GIVEN. Token IDs as a 1-D integer array; their range is NOT checked (that is your job).

    ``ids`` may be a list or tuple of Python or NumPy integers, or a 1-D integer array.
    ``TypeError`` for anything else, bools and floats included (``2.0`` is not an ID);
    ``ValueError`` for an array that is not 1-D.
    """
    if isinstance(ids, np.ndarray):
        if ids.dtype.kind not in "iu":
            raise TypeError(f"token IDs must be integers, not an array of {ids.dtype}")
        if ids.ndim != 1:
            raise ValueError(f"token IDs must be a 1-D array, not shape {ids.shape}")
        return ids
    if not isinstance(ids, (list, tuple)):
        raise TypeError(f"token IDs must be a list of ints or an integer array, not {type(ids).__name__}")
    for token_id in ids:
        if isinstance(token_id, (bool, np.bool_)) or not isinstance(token_id, (int, np.integer)):
            raise TypeError(f"token IDs must be ints, not {type(token_id).__name__}: {token_id!r}")
    try:
        return np.array(ids, dtype=np.int64)
    except OverflowError:  # beyond int64: no vocabulary is that large
        raise IndexError(f"token ID out of range in {ids!r}") from None


# ----------------------------------------------------------------------------------------------
# your part


def build_vocab(merges: list[tuple[str, str]], alphabet: str | Iterable[str]) -> dict[str, int]:
    """Give every token an ID: the vocabulary, ``{token: ID}``.

    ID 0 is ``"<unk>"``, the stand-in for anything unknown. Then come the distinct characters of
    ``alphabet`` in code-point order (``sorted`` order), then the token of each merge, ``a + b``,
    in the order the merges were learned. A token already in the vocabulary is skipped, so the IDs
    are 0, 1, 2, ... with no gaps, and ``len(vocab)`` is the number of rows of the embedding matrix.

    Example::

        build_vocab([("l", "o"), ("lo", "w")], "low lower")
        -> {"<unk>": 0, " ": 1, "e": 2, "l": 3, "o": 4, "r": 5, "w": 6, "lo": 7, "low": 8}

    Args:
        merges: ``(left, right)`` pairs as :func:`bpe.train_bpe` returns them.
        alphabet: the characters: a string, or an iterable of one-character strings.

    Returns:
        ``{token: ID}``, in ID order.

    Raises:
        TypeError: ``merges`` is not a list of pairs of str, ``alphabet`` is not iterable or holds
            something other than a str.
        ValueError: an alphabet entry that is not exactly one character, or a bad merge.

    Hint:
        Check ``merges`` with the given ``bpe._check_merges``. A dict keeps insertion order, and
        the next free ID is always the current size of the dict, so there is no counter to keep.
    """
    ### BEGIN SOLUTION
    bpe._check_merges(merges)
    try:
        chars = list(alphabet)  # a str gives its characters
    except TypeError:
        raise TypeError(f"alphabet must be a str or iterable of str, not {type(alphabet).__name__}") from None
    for char in chars:
        if not isinstance(char, str):
            raise TypeError(f"alphabet entries must be str, not {type(char).__name__}: {char!r}")
        if len(char) != 1:
            raise ValueError(f"alphabet entries must be single characters: {char!r}")
    vocab = {"<unk>": 0}
    for token in sorted(set(chars)) + [left + right for left, right in merges]:
        vocab.setdefault(token, len(vocab))
    return vocab
    ### END SOLUTION


def tokens_to_ids(tokens: list[str], vocab: dict[str, int]) -> list[int]:
    """Map tokens to their IDs; a token not in the vocabulary gets the ID of ``"<unk>"``.

    This is the step between the tokenizer and the model: the model only ever sees the integers.
    Every token unknown to the vocabulary (a character never seen in training, say) shares the one
    ``"<unk>"`` row, which is why a tokenizer wants a vocabulary that covers its text.

    Example (``vocab`` as in the :func:`build_vocab` example)::

        tokens_to_ids(["low", " ", "low", "e", "r", "!"], vocab) -> [8, 1, 8, 2, 5, 0]

    Args:
        tokens: a list (or tuple) of token strings, as :func:`bpe.encode` returns.
        vocab: ``{token: ID}``, as :func:`build_vocab` returns.

    Returns:
        The IDs, one per token.

    Raises:
        TypeError: ``tokens`` is not a list of str, or ``vocab`` is not a dict.
        KeyError: a token is unknown and ``vocab`` has no ``"<unk>"`` to fall back on.

    Hint:
        ``in`` on a dict checks its keys in constant time. Decide what happens to an unknown token
        before you look it up, and raise the ``KeyError`` yourself with a message that says which
        token was the problem.
    """
    ### BEGIN SOLUTION
    if not isinstance(tokens, (list, tuple)):
        raise TypeError(f"tokens must be a list of str, not {type(tokens).__name__}")
    if not isinstance(vocab, dict):
        raise TypeError(f"vocab must be a dict {{token: ID}}, not {type(vocab).__name__}")
    ids = []
    for token in tokens:
        if not isinstance(token, str):
            raise TypeError(f"tokens must be str, not {type(token).__name__}: {token!r}")
        if token in vocab:
            ids.append(vocab[token])
        elif "<unk>" in vocab:
            ids.append(vocab["<unk>"])
        else:
            raise KeyError(f"token {token!r} is not in the vocab, and the vocab has no '<unk>'")
    return ids
    ### END SOLUTION


def one_hot(ids: list[int] | np.ndarray, vocab_size: int) -> np.ndarray:
    """One-hot vectors: row ``i`` is all zeros except a 1.0 in column ``ids[i]``.

    A one-hot vector says "I am this token, nothing else" without implying any order between IDs.
    It is the conceptual input of an embedding layer: ``one_hot(ids, V) @ E`` is ``E[ids]``.

    Example::

        one_hot([2, 0, 2], 3) -> [[0., 0., 1.],
                                  [1., 0., 0.],
                                  [0., 0., 1.]]

    Args:
        ids: token IDs: a list of Python or NumPy ints, or a 1-D integer array.
        vocab_size: the number of tokens, V (columns of the result).

    Returns:
        A float64 array of shape ``(len(ids), vocab_size)``.

    Raises:
        TypeError: an ID is not an integer (bools and floats included), or ``vocab_size`` is not an int.
        ValueError: ``vocab_size`` below 1, or ``ids`` is an array that is not 1-D.
        IndexError: an ID outside ``0 .. vocab_size - 1``; a negative ID is out of range too.

    Hint:
        Start from ``_check_size`` and ``_as_ids``, then check the range yourself. Build a zero
        matrix of the right shape and set all the ones in one assignment: NumPy lets you index
        with an array of row numbers and an array of column numbers at the same time.
    """
    ### BEGIN SOLUTION
    vocab_size = _check_size(vocab_size, "vocab_size")
    ids = _as_ids(ids)
    bad = ids[(ids < 0) | (ids >= vocab_size)]
    if bad.size:
        raise IndexError(f"token ID {bad[0]} is outside 0..{vocab_size - 1}")
    vectors = np.zeros((len(ids), vocab_size))
    vectors[np.arange(len(ids)), ids] = 1.0
    return vectors
    ### END SOLUTION


def embedding_lookup(E: np.ndarray, ids: list[int] | np.ndarray) -> np.ndarray:
    """Look up the embedding of each token: the rows ``E[ids[0]], E[ids[1]], ...``.

    ``E`` is the embedding matrix, one row of ``d`` numbers per token of the vocabulary. Looking a
    token up is reading its row; this equals ``one_hot(ids, E.shape[0]) @ E`` (a one-hot row times
    ``E`` picks out one row of ``E``) without building the big sparse matrix. The result has the
    dtype of ``E``.

    The classic bug this exercise is about: NumPy reads ``E[-1]`` as "the last row", so a negative
    ID (say, a -1 meaning "missing") silently returns some real token's embedding. Here a negative
    ID, like one that is too large, is an ``IndexError``.

    Example::

        E = [[0.0, 0.1],           embedding_lookup(E, [2, 0, 2]) -> [[2.0, 2.1],
             [1.0, 1.1],                                              [0.0, 0.1],
             [2.0, 2.1]]                                              [2.0, 2.1]]

    Args:
        E: the embedding matrix, a 2-D array of shape ``(vocab_size, d)``; left unchanged.
        ids: token IDs: a list of Python or NumPy ints, or a 1-D integer array.

    Returns:
        An array of shape ``(len(ids), d)`` in the dtype of ``E``, a copy (not a view) of the rows.

    Raises:
        TypeError: ``E`` is not a NumPy array, or an ID is not an integer (bools and floats included).
        ValueError: ``E`` is not 2-D, or ``ids`` is an array that is not 1-D.
        IndexError: an ID outside ``0 .. E.shape[0] - 1``, negative ones included.

    Hint:
        Check ``E`` yourself and the IDs with ``_as_ids``. The lookup itself is one indexing
        expression, but only after you have ruled out every ID that NumPy would accept and you
        must not.
    """
    ### BEGIN SOLUTION
    if not isinstance(E, np.ndarray):
        raise TypeError(f"E must be a numpy array, not {type(E).__name__}")
    if E.ndim != 2:
        raise ValueError(f"E must be 2-D (vocab_size, d), not shape {E.shape}")
    ids = _as_ids(ids)
    bad = ids[ids >= E.shape[0]]
    if bad.size:
        raise IndexError(f"token ID {bad[0]} is outside 0..{E.shape[0] - 1}")
    return E[ids]
    ### END SOLUTION


def count_parameters(vocab_size: int, dim: int) -> int:
    """The number of learned numbers in an embedding matrix: one row of ``dim`` per token.

    Embedding tables are big: a vocabulary of 50,000 tokens with 768 dimensions (GPT-2's size)
    holds 38,400,000 parameters, before any other layer of the model.

    Example: ``count_parameters(50_000, 768)`` -> ``38_400_000``

    Args:
        vocab_size: the number of tokens (rows).
        dim: the embedding dimension (columns).

    Returns:
        ``vocab_size * dim`` as a Python int.

    Raises:
        TypeError: a size that is not an int (bools included).
        ValueError: a size below 1.

    Hint:
        Validate both sizes with ``_check_size``; the arithmetic is the easy part.
    """
    ### BEGIN SOLUTION
    return _check_size(vocab_size, "vocab_size") * _check_size(dim, "dim")
    ### END SOLUTION


def init_embeddings(vocab_size: int, dim: int, seed: int = 0, scale: float = 0.01) -> np.ndarray:
    """A fresh, random embedding matrix: small normal noise, before any training.

    Nobody designs the meaning of an embedding: every row starts as random numbers, and training
    (gradient descent on a prediction task) moves tokens used in similar contexts close together.
    The values are exactly ``numpy.random.default_rng(seed).normal(0.0, scale, (vocab_size, dim))``,
    so the same seed always gives the same matrix.

    Example: ``init_embeddings(3, 4, seed=0).shape`` -> ``(3, 4)``; its entries are around 0.01 in size.

    Args:
        vocab_size: rows, one per token.
        dim: columns, the embedding dimension.
        seed: seed of NumPy's default generator, an int >= 0.
        scale: standard deviation of the noise, a finite number >= 0.

    Returns:
        A float64 array of shape ``(vocab_size, dim)``.

    Raises:
        TypeError: a size or the seed is not an int, or ``scale`` is not a number (bools included).
        ValueError: a size below 1, a negative seed, or a negative or non-finite ``scale``.

    Hint:
        Use a local generator from ``numpy.random.default_rng``, not the global ``numpy.random``
        functions: the result must depend on ``seed`` alone.
    """
    ### BEGIN SOLUTION
    vocab_size = _check_size(vocab_size, "vocab_size")
    dim = _check_size(dim, "dim")
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, not {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, not {seed}")
    if isinstance(scale, (bool, np.bool_)) or not isinstance(scale, (int, float, np.integer, np.floating)):
        raise TypeError(f"scale must be a number, not {type(scale).__name__}")
    if not (math.isfinite(scale) and scale >= 0):
        raise ValueError(f"scale must be finite and >= 0, not {scale}")
    return np.random.default_rng(int(seed)).normal(0.0, float(scale), (vocab_size, dim))
    ### END SOLUTION
