"""Correct, self-contained implementations every mutant starts from.

Each entry of :data:`BASE` is the source of one student function (plus private ``_mx_*`` helpers),
written independently of ``solutions/`` so that it does not depend on the solutions' helper names.
A mutant is one of these with ONE realistic mistake put in (see ``catalogue.py``); the project's
tests check that every base, put in place of the solution's function, still gets full marks, so a
mutant that loses points loses them for its mistake and nothing else.
"""

from __future__ import annotations

#: validation helpers shared by the bases (inserted with each replaced function)
HELPERS = '''
import math as _mx_math
import re as _mx_re

import numpy as _mx_np


def _mx_int(value, name):
    if isinstance(value, (bool, _mx_np.bool_)) or not isinstance(value, (int, _mx_np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    return int(value)


def _mx_size(value, name, minimum=1):
    value = _mx_int(value, name)
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}")
    return value


def _mx_ids(ids, limit=None):
    if isinstance(ids, _mx_np.ndarray):
        if ids.dtype.kind not in "iu":
            raise TypeError("token IDs must be integers")
        if ids.ndim != 1:
            raise ValueError("token IDs must be 1-D")
        ids = ids.tolist()
    elif not isinstance(ids, (list, tuple)):
        raise TypeError("token IDs must be a list")
    out = [_mx_int(i, "token ID") for i in ids]
    for i in out:
        if i < 0 or (limit is not None and i >= limit):
            raise IndexError(f"token ID {i} out of range")
    return out


def _mx_real(value, name):
    if isinstance(value, (bool, _mx_np.bool_)) or not isinstance(value, (int, float, _mx_np.integer, _mx_np.floating)):
        raise TypeError(f"{name} must be a number")
    if not _mx_math.isfinite(value):
        raise ValueError(f"{name} must be finite")
    return float(value)


def _mx_array(x, name, ndim=None, finite=False):
    arr = _mx_np.asarray(x)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D")
    arr = arr.astype(_mx_np.float64)
    if finite and not _mx_np.all(_mx_np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr


def _mx_words(words):
    if not isinstance(words, dict):
        raise TypeError("words must be a dict")
    for word, count in words.items():
        if not isinstance(word, tuple):
            raise TypeError("a word must be a tuple")
        for symbol in word:
            if not isinstance(symbol, str):
                raise TypeError("symbols must be str")
            if not symbol:
                raise ValueError("empty symbol")
        if isinstance(count, bool) or not isinstance(count, int):
            raise TypeError("counts must be int")
        if count < 1:
            raise ValueError("counts must be >= 1")


def _mx_pair(pair):
    if not isinstance(pair, tuple):
        raise TypeError("a pair must be a tuple")
    if len(pair) != 2:
        raise ValueError("a pair has two symbols")
    for symbol in pair:
        if not isinstance(symbol, str):
            raise TypeError("symbols must be str")
        if not symbol:
            raise ValueError("empty symbol")


def _mx_merges(merges):
    if not isinstance(merges, (list, tuple)):
        raise TypeError("merges must be a list")
    for pair in merges:
        _mx_pair(pair)


def _mx_unit_rows(M):
    peak = _mx_np.max(_mx_np.abs(M), axis=1, keepdims=True, initial=0.0)
    scaled = _mx_np.divide(M, peak, out=_mx_np.zeros_like(M), where=peak > 0)
    norms = _mx_np.sqrt(_mx_np.sum(scaled * scaled, axis=1, keepdims=True))
    return _mx_np.divide(scaled, norms, out=_mx_np.zeros_like(M), where=norms > 0)
'''

#: sibling modules, imported under private names (a relative import works inside the package)
IMPORTS = {
    "bpe": "",
    "lookup": "from . import bpe as _mx_bpe\n",
    "skipgram": "from . import lookup as _mx_lookup\n",
    "similarity": "",
    "pipeline": "from . import bpe as _mx_bpe, lookup as _mx_lookup, similarity as _mx_similarity\n",
}

BASE: dict[tuple[str, str], str] = {}


def _base(module: str, function: str, source: str) -> None:
    BASE[(module, function)] = source.strip("\n") + "\n"


