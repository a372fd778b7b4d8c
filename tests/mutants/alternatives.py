"""CORRECT implementations written differently from the solutions: each must get full marks.

They guard against cases that are too strict: a loop instead of a vectorised expression (or back),
another valid formula with different rounding, another container where SPEC allows one, GPT-2's
rank rule for encode, a different (valid) order of input checks.
"""

from __future__ import annotations

from . import Variant
from .base import HELPERS, IMPORTS

ALTERNATIVES: list[Variant] = []


def alternative(id: str, module: str, function: str, description: str, source: str) -> None:
    ALTERNATIVES.append(Variant(id, module, function, description, IMPORTS[module] + HELPERS + "\n\n" + source.strip("\n") + "\n"))


# ======================================================================================== bpe
alternative("count_pairs.counter", "bpe", "count_pairs", "collections.Counter over zip(word, word[1:]) (a dict subclass)", '''
import collections as _alt_collections


def count_pairs(words):
    _mx_words(words)
    counts = _alt_collections.Counter()
    for word, count in words.items():
        for pair in zip(word, word[1:]):
            counts[pair] += count
    return counts
''')

alternative("merge_pair.skip_flag", "bpe", "merge_pair", "one pass over zip(word, word[1:] + ('',)) with a skip flag", '''
def merge_pair(words, pair):
    _mx_pair(pair)
    _mx_words(words)
    merged = {}
    for word, count in words.items():
        out, skip = [], False
        for here, after in zip(word, word[1:] + ("",)):
            if skip:
                skip = False
            elif (here, after) == pair:
                out.append(here + after)
                skip = True
            else:
                out.append(here)
        merged[tuple(out)] = merged.get(tuple(out), 0) + count
    return merged
''')

alternative("train_bpe.counter_words", "bpe", "train_bpe", "Counter of chunks; max over items; checks num_merges before text", '''
import collections as _alt_collections


def train_bpe(text, num_merges):
    if type(num_merges) is not int:
        raise TypeError("num_merges must be an int")
    if num_merges < 0:
        raise ValueError("num_merges must be >= 0")
    words = dict(_alt_collections.Counter(tuple(chunk) for chunk in pretokenize(text)))
    merges = []
    while len(merges) < num_merges:
        counts = count_pairs(words)
        if not counts:
            break
        pair, _ = max(counts.items(), key=lambda item: item[1])
        merges.append(pair)
        words = merge_pair(words, pair)
    return merges
''')

# ===================================================================================== lookup
alternative("build_vocab.setdefault_chain", "lookup", "build_vocab", "one list of candidate tokens, dict.setdefault", '''
def build_vocab(merges, alphabet):
    _mx_merges(merges)
    if isinstance(alphabet, str):
        chars = set(alphabet)
    else:
        chars = set()
        for char in alphabet:
            if not isinstance(char, str):
                raise TypeError("alphabet entries must be str")
            if len(char) != 1:
                raise ValueError("alphabet entries must be one character")
            chars.add(char)
    vocab = {}
    for token in ["<unk>", *sorted(chars), *(left + right for left, right in merges)]:
        vocab.setdefault(token, len(vocab))
    return vocab
''')

alternative("tokens_to_ids.lazy_unk", "lookup", "tokens_to_ids", "looks <unk> up only when a token is unknown", '''
def tokens_to_ids(tokens, vocab):
    if not isinstance(tokens, (list, tuple)) or not all(isinstance(t, str) for t in tokens):
        raise TypeError("tokens must be a list of str")
    if not isinstance(vocab, dict):
        raise TypeError("vocab must be a dict")
    unk = vocab.get("<unk>")
    ids = []
    for token in tokens:
        token_id = vocab.get(token, unk)
        if token_id is None:
            raise KeyError(token)
        ids.append(token_id)
    return ids
''')

alternative("tokens_to_ids.numpy_ints", "lookup", "tokens_to_ids",
            "a NumPy array of IDs turned into a list of NumPy integers (SPEC 9: token IDs may be either)", '''
def tokens_to_ids(tokens, vocab):
    if not isinstance(tokens, (list, tuple)):
        raise TypeError("tokens must be a list")
    for token in tokens:
        if not isinstance(token, str):
            raise TypeError("tokens must be str")
    if not isinstance(vocab, dict):
        raise TypeError("vocab must be a dict")
    if any(token not in vocab for token in tokens) and "<unk>" not in vocab:
        raise KeyError("unknown token and no <unk>")
    return list(_mx_np.array([vocab[t] if t in vocab else vocab["<unk>"] for t in tokens], dtype=_mx_np.int64))
''')

