"""Inductive-Bias Book library."""
