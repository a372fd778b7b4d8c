"""Realistic wrong implementations: each is a correct base (``base.py``) with ONE mistake put in.

Every mutant must lose points on the graded cases; ``description`` says what a student got wrong,
in the words a teaching assistant would use.
"""

from __future__ import annotations

from . import Variant
from .base import BASE, HELPERS, IMPORTS

MUTANTS: list[Variant] = []

#: how the bases cut a text into chunks (the regex of SPEC 2)
CHUNKS = '_mx_re.findall(r"\\s*\\S+|\\s+", text)'


def mutant(id: str, module: str, description: str, *edits: tuple[str, str]) -> None:
    """Register ``<function>.<mistake>``: the base of ``module.function`` with each ``(old, new)`` edit
    applied (``old`` must occur exactly once)."""
    function = id.split(".")[0]
    body = BASE[(module, function)]
    for old, new in edits:
        if body.count(old) != 1:
            raise ValueError(f"mutant {id}: {old!r} occurs {body.count(old)} times in the base of {function}")
        body = body.replace(old, new)
    MUTANTS.append(Variant(id, module, function, description, IMPORTS[module] + HELPERS + "\n\n" + body))


# ======================================================================================== bpe
mutant("count_pairs.ignores_counts", "bpe", "counts each word once, ignoring its count",
       ("counts.get(pair, 0) + count", "counts.get(pair, 0) + 1"))
mutant("count_pairs.no_overlap", "bpe", "skips past a pair once counted: ('a','a','a') holds ('a','a') once",
       ("        for i in range(len(word) - 1):\n            pair = (word[i], word[i + 1])\n"
        "            counts[pair] = counts.get(pair, 0) + count\n",
        "        i = 0\n        while i < len(word) - 1:\n            pair = (word[i], word[i + 1])\n"
        "            counts[pair] = counts.get(pair, 0) + count\n"
        "            i += 2 if word[i] == word[i + 1] else 1\n"))
mutant("count_pairs.sorted_by_count", "bpe", "returns the pairs sorted by count (Counter.most_common order)",
       ("    return counts", "    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))"))
mutant("count_pairs.sorted_by_pair", "bpe", "returns the pairs in alphabetical order",
       ("    return counts", "    return dict(sorted(counts.items()))"))
mutant("count_pairs.once_per_word", "bpe", "counts a pair once per word even if it occurs twice in it",
       ("        for i in range(len(word) - 1):\n            pair = (word[i], word[i + 1])\n",
        "        for pair in dict.fromkeys(zip(word, word[1:])):\n"))
mutant("count_pairs.no_validation", "bpe", "does not validate the corpus (bool counts, empty symbols)",
       ("    _mx_words(words)\n", ""))

mutant("merge_pair.overlapping", "bpe", "merges overlapping occurrences: ('a','a','a') -> ('aa','aa')",
       ("                out.append(pair[0] + pair[1])\n                i += 2\n",
        "                out.append(pair[0] + pair[1])\n                i += 1 if i + 2 < len(word) and word[i + 2] == pair[1] else 2\n"))
mutant("merge_pair.string_replace", "bpe", "joins the symbols with spaces and replaces the pair's text",
       ("        out = []\n        i = 0\n        while i < len(word):\n"
        "            if i + 1 < len(word) and word[i] == pair[0] and word[i + 1] == pair[1]:\n"
        "                out.append(pair[0] + pair[1])\n                i += 2\n            else:\n"
        "                out.append(word[i])\n                i += 1\n",
        "        out = ' '.join(word).replace(pair[0] + ' ' + pair[1], pair[0] + pair[1]).split(' ')\n"))
mutant("merge_pair.overwrites_counts", "bpe", "words that become equal keep only the last count",
       ("merged[key] = merged.get(key, 0) + count", "merged[key] = count"))
mutant("merge_pair.right_to_left", "bpe", "scans each word right to left: ('a','a','a') -> ('a','aa')",
       ("        out = []\n        i = 0\n        while i < len(word):\n"
        "            if i + 1 < len(word) and word[i] == pair[0] and word[i + 1] == pair[1]:\n"
        "                out.append(pair[0] + pair[1])\n                i += 2\n            else:\n"
        "                out.append(word[i])\n                i += 1\n",
        "        out = []\n        i = len(word) - 1\n        while i >= 0:\n"
        "            if i >= 1 and word[i - 1] == pair[0] and word[i] == pair[1]:\n"
        "                out.insert(0, pair[0] + pair[1])\n                i -= 2\n            else:\n"
        "                out.insert(0, word[i])\n                i -= 1\n"))
mutant("merge_pair.first_only", "bpe", "merges only the first occurrence in each word",
       ("                out.append(pair[0] + pair[1])\n                i += 2\n",
        "                out.append(pair[0] + pair[1])\n                out.extend(word[i + 2:])\n                break\n"))
mutant("merge_pair.in_place", "bpe", "changes the caller's dict instead of building a new one",
       ("    merged = {}\n", "    merged = words\n    original = list(words.items())\n    words.clear()\n"),
       ("    for word, count in words.items():", "    for word, count in original:"))
mutant("merge_pair.no_pair_check", "bpe", "does not check that the pair is a tuple of two strings",
       ("    _mx_pair(pair)\n", ""))

mutant("train_bpe.last_tie", "bpe", "a tie goes to the pair seen last",
       ("count > counts[best]", "count >= counts[best]"))
