"""Markov chains of order k fitted to a token stream by maximum likelihood, and sampled.

The fitted chain of order ``k`` moves from the context ``(x_{t-k}, ..., x_{t-1})`` to the token that
followed a uniformly chosen occurrence of that context in the stream: exactly a draw from the
maximum-likelihood transition probabilities ``count(context, token) / count(context)``, without
ever forming the (huge, sparse) transition matrix. Started from the context at a uniformly random
position of the stream, the chain is stationary up to the stream's edges: its marginals are the
stream's ``k``-gram frequencies at every step. It is the null of a text that is *stationary but not
exchangeable*: its statistics depend on the distance between positions, as a text's do, and it has
no permutation symmetry beyond what stationarity brings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MarkovChain:
    """A fitted chain: for every context, the tokens that followed its occurrences in the stream.

    Attributes
    ----------
    order
        ``k``, the length of a context.
    stream
        The token ids the chain was fitted to.
    keys
        The context of every position that has a successor, as one integer, sorted.
    successors
        The token that followed each of those positions, in the order of ``keys``.
    """

    order: int
    stream: np.ndarray
    keys: np.ndarray
    successors: np.ndarray

    @property
    def base(self) -> int:
        """The number of token ids: contexts are numbers in base ``base``."""
        return int(self.stream.max()) + 1


def _context_keys(tokens: np.ndarray, order: int, base: int) -> np.ndarray:
    """The integer ``sum_j tokens[..., j] * base**(order-1-j)`` of the last ``order`` columns."""
    key = np.zeros(tokens.shape[:-1], dtype=np.int64)
    for j in range(order):
        key = key * base + tokens[..., j]
    return key


def fit_markov_chain(ids: np.ndarray, order: int = 1) -> MarkovChain:
    """Fit the maximum-likelihood Markov chain of ``order`` to the stream ``ids``.

    Raises
    ------
    ValueError
        If ``order < 1``, the stream is too short to hold a transition, or its contexts would not
        fit in 63-bit integers.
    """
    ids = np.asarray(ids, dtype=np.int64)
    if order < 1:
        raise ValueError(f"order must be at least 1, got {order}")
    if ids.ndim != 1 or ids.size <= order:
        raise ValueError(f"need a 1-d stream longer than the order {order}, got {ids.shape}")
    base = int(ids.max()) + 1
    if order * np.log2(base) >= 63:
        raise ValueError(f"contexts of order {order} over {base} ids do not fit in 63 bits")
    contexts = np.lib.stride_tricks.sliding_window_view(ids[:-1], order)
    keys = _context_keys(contexts, order, base)
    successors = ids[order:]
    by_key = np.argsort(keys, kind="stable")
    return MarkovChain(order, ids, keys[by_key], successors[by_key])


def sample_markov_chain(chain: MarkovChain, n_chains: int, length: int, seed: int) -> np.ndarray:
    """``n_chains`` independent runs of ``length`` tokens, as ``int32[n_chains, length]``.

    Each run starts with the ``order`` tokens at a uniformly random position of the stream and
    then moves by the fitted transitions. A context that never had a successor (it occurs only at
    the stream's end) restarts the run at a random position, which keeps the chain stationary.
    All runs step together, so the cost is ``length`` vectorised steps.
    """
    if n_chains < 1 or length < chain.order:
        raise ValueError(f"need n_chains >= 1 and length >= order, got {n_chains}, {length}")
    rng = np.random.default_rng(seed)
    k, stream, base = chain.order, chain.stream, chain.base

    def random_contexts(m: int) -> np.ndarray:
        starts = rng.integers(0, stream.size - k, size=m)
        return stream[starts[:, None] + np.arange(k)]

    out = np.empty((n_chains, length), dtype=np.int64)
    out[:, :k] = random_contexts(n_chains)
    # A restarted run emits the k tokens of its fresh context first (``pending``, of which
    # ``n_pending`` are left), so that its last k tokens are again a context of the stream.
    pending = np.zeros((n_chains, k), dtype=np.int64)
    n_pending = np.zeros(n_chains, dtype=np.int64)
    for t in range(k, length):
        key = _context_keys(out[:, t - k : t], k, base)
        lo = np.searchsorted(chain.keys, key, side="left")
        hi = np.searchsorted(chain.keys, key, side="right")
        stuck = (hi == lo) & (n_pending == 0)
        if stuck.any():  # restart those runs: their next k tokens come from a random position
            pending[stuck] = random_contexts(int(stuck.sum()))
            n_pending[stuck] = k
        replay = n_pending > 0
        out[replay, t] = pending[replay, k - n_pending[replay]]
        n_pending[replay] -= 1
        move = ~replay
        lo, hi = lo[move], hi[move]
        pick = lo + (rng.random(lo.size) * (hi - lo)).astype(np.int64)
        out[move, t] = chain.successors[pick]
    return out.astype(np.int32)
