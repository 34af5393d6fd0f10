"""Token sequences ``[V]^L``: exact enumeration, token distributions and hidden-Markov mixtures.

Sequences are integer arrays ``t[..., L]`` with entries in ``0..V-1``. Enumeration uses the
lexicographic order of :mod:`biasbook.maths.symmetric_group` (``index(t) = sum_a t_a V^(L-1-a)``),
so the probability vectors returned here line up with its projectors.

The mixture of hidden Markov models (Baum & Petrie 1966) is the data source Lavie et al. (2024)
name; its parameters here (number of components, hidden states, Dirichlet concentrations) are our
choices. A single HMM is not exchangeable; :func:`symmetrize` applies an independent uniformly
random position permutation to each sequence, which makes the distribution exactly
permutation-invariant while keeping its token statistics (:func:`symmetrized_probabilities`
gives the exact law).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Largest ``V**L`` that :func:`enumerate_sequences` will list.
MAX_ENUMERATION = 1 << 20


def check_enumerable(V: int, L: int, limit: int = MAX_ENUMERATION) -> int:
    """Return ``V**L`` or raise a ValueError saying it is too large to enumerate."""
    if int(V) != V or int(L) != L or V < 1 or L < 1:
        raise ValueError(f"need integers V >= 1 and L >= 1, got V={V!r}, L={L!r}")
    size = int(V) ** int(L)
    if size > limit:
        raise ValueError(
            f"V^L = {V}^{L} = {size} sequences is too many to enumerate (limit {limit}); "
            "reduce V or L, or sample sequences (e.g. HMMMixture.sample) instead"
        )
    return size


def enumerate_sequences(V: int, L: int, limit: int = MAX_ENUMERATION) -> np.ndarray:
    """All ``V^L`` sequences as an ``int32[V^L, L]`` array in lexicographic order."""
    N = check_enumerable(V, L, limit)
    weights = V ** np.arange(L - 1, -1, -1, dtype=np.int64)
    return ((np.arange(N, dtype=np.int64)[:, None] // weights) % V).astype(np.int32)


def sequence_index(tokens: np.ndarray, V: int) -> np.ndarray:
    """Lexicographic index of each sequence (inverse of :func:`enumerate_sequences`)."""
    tokens = np.asarray(tokens, dtype=np.int64)
    L = tokens.shape[-1]
    return tokens @ (V ** np.arange(L - 1, -1, -1, dtype=np.int64))


def token_counts(tokens: np.ndarray, V: int) -> np.ndarray:
    """``counts[..., v]``: how often token ``v`` occurs in each sequence (the bag of words)."""
    tokens = np.asarray(tokens)
    return (tokens[..., None] == np.arange(V)).sum(axis=-2)


def iid_probabilities(tokens: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Probability of each sequence under i.i.d. tokens with unigram law ``p`` (exchangeable)."""
    p = np.asarray(p, dtype=float)
    if p.ndim != 1 or np.any(p < 0) or not np.isclose(p.sum(), 1.0):
        raise ValueError("p must be a probability vector over the V tokens")
    return np.prod(p[np.asarray(tokens)], axis=-1)