mutant("train_bpe.alphabetical_tie", "bpe", "a tie goes to the alphabetically smallest pair",
       ("if best is None or count > counts[best]:", "if best is None or (-count, pair) < (-counts[best], best):"))
mutant("train_bpe.whole_text", "bpe", "trains on the whole text as one word: merges cross chunk boundaries",
       (CHUNKS, "([text] if text else [])"))
mutant("train_bpe.split_words", "bpe", "cuts words with str.split(), dropping the whitespace",
       (CHUNKS, "text.split()"))
mutant("train_bpe.distinct_chunks", "bpe", "counts each distinct chunk once, ignoring how often it occurs",
       ("words[tuple(chunk)] = words.get(tuple(chunk), 0) + 1", "words[tuple(chunk)] = 1"))
mutant("train_bpe.no_early_stop", "bpe", "does not stop when no pair is left (max of nothing)",
       ("        if not counts:\n            break\n", "        best = max(counts, key=counts.get)\n"))
mutant("train_bpe.negative_ok", "bpe", "accepts a negative number of merges",
       ("num_merges = _mx_size(num_merges, \"num_merges\", 0)", "num_merges = max(0, _mx_int(num_merges, \"num_merges\"))"))
mutant("train_bpe.bool_ok", "bpe", "accepts True and 2.0 as numbers of merges",
       ("num_merges = _mx_size(num_merges, \"num_merges\", 0)",
        "num_merges = int(num_merges)\n    if num_merges < 0:\n        raise ValueError('negative')"))
mutant("train_bpe.counts_once", "bpe", "counts pairs once, before merging, and takes the top pairs from that",
       ("    for _ in range(num_merges):\n        counts = count_pairs(words)\n",
        "    first = count_pairs(words)\n    for _ in range(num_merges):\n"
        "        counts = {p: c for p, c in first.items() if p not in merges}\n"))
mutant("train_bpe.one_merge_less", "bpe", "learns one merge less than asked",
       ("for _ in range(num_merges):", "for _ in range(num_merges - 1):"))

mutant("encode.reverse_order", "bpe", "applies the merges from the last learned to the first",
       ("for left, right in merges:", "for left, right in reversed(merges):"))
mutant("encode.whole_text", "bpe", "encodes the whole text as one chunk: merges cross chunk boundaries",
       (CHUNKS, "([text] if text else [])"))
mutant("encode.overlapping", "bpe", "merges overlapping occurrences",
       ("                    out.append(left + right)\n                    i += 2\n",
        "                    out.append(left + right)\n"
        "                    i += 1 if i + 2 < len(symbols) and symbols[i + 2] == right else 2\n"))
mutant("encode.split_words", "bpe", "cuts the text with str.split(), losing the whitespace",
       (CHUNKS, "text.split()"))
mutant("encode.first_occurrence_only", "bpe", "applies each merge only to its first occurrence in a chunk",
       ("                    out.append(left + right)\n                    i += 2\n",
        "                    out.append(left + right)\n                    out.extend(symbols[i + 2:])\n                    break\n"))
mutant("encode.longest_match", "bpe", "greedy longest match with the merge tokens instead of replaying the merges",
       ("        symbols = list(chunk)\n        for left, right in merges:\n",
        "        known = {l + r for l, r in merges}\n        symbols, start = [], 0\n"
        "        while start < len(chunk):\n"
        "            end = max([e for e in range(start + 2, len(chunk) + 1) if chunk[start:e] in known] or [start + 1])\n"
        "            symbols.append(chunk[start:end])\n            start = end\n"
        "        for left, right in []:\n"))
mutant("encode.no_merge_check", "bpe", "does not check that merges is a list of pairs",
       ("    _mx_merges(merges)\n", ""))

# ===================================================================================== lookup
mutant("build_vocab.unsorted", "lookup", "characters in order of appearance, not code-point order",
       ("for char in sorted(set(chars)):", "for char in dict.fromkeys(chars):"))
mutant("build_vocab.case_insensitive", "lookup", "sorts characters case-insensitively",
       ("for char in sorted(set(chars)):", "for char in sorted(set(chars), key=lambda ch: (ch.lower(), ch)):"))
mutant("build_vocab.duplicate_tokens", "lookup", "does not skip a merge token already present (IDs get a gap)",
       ("        if token not in vocab:\n            vocab[token] = len(vocab)\n",
        "        vocab[token] = len(vocab) if token not in vocab else len(vocab) + 0 * vocab.pop(token)\n"))
mutant("build_vocab.unk_last", "lookup", "puts <unk> after everything else",
       ("    vocab = {\"<unk>\": 0}\n", "    vocab = {}\n"),
       ("    return vocab", "    vocab[\"<unk>\"] = len(vocab)\n    return vocab"))
mutant("build_vocab.merges_first", "lookup", "gives the merge tokens IDs before the characters",
       ("    for char in sorted(set(chars)):\n        if char not in vocab:\n            vocab[char] = len(vocab)\n"
        "    for left, right in merges:\n        token = left + right\n        if token not in vocab:\n"
        "            vocab[token] = len(vocab)\n",
        "    for left, right in merges:\n        token = left + right\n        if token not in vocab:\n"
        "            vocab[token] = len(vocab)\n"
        "    for char in sorted(set(chars)):\n        if char not in vocab:\n            vocab[char] = len(vocab)\n"))
