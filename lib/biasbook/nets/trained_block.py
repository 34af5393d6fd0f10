"""The simplified attention block with *all* its weights trained, by the batched engine.

The network is :func:`biasbook.maths.kernels.apply_attention_net` (i.i.d. ``N(0, 1)`` weights,
``1/sqrt(fan-in)`` factors in the forward pass), trained by full-batch gradient descent on the mean
squared error with :func:`biasbook.nets.training.train_many`. Two facts make its outputs
predictable:

* The identity-activation block is linear in each of its five weight groups (``W_Q``, ``W_K``,
  ``W_V``, ``W_O``, ``u``) separately. For a function linear in a group ``g ~ N(0, I)``, the
  group's share of the tangent kernel has expectation ``E[f(x) f(x')]``, the NNGP kernel ``K``; so
  the expected tangent kernel is exactly ``5 K`` at every width (tested by Monte Carlo). The ReLU
  block is not linear in ``W_Q, W_K, W_V, W_O``, and its tangent kernel is not ``5 K``.
* We train the *centred* network ``f_w(x) - f_{w_0}(x)`` (``w_0`` the initial weights, held fixed),
  which starts from the zero function (as in the lazy-training analysis of Chizat, Oyallon & Bach
  2019). Its tangent kernel is the network's, and it removes the random initial function, whose
  size does not shrink with width and would otherwise swamp the comparison. Its loss
  ``(f_w(x) - f_{w_0}(x) - y)^2`` is the plain network's loss on the shifted targets
  ``y + f_{w_0}(x)``, so the engine trains the plain network on those (the frozen network is
  evaluated once, not at every step), and the centred outputs are ``f_w - f_{w_0}`` afterwards.

So in the wide (lazy) limit a trained network's outputs follow gradient descent with the fixed
kernel ``5 K`` (:func:`biasbook.maths.kernel_descent.kernel_descent`), which converges to the
ridgeless GP posterior mean.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from biasbook.maths.kernels import AttentionNetConfig, apply_attention_net, init_attention_net
from biasbook.nets.training import TrainConfig, train_many

Params = dict[str, jax.Array]

#: Weight groups the identity block is linear in, each adding the NNGP kernel to the expected
#: tangent kernel.
LINEAR_GROUPS = 5


@functools.partial(jax.jit, static_argnums=(2,))
def _outputs(params: Params, X: jax.Array, cfg: AttentionNetConfig) -> jax.Array:
    """Outputs ``[n_nets, m]`` of stacked networks on shared inputs ``X[m, L, d]``."""
    return jax.vmap(lambda p: apply_attention_net(p, X, cfg))(params)


def train_all_weights(
    X_train: np.ndarray,
    y: np.ndarray,
    X_eval: np.ndarray,
    cfg: AttentionNetConfig,
    n_nets: int,
    lr: float,
    steps: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Train ``n_nets`` centred networks (every weight) by full-batch gradient descent on the MSE.

    Parameters
    ----------
    X_train, y
        Embedded training inputs ``[n, L, d]`` and targets ``[n]``, shared by all networks.
    X_eval
        Inputs ``[m, L, d]`` on which the trained networks are evaluated.
    cfg
        The block (its ``heads`` and ``width`` are the widths that go to infinity).
    n_nets, lr, steps, seed
        Networks (independent initialisations from ``seed``), step size and number of steps.

    Returns
    -------
    outputs, train_loss
        ``[n_nets, m]`` centred outputs ``f_w - f_{w_0}`` on ``X_eval`` after training, and
        ``[n_nets]`` final training MSE (of the centred network).
    """
    Xtr = jnp.asarray(X_train, jnp.float32)
    Xev = jnp.asarray(X_eval, jnp.float32)
    keys = jax.random.split(jax.random.key(seed), n_nets)
    # train_many initialises model i with init_fn(split(keys[i])[0]) (its documented algorithm):
    # the same initial networks, evaluated once for the shifted targets and the centring.
    init = jax.vmap(lambda k: init_attention_net(jax.random.split(k)[0], cfg))(keys)
    f0_train, f0_eval = _outputs(init, Xtr, cfg), _outputs(init, Xev, cfg)
    Y = jnp.asarray(y, jnp.float32)[None, :] + f0_train
    config = TrainConfig(
        steps=int(steps), learning_rate=float(lr), loss="mse", optimizer="sgd", log_every=steps
    )
    res = train_many(
        functools.partial(init_attention_net, cfg=cfg),
        functools.partial(apply_attention_net, cfg=cfg),
        jnp.broadcast_to(Xtr, (n_nets, *Xtr.shape)),
        Y,
        keys,
        config,
    )
    out = _outputs(res.params, Xev, cfg) - f0_eval
    return np.asarray(out, dtype=np.float64), np.asarray(res.train_loss[:, -1])


def empirical_tangent_kernel(
    X: np.ndarray, cfg: AttentionNetConfig, n_nets: int, seed: int
) -> np.ndarray:
    """Tangent kernel ``J J^T`` of random networks on inputs ``X[m, L, d]``, averaged over
    ``n_nets`` initialisations (float64): the Monte-Carlo check of the ``5 K`` identity."""
    Xj = jnp.asarray(X, jnp.float32)

    @jax.jit
    def one(key):
        params = init_attention_net(key, cfg)
        jac = jax.jacrev(lambda p: apply_attention_net(p, Xj, cfg))(params)
        flat = jnp.concatenate([j.reshape(Xj.shape[0], -1) for j in jax.tree.leaves(jac)], axis=1)
        return flat @ flat.T

    keys = jax.random.split(jax.random.key(seed), n_nets)
    return np.mean([np.asarray(one(k), dtype=np.float64) for k in keys], axis=0)
