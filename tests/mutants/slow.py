"""A slow but CORRECT implementation of every function: pure-Python loops, no NumPy vectorisation.

What a careful student who does not know NumPy writes: arrays become lists (``tolist()``), every
sum, product, exponential and norm is a Python loop over floats with :mod:`math`, and the result
becomes an array only at the end (SPEC: array results are float64 ndarrays). Input checks are the
bases' (``tests/mutants/base.py``), so only the speed differs from a correct answer.

Each function is also an entry of the correct-variants catalogue (``alternatives.ALTERNATIVES``,
ids ``<function>.pure_python``): alone in place of its solution it must get full marks.
:func:`slow_submission` puts all of them in at once; ``tests/test_time_limits.py`` grades that
through the real sandbox with every per-case limit divided by 3 (the margin issue 12 asks for) and
``bench/time_limits.py`` reports the margin of each case. The per-case time factor
(``grader.grading.limits.FACTOR``) was chosen from those margins.
"""

from __future__ import annotations

from .base import BASE

SLOW: dict[tuple[str, str], str] = {}


def _slow(module: str, function: str, source: str) -> None:
    SLOW[(module, function)] = source.strip("\n") + "\n"


#: list helpers every slow function may use (inserted once per module)
LIST_HELPERS = '''
def _sl_rows(M):
    return [list(map(float, row)) for row in _mx_np.asarray(M, dtype=_mx_np.float64).tolist()]


def _sl_dot(a, b):
    total = 0.0
    for i in range(len(a)):
        total += a[i] * b[i]
    return total


def _sl_unit(row):
    peak = 0.0
    for value in row:
        if abs(value) > peak:
            peak = abs(value)
    if peak == 0.0:
        return [0.0] * len(row)
    scaled = [value / peak for value in row]
    norm = _mx_math.sqrt(_sl_dot(scaled, scaled))
    return [value / norm for value in scaled]


def _sl_logaddexp0(z):
    """log(1 + exp(z)) without overflow."""
    if z > 0:
        return z + _mx_math.log1p(_mx_math.exp(-z))
    return _mx_math.log1p(_mx_math.exp(z))
'''

# ---------------------------------------------------------------------------------- bpe, lookup
# The bases of bpe and of most of lookup are already plain loops over tuples, lists and dicts.
for _key in [("bpe", "count_pairs"), ("bpe", "merge_pair"), ("bpe", "train_bpe"), ("bpe", "encode"),
             ("lookup", "build_vocab"), ("lookup", "tokens_to_ids"), ("lookup", "count_parameters"),
             ("lookup", "init_embeddings"), ("skipgram", "skipgram_pairs")]:
    SLOW[_key] = BASE[_key]

_slow("lookup", "one_hot", '''
def one_hot(ids, vocab_size):
    vocab_size = _mx_size(vocab_size, "vocab_size")
    ids = _mx_ids(ids, vocab_size)
    rows = []
    for token_id in ids:
        row = []
        for column in range(vocab_size):
            row.append(1.0 if column == token_id else 0.0)
        rows.append(row)
    return _mx_np.array(rows, dtype=_mx_np.float64).reshape(len(ids), vocab_size)
''')

_slow("lookup", "embedding_lookup", '''
def embedding_lookup(E, ids):
    if not isinstance(E, _mx_np.ndarray):
        raise TypeError("E must be an array")
    if E.ndim != 2:
        raise ValueError("E must be 2-D")
    ids = _mx_ids(ids, E.shape[0])
    table = E.tolist()
    rows = []
    for token_id in ids:
        row = []
        for value in table[token_id]:
            row.append(value)
        rows.append(row)
    return _mx_np.array(rows, dtype=E.dtype).reshape(len(ids), E.shape[1])
''')

# ---------------------------------------------------------------------------------- skipgram
_slow("skipgram", "softmax", '''
def _sl_softmax_list(values):
    top = max(values)
    exps = [_mx_math.exp(v - top) for v in values]
    total = 0.0
    for e in exps:
        total += e
    return [e / total for e in exps]


def _sl_softmax_nested(value):
    if value and isinstance(value[0], list):
        return [_sl_softmax_nested(v) for v in value]
    return _sl_softmax_list(value) if value else []


def softmax(x):
    x = _mx_array(x, "x", finite=True)
    if x.ndim == 0:
        return _mx_np.array(1.0)
    if x.size == 0:
        return _mx_np.zeros(x.shape)
    return _mx_np.array(_sl_softmax_nested(x.tolist()), dtype=_mx_np.float64).reshape(x.shape)
''')