mutant("build_vocab.no_alphabet_check", "lookup", "accepts alphabet entries that are not single characters",
       ("        if not isinstance(char, str):\n            raise TypeError(\"alphabet entries must be str\")\n"
        "        if len(char) != 1:\n            raise ValueError(\"alphabet entries must be one character\")\n",
        "        pass\n"))

mutant("tokens_to_ids.unk_is_zero", "lookup", "assumes <unk> is ID 0",
       ("ids.append(vocab[\"<unk>\"])", "ids.append(0)"))
mutant("tokens_to_ids.drops_unknown", "lookup", "drops unknown tokens instead of mapping them to <unk>",
       ("        else:\n            ids.append(vocab[\"<unk>\"])\n", ""))
mutant("tokens_to_ids.minus_one", "lookup", "maps an unknown token to -1 when there is no <unk>",
       ("ids.append(vocab[\"<unk>\"])", "ids.append(vocab.get(\"<unk>\", -1))"))

mutant("tokens_to_ids.eager_unk", "lookup", "vocab.get(token, vocab['<unk>']): KeyError even when every token is known",
       ("        if token in vocab:\n            ids.append(vocab[token])\n        else:\n            ids.append(vocab[\"<unk>\"])\n",
        "        ids.append(vocab.get(token, vocab[\"<unk>\"]))\n"))

mutant("one_hot.negative_wraps", "lookup", "lets NumPy wrap negative IDs round to the last columns",
       ("    ids = _mx_ids(ids, vocab_size)\n", "    ids = ids.tolist() if isinstance(ids, _mx_np.ndarray) else list(ids)\n"))
mutant("one_hot.transposed", "lookup", "returns the transpose, (vocab_size, len(ids))",
       ("    return out", "    return out.T"))
mutant("one_hot.int_dtype", "lookup", "returns an integer array",
       ("    return out", "    return out.astype(int)"))
mutant("one_hot.casts_ids", "lookup", "converts IDs with np.asarray(ids, dtype=int), so floats and bools pass",
       ("    ids = _mx_ids(ids, vocab_size)\n", "    ids = _mx_ids(_mx_np.asarray(ids, dtype=int), vocab_size)\n"))

mutant("embedding_lookup.negative_wraps", "lookup", "lets NumPy read E[-1] as the last row",
       ("    ids = _mx_ids(ids, E.shape[0])\n", "    ids = ids.tolist() if isinstance(ids, _mx_np.ndarray) else list(ids)\n"))
mutant("embedding_lookup.float64", "lookup", "always returns float64, whatever the dtype of E",
       ("    return E[", "    return _mx_np.float64(1) * E["))
mutant("embedding_lookup.via_one_hot", "lookup", "computes one_hot(ids) @ E, which changes a float32 E to float64",
       ("    return E[_mx_np.array(ids, dtype=_mx_np.intp)].reshape(len(ids), E.shape[1])",
        "    return one_hot(ids, E.shape[0]) @ E"))
mutant("embedding_lookup.no_ndim_check", "lookup", "does not check that E is 2-D",
       ("    if E.ndim != 2:\n        raise ValueError(\"E must be 2-D\")\n", ""),
       ("    return E[_mx_np.array(ids, dtype=_mx_np.intp)].reshape(len(ids), E.shape[1])",
        "    return E[_mx_np.array(ids, dtype=_mx_np.intp)]"))
mutant("embedding_lookup.bool_mask", "lookup", "indexes E with the IDs as given, so bools act as a mask",
       ("    ids = _mx_ids(ids, E.shape[0])\n",
        "    if len(ids) and isinstance(ids[0], bool):\n        return E[list(ids)]\n    ids = _mx_ids(ids, E.shape[0])\n"))

mutant("count_parameters.plus_bias", "lookup", "adds a bias per token: vocab_size * dim + vocab_size",
       ("    return _mx_size(vocab_size, \"vocab_size\") * _mx_size(dim, \"dim\")",
        "    return _mx_size(vocab_size, \"vocab_size\") * (_mx_size(dim, \"dim\") + 1)"))
mutant("count_parameters.no_validation", "lookup", "multiplies whatever it is given",
       ("    return _mx_size(vocab_size, \"vocab_size\") * _mx_size(dim, \"dim\")", "    return vocab_size * dim"))
mutant("count_parameters.float", "lookup", "returns a float (np.prod of a float array)",
       ("    return _mx_size(vocab_size, \"vocab_size\") * _mx_size(dim, \"dim\")",
        "    return float(_mx_size(vocab_size, \"vocab_size\") * _mx_size(dim, \"dim\"))"))

mutant("init_embeddings.global_seed", "lookup", "uses np.random.seed and the global np.random.normal",
       ("    rng = _mx_np.random.default_rng(seed)\n    return rng.normal(0.0, scale, (vocab_size, dim))",
        "    _mx_np.random.seed(seed)\n    return _mx_np.random.normal(0.0, scale, (vocab_size, dim))"))
mutant("init_embeddings.transposed", "lookup", "draws a (dim, vocab_size) matrix and transposes it",
       ("rng.normal(0.0, scale, (vocab_size, dim))", "rng.normal(0.0, scale, (dim, vocab_size)).T.copy()"))
mutant("init_embeddings.fixed_scale", "lookup", "ignores scale (always 0.01)",
       ("rng.normal(0.0, scale, (vocab_size, dim))", "rng.normal(0.0, 0.01, (vocab_size, dim))"))
