"""One module per chapter: the experiments its page runs.

``book/X.md`` calls :mod:`biasbook.experiments.X`; nothing else imports a chapter's module (a
test enforces it), so what two chapters share lives in :mod:`biasbook.maths` or
:mod:`biasbook.nets`.
"""
