"""Hostile and broken input: formulas that try to escape, YAML bombs, truncated and random
files. Every case ends in a clear located error or a correct result — never a crash."""

import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.core.formula import FormulaError, compile_formula
from jixiao.io.yamlio import load_evaluation, parse_yaml
from conftest import EXAMPLES

HOSTILE_FORMULAS = [
    "__import__('os').system('id')",
    "().__class__.__bases__[0].__subclasses__()",
    "actual.__class__",
    "open('/etc/passwd')",
    "eval('1')",
    "exec('x=1')",
    "lambda: 1",
    "[x for x in range(10)]",
    "{'a': 1}",
    "'a' * 10",
    "f'{actual}'",
    "9 ** 9 ** 9",
    "10 ** 1000",
    "2 ** 0.5",
    "1e400 * 1e400",
    "(" * 20 + "abs(" * 40 + "1" + ")" * 60,
    "-" * 300 + "1",
    "max(*[1])",
    "round(actual, ndigits=2)",
    "actual if actual else __builtins__",
    "getattr(actual, 'real')",
    "import os",
    "x = 1",
    "1; 2",
    "actual[0]",
    "globals()",
    "_hidden + 1",
    "1 +",
    "",
    "   ",
]


@pytest.mark.parametrize("source", HOSTILE_FORMULAS)
def test_hostile_formula_is_refused_with_a_message(source):
    variables = {"actual": Decimal("99.81"), "target": Decimal(100)}
    with pytest.raises(FormulaError) as info:
        compile_formula(source)(variables)
    assert info.value.args[0]  # a Chinese reason, not an empty error


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789.+-*/()<>=! actualrgewhminxbsd,_[]'\"%≥≤×÷（）")), max_size=60))
def test_random_formula_text_never_crashes(source):
    try:
        result = compile_formula(source)({"actual": Decimal("85"), "target": Decimal("90"), "weight": Decimal(2)})
    except FormulaError:
        return
    assert isinstance(result, (Decimal, bool))


@settings(max_examples=300, deadline=None)
@given(a=st.decimals(min_value=-1000, max_value=1000, places=3), b=st.decimals(min_value=-1000, max_value=1000, places=3))
def test_formula_arithmetic_is_exact_decimal(a, b):
    f = compile_formula("(actual + target) * 2 - actual / 4")
    assert f({"actual": a, "target": b}) == (a + b) * 2 - a / 4


def test_yaml_alias_bomb_is_refused():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i, name in enumerate("bcdefghij"):
        prev = "abcdefghij"[i]
        bomb += f"{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
    data, _, errors = parse_yaml(bomb, "bomb.yaml")
    assert data is None and "别名炸弹" in errors[0].message


def test_deep_nesting_and_oversize_are_refused():
    _, _, errors = parse_yaml("a: " + "[" * 2000 + "]" * 2000, "deep.yaml")
    assert errors and ("过深" in errors[0].message or "YAML" in errors[0].message)
    _, _, errors = parse_yaml("x" * (21 * 1024 * 1024), "big.yaml")
    assert "文件过大" in errors[0].message


def test_python_object_tags_are_not_constructed(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("year: !!python/object/apply:os.system ['touch /tmp/jixiao-pwned']\n", encoding="utf-8")
    evaluation, errors = load_evaluation(path)
    assert evaluation is None and errors and "YAML" in errors[0].message


def test_truncated_and_mangled_examples_give_located_errors_or_load(tmp_path):
    text = (EXAMPLES / "nanjing-2023-department.yaml").read_text(encoding="utf-8")
    rng = random.Random(20241123)
    cases = [text[: rng.randrange(len(text))] for _ in range(25)]
    for _ in range(25):
        chars = list(text)
        for _ in range(5):
            chars[rng.randrange(len(chars))] = rng.choice(":-[]{}#&*!|>'\"%@` \n\t九")
        cases.append("".join(chars))
    for i, case in enumerate(cases):
        path = tmp_path / f"case{i}.yaml"
        path.write_text(case, encoding="utf-8")
        evaluation, errors = load_evaluation(path)
        assert (evaluation is None) == bool(errors)
        for e in errors:
            assert e.file == str(path) and e.message


def test_binary_garbage_is_a_clear_error(tmp_path):
    path = tmp_path / "garbage.yaml"
    path.write_bytes(bytes(random.Random(1).randrange(256) for _ in range(4096)))
    evaluation, errors = load_evaluation(path)
    assert evaluation is None and errors
