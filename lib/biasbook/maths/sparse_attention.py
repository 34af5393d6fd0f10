"""An explicit bounded-norm self-attention head that computes an s-sparse Boolean function.

Edelman, Goel, Kakade & Zhang (2022) show that a single attention head with positional embeddings
can *create a sparse variable*: attend to the ``s`` relevant positions of a length-``T`` sequence
and pass what it reads to a small MLP, with weight norms that grow only like ``log T``. This
module builds such a head explicitly (the construction below is ours, in the spirit of the
paper's) and certifies that it is exact.

The head (all weights in float64)
---------------------------------
Embedding width ``d = 3 + d_pos``: coordinates 0/1 one-hot encode the bit, coordinate 2 flags the
``[CLS]`` token, the remaining ``d_pos`` hold the position embedding. Token ``t`` of the sequence
is ``h_t = E[x_t] + P[t]``, the ``[CLS]`` token is ``z = e_2`` and attends over ``(z, h_1..h_T)``:

* query ``W_Q = e_2`` (reads the ``[CLS]`` flag), key ``W_K = (0, 0, 0, k)`` (reads the
  position), so the score of position ``t`` is ``<p_t, k>`` and that of ``[CLS]`` is 0;
* ``k`` is chosen so that the relevant positions score ``R + gamma_j`` exactly; with one-hot
  positions the others score 0, with near-orthogonal random positions (``d_pos = O(s log T)``)
  they score ``<p_t, k>``, small compared with ``R``;
* value ``W_V = e_1`` reads the bit, so the head outputs ``y = sum_t alpha_t x_t``.

If the softmax put all its mass on the support, ``y`` would be ``sum_j w_j x_{i_j}`` with
``w_j = exp(gamma_j) / sum exp(gamma)``. Two *encodings* make this value identify the pattern:

* ``"count"`` (symmetric targets): ``gamma = 0``, ``y = (number of ones) / s`` on the grid
  ``{0, 1/s, ..., 1}``;
* ``"binary"`` (any target): ``gamma_j = j log 2``, ``y = (sum_j 2**j x_{i_j}) / (2**s - 1)``, the
  pattern read as a binary number, on the grid ``{k / (2**s - 1)}``.

A two-layer ReLU MLP with a flat-topped step at every grid midpoint (two ReLUs per step, slopes
``2N`` for a grid of ``N`` intervals) maps ``y`` to ``g(grid value)`` exactly as long as ``y`` is
within ``tau = 1 / (4N)`` of the grid point. Its norms depend on ``s`` only: ``O(s)`` for counts,
``2**O(s)`` for binary codes, matching the paper's ``poly(s)`` / ``2**O(s)`` statements.

Why the attention scale must grow like ``log T``: the positions outside the support leak softmax
mass ``Z_out / (Z_in + Z_out)`` with ``Z_in ~ s exp(R)`` and ``Z_out ~ T``, so keeping the leak
below ``tau`` needs ``R >~ log(T / tau)``. :func:`certified_error` computes the worst leak over
*all* ``2**T`` inputs exactly from ``2**(s+1)`` of them (the output is monotone in every
irrelevant bit), and :func:`min_score_scale` finds the smallest ``R`` that keeps it below a
target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from biasbook.maths.sparse_tasks import all_inputs, check_sizes, truth_table

Encoding = Literal["count", "binary"]
Positional = Literal["onehot", "random"]

#: Fraction of the decoding tolerance that the default score scale leaves for leaked attention.
DEFAULT_LEAK_FRACTION = 0.5


@dataclass(frozen=True)
class SparseHead:
    """Weights of the explicit sparse-variable head and its read-out MLP.

    Attributes
    ----------
    T, support
        Sequence length and the relevant positions (in the order that defines the binary code).
    table
        ``float64[2**s]``: the target's value on pattern ``k``
        (bit ``j`` of ``k`` is ``x[support[j]]``).
    encoding
        ``"count"`` or ``"binary"`` (see the module docstring).
    positional
        ``"onehot"`` (``d_pos = T``) or ``"random"`` (``d_pos`` random sign vectors / sqrt(d_pos)).
    score_scale
        ``R``: the attention score of the support (plus the offsets ``gamma``).
    tok_emb, cls, W_Q, W_K, W_V
        ``[2, d]``, ``[d]``, ``[d, 1]``, ``[d, 1]``, ``[d, 1]``.
    W1, b1, W2, b2
        Read-out MLP ``relu(y W1 + b1) W2 + b2``: ``[1, H]``, ``[H]``, ``[H, 1]``, ``[1]``.
    grid
        ``float64[N + 1]``: the values ``y`` takes when attention is exactly on the support.
    pos_emb
        ``[T, d]`` for random positions; ``None`` for one-hot (``P = [0 | I_T]``, not stored).
    """

    T: int
    support: tuple[int, ...]
    table: np.ndarray
    encoding: Encoding
    positional: Positional
    score_scale: float
    gamma: np.ndarray
    tok_emb: np.ndarray
    cls: np.ndarray
    W_Q: np.ndarray
    W_K: np.ndarray
    W_V: np.ndarray
    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray
    grid: np.ndarray
    pos_emb: np.ndarray | None = field(default=None, repr=False)

    @property
    def s(self) -> int:
        """Number of relevant positions."""
        return len(self.support)

    @property
    def d(self) -> int:
        """Embedding width ``3 + d_pos``."""
        return self.tok_emb.shape[1]

    @property
    def tolerance(self) -> float:
        """``tau = 1 / (4N)``: the read-out MLP is exact when ``|y - grid value| <= tau``."""
        return 0.25 / (len(self.grid) - 1)

    def position_embeddings(self) -> np.ndarray:
        """The ``[T, d]`` position table (builds ``[0 | I_T]`` for one-hot: small ``T`` only)."""
        if self.pos_emb is not None:
            return self.pos_emb
        P = np.zeros((self.T, self.d))
        P[:, 3:] = np.eye(self.T)
        return P

    def position_keys(self) -> np.ndarray:
        """``P W_K``: the (query-independent) key of every position, ``float64[T, 1]``."""
        if self.pos_emb is None:
            return self.W_K[3:]  # P = [0 | I_T]
        return self.pos_emb @ self.W_K

    def position_values(self) -> np.ndarray:
        """``P W_V``, ``float64[T, 1]``."""
        if self.pos_emb is None:
            return self.W_V[3:]
        return self.pos_emb @ self.W_V


def _check_support(T: int, support: tuple[int, ...] | list[int] | np.ndarray) -> tuple[int, ...]:
    support = tuple(int(i) for i in support)
    check_sizes(T, len(support))
    if len(set(support)) != len(support):
        raise ValueError(f"support positions must be distinct, got {support}")
    if min(support) < 0 or max(support) >= T:
        raise ValueError(f"support positions must lie in [0, {T}), got {support}")
    return support


def _as_table(target: str | np.ndarray, s: int) -> np.ndarray:
    if isinstance(target, str):
        return truth_table(target, s).astype(np.float64)
    table = np.asarray(target, dtype=np.float64).ravel()
    if table.shape != (2**s,):
        raise ValueError(
            f"a truth table for s={s} bits needs 2**s={2**s} entries, got {table.size}"
        )
    return table


def is_symmetric(table: np.ndarray) -> bool:
    """True if the truth table depends on its pattern only through the number of ones."""
    s = int(np.log2(table.size))
    counts = all_inputs(s).sum(axis=1)
    return all(np.ptp(table[counts == c]) == 0 for c in range(s + 1))


def staircase_mlp(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Two-layer ReLU MLP equal to ``levels[k]`` on ``[k/N - 1/(4N), k/N + 1/(4N)]``.

    ``N = len(levels) - 1``.

    A step of height ``levels[k] - levels[k-1]`` rises linearly on ``[(k - 3/4)/N, (k - 1/4)/N]``:
    ``relu(2N (y - c_k) + 1/2) - relu(2N (y - c_k) - 1/2)`` with ``c_k = (k - 1/2)/N``. Steps of
    height 0 are left out, so e.g. AND of ``s`` bits in count encoding needs two hidden units.

    Returns
    -------
    W1, b1, W2, b2
        ``[1, H]``, ``[H]``, ``[H, 1]``, ``[1]`` with ``H = 2 * (number of nonzero steps)``.
    """
    levels = np.asarray(levels, dtype=np.float64)
    n = len(levels) - 1
    if n < 1:
        raise ValueError("a staircase needs at least two levels")
    w1, b1, w2 = [], [], []
    for k in range(1, n + 1):
        jump = levels[k] - levels[k - 1]
        if jump == 0:
            continue
        c = (k - 0.5) / n
        for offset, sign in ((0.5, 1.0), (-0.5, -1.0)):
            w1.append(2.0 * n)
            b1.append(-2.0 * n * c + offset)
            w2.append(sign * jump)
    if not w1:  # a constant target: keep one dead unit so the shapes stay uniform
        w1, b1, w2 = [0.0], [0.0], [0.0]
    return (
        np.array(w1)[None, :],
        np.array(b1),
        np.array(w2)[:, None],
        np.array([levels[0]]),
    )