alternative("one_hot.eye_rows", "lookup", "one_hot", "np.eye(vocab_size)[ids]; checks the IDs before vocab_size's value", '''
def one_hot(ids, vocab_size):
    _mx_int(vocab_size, "vocab_size")
    checked = _mx_ids(ids)
    if vocab_size < 1:
        raise ValueError("vocab_size must be >= 1")
    if any(i >= vocab_size for i in checked):
        raise IndexError("token ID too large")
    return _mx_np.eye(vocab_size)[_mx_np.array(checked, dtype=int)].reshape(len(checked), vocab_size)
''')

alternative("embedding_lookup.take", "lookup", "embedding_lookup", "np.take(E, ids, axis=0) on a NumPy int array", '''
def embedding_lookup(E, ids):
    if not isinstance(E, _mx_np.ndarray):
        raise TypeError("E must be an array")
    if E.ndim != 2:
        raise ValueError("E must be 2-D")
    index = _mx_np.asarray(_mx_ids(ids, E.shape[0]), dtype=_mx_np.int64).reshape(-1)
    return _mx_np.take(E, index, axis=0)
''')

alternative("count_parameters.math_prod", "lookup", "count_parameters", "math.prod of the checked sizes", '''
def count_parameters(vocab_size, dim):
    sizes = [_mx_size(dim, "dim"), _mx_size(vocab_size, "vocab_size")]
    return _mx_math.prod(sizes)
''')

alternative("init_embeddings.standard_normal", "lookup", "init_embeddings", "rng.standard_normal(shape) * scale", '''
def init_embeddings(vocab_size, dim, seed=0, scale=0.01):
    shape = (_mx_size(vocab_size, "vocab_size"), _mx_size(dim, "dim"))
    if _mx_real(scale, "scale") < 0:
        raise ValueError("scale must be >= 0")
    return _mx_np.random.default_rng(_mx_size(seed, "seed", 0)).standard_normal(shape) * scale
''')

# =================================================================================== skipgram
alternative("softmax.logsumexp", "skipgram", "softmax", "exp(x - logsumexp(x)) with np.logaddexp.reduce", '''
def softmax(x):
    x = _mx_np.asarray(x)
    if x.dtype.kind not in "iuf":
        raise TypeError("scores must be real numbers")
    x = x.astype(_mx_np.float64)
    if x.ndim == 0 or x.shape[-1] == 0 or not _mx_np.all(_mx_np.isfinite(x)):
        raise ValueError("scores must be finite, with a non-empty last axis")
    return _mx_np.exp(x - _mx_np.logaddexp.reduce(x, axis=-1, keepdims=True))
''')

alternative("skipgram_loss_and_grads.einsum_list", "skipgram", "skipgram_loss_and_grads",
            "np.einsum for the products; returns a list and an np.float64 loss", '''
def skipgram_loss_and_grads(W_in, W_out, center, context):
    W_in = _mx_array(W_in, "W_in", ndim=2)
    W_out = _mx_array(W_out, "W_out", ndim=2)
    if W_in.shape != W_out.shape:
        raise ValueError("shapes differ")
    center, context = _mx_ids([center, context], W_in.shape[0])
    v = W_in[center]
    scores = _mx_np.einsum("vd,d->v", W_out, v)
    log_z = _mx_np.logaddexp.reduce(scores)
    p = _mx_np.exp(scores - log_z)
    e = p - _mx_np.eye(len(p))[context]
    return [log_z - scores[context], _mx_np.einsum("vd,v->d", W_out, e), _mx_np.einsum("v,d->vd", e, v)]
''')

alternative("sgd_step.slice_assign", "skipgram", "sgd_step", "W[...] = W - ... slice assignments (still in place)", '''
def sgd_step(W_in, W_out, center, context, lr):
    if isinstance(lr, bool) or not isinstance(lr, (int, float)):
        raise TypeError("lr must be a number")
    if not _mx_math.isfinite(lr):
        raise ValueError("lr must be finite")
    if not all(isinstance(W, _mx_np.ndarray) and W.dtype.kind == "f" for W in (W_in, W_out)):
        raise TypeError("W_in and W_out must be float arrays")
    loss, grad_center, grad_out = skipgram_loss_and_grads(W_in, W_out, center, context)
    W_in[center, :] = W_in[center, :] - lr * grad_center
    W_out[...] = W_out - lr * grad_out
    return float(loss)
''')