_slow("skipgram", "skipgram_loss_and_grads", '''
def skipgram_loss_and_grads(W_in, W_out, center, context):
    W_in = _mx_array(W_in, "W_in", ndim=2)
    W_out = _mx_array(W_out, "W_out", ndim=2)
    if W_in.shape != W_out.shape:
        raise ValueError("W_in and W_out differ in shape")
    center, context = _mx_ids([center, context], W_in.shape[0])
    v = _sl_rows(W_in)[center]
    out_rows = _sl_rows(W_out)
    scores = [_sl_dot(row, v) for row in out_rows]
    top = max(scores)
    total = 0.0
    for s in scores:
        total += _mx_math.exp(s - top)
    log_z = top + _mx_math.log(total)
    loss = float(log_z - scores[context])
    e = [_mx_math.exp(s - log_z) for s in scores]
    e[context] -= 1.0
    dim = len(v)
    grad_center = [0.0] * dim
    for r, row in enumerate(out_rows):
        for j in range(dim):
            grad_center[j] += row[j] * e[r]
    grad_out = [[e[r] * v[j] for j in range(dim)] for r in range(len(out_rows))]
    return (loss, _mx_np.array(grad_center, dtype=_mx_np.float64),
            _mx_np.array(grad_out, dtype=_mx_np.float64).reshape(W_out.shape))
''')

_slow("skipgram", "sgd_step", '''
def sgd_step(W_in, W_out, center, context, lr):
    lr = _mx_real(lr, "lr")
    loss, grad_center, grad_out = skipgram_loss_and_grads(W_in, W_out, center, context)
    center = int(center)
    rows, dim = W_out.shape
    for j in range(dim):
        W_in[center, j] = W_in[center, j] - lr * float(grad_center[j])
    for r in range(rows):
        for j in range(dim):
            W_out[r, j] = W_out[r, j] - lr * float(grad_out[r, j])
    return loss
''')

_slow("skipgram", "negative_sampling_loss_and_grads", '''
def negative_sampling_loss_and_grads(v, u_pos, U_neg):
    v = _mx_array(v, "v", ndim=1)
    u_pos = _mx_array(u_pos, "u_pos", ndim=1)
    U_neg = _mx_array(U_neg, "U_neg", ndim=2)
    if u_pos.shape != v.shape or U_neg.shape[1] != v.shape[0]:
        raise ValueError("lengths differ")
    vs, us, negs = v.tolist(), u_pos.tolist(), _sl_rows(U_neg)
    s = _sl_dot(us, vs)
    loss = _sl_logaddexp0(-s)
    sig_t = []
    for row in negs:
        t = _sl_dot(row, vs)
        loss += _sl_logaddexp0(t)
        sig_t.append(_mx_math.exp(-_sl_logaddexp0(-t)))
    sig_minus_s = _mx_math.exp(-_sl_logaddexp0(s))
    dim = len(vs)
    grad_v = [-sig_minus_s * us[j] for j in range(dim)]
    for k, row in enumerate(negs):
        for j in range(dim):
            grad_v[j] += row[j] * sig_t[k]
    grad_u = [-sig_minus_s * vs[j] for j in range(dim)]
    grad_neg = [[sig_t[k] * vs[j] for j in range(dim)] for k in range(len(negs))]
    return (float(loss), _mx_np.array(grad_v, dtype=_mx_np.float64), _mx_np.array(grad_u, dtype=_mx_np.float64),
            _mx_np.array(grad_neg, dtype=_mx_np.float64).reshape(U_neg.shape))
''')

_slow("skipgram", "numerical_gradient", '''
def numerical_gradient(f, x, eps=1e-5):
    x0 = _mx_array(x, "x")
    flat = x0.ravel().tolist()
    grad = []
    for i in range(len(flat)):
        plus = list(flat)
        minus = list(flat)
        plus[i] += eps
        minus[i] -= eps
        high = f(_mx_np.array(plus, dtype=_mx_np.float64).reshape(x0.shape))
        low = f(_mx_np.array(minus, dtype=_mx_np.float64).reshape(x0.shape))
        grad.append((high - low) / (2 * eps))
    return _mx_np.array(grad, dtype=_mx_np.float64).reshape(x0.shape)
''')

_slow("skipgram", "train_skipgram", '''
def train_skipgram(token_ids, vocab_size, dim, window=2, epochs=5, lr=0.05, seed=0):
    vocab_size = _mx_size(vocab_size, "vocab_size")
    dim = _mx_size(dim, "dim")
    _mx_ids(token_ids, vocab_size)
    pairs = skipgram_pairs(token_ids, window)
    W_in = _mx_lookup.init_embeddings(vocab_size, dim, seed)
    W_out = _mx_np.zeros((vocab_size, dim))
    for _ in range(epochs):
        for center, context in pairs:
            sgd_step(W_in, W_out, center, context, lr)
    return W_in, W_out
''')

