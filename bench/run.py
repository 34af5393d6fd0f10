"""The benchmark suite: the batched training engine against a per-model loop, and more.

Usage (from the repository root)::

    .venv/bin/python bench/run.py            # default: about 10 minutes on 2 cores
    .venv/bin/python bench/run.py --no-ablation   # about 5 minutes
    .venv/bin/python bench/run.py --quick    # smoke run, about 30 s

Writes ``_build/bench/bench.json`` and ``_build/bench/bench.md`` (``--out`` to change) with

(a) throughput of :func:`biasbook.nets.training.train_many` (models x steps per second,
    achieved GFLOP/s and its fraction of a float32 matmul peak measured in the same run);
(b) the same workload as a per-model loop (:func:`biasbook.nets.train_one.train_one`, a Python
    loop over jitted steps; and a loop of single-model compiled scans) and the speed-up of the
    batched engine;
(c) chapter wall times in quick and default mode, read from ``book/run_times.json`` (written by
    ``bench/chapter_times.py``);
(d) the symmetry-reduced kernel spectrum (:func:`biasbook.maths.spectra.binary_spectrum`)
    against a dense ``scipy.linalg.eigvalsh`` of the full kernel matrix;
(e) what dominates: the engine's step split into forward, backward and optimiser, and the XLA
    operations that take the time (from a ``jax.profiler`` trace).

FLOPs are counted by XLA's cost analysis of one model's forward + backward pass on one batch
(``jax.jit(...).lower(...).compile().cost_analysis()``) with ``attention_impl="dot"`` (the
textbook operation count), times models x steps; optimiser FLOPs are not counted.

All timings are wall-clock on a machine that may be shared: treat ratios measured in the same run
as the result, absolute numbers as indicative.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import gzip
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from biasbook.nets import compiled, training
from biasbook.nets.models import (
    TransformerConfig,
    apply_transformer,
    hahn_rofin_config,
    init_transformer,
)
from biasbook.nets.train_one import train_one
from biasbook.nets.training import TrainConfig, train_many
from biasbook.store.paths import build_dir

# --------------------------------------------------------------------------------------------------
# Workloads
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    """One training workload: ``n_models`` transformers trained on their own data sets."""

    name: str
    n_models: int
    m: int  # training examples per model
    T: int  # sequence length
    d_model: int
    steps: int
    batch_size: int | None = None  # None: full batch
    loop_models: int = 4  # models timed in the per-model loops (scaled up to n_models)
    layout: str = "cls"  # "cls": 1-layer pre-LN [CLS] model; "hahn_rofin": the authors' encoder

    @property
    def model(self) -> TransformerConfig:
        if self.layout == "hahn_rofin":
            return hahn_rofin_config(max_len=self.T, d_model=self.d_model)
        return TransformerConfig(
            vocab_size=2,
            max_len=self.T,
            d_model=self.d_model,
            n_heads=2,
            n_layers=1,
            d_mlp=2 * self.d_model,
            readout="cls",
        )

    def describe(self) -> str:
        batch = "full batch" if self.batch_size is None else f"batch {self.batch_size}"
        kind = "Hahn & Rofin encoders" if self.layout == "hahn_rofin" else "transformers"
        return (
            f"{self.n_models} {kind} (d={self.d_model}, T={self.T}, m={self.m}, {batch}) "
            f"x {self.steps} Adam steps"
        )


DEFAULT_WORKLOADS = [
    # the chapters' typical case: many tiny models on small full-batch data sets
    Workload("typical", n_models=64, m=64, T=8, d_model=16, steps=1000, loop_models=4),
    Workload("wider", n_models=32, m=256, T=16, d_model=32, steps=300, loop_models=2),
    Workload("minibatch", n_models=64, m=512, T=24, d_model=32, steps=500, batch_size=32),
    # the sensitivity chapter's sharpness sweep at n = 12: Hahn & Rofin's 2-layer post-LN encoder,
    # four targets x five seeds, fresh minibatches from the table of 2**12 strings
    Workload(
        "sensitivity sweep",
        n_models=20,
        m=4096,
        T=12,
        d_model=16,
        steps=500,
        batch_size=64,
        loop_models=2,
        layout="hahn_rofin",
    ),
]
QUICK_WORKLOADS = [
    Workload("typical (quick)", n_models=16, m=64, T=8, d_model=16, steps=100, loop_models=2),
]


def _data(w: Workload, seed: int = 0) -> tuple[np.ndarray, np.ndarray, jax.Array]:
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 2, (w.n_models, w.m, w.T))
    y = np.where(X[..., 0] == X[..., 1], 1.0, -1.0)  # 2-sparse parity: the content is irrelevant
    keys = jax.random.split(jax.random.key(seed), w.n_models)
    return X, y, keys


def _fns(cfg: TransformerConfig) -> tuple[Callable, Callable]:
    return (
        functools.partial(init_transformer, cfg=cfg),
        functools.partial(apply_transformer, cfg=cfg),
    )


def flops_per_model_step(w: Workload) -> float:
    """XLA's FLOP count of one model's forward + backward pass on one (mini)batch."""
    cfg = dataclasses.replace(w.model, attention_impl="dot")
    init, apply = _fns(cfg)
    rows = w.m if w.batch_size is None else w.batch_size
    params = init(jax.random.key(0))
    x = jnp.zeros((rows, w.T), jnp.int32)
    y = jnp.ones((rows,), jnp.float32)

    def loss(p):
        return jnp.mean(jax.nn.softplus(-y * apply(p, x)[:, 0]))

    cost = jax.jit(jax.value_and_grad(loss)).lower(params).compile().cost_analysis()
    if isinstance(cost, list):  # older JAX returned one dict per device
        cost = cost[0]
    return float(cost["flops"])


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    jax.block_until_ready(out.params if hasattr(out, "params") else out)
    return time.perf_counter() - t, out


def bench_workload(w: Workload) -> dict[str, Any]:
    """Time the batched engine and the two per-model loops on one workload."""
    X, y, keys = _data(w)
    init, apply = _fns(w.model)
    cfg = TrainConfig(steps=w.steps, learning_rate=1e-3, batch_size=w.batch_size)
    first, _ = _timed(lambda: train_many(init, apply, X, y, keys, cfg, progress=False))
    run, res = _timed(lambda: train_many(init, apply, X, y, keys, cfg, progress=False))
    k = min(w.loop_models, w.n_models)

    # (1) train_one: the straightforward loop (one jitted step per Python iteration)
    one_first, _ = _timed(lambda: train_one(init, apply, X[0], y[0], keys[0], cfg))
    one = [
        _timed(lambda i=i: train_one(init, apply, X[i], y[i], keys[i], cfg))[0] for i in range(k)
    ]
    # (2) a loop of compiled single-model scans (train_many with one model)
    scan_first, _ = _timed(
        lambda: train_many(init, apply, X[:1], y[:1], keys[:1], cfg, progress=False)
    )
    scan = [
        _timed(
            lambda i=i: train_many(
                init, apply, X[i : i + 1], y[i : i + 1], keys[i : i + 1], cfg, progress=False
            )
        )[0]
        for i in range(k)
    ]
    flops = flops_per_model_step(w)
    model_steps = w.n_models * w.steps
    loop_one = float(np.mean(one)) * w.n_models
    loop_scan = float(np.mean(scan)) * w.n_models
    return {
        "workload": dataclasses.asdict(w),
        "description": w.describe(),
        "flops_per_model_step": flops,
        "batched_s": run,
        "batched_compile_s": max(first - run, 0.0),
        "batched_model_steps_per_s": model_steps / run,
        "batched_gflops": flops * model_steps / run / 1e9,
        "loop_train_one_s": loop_one,
        "loop_train_one_compile_s": max(one_first - float(np.mean(one)), 0.0),
        "loop_scan_s": loop_scan,
        "loop_scan_compile_s": max(scan_first - float(np.mean(scan)), 0.0),
        "loop_models_timed": k,
        "speedup_vs_train_one": loop_one / run,
        "speedup_vs_scan_loop": loop_scan / run,
        "final_train_acc_mean": float(np.mean(res.train_acc[:, -1])),
    }


# --------------------------------------------------------------------------------------------------
# Matmul peak
# --------------------------------------------------------------------------------------------------


def matmul_peak(n: int = 1024, reps: int = 10) -> dict[str, float]:
    """Best float32 ``n x n`` matmul throughput of ``jax.jit(a @ b)`` (GFLOP/s)."""
    a = jnp.asarray(np.random.default_rng(0).normal(size=(n, n)), jnp.float32)
    f = jax.jit(lambda a, b: a @ b)
    f(a, a).block_until_ready()
    best = math.inf
    for _ in range(reps):
        t = time.perf_counter()
        f(a, a).block_until_ready()
        best = min(best, time.perf_counter() - t)
    return {"n": n, "gflops": 2 * n**3 / best / 1e9, "best_s": best}


# --------------------------------------------------------------------------------------------------
# What dominates
# --------------------------------------------------------------------------------------------------


def phase_split(w: Workload) -> dict[str, float]:
    """Milliseconds per step of all models: forward, forward+backward, optimiser update."""
    import optax

    X, y, keys = _data(w)
    init, apply = _fns(w.model)
    params = jax.vmap(init)(keys)
    x = jnp.asarray(X if w.batch_size is None else X[:, : w.batch_size])
    t = jnp.asarray(y if w.batch_size is None else y[:, : w.batch_size], jnp.float32)
    opts = dict(compiled.COMPILER_OPTIONS)

    def loss(p, x, t):
        return jnp.mean(jax.nn.softplus(-t * apply(p, x)[:, 0]))

    tx = optax.adamw(1e-3, weight_decay=0.0)
    opt = jax.vmap(tx.init)(params)
    fwd = jax.jit(jax.vmap(loss), compiler_options=opts)
    grad = jax.jit(jax.vmap(jax.value_and_grad(loss)), compiler_options=opts)

    def upd(g, s, p):
        u, s = tx.update(g, s, p)
        return optax.apply_updates(p, u), s

    update = jax.jit(jax.vmap(upd), compiler_options=opts)
    _, g = grad(params, x, t)

    def best(fn, *args, reps=10):
        jax.block_until_ready(fn(*args))
        out = math.inf
        for _ in range(reps):
            t0 = time.perf_counter()
            jax.block_until_ready(fn(*args))
            out = min(out, time.perf_counter() - t0)
        return out * 1e3

    f_ms, g_ms, u_ms = (
        best(fwd, params, x, t),
        best(grad, params, x, t),
        best(update, g, opt, params),
    )
    return {"forward_ms": f_ms, "forward_backward_ms": g_ms, "optimizer_ms": u_ms}


_MOVES = {"copy", "transpose", "bitcast", "slice", "concatenate", "pad", "broadcast"}


def _categorise(name: str) -> str:
    """Category of an XLA operation from its name (fusions are named for the operations in them)."""
    base = name.split(".")[0]
    if base.startswith(("dot", "ynn_fusion", "xnn_fusion")) or "dot" in base:
        return "matrix products (dot)"
    parts = set(base.split("_")) - {"fusion", "wrapped"}
    if any("reduce" in p for p in parts):
        return "reductions (softmax, LayerNorm, sums)"
    if parts and parts <= _MOVES:  # only data movement, no arithmetic
        return "copies / transposes / slices"
    if "fusion" in base or "wrapped" in base:
        return "other element-wise fusions"
    return "other"


def op_profile(w: Workload, top: int = 8) -> dict[str, Any]:
    """Profile one ``train_many`` chunk with ``jax.profiler``; sum the time per XLA operation."""
    X, y, keys = _data(w)
    init, apply = _fns(w.model)
    steps = min(w.steps, 100)
    cfg = TrainConfig(steps=steps, learning_rate=1e-3, batch_size=w.batch_size, log_every=steps)
    train_many(init, apply, X, y, keys, cfg, progress=False)  # compile outside the trace
    trace_dir = Path(tempfile.mkdtemp(prefix="biasbook-prof-"))
    try:
        jax.profiler.start_trace(str(trace_dir))
        t0 = time.perf_counter()
        train_many(init, apply, X, y, keys, cfg, progress=False)
        wall = time.perf_counter() - t0
        jax.profiler.stop_trace()
        files = sorted(trace_dir.rglob("*.trace.json.gz"))
        if not files:
            return {"available": False, "reason": "the profiler wrote no trace"}
        events = json.load(gzip.open(files[-1]))["traceEvents"]
    finally:
        shutil.rmtree(trace_dir, ignore_errors=True)
    per_op: Counter[str] = Counter()
    count: Counter[str] = Counter()
    # runtime and host events, and loop / call operations, span the operations inside them
    skip = ("ThunkExecutor", "$", "PjRt", "Pjit", "pjit", "Execute", "Common", "np.", "while")
    skip += ("call", "conditional")
    for ev in events:
        if ev.get("ph") == "X" and not ev["name"].startswith(skip):
            per_op[ev["name"]] += ev["dur"]
            count[ev["name"]] += 1
    total = sum(per_op.values())
    by_cat: Counter[str] = Counter()
    for name, dur in per_op.items():
        by_cat[_categorise(name)] += dur
    return {
        "available": True,
        "workload": w.name,
        "steps": steps,
        "wall_s": wall,
        "op_time_s": total / 1e6,
        "ops_per_step": sum(count.values()) / steps,
        "by_category": {k: v / max(total, 1) for k, v in by_cat.most_common()},
        "top_ops": [
            {"op": k, "share": v / max(total, 1), "us_per_step": v / steps}
            for k, v in per_op.most_common(top)
        ],
    }


def engine_ablation(w: Workload) -> list[dict[str, Any]]:
    """Throughput of ``train_many`` with each of the engine's speed choices switched off."""
    X, y, keys = _data(w)
    cfg = TrainConfig(steps=w.steps, learning_rate=1e-3, batch_size=w.batch_size)
    saved = (training.DEVICES, training.GROUP_ROWS, dict(compiled.COMPILER_OPTIONS))
    n_dev = len(jax.local_devices())
    variants = [
        (
            f"engine defaults ({n_dev} devices, groups, attention 'auto', no YNN fusions)",
            None,
            saved[1],
            "auto",
            saved[2],
        ),
        ("XLA's default fusions (YNN library fusions on)", None, saved[1], "auto", {}),
        ("one device (XLA's own multi-threading)", 1, saved[1], "auto", saved[2]),
        ("one device, plain jit(vmap) of all models", 1, None, "auto", saved[2]),
        ("element-wise attention in every block", None, saved[1], "elementwise", saved[2]),
    ]
    rows = []
    try:
        for label, devices, group, impl, options in variants:
            training.DEVICES, training.GROUP_ROWS = devices, group
            compiled.COMPILER_OPTIONS.clear()
            compiled.COMPILER_OPTIONS.update(options)
            init, apply = _fns(dataclasses.replace(w.model, attention_impl=impl))
            train_many(init, apply, X, y, keys, cfg, progress=False)
            run, _ = _timed(
                lambda init=init, apply=apply: train_many(
                    init, apply, X, y, keys, cfg, progress=False
                )
            )
            rows.append({"variant": label, "model_steps_per_s": w.n_models * w.steps / run})
    finally:
        training.DEVICES, training.GROUP_ROWS = saved[:2]
        compiled.COMPILER_OPTIONS.clear()
        compiled.COMPILER_OPTIONS.update(saved[2])
    return rows


