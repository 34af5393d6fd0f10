"""WikiText-2 (tokenised, ``wikitext-2-v1``) from a local copy, as integer token streams.

WikiText-2 is by Merity, Xiong, Bradbury & Socher (2016, arXiv:1609.07843), built from verified Good
and Featured Wikipedia articles, and licensed CC BY-SA (3.0 on the original release page, 4.0 on the
Hugging Face card): anything built from it must credit the source and share alike.

Where the files are looked for, in this order (the first that holds them wins):

1. the ``path`` argument of :func:`find_wikitext` / :func:`load_wikitext`;
2. the environment variable ``BIASBOOK_WIKITEXT``;
3. ``../shared/data/wikitext-2`` relative to the project root
   (:func:`biasbook.store.paths.shared_data_dir`);
4. :func:`default_download_dir` (``$XDG_CACHE_HOME/biasbook/wikitext-2``, else
   ``~/.cache/biasbook/wikitext-2``), which :func:`download_wikitext` fills for users with internet.

A path given explicitly (1 or 2) that does not hold the files is an error, not a reason to look
elsewhere, so a typo cannot silently select another copy. Nothing is ever downloaded unless asked
for (``download=True`` or :func:`download_wikitext`), and there is no synthetic fallback: when no
copy is found, one :class:`FileNotFoundError` lists where we looked and how to provide the files.

Tokenisation follows the corpus and pytorch/examples ``word_language_model``: split each line on
whitespace (``<unk>`` kept as a word) and append ``<eos>``. With that rule the counts equal the
published figures (:data:`PUBLISHED_TOKENS`, :data:`PUBLISHED_VOCAB`), which :func:`count_checks`
compares.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from biasbook.store.paths import shared_data_dir, user_cache_dir

ENV_VAR = "BIASBOOK_WIKITEXT"
SPLITS = ("train", "valid", "test")
EOS = "<eos>"
#: Accepted file names per split: the official archive's, then pytorch/examples' copies.
FILE_NAMES = {split: (f"wiki.{split}.tokens", f"{split}.txt") for split in SPLITS}
#: Published token counts with one ``<eos>`` per line (Merity et al. 2016, Table 1).
PUBLISHED_TOKENS = {"train": 2_088_628, "valid": 217_646, "test": 245_569}
#: Published vocabulary size (train word types plus ``<eos>``).
PUBLISHED_VOCAB = 33_278
#: The Hugging Face ``datasets`` name and configuration of the same (tokenised) variant.
HF_DATASET = ("Salesforce/wikitext", "wikitext-2-v1")
HF_SPLITS = {"train": "train", "valid": "validation", "test": "test"}

HOW_TO_PROVIDE = f"""How to provide WikiText-2 (tokenised variant, wikitext-2-v1):
  * put wiki.train.tokens, wiki.valid.tokens, wiki.test.tokens (or train.txt, valid.txt, test.txt
    from pytorch/examples word_language_model/data/wikitext-2) in a folder and either pass that
    folder as `path=...` or set the environment variable {ENV_VAR}=/that/folder; or
  * with internet and `pip install datasets`, run
        python -m biasbook.data.wikitext download
    which writes the files to the default download folder (searched automatically)."""


def default_download_dir() -> Path:
    """Folder that :func:`download_wikitext` writes to and the loader searches last."""
    return user_cache_dir() / "wikitext-2"


def split_file(directory: Path, split: str) -> Path | None:
    """Return the file of ``split`` in ``directory`` (either accepted name), or ``None``."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {SPLITS}")
    for name in FILE_NAMES[split]:
        candidate = Path(directory) / name
        if candidate.is_file():
            return candidate
    return None


def _missing(directory: Path, splits: Sequence[str]) -> list[str]:
    return [s for s in splits if split_file(directory, s) is None]


