"""Where the project keeps its files: root, build output, caches and shared data."""

from __future__ import annotations

import os
from pathlib import Path

#: The ``biasbook`` package folder (``lib/biasbook``); the repository root (the folder holding
#: ``_toc.yml``) is two levels above it when the library is used from a checkout.
PACKAGE_DIR = Path(__file__).resolve().parent.parent


def checkout_root() -> Path | None:
    """The book's checkout: ``BIASBOOK_ROOT``, else the one holding this package, else ``None``.

    ``None`` means the library was installed without the book (``pip install`` from a wheel, as on
    Colab): there are then no chapters to run, and outputs go to :func:`user_cache_dir`.
    """
    env = os.environ.get("BIASBOOK_ROOT")
    if env:
        return Path(env).expanduser().resolve()
    candidate = PACKAGE_DIR.parent.parent  # lib/biasbook -> lib -> root
    return candidate if (candidate / "_toc.yml").is_file() else None


def project_root() -> Path:
    """Return the project root: :func:`checkout_root`, or the working folder without a checkout."""
    return checkout_root() or Path.cwd()


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/biasbook`` (else ``~/.cache/biasbook``): outputs without a checkout."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "biasbook"


def build_dir() -> Path:
    """Return the build directory: ``BIASBOOK_BUILD``, else ``<root>/_build``.

    Without a checkout, ``<user cache>/build``: never inside the Python installation.
    """
    env = os.environ.get("BIASBOOK_BUILD")
    if env:
        return Path(env).expanduser().resolve()
    root = checkout_root()
    return root / "_build" if root else user_cache_dir() / "build"


def cache_dir() -> Path:
    """Return the result-cache directory (``BIASBOOK_CACHE`` or ``<build>/cache``)."""
    env = os.environ.get("BIASBOOK_CACHE")
    return Path(env).expanduser().resolve() if env else build_dir() / "cache"


def book_dir() -> Path:
    """Return the folder holding the chapters."""
    return project_root() / "book"


def shared_data_dir() -> Path:
    """Return ``../shared/data`` relative to the project root (read-only shared data sets)."""
    return project_root().parent / "shared" / "data"
