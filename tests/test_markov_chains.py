"""Markov chains fitted to a stream: deterministic streams, known transition laws, stationarity."""

from __future__ import annotations

import dataclasses

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


def test_order_two_contexts_are_told_apart_by_their_order():
    # Every context (a, b) of six ids has its own likely successor T[a, b] (probability 0.9, else
    # uniform): contexts such as (a, b) and (b, a), or two with the same sum, must not be
    # confused. Ids up to 5 (an odd largest id) also test the base contexts are written in.
    rng = np.random.default_rng(7)
    table = rng.integers(0, 6, size=(6, 6))
    stream = [0, 1]
    for _ in range(30_000):
        likely = table[stream[-2], stream[-1]]
        stream.append(likely if rng.random() < 0.9 else rng.integers(0, 6))
    runs = sample_markov_chain(fit_markov_chain(np.array(stream), order=2), 2000, 40, seed=3)
    a, b, c = runs[:, :-2].ravel(), runs[:, 1:-1].ravel(), runs[:, 2:].ravel()
    hit = c == table[a, b]
    for context in range(36):
        seen = (a * 6 + b) == context
        assert hit[seen].mean() > 0.85, (divmod(context, 6), hit[seen].mean())  # 0.9 + 0.1 / 6


def test_runs_start_at_uniformly_random_positions_of_the_whole_stream():
    # Distinct tokens: a run's first token is its start position, which must range over every
    # position whose context has a successor (0 .. size - order - 1), evenly.
    stream = np.arange(200)
    for order in (1, 2):
        first = sample_markov_chain(fit_markov_chain(stream, order), 20_000, order, seed=4)[:, 0]
        assert first.min() == 0 and first.max() == stream.size - order - 1, order
        counts = np.bincount(first, minlength=stream.size - order)
        assert counts.min() > 0.5 * counts.mean(), order  # about 100 per position, none rare


def test_a_run_that_reaches_the_end_of_the_stream_restarts_at_a_random_position():
    # 0 -> 1 -> ... -> 49 deterministically; the context ending at 49 has no successor, so the
    # run goes on with the tokens of a fresh random context (first token anything in
    # 0 .. 49 - order), then with that context's successors: every other step is +1.
    for order in (1, 2, 3):
        chain = fit_markov_chain(np.arange(50), order)
        runs = sample_markov_chain(chain, 300, 200, seed=5).astype(np.int64)
        step = runs[:, 1:] - runs[:, :-1]
        at_end = runs[:, :-1] == 49
        assert at_end.any() and np.all(step[~at_end] == 1), order
        restarts = runs[:, 1:][at_end]
        assert restarts.min() == 0 and restarts.max() == 49 - order, order


def test_the_last_transition_of_the_stream_is_learnt():
    # 0 -> 2 happens once, at the very end: a third of the transitions out of 0.
    chain = fit_markov_chain(np.array([0, 1, 0, 1, 0, 2]))
    runs = sample_markov_chain(chain, 4000, 2, seed=6)
    from_zero = runs[runs[:, 0] == 0, 1]
    assert abs(np.mean(from_zero == 2) - 1 / 3) < 0.05


def test_contexts_must_fit_in_63_bits_exactly():
    for order, bits, refused in ((3, 21, True), (2, 31, False), (4, 16, True), (1, 62, False)):
        stream = np.array([0, 2**bits - 1, 1, 0, 1, 0])  # base 2**bits: order * bits bits
        if refused:
            with pytest.raises(ValueError, match="63 bits"):
                fit_markov_chain(stream, order)
        else:
            assert fit_markov_chain(stream, order).order == order


def test_inputs_refused_and_accepted_at_their_boundaries():
    with pytest.raises(ValueError, match="1-d stream"):
        fit_markov_chain(np.zeros((3, 4), dtype=int))
    with pytest.raises(ValueError, match="longer than the order"):
        fit_markov_chain(np.array([1]), order=2)  # shorter than the order
    chain = fit_markov_chain(np.arange(10) % 3, order=2)
    assert sample_markov_chain(chain, 1, 2, seed=0).shape == (1, 2)  # one run, length = order
    with pytest.raises(ValueError, match="length >= order"):
        sample_markov_chain(chain, 3, 1, seed=0)


def test_contexts_of_the_widest_ids_allowed_are_told_apart_exactly():
    # Order 2 over 2**31 ids fills 62 of the 63 bits: the contexts (1, C) and (2, C) with C the
    # largest id differ only in the low part of their key. A deterministic cycle through them
    # (1, C -> 5 and 2, C -> 6) must come back as the same cycle, every step of every run; a key
    # that lost those bits (a float, say, with its 53-bit mantissa) would mix the two successors.
    big = 2**31 - 1
    cycle = np.array([1, big, 5, 2, big, 6])
    chain = fit_markov_chain(np.tile(cycle, 30), order=2)
    runs = sample_markov_chain(chain, 200, 30, seed=8).astype(np.int64)
    nxt = {(1, big): 5, (big, 5): 2, (5, 2): big, (2, big): 6, (big, 6): 1, (6, 1): big}
    for run in runs:
        for t in range(2, run.size):
            assert run[t] == nxt[(run[t - 2], run[t - 1])], (run[t - 2 : t + 1], t)


def test_a_fitted_chain_cannot_be_changed_after_fitting():
    # Its keys are sorted and its successors aligned with them once, at fit time: reassigning a
    # field would break that pairing, so the dataclass is frozen.
    chain = fit_markov_chain(np.arange(10) % 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        chain.order = 2  # type: ignore[misc]