def find_wikitext(path: str | os.PathLike | None = None, splits: Sequence[str] = SPLITS) -> Path:
    """Return the folder holding the WikiText-2 files of ``splits``.

    Parameters
    ----------
    path
        An explicit folder. If given, it must hold the files (no fallback to other places).
    splits
        The splits that must be present.

    Raises
    ------
    FileNotFoundError
        If an explicit folder (argument or ``BIASBOOK_WIKITEXT``) lacks the files, or if none of the
        searched places holds them; the message lists the places and how to provide the files.
    """
    unknown = [s for s in splits if s not in SPLITS]
    if unknown:
        raise ValueError(f"unknown split(s) {unknown}; choose from {SPLITS}")
    explicit = [
        ("argument `path`", path),
        (f"environment variable {ENV_VAR}", os.environ.get(ENV_VAR)),
    ]
    for label, value in explicit:
        if value is None or str(value) == "":
            continue
        directory = Path(value).expanduser()
        missing = _missing(directory, splits)
        if not missing:
            return directory
        raise FileNotFoundError(
            f"WikiText-2 not found at {directory} (given by the {label}): missing "
            + ", ".join(" or ".join(FILE_NAMES[s]) for s in missing)
            + ".\n"
            + HOW_TO_PROVIDE
        )
    searched = [shared_data_dir() / "wikitext-2", default_download_dir()]
    for directory in searched:
        if not _missing(directory, splits):
            return directory
    raise FileNotFoundError(
        "WikiText-2 not found. Looked at: the argument `path` (not given), the environment "
        f"variable {ENV_VAR} (not set), "
        + ", ".join(str(d) for d in searched)
        + f"; needed splits {tuple(splits)}.\n"
        + HOW_TO_PROVIDE
    )


#: What to do about a damaged data file, in one clause.
HOW_TO_FIX = (
    "replace it with the official wiki.*.tokens file of WikiText-2 (v1, tokenised), or point "
    f"{ENV_VAR} at a folder that holds intact copies"
)


class DataFileError(ValueError):
    """WikiText data that cannot be used: a file that is empty, not UTF-8 text or holds no token,
    or (from :func:`folder_fingerprint`) no folder holding the files. The message is one line."""


def check_split_file(file: str | os.PathLike) -> str:
    """Check that a split file is usable text; return its SHA-256 (hex).

    Reads the bytes once (a few tens of milliseconds for the train split), so the runner can check
    the data and fingerprint it for a chapter's key before any kernel starts.

    Raises
    ------
    DataFileError
        If the file is empty, is not UTF-8 text, or holds no token (only blank lines), naming the
        file and what to do.
    """
    file = Path(file)
    data = file.read_bytes()
    if not data:
        raise DataFileError(f"{file} is empty; {HOW_TO_FIX}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DataFileError(
            f"{file} is not UTF-8 text (undecodable byte at offset {err.start}); {HOW_TO_FIX}"
        ) from None
    if not text.split():
        raise DataFileError(f"{file} holds no tokens, only empty lines; {HOW_TO_FIX}")
    return hashlib.sha256(data).hexdigest()


def read_tokens(file: str | os.PathLike) -> list[str]:
    """All tokens of a split file (with ``<eos>``), once :func:`check_split_file` accepts it.

    Raises
    ------
    DataFileError
        If the file is empty, is not UTF-8 text, or holds no token: naming the file and what to do,
        before any statistic is computed on it.
    """
    check_split_file(file)
    return list(iter_tokens(file))


def folder_fingerprint(path: str | os.PathLike | None = None) -> dict[str, str]:
    """``{split: SHA-256}`` of every split file in the folder the loader would read.

    The folder is found as :func:`find_wikitext` finds it (it must hold at least the train split,
    which defines the vocabulary); every split file in it is checked (:func:`check_split_file`).
    A chapter's key includes this, so changed or damaged data re-executes the chapter, or stops it
    with one line, before its kernel starts.

    Raises
    ------
    DataFileError
        If no folder holds the files (the message's first line: where we looked), or a file in it
        cannot be used.
    """
    try:
        directory = find_wikitext(path, ("train",))
    except FileNotFoundError as err:
        where = str(err).splitlines()[0]
        raise DataFileError(
            f"{where} Put wiki.{{train,valid,test}}.tokens in a folder and set {ENV_VAR} (or the "
            "chapter's data_path parameter) to it"
        ) from None
    found = {s: split_file(directory, s) for s in SPLITS}
    return {s: check_split_file(f) for s, f in found.items() if f is not None}


