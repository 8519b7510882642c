"""The layers stay as the architecture says: ``jixiao.core`` is the pure domain — it imports
nothing from ``jixiao.io``, ``jixiao.reports``, ``jixiao.web`` or the CLI, nor Django, and
opens no files — so a rule, a score or a finding means the same wherever it is computed.

Every module of ``jixiao.core`` is checked, those of its subpackages (``core.criteria``,
``core.rules``…) included."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "src" / "jixiao" / "core"
UPWARD = ("jixiao.io", "jixiao.reports", "jixiao.web", "jixiao.cli", "django", "openpyxl", "docx", "yaml")
OPENERS = ("open", "read_text", "read_bytes", "write_text", "write_bytes", "files")


def core_modules() -> list[Path]:
    """Every source file of jixiao.core, recursively."""
    return sorted(p for p in CORE.rglob("*.py") if "__pycache__" not in p.parts)


def package_of(path: Path) -> str:
    """The package a module's relative imports resolve against (for ``__init__.py`` too)."""
    return ".".join(("jixiao", "core") + path.relative_to(CORE).parent.parts)


def imported_modules(tree: ast.AST, package: str) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names.append(module)
            # ``from jixiao import io`` / ``from ... import web`` name the layer in the alias
            names += [f"{module}.{a.name}" for a in node.names if a.name != "*"]
    return names


def upward_imports(source: str, package: str) -> list[str]:
    return [name for name in imported_modules(ast.parse(source), package) if name.startswith(UPWARD)]


def file_openings(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in OPENERS:
                found.append(f"{node.lineno}: {name}()")
    return found


def test_every_core_subpackage_is_scanned():
    scanned = {p.relative_to(CORE).parts[0] for p in core_modules() if len(p.relative_to(CORE).parts) > 1}
    subpackages = {p.name for p in CORE.iterdir() if (p / "__init__.py").is_file()}
    assert subpackages and scanned == subpackages


def test_core_imports_nothing_from_the_layers_above():
    offenders = []
    for path in core_modules():
        for name in upward_imports(path.read_text(encoding="utf-8"), package_of(path)):
            offenders.append(f"{path.relative_to(CORE)}: {name}")
    assert offenders == []


def test_core_opens_no_files():
    offenders = []
    for path in core_modules():
        for where in file_openings(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(CORE)}:{where}")
    assert offenders == []


def test_the_checker_catches_violations_in_a_subpackage():
    package = package_of(CORE / "rules" / "base.py")
    assert package == "jixiao.core.rules"
    assert package_of(CORE / "rules" / "__init__.py") == "jixiao.core.rules"
    assert package_of(CORE / "scoring.py") == "jixiao.core"
    for line in ("import jixiao.io", "from jixiao.io.bulk import x", "from jixiao import io",
                 "from ...io import excel", "from ... import web", "import django.db", "from yaml import safe_load"):
        assert upward_imports(line, package), line
    for line in ("from ..model import Model", "from .base import Rule", "from .. import numbers", "import decimal"):
        assert upward_imports(line, package) == [], line
    assert file_openings("def f(p):\n    return p.read_text()\n") == ["2: read_text()"]
    assert file_openings("with open('x') as f:\n    pass\n") == ["1: open()"]


def test_project_form_templates_come_through_the_registered_reader():
    from jixiao.core import project_form, template_reader
    from jixiao.io.project_form_yaml import read_builtin_template

    assert template_reader.reader is read_builtin_template
    template = project_form.load_template("hubei")
    assert template.layout.variant == "hubei" and template.execution_points > 0


def test_importing_jixiao_leaves_the_project_form_machinery_until_a_template_is_read():
    import subprocess
    import sys

    code = ("import sys, jixiao.io.bulk, jixiao.io.yamlio\n"
            "assert 'jixiao.core.project_form' not in sys.modules and 'jixiao.io.project_form_yaml' not in sys.modules\n"
            "from jixiao.core.project_form import load_template\n"
            "assert load_template('hubei').layout.variant == 'hubei'\n"
            "from jixiao.io.project_form_yaml import read_builtin_template\n"
            "from jixiao.core import template_reader\n"
            "assert template_reader.reader is read_builtin_template\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