# --------------------------------------------------------------------------------------------------
# Chapters and spectra
# --------------------------------------------------------------------------------------------------


def chapter_times() -> dict[str, Any]:
    """Chapter wall times, both modes, from ``book/run_times.json`` (``bench/chapter_times.py``)."""
    path = Path(__file__).resolve().parent.parent / "book" / "run_times.json"
    if not path.exists():
        return {"available": False, "reason": f"{path} not found: run bench/chapter_times.py"}
    data = json.loads(path.read_text())
    rows = [
        {"chapter": name, "quick_s": rec.get("quick"), "default_s": rec.get("default")}
        for name, rec in data.items()
        if not name.startswith("_")
    ]
    return {
        "available": True,
        "path": str(path),
        "machine": data.get("_machine", "?"),
        "chapters": rows,
    }


def spectra_bench(Ls: list[int]) -> list[dict[str, Any]]:
    """Symmetry-reduced spectrum vs dense ``eigvalsh`` of the kernel on all ``2^L`` sequences."""
    import scipy.linalg

    from biasbook.maths import kernels
    from biasbook.maths import spectra as sp

    def kernel(T1, T2):
        return kernels.onehot_attention_nngp(T1, T2, 2, beta=1.0, nonlinearity="relu")

    rows = []
    for L in Ls:
        t0 = time.perf_counter()
        spec = sp.binary_spectrum(kernel, L)
        t_red = time.perf_counter() - t0
        reduced = np.sort(np.repeat(spec.eigenvalues, spec.multiplicities))[::-1]
        row: dict[str, Any] = {"L": L, "n_sequences": 2**L, "reduced_s": t_red}
        if 2**L <= 4096:
            t0 = time.perf_counter()
            seqs = ((np.arange(2**L)[:, None] >> np.arange(L)[::-1]) & 1).astype(np.int64)
            K = kernel(seqs, seqs) / 2**L  # uniform measure: the operator is K / 2^L
            dense = np.sort(scipy.linalg.eigvalsh(K))[::-1]
            row["dense_s"] = time.perf_counter() - t0
            row["speedup"] = row["dense_s"] / t_red
            row["max_abs_diff"] = float(np.max(np.abs(dense - reduced)))
            row["max_eigenvalue"] = float(dense[0])
        rows.append(row)
    return rows