# ---------------------------------------------------------------------------------------- bpe
_base("bpe", "count_pairs", '''
def count_pairs(words):
    _mx_words(words)
    counts = {}
    for word, count in words.items():
        for i in range(len(word) - 1):
            pair = (word[i], word[i + 1])
            counts[pair] = counts.get(pair, 0) + count
    return counts
''')

_base("bpe", "merge_pair", '''
def merge_pair(words, pair):
    _mx_words(words)
    _mx_pair(pair)
    merged = {}
    for word, count in words.items():
        out = []
        i = 0
        while i < len(word):
            if i + 1 < len(word) and word[i] == pair[0] and word[i + 1] == pair[1]:
                out.append(pair[0] + pair[1])
                i += 2
            else:
                out.append(word[i])
                i += 1
        key = tuple(out)
        merged[key] = merged.get(key, 0) + count
    return merged
''')

_base("bpe", "train_bpe", '''
def train_bpe(text, num_merges):
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    num_merges = _mx_size(num_merges, "num_merges", 0)
    words = {}
    for chunk in _mx_re.findall(r"\\s*\\S+|\\s+", text):
        words[tuple(chunk)] = words.get(tuple(chunk), 0) + 1
    merges = []
    for _ in range(num_merges):
        counts = count_pairs(words)
        if not counts:
            break
        best = None
        for pair, count in counts.items():
            if best is None or count > counts[best]:
                best = pair
        merges.append(best)
        words = merge_pair(words, best)
    return merges
''')

_base("bpe", "encode", '''
def encode(text, merges):
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    _mx_merges(merges)
    tokens = []
    for chunk in _mx_re.findall(r"\\s*\\S+|\\s+", text):
        symbols = list(chunk)
        for left, right in merges:
            out = []
            i = 0
            while i < len(symbols):
                if i + 1 < len(symbols) and symbols[i] == left and symbols[i + 1] == right:
                    out.append(left + right)
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            symbols = out
        tokens.extend(symbols)
    return tokens
''')

# ------------------------------------------------------------------------------------- lookup
_base("lookup", "build_vocab", '''
def build_vocab(merges, alphabet):
    _mx_merges(merges)
    chars = list(alphabet)
    for char in chars:
        if not isinstance(char, str):
            raise TypeError("alphabet entries must be str")
        if len(char) != 1:
            raise ValueError("alphabet entries must be one character")
    vocab = {"<unk>": 0}
    for char in sorted(set(chars)):
        if char not in vocab:
            vocab[char] = len(vocab)
    for left, right in merges:
        token = left + right
        if token not in vocab:
            vocab[token] = len(vocab)
    return vocab
''')

_base("lookup", "tokens_to_ids", '''
def tokens_to_ids(tokens, vocab):
    if not isinstance(tokens, (list, tuple)):
        raise TypeError("tokens must be a list")
    ids = []
    for token in tokens:
        if not isinstance(token, str):
            raise TypeError("tokens must be str")
        if token in vocab:
            ids.append(vocab[token])
        else:
            ids.append(vocab["<unk>"])
    return ids
''')

_base("lookup", "one_hot", '''
def one_hot(ids, vocab_size):
    vocab_size = _mx_size(vocab_size, "vocab_size")
    ids = _mx_ids(ids, vocab_size)
    out = _mx_np.zeros((len(ids), vocab_size))
    for row, token_id in enumerate(ids):
        out[row, token_id] = 1.0
    return out
''')

_base("lookup", "embedding_lookup", '''
def embedding_lookup(E, ids):
    if not isinstance(E, _mx_np.ndarray):
        raise TypeError("E must be an array")
    if E.ndim != 2:
        raise ValueError("E must be 2-D")
    ids = _mx_ids(ids, E.shape[0])
    return E[_mx_np.array(ids, dtype=_mx_np.intp)].reshape(len(ids), E.shape[1])
''')

_base("lookup", "count_parameters", '''
def count_parameters(vocab_size, dim):
    return _mx_size(vocab_size, "vocab_size") * _mx_size(dim, "dim")
''')

