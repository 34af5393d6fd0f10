"""Compiled training programs: their cache, keyed by what the user's functions compute, and XLA's
options.

Both trainers compile one program per model shape and static configuration and keep it here, so
calls that differ only in traced values (learning rate, steps, stopping threshold, data) reuse it.
"""

from __future__ import annotations

import functools
import types
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import jax

# --------------------------------------------------------------------------------------------------
# Cache of compiled functions, keyed by the *behaviour* of the user's functions
# --------------------------------------------------------------------------------------------------


def _value_key(v: Any) -> Any:
    try:
        hash(v)
    except TypeError:
        return ("id", id(v))
    return v


def _global_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def fn_key(f: Any) -> Any:
    """A hashable key equal for two callables that compute the same thing.

    ``functools.partial`` objects and closures created afresh on every call (the common
    ``functools.partial(apply_transformer, cfg=cfg)`` / ``lambda p, x: apply(p, x, cfg)`` idioms)
    get equal keys when their bound values are equal, so repeated calls reuse the compiled program.
    Global variables a function reads are part of its key too, so redefining a global ``cfg`` in
    a notebook does not silently reuse a program traced for the old one.
    """
    if isinstance(f, functools.partial):
        return (
            "partial",
            fn_key(f.func),
            tuple(_value_key(a) for a in f.args),
            tuple(sorted((k, _value_key(v)) for k, v in f.keywords.items())),
        )
    if isinstance(f, types.FunctionType):
        cells = tuple(_value_key(c.cell_contents) for c in (f.__closure__ or ()))
        g = f.__globals__
        glob = tuple(
            (name, _value_key(g[name]))
            for name in sorted(_global_names(f.__code__))
            if name in g and not isinstance(g[name], types.ModuleType)
        )
        defaults = tuple(_value_key(d) for d in (f.__defaults__ or ()))
        kwdefaults = tuple(sorted((f.__kwdefaults__ or {}).items()))
        return ("fn", f.__code__, cells, glob, defaults, _value_key(kwdefaults))
    return ("obj", _value_key(f))


#: XLA options for the compiled training programs on a CPU (only these programs). XLA:CPU's YNN
#: library fusions (small matrix products fused with their neighbouring element-wise operations)
#: are switched off: with JAX 0.10.2 on 2 cores every training workload of the chapters ran 10-50 %
#: faster without them (A/B of ``train_many`` on six chapter workloads, 2026-11-23; see README).
COMPILER_OPTIONS: dict[str, Any] = {"xla_cpu_experimental_ynn_fusion_type": ""}

#: XLA options for the initialisation programs, which run once per call: without LLVM's
#: optimisations their compile time (mostly the inlined threefry draws of every parameter array)
#: drops about threefold; the values they draw can differ in the last bit, the same in both
#: trainers.
INIT_COMPILER_OPTIONS: dict[str, Any] = {"xla_backend_optimization_level": 0}


def cpu_options(options: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``options`` (XLA:CPU flags) on a CPU backend, none elsewhere."""
    return dict(options) if jax.default_backend() == "cpu" else {}


_COMPILED: OrderedDict[Any, Any] = OrderedDict()
_COMPILED_MAX = 64


def cached_program(key: Any, build: Callable[[], Any]) -> Any:
    if key in _COMPILED:
        _COMPILED.move_to_end(key)
        return _COMPILED[key]
    value = build()
    _COMPILED[key] = value
    if len(_COMPILED) > _COMPILED_MAX:
        _COMPILED.popitem(last=False)
    return value


def clear_compiled_cache() -> None:
    """Forget every compiled training program (mainly for benchmarks of compile time)."""
    _COMPILED.clear()
