"""Where the project keeps its files: root, build output, caches and shared data."""

from __future__ import annotations

import os
from pathlib import Path

#: The ``biasbook`` package folder (``lib/biasbook``); the repository root (the folder holding
#: ``_toc.yml``) is two levels above it when the library is used from a checkout.
PACKAGE_DIR = Path(__file__).resolve().parent.parent


def project_root() -> Path:
    """Return the project root: ``BIASBOOK_ROOT`` if set, else the checkout holding this package."""
    env = os.environ.get("BIASBOOK_ROOT")
    if env:
        return Path(env).resolve()
    # lib/biasbook -> lib -> root
    return PACKAGE_DIR.parent.parent


def build_dir() -> Path:
    """Return the build directory (``BIASBOOK_BUILD`` or ``<root>/_build``)."""
    env = os.environ.get("BIASBOOK_BUILD")
    return Path(env).resolve() if env else project_root() / "_build"


def cache_dir() -> Path:
    """Return the result-cache directory (``BIASBOOK_CACHE`` or ``<build>/cache``)."""
    env = os.environ.get("BIASBOOK_CACHE")
    return Path(env).resolve() if env else build_dir() / "cache"


def book_dir() -> Path:
    """Return the folder holding the chapters."""
    return project_root() / "book"


def shared_data_dir() -> Path:
    """Return ``../shared/data`` relative to the project root (read-only shared data sets)."""
    return project_root().parent / "shared" / "data"
