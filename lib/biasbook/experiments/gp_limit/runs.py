"""Experiment drivers of the "GP limit" chapter (Lavie, Gur-Ari & Ringel 2024, reconstructed).

Each function runs one experiment end to end from explicit parameters and returns plain NumPy
data (so the chapter can cache it with :func:`biasbook.store.cache.cached` and plot it). The maths
lives in :mod:`biasbook.maths.kernels`, :mod:`biasbook.maths.spectra`,
:mod:`biasbook.maths.learning_curves`, :mod:`biasbook.nets.gp_networks` and
:mod:`biasbook.maths.symmetric_group`.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from biasbook.maths import kernels as kn
from biasbook.maths import learning_curves as lc
from biasbook.maths import sequences as sq
from biasbook.maths import spectra as sp
from biasbook.maths import symmetric_group as sg
from biasbook.maths.kernel_descent import kernel_descent
from biasbook.nets import gp_networks as gn
from biasbook.nets import trained_block as tb


def _spectrum_summary(spec: sp.Spectrum) -> dict[str, Any]:
    """A picklable summary without eigenvectors."""
    return {
        "eigenvalues": spec.eigenvalues,
        "multiplicities": spec.multiplicities,
        "irreps": spec.irreps,
        "purity": spec.purity,
        "trace": spec.trace,
    }


def token_contrast(tokens: np.ndarray) -> np.ndarray:
    """``s = [t = 0] - [t = 1]`` per position: the spin ``1 - 2t`` for binary tokens, and a contrast
    of the first two tokens (0 for the others) for ``V > 2``."""
    t = np.asarray(tokens)
    return (t == 0).astype(float) - (t == 1).astype(float)


def specht_target(tokens: np.ndarray, k: int) -> np.ndarray:
    """``g_k = prod_{i<k} (s_{2i} - s_{2i+1}) / sqrt(2)`` with ``s`` the :func:`token_contrast`.

    The image of a Specht polytabloid under the ``S_L``-equivariant map sending the tabloid with
    second row ``B`` to ``prod_{b in B} s_b``, so it lies in the ``(L-k, k)`` isotypic component for
    any vocabulary and any exchangeable measure.
    """
    s = token_contrast(tokens)
    out = np.ones(len(s))
    for i in range(k):
        out = out * (s[:, 2 * i] - s[:, 2 * i + 1]) / np.sqrt(2)
    return out


def _kernel(V: int, beta: float, nonlinearity: str):
    """The attention block's NNGP (``nonlinearity`` ``"identity"`` or ``"relu"``), or ``"mlp"``:
    the non-attention baseline :func:`mlp_nngp` (which has no positional input to weigh)."""
    if nonlinearity == "mlp":
        return mlp_nngp
    return functools.partial(kn.onehot_attention_nngp, V=V, beta=beta, nonlinearity=nonlinearity)


#: The kernels of the learning-curve experiment: the two attention blocks and the MLP baseline.
CURVE_KERNELS = ("identity", "relu", "mlp")


# --------------------------------------------------------------------------- 1. kernel vs MC


def kernel_monte_carlo(
    V: int,
    L: int,
    n_inputs: int,
    beta: float,
    n_nets: int,
    relu_heads: list[int],
    relu_nets: int,
    softmax_nets: int,
    seed: int,
) -> dict[str, Any]:
    """Closed-form kernels vs Monte-Carlo kernels of random finite networks.

    * identity attention (exact at any width): relative Frobenius error and its ratio to the
      Monte-Carlo noise level ``sqrt(sum of entry variances)``;
    * identity attention + ``sqrt(2) ReLU`` (Gaussian only as heads -> infinity): error vs heads;
    * softmax attention (no closed form): its Monte-Carlo kernel on all ``2^L`` binary sequences,
      averaged over position permutations, and its spectrum by irrep.
    """
    mix = sq.random_hmm_mixture(V, seed=seed + 1)
    T = sq.symmetrize(mix.sample(n_inputs, L, seed=seed + 2), seed=seed + 3)
    X = kn.embed_tokens(T, V, beta)
    d = V + L
    out: dict[str, Any] = {"tokens": T}
    cfg = kn.AttentionNetConfig(seq_len=L, d_in=d, heads=4, d_k=4, d_v=4, width=4)
    K_mc, se = kn.mc_kernel(X, cfg, n_nets, seed=seed + 4)
    K = kn.attention_nngp(X, X)
    out["identity"] = {
        "K": K,
        "K_mc": K_mc,
        "se": se,
        "rel_error": np.linalg.norm(K_mc - K) / np.linalg.norm(K),
        "rel_noise": np.sqrt(np.sum(se**2)) / np.linalg.norm(K),
    }
    K_relu = kn.attention_nngp(X, X, "relu")
    # A deliberately wrong closed form for the control: the ReLU block's kernel against the
    # identity block's random networks.
    out["identity"]["rel_error_wrong"] = np.linalg.norm(K_mc - K_relu) / np.linalg.norm(K)
    relu = []
    for H in relu_heads:
        cfg = kn.AttentionNetConfig(
            seq_len=L, d_in=d, heads=H, d_k=4, d_v=4, width=4, nonlinearity="relu"
        )
        K_mc, se = kn.mc_kernel(X, cfg, relu_nets, seed=seed + 5 + H)
        relu.append(
            {
                "heads": H,
                "rel_error": np.linalg.norm(K_mc - K_relu) / np.linalg.norm(K_relu),
                "rel_noise": np.sqrt(np.sum(se**2)) / np.linalg.norm(K_relu),
            }
        )
    out["relu"] = relu
    # Softmax attention on every binary sequence of length L_s (small enough to enumerate).
    Ls = min(L, 6)
    Tb = sq.enumerate_sequences(2, Ls)
    cfg = kn.AttentionNetConfig(seq_len=Ls, d_in=2 + Ls, heads=4, d_k=4, d_v=4, attention="softmax")
    K_soft, se_soft = kn.mc_kernel(kn.embed_tokens(Tb, 2, beta), cfg, softmax_nets, seed=seed + 6)
    K_sym = kn.symmetrize_over_positions(K_soft, 2, Ls)
    # MC noise makes exact degeneracies approximate: cluster levels at 1e-6 of the top eigenvalue.
    mu = np.full(len(Tb), 1.0 / len(Tb))
    spec = sp.dense_spectrum(K_sym, mu, 2, Ls, rtol=1e-6)
    out["softmax"] = {
        "L": Ls,
        "asymmetry": np.linalg.norm(K_soft - K_sym) / np.linalg.norm(K_sym),
        "rel_noise": np.sqrt(np.sum(se_soft**2)) / np.linalg.norm(K_sym),
        "spectrum": _spectrum_summary(spec),
        "top_by_irrep": spec.top_by_irrep(),
    }
    return out


# --------------------------------------------------------------------------- 2. spectra by irrep


def irrep_spectra(V: int, L: int, beta: float, seed: int) -> dict[str, Any]:
    """Spectra on all ``V^L`` sequences under an exchangeable (symmetrised) HMM mixture.

    Returns spectra of the identity-attention and ReLU kernels, the kernels' invariance error
    under simultaneous permutations, a no-positions control (``beta = 0``) and a
    non-exchangeable control (the raw HMM mixture), where degeneracies should split.
    """
    T = sq.enumerate_sequences(V, L)
    mix = sq.random_hmm_mixture(V, seed=seed + 11)
    raw = mix.probabilities(T)
    mu = sq.symmetrized_probabilities(raw, V, L)
    rng = np.random.default_rng(seed + 12)
    out: dict[str, Any] = {"V": V, "L": L}
    for nl in ("identity", "relu"):
        kernel = _kernel(V, beta, nl)
        K = kernel(T, T)
        spec = sp.dense_spectrum(K, mu, V, L)
        # Controls: the same kernel plus a term that singles out position 0 (the symmetry broken
        # on purpose), and an MLP's NNGP on the flattened one-hot sequence (no attention).
        scale = 0.1 * float(np.mean(K))
        broken = K + scale * (T[:, :1] == T[:, :1].T)
        inv = inv_broken = 0.0
        for _ in range(5):  # both kernels' invariance from the same permuted evaluations
            Tp = T[:, rng.permutation(L)]
            Kp = kernel(Tp, Tp)
            inv = max(inv, float(np.abs(Kp - K).max()))
            inv_broken = max(
                inv_broken, float(np.abs(Kp + scale * (Tp[:, :1] == Tp[:, :1].T) - broken).max())
            )
        ctrl = sp.dense_spectrum(K, raw, V, L, label=False)
        spec_broken = sp.dense_spectrum(broken, mu, V, L)
        out[nl] = {
            "spectrum": _spectrum_summary(spec),
            "top_by_irrep": spec.top_by_irrep(),
            "invariance_error": inv / float(np.abs(K).max()),
            "degenerate_fraction": _degenerate_fraction(spec),
            "control_degenerate_fraction": _degenerate_fraction(ctrl),
            "control_eigenvalues": np.repeat(ctrl.eigenvalues, ctrl.multiplicities),
            "broken": {
                "spectrum": _spectrum_summary(spec_broken),
                "invariance_error": inv_broken / float(np.abs(broken).max()),
                "degenerate_fraction": _degenerate_fraction(spec_broken),
            },
        }
    no_pos = sp.dense_spectrum(_kernel(V, 0.0, "relu")(T, T), mu, V, L)
    out["no_positions"] = _spectrum_summary(no_pos)
    mlp = sp.dense_spectrum(mlp_nngp(T, T), mu, V, L)
    out["mlp"] = {"spectrum": _spectrum_summary(mlp), "top_by_irrep": mlp.top_by_irrep()}
    out["flat"] = {"spectrum": flat_spectrum(V, L)}
    return out


def flat_spectrum(V: int, L: int) -> dict[str, Any]:
    """The spectrum of a learner with no inductive bias: the kernel ``[t = t'] / mu(t)``, whose
    operator is the identity on ``L^2(mu)`` (a lookup table: every function is equally easy).

    One level per irrep, eigenvalue 1, multiplicity the isotypic dimension
    ``f^lambda * tensor_multiplicity(lambda, V)``; as a summary like :func:`irrep_spectra`'s
    (without eigenvectors), for the negative control of the comparison with the MLP.
    """
    irreps = sg.partitions(L, max_parts=V)
    mult = np.array([sg.irrep_dimension(lam) * sg.tensor_multiplicity(lam, V) for lam in irreps])
    return {
        "eigenvalues": np.ones(len(irreps)),
        "multiplicities": mult,
        "irreps": irreps,
        "purity": np.ones(len(irreps)),
        "trace": float(mult.sum()),
    }


def mlp_nngp(T1: np.ndarray, T2: np.ndarray) -> np.ndarray:
    """NNGP of a one-hidden-layer ``sqrt(2) ReLU`` MLP on the flattened one-hot sequence.

    The flattened one-hot vectors, scaled by ``1/sqrt(L)``, have unit norm and inner product the
    fraction of positions where two sequences agree; the kernel is the arc-cosine kernel of that.
    A learner without attention, as the negative control of the bias-towards-symmetry claim.
    """
    agree = (T1[:, None, :] == T2[None, :, :]).mean(-1)
    return kn.relu_expectation(np.ones_like(agree), np.ones_like(agree), agree)


def _degenerate_fraction(spec: sp.Spectrum) -> float:
    """Fraction of the nonzero eigenvalues that lie in a level of multiplicity > 1."""
    nz = spec.eigenvalues > 0
    m = spec.multiplicities[nz]
    return float(m[m > 1].sum() / m.sum())


# --------------------------------------------------------------------------- 3. learning curves


def learning_curves(
    L: int, beta: float, ridge: float, n_grid: list[int], n_seeds: int, seed: int
) -> dict[str, Any]:
    """Eigenlearning predictions vs empirical kernel regression, ``V = 2``, uniform tokens.

    Targets: Specht polynomials ``g_1, g_2, g_3`` (pure irreps ``(L-k, k)``) and the copy target
    ``s_0``; kernels (:data:`CURVE_KERNELS`): identity attention, identity attention + ReLU, and
    the MLP baseline on the flattened sequence.
    """
    T = sq.enumerate_sequences(2, L)
    mu = np.full(len(T), 2.0**-L)
    targets = {f"g{k}": specht_target(T, k) for k in (1, 2, 3)}
    targets["copy"] = 1.0 - 2.0 * T[:, 0]
    out: dict[str, Any] = {
        "L": L,
        "n": np.asarray(n_grid),
        "targets": list(targets),
        "kernels": list(CURVE_KERNELS),
    }
    for nl in CURVE_KERNELS:
        kernel = _kernel(2, beta, nl)
        spec = sp.binary_spectrum(kernel, L)
        weights = {f"g{k}": sp.specht_weights(spec, k) for k in (1, 2, 3)}
        weights["copy"] = sp.copy_weights(spec)
        theory = {
            name: lc.eigenlearning(spec.eigenvalues, w, n_grid, ridge, spec.multiplicities)
            for name, w in weights.items()
        }
        G = np.stack(list(targets.values()), axis=1)
        emp = lc.empirical_learning_curve(kernel(T, T), mu, G, n_grid, n_seeds, ridge, seed)
        some = next(iter(theory.values()))
        out[nl] = {
            "theory_learnability": {k: v.learnability for k, v in theory.items()},
            "theory_mse": {k: v.test_mse for k, v in theory.items()},
            "emp_learnability": {k: emp.learnability[..., i] for i, k in enumerate(targets)},
            "emp_mse": {k: emp.test_mse[..., i] for i, k in enumerate(targets)},
            "theory_sum_learnability": np.asarray(n_grid) - ridge / some.kappa,
            # samples to reach learnability 1/4 (inf: the kernel never learns that much)
            "n_quarter": {
                k: lc.samples_to_learn(spec.eigenvalues, w, 0.25, ridge, spec.multiplicities)
                for k, w in weights.items()
            },
            "emp_sum_learnability": emp.sum_learnabilities,
            "kappa": some.kappa,
        }
    return out


def network_learning_curves(
    L: int,
    beta: float,
    heads: int,
    n_grid: list[int],
    n_nets: int,
    sets_per_net: int,
    ridge: float,
    steps: int,
    seed: int,
) -> dict[str, Any]:
    """Learning curves of readout-trained finite linear-block networks (``V = 2``, uniform tokens).

    ``n_nets`` random networks; for every training-set size each network's readout is trained by
    gradient descent (:func:`biasbook.nets.gp_networks.train_readout_gd`) on ``sets_per_net`` fresh
    i.i.d. training sets, and its learnability of each target is computed exactly over all
    ``2^L`` sequences. Returns learnabilities of shape ``[n_nets * sets_per_net, len(n_grid)]``.
    """
    T = sq.enumerate_sequences(2, L)
    N = len(T)
    targets = {f"g{k}": specht_target(T, k) for k in (1, 2, 3)}
    targets["copy"] = 1.0 - 2.0 * T[:, 0]
    Y = np.stack(list(targets.values()), axis=1)  # [N, targets]
    cfg = kn.AttentionNetConfig(seq_len=L, d_in=2 + L, heads=heads, d_k=4, d_v=4)
    G = gn.empirical_grams(kn.embed_tokens(T, 2, beta), cfg, n_nets, seed=seed + 31)
    net_of = np.repeat(np.arange(n_nets), sets_per_net)  # the network behind each training set
    reps = len(net_of)
    rng = np.random.default_rng(seed + 32)
    n_t = Y.shape[1]
    learn = np.zeros((reps, len(n_grid), n_t))
    opt = np.zeros(len(n_grid))
    for c, n in enumerate(n_grid):
        idx = rng.integers(0, N, size=(reps, n))  # uniform measure: i.i.d. uniform indices
        Ktr = np.stack([G[b][np.ix_(i, i)] for b, i in zip(net_of, idx, strict=True)])
        # Train every (training set, target) pair as one batch.
        alpha, err = gn.train_readout_gd(
            np.repeat(Ktr, n_t, axis=0), np.concatenate([Y[i].T for i in idx]), ridge, steps
        )
        opt[c] = err.max()
        alpha = alpha.reshape(reps, n_t, n)
        cross = np.stack([G[b][:, i] for b, i in zip(net_of, idx, strict=True)])  # [reps, N, n]
        f = np.einsum("bNn,btn->bNt", cross, alpha)
        learn[:, c] = np.einsum("bNt,Nt->bt", f, Y) / np.einsum("Nt,Nt->t", Y, Y)
    return {
        "n": np.asarray(n_grid),
        "heads": heads,
        "targets": list(targets),
        "learnability": {k: learn[..., i] for i, k in enumerate(targets)},
        "opt_error": opt,
    }


def hmm_learning_curves(
    V: int,
    L: int,
    beta: float,
    ridge: float,
    n_grid: list[int],
    n_seeds: int,
    seed: int,
    lengths: list[int],
    theta: float = 0.25,
) -> dict[str, Any]:
    """Learning curves and ``n_theta(L)`` on the paper's kind of data: the exchangeable
    (position-symmetrised) mixture of HMMs of :func:`irrep_spectra`, ``V >= 3`` tokens.

    Dense route: every ``V^L`` sequence with its exact probability, the kernel operator
    diagonalised (:func:`biasbook.maths.spectra.dense_spectrum`). At length ``L``: eigenlearning
    against kernel regression on i.i.d. draws from the mixture, for the Specht targets (with the
    contrast ``[t = 0] - [t = 1]``) and the copy target, for every kernel of
    :data:`CURVE_KERNELS`. At every length in ``lengths``: ``n_theta`` of each Specht target, in the
    format of :func:`scaling_law`'s ``theory`` (so the chapter's collapse test applies).
    """
    mix = sq.random_hmm_mixture(V, seed=seed + 11)  # the mixture of the spectra section
    T = sq.enumerate_sequences(V, L)
    mu = sq.symmetrized_probabilities(mix.probabilities(T), V, L)
    ks = [k for k in (1, 2, 3) if 2 * k <= L]
    targets = {f"g{k}": specht_target(T, k) for k in ks}
    targets["copy"] = token_contrast(T[:, 0])
    G = np.stack(list(targets.values()), axis=1)
    out: dict[str, Any] = {
        "V": V,
        "L": L,
        "n": np.asarray(n_grid),
        "targets": list(targets),
        "kernels": list(CURVE_KERNELS),
    }
    for nl in CURVE_KERNELS:
        K = _kernel(V, beta, nl)(T, T)
        spec = sp.dense_spectrum(K, mu, V, L, label=False)
        theory = {
            name: lc.eigenlearning(
                spec.eigenvalues,
                sp.dense_target_weights(spec, g, mu, V, L),
                n_grid,
                ridge,
                spec.multiplicities,
            )
            for name, g in targets.items()
        }
        emp = lc.empirical_learning_curve(K, mu, G, n_grid, n_seeds, ridge, seed + 40)
        out[nl] = {
            "theory_learnability": {k: v.learnability for k, v in theory.items()},
            "emp_learnability": {k: emp.learnability[..., i] for i, k in enumerate(targets)},
        }
    scaling: dict[str, Any] = {}
    for nl in ("identity", "relu", "mlp"):
        res: dict[str, Any] = {"ks": [1, 2], "theta": theta, "theory": {}}
        for Lx in lengths:
            Tx = sq.enumerate_sequences(V, Lx)
            mux = sq.symmetrized_probabilities(mix.probabilities(Tx), V, Lx)
            spec = sp.dense_spectrum(_kernel(V, beta, nl)(Tx, Tx), mux, V, Lx, label=False)
            for k in res["ks"]:
                w = sp.dense_target_weights(spec, specht_target(Tx, k), mux, V, Lx)
                res["theory"][(Lx, k)] = {
                    "f": sg.irrep_dimension((Lx - k, k)),
                    "n_theta": lc.samples_to_learn(
                        spec.eigenvalues, w, theta, ridge, spec.multiplicities
                    ),
                }
        scaling[nl] = res
    out["scaling"] = scaling
    return out


# --------------------------------------------------------------------------- 4. scaling law


def scaling_law(
    lengths_empirical: list[int],
    lengths_theory: list[int],
    ks: list[int],
    x_grid: list[float],
    beta: float,
    ridge: float,
    nonlinearity: str,
    n_seeds: int,
    seed: int,
    theta: float = 0.25,
) -> dict[str, Any]:
    """Learnability of Specht targets ``g_k`` against ``n / f^{(L-k, k)}`` for several ``L``.

    Theory (eigenlearning on the symmetry-reduced spectrum) for every length in
    ``lengths_theory``, with the sample size ``n_theta`` at which the learnability reaches
    ``theta`` (:func:`biasbook.maths.learning_curves.samples_to_learn`; the scaling law is a law for
    it); empirical kernel regression (exact enumeration, ``V = 2``, uniform tokens) for
    ``lengths_empirical``. Training-set sizes are ``n = round(x f^lambda)`` (at least 1).
    """
    kernel = _kernel(2, beta, nonlinearity)
    x_dense = np.geomspace(min(x_grid) / 2, max(x_grid) * 2, 60)
    out: dict[str, Any] = {
        "ks": ks,
        "x_grid": np.asarray(x_grid),
        "theta": theta,
        "theory": {},
        "empirical": {},
    }
    for L in sorted(set(lengths_theory) | set(lengths_empirical)):
        spec = sp.binary_spectrum(kernel, L)
        T = sq.enumerate_sequences(2, L) if L in lengths_empirical else None
        K = kernel(T, T) if T is not None else None
        for k in ks:
            f = sg.irrep_dimension((L - k, k))
            w = sp.specht_weights(spec, k)
            n_dense = np.maximum(x_dense * f, 1.0)
            th = lc.eigenlearning(spec.eigenvalues, w, n_dense, ridge, spec.multiplicities)
            n_pts = np.maximum(np.rint(np.asarray(x_grid) * f), 1).astype(int)
            th_pts = lc.eigenlearning(spec.eigenvalues, w, n_pts, ridge, spec.multiplicities)
            # Share of the kernel's trace in irreps with more than k boxes below the first row,
            # and in the target's irrep: they set how close the bound comes (see the chapter).
            deeper = sum(
                e * m
                for e, m, lam in zip(
                    spec.eigenvalues, spec.multiplicities, spec.irreps, strict=True
                )
                if sg.boxes_below_first_row(lam) > k
            )
            own = sum(
                e * m
                for e, m, lam in zip(
                    spec.eigenvalues, spec.multiplicities, spec.irreps, strict=True
                )
                if lam == (L - k, k)
            )
            in_irrep = [i for i, lam in enumerate(spec.irreps) if lam == (L - k, k)]
            top = in_irrep[int(np.argmax(spec.eigenvalues[in_irrep]))]
            out["theory"][(L, k)] = {
                "f": f,
                "top_level_share": float(w[top] / w.sum()),
                "x_dense": n_dense / f,
                "learnability_dense": th.learnability,
                "n": n_pts,
                "learnability": th_pts.learnability,
                "n_theta": lc.samples_to_learn(
                    spec.eigenvalues, w, theta, ridge, spec.multiplicities
                ),
                "deeper_weight": deeper,
                "own_weight": own,
            }
            if K is not None:
                mu = np.full(len(T), 2.0**-L)
                emp = lc.empirical_learning_curve(
                    K, mu, specht_target(T, k), n_pts, n_seeds, ridge, seed + 1000 * L + k
                )
                out["empirical"][(L, k)] = {
                    "f": f,
                    "n": n_pts,
                    "mean": emp.learnability.mean(0),
                    "se": emp.learnability.std(0, ddof=1) / np.sqrt(n_seeds),
                }
    return out


def wrong_normalisations(L: int, k: int) -> dict[str, float]:
    """Sample-size normalisations for which the scaling law is false (controls of the collapse;
    the law itself is ``n / f^lambda``).

    ``L^(k-1)`` and ``L^(k+1)`` are a power off the irrep dimension ``f ~ L^k/k!``, ``L^k log L`` a
    logarithm off.
    """
    return {
        "n/L^(k−1)": float(L ** (k - 1)),
        "n/L^(k+1)": float(L ** (k + 1)),
        "n/(L^k log L)": float(L**k * np.log(L)),
    }


# --------------------------------------------------------------------------- 5. finite networks


def _network_data(
    V: int, L: int, n_train: int, n_test: int, seed: int
) -> tuple[np.ndarray, dict[str, np.ndarray], Any]:
    """Training sequences, the four test sets and the target of the finite-network experiments.

    Training data: an exchangeable (position-symmetrised) HMM mixture. Test sets: the same
    distribution, the raw (ordered) HMM mixture, i.i.d. uniform tokens, and a different HMM
    mixture. Target: which component generated the sequence, ``y = 2 P(component 0 | t) - 1`` under
    the training mixture's components read as ordered HMMs (a smooth label in ``[-1, 1]``).
    """
    mix = sq.random_hmm_mixture(V, n_components=3, n_states=3, seed=seed + 21)
    other = sq.random_hmm_mixture(V, n_components=3, n_states=3, seed=seed + 22)
    train = sq.symmetrize(mix.sample(n_train, L, seed=seed + 23), seed=seed + 24)
    tests = {
        "train distribution (symmetrised HMMs)": sq.symmetrize(
            mix.sample(n_test, L, seed=seed + 25), seed=seed + 26
        ),
        "raw HMM mixture (OOD)": mix.sample(n_test, L, seed=seed + 27),
        "i.i.d. uniform tokens (OOD)": np.random.default_rng(seed + 28).integers(0, V, (n_test, L)),
        "another HMM mixture (OOD)": other.sample(n_test, L, seed=seed + 29),
    }

    def target(T: np.ndarray) -> np.ndarray:
        return 2.0 * mix.posterior(T)[:, 0] - 1.0

    return train, tests, target


def finite_networks(
    V: int,
    L: int,
    beta: float,
    n_train: int,
    n_test: int,
    heads: list[int],
    n_nets: int,
    ridge: float,
    steps: int,
    seed: int,
) -> dict[str, Any]:
    """Readout-trained finite attention networks vs the GP posterior mean, in and out of
    distribution.

    Training data: an exchangeable (position-symmetrised) HMM mixture. Test sets: the same
    distribution, the raw (ordered) HMM mixture, i.i.d. uniform tokens, and a different HMM mixture.
    Target: which component generated the sequence, ``y = 2 P(component 0 | t) - 1`` under the
    training mixture's components read as ordered HMMs (a smooth label in ``[-1, 1]``).
    """
    train, tests, target = _network_data(V, L, n_train, n_test, seed)
    T_all = np.concatenate([train, *tests.values()])
    y_train = target(train)
    K = kn.onehot_attention_nngp(T_all, T_all, V, beta)
    f_gp = gn.gp_posterior_mean(K[:n_train, :n_train], K[n_train:, :n_train], y_train, ridge)
    # Control: the posterior mean of another kernel (the ReLU block's), which these networks do
    # not converge to: their deviation from it must stop shrinking.
    K_w = kn.onehot_attention_nngp(T_all, T_all, V, beta, nonlinearity="relu")
    f_wrong = gn.gp_posterior_mean(K_w[:n_train, :n_train], K_w[n_train:, :n_train], y_train, ridge)
    X = kn.embed_tokens(T_all, V, beta)
    sl = {name: slice(i * n_test, (i + 1) * n_test) for i, name in enumerate(tests)}
    y_test = {name: target(T) for name, T in tests.items()}
    res: dict[str, Any] = {
        "heads": np.asarray(heads),
        "tests": list(tests),
        "gp_mse": {n: float(np.mean((f_gp[s] - y_test[n]) ** 2)) for n, s in sl.items()},
        "deviation": {n: np.zeros((len(heads), n_nets)) for n in tests},
        "deviation_wrong": {n: np.zeros((len(heads), n_nets)) for n in tests},
        "wrong_gp_mse": {n: float(np.mean((f_wrong[s] - y_test[n]) ** 2)) for n, s in sl.items()},
        "net_mse": {n: np.zeros((len(heads), n_nets)) for n in tests},
        "opt_error": np.zeros((len(heads), n_nets)),
    }
    for h, H in enumerate(heads):
        cfg = kn.AttentionNetConfig(seq_len=L, d_in=V + L, heads=H, d_k=4, d_v=4)
        G = gn.empirical_grams(X, cfg, n_nets, seed=seed + 100 * H)
        alpha, err = gn.train_readout_gd(
            G[:, :n_train, :n_train], np.tile(y_train, (n_nets, 1)), ridge, steps
        )
        f_net = np.einsum("bmn,bn->bm", G[:, n_train:, :n_train], alpha)
        res["opt_error"][h] = err
        for name, s in sl.items():
            diff = f_net[:, s] - f_gp[s]
            rms_gp = np.sqrt(np.mean(f_gp[s] ** 2))
            res["deviation"][name][h] = np.sqrt(np.mean(diff**2, axis=1)) / rms_gp
            diff_w = f_net[:, s] - f_wrong[s]
            res["deviation_wrong"][name][h] = np.sqrt(np.mean(diff_w**2, axis=1)) / rms_gp
            res["net_mse"][name][h] = np.mean((f_net[:, s] - y_test[name]) ** 2, axis=1)
        if h == len(heads) - 1:
            res["scatter"] = {n: (f_gp[s], f_net[0, s]) for n, s in sl.items()}
    return res


def trained_networks(
    V: int,
    L: int,
    beta: float,
    n_train: int,
    n_test: int,
    heads: list[int],
    n_nets: int,
    steps: int,
    seed: int,
) -> dict[str, Any]:
    """Linear-block networks with *every* weight trained by gradient descent on the MSE, against
    the kernel prediction, in and out of distribution (data of :func:`_network_data`).

    For each number of heads ``H`` (channels ``N = H``), ``n_nets`` centred networks
    (:mod:`biasbook.nets.trained_block`) train for ``steps`` full-batch steps with the step size
    ``lr = 1 / max eigenvalue of (2/n) 5K`` (half the stability edge) of the larger of the linear
    and ReLU blocks' kernels. Predictions: gradient descent with the fixed kernel ``5 K`` of the
    linear block (its expected tangent kernel); for the negative controls, gradient descent with
    ``K`` alone (readout-only learning, five times slower) and the ridgeless GP posterior mean
    ``K_xX K_XX^+ y`` that kernel descent approaches as training goes on. Also the final training
    loss of every network.
    """
    train, tests, target = _network_data(V, L, n_train, n_test, seed)
    T_all = np.concatenate([train, *tests.values()])
    y = target(train)
    n = n_train
    K = {nl: kn.onehot_attention_nngp(T_all, T_all, V, beta, nl) for nl in ("identity", "relu")}
    Theta = {nl: tb.LINEAR_GROUPS * k for nl, k in K.items()}
    top = max(np.linalg.eigvalsh(2.0 / n * t[:n, :n]).max() for t in Theta.values())
    lr = 1.0 / top
    # What the networks should follow (5 K), and what one whose readout alone learned would
    # follow: the kernel K, a fifth of 5 K.
    K_lin = K["identity"]
    pred = {
        "identity": kernel_descent(
            Theta["identity"][:n, :n], Theta["identity"][n:, :n], y, lr, steps
        )[1],
        "readout": kernel_descent(K_lin[:n, :n], K_lin[n:, :n], y, lr, steps)[1],
    }
    gp_mean = K_lin[n:, :n] @ np.linalg.lstsq(K_lin[:n, :n], y, rcond=1e-10)[0]
    sl = {name: slice(i * n_test, (i + 1) * n_test) for i, name in enumerate(tests)}
    X_all = kn.embed_tokens(T_all, V, beta)

    def rel(f: np.ndarray, ref: np.ndarray) -> np.ndarray:
        return np.sqrt(np.mean((f - ref) ** 2, axis=-1)) / np.sqrt(np.mean(ref**2))

    res: dict[str, Any] = {
        "heads": np.asarray(heads),
        "tests": list(tests),
        "lr": lr,
        "steps": steps,
        "n_train": n,
        "kernel_vs_gp": {k: float(rel(pred["identity"][s], gp_mean[s])) for k, s in sl.items()},
        "deviation": {k: np.zeros((len(heads), n_nets)) for k in tests},
        "deviation_readout": {k: np.zeros((len(heads), n_nets)) for k in tests},
        "deviation_gp": {k: np.zeros((len(heads), n_nets)) for k in tests},
        "train_loss": np.zeros((len(heads), n_nets)),
    }
    for h, H in enumerate(heads):
        cfg = kn.AttentionNetConfig(seq_len=L, d_in=V + L, heads=H, d_k=4, d_v=4, width=H)
        out, loss = tb.train_all_weights(
            X_all[:n], y, X_all[n:], cfg, n_nets, lr, steps, seed + 300 + H
        )
        res["train_loss"][h] = loss
        for name, s in sl.items():
            res["deviation"][name][h] = rel(out[:, s], pred["identity"][s])
            res["deviation_readout"][name][h] = rel(out[:, s], pred["readout"][s])
            res["deviation_gp"][name][h] = rel(out[:, s], gp_mean[s])
    return res


def gp_sample_curve(
    V: int, L: int, beta: float, ridge: float, n_grid: list[int], n_test: int, seed: int
) -> dict[str, Any]:
    """Test error of the GP posterior mean against the training-set size, up to the paper's 8,000
    samples, on the four test sets of the finite-network experiments (nested training sets: the
    first ``n`` of one draw of ``max(n_grid)``). Also the mean squared target, the error of the
    zero predictor."""
    n_max = max(n_grid)
    train, tests, target = _network_data(V, L, n_max, n_test, seed)
    y = target(train)
    T_test = np.concatenate(list(tests.values()))
    y_test = target(T_test)
    K_tr = kn.onehot_attention_nngp(train, train, V, beta)
    K_te = kn.onehot_attention_nngp(T_test, train, V, beta)
    sl = {name: slice(i * n_test, (i + 1) * n_test) for i, name in enumerate(tests)}
    mse = {name: np.zeros(len(n_grid)) for name in tests}
    for c, n in enumerate(n_grid):
        f = gn.gp_posterior_mean(K_tr[:n, :n], K_te[:, :n], y[:n], ridge)
        for name, s_ in sl.items():
            mse[name][c] = float(np.mean((f[s_] - y_test[s_]) ** 2))
    return {
        "n": np.asarray(n_grid),
        "tests": list(tests),
        "mse": mse,
        "null_mse": {name: float(np.mean(y_test[s_] ** 2)) for name, s_ in sl.items()},
    }


def universal_learnability(x: np.ndarray, r: float) -> np.ndarray:
    """Solve ``x = l + r l / (1 - l)`` for ``l`` in ``[0, 1)``: the large-``L`` learnability curve.

    Our derivation (not the paper's), for a target in one eigen-level of irrep ``lambda``: once the
    more symmetric irreps are learned (they hold ``o(f^lambda)`` modes), eigenlearning's equation
    for ``kappa`` reads ``n = f l + C / kappa`` with ``l = eta / (eta + kappa)`` and ``C`` the trace
    weight of the deeper irreps plus the ridge. With ``x = n / f`` and ``r = C / (f eta)`` this is
    ``x = l + r l / (1 - l)``, i.e. ``l^2 - (1 + x + r) l + x = 0``; the smaller root is the one in
    ``[0, 1)``. ``r -> 0`` gives the bound ``l = min(1, x)``.
    """
    x = np.asarray(x, dtype=float)
    b = 1.0 + x + r
    return (b - np.sqrt(b * b - 4.0 * x)) / 2.0