_base("lookup", "init_embeddings", '''
def init_embeddings(vocab_size, dim, seed=0, scale=0.01):
    vocab_size = _mx_size(vocab_size, "vocab_size")
    dim = _mx_size(dim, "dim")
    seed = _mx_size(seed, "seed", 0)
    if _mx_real(scale, "scale") < 0:
        raise ValueError("scale must be >= 0")
    rng = _mx_np.random.default_rng(seed)
    return rng.normal(0.0, scale, (vocab_size, dim))
''')

# ----------------------------------------------------------------------------------- skipgram
_base("skipgram", "softmax", '''
def softmax(x):
    x = _mx_array(x, "x", finite=True)
    shifted = x - _mx_np.max(x, axis=-1, keepdims=True)
    if x.ndim == 0:  # (an empty last axis already made np.max raise its ValueError)
        raise ValueError("softmax needs scores on a last axis")
    z = _mx_np.exp(shifted)
    return z / _mx_np.sum(z, axis=-1, keepdims=True)
''')

_base("skipgram", "skipgram_loss_and_grads", '''
def skipgram_loss_and_grads(W_in, W_out, center, context):
    W_in = _mx_array(W_in, "W_in", ndim=2)
    W_out = _mx_array(W_out, "W_out", ndim=2)
    if W_in.shape != W_out.shape:
        raise ValueError("W_in and W_out differ in shape")
    center, context = _mx_ids([center, context], W_in.shape[0])
    v = W_in[center]
    scores = W_out @ v
    top = _mx_np.max(scores)
    log_z = top + _mx_np.log(_mx_np.sum(_mx_np.exp(scores - top)))
    loss = float(log_z - scores[context])
    e = _mx_np.exp(scores - log_z)
    e[context] -= 1.0
    grad_center = W_out.T @ e
    grad_out = _mx_np.outer(e, v)
    return loss, grad_center, grad_out
''')

_base("skipgram", "sgd_step", '''
def sgd_step(W_in, W_out, center, context, lr):
    lr = _mx_real(lr, "lr")
    if not all(isinstance(W, _mx_np.ndarray) and W.dtype.kind == "f" for W in (W_in, W_out)):
        raise TypeError("W_in and W_out must be float arrays")
    loss, grad_center, grad_out = skipgram_loss_and_grads(W_in, W_out, center, context)
    W_in[int(center)] -= lr * grad_center
    W_out -= lr * grad_out
    return loss
''')

_base("skipgram", "negative_sampling_loss_and_grads", '''
def negative_sampling_loss_and_grads(v, u_pos, U_neg):
    v = _mx_array(v, "v", ndim=1)
    u_pos = _mx_array(u_pos, "u_pos", ndim=1)
    U_neg = _mx_array(U_neg, "U_neg", ndim=2)
    if u_pos.shape != v.shape or U_neg.shape[1] != v.shape[0]:
        raise ValueError("lengths differ")
    s = float(u_pos @ v)
    t = U_neg @ v
    loss = float(_mx_np.logaddexp(0.0, -s) + _mx_np.sum(_mx_np.logaddexp(0.0, t)))
    sig_minus_s = float(_mx_np.exp(-_mx_np.logaddexp(0.0, s)))
    sig_t = _mx_np.exp(-_mx_np.logaddexp(0.0, -t))
    grad_v = -sig_minus_s * u_pos + U_neg.T @ sig_t
    grad_u_pos = -sig_minus_s * v
    grad_U_neg = _mx_np.outer(sig_t, v)
    return loss, grad_v, grad_u_pos, grad_U_neg
''')

_base("skipgram", "numerical_gradient", '''
def numerical_gradient(f, x, eps=1e-5):
    if not callable(f):
        raise TypeError("f must be callable")
    if _mx_real(eps, "eps") <= 0:
        raise ValueError("eps must be positive")
    x0 = _mx_array(x, "x")
    grad = _mx_np.zeros_like(x0)
    for index in _mx_np.ndindex(x0.shape):
        plus = x0.copy()
        minus = x0.copy()
        plus[index] += eps
        minus[index] -= eps
        grad[index] = (f(plus) - f(minus)) / (2 * eps)
    return grad
''')