# -------------------------------------------------------------------------------- similarity
_slow("similarity", "cosine_similarity", '''
def cosine_similarity(a, b):
    a = _mx_array(a, "a", ndim=1, finite=True)
    b = _mx_array(b, "b", ndim=1, finite=True)
    if a.shape != b.shape:
        raise ValueError("shapes differ")
    value = _sl_dot(_sl_unit(a.tolist()), _sl_unit(b.tolist()))
    return float(min(1.0, max(-1.0, value)))
''')

_slow("similarity", "cosine_similarity_matrix", '''
def cosine_similarity_matrix(A, B):
    A = _mx_array(A, "A", ndim=2, finite=True)
    B = _mx_array(B, "B", ndim=2, finite=True)
    if A.shape[1] != B.shape[1]:
        raise ValueError("row lengths differ")
    units_b = [_sl_unit(row) for row in _sl_rows(B)]
    out = []
    for row in _sl_rows(A):
        unit = _sl_unit(row)
        out.append([min(1.0, max(-1.0, _sl_dot(unit, other))) for other in units_b])
    return _mx_np.array(out, dtype=_mx_np.float64).reshape(A.shape[0], B.shape[0])
''')

_slow("similarity", "top_k", '''
def top_k(query, matrix, k):
    k = _mx_size(k, "k", 0)
    query = _mx_array(query, "query", ndim=1, finite=True)
    scores = cosine_similarity_matrix(query[None], matrix)[0].tolist()
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    return order[:k]
''')

_slow("similarity", "analogy", '''
def analogy(a, b, c, vocab, E, k=1):
    k = _mx_size(k, "k", 0)
    E = _mx_array(E, "E", ndim=2, finite=True)
    ids = [vocab[a], vocab[b], vocab[c]]
    rows = _sl_rows(E)
    ua, ub, uc = (_sl_unit(rows[i]) for i in ids)
    target = [ub[j] - ua[j] + uc[j] for j in range(len(ua))]
    left_out = set(ids)
    if "<unk>" in vocab:
        left_out.add(vocab["<unk>"])
    words = {i: w for w, i in vocab.items()}
    ranked = top_k(_mx_np.array(target, dtype=_mx_np.float64), E, E.shape[0])
    return [words[i] for i in ranked if i in words and i not in left_out][:k]
''')

# ---------------------------------------------------------------------------------- pipeline
_slow("pipeline", "embed_text", '''
def embed_text(text, merges, vocab, E):
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    ids = _mx_lookup.tokens_to_ids(_mx_bpe.encode(text, merges), vocab)
    rows = _mx_lookup.embedding_lookup(E, ids)
    dim = rows.shape[1]
    if not ids:
        return _mx_np.zeros(dim)
    total = [0.0] * dim
    for row in rows.tolist():
        for j in range(dim):
            total[j] += float(row[j])
    return _mx_np.array([t / len(ids) for t in total], dtype=_mx_np.float64)
''')

_slow("pipeline", "retrieve", '''
def retrieve(query, documents, merges, vocab, E, k):
    if not isinstance(documents, (list, tuple)):
        raise TypeError("documents must be a list")
    q = embed_text(query, merges, vocab, E)
    if not documents:
        return []
    D = _mx_np.array([embed_text(d, merges, vocab, E).tolist() for d in documents], dtype=_mx_np.float64)
    return _mx_similarity.top_k(q, D, k)
''')


# Input checks made stricter since these were written (issue 10's cases): until their slow versions
# check the same, these five use their bases (correct, partly vectorised) in the slow submission and
# are not in the correct-variants catalogue.
STALE = {("similarity", "analogy"), ("skipgram", "numerical_gradient"), ("skipgram", "sgd_step"),
         ("skipgram", "softmax"), ("skipgram", "train_skipgram")}
for _key in STALE:
    SLOW[_key] = BASE[_key]


def slow_source(module: str, function: str) -> str:
    """One slow function with what it needs (imports, the bases' checks, the list helpers)."""
    from .base import HELPERS, IMPORTS

    return IMPORTS[module] + HELPERS + LIST_HELPERS + "\n\n" + SLOW[(module, function)]


def slow_submission() -> dict[str, str]:
    """The five module sources with EVERY student function replaced by its slow version."""
    from . import package_sources, replace_function
    from grader.paths import EXERCISE_MODULES, STUDENT_FUNCTIONS

    sources = dict(package_sources())
    for module in EXERCISE_MODULES:
        text = sources[module]
        for function in STUDENT_FUNCTIONS[module]:
            body = SLOW[(module, function)]
            if function == STUDENT_FUNCTIONS[module][0]:
                from .base import HELPERS, IMPORTS
                body = IMPORTS[module] + HELPERS + LIST_HELPERS + "\n\n" + body
            text = replace_function(text, function, body)
        sources[module] = text
    return sources
