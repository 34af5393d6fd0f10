"""``python -m biasbook``: the book's command line (:mod:`biasbook.book.cli`)."""

from biasbook.book.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
