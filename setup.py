"""The compiled copies of the hottest scoring loops (``src/jixiao/core/compiled.py`` says why).

Everything else is in pyproject.toml. ``optional``: where the extension cannot be built, the
install goes on and the Python loops run.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("jixiao.core._speedups", ["src/jixiao/core/_speedups.pyx"], optional=True)])
