"""Markov chains fitted to a stream: deterministic streams, known transition laws, stationarity."""

from __future__ import annotations

import numpy as np
import pytest

from biasbook.maths.markov_chains import fit_markov_chain, sample_markov_chain


def test_a_periodic_stream_gives_the_same_cycle():
    stream = np.tile([0, 1, 2], 50)
    runs = sample_markov_chain(fit_markov_chain(stream), n_chains=20, length=30, seed=0)
    assert np.all((np.diff(runs, axis=1) % 3) == 1)


def test_the_fitted_chain_draws_the_empirical_transition_frequencies():
    # A stream from a known three-state chain; the fitted chain's runs must move with the stream's
    # own transition frequencies (the maximum-likelihood estimate), up to Monte Carlo error.
    P = np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3], [0.3, 0.3, 0.4]])
    rng = np.random.default_rng(0)
    stream = [0]
    for _ in range(20_000):
        stream.append(rng.choice(3, p=P[stream[-1]]))
    stream = np.array(stream)
    counts = np.zeros((3, 3))
    np.add.at(counts, (stream[:-1], stream[1:]), 1)
    mle = counts / counts.sum(axis=1, keepdims=True)
    runs = sample_markov_chain(fit_markov_chain(stream), n_chains=2000, length=100, seed=1)
    seen = np.zeros((3, 3))
    np.add.at(seen, (runs[:, :-1].ravel(), runs[:, 1:].ravel()), 1)
    np.testing.assert_allclose(seen / seen.sum(axis=1, keepdims=True), mle, atol=0.01)
    # stationary: the first and the last step have the stream's unigram distribution
    unigram = np.bincount(stream, minlength=3) / stream.size
    for t in (0, 99):
        np.testing.assert_allclose(np.bincount(runs[:, t], minlength=3) / 2000, unigram, atol=0.04)


def test_order_two_follows_a_rule_that_one_token_does_not_fix():
    # x_t = x_{t-1} + x_{t-2} mod 5: deterministic given two tokens, ambiguous given one.
    stream = [0, 1]
    for _ in range(400):
        stream.append((stream[-1] + stream[-2]) % 5)
    stream = np.array(stream)
    two = sample_markov_chain(fit_markov_chain(stream, order=2), 50, 40, seed=2)
    assert np.all(two[:, 2:] == (two[:, 1:-1] + two[:, :-2]) % 5)
    one = sample_markov_chain(fit_markov_chain(stream, order=1), 50, 40, seed=2)
    assert np.any(one[:, 2:] != (one[:, 1:-1] + one[:, :-2]) % 5)


def test_runs_are_reproducible_and_differ_between_seeds():
    stream = np.random.default_rng(3).integers(0, 7, size=500)
    chain = fit_markov_chain(stream)
    a, b = (sample_markov_chain(chain, 5, 20, seed=s) for s in (4, 4))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, sample_markov_chain(chain, 5, 20, seed=5))


def test_bad_input():
    with pytest.raises(ValueError, match="order"):
        fit_markov_chain(np.arange(5), order=0)
    with pytest.raises(ValueError, match="longer than the order"):
        fit_markov_chain(np.array([1, 2]), order=2)
    with pytest.raises(ValueError, match="n_chains"):
        sample_markov_chain(fit_markov_chain(np.arange(5)), 0, 3, seed=0)
