"""Data sets the book's chapters read.

Loaders look for local copies only; none of them downloads anything at build or test time.
"""
