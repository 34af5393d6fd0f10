"""WikiText-2 loader, on small files the tests write (never the real corpus, never a download)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from biasbook.data import wikitext as wt

# Hand-checkable corpus. Train counts (with one <eos> per line, blank line " " included):
#   the: 4, <eos>: 4, cat: 2, sat: 1, on: 1, mat: 1, dog: 1, ran: 1  -> 8 types, 15 tokens.
TRAIN = " \n the cat sat on the mat \n the dog ran \n the cat \n"
VALID = " the bird \n"  # "bird" is not in train
TEST = " dog \n"


def write_corpus(folder: Path, names: str = "official") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for split, text in (("train", TRAIN), ("valid", VALID), ("test", TEST)):
        name = f"wiki.{split}.tokens" if names == "official" else f"{split}.txt"
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No env var; shared data and download folders point into an empty temporary tree."""
    monkeypatch.delenv(wt.ENV_VAR, raising=False)
    monkeypatch.setenv("BIASBOOK_ROOT", str(tmp_path / "project"))  # shared = tmp/shared/data
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path


def test_vocabulary_order_counts_and_ids(isolated: Path) -> None:
    corpus = wt.load_wikitext(write_corpus(isolated / "wt"))
    # Decreasing count; ties in order of first appearance. The blank first line yields "<eos>"
    # before any "the", so "<eos>" wins the 4-4 tie; "sat on mat dog ran" keep their text order.
    assert corpus.vocab.words == ("<eos>", "the", "cat", "sat", "on", "mat", "dog", "ran")
    np.testing.assert_array_equal(corpus.vocab.counts, [4, 4, 2, 1, 1, 1, 1, 1])
    assert corpus.n_tokens("train") == 15
    assert corpus.n_tokens("valid") == 3 and corpus.n_tokens("test") == 2
    np.testing.assert_array_equal(corpus.ids["train"][:8], [0, 1, 2, 3, 4, 1, 5, 0])
    np.testing.assert_array_equal(corpus.ids["valid"], [1, 8, 0])  # "bird" -> oov id 8
    assert corpus.vocab.decode(corpus.ids["valid"]) == ["the", "<oov>", "<eos>"]
    np.testing.assert_allclose(corpus.unigram("test"), [0.5, 0, 0, 0, 0, 0, 0.5, 0, 0])


def test_count_checks_rows(isolated: Path) -> None:
    corpus = wt.load_wikitext(write_corpus(isolated / "wt"), splits=("valid",))
    assert set(corpus.ids) == {"valid"}
    assert wt.count_checks(corpus) == [
        ("vocabulary size", wt.PUBLISHED_VOCAB, 8),
        ("valid tokens", wt.PUBLISHED_TOKENS["valid"], 3),
    ]


def test_pytorch_file_names_accepted(isolated: Path) -> None:
    corpus = wt.load_wikitext(write_corpus(isolated / "pt", names="pytorch"))
    assert corpus.n_tokens("train") == 15


def test_env_var_route(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = write_corpus(isolated / "via-env")
    monkeypatch.setenv(wt.ENV_VAR, str(folder))
    assert wt.find_wikitext() == folder
    assert wt.load_wikitext().directory == folder


def test_argument_beats_env_var(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(wt.ENV_VAR, str(write_corpus(isolated / "env")))
    arg = write_corpus(isolated / "arg")
    assert wt.find_wikitext(arg) == arg


def test_shared_then_download_folder(isolated: Path) -> None:
    cache = write_corpus(wt.default_download_dir())
    assert cache == isolated / "xdg" / "biasbook" / "wikitext-2"
    assert wt.find_wikitext() == cache
    shared = write_corpus(isolated / "shared" / "data" / "wikitext-2")
    assert wt.find_wikitext() == shared  # the shared folder is searched first


def test_nothing_found_is_one_clear_error(isolated: Path) -> None:
    with pytest.raises(FileNotFoundError) as err:
        wt.load_wikitext()
    msg = str(err.value)
    assert str(isolated / "shared" / "data" / "wikitext-2") in msg
    assert str(isolated / "xdg" / "biasbook" / "wikitext-2") in msg
    assert wt.ENV_VAR in msg and "download" in msg


def test_explicit_folder_without_files_does_not_fall_back(isolated: Path) -> None:
    write_corpus(isolated / "shared" / "data" / "wikitext-2")  # a valid copy exists elsewhere
    empty = isolated / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="given by the argument"):
        wt.find_wikitext(empty)
    (empty / "wiki.train.tokens").write_text(TRAIN)
    with pytest.raises(FileNotFoundError, match="wiki.valid.tokens"):
        wt.load_wikitext(empty)
    assert wt.load_wikitext(empty, splits=("train",)).n_tokens("train") == 15


def test_bad_env_var_is_an_error(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_corpus(isolated / "shared" / "data" / "wikitext-2")
    monkeypatch.setenv(wt.ENV_VAR, str(isolated / "typo"))
    with pytest.raises(FileNotFoundError, match=wt.ENV_VAR):
        wt.find_wikitext()


def test_unknown_split(isolated: Path) -> None:
    with pytest.raises(ValueError, match="unknown split"):
        wt.load_wikitext(write_corpus(isolated / "wt"), splits=("validation",))


def test_no_download_without_datasets(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "datasets", None)  # makes `import datasets` fail
    with pytest.raises(ImportError, match="pip install datasets"):
        wt.download_wikitext(isolated / "dl")
    with pytest.raises(ImportError):
        wt.load_wikitext(download=True)
    assert not (isolated / "dl").exists()


def test_windows_by_hand() -> None:
    ids = np.arange(10)
    np.testing.assert_array_equal(wt.windows(ids, 3), [[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    expected = [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]  # (10 - 4) // 3 + 1 = 3 windows
    np.testing.assert_array_equal(wt.windows(ids, 4, stride=3), expected)
    assert wt.windows(ids, 4, stride=1).shape == (7, 4)
    assert wt.windows(ids, 10).shape == (1, 10)
    with pytest.raises(ValueError):
        wt.windows(ids, 11)
    with pytest.raises(ValueError):
        wt.windows(ids, 0)
    with pytest.raises(ValueError):
        wt.windows(ids.reshape(2, 5), 2)


def test_file_sha256_and_fingerprint(isolated: Path) -> None:
    import hashlib

    corpus = wt.load_wikitext(write_corpus(isolated / "wt"), splits=("train",))
    assert corpus.fingerprint() == {"train": hashlib.sha256(TRAIN.encode()).hexdigest()}


@pytest.mark.parametrize(
    ("split", "content", "what"),
    [
        ("train", b"", "is empty"),
        ("valid", b"\xff\xfe\x00binary\x80", "is not UTF-8 text"),
        ("train", b" \n \n", "holds no tokens"),
    ],
)
def test_a_damaged_file_is_named_in_one_line(
    isolated: Path, split: str, content: bytes, what: str
) -> None:
    folder = write_corpus(isolated / "corpus")
    (folder / f"wiki.{split}.tokens").write_bytes(content)
    with pytest.raises(wt.DataFileError) as info:
        wt.load_wikitext(folder, splits=("train", "valid"))
    message = str(info.value)
    assert f"wiki.{split}.tokens {what}" in message and "\n" not in message
    assert wt.ENV_VAR in message  # says what to do
