"""Reproduction checks that can fail, independent of any chapter and of the book machinery.

* :mod:`~biasbook.checks.verdicts`: a claim's test run on the data, its negative and positive
  controls and its items, and the verdict that follows (passed, FAILED, not reproduced,
  inconclusive, not tested).
* :mod:`~biasbook.checks.prose`: measured numbers typed into a chapter's prose instead of glued.
"""
