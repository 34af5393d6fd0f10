"""The environment variables the book reads: what each means, its default, and a check of its value.

One table (:data:`SETTINGS`) feeds the command line's ``--help`` and the README's table, and
:func:`check_environment` reads every variable once, before any work starts, so that a bad value
gives one line naming the variable and what to set instead of a traceback from deep inside JAX or
a chapter's kernel.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


class SettingError(ValueError):
    """A ``BIASBOOK_*`` environment variable with an unusable value (the message: what to set)."""


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, what it sets, and what holds when it is unset."""

    name: str
    meaning: str
    default: str


SETTINGS: tuple[Setting, ...] = (
    Setting("BIASBOOK_ROOT", "the book's checkout (the folder holding _toc.yml and book/)",
            "the checkout holding this library"),
    Setting("BIASBOOK_BUILD", "build folder: executed notebooks, status records, HTML, caches",
            "<root>/_build (installed without a checkout: ~/.cache/biasbook/build)"),
    Setting("BIASBOOK_CACHE", "result-cache folder", "<build>/cache"),
    Setting("BIASBOOK_NO_CACHE", "1: recompute every cached result, re-execute every chapter, "
            "compile every XLA program afresh", "unset"),
    Setting("BIASBOOK_CPU_DEVICES", "JAX CPU devices the training engine spreads its models "
            "over (a positive integer)", "one per usable core"),
    Setting("BIASBOOK_WIKITEXT", "folder holding wiki.{train,valid,test}.tokens",
            "../shared/data/wikitext-2, then ~/.cache/biasbook/wikitext-2"),
    Setting("BIASBOOK_TRAIN_LOG", "file to which every train_many call appends a JSON line",
            "unset"),
)  # fmt: skip


def positive_int(name: str) -> int | None:
    """The value of the environment variable ``name`` as a positive integer, ``None`` if unset.

    Raises
    ------
    SettingError
        If it is set to anything but a positive integer.
    """
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n < 1:
        raise SettingError(
            f"{name} must be a positive integer, got {raw!r}; set it to e.g. 1, or unset it"
        )
    return n


def _folder(name: str, must_exist: bool) -> None:
    raw = os.environ.get(name)
    if not raw:
        return
    path = Path(raw).expanduser()
    if must_exist and not path.is_dir():
        problem = "is not a folder; set it to an existing folder"
    elif path.exists() and not path.is_dir():
        problem = "is a file, not a folder; set it to a folder"
    else:
        return
    raise SettingError(f"{name}={raw!r} {problem}, or unset it")


def check_environment() -> None:
    """Check each ``BIASBOOK_*`` variable that is set; :class:`SettingError` for the first bad one.

    Folders that the book writes (``BIASBOOK_BUILD``, ``BIASBOOK_CACHE``) may not exist yet, but
    must not be files; folders it reads (``BIASBOOK_ROOT``, ``BIASBOOK_WIKITEXT``) must exist.
    Whether a data folder holds usable files is checked by the chapter that declares it.
    """
    positive_int("BIASBOOK_CPU_DEVICES")
    _folder("BIASBOOK_ROOT", must_exist=True)
    _folder("BIASBOOK_WIKITEXT", must_exist=True)
    _folder("BIASBOOK_BUILD", must_exist=False)
    _folder("BIASBOOK_CACHE", must_exist=False)


def check_writable(folder: Path, setting: str) -> None:
    """Create ``folder`` if needed and make sure a file can be written in it.

    Raises
    ------
    SettingError
        Naming the folder and the variable (``setting``) that chooses another one.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise SettingError(
            f"cannot write to {folder} ({err.strerror or err}); set {setting} to a writable folder"
        ) from None
