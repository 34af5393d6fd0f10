"""What makes a chapter's executed output stale: its *key*.

The runner (:mod:`biasbook.book.runner`) re-executes a chapter only when this key changes, so
every input of the output must be in it: the chapter source, its parameters, the fingerprints of
its data inputs (:func:`biasbook.data.inputs.fingerprints`) and the library's source code
(:func:`biasbook.store.cache.library_hash`). A module of its own so that mutation testing can
hold it to its target (every mutant killed) without running the runner's slow tests.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from biasbook.store import cache


def chapter_key(
    source: Path, params: Mapping[str, Any], inputs: Mapping[str, Any] | None = None
) -> str:
    """Hash of the chapter source, its parameters, its inputs' fingerprints and the library.

    Parameters and inputs are hashed as JSON with sorted keys, so the order in which they are
    given does not matter; a parameter value JSON cannot hold is hashed by its ``repr``.
    """
    h = hashlib.sha256()
    h.update(source.read_bytes())
    h.update(json.dumps(dict(params), sort_keys=True, default=repr).encode())
    h.update(json.dumps(dict(inputs or {}), sort_keys=True).encode())
    h.update(cache.library_hash().encode())
    return h.hexdigest()[:24]
