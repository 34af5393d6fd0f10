"""The sensitivity chapter's protocol table: each setting, the authors' value, ours, and why.

The authors' values are read from their code (github.com/lacoco-lab/sensitivity-hardness:
``src/model.py``, ``src/targets.py``, ``src/measurements.py``, ``conf/train_config.yaml`` and
``sweeps/length_scaling_1.yaml``); ``../shared/papers/hahn2024.md`` records them with file
references. The "this run" column is built from the chapter's parameters, so that a re-executed
chapter states the settings it actually used.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from biasbook.nets.models import hahn_rofin_config, init_transformer
from biasbook.nets.sharpness import n_parameters

#: Perturbed parameters of the authors' default model (width 128; everything but the positional
#: table), from PyTorch's layer shapes; tested against :func:`hahn_rofin_config`.
PAPER_PARAMETERS = 199_425


def _perturbed(d_model: int, architecture: str) -> int:
    import jax

    from biasbook.experiments.sensitivity.runs import ModelSize

    d_mlp = d_model if architecture == "hahn_rofin" else 2 * d_model
    size = ModelSize(d_model=d_model, d_mlp=d_mlp, architecture=architecture)
    params = init_transformer(jax.random.key(0), size.config(max_len=4))
    return n_parameters({k: v for k, v in params.items() if k != "pos_emb"})


def protocol_rows(
    *,
    architecture: str,
    d_model: int,
    n_max: int,
    n_seeds: int,
    steps: int,
    batch_size: int,
    learning_rate: float,
    weight_decay: float,
    sigma: float,
    loss_threshold: float,
    n_measure: int,
    n_samples: int,
    tradeoff: Mapping[str, Sequence[float]] | None = None,
) -> list[tuple[str, str, str, str]]:
    """Rows ``(setting, authors' code, this run, why)`` of the Figure 1 sweep's protocol, and of
    Figure 2's grid if ``tradeoff`` gives its ``lengths``, ``learning_rates``,
    ``weight_decays`` and ``seeds``."""
    assert hahn_rofin_config(max_len=4).d_mlp == 128  # the table below describes this default
    authors_layout = architecture == "hahn_rofin"
    layout = (
        "the same (`hahn_rofin_config`)"
        if authors_layout
        else "pre-LN, added embeddings, final LayerNorm, `[CLS]` read-out"
    )
    p_ours = _perturbed(d_model, architecture)
    same = "as the authors"
    cpu = "a 2-core CPU budget"
    rows = [
        (
            "architecture",
            "PyTorch `nn.TransformerEncoder`: post-LN, token ⊕ position embeddings (d/2 each), "
            "attention biases, read at the last position, no final LayerNorm",
            layout,
            same if authors_layout else "the reader's choice (parameter `architecture`)",
        ),
        (
            "width, heads, layers",
            "128, 2, 2",
            f"{d_model}, 2, 2",
            cpu,
        ),
        (
            "feed-forward width",
            "d (128), ReLU",
            f"{d_model if authors_layout else 2 * d_model}, ReLU",
            same if authors_layout else "the pre-LN model's own",
        ),
        (
            "initialisation",
            "PyTorch defaults (uniform Kaiming/Xavier weights, N(0, 1) embeddings)",
            "N(0, 1/fan-in) weights, N(0, 1) embeddings, zero biases",
            "the library's one initialisation (our choice)",
        ),
        (
            "targets",
            "PARITY, MAJORITY (a tie is false), FIRST, MEAN; values in {0, 1} (MEAN in [0, 1])",
            "the same, as 2f − 1 in [−1, 1]",
            "the library's ±1 convention: squared errors 4× theirs, the scale of their plots "
            "(which multiply sharpness by 4); the head's weights double, so the same σ perturbs "
            "relatively less",
        ),
        ("lengths n", "4…30, every integer", f"4…{n_max}, every integer", cpu),
        ("seeds", "10 (0–9)", str(n_seeds), cpu),
        (
            "training data",
            "1024 fresh uniform strings per step",
            f"{batch_size} uniform strings per step, drawn with replacement from all 2^n "
            "(the same distribution)",
            cpu,
        ),
        (
            "optimiser",
            "AdamW, lr 3e-4, weight decay 0.1 on every parameter",
            f"AdamW, lr {learning_rate:g}, weight decay {weight_decay:g} on every parameter",
            "a larger step so that PARITY converges within our steps (our choice)",
        ),
        ("steps", "10,000", f"{steps:,}", cpu),
        ("loss", "mean squared error", "mean squared error", same),
        (
            "convergence filter",
            "loss < 1e-3 on 1000 fresh batches of 1024",
            f"loss < {loss_threshold:g} on all 2^n strings (= {loss_threshold / 4:g} on their "
            "scale)",
            "exact where the table is small enough",
        ),
        (
            "sharpness",
            "mean of MSE(θ + Δ) − MSE(θ) over 10 Gaussian Δ, per coordinate σ = 0.02, on "
            "1000 fresh batches",
            f"{n_samples} antithetic pairs ±Δ at σ = {sigma / 2:g}, {sigma:g}, {2.5 * sigma:g}, "
            f"on {n_measure} fixed strings per length",
            "the same mean; the pairs cancel the gradient term, so fewer draws suffice",
        ),
        (
            "perturbed parameters",
            "every parameter but the positional table",
            "every parameter but the positional table",
            same,
        ),
        (
            "perturbation radius σ√P",
            f"{sigma * math.sqrt(PAPER_PARAMETERS):.2f} (P = {PAPER_PARAMETERS:,})",
            f"{sigma * math.sqrt(p_ours):.2f} (P = {p_ours:,})",
            "a smaller model: the same σ is a smaller perturbation, so values are compared "
            "by trend, not level",
        ),
        (
            "LayerNorm blowup",
            "1/std (unbiased) of each LayerNorm's input, max over positions (the read-out "
            "position for the last layer), product over the 4 LayerNorms, mean over inputs",
            "the same, with the biased std LayerNorm divides by",
            "a factor √((d − 1)/d) per LayerNorm",
        ),
        (
            "analysis",
            "`linregress` of sharpness on n per target (slope, p)",
            "the same, for S_σ and for its σ → 0 limit E‖∇f‖²",
            "the limit does not saturate at large n",
        ),
    ]
    if tradeoff is not None:
        lengths = ", ".join(str(int(n)) for n in tradeoff["lengths"])
        lrs = ", ".join(f"{v:g}" for v in tradeoff["learning_rates"])
        wds = ", ".join(f"{v:g}" for v in tradeoff["weight_decays"])
        rows.append(
            (
                "Figure 2 grid",
                "n ∈ {5, 10, 15, 20}; per run weight decay ~ U[0, 0.4], lr ~ U[1e-4, 5e-4]; "
                "about 1,000 runs (`weight_norm_blowup_tradeoff_*.yaml`)",
                f"n ∈ {{{lengths}}}; weight decay ∈ {{{wds}}} × lr ∈ {{{lrs}}}; "
                f"{int(tradeoff['seeds'][0])} seeds per target and cell, the same seeds in "
                "every cell",
                "a grid with shared seeds: cells differ by the optimiser alone; lengths at which "
                "PARITY fits within our steps (our choice)",
            )
        )
    return rows
