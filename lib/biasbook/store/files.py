"""Writing files so that no reader ever sees half of one, and updating shared files under a lock.

Every output the book keeps (cache entries, executed notebooks' records, ``execution.json``, the
status records) is written to a temporary file in the same folder and renamed over the target:
a rename within one file system is atomic, so a crash, Ctrl-C or a concurrent reader sees either
the old file or the new one, never a truncated mix.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

try:  # POSIX; on Windows concurrent runs are not serialised (the writes stay atomic)
    import fcntl
except ImportError:  # pragma: no cover - not on the platforms the book is tested on
    fcntl = None  # type: ignore[assignment]


def _umask() -> int:
    # os.umask can only be read by setting it; put it straight back.
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def replacing(path: str | os.PathLike, binary: bool = False) -> Iterator[IO]:
    """Open a temporary file that replaces ``path`` atomically when the block ends without error.

    If the block raises (or is interrupted), the temporary file is removed and ``path`` is left as
    it was. The new file gets the usual permissions (``0666`` less the umask), not the private
    ``0600`` of :func:`tempfile.mkstemp`, since outputs are meant to be read like any other file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        mode = {"mode": "wb"} if binary else {"mode": "w", "encoding": "utf-8"}
        with os.fdopen(fd, **mode) as f:
            yield f
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically (see :func:`replacing`)."""
    with replacing(path) as f:
        f.write(text)


@contextlib.contextmanager
def locked(path: str | os.PathLike) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` (created if needed) for the block.

    Used around read-modify-write updates of a shared file, so two runs writing at once both land
    (without the lock, each could read the file before the other wrote it and drop its entry).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
