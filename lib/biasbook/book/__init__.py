"""The book's machinery: executing chapters, the status tables, building the HTML.

It knows nothing of the science. Chapters and the command line import it; no module of the
science layers (:mod:`biasbook.maths`, :mod:`biasbook.nets`, :mod:`biasbook.experiments`) does.

* :mod:`~biasbook.book.chapters`: finding the chapters and reading their front matter.
* :mod:`~biasbook.book.parameters`: a chapter's parameters, their types and bounds.
* :mod:`~biasbook.book.runner`: one chapter through jupytext and papermill, with its cache key.
* :mod:`~biasbook.book.build`: every chapter, then the HTML book (Jupyter Book 1.x).
* :mod:`~biasbook.book.notebooks`: the plain notebooks that Colab and Binder open.
* :mod:`~biasbook.book.status`: the reproduction-status table that closes every chapter.
* :mod:`~biasbook.book.display`: small display helpers the chapters share (tables, glue).
* :mod:`~biasbook.book.cli`: ``python -m biasbook``.
"""