mutant("init_embeddings.uniform", "lookup", "draws uniform noise in [-scale, scale]",
       ("rng.normal(0.0, scale, (vocab_size, dim))", "rng.uniform(-scale, scale, (vocab_size, dim))"))
mutant("init_embeddings.seed_ignored", "lookup", "always seeds the generator with 0",
       ("default_rng(seed)", "default_rng(0)"))

# =================================================================================== skipgram
mutant("softmax.unstable", "skipgram", "exp(x) / sum(exp(x)) without subtracting the max: overflow, NaN",
       ("    shifted = x - _mx_np.max(x, axis=-1, keepdims=True)\n", "    shifted = x\n"))
mutant("softmax.shift_by_min", "skipgram", "subtracts the smallest score instead of the largest",
       ("_mx_np.max(x, axis=-1, keepdims=True)", "_mx_np.min(x, axis=-1, keepdims=True)"))
mutant("softmax.axis0", "skipgram", "normalises over the first axis instead of the last",
       ("    shifted = x - _mx_np.max(x, axis=-1, keepdims=True)\n", "    shifted = x - _mx_np.max(x, axis=0, keepdims=True)\n"),
       ("_mx_np.sum(z, axis=-1, keepdims=True)", "_mx_np.sum(z, axis=0, keepdims=True)"))
mutant("softmax.global", "skipgram", "normalises over all entries at once",
       ("    shifted = x - _mx_np.max(x, axis=-1, keepdims=True)\n", "    shifted = x - _mx_np.max(x)\n"),
       ("_mx_np.sum(z, axis=-1, keepdims=True)", "_mx_np.sum(z)"))
mutant("softmax.keeps_float32", "skipgram", "keeps the input dtype (float32 in, float32 out)",
       ("    x = _mx_array(x, \"x\", finite=True)\n",
        "    dtype = _mx_np.asarray(x).dtype\n    x = _mx_array(x, \"x\", finite=True)\n"),
       ("    return z / _mx_np.sum(z, axis=-1, keepdims=True)",
        "    return (z / _mx_np.sum(z, axis=-1, keepdims=True)).astype(dtype if dtype.kind == 'f' else float)"))
mutant("softmax.in_place", "skipgram", "subtracts the max in place, changing the caller's array",
       ("    x = _mx_array(x, \"x\", finite=True)\n    shifted = x - _mx_np.max(x, axis=-1, keepdims=True)\n",
        "    _mx_array(x, \"x\", finite=True)\n    x -= _mx_np.max(x, axis=-1, keepdims=True)\n    shifted = x\n"))
mutant("softmax.no_finite_check", "skipgram", "lets inf and NaN through (NaN out)",
       ("    x = _mx_array(x, \"x\", finite=True)\n", "    x = _mx_array(x, \"x\")\n"))

mutant("skipgram_loss_and_grads.sign_flipped", "skipgram", "e = one_hot(context) - p: both gradients point uphill",
       ("    e[context] -= 1.0\n", "    e[context] -= 1.0\n    e = -e\n"))
mutant("skipgram_loss_and_grads.grad_out_transposed", "skipgram", "grad_out = outer(v, e), shape (d, V)",
       ("_mx_np.outer(e, v)", "_mx_np.outer(v, e)"))
mutant("skipgram_loss_and_grads.missing_term", "skipgram", "grad_center = -W_out[context]: forgets the expected output vector",
       ("grad_center = W_out.T @ e", "grad_center = -W_out[context]"))
mutant("skipgram_loss_and_grads.unstable_loss", "skipgram", "loss = -log(p[context]), which is inf when p rounds to 0",
       ("    loss = float(log_z - scores[context])\n", "    loss = float(-_mx_np.log(_mx_np.exp(scores - log_z)[context]))\n"))
mutant("skipgram_loss_and_grads.no_onehot", "skipgram", "uses e = p, forgetting to subtract one_hot(context)",
       ("    e[context] -= 1.0\n", ""))
mutant("skipgram_loss_and_grads.negative_wraps", "skipgram", "does not check the IDs' range: -1 reads the last row",
       ("    center, context = _mx_ids([center, context], W_in.shape[0])\n",
        "    center, context = [_mx_int(i, 'ID') for i in (center, context)]\n"))
mutant("skipgram_loss_and_grads.keeps_float32", "skipgram", "keeps float32 matrices float32",
       ("    W_in = _mx_array(W_in, \"W_in\", ndim=2)\n    W_out = _mx_array(W_out, \"W_out\", ndim=2)\n",
        "    W_in = _mx_array(W_in, \"W_in\", ndim=2).astype(_mx_np.asarray(W_in).dtype)\n"
        "    W_out = _mx_array(W_out, \"W_out\", ndim=2).astype(_mx_np.asarray(W_out).dtype)\n"))

mutant("sgd_step.all_rows", "skipgram", "subtracts grad_center from every row of W_in",
       ("W_in[int(center)] -= lr * grad_center", "W_in -= lr * grad_center"))
mutant("sgd_step.w_in_first", "skipgram", "updates W_in before computing grad_out (grad_out uses the new v)",
       ("    W_out -= lr * grad_out\n",
        "    _, _, grad_out = skipgram_loss_and_grads(W_in, W_out, center, context)\n    W_out -= lr * grad_out\n"))
