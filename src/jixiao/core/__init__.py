"""The pure domain: frameworks, indicators, rules, evaluations, scoring, grading, audit.

Nothing in this package does I/O or imports Django; loaders live in ``jixiao.io``.
"""