def _position_matrix(T: int, d_pos: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng([seed, T, d_pos, 0xE5])
    return (2.0 * rng.integers(0, 2, size=(T, d_pos)) - 1.0) / np.sqrt(d_pos)


def default_d_pos(T: int, s: int) -> int:
    """Width of random position embeddings, ``ceil(8 s ln T)`` (at least ``s + 1``).

    For random sign vectors the off-support scores are sub-Gaussian with variance ``~ s R**2 / d``;
    ``d = 8 s ln T`` keeps their maximum over ``T`` positions near ``R / 2``, so the gap grows with
    ``R`` (our choice of constant).
    """
    return max(s + 1, int(np.ceil(8 * s * np.log(max(T, 2)))))


def build_sparse_head(
    target: str | np.ndarray,
    T: int,
    support: tuple[int, ...] | list[int] | np.ndarray,
    *,
    encoding: Encoding | None = None,
    positional: Positional = "onehot",
    d_pos: int | None = None,
    score_scale: float | None = None,
    leak_fraction: float = DEFAULT_LEAK_FRACTION,
    seed: int = 0,
) -> SparseHead:
    """Build the explicit head computing ``target(x[support])`` on length-``T`` sequences.

    Parameters
    ----------
    target
        A name (``"and"``, ``"majority"``, ``"parity"``) or a truth table of ``2**s`` values
        (entry ``k``: the value on the pattern with bit ``j`` = ``(k >> j) & 1``).
    T
        Sequence length.
    support
        The ``s`` relevant positions, ``1 <= s <= T``.
    encoding
        ``"count"`` (symmetric targets only) or ``"binary"``; default: count if the table is
        symmetric, else binary.
    positional
        ``"onehot"`` or ``"random"`` (near-orthogonal, width ``d_pos``).
    d_pos
        Width of random position embeddings (default :func:`default_d_pos`).
    score_scale
        ``R``; default: the smallest ``R`` whose certified worst-case error is at most
        ``leak_fraction * tau`` (:func:`min_score_scale`).
    leak_fraction
        See ``score_scale``; must lie in ``(0, 1)`` for the default to be exact with margin.
    seed
        Seeds the random position embeddings.
    """
    make = _builder(target, T, support, encoding, positional, d_pos, seed)
    if score_scale is None:
        if not 0.0 < leak_fraction < 1.0:
            raise ValueError(f"leak_fraction must lie in (0, 1), got {leak_fraction}")
        target_err = leak_fraction * make(0.0).tolerance
        score_scale = _bisect_scale(lambda R: certified_error(make(R)), target_err)
    return make(float(score_scale))


def _builder(
    target: str | np.ndarray,
    T: int,
    support: tuple[int, ...] | list[int] | np.ndarray,
    encoding: Encoding | None,
    positional: Positional,
    d_pos: int | None,
    seed: int,
) -> Callable[[float], SparseHead]:
    """Validate the arguments once; return ``R -> SparseHead`` (only ``W_K`` depends on ``R``)."""
    support = _check_support(T, support)
    s = len(support)
    table = _as_table(target, s)
    symmetric = is_symmetric(table)
    if encoding is None:
        encoding = "count" if symmetric else "binary"
    if encoding == "count":
        if not symmetric:
            raise ValueError("the 'count' encoding needs a symmetric target; use 'binary'")
        gamma = np.zeros(s)
        # level k = value on any pattern with k ones (the lowest k bits set)
        levels = table[(1 << np.arange(s + 1)) - 1]
    elif encoding == "binary":
        gamma = np.arange(s) * np.log(2.0)
        levels = table
    else:
        raise ValueError(f"encoding must be 'count' or 'binary', got {encoding!r}")
    n_grid = len(levels) - 1
    grid = np.arange(n_grid + 1) / n_grid

    if positional == "onehot":
        d_pos_eff, P = T, None
    elif positional == "random":
        d_pos_eff = default_d_pos(T, s) if d_pos is None else int(d_pos)
        if d_pos_eff < s:
            raise ValueError(f"d_pos={d_pos_eff} < s={s}: the support keys cannot be independent")
        P = _position_matrix(T, d_pos_eff, seed)
    else:
        raise ValueError(f"positional must be 'onehot' or 'random', got {positional!r}")
    d = 3 + d_pos_eff
    pos_emb = None if P is None else np.hstack([np.zeros((T, 3)), P])

    tok_emb = np.zeros((2, d))
    tok_emb[0, 0] = tok_emb[1, 1] = 1.0
    cls = np.zeros(d)
    cls[2] = 1.0
    W_Q = np.zeros((d, 1))
    W_Q[2, 0] = 1.0
    W_V = np.zeros((d, 1))
    W_V[1, 0] = 1.0
    W1, b1, W2, b2 = staircase_mlp(levels)

    # key direction a and offset b with <p_{i_j}, R a + b> = R + gamma_j exactly (least-norm
    # solution; for one-hot positions simply R + gamma_j at the support coordinates)
    if P is None:
        a = np.zeros(d_pos_eff)
        b = np.zeros(d_pos_eff)
        a[list(support)] = 1.0
        b[list(support)] = gamma
    else:
        PI = P[list(support)]
        a = np.linalg.lstsq(PI, np.ones(s), rcond=None)[0]
        b = np.linalg.lstsq(PI, gamma, rcond=None)[0]
        off = np.setdiff1d(np.arange(T), support)
        if off.size and np.max(P[off] @ a) >= 1.0:
            raise ValueError(
                f"random positions of width d_pos={d_pos_eff} are too coherent to separate the "
                "support from the rest at any scale; increase d_pos"
            )

    def make(R: float) -> SparseHead:
        W_K = np.zeros((d, 1))
        W_K[3:, 0] = R * a + b
        return SparseHead(
            T=int(T),
            support=support,
            table=table,
            encoding=encoding,
            positional=positional,
            score_scale=float(R),
            gamma=gamma,
            tok_emb=tok_emb,
            cls=cls,
            W_Q=W_Q,
            W_K=W_K,
            W_V=W_V,
            W1=W1,
            b1=b1,
            W2=W2,
            b2=b2,
            grid=grid,
            pos_emb=pos_emb,
        )

    return make


def _bisect_scale(error_of, target: float, rel_tol: float = 1e-10) -> float:
    """Smallest ``R >= 0`` with ``error_of(R) <= target`` (``error_of`` decreasing in ``R``)."""
    lo, hi = 0.0, 1.0
    if error_of(lo) <= target:
        return lo
    while error_of(hi) > target:
        lo, hi = hi, 2.0 * hi
        if hi > 1e6:
            raise RuntimeError("no attention scale up to 1e6 reaches the target error")
    while hi - lo > rel_tol * hi:
        mid = 0.5 * (lo + hi)
        if error_of(mid) <= target:
            hi = mid
        else:
            lo = mid
    return hi


def attention_weights(head: SparseHead, X: np.ndarray | None = None) -> np.ndarray:
    """Softmax weights of the ``[CLS]`` query over ``([CLS], x_1..x_T)``.

    With ``X`` (``[n, T]`` bits) returns ``[n, T + 1]``; without, the weights for the
    bit-independent scores of this construction, ``[T + 1]`` (token embeddings have no key part).
    """
    q = float(head.cls @ head.W_Q[:, 0])
    scores_pos = q * head.position_keys()[:, 0]  # [T]
    if X is not None:
        X = _check_inputs(head, X)
        scores_pos = scores_pos[None, :] + q * (head.tok_emb @ head.W_K)[X, 0]
    scores_cls = q * float(head.cls @ head.W_K[:, 0]) * np.ones(scores_pos.shape[:-1] + (1,))
    scores = np.concatenate([scores_cls, scores_pos], axis=-1)
    scores = scores - scores.max(axis=-1, keepdims=True)
    w = np.exp(scores)
    return w / w.sum(axis=-1, keepdims=True)


def _check_inputs(head: SparseHead, X: np.ndarray) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != head.T:
        raise ValueError(f"inputs must have shape [n, T={head.T}], got {X.shape}")
    if X.size and (X.min() < 0 or X.max() > 1):
        raise ValueError("inputs must be bits in {0, 1}")
    return X.astype(np.int64)


def created_variable(head: SparseHead, X: np.ndarray) -> np.ndarray:
    """The attention output ``y = sum_t alpha_t v_t`` (the created variable), ``float64[n]``.

    Computed with the head's weight matrices: keys and values are ``E[x_t] W + P[t] W``.
    """
    X = _check_inputs(head, X)
    alpha = attention_weights(head, X)  # [n, T + 1]
    v_tok = (head.tok_emb @ head.W_V)[X, 0] + head.position_values()[:, 0]  # [n, T]
    v_cls = float(head.cls @ head.W_V[:, 0])
    return alpha[:, 0] * v_cls + np.einsum("nt,nt->n", alpha[:, 1:], v_tok)


def readout(head: SparseHead, y: np.ndarray) -> np.ndarray:
    """The read-out MLP applied to created-variable values ``y[n]``."""
    y = np.asarray(y, dtype=np.float64)
    hidden = np.maximum(y[:, None] @ head.W1 + head.b1, 0.0)
    return (hidden @ head.W2)[:, 0] + head.b2[0]


def apply_sparse_head(head: SparseHead, X: np.ndarray) -> np.ndarray:
    """Head + read-out MLP on inputs ``X[n, T]``: ``float64[n]``, equal to the target if exact."""
    return readout(head, created_variable(head, X))


def target_values(head: SparseHead, X: np.ndarray) -> np.ndarray:
    """The target ``table[pattern of x on the support]`` for inputs ``X[n, T]``."""
    X = _check_inputs(head, X)
    k = X[:, list(head.support)] @ (1 << np.arange(head.s))
    return head.table[k]


def certified_error(head: SparseHead) -> float:
    """Worst ``|y - grid value of the pattern|`` over **all** ``2**T`` inputs, computed exactly.

    The attention weights of this construction do not depend on the bits, so ``y`` is a fixed
    positive combination of the bits and is increasing in every bit off the support: for each of the
    ``2**s`` support patterns the extremes over the other ``T - s`` bits are at all-zeros and
    all-ones. ``2**(s+1)`` evaluations therefore certify every input.
    """
    if float(head.cls @ head.W_Q[:, 0]) * np.abs(head.tok_emb @ head.W_K).max() > 0:
        raise ValueError("certified_error needs bit-independent attention scores")
    alpha = attention_weights(head)  # [T + 1]
    v_pos = head.position_values()[:, 0]
    if np.any(v_pos) or float(head.cls @ head.W_V[:, 0]) != 0.0:
        raise ValueError("certified_error needs values that read the bit only")
    w = alpha[1:]
    w_in = w[list(head.support)]
    off_mass = w.sum() - w_in.sum()  # the [CLS] token has value 0
    patterns = all_inputs(head.s).astype(np.float64)  # [2**s, s]
    y_lo = patterns @ w_in
    y_hi = y_lo + off_mass
    if head.encoding == "count":
        index = patterns.sum(axis=1)  # number of ones
    else:
        index = patterns @ (1 << np.arange(head.s))  # the pattern as a binary number
    ideal = head.grid[index.astype(int)]
    return float(np.max(np.maximum(np.abs(y_lo - ideal), np.abs(y_hi - ideal))))


def min_score_scale(
    target: str | np.ndarray,
    T: int,
    support: tuple[int, ...] | list[int] | np.ndarray,
    max_error: float | None = None,
    **kwargs,
) -> float:
    """Smallest attention scale ``R`` whose certified error is at most ``max_error``.

    ``max_error`` defaults to the decoding tolerance ``tau``: below the returned ``R`` some input is
    misread, at or above it every input is read exactly. Other keywords go to
    :func:`build_sparse_head`.
    """
    make = _builder(
        target,
        T,
        support,
        kwargs.pop("encoding", None),
        kwargs.pop("positional", "onehot"),
        kwargs.pop("d_pos", None),
        kwargs.pop("seed", 0),
    )
    if kwargs:
        raise TypeError(f"unexpected keyword arguments {sorted(kwargs)}")
    tau = make(0.0).tolerance if max_error is None else float(max_error)
    return _bisect_scale(lambda R: certified_error(make(R)), tau)


def weight_norms(head: SparseHead) -> dict[str, float]:
    """Frobenius norms of the head's weights and the largest attention logit.

    ``W_QK = W_Q W_K^T`` is the matrix the paper's capacity bound charges for; ``W_V`` and the MLP
    norms depend on ``s`` only.
    """
    # ||W_Q W_K^T||_F^2 = tr((W_Q^T W_Q)(W_K^T W_K)): no d x d matrix (d = T + 3 for one-hot)
    qk_sq = np.trace((head.W_Q.T @ head.W_Q) @ (head.W_K.T @ head.W_K))
    q = float(head.cls @ head.W_Q[:, 0])
    return {
        "W_QK": float(np.sqrt(qk_sq)),
        "W_V": float(np.linalg.norm(head.W_V)),
        "W1": float(np.linalg.norm(head.W1)),
        "W2": float(np.linalg.norm(head.W2)),
        "max_logit": float(np.abs(q * head.position_keys()).max()),
    }


def min_logit_gap(T: int, s: int, leak: float) -> float:
    """Logit gap any softmax needs to put mass ``>= 1 - leak`` on ``s`` of ``T`` positions.

    If the ``s`` positions score at most ``Delta`` above the other ``T - s``, their mass is at most
    ``s e^Delta / (s e^Delta + T - s)``; requiring ``>= 1 - leak`` gives
    ``Delta >= log((1 - leak)(T - s) / (s leak))``, i.e. ``Delta = Omega(log T)`` for any head whose
    scores are bilinear in bounded embeddings, hence ``||W_QK|| = Omega(log T)``.
    """
    check_sizes(T, s)
    if not 0.0 < leak < 1.0:
        raise ValueError(f"leak must lie in (0, 1), got {leak}")
    if T == s:
        return -np.inf
    return float(np.log((1.0 - leak) * (T - s) / (s * leak)))