mutant("sgd_step.loss_after", "skipgram", "returns the loss after the step",
       ("    return loss", "    return skipgram_loss_and_grads(W_in, W_out, center, context)[0]"))
mutant("sgd_step.not_in_place", "skipgram", "W = W - ...: updates a new array, the caller's stays the same",
       ("    W_in[int(center)] -= lr * grad_center\n    W_out -= lr * grad_out\n",
        "    W_in = W_in.copy()\n    W_in[int(center)] -= lr * grad_center\n    W_out = W_out - lr * grad_out\n"))
mutant("sgd_step.ascent", "skipgram", "adds the gradient (gradient ascent)",
       ("W_in[int(center)] -= lr * grad_center", "W_in[int(center)] += lr * grad_center"),
       ("W_out -= lr * grad_out", "W_out += lr * grad_out"))
mutant("sgd_step.forgets_w_out", "skipgram", "updates W_in only",
       ("    W_out -= lr * grad_out\n", ""))

mutant("negative_sampling_loss_and_grads.no_negatives", "skipgram", "leaves the negative samples out of the loss and of grad_v",
       ("loss = float(_mx_np.logaddexp(0.0, -s) + _mx_np.sum(_mx_np.logaddexp(0.0, t)))", "loss = float(_mx_np.logaddexp(0.0, -s))"),
       ("grad_v = -sig_minus_s * u_pos + U_neg.T @ sig_t", "grad_v = -sig_minus_s * u_pos"))
mutant("negative_sampling_loss_and_grads.unstable", "skipgram", "-log(1 / (1 + exp(-s))): inf or NaN for large scores",
       ("loss = float(_mx_np.logaddexp(0.0, -s) + _mx_np.sum(_mx_np.logaddexp(0.0, t)))",
        "loss = float(-_mx_np.log(1 / (1 + _mx_np.exp(-s))) - _mx_np.sum(_mx_np.log(1 / (1 + _mx_np.exp(t)))))"))
mutant("negative_sampling_loss_and_grads.wrong_sign", "skipgram", "uses log σ(U_neg[k]·v) for the negatives (treats them as true contexts)",
       ("_mx_np.sum(_mx_np.logaddexp(0.0, t))", "_mx_np.sum(_mx_np.logaddexp(0.0, -t))"))
mutant("negative_sampling_loss_and_grads.grad_v_positive_only", "skipgram", "grad_v forgets the negatives' term",
       ("grad_v = -sig_minus_s * u_pos + U_neg.T @ sig_t", "grad_v = -sig_minus_s * u_pos + 0 * (U_neg.T @ sig_t)"))
mutant("negative_sampling_loss_and_grads.grad_u_sign", "skipgram", "grad_u_pos = σ(-s) v: the sign is lost",
       ("grad_u_pos = -sig_minus_s * v", "grad_u_pos = sig_minus_s * v"))
mutant("negative_sampling_loss_and_grads.sigmoid_of_s", "skipgram", "uses σ(s) where σ(-s) belongs in the positive gradients",
       ("sig_minus_s = float(_mx_np.exp(-_mx_np.logaddexp(0.0, s)))", "sig_minus_s = float(_mx_np.exp(-_mx_np.logaddexp(0.0, -s)))"))

mutant("numerical_gradient.one_sided", "skipgram", "forward differences (f(x + eps) - f(x)) / eps",
       ("        minus[index] -= eps\n        grad[index] = (f(plus) - f(minus)) / (2 * eps)\n",
        "        grad[index] = (f(plus) - f(minus)) / eps\n"))
mutant("numerical_gradient.mutates_x", "skipgram", "perturbs the caller's x and never puts it back",
       ("    x0 = _mx_array(x, \"x\")\n", "    x0 = x if isinstance(x, _mx_np.ndarray) else _mx_array(x, \"x\")\n"),
       ("        plus = x0.copy()\n        minus = x0.copy()\n        plus[index] += eps\n        minus[index] -= eps\n"
        "        grad[index] = (f(plus) - f(minus)) / (2 * eps)\n",
        "        x0[index] += eps\n        up = f(x0.copy())\n        x0[index] -= 2 * eps\n"
        "        grad[index] = (up - f(x0.copy())) / (2 * eps)\n"))
mutant("numerical_gradient.restores_by_arithmetic", "skipgram", "perturbs x in place and undoes it by adding eps back (not always the same bits)",
       ("    x0 = _mx_array(x, \"x\")\n", "    x0 = x if isinstance(x, _mx_np.ndarray) else _mx_array(x, \"x\")\n"),
       ("        plus = x0.copy()\n        minus = x0.copy()\n        plus[index] += eps\n        minus[index] -= eps\n"
        "        grad[index] = (f(plus) - f(minus)) / (2 * eps)\n",
        "        x0[index] += eps\n        up = f(x0.copy())\n        x0[index] -= 2 * eps\n"
        "        grad[index] = (up - f(x0.copy())) / (2 * eps)\n        x0[index] += eps\n"))
mutant("numerical_gradient.ignores_eps", "skipgram", "always steps by 1e-5, whatever eps is given",
       ("    x0 = _mx_array(x, \"x\")\n", "    x0 = _mx_array(x, \"x\")\n    eps = 1e-5\n"))
mutant("numerical_gradient.divides_by_eps", "skipgram", "divides the central difference by eps, not 2 eps",
       ("/ (2 * eps)", "/ eps"))
