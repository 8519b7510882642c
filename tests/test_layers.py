"""The layers stay as the architecture says: ``jixiao.core`` is the pure domain — it imports
nothing from ``jixiao.io``, ``jixiao.reports``, ``jixiao.web`` or the CLI, nor Django, and
opens no files — so a rule, a score or a finding means the same wherever it is computed."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "src" / "jixiao" / "core"
UPWARD = ("jixiao.io", "jixiao.reports", "jixiao.web", "jixiao.cli", "django", "openpyxl", "docx", "yaml")


def imported_modules(tree: ast.AST, package: str) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against jixiao.core
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                names.append(f"{base}.{node.module}" if node.module else base)
            else:
                names.append(node.module or "")
    return names


def test_core_imports_nothing_from_the_layers_above():
    offenders = []
    for path in sorted(CORE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name in imported_modules(tree, "jixiao.core"):
            if name.startswith(UPWARD):
                offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_core_opens_no_files():
    offenders = []
    for path in sorted(CORE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if name in ("open", "read_text", "read_bytes", "write_text", "write_bytes", "files"):
                    offenders.append(f"{path.name}:{node.lineno}: {name}()")
    assert offenders == []


def test_project_form_templates_come_through_the_registered_reader():
    from jixiao.core import project_form
    from jixiao.io.project_form_yaml import read_builtin_template

    assert project_form._template_reader is read_builtin_template
    template = project_form.load_template("hubei")
    assert template.layout.variant == "hubei" and template.execution_points > 0
