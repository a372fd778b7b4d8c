"""The grader's memoized reference answers exactly what the live solutions answer."""

from __future__ import annotations

import numpy as np
import pytest

import solutions.bpe
import solutions.lookup
import solutions.skipgram
from grader.authoring.frozen_ref import MemoReference

import solutions


def test_replayed_results_equal_live_ones_and_are_fresh_copies():
    memo = MemoReference(solutions)
    first = memo.bpe.train_bpe("low low low lower lowest", 2)
    second = memo.bpe.train_bpe("low low low lower lowest", 2)
    assert first == second == [("l", "o"), ("lo", "w")]
    E1 = memo.lookup.init_embeddings(5, 3, seed=1)
    E1[0, 0] = 99.0  # a case may change what it got; the next answer must not see that
    E2 = memo.lookup.init_embeddings(5, 3, seed=1)
    assert np.array_equal(E2, solutions.lookup.init_embeddings(5, 3, seed=1))


def test_in_place_updates_are_replayed_on_the_new_arguments():
    memo = MemoReference(solutions)
    rng = np.random.default_rng(0)
    W_in, W_out = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    expected_in, expected_out = W_in.copy(), W_out.copy()
    loss = solutions.skipgram.sgd_step(expected_in, expected_out, 1, 2, 0.1)
    for _ in range(2):  # the second call is a replay
        a, b = W_in.copy(), W_out.copy()
        assert memo.skipgram.sgd_step(a, b, 1, 2, 0.1) == loss
        assert np.array_equal(a, expected_in) and np.array_equal(b, expected_out)


def test_exceptions_are_replayed_with_their_builtin_type():
    memo = MemoReference(solutions)
    for _ in range(2):
        with pytest.raises(ValueError):
            memo.bpe.train_bpe("abc", -1)
        with pytest.raises(IndexError):
            memo.lookup.one_hot([5], 3)


def test_the_record_stops_growing_at_its_limit():
    memo = MemoReference(solutions, limit=3)
    for n in range(10):
        assert memo.lookup.count_parameters(n + 1, 2) == (n + 1) * 2
    assert len(memo._book.calls) == 3
