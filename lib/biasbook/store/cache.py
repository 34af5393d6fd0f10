"""On-disk cache of expensive results, keyed by their parameters and by the library's source.

Keying on the library source means a change to any maths or training code invalidates every cached
result, so a cached figure can never silently come from old code.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import jax

from biasbook.store.files import replacing
from biasbook.store.paths import PACKAGE_DIR, cache_dir

T = TypeVar("T")


@functools.cache
def library_hash() -> str:
    """SHA-256 over every ``.py`` file of the ``biasbook`` package (paths and contents)."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        h.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def _canonical(params: Mapping[str, Any]) -> str:
    try:
        return json.dumps(params, sort_keys=True, default=repr)
    except TypeError as err:  # pragma: no cover - json.dumps with default=repr rarely fails
        raise TypeError(f"cache parameters must be JSON-like, got {params!r}") from err


def cache_key(name: str, params: Mapping[str, Any]) -> str:
    """Return the hex key of ``(name, params, library source)``."""
    h = hashlib.sha256()
    h.update(name.encode())
    h.update(_canonical(params).encode())
    h.update(library_hash().encode())
    return h.hexdigest()[:24]


def cache_off() -> bool:
    """Whether ``BIASBOOK_NO_CACHE`` asks for every result (and program) to be computed afresh."""
    return bool(os.environ.get("BIASBOOK_NO_CACHE"))


def cached(name: str, params: Mapping[str, Any], fn: Callable[[], T]) -> T:
    """Return ``fn()``, computing it only if no result for ``(name, params)`` is on disk.

    Parameters
    ----------
    name
        A short name for the computation, used in the file name (e.g. ``"sensitivity-sharpness"``).
    params
        Every parameter that changes the result (JSON-serialisable values).
    fn
        Computes the result; must return something picklable (NumPy arrays, dicts, dataclasses).

    Notes
    -----
    Set ``BIASBOOK_NO_CACHE=1`` to bypass the cache (always recompute, never write).
    Writes are atomic (temporary file + rename), so an interrupted run leaves no half-written entry.
    An entry that cannot be read (truncated, corrupted, written by an incompatible version) is
    reported by name on stderr, removed and recomputed.
    """
    if cache_off():
        return fn()
    path = entry_path(name, params)
    if path.exists():
        try:
            with path.open("rb") as f:
                return pickle.load(f)
        except Exception as err:  # noqa: BLE001 - any unreadable entry is recomputed, not fatal
            print(
                f"biasbook: cache entry {path} could not be read ({type(err).__name__}: {err}); "
                "removed, recomputing",
                file=sys.stderr,
            )
            path.unlink(missing_ok=True)
    result = fn()
    with replacing(path, binary=True) as f:
        pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
    return result


#: Characters of the library hash in an entry's file name: enough to tell library versions apart.
_LIBRARY_TAG = 12


def entry_path(name: str, params: Mapping[str, Any]) -> Path:
    """File of the entry ``(name, params)``: ``<cache>/<name>-<library tag>-<key>.pkl``.

    The library tag (the start of :func:`library_hash`) in the name lets :func:`prune` tell the
    entries that the current library can still read from those that no run will ever read again.
    """
    return cache_dir() / f"{name}-{library_hash()[:_LIBRARY_TAG]}-{cache_key(name, params)}.pkl"


@dataclass(frozen=True)
class Pruned:
    """What :func:`prune` removed and kept."""

    removed: int
    removed_bytes: int
    kept: int


def prune(everything: bool = False) -> Pruned:
    """Remove the result-cache entries that the current library can no longer read.

    An entry is orphaned when the library's source changed after it was written (its file name
    carries another library tag, or none: written before tags existed); temporary files left by
    a killed run are removed too once they are an hour old (a younger one may belong to a run in
    progress). The compiled-program cache (``<cache>/jax``) is left to XLA.

    Parameters
    ----------
    everything
        Remove every entry, the current library's included.
    """
    directory = cache_dir()
    tag = f"-{library_hash()[:_LIBRARY_TAG]}-"
    removed = removed_bytes = kept = 0
    now = time.time()
    for path in sorted(directory.glob("*.pkl")) if directory.is_dir() else []:
        if path.name.startswith(".tmp-"):
            if now - path.stat().st_mtime < 3600:
                continue
        elif not everything and tag in path.name:
            kept += 1
            continue
        removed_bytes += path.stat().st_size
        path.unlink(missing_ok=True)
        removed += 1
    return Pruned(removed, removed_bytes, kept)


def enable_compilation_cache() -> Path | None:
    """Keep XLA's compiled programs on disk, in ``<cache>/jax``, across processes.

    Compiling a training program takes seconds per model shape, often more than running it in
    quick mode; with this cache a re-executed chapter (new parameters, same shapes) skips it.
    Called when :mod:`biasbook` is imported. Left alone when ``JAX_COMPILATION_CACHE_DIR`` is set
    (the user's choice) and off when ``BIASBOOK_NO_CACHE=1`` (from-scratch timings).

    Returns
    -------
    Path or None
        The cache folder, or ``None`` if the cache was left as it was.
    """
    if cache_off() or os.environ.get("JAX_COMPILATION_CACHE_DIR"):
        return None
    path = cache_dir() / "jax"
    jax.config.update("jax_compilation_cache_dir", str(path))
    return path