# --------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------


def _fmt(x: Any, spec: str = ".3g") -> str:
    return "—" if x is None else format(x, spec)


def markdown(results: dict[str, Any]) -> str:
    """The Markdown report."""
    peak = results["matmul_peak"]
    lines = [
        "# Benchmarks",
        "",
        f"Run {results['started_at']} ({'quick' if results['quick'] else 'default'} mode) on "
        f"{results['machine']['cpu_count']} CPU cores, JAX {results['machine']['jax']}. "
        f"Float32 {peak['n']}x{peak['n']} matmul peak in this run: "
        f"**{peak['gflops']:.0f} GFLOP/s**."
        " The machine may be shared with other jobs: compare numbers within this run.",
        "",
        f"Engine settings: models spread over {results['engine']['devices']} JAX CPU devices "
        "(one per core, `biasbook.nets.devices`) and processed in groups of about "
        f"{results['engine']['group_rows']} rows (examples x positions) per group; XLA options "
        f"`{results['engine']['compiler_options']}` (plus single-threaded Eigen when sharded); "
        "attention as batched `dot` (`attention_impl='auto'`). The model "
        "(`biasbook.nets.models.apply_transformer`, used by both the engine and the loops) "
        "computes "
        "the last block for the `[CLS]` row only, the row the readout reads. The on-disk "
        "compilation cache is off, so compile times are real.",
        "",
        "## Batched training vs a per-model loop",
        "",
        "| workload | batched (s) | model·steps/s | GFLOP/s (% of peak) | loop of `train_one` (s) "
        "| **speed-up** | loop of 1-model scans (s) | speed-up | compile (s) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["training"]:
        lines.append(
            f"| {r['workload']['name']}: {r['description']} | {r['batched_s']:.2f} "
            f"| {r['batched_model_steps_per_s']:.0f} "
            f"| {r['batched_gflops']:.1f} ({100 * r['batched_gflops'] / peak['gflops']:.0f}%) "
            f"| {r['loop_train_one_s']:.2f} | **{r['speedup_vs_train_one']:.1f}×** "
            f"| {r['loop_scan_s']:.2f} | {r['speedup_vs_scan_loop']:.1f}× "
            f"| {r['batched_compile_s']:.1f} |"
        )
    lines += [
        "",
        "Loop times are measured on the first `loop_models` models of each workload and scaled to "
        "all models; compile times are excluded everywhere (first call minus second call). "
        "`train_one` is the reference implementation (a Python loop over one jitted step, XLA's "
        "default options); the second loop compiles the whole run of one model as a `lax.scan` "
        "(`train_many` with one model, so with the engine's XLA options: the speed-up over it is "
        "what batching and sharding alone give). FLOPs: XLA cost analysis of one model's "
        "forward+backward pass.",
    ]
    if results.get("ablation"):
        lines += ["", "### Which engine choices matter", ""]
        lines += ["| variant | model·steps/s |", "|---|---|"]
        for row in results["ablation"]:
            lines.append(f"| {row['variant']} | {row['model_steps_per_s']:.0f} |")
    if results.get("phases"):
        p = results["phases"]
        lines += [
            "",
            "## What dominates",
            "",
            f"One step of all models of the `{p['workload']}` workload, timed by phase: forward "
            f"{p['forward_ms']:.2f} ms, forward+backward {p['forward_backward_ms']:.2f} ms, "
            f"optimiser update {p['optimizer_ms']:.2f} ms.",
        ]
    prof = results.get("profile")
    if prof and prof.get("available"):
        lines += [
            "",
            f"XLA operations in a profiled `train_many` run ({prof['workload']}, {prof['steps']} "
            f"steps, {prof['ops_per_step']:.0f} operations per step over all devices; share of "
            "operation time, summed over the devices):",
            "",
            "| category | share |",
            "|---|---|",
        ]
        for k, v in prof["by_category"].items():
            lines.append(f"| {k} | {100 * v:.0f}% |")
        lines += ["", "| top operations | share | µs per step |", "|---|---|---|"]
        for row in prof["top_ops"]:
            lines.append(
                f"| `{row['op']}` | {100 * row['share']:.1f}% | {row['us_per_step']:.0f} |"
            )
    elif prof:
        lines += ["", f"Profile not available: {prof.get('reason')}"]
    lines += ["", "## Chapter wall times", ""]
    ch = results["chapters"]
    if not ch["available"]:
        lines.append(f"Not available: {ch['reason']}.")
    else:
        lines += ["| chapter | quick (s) | default (s) |", "|---|---|---|"]
        for row in ch["chapters"]:
            lines.append(
                f"| {row['chapter']} | {_fmt(row['quick_s'], '.0f')} "
                f"| {_fmt(row['default_s'], '.0f')} |"
            )
        total = {m: [r[f"{m}_s"] for r in ch["chapters"]] for m in ("quick", "default")}
        lines.append(
            "| **whole book** | "
            + " | ".join(
                f"**{sum(v):.0f}**" if v and None not in v else "incomplete" for v in total.values()
            )
            + " |"
        )
        lines += [
            "",
            f"From `{ch['path']}` (measured by `bench/chapter_times.py` on {ch['machine']}, each "
            "chapter from scratch). Budgets: quick ≤ 90 s and default ≤ 8 min per chapter; the "
            "whole book ≤ 6 min quick and ≤ 25 min default.",
        ]
    lines += ["", "## Kernel spectra: symmetry-reduced vs dense", ""]
    sp_rows = results.get("spectra") or []
    if isinstance(sp_rows, dict):
        lines.append(f"Not available: {sp_rows.get('reason')}")
    else:
        lines += [
            "| L | sequences | reduced (s) | dense eigvalsh (s) | speed-up | max abs difference |",
            "|---|---|---|---|---|---|",
        ]
        for r in sp_rows:
            lines.append(
                f"| {r['L']} | {r['n_sequences']} | {r['reduced_s']:.3f} "
                f"| {_fmt(r.get('dense_s'), '.3f')} | {_fmt(r.get('speedup'), '.0f')} "
                f"| {_fmt(r.get('max_abs_diff'), '.1e')} |"
            )
        lines += [
            "",
            "Attention NNGP kernel (ReLU, one-hot tokens, β = 1) on {0,1}^L under the uniform "
            "measure: `biasbook.maths.spectra.binary_spectrum` "
            "(one small block per irrep (L−j, j)) "
            "against `scipy.linalg.eigvalsh` of the full 2^L × 2^L operator (not run above 4096).",
        ]
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run (about 30 s)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (_build/bench)")
    parser.add_argument("--no-ablation", action="store_true", help="skip the engine ablation")
    args = parser.parse_args(argv)
    # compile times are part of the report: no programs from biasbook's on-disk cache
    jax.config.update("jax_enable_compilation_cache", False)
    out = args.out or build_dir() / "bench"
    out.mkdir(parents=True, exist_ok=True)
    quick = args.quick
    workloads = QUICK_WORKLOADS if quick else DEFAULT_WORKLOADS
    t_start = time.perf_counter()
    results: dict[str, Any] = {
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "quick": quick,
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "python": sys.version.split()[0],
            "jax": jax.__version__,
        },
        "engine": {
            "devices": len(jax.local_devices()),
            "compiler_options": dict(compiled.COMPILER_OPTIONS),
            "group_rows": training.GROUP_ROWS,
        },
    }

    def step(name: str, fn: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        value = fn()
        print(f"[bench] {name}: {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
        return value

    results["matmul_peak"] = step("matmul peak", matmul_peak)
    results["training"] = [
        step(f"training {w.name}", lambda w=w: bench_workload(w)) for w in workloads
    ]
    typical = workloads[0]
    if not args.no_ablation and not quick:
        results["ablation"] = step("engine ablation", lambda: engine_ablation(typical))
    results["phases"] = {"workload": typical.name, **step("phases", lambda: phase_split(typical))}
    if not quick:
        results["profile"] = step("profile", lambda: op_profile(typical))
    results["chapters"] = chapter_times()
    try:
        results["spectra"] = step(
            "spectra", lambda: spectra_bench([6, 8] if quick else [8, 10, 11, 16])
        )
    except ImportError as err:  # the spectra modules are owned elsewhere and may be absent
        results["spectra"] = {"reason": f"biasbook.maths.spectra/kernels not importable ({err})"}
    results["bench_wall_s"] = time.perf_counter() - t_start
    (out / "bench.json").write_text(json.dumps(results, indent=1, default=float))
    md = markdown(results)
    (out / "bench.md").write_text(md)
    print(md)
    print(f"[bench] wrote {out / 'bench.json'} and {out / 'bench.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