_base("skipgram", "skipgram_pairs", '''
def skipgram_pairs(token_ids, window):
    window = _mx_size(window, "window")
    ids = _mx_ids(token_ids)
    pairs = []
    for i in range(len(ids)):
        for j in range(i - window, i + window + 1):
            if j != i and 0 <= j < len(ids):
                pairs.append((ids[i], ids[j]))
    return pairs
''')

_base("skipgram", "train_skipgram", '''
def train_skipgram(token_ids, vocab_size, dim, window=2, epochs=5, lr=0.05, seed=0):
    vocab_size = _mx_size(vocab_size, "vocab_size")
    dim = _mx_size(dim, "dim")
    epochs = _mx_size(epochs, "epochs", 0)
    _mx_ids(token_ids, vocab_size)
    pairs = skipgram_pairs(token_ids, window)
    W_in = _mx_lookup.init_embeddings(vocab_size, dim, seed)
    W_out = _mx_np.zeros((vocab_size, dim))
    for _ in range(epochs):
        for center, context in pairs:
            sgd_step(W_in, W_out, center, context, lr)
    return W_in, W_out
''')

# --------------------------------------------------------------------------------- similarity
_base("similarity", "cosine_similarity", '''
def cosine_similarity(a, b):
    a = _mx_array(a, "a", ndim=1, finite=True)
    b = _mx_array(b, "b", ndim=1, finite=True)
    if a.shape != b.shape:
        raise ValueError("shapes differ")
    ua, ub = _mx_unit_rows(a[None]), _mx_unit_rows(b[None])
    return float(min(1.0, max(-1.0, float(ua[0] @ ub[0]))))
''')

_base("similarity", "cosine_similarity_matrix", '''
def cosine_similarity_matrix(A, B):
    A = _mx_array(A, "A", ndim=2, finite=True)
    B = _mx_array(B, "B", ndim=2, finite=True)
    if A.shape[1] != B.shape[1]:
        raise ValueError("row lengths differ")
    return _mx_np.clip(_mx_unit_rows(A) @ _mx_unit_rows(B).T, -1.0, 1.0)
''')

_base("similarity", "top_k", '''
def top_k(query, matrix, k):
    k = _mx_size(k, "k", 0)
    query = _mx_array(query, "query", ndim=1, finite=True)
    scores = cosine_similarity_matrix(query[None], matrix)[0]
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    return order[:k]
''')

_base("similarity", "analogy", '''
def analogy(a, b, c, vocab, E, k=1):
    k = _mx_size(k, "k", 0)
    E = _mx_array(E, "E", ndim=2, finite=True)
    if not all(isinstance(w, str) for w in (a, b, c)):
        raise TypeError("words must be str")
    ids = [vocab[a], vocab[b], vocab[c]]
    ids = _mx_ids(ids, E.shape[0])
    units = _mx_unit_rows(E[ids])
    target = units[1] - units[0] + units[2]
    left_out = set(ids)
    if "<unk>" in vocab:
        left_out.add(vocab["<unk>"])
    words = {i: w for w, i in vocab.items()}
    ranked = top_k(target, E, E.shape[0])
    return [words[i] for i in ranked if i in words and i not in left_out][:k]
''')

# ----------------------------------------------------------------------------------- pipeline
_base("pipeline", "embed_text", '''
def embed_text(text, merges, vocab, E):
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    ids = _mx_lookup.tokens_to_ids(_mx_bpe.encode(text, merges), vocab)
    rows = _mx_lookup.embedding_lookup(E, ids)
    if not ids:
        return _mx_np.zeros(rows.shape[1])
    return rows.astype(_mx_np.float64).mean(axis=0)
''')

_base("pipeline", "retrieve", '''
def retrieve(query, documents, merges, vocab, E, k):
    if not isinstance(documents, (list, tuple)):
        raise TypeError("documents must be a list")
    q = embed_text(query, merges, vocab, E)
    if not documents:
        return []
    D = _mx_np.stack([embed_text(d, merges, vocab, E) for d in documents])
    return _mx_similarity.top_k(q, D, k)
''')


def base_source(module: str, function: str) -> str:
    """The full replacement text for one function: imports, helpers, then the function."""
    return IMPORTS[module] + HELPERS + "\n\n" + BASE[(module, function)]