@dataclass(frozen=True)
class HMMMixture:
    """A mixture of hidden Markov models over tokens ``0..V-1``.

    Attributes
    ----------
    weights
        ``[M]`` mixture weights.
    initial
        ``[M, S]`` initial hidden-state distributions.
    transition
        ``[M, S, S]`` row-stochastic transition matrices.
    emission
        ``[M, S, V]`` row-stochastic emission matrices.
    """

    weights: np.ndarray
    initial: np.ndarray
    transition: np.ndarray
    emission: np.ndarray

    @property
    def vocab_size(self) -> int:
        return int(self.emission.shape[-1])

    def sample(self, n: int, L: int, seed: int) -> np.ndarray:
        """Draw ``n`` sequences of length ``L`` (``int32[n, L]``), vectorised over sequences."""
        rng = np.random.default_rng(seed)
        comp = rng.choice(len(self.weights), size=n, p=self.weights)
        states = _sample_rows(rng, self.initial[comp])
        tokens = np.empty((n, L), dtype=np.int32)
        for a in range(L):  # L steps, each vectorised over the n sequences
            tokens[:, a] = _sample_rows(rng, self.emission[comp, states])
            states = _sample_rows(rng, self.transition[comp, states])
        return tokens

    def component_likelihoods(self, tokens: np.ndarray) -> np.ndarray:
        """``[n, M]``: probability of each sequence under each component (forward algorithm)."""
        tokens = np.asarray(tokens)
        if tokens.ndim != 2:
            raise ValueError("tokens must be an int array [n, L]")
        if tokens.size and (tokens.min() < 0 or tokens.max() >= self.vocab_size):
            raise ValueError(f"tokens must lie in 0..{self.vocab_size - 1}")
        out = np.zeros((tokens.shape[0], len(self.weights)))
        for m in range(len(self.weights)):
            alpha = self.initial[m][None, :] * self.emission[m][:, tokens[:, 0]].T  # [n, S]
            for a in range(1, tokens.shape[1]):
                alpha = (alpha @ self.transition[m]) * self.emission[m][:, tokens[:, a]].T
            out[:, m] = alpha.sum(axis=1)
        return out

    def probabilities(self, tokens: np.ndarray) -> np.ndarray:
        """Exact probability of each sequence (forward algorithm, vectorised over sequences)."""
        return self.component_likelihoods(tokens) @ self.weights

    def posterior(self, tokens: np.ndarray) -> np.ndarray:
        """``[n, M]``: posterior probability that each component generated each sequence."""
        joint = self.component_likelihoods(tokens) * self.weights[None, :]
        return joint / joint.sum(axis=1, keepdims=True)


def _sample_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``probs`` (inverse-CDF, vectorised)."""
    cdf = np.cumsum(probs, axis=-1)
    u = rng.random(probs.shape[:-1] + (1,)) * cdf[..., -1:]
    return np.minimum((u > cdf).sum(axis=-1), probs.shape[-1] - 1)


def random_hmm_mixture(
    V: int,
    n_components: int = 3,
    n_states: int = 3,
    alpha: float = 0.5,
    beta: float = 0.5,
    seed: int = 0,
) -> HMMMixture:
    """Random HMM mixture: Dirichlet(``alpha``) transitions, Dirichlet(``beta``) emissions.

    Each component starts from the stationary distribution of its hidden chain, so each component's
    token marginals do not depend on the position (the position dependence that remains is the
    Markov correlation between neighbours). Mixture weights are uniform.
    """
    if V < 2 or n_components < 1 or n_states < 1 or alpha <= 0 or beta <= 0:
        raise ValueError("need V >= 2, n_components >= 1, n_states >= 1 and alpha, beta > 0")
    rng = np.random.default_rng(seed)
    trans = rng.dirichlet(np.full(n_states, alpha), size=(n_components, n_states))
    emit = rng.dirichlet(np.full(V, beta), size=(n_components, n_states))
    init = np.stack([_stationary(t) for t in trans])
    weights = np.full(n_components, 1.0 / n_components)
    return HMMMixture(weights=weights, initial=init, transition=trans, emission=emit)


def _stationary(transition: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eig(transition.T)
    v = np.real(vecs[:, np.argmin(np.abs(vals - 1.0))])
    return v / v.sum()


def symmetrize(tokens: np.ndarray, seed: int) -> np.ndarray:
    """Apply an independent uniformly random position permutation to every sequence."""
    tokens = np.asarray(tokens)
    rng = np.random.default_rng(seed)
    perms = np.argsort(rng.random(tokens.shape), axis=-1)
    return np.take_along_axis(tokens, perms, axis=-1)


def symmetrized_probabilities(probs: np.ndarray, V: int, L: int) -> np.ndarray:
    """Exact law of :func:`symmetrize` applied to a law ``probs`` on all ``V^L`` sequences.

    A uniformly random permutation spreads the mass of each permutation orbit (sequences with the
    same token counts) uniformly over the orbit.
    """
    probs = np.asarray(probs, dtype=float)
    tokens = enumerate_sequences(V, L)
    if probs.shape != (len(tokens),):
        raise ValueError(f"probs must have shape ({len(tokens)},), one entry per sequence")
    counts = token_counts(tokens, V)
    _, orbit, sizes = np.unique(counts, axis=0, return_inverse=True, return_counts=True)
    orbit = orbit.ravel()
    mass = np.bincount(orbit, weights=probs)
    return mass[orbit] / sizes[orbit]