def iter_tokens(file: str | os.PathLike, eos: bool = True) -> Iterator[str]:
    """Yield the whitespace tokens of a text file, line by line, with ``<eos>`` after each line."""
    with open(file, encoding="utf-8") as f:
        for line in f:
            yield from line.split()
            if eos:
                yield EOS


@dataclass(frozen=True)
class Vocabulary:
    """Word types ordered by decreasing training count; a word's id is its frequency rank.

    Ties are broken by first occurrence in the training text, so the order is deterministic.
    Id ``len(vocab)`` is reserved for words absent from the vocabulary (none in WikiText-2's
    valid and test splits, but a user's files may differ).
    """

    words: tuple[str, ...]
    counts: np.ndarray = field(repr=False)

    @classmethod
    def from_tokens(cls, tokens: Iterable[str]) -> Vocabulary:
        """Count ``tokens`` and order the types by decreasing count (stable: first seen first)."""
        counter = Counter(tokens)  # insertion-ordered, so sorting by count alone is stable
        ordered = sorted(counter.items(), key=lambda kv: -kv[1])
        words = tuple(w for w, _ in ordered)
        return cls(words, np.array([c for _, c in ordered], dtype=np.int64))

    def __len__(self) -> int:
        return len(self.words)

    @functools.cached_property
    def index(self) -> dict[str, int]:
        """Map word -> id."""
        return {w: i for i, w in enumerate(self.words)}

    @property
    def oov_id(self) -> int:
        """The id given to words outside the vocabulary."""
        return len(self.words)

    def encode(self, tokens: Sequence[str]) -> np.ndarray:
        """Return the ids (``int32``) of ``tokens``; unknown words get :attr:`oov_id`."""
        index, oov = self.index, self.oov_id
        return np.fromiter((index.get(t, oov) for t in tokens), dtype=np.int32, count=len(tokens))

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Return the words of ``ids`` (``"<oov>"`` for :attr:`oov_id`)."""
        return [self.words[i] if i < len(self.words) else "<oov>" for i in ids]


@dataclass(frozen=True)
class WikiText:
    """A loaded corpus: its folder, the training vocabulary, and an id stream per split."""

    directory: Path
    vocab: Vocabulary
    ids: dict[str, np.ndarray] = field(repr=False)

    def n_tokens(self, split: str) -> int:
        """Number of tokens (``<eos>`` included) of a loaded split."""
        return int(self.ids[split].size)

    def unigram(self, split: str) -> np.ndarray:
        """Empirical unigram distribution of ``split`` over ids ``0 .. len(vocab)`` (OOV last)."""
        counts = np.bincount(self.ids[split], minlength=len(self.vocab) + 1)
        return counts / counts.sum()

    def fingerprint(self) -> dict[str, str]:
        """SHA-256 of the train file (it defines the vocabulary) and of every loaded split's file.

        A cache key that changes whenever the data, and so the ids, change.
        """
        splits = dict.fromkeys(("train", *self.ids))
        return {s: file_sha256(split_file(self.directory, s)) for s in splits}


def file_sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_wikitext(
    path: str | os.PathLike | None = None,
    splits: Sequence[str] = SPLITS,
    download: bool = False,
) -> WikiText:
    """Load WikiText-2 splits as id streams; the vocabulary always comes from the train split.

    Parameters
    ----------
    path
        Explicit folder (see the module docstring for the search order when ``None``).
    splits
        Splits to encode. ``"train"`` is always read, to build the vocabulary.
    download
        If no local copy is found, call :func:`download_wikitext` (needs internet and the
        ``datasets`` package). Off by default: the book never downloads at build or test time.

    Raises
    ------
    FileNotFoundError
        If no copy is found (and ``download`` is false); the message says how to provide one.
    """
    needed = tuple(dict.fromkeys(("train", *splits)))
    try:
        directory = find_wikitext(path, needed)
    except FileNotFoundError:
        if not download or path is not None or os.environ.get(ENV_VAR):
            raise
        directory = download_wikitext()
    # Read (and so check) every needed file before any work on one of them.
    train_tokens = read_tokens(split_file(directory, "train"))
    others = {s: read_tokens(split_file(directory, s)) for s in splits if s != "train"}
    vocab = Vocabulary.from_tokens(train_tokens)
    ids = {}
    for split in splits:
        ids[split] = vocab.encode(train_tokens if split == "train" else others[split])
    return WikiText(directory, vocab, ids)


def count_checks(corpus: WikiText) -> list[tuple[str, int, int]]:
    """``(what, published, measured)`` for the vocabulary and every loaded split's token count."""
    rows = [("vocabulary size", PUBLISHED_VOCAB, len(corpus.vocab))]
    rows += [(f"{s} tokens", PUBLISHED_TOKENS[s], corpus.n_tokens(s)) for s in corpus.ids]
    return rows


