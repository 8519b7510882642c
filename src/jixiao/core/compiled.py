"""Which compiled loops are in use (``_speedups.pyx``, built by ``pip install``).

The hottest loops of scoring and audit have a compiled copy; the Python loop beside each is
the reference and runs when the extension is not built (a source checkout used without
installing) or when the environment sets ``JIXIAO_PURE_PYTHON=1`` (tests compare the two).
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType


def pure_python() -> bool:
    """Whether ``JIXIAO_PURE_PYTHON`` asks for the Python loops only."""
    return os.environ.get("JIXIAO_PURE_PYTHON", "") not in ("", "0")


def compiled_loops(name: str) -> ModuleType | None:
    """The compiled module ``name``, or None (not built, or pure Python asked for)."""
    if pure_python():
        return None
    try:
        return importlib.import_module(name)
    except ImportError:
        return None
