"""Cosine similarity and nearest neighbours: reading meaning off the geometry of embeddings.

Cosine similarity is the cosine of the angle between two vectors:

    cos(a, b) = a · b / (|a| |b|)

It ignores magnitude: [1, 2] and [100, 200] point the same way, so their cosine is 1. Near 1 means
"used alike", near 0 unrelated, near -1 opposed. It is the standard way to compare embeddings,
to find a word's neighbours, to solve analogies (king - man + woman ≈ queen) and to retrieve
documents for a question (RAG).

Every function here refuses inf and NaN (ValueError): the angle of an infinite vector means nothing.
"""

from collections.abc import Mapping, Sequence

import numpy as np

# -----------------------------------------------------------------------------
# GIVEN helpers: input checks shared by the functions below (not part of the exercise).


def _finite_array(x: object, name: str, ndim: int) -> np.ndarray:
    """GIVEN. `x` as a float64 array with `ndim` dimensions and only finite real numbers.

    A non-numeric or bool array is a TypeError; a wrong number of dimensions, inf or NaN a ValueError.
    """
    arr = np.asarray(x)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    arr = arr.astype(np.float64, copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no inf or NaN)")
    return arr


def _check_k(k: object) -> int:
    """GIVEN. Check that `k` is an int (not a bool) >= 0, and return it."""
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"k must be an int, got {type(k).__name__}")
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    return int(k)


# -----------------------------------------------------------------------------
# The exercise


