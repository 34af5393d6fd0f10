"""The external inputs a chapter may declare: data folders, found and fingerprinted before it runs.

A chapter names its inputs in its front matter::

    biasbook:
      inputs: [wikitext-2]

Before the chapter's kernel starts, the runner locates each input (from the chapter parameter
that names its folder, else its environment variable, else the default places), checks its files,
and puts their content fingerprints into the chapter's key. So pointing ``BIASBOOK_WIKITEXT`` at
other or damaged data re-executes the chapter or stops it with one line, never shows numbers
computed from the old data as ``cached``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from biasbook.data import wikitext


class InputError(ValueError):
    """An input that cannot be used (unknown name, missing or damaged files): one line."""


@dataclass(frozen=True)
class ExternalInput:
    """One kind of external input.

    Attributes
    ----------
    name
        The name a chapter declares (``"wikitext-2"``).
    env_var
        The environment variable that points at it.
    path_parameter
        The chapter parameter that, when set, names its folder instead.
    fingerprint
        Folder (or ``None``: the default search) -> ``{file: content hash}``; raises a
        ``ValueError`` whose message is one line when the input is missing or damaged.
    """

    name: str
    env_var: str
    path_parameter: str
    fingerprint: Callable[[Any], dict[str, str]]


INPUTS: dict[str, ExternalInput] = {
    "wikitext-2": ExternalInput(
        "wikitext-2", wikitext.ENV_VAR, "data_path", wikitext.folder_fingerprint
    ),
}


def fingerprints(names: list[str], params: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """``{input: {file: hash}}`` of the declared inputs, located with the chapter's ``params``.

    Raises
    ------
    InputError
        For an unknown input name or an input that is missing or damaged (one line, naming the
        input and what to do).
    """
    out = {}
    for name in names:
        if name not in INPUTS:
            raise InputError(f"unknown input {name!r}; known inputs: {', '.join(INPUTS)}")
        spec = INPUTS[name]
        try:
            out[name] = spec.fingerprint(params.get(spec.path_parameter))
        except ValueError as err:
            raise InputError(f"{name}: {err}") from None
    return out
