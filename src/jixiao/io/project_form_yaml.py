"""The 项目支出绩效自评表 as a YAML file (docs/project-form.md): load with located errors, dump.

``load_form`` returns ``(form, errors)`` like ``load_evaluation``: every error names the
file, the line and the field (``表.yaml:31: indicators.2.weight: “办结时限”缺少分值``),
including the problems that keep the form from being built into an evaluation (a row
without 分值 in a variant with row weights…). ``form_to_yaml`` writes a form back, exactly
(Decimals as plain numbers).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from jixiao.core.model import Framework
from jixiao.core.project_form import FormProblem, ProjectForm, ProjectFormError, build, register_template_reader

from .yamlio import (InputError, LoadError, Lines, compact, framework_from_data, located_errors, parse_yaml,
                     read_text)


def read_builtin_template(variant: str) -> tuple[dict, Framework]:
    """The package's ``frameworks/project-form-VARIANT.yaml``: its ``form:`` layout data and its
    framework, validated with located errors (``InputError``). Registered with the core's
    ``load_template``, which holds no file reading of its own."""
    from importlib import resources

    name = f"builtin:project-form-{variant}"
    text = (resources.files("jixiao") / "frameworks" / f"project-form-{variant}.yaml").read_text(encoding="utf-8")
    data, lines, errors = parse_yaml(text, name)
    if errors:
        raise InputError(errors)
    framework, errors = framework_from_data(data["framework"], lines, name, ("framework",))
    if errors or framework is None:
        raise InputError(errors or [LoadError(name, None, "framework", "模板无效")])
    return data["form"], framework


register_template_reader(read_builtin_template)


def problem_errors(problems: list[FormProblem], file: str, lines: Lines | None = None) -> list[LoadError]:
    """Build problems as LoadErrors, at the line of the field when known."""
    errors = []
    for p in problems:
        line = None
        if lines is not None:
            probe = p.path
            while probe and probe not in lines:
                probe = probe[:-1]
            line = lines.get(probe)
        if line is None and p.loc is not None:
            line = p.loc.line
        errors.append(LoadError(file, line, ".".join(map(str, p.path)), p.message))
    return errors


def form_from_data(data: Any, lines: Lines, file: str) -> tuple[ProjectForm | None, list[LoadError]]:
    """Validate plain data as a form and check that it builds; (form, []) or (None, errors)."""
    if not isinstance(data, dict):
        return None, [LoadError(file, 1, "", "项目支出绩效自评表须为映射（键: 值）")]
    data = dict(data)
    data.setdefault("loc", {"file": file, "line": 1})
    rows = data.get("indicators")
    if isinstance(rows, list):
        rows = [dict(r, loc={"file": file, "line": lines.get(("indicators", i))}) if isinstance(r, dict) else r
                for i, r in enumerate(rows)]
        data["indicators"] = rows
    try:
        form = ProjectForm.model_validate(data)
    except ValidationError as exc:
        return None, located_errors(exc, data, lines, file)
    try:
        build(form)
    except ProjectFormError as exc:
        return None, problem_errors(exc.problems, file, lines)
    return form, []


def load_form(path: str | Path) -> tuple[ProjectForm | None, list[LoadError]]:
    """Load a form YAML file: the form, or None and every located error."""
    path = Path(path)
    text, errors = read_text(path)
    if text is None:
        return None, errors
    data, lines, errors = parse_yaml(text, str(path))
    if errors:
        return None, errors
    return form_from_data(data, lines, str(path))


def load_form_or_raise(path: str | Path) -> ProjectForm:
    form, errors = load_form(path)
    if errors or form is None:
        raise InputError(errors)
    return form


# --- writing ---------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    """Decimals as plain numbers, tuples as lists, short scalar mappings on one line."""


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    text = format(value, "f")
    tag = "tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int"
    return dumper.represent_scalar(tag, text)


def _mapping(dumper: yaml.SafeDumper, value: dict) -> yaml.Node:
    flat = len(value) <= 4 and all(not isinstance(v, (dict, list, tuple)) and len(str(v)) <= 24 for v in value.values())
    return dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=flat)


_Dumper.add_representer(Decimal, _decimal)
_Dumper.add_representer(dict, _mapping)
_Dumper.add_representer(tuple, lambda d, v: d.represent_list(list(v)))


_plain = compact  # no locations, no empty values


def form_data(form: ProjectForm) -> dict[str, Any]:
    """A form as the plain data its YAML file holds (no source locations, no empty fields)."""
    data = _plain(form.model_dump())
    data["variant"] = form.variant
    money = data.get("money") or {}
    data["money"] = {k: v for k, v in money.items() if v != {}}
    return data


def form_to_yaml(form: ProjectForm) -> str:
    """The YAML file of a form, fields in the order of the printed form."""
    return yaml.dump(form_data(form), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000)