alternative("negative_sampling_loss_and_grads.loops", "skipgram", "negative_sampling_loss_and_grads",
            "a loop over negatives with math.fsum and a piecewise stable sigmoid", '''
def _alt_sigmoid(z):
    if z >= 0:
        return 1.0 / (1.0 + _mx_math.exp(-z))
    ez = _mx_math.exp(z)
    return ez / (1.0 + ez)


def _alt_log1p_exp(z):
    return z + _mx_math.log1p(_mx_math.exp(-z)) if z > 0 else _mx_math.log1p(_mx_math.exp(z))


def negative_sampling_loss_and_grads(v, u_pos, U_neg):
    v = _mx_array(v, "v", ndim=1)
    u_pos = _mx_array(u_pos, "u_pos", ndim=1)
    U_neg = _mx_array(U_neg, "U_neg", ndim=2)
    if len(u_pos) != len(v) or U_neg.shape[1] != len(v):
        raise ValueError("lengths differ")
    s = _mx_math.fsum(v * u_pos)
    terms = [_alt_log1p_exp(-s)]
    grad_v = -_alt_sigmoid(-s) * u_pos
    grad_U_neg = _mx_np.zeros_like(U_neg)
    for k in range(len(U_neg)):
        t = _mx_math.fsum(U_neg[k] * v)
        terms.append(_alt_log1p_exp(t))
        grad_v = grad_v + _alt_sigmoid(t) * U_neg[k]
        grad_U_neg[k] = _alt_sigmoid(t) * v
    return _mx_math.fsum(terms), grad_v, -_alt_sigmoid(-s) * v, grad_U_neg
''')

alternative("numerical_gradient.restore_exactly", "skipgram", "numerical_gradient",
            "perturbs x in place and restores the saved value exactly", '''
def numerical_gradient(f, x, eps=1e-5):
    if not callable(f):
        raise TypeError("f must be callable")
    if _mx_real(eps, "eps") <= 0:
        raise ValueError("eps must be positive")
    x = x if isinstance(x, _mx_np.ndarray) and x.dtype == _mx_np.float64 else _mx_array(x, "x")
    grad = _mx_np.empty(x.shape)
    flat, out = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + eps
        up = f(x.copy())
        flat[i] = saved - eps
        down = f(x.copy())
        flat[i] = saved
        out[i] = (up - down) / (2 * eps)
    return grad
''')

alternative("skipgram_pairs.comprehension", "skipgram", "skipgram_pairs", "one list comprehension with clipped bounds", '''
def skipgram_pairs(token_ids, window):
    ids = _mx_ids(token_ids)
    window = _mx_size(window, "window")
    n = len(ids)
    return [(ids[i], ids[j]) for i in range(n) for j in range(max(0, i - window), min(n, i + window + 1)) if j != i]
''')

alternative("skipgram_pairs.numpy_ids", "skipgram", "skipgram_pairs", "pairs of NumPy integers taken from an ID array", '''
def skipgram_pairs(token_ids, window):
    window = _mx_size(window, "window")
    _mx_ids(token_ids)
    ids = _mx_np.asarray(token_ids, dtype=_mx_np.int64)
    return [(ids[i], ids[j]) for i in range(len(ids))
            for j in range(max(0, i - window), min(len(ids), i + window + 1)) if j != i]
''')

alternative("train_skipgram.list_result", "skipgram", "train_skipgram", "returns [W_in, W_out] (a list) from NumPy ID arrays", '''
def train_skipgram(token_ids, vocab_size, dim, window=2, epochs=5, lr=0.05, seed=0):
    ids = _mx_np.array(_mx_ids(token_ids), dtype=_mx_np.int64)
    epochs = _mx_size(epochs, "epochs", 0)
    vocab_size = _mx_size(vocab_size, "vocab_size")
    dim = _mx_size(dim, "dim")
    if len(ids) and ids.max() >= vocab_size:
        raise IndexError("token ID too large")
    W_in = _mx_lookup.init_embeddings(vocab_size, dim, seed=seed, scale=0.01)
    W_out = _mx_np.zeros_like(W_in)
    pairs = skipgram_pairs(ids, window)
    for _ in range(epochs):
        for pair in pairs:
            sgd_step(W_in, W_out, pair[0], pair[1], lr)
    return [W_in, W_out]
''')

# ================================================================================= similarity
alternative("cosine_similarity.fsum", "similarity", "cosine_similarity", "scaled vectors, math.fsum and math.sqrt, min/max clipping", '''
def cosine_similarity(a, b):
    a = _mx_array(a, "a", ndim=1, finite=True)
    b = _mx_array(b, "b", ndim=1, finite=True)
    if len(a) != len(b):
        raise ValueError("lengths differ")
    ma, mb = float(_mx_np.max(_mx_np.abs(a), initial=0.0)), float(_mx_np.max(_mx_np.abs(b), initial=0.0))
    if ma == 0.0 or mb == 0.0:
        return 0.0
    a, b = a / ma, b / mb
    value = _mx_math.fsum(a * b) / (_mx_math.sqrt(_mx_math.fsum(a * a)) * _mx_math.sqrt(_mx_math.fsum(b * b)))
    return max(-1.0, min(1.0, value))
''')

