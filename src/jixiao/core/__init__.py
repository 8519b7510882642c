"""The pure domain: frameworks, indicators, rules, evaluations, scoring, grading, audit.

Nothing in this package does I/O or imports Django; loaders live in ``jixiao.io``.
"""

# model.py binds its rule and finance types last; importing it first makes any import order
# (e.g. ``import jixiao.core.finance`` before anything else) resolve that cycle the same way.
from . import model as _model  # noqa: E402,F401