mutant("numerical_gradient.flat", "skipgram", "returns a flat gradient for a 2-D x",
       ("    return grad", "    return grad.reshape(-1)"))

mutant("skipgram_pairs.includes_self", "skipgram", "includes j == i: (w, w) pairs",
       ("if j != i and 0 <= j < len(ids):", "if 0 <= j < len(ids):"))
mutant("skipgram_pairs.window_short", "skipgram", "uses |i - j| < window (one too few)",
       ("range(i - window, i + window + 1)", "range(i - window + 1, i + window)"))
mutant("skipgram_pairs.nearest_first", "skipgram", "orders the contexts nearest first instead of j ascending",
       ("        for j in range(i - window, i + window + 1):\n",
        "        for j in sorted(range(i - window, i + window + 1), key=lambda j: (abs(j - i), j)):\n"))
mutant("skipgram_pairs.swapped", "skipgram", "returns (context, center)",
       ("pairs.append((ids[i], ids[j]))", "pairs.append((ids[j], ids[i]))"))
mutant("skipgram_pairs.negative_ok", "skipgram", "does not refuse negative IDs",
       ("    ids = _mx_ids(token_ids)\n",
        "    ids = [_mx_int(i, 'ID') for i in (token_ids.tolist() if isinstance(token_ids, _mx_np.ndarray) else token_ids)]\n"))
mutant("skipgram_pairs.window_zero_ok", "skipgram", "accepts a window below 1 (no pairs)",
       ("    window = _mx_size(window, \"window\")\n", "    window = _mx_int(window, \"window\")\n"))

mutant("train_skipgram.init_scale", "skipgram", "initialises W_in with scale 0.1",
       ("_mx_lookup.init_embeddings(vocab_size, dim, seed)", "_mx_lookup.init_embeddings(vocab_size, dim, seed, 0.1)"))
mutant("train_skipgram.random_w_out", "skipgram", "initialises W_out randomly too",
       ("W_out = _mx_np.zeros((vocab_size, dim))", "W_out = _mx_lookup.init_embeddings(vocab_size, dim, seed + 1)"))
mutant("train_skipgram.reversed_pairs", "skipgram", "visits the pairs in reverse order",
       ("        for center, context in pairs:", "        for center, context in reversed(pairs):"))
mutant("train_skipgram.swapped_pair", "skipgram", "calls sgd_step(context, center)",
       ("sgd_step(W_in, W_out, center, context, lr)", "sgd_step(W_in, W_out, context, center, lr)"))
mutant("train_skipgram.extra_epoch", "skipgram", "runs epochs + 1 passes",
       ("for _ in range(epochs):", "for _ in range(epochs + 1):"))
mutant("train_skipgram.no_id_check", "skipgram", "checks IDs only through sgd_step (a one-token text passes)",
       ("    _mx_ids(token_ids, vocab_size)\n", ""))
mutant("train_skipgram.window_default", "skipgram", "defaults to window=1",
       ("window=2,", "window=1,"))
mutant("train_skipgram.shuffled", "skipgram", "shuffles the pairs every epoch",
       ("        for center, context in pairs:",
        "        _mx_np.random.default_rng(seed).shuffle(pairs)\n        for center, context in pairs:"))

# ================================================================================= similarity
mutant("cosine_similarity.no_normalisation", "similarity", "returns the dot product",
       ("    return float(min(1.0, max(-1.0, float(ua[0] @ ub[0]))))", "    return float(a @ b)"))
mutant("cosine_similarity.nan_for_zero", "similarity", "0 / 0 for a zero vector: NaN",
       ("    ua, ub = _mx_unit_rows(a[None]), _mx_unit_rows(b[None])\n",
        "    with _mx_np.errstate(all='ignore'):\n        return float(a @ b / (_mx_np.linalg.norm(a) * _mx_np.linalg.norm(b)))\n"
        "    ua, ub = _mx_unit_rows(a[None]), _mx_unit_rows(b[None])\n"))
mutant("cosine_similarity.no_clip", "similarity", "does not clip to [-1, 1]",
       ("    ua, ub = _mx_unit_rows(a[None]), _mx_unit_rows(b[None])\n",
        "    na, nb = _mx_np.linalg.norm(a), _mx_np.linalg.norm(b)\n"
        "    if na == 0 or nb == 0:\n        return 0.0\n    return float(a @ b / na / nb)\n"
        "    ua, ub = _mx_unit_rows(a[None]), _mx_unit_rows(b[None])\n"))
mutant("cosine_similarity.overflow", "similarity", "a·b / (|a| |b|) without scaling: overflow and underflow",
       ("    ua, ub = _mx_unit_rows(a[None]), _mx_unit_rows(b[None])\n",
        "    with _mx_np.errstate(all='ignore'):\n        na, nb = _mx_np.sqrt(a @ a), _mx_np.sqrt(b @ b)\n"
        "        if na == 0 or nb == 0:\n            return 0.0\n"
        "        return float(_mx_np.clip(a @ b / (na * nb), -1.0, 1.0))\n"
        "    ua, ub = _mx_unit_rows(a[None]), _mx_unit_rows(b[None])\n"))
mutant("cosine_similarity.absolute", "similarity", "returns |cos|",
       ("    return float(min(1.0, max(-1.0, float(ua[0] @ ub[0]))))", "    return abs(float(min(1.0, max(-1.0, float(ua[0] @ ub[0])))))"))