def windows(ids: np.ndarray, length: int, stride: int | None = None) -> np.ndarray:
    """Windows of ``length`` consecutive tokens, one every ``stride`` tokens (default ``length``).

    Returns an ``(n_windows, length)`` read-only view (no copy) with
    ``n_windows = (len(ids) - length) // stride + 1``; a trailing remainder is dropped.
    """
    ids = np.asarray(ids)
    stride = length if stride is None else stride
    if ids.ndim != 1:
        raise ValueError(f"ids must be a 1-D token stream, got shape {ids.shape}")
    if length < 1 or stride < 1:
        raise ValueError(f"length and stride must be positive, got {length=} {stride=}")
    if ids.size < length:
        raise ValueError(f"a stream of {ids.size} tokens holds no window of length {length}")
    return np.lib.stride_tricks.sliding_window_view(ids, length)[::stride]


def download_wikitext(dest: str | os.PathLike | None = None) -> Path:
    """Download WikiText-2 (tokenised) with Hugging Face ``datasets`` and write the official files.

    Needs internet and ``pip install datasets`` (not a dependency of the book). Writes
    ``wiki.{train,valid,test}.tokens`` to ``dest`` (default :func:`default_download_dir`), one
    dataset row per line, then checks the token counts against the published figures.

    Raises
    ------
    ImportError
        If ``datasets`` is not installed.
    ValueError
        If the written files do not reproduce the published counts.
    """
    try:
        import datasets  # noqa: PLC0415 - optional dependency, only for users with internet
    except ImportError as err:
        raise ImportError(
            "download_wikitext needs the `datasets` package (pip install datasets) and internet. "
            "Alternatively download wikitext-2-v1 yourself.\n" + HOW_TO_PROVIDE
        ) from err
    dest = Path(dest) if dest is not None else default_download_dir()
    dest.mkdir(parents=True, exist_ok=True)
    data = datasets.load_dataset(*HF_DATASET)
    for split in SPLITS:
        tmp = dest / f".wiki.{split}.tokens.part"
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            for row in data[HF_SPLITS[split]]["text"]:
                # The hub stores blank lines as "" where the original files have " \n".
                line = row if row.strip() else " \n"
                f.write(line if line.endswith("\n") else line + "\n")
        tmp.replace(dest / f"wiki.{split}.tokens")
    corpus = load_wikitext(dest)
    bad = [row for row in count_checks(corpus) if row[1] != row[2]]
    if bad:
        raise ValueError(
            f"downloaded WikiText-2 in {dest} does not match the published counts: {bad}"
        )
    return dest


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m biasbook.data.wikitext {check,download} [FOLDER]``."""
    import argparse  # noqa: PLC0415 - only the command line needs it

    parser = argparse.ArgumentParser(prog="python -m biasbook.data.wikitext", description=__doc__)
    parser.add_argument("command", choices=["check", "download"])
    parser.add_argument("folder", nargs="?", default=None)
    args = parser.parse_args(argv)
    folder = download_wikitext(args.folder) if args.command == "download" else args.folder
    corpus = load_wikitext(folder)
    print(f"WikiText-2 at {corpus.directory}")
    ok = True
    for what, published, measured in count_checks(corpus):
        ok &= published == measured
        print(f"  {what:16s} published {published:>10,d}  measured {measured:>10,d}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
