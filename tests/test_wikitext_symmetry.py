"""The WikiText-symmetry experiment: baselines, jackknife errors and the study, on small data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from biasbook.data.wikitext import load_wikitext, windows
from biasbook.experiments import wikitext_symmetry as ts
from biasbook.maths import position_symmetry as pos


def test_text_file_end_to_end_by_hand(tmp_path: Path) -> None:
    # "a b" on three lines: ids a=0, b=1, <eos>=2 (ties broken by first occurrence), stream
    # 0 1 2 0 1 2 0 1 2; windows of 2: [0 1] [2 0] [1 2] [0 1]. One-hot over the top 1 word + other
    # gives buckets [0 1] [1 0] [1 1] [0 1]. With K = [[1, -1], [-1, 1]]:
    # C_00 = 1/4 K, C_11 = 3/16 K, C_01 = C_10 = (0 - 1/2 * 1/4) K = -1/8 K. So D = 7/32 K,
    # B = -1/8 K, the deviation is +-1/32 K on the diagonal, ||K||^2 = 4, and
    # ratio^2 = (2/1024) / (1/16 + 9/256 + 2/64) = 1/66.
    for split in ("train", "valid", "test"):
        (tmp_path / f"wiki.{split}.tokens").write_text("a b\na b\na b\n")
    corpus = load_wikitext(tmp_path, splits=("train",))
    np.testing.assert_array_equal(corpus.ids["train"], [0, 1, 2] * 3)
    win = windows(corpus.ids["train"], 2)
    np.testing.assert_array_equal(win, [[0, 1], [2, 0], [1, 2], [0, 1]])
    C = pos.OneHotEmbedding(top_v=1).moments(win).covariance()
    K = np.array([[1.0, -1.0], [-1.0, 1.0]])
    np.testing.assert_allclose(C, np.block([[K / 4, -K / 8], [-K / 8, 3 * K / 16]]), atol=1e-15)
    assert pos.breaking_ratio(C, 2) == pytest.approx(1 / np.sqrt(66))
    result = ts.analyse_windows(win, pos.OneHotEmbedding(1), n_chunks=2, n_eigs=4, n_multiplets=1)
    assert result["point"]["ratio"] == pytest.approx(1 / np.sqrt(66))


# --------------------------------------------------------------------------- baselines and noise


def test_baselines_keep_each_window_bag_of_words() -> None:
    win = np.random.default_rng(2).integers(0, 50, size=(200, 6))
    shuffled = ts.shuffle_positions(win, seed=3)
    np.testing.assert_array_equal(np.sort(shuffled, axis=1), np.sort(win, axis=1))
    np.testing.assert_array_equal(shuffled, ts.shuffle_positions(win, seed=3))
    assert not np.array_equal(shuffled, win)
    assert np.all(np.diff(ts.sort_windows(win), axis=1) >= 0)
    # Sym of the (uncentred) second moment depends only on each window's bag of words.
    emb = pos.OneHotEmbedding(top_v=9)
    sym = [pos.symmetrize(emb.moments(w).outer, 6) for w in (win, shuffled, ts.sort_windows(win))]
    np.testing.assert_allclose(sym[1], sym[0])
    np.testing.assert_allclose(sym[2], sym[0])


def test_iid_windows_follow_the_unigram() -> None:
    p = np.array([0.5, 0.3, 0.2])
    x = ts.iid_windows(p, 20_000, 5, seed=0)
    np.testing.assert_array_equal(x, ts.iid_windows(p, 20_000, 5, seed=0))
    freq = np.bincount(x.ravel(), minlength=3) / x.size
    assert np.all(np.abs(freq - p) < 5 * np.sqrt(p * (1 - p) / x.size))  # 5 standard errors


def test_noise_floor_of_exchangeable_data_shrinks_like_one_over_sqrt_n() -> None:
    # For i.i.d. tokens C is exactly invariant, so the measured ratio is pure sampling noise,
    # whose size scales as n^(-1/2): 16 times the windows should give about a quarter.
    p = np.full(8, 1 / 8)
    emb = pos.OneHotEmbedding(top_v=7)
    small = [
        pos.breaking_ratio(emb.moments(ts.iid_windows(p, 2_000, 4, s)).covariance(), 4)
        for s in range(5)
    ]
    large = [
        pos.breaking_ratio(emb.moments(ts.iid_windows(p, 32_000, 4, s)).covariance(), 4)
        for s in range(5)
    ]
    assert np.mean(large) / np.mean(small) == pytest.approx(0.25, rel=0.25)


def test_chunk_bounds_and_dataset_names() -> None:
    assert pos.chunk_bounds(10, 3) == [(0, 3), (3, 7), (7, 10)]
    with pytest.raises(ValueError):
        pos.chunk_bounds(3, 5)
    ids = np.arange(40) % 7
    assert ts.dataset_windows("wikitext", ids, 4, seed=0).shape == (10, 4)
    for name in ts.DATASETS:
        assert ts.dataset_windows(name, ids, 4, seed=0).shape == (10, 4)
    with pytest.raises(ValueError, match="unknown data set"):
        ts.dataset_windows("reversed", ids, 4, seed=0)


def test_study_separates_exchangeable_from_ordered() -> None:
    # A Markov chain that steps +1 mod 6 with probability 0.9 is strongly ordered; shuffling its
    # windows makes them exchangeable. The ratio must rank shuffled < text < sorted.
    rng = np.random.default_rng(5)
    steps = np.where(rng.random(12_000) < 0.9, 1, rng.integers(0, 6, 12_000))
    ids = np.cumsum(steps) % 6
    out = ts.symmetry_study(ids, [4], {"oh": pos.OneHotEmbedding(5)}, seed=0, n_chunks=4, n_eigs=8)
    r = {k: v["point"]["ratio"] for k, v in out[4]["oh"].items()}
    assert r["shuffled"] < 0.1 < r["wikitext"]
    assert r["iid"] < 0.1


def test_jackknife_same_with_kept_or_recomputed_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = np.random.default_rng(6).integers(0, 12, size=(400, 3))
    emb = pos.RandomEmbedding(n_words=12, dim=2, seed=0)
    kept = ts.analyse_windows(ids, emb, n_chunks=5, n_eigs=4, n_multiplets=2)
    monkeypatch.setattr(ts, "KEEP_CHUNK_BYTES", 0)
    recomputed = ts.analyse_windows(ids, emb, n_chunks=5, n_eigs=4, n_multiplets=2)
    for key, value in kept["se"].items():
        np.testing.assert_allclose(recomputed["se"][key], value, rtol=1e-10, atol=1e-14)
    assert kept["point"]["ratio"] == recomputed["point"]["ratio"]


def test_a_further_exchangeable_draw_exceeds_the_largest_of_n_null_draws_one_time_in_n_plus_1():
    # The calibration of T2: the held-out shuffled windows and the null draws are exchangeable,
    # so the held-out one is the largest of the ten with probability 1/10. Over 60 independent
    # texts the count of such events is Binomial(60, 0.1): 1 to 15 with probability 0.998.
    emb = {"oh": pos.OneHotEmbedding(3)}
    exceed = 0
    for rep in range(60):
        rng = np.random.default_rng(rep)
        steps = np.where(rng.random(1600) < 0.7, 1, rng.integers(0, 5, 1600))
        ids = np.cumsum(steps) % 5  # an ordered text: only its shuffles are exchangeable
        null = ts.exchangeable_null(ids, [4], emb, seed=rep, n_draws=9, n_pcs=3)[4]["oh"]
        held_out = ts.dataset_windows("shuffled", ids, 4, seed=rep)
        C = emb["oh"].moments(held_out).covariance()
        exceed += pos.principal_cross_energy(C, 4, 3) > null.max()
    assert 1 <= exceed <= 15, exceed


def test_markov_windows_are_stationary_runs_of_the_fitted_chain() -> None:
    ids = np.tile([0, 1, 2, 3], 300)
    win = ts.dataset_windows("markov", ids, 4, seed=0)
    assert win.shape == (300, 4)
    assert np.all(np.diff(win, axis=1) % 4 == 1)  # the only transitions the text has


def test_window_pool_keeps_each_window_with_the_word_that_follows_it() -> None:
    ids = np.arange(100) % 17
    tokens, following = ts.window_pool(ids, 4, 10, top_v=10, seed=0)
    assert tokens.shape == (10, 4) and following.shape == (10,)
    full = np.arange(100).reshape(20, 5) % 17  # the non-overlapping windows of 4 + 1 tokens
    rows = [
        np.flatnonzero((full[:, 4] == f) & (np.minimum(full[:, :4], 10) == t).all(1))
        for t, f in zip(tokens, following, strict=True)
    ]
    assert all(r.size >= 1 for r in rows)
    assert tokens.max() <= 10  # bucketed to the top 10 words plus "other"
    with pytest.raises(ValueError, match="fewer than n_pool"):
        ts.window_pool(ids, 4, 21, top_v=10, seed=0)


def test_windows_that_shuffling_cannot_change_give_identical_predictions() -> None:
    # Every window holds one word L times: the symmetrised pool is the pool itself, so the two
    # measures' predictions must agree exactly, and both lie in [0, 1] and grow with n.
    rng = np.random.default_rng(1)
    ids = np.repeat(rng.integers(0, 6, 400), 5)  # blocks of L + 1 = 5 equal tokens
    out = ts.kernel_transfer(ids, 4, 5, [0, 1], 200, [4, 16, 64], 4, 1e-3, 1.0, seed=2)
    np.testing.assert_allclose(out["predicted"]["text"], out["predicted"]["symmetrised"])
    pred = out["predicted"]["text"]
    assert np.all((pred >= -1e-9) & (pred <= 1 + 1e-9)) and np.all(np.diff(pred, axis=0) >= 0)
    assert out["empirical"].shape == (4, 3, 2)