def cosine_similarity_matrix(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row of A with every row of B.

    The cosine of two vectors is the dot product of their unit vectors (each divided by its
    length, so only the direction is left). Turn every row into a unit row and one matrix product
    gives all the cosines at once.

    Example: A = [[1, 0], [0, 0]], B = [[1, 1], [0, 5], [-2, 0]]
             -> [[0.7071, 0, -1],
                 [0,      0,  0]]   (a zero row has no direction: 0 by convention)

    The obvious row / |row| breaks for finite numbers: |[1e200, 1e200]| squares 1e200 and
    overflows to inf, and |[1e-200, 0]| underflows to 0. So first divide each row by its largest
    magnitude (a positive scale does not change a direction); its largest entry is then exactly
    +-1 and its length lies between 1 and sqrt(d). Dividing by a power of two is exact, so rows
    that differ by a factor 2**k get bit-identical cosines: exact ties.

    Args:
        A: (n, d) matrix. Not modified.
        B: (m, d) matrix with the same d. Not modified.

    Returns:
        float64 (n, m) array; entry [i, j] is cos(A[i], B[j]), clipped to [-1, 1].

    Raises:
        TypeError: a matrix does not hold real numbers.
        ValueError: a matrix is not 2-D or not finite, or the row lengths differ.

    Hint:
        `np.max(np.abs(M), axis=1, keepdims=True, initial=0.0)` gives each row's largest
        magnitude (also when d is 0); `np.divide(x, y, out=np.zeros_like(x), where=y > 0)`
        divides only where y > 0 and leaves zeros elsewhere. Rounding can push a cosine a hair
        past 1: `np.clip`.
    """
    ### BEGIN SOLUTION
    A = _finite_array(A, "A", ndim=2)
    B = _finite_array(B, "B", ndim=2)
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"rows must have the same length, got {A.shape[1]} and {B.shape[1]}")

    def unit_rows(M: np.ndarray) -> np.ndarray:
        peak = np.max(np.abs(M), axis=1, keepdims=True, initial=0.0)
        scaled = np.divide(M, peak, out=np.zeros_like(M), where=peak > 0)
        norms = np.linalg.norm(scaled, axis=1, keepdims=True)  # >= 1 for every nonzero row
        return np.divide(scaled, norms, out=np.zeros_like(M), where=norms > 0)

    return np.clip(unit_rows(A) @ unit_rows(B).T, -1.0, 1.0)
    ### END SOLUTION


def cosine_similarity(a: np.ndarray | Sequence[float], b: np.ndarray | Sequence[float]) -> float:
    """Cosine of the angle between two vectors: a · b / (|a| |b|).

    Example: cosine_similarity([1, 0], [1, 1]) -> 1/sqrt(2) = 0.7071...   (45 degrees)
             cosine_similarity([1, 2], [100, 200]) -> 1.0 up to rounding (magnitude is ignored)
             cosine_similarity([1, 2], [0, 0]) -> 0.0       (no direction, no NaN)

    Args:
        a: (d,) vector. Not modified.
        b: (d,) vector of the same length. Not modified.

    Returns:
        A float in [-1, 1]; 0.0 when either vector is all zeros.

    Raises:
        TypeError: a vector does not hold real numbers.
        ValueError: a vector is not 1-D or not finite, or the lengths differ.

    Hint:
        A vector is a matrix with one row: `a[np.newaxis]` has shape (1, d).
    """
    ### BEGIN SOLUTION
    a = _finite_array(a, "a", ndim=1)
    b = _finite_array(b, "b", ndim=1)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    return float(cosine_similarity_matrix(a[np.newaxis], b[np.newaxis])[0, 0])
    ### END SOLUTION


def top_k(query: np.ndarray | Sequence[float], matrix: np.ndarray, k: int) -> list[int]:
    """Indices of the k rows of `matrix` most cosine-similar to `query`, most similar first.

    Equal similarities go to the lower index, so the answer never depends on the sorting
    algorithm. This is the search a vector database runs: "these k stored vectors are
    geometrically closest to your query".

    Example: query = [1, 0], matrix = [[0, 1], [2, 0], [1, 1], [1, 0]]
             similarities [0, 1, 0.707, 1] -> top_k(query, matrix, 3) = [1, 3, 2]

    Args:
        query: (d,) vector. Not modified.
        matrix: (n, d) rows to search. Not modified.
        k: how many indices, an int >= 0; more than n gives all n.

    Returns:
        List of min(k, n) row indices (Python ints).

    Raises:
        TypeError: an array does not hold real numbers, or k is not an int.
        ValueError: k < 0, bad shapes, or inf or NaN.

    Hint:
        `np.argsort(-scores, kind="stable")` sorts by decreasing score and keeps equal scores in
        index order; the default sort algorithm does not promise that.
    """
    ### BEGIN SOLUTION
    k = _check_k(k)
    query = _finite_array(query, "query", ndim=1)
    scores = cosine_similarity_matrix(query[np.newaxis], matrix)[0]
    return [int(i) for i in np.argsort(-scores, kind="stable")[:k]]
    ### END SOLUTION


def analogy(a: str, b: str, c: str, vocab: Mapping[str, int], E: np.ndarray, k: int = 1) -> list[str]:
    """Solve "a is to b as c is to ?" with vector arithmetic on the rows of E.

    The target direction is unit(E[b]) - unit(E[a]) + unit(E[c]): start from b, take away what
    makes a, add what makes c. With a = "man", b = "king", c = "woman" the gender direction is
    swapped and the royalty kept, and the word nearest the target is "queen". Nobody encoded
    royalty or gender: those directions emerge from training.

    The answer is the k words whose rows are most cosine-similar to the target, as `top_k`
    orders them, leaving out a, b and c themselves (the target is usually closest to b) and
    "<unk>" if the vocabulary has it. The unit vector of a zero row is zero.

    A unit vector's entries are its direction cosines: entry j is the cosine of the row with
    axis j. So `cosine_similarity_matrix(rows, np.eye(d))` turns rows into unit rows, and zero
    rows into zero rows.

    Example: vocab = {"man": 0, "woman": 1, "king": 2, "queen": 3},
             E = [[1, 0, 0, 1], [0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 1, 0]]
             (male, female, royal, commoner): king - man + woman = [0, 1, 1, 0] = queen
             analogy("man", "king", "woman", vocab, E) -> ["queen"]

    Args:
        a, b, c: words of `vocab`.
        vocab: word -> row of E.
        E: (V, d) embedding matrix. Not modified.
        k: how many words, an int >= 0.

    Returns:
        Up to k words, most similar first.

    Raises:
        KeyError: a, b or c is not in `vocab`.
        TypeError: a word is not a string, an ID is not an int, E does not hold real numbers, or
            k is not an int.
        ValueError: E is not 2-D or not finite, or k < 0.
        IndexError: the ID of a, b or c is not a row of E.

    Hint:
        Get the three unit vectors as direction cosines (above). Build the reverse map
        ID -> word once, rank every row with `top_k`, then drop the left-out IDs before keeping k.
    """
    ### BEGIN SOLUTION
    k = _check_k(k)
    if not isinstance(vocab, Mapping):
        raise TypeError(f"vocab must be a dict of word -> ID, got {type(vocab).__name__}")
    E = _finite_array(E, "E", ndim=2)
    ids = []
    for word in (a, b, c):
        if not isinstance(word, str):
            raise TypeError(f"words must be strings, got {type(word).__name__}")
        token_id = vocab[word]  # KeyError for an unknown word
        if isinstance(token_id, (bool, np.bool_)) or not isinstance(token_id, (int, np.integer)):
            raise TypeError(f"vocab[{word!r}] must be an int ID, got {type(token_id).__name__}")
        if not 0 <= token_id < E.shape[0]:
            raise IndexError(f"vocab[{word!r}] = {token_id} is not a row of E (0..{E.shape[0] - 1})")
        ids.append(int(token_id))

    unit_a, unit_b, unit_c = cosine_similarity_matrix(E[ids], np.eye(E.shape[1]))  # direction cosines
    target = unit_b - unit_a + unit_c
    left_out = set(ids) | ({vocab["<unk>"]} if "<unk>" in vocab else set())
    words = {int(i): w for w, i in vocab.items()}
    ranked = [words[i] for i in top_k(target, E, E.shape[0]) if i in words and i not in left_out]
    return ranked[:k]
    ### END SOLUTION
