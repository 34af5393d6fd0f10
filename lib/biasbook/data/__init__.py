"""Data sets the book's chapters read.

Loaders look for local copies only; none of them downloads anything at build or test time.

* :mod:`~biasbook.data.wikitext`: WikiText-2 from a local copy, as token-id streams.
* :mod:`~biasbook.data.inputs`: the data a chapter declares, checked and fingerprinted for its key.
"""