mutant("cosine_similarity.returns_array", "similarity", "returns a 1 x 1 array instead of a float",
       ("    return float(min(1.0, max(-1.0, float(ua[0] @ ub[0]))))", "    return _mx_np.clip(ua @ ub.T, -1.0, 1.0)"))

mutant("cosine_similarity_matrix.no_normalisation", "similarity", "returns A @ B.T",
       ("    return _mx_np.clip(_mx_unit_rows(A) @ _mx_unit_rows(B).T, -1.0, 1.0)", "    return A @ B.T"))
mutant("cosine_similarity_matrix.columns", "similarity", "normalises the columns instead of the rows",
       ("_mx_unit_rows(A) @ _mx_unit_rows(B).T", "_mx_unit_rows(A.T).T @ _mx_unit_rows(B.T)"))
mutant("cosine_similarity_matrix.nan_zero_rows", "similarity", "divides by zero norms: NaN for zero rows",
       ("    return _mx_np.clip(_mx_unit_rows(A) @ _mx_unit_rows(B).T, -1.0, 1.0)",
        "    with _mx_np.errstate(all='ignore'):\n"
        "        ua = _mx_unit_rows(A) + 0 / (_mx_np.abs(A).max(axis=1, keepdims=True, initial=0) != 0)\n"
        "        return _mx_np.clip(ua @ _mx_unit_rows(B).T, -1.0, 1.0)"))
mutant("cosine_similarity_matrix.no_clip", "similarity", "does not clip to [-1, 1]",
       ("    return _mx_np.clip(_mx_unit_rows(A) @ _mx_unit_rows(B).T, -1.0, 1.0)",
        "    na = _mx_np.linalg.norm(A, axis=1, keepdims=True)\n    nb = _mx_np.linalg.norm(B, axis=1, keepdims=True)\n"
        "    return _mx_np.divide(A @ B.T, na * nb.T, out=_mx_np.zeros((len(A), len(B))), where=(na * nb.T) > 0)"))
mutant("cosine_similarity_matrix.overflow", "similarity", "normalises without scaling first: overflow and underflow",
       ("    return _mx_np.clip(_mx_unit_rows(A) @ _mx_unit_rows(B).T, -1.0, 1.0)",
        "    with _mx_np.errstate(all='ignore'):\n"
        "        na = _mx_np.sqrt((A * A).sum(axis=1, keepdims=True))\n        nb = _mx_np.sqrt((B * B).sum(axis=1, keepdims=True))\n"
        "        ua = _mx_np.divide(A, na, out=_mx_np.zeros_like(A), where=na > 0)\n"
        "        ub = _mx_np.divide(B, nb, out=_mx_np.zeros_like(B), where=nb > 0)\n"
        "    return _mx_np.clip(ua @ ub.T, -1.0, 1.0)"))
mutant("cosine_similarity_matrix.transposed", "similarity", "returns the (m, n) matrix",
       ("_mx_unit_rows(A) @ _mx_unit_rows(B).T", "_mx_unit_rows(B) @ _mx_unit_rows(A).T"))

mutant("top_k.ties_high_index", "similarity", "reverses an ascending sort: ties go to the higher index",
       ("key=lambda i: (-scores[i], i))", "key=lambda i: (scores[i], i))[::-1]"))
mutant("top_k.dot_product", "similarity", "ranks by dot product instead of cosine",
       ("    scores = cosine_similarity_matrix(query[None], matrix)[0]\n",
        "    scores = _mx_array(matrix, 'matrix', ndim=2, finite=True) @ query\n"))
mutant("top_k.k_beyond_rows", "similarity", "indexes the first k positions: crashes when k > rows",
       ("    return order[:k]", "    return [order[i] for i in range(k)]"))
mutant("top_k.ascending", "similarity", "least similar first",
       ("key=lambda i: (-scores[i], i))", "key=lambda i: (scores[i], i))"))
mutant("top_k.numpy_ints", "similarity", "returns NumPy integers (list(np.argsort(...)))",
       ("    return order[:k]", "    return [_mx_np.int64(i) for i in order[:k]]"))
mutant("top_k.negative_k", "similarity", "accepts k < 0 (order[:-1])",
       ("    k = _mx_size(k, \"k\", 0)\n", "    k = _mx_int(k, \"k\")\n"))

mutant("analogy.keeps_inputs", "similarity", "does not leave out a, b and c",
       ("    left_out = set(ids)\n", "    left_out = set()\n"))
mutant("analogy.keeps_unk", "similarity", "does not leave out <unk>",
       ("    if \"<unk>\" in vocab:\n        left_out.add(vocab[\"<unk>\"])\n", ""))
mutant("analogy.raw_rows", "similarity", "E[b] - E[a] + E[c] without unit vectors",
       ("    units = _mx_unit_rows(E[ids])\n", "    units = E[ids]\n"))
mutant("analogy.wrong_arithmetic", "similarity", "unit(a) - unit(b) + unit(c)",
       ("    target = units[1] - units[0] + units[2]\n", "    target = units[0] - units[1] + units[2]\n"))
mutant("analogy.exclude_after_k", "similarity", "takes k words first, then drops a, b, c (fewer than k)",
       ("    return [words[i] for i in ranked if i in words and i not in left_out][:k]",
        "    return [words[i] for i in ranked[:k] if i in words and i not in left_out]"))
