"""One module or package per chapter: the experiments its page runs, and its reproduction checks.

``book/X.md`` calls :mod:`biasbook.experiments.X`; nothing else imports a chapter's code (a test
enforces it), so what two chapters share lives in :mod:`biasbook.maths`, :mod:`biasbook.nets` or
:mod:`biasbook.checks`. A chapter with much to hold is a package: ``runs`` (the experiments),
``summaries`` (the tables and sentences the chapter shows, chosen from the numbers) and ``checks``
(the rows of its reproduction-status table), re-exported by the package.
"""
