"""The whole way: from "Hello world" to retrieval.

    text --encode--> tokens --vocab--> IDs --E--> rows --mean--> one vector per text

`embed_text` turns any text into one vector by averaging the embeddings of its tokens; `retrieve`
is the retrieval step of RAG (retrieval-augmented generation): the documents are embedded and
stored, the question is embedded the same way, and the stored vectors nearest to it by cosine
similarity are handed to the language model as context.
"""

from collections.abc import Mapping, Sequence

import numpy as np

from . import bpe, lookup, similarity


def embed_text(
    text: str, merges: Sequence[tuple[str, str]], vocab: Mapping[str, int], E: np.ndarray
) -> np.ndarray:
    """One vector for a whole text: the mean of its tokens' embeddings.

    The lesson's "Hello world" sketch, in code: with merges that make "Hello" and "world" whole
    tokens, "Hello world" encodes to ["Hello", " ", "world"]; the vocab gives each token an ID;
    each ID picks its row of the embedding matrix E; the text's vector is the average of those
    rows. Tokens missing from the vocab use the row of "<unk>".

    Example: vocab = {"Hello": 0, " ": 1, "world": 2}, E = [[1, 0], [0, 0], [0, 1]] (3 x 2)
             embed_text("Hello world", merges, vocab, E) -> ([1, 0] + [0, 0] + [0, 1]) / 3
                                                         = [1/3, 1/3]

    Averaging forgets word order ("dog bites man" = "man bites dog"), a price simple retrieval
    systems accept; transformer encoders do better by mixing context into every token first.

    Args:
        text: any string; "" gives the zero vector.
        merges: BPE merges, in the order learned (see `bpe.encode`).
        vocab: token -> ID (see `lookup.build_vocab`).
        E: (V, d) embedding matrix, any real dtype. Not modified.

    Returns:
        float64 (d,) array, whatever the dtype of E.

    Raises:
        TypeError: `text` is not a string (and whatever `bpe.encode` and `lookup` raise).
        ValueError: E is not 2-D.
        IndexError: a token's ID is not a row of E.
        KeyError: a token is unknown and the vocab has no "<unk>".

    Hint:
        Chain `bpe.encode`, `lookup.tokens_to_ids` and `lookup.embedding_lookup`. The mean of
        zero rows is NaN, so handle the empty text on its own; `dtype=np.float64` in `np.mean`
        averages float32 rows in float64.
    """
    raise NotImplementedError


def retrieve(
    query: str,
    documents: Sequence[str],
    merges: Sequence[tuple[str, str]],
    vocab: Mapping[str, int],
    E: np.ndarray,
    k: int,
) -> list[int]:
    """The retrieval step of RAG: the k documents nearest to the query, nearest first.

    Embed every document with `embed_text` (a vector database stores exactly these vectors),
    embed the query the same way, and return the indices of the k documents whose vectors are
    most cosine-similar to the query's, ordered as `similarity.top_k` orders them (ties to the
    lower index). No exact word match is needed, only proximity in the embedding space.

    Example: documents = ["world", "Hello", "Hello world"], query = "Hello"
             with the E of `embed_text`'s example -> retrieve(..., k=2) = [1, 2]
             (cos = 1 for "Hello", 1/sqrt(2) for "Hello world", 0 for "world")

    Args:
        query: the question, a string.
        documents: the stored texts, a list or tuple of strings (may be empty). Not modified.
        merges, vocab, E: as for `embed_text`.
        k: how many indices, an int >= 0.

    Returns:
        List of min(k, len(documents)) document indices; [] when there are no documents.

    Raises:
        TypeError: `documents` is not a list or tuple of strings (one str is not), or k is not an int.
        ValueError: k < 0, or an embedding is not finite.
        Any error of `embed_text`.

    Hint:
        Stack the document vectors into one (n, d) matrix and let `similarity.top_k` rank them.
        With no documents the matrix is (0, d), not a NumPy error.
    """
    raise NotImplementedError