mutant("analogy.nan_zero_row", "similarity", "unit vector of a zero row is 0/0 (NaN)",
       ("    units = _mx_unit_rows(E[ids])\n",
        "    with _mx_np.errstate(all='ignore'):\n        units = E[ids] / _mx_np.linalg.norm(E[ids], axis=1, keepdims=True)\n"))

# =================================================================================== pipeline
mutant("embed_text.sum", "pipeline", "sums the token rows instead of averaging them",
       ("rows.astype(_mx_np.float64).mean(axis=0)", "rows.astype(_mx_np.float64).sum(axis=0)"))
mutant("embed_text.float32_leak", "pipeline", "returns the dtype of E (float32 stays float32)",
       ("rows.astype(_mx_np.float64).mean(axis=0)", "rows.mean(axis=0)"))
mutant("embed_text.empty_nan", "pipeline", "means over no tokens: NaN for the empty text",
       ("    if not ids:\n        return _mx_np.zeros(rows.shape[1])\n",
        "    if not ids:\n        return _mx_np.full(rows.shape[1], _mx_np.nan)\n"))
mutant("embed_text.characters", "pipeline", "ignores the merges: one token per character",
       ("_mx_bpe.encode(text, merges)", "_mx_bpe.encode(text, [])"))
mutant("embed_text.unique_tokens", "pipeline", "averages over distinct tokens only",
       ("    rows = _mx_lookup.embedding_lookup(E, ids)\n",
        "    ids = list(dict.fromkeys(ids))\n    rows = _mx_lookup.embedding_lookup(E, ids)\n"))
mutant("embed_text.drops_unknown", "pipeline", "drops unknown tokens instead of using <unk>",
       ("    ids = _mx_lookup.tokens_to_ids(_mx_bpe.encode(text, merges), vocab)\n",
        "    ids = _mx_lookup.tokens_to_ids([t for t in _mx_bpe.encode(text, merges) if t in vocab], vocab)\n"))
mutant("embed_text.no_type_check", "pipeline", "does not check that text is a str",
       ("    if not isinstance(text, str):\n        raise TypeError(\"text must be a str\")\n",
        "    text = ''.join(text) if isinstance(text, list) else text\n"))

mutant("retrieve.dot_product", "pipeline", "ranks documents by dot product",
       ("    return _mx_similarity.top_k(q, D, k)",
        "    return sorted(range(len(documents)), key=lambda i: (-(D[i] @ q), i))[:k]"))
mutant("retrieve.k_beyond_documents", "pipeline", "crashes when k is larger than the number of documents",
       ("    return _mx_similarity.top_k(q, D, k)",
        "    order = _mx_similarity.top_k(q, D, len(documents))\n    return [order[i] for i in range(k)]"))
mutant("retrieve.ascending", "pipeline", "returns the least similar documents first",
       ("    return _mx_similarity.top_k(q, D, k)", "    return _mx_similarity.top_k(q, D, len(documents))[::-1][:k]"))
mutant("retrieve.no_documents_crash", "pipeline", "np.stack of no documents raises",
       ("    if not documents:\n        return []\n", ""))
mutant("retrieve.ties_high_index", "pipeline", "ties go to the higher index",
       ("    return _mx_similarity.top_k(q, D, k)",
        "    n = len(documents)\n    return [n - 1 - i for i in _mx_similarity.top_k(q, D[::-1], n)][:k]"))

#: The mutants that only hidden cases catch: input checks, dtype details and rarer slips. Every
#: other mutant also fails a public case, so ``embedlab check`` warns a student before grading.
#: tests/test_mutation_score.py keeps this list honest in both directions.
HIDDEN_ONLY = frozenset({
    "merge_pair.no_pair_check", "train_bpe.bool_ok", "encode.no_merge_check", "build_vocab.no_alphabet_check",
    "one_hot.casts_ids", "embedding_lookup.no_ndim_check", "embedding_lookup.bool_mask", "softmax.keeps_float32",
    "softmax.no_finite_check", "skipgram_loss_and_grads.negative_wraps", "skipgram_loss_and_grads.keeps_float32",
    "numerical_gradient.ignores_eps", "skipgram_pairs.negative_ok", "train_skipgram.window_default",
    "analogy.nan_zero_row", "embed_text.no_type_check",
})


# GPT-2's lowest-rank-first rule: right on merges train_bpe learned, wrong on hand-written ones
# (the docstring's encode("abc", [("a", "bc"), ("b", "c")]) example). Once listed as an alternative.
MUTANTS.append(Variant("encode.gpt2_rank", "bpe", "encode",
                       "GPT-2's rule: repeatedly merge the lowest-ranked pair present (not the learned order)",
                       IMPORTS["bpe"] + HELPERS + "\n\n" + """def encode(text, merges):
    _mx_merges(merges)
    rank = {}
    for i, pair in enumerate(merges):
        rank.setdefault(tuple(pair), i)
    tokens = []
    for chunk in pretokenize(text):
        symbols = list(chunk)
        while len(symbols) > 1:
            present = [(rank[p], p) for p in zip(symbols, symbols[1:]) if p in rank]
            if not present:
                break
            _, (left, right) = min(present)
            out, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and symbols[i] == left and symbols[i + 1] == right:
                    out.append(left + right)
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            symbols = out
        tokens += symbols
    return tokens
"""))