alternative("cosine_similarity_matrix.einsum", "similarity", "cosine_similarity_matrix",
            "np.linalg.norm after scaling, np.einsum for the products, np.where for zero rows", '''
def _alt_units(M):
    peak = _mx_np.abs(M).max(axis=1, initial=0.0)[:, None]
    safe = _mx_np.where(peak > 0, peak, 1.0)
    scaled = M / safe
    norms = _mx_np.linalg.norm(scaled, axis=1)[:, None]
    return scaled / _mx_np.where(norms > 0, norms, 1.0)


def cosine_similarity_matrix(A, B):
    A = _mx_array(A, "A", ndim=2, finite=True)
    B = _mx_array(B, "B", ndim=2, finite=True)
    if A.shape[1] != B.shape[1]:
        raise ValueError("row lengths differ")
    return _mx_np.minimum(1.0, _mx_np.maximum(-1.0, _mx_np.einsum("id,jd->ij", _alt_units(A), _alt_units(B))))
''')

alternative("top_k.stable_argsort", "similarity", "top_k", "np.argsort(-scores, kind='stable')[:k].tolist()", '''
def top_k(query, matrix, k):
    if isinstance(k, bool) or not isinstance(k, int):
        raise TypeError("k must be an int")
    if k < 0:
        raise ValueError("k must be >= 0")
    scores = cosine_similarity_matrix(_mx_np.asarray(query, dtype=float)[None], matrix)[0]
    return _mx_np.argsort(-scores, kind="stable")[:k].tolist()
''')

alternative("analogy.masked_scores", "similarity", "analogy", "masks left-out rows with -inf, then a stable argsort", '''
def analogy(a, b, c, vocab, E, k=1):
    E = _mx_array(E, "E", ndim=2, finite=True)
    if not all(isinstance(w, str) for w in (a, b, c)):
        raise TypeError("words must be str")
    ia, ib, ic = _mx_ids([vocab[a], vocab[b], vocab[c]], len(E))
    k = _mx_size(k, "k", 0)
    units = _mx_unit_rows(E)
    target = units[ib] - units[ia] + units[ic]
    scores = cosine_similarity_matrix(target[None], E)[0]
    words = {i: w for w, i in vocab.items()}
    for i in {ia, ib, ic, vocab.get("<unk>", -1)} | (set(range(len(E))) - set(words)):
        if 0 <= i < len(E):
            scores[i] = -_mx_np.inf
    order = _mx_np.argsort(-scores, kind="stable")
    return [words[int(i)] for i in order if scores[i] > -_mx_np.inf][:k]
''')

# =================================================================================== pipeline
alternative("embed_text.bincount", "pipeline", "embed_text", "token counts (np.bincount) @ E / n, in float64", '''
def embed_text(text, merges, vocab, E):
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    ids = _mx_lookup.tokens_to_ids(_mx_bpe.encode(text, merges), vocab)
    _mx_lookup.embedding_lookup(E, ids)  # validates E and the IDs
    if len(ids) == 0:
        return _mx_np.zeros(E.shape[1], dtype=_mx_np.float64)
    counts = _mx_np.bincount(_mx_np.asarray(ids), minlength=E.shape[0]).astype(_mx_np.float64)
    return counts @ E.astype(_mx_np.float64) / len(ids)
''')

alternative("retrieve.matrix", "pipeline", "retrieve", "cosine_similarity_matrix and a (-score, index) sort", '''
def retrieve(query, documents, merges, vocab, E, k):
    if isinstance(k, bool) or not isinstance(k, int):
        raise TypeError("k must be an int")
    if k < 0:
        raise ValueError("k must be >= 0")
    if isinstance(documents, str) or not isinstance(documents, (list, tuple)):
        raise TypeError("documents must be a list of str")
    if len(documents) == 0:
        return []
    q = embed_text(query, merges, vocab, E)
    D = _mx_np.array([embed_text(d, merges, vocab, E) for d in documents])
    scores = _mx_similarity.cosine_similarity_matrix(q[None], D)[0]
    return sorted(range(len(documents)), key=lambda i: (-scores[i], i))[:k]
''')

# ============================================================ slow but correct: pure-Python loops
# (tests/mutants/slow.py; the functions whose bases are already plain loops are not repeated here)
from .base import BASE as _BASE  # noqa: E402
from .slow import SLOW as _SLOW, slow_source as _slow_source  # noqa: E402

for (_module, _function), _source in _SLOW.items():
    if _source != _BASE[(_module, _function)]:
        ALTERNATIVES.append(Variant(f"{_function}.pure_python", _module, _function,
                                    "pure-Python loops over lists and math, no NumPy vectorisation (slow)",
                                    _slow_source(_module, _function)))
