"""Invalid files fail with messages that name file, line and field; good files load exactly."""

import textwrap
from decimal import Decimal
from pathlib import Path

from jixiao.io.yamlio import load_evaluation, load_framework

FRAMEWORK = """\
id: t
name: 测试指标体系
kind: 部门整体
groups:
  - code: A
    name: 决策
    points: 3
    indicators:
      - code: A1
        name: 预算执行率
        weight: 3
        target: 100%
        rule: {type: deduct_per_unit, fraction_of_weight: 0.05}
"""


def write(tmp_path: Path, text: str, name: str = "e.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def evaluation_text(framework: str = FRAMEWORK, indicators: str = "  A1: {actual: 99.11, declared: 2.87}\n") -> str:
    fw = textwrap.indent(framework, "  ")
    return f"unit: {{name: 测试单位, level: 县}}\nyear: 2023\nframework:\n{fw}indicators:\n{indicators}"


def test_good_file_loads_decimals_exactly(tmp_path):
    evaluation, errors = load_evaluation(write(tmp_path, evaluation_text()))
    assert errors == []
    item = evaluation.inputs["A1"]
    assert item.actual == Decimal("99.11") and isinstance(item.actual, Decimal)
    assert evaluation.framework.indicator("A1").target.value == Decimal(100)
    assert item.loc.line == 18
    assert evaluation.framework.indicator("A1").loc.line == 12


def test_bad_number_names_file_line_and_field(tmp_path):
    path = write(tmp_path, evaluation_text(FRAMEWORK.replace("weight: 3", "weight: 三分")))
    evaluation, errors = load_evaluation(path)
    assert evaluation is None
    assert len(errors) == 1
    e = errors[0]
    assert e.file == str(path) and e.line == 14
    assert e.field == "framework.groups.0.indicators.0.weight"
    assert "数字" in e.message


def test_unknown_rule_type_and_misspelt_parameter_are_both_reported(tmp_path):
    fw = FRAMEWORK.replace("rule: {type: deduct_per_unit, fraction_of_weight: 0.05}",
                           "rule: {type: deduct_per_unit, fraction_of_wieght: 0.05}")
    fw += """\
      - code: A2
        name: 另一指标
        weight: 1
        rule: {type: magic}
"""
    evaluation, errors = load_evaluation(write(tmp_path, evaluation_text(fw)))
    assert evaluation is None
    messages = {(e.line, e.field): e.message for e in errors}
    assert (16, "framework.groups.0.indicators.0.rule.fraction_of_wieght") in messages
    assert any(f.endswith("indicators.1.rule") and "未知的规则类型“magic”" in m for (_, f), m in messages.items())
    assert any(line == 20 for (line, _) in messages)


def test_bad_formula_is_refused_with_reason(tmp_path):
    fw = FRAMEWORK.replace("rule: {type: deduct_per_unit, fraction_of_weight: 0.05}",
                           "rule: {type: formula, cases: [{score: \"actual.__class__\"}]}")
    _, errors = load_evaluation(write(tmp_path, evaluation_text(fw)))
    assert len(errors) == 1 and errors[0].line == 16 and "不允许的写法" in errors[0].message


def test_unknown_indicator_code_in_evaluation(tmp_path):
    _, errors = load_evaluation(write(tmp_path, evaluation_text(indicators="  Z9: 1\n")))
    assert len(errors) == 1 and "Z9" in errors[0].message


def test_yaml_syntax_error_has_line(tmp_path):
    _, errors = load_evaluation(write(tmp_path, "unit: {name: x\nyear: 2023\n"))
    assert len(errors) == 1 and errors[0].line is not None and "YAML" in errors[0].message


def test_duplicate_key_is_an_error(tmp_path):
    _, errors = load_evaluation(write(tmp_path, "year: 2023\nyear: 2024\n"))
    assert errors and "重复的键" in errors[0].message and errors[0].line == 2


def test_missing_file_and_unknown_builtin():
    _, errors = load_evaluation("/nonexistent/x.yaml")
    assert errors[0].message == "文件不存在"
    _, errors = load_framework("builtin:nope")
    assert "没有内置指标体系" in errors[0].message


def test_unknown_top_level_key(tmp_path):
    _, errors = load_evaluation(write(tmp_path, evaluation_text() + "yeer: 2023\n"))
    assert any(e.field == "yeer" and e.line == 19 for e in errors)


def test_duplicate_indicator_codes(tmp_path):
    fw = FRAMEWORK + """\
      - code: A1
        name: 重复
        weight: 1
"""
    _, errors = load_evaluation(write(tmp_path, evaluation_text(fw)))
    assert any("指标编码重复：A1" in e.message for e in errors)


def test_libyaml_parses_jixiao_own_files_exactly_as_the_python_parser():
    """``parse_yaml(…, fast=True)`` (built-in frameworks, frameworks the bulk pipeline stores):
    the same data, the same line of every path, and on a broken text the Python parser's own
    error."""
    from jixiao.io import yamlio

    root = Path(__file__).resolve().parent.parent / "src" / "jixiao"
    files = sorted((root / "frameworks").glob("*.yaml")) + sorted((root / "examples").glob("*.yaml"))
    assert len(files) >= 10
    for path in files:
        text = path.read_text(encoding="utf-8")
        slow, fast = yamlio.parse_yaml(text, str(path)), yamlio.parse_yaml(text, str(path), fast=True)
        assert repr(fast) == repr(slow) and fast[0] is not None and not fast[2]
        broken = text[: len(text) // 2] + "\n  - [不完整: {\n"
        assert yamlio.parse_yaml(broken, "x.yaml", fast=True) == yamlio.parse_yaml(broken, "x.yaml")
        assert yamlio.parse_yaml(broken, "x.yaml")[2]
    assert yamlio.parse_yaml("a: 1\na: 2\n", "d.yaml", fast=True) == yamlio.parse_yaml("a: 1\na: 2\n", "d.yaml")
    fw, errors = load_framework("builtin:national-capability-2023")
    plain, _ = yamlio.framework_from_data(*yamlio.parse_yaml(
        (root / "frameworks" / "national-capability-2023.yaml").read_text(encoding="utf-8"), "builtin:national-capability-2023")[:2],
        "builtin:national-capability-2023")
    assert errors == [] and fw.model_dump() == plain.model_dump()
