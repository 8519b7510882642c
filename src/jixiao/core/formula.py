"""A safe formula evaluator over Decimal, built on simpleeval.

Formulas in frameworks (``60+40*(actual-80)/10``) are parsed once, checked against a
whitelist (numbers, names, arithmetic, comparisons, ``and``/``or``/``not``, ``x if c else y``
and a few named functions), and evaluated with every literal read exactly as a Decimal.
Python's ``eval`` is never used; attribute access, subscripts, strings, imports and calls to
anything but the named functions are rejected before evaluation.
"""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass, field
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Callable, Mapping

import simpleeval

from .numbers import quantize

MAX_LENGTH = 500
MAX_DEPTH = 30
MAX_EXPONENT = 100
MAX_MAGNITUDE = Decimal("1e30")


class FormulaError(ValueError):
    """A formula that is not allowed or cannot be evaluated; the message is in Chinese."""


def _round(value: Decimal, places: Decimal = Decimal(0)) -> Decimal:
    return quantize(value, int(places))


def _power(base: Decimal, exponent: Decimal) -> Decimal:
    if abs(exponent) > MAX_EXPONENT or exponent != exponent.to_integral_value():
        raise FormulaError(f"指数必须是绝对值不超过{MAX_EXPONENT}的整数")
    if abs(base) > MAX_MAGNITUDE:
        raise FormulaError("乘方的底数过大")
    return base ** int(exponent)


FUNCTIONS: dict[str, Callable[..., Decimal]] = {
    "min": min,
    "max": max,
    "abs": abs,
    "round": _round,
    "clamp": lambda x, lo, hi: max(lo, min(hi, x)),
}

OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: _power,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}

_ALLOWED_NODES = (
    ast.Expression, ast.Expr, ast.Name, ast.Load, ast.UnaryOp, ast.BinOp, ast.BoolOp,
    ast.Compare, ast.IfExp, ast.Call, ast.Constant, ast.And, ast.Or,
    *OPERATORS.keys(),
)

# Full-width and typographic symbols as they occur in Chinese criteria text.
_NORMALISE = str.maketrans({"＋": "+", "－": "-", "×": "*", "＊": "*", "÷": "/", "／": "/",
                            "（": "(", "）": ")", "≥": ">=", "≤": "<=", "＞": ">", "＜": "<",
                            "＝": "==", "，": ","})


class _DecimalEval(simpleeval.SimpleEval):
    """The reference evaluator (simpleeval over Decimal). Scoring uses the closures built by
    ``_compile`` below, which give the same results without building an evaluator per call;
    this class is kept to cross-check them (tests, benchmarks)."""

    def __init__(self, source: str):
        super().__init__(operators=OPERATORS, functions=FUNCTIONS, names={})
        self._source = source
        self.nodes = {
            ast.Expr: self._eval_expr,
            ast.Name: self._eval_name,
            ast.UnaryOp: self._eval_unaryop,
            ast.BinOp: self._eval_binop,
            ast.BoolOp: self._eval_boolop,
            ast.Compare: self._eval_compare,
            ast.IfExp: self._eval_ifexp,
            ast.Call: self._eval_call,
            ast.Constant: self._eval_decimal,
        }

    def _eval_decimal(self, node: ast.Constant):
        if isinstance(node.value, bool):
            return node.value
        # Read the literal's own text so 0.1 is exactly Decimal("0.1"), not a float.
        return Decimal(ast.get_source_segment(self._source, node).replace("_", ""))


_Program = Callable[[Mapping[str, Decimal]], object]


def _literal(text: str, node: ast.Constant) -> _Program:
    if isinstance(node.value, bool):
        value = node.value
        return lambda v: value
    segment = ast.get_source_segment(text, node).replace("_", "")
    try:
        number = Decimal(segment)  # the literal's own text: 0.1 is exactly Decimal("0.1")
    except InvalidOperation:  # e.g. 0x10: fails when evaluated, as the reference evaluator does
        def bad(v, segment=segment):
            return Decimal(segment)
        return bad
    return lambda v: number


def _compile(text: str, node: ast.AST) -> _Program:
    """Turn a checked expression tree into nested closures over Decimal, once per formula.

    Semantics are those of ``_DecimalEval`` (simpleeval): left-to-right evaluation, chained
    comparisons stop at the first false, ``and``/``or`` return the deciding operand."""
    if isinstance(node, ast.Constant):
        return _literal(text, node)
    if isinstance(node, ast.Name):
        name = node.id
        return lambda v: v[name]
    if isinstance(node, ast.UnaryOp):
        op, operand = OPERATORS[type(node.op)], _compile(text, node.operand)
        return lambda v: op(operand(v))
    if isinstance(node, ast.BinOp):
        op, left, right = OPERATORS[type(node.op)], _compile(text, node.left), _compile(text, node.right)
        return lambda v: op(left(v), right(v))
    if isinstance(node, ast.BoolOp):
        values = [_compile(text, n) for n in node.values]
        if isinstance(node.op, ast.And):
            def conj(v):
                result = False
                for value in values:
                    result = value(v)
                    if not result:
                        break
                return result
            return conj

        def disj(v):
            result = False
            for value in values:
                result = value(v)
                if result:
                    break
            return result
        return disj
    if isinstance(node, ast.Compare):
        first = _compile(text, node.left)
        steps = [(OPERATORS[type(o)], _compile(text, c)) for o, c in zip(node.ops, node.comparators)]
        if len(steps) == 1:
            (op, comp), = steps
            return lambda v: op(first(v), comp(v))

        def chain(v):
            right = first(v)
            result = True
            for op, comp in steps:
                if not result:
                    break
                left, right = right, comp(v)
                result = op(left, right)
            return result
        return chain
    if isinstance(node, ast.IfExp):
        test, body, orelse = _compile(text, node.test), _compile(text, node.body), _compile(text, node.orelse)
        return lambda v: body(v) if test(v) else orelse(v)
    if isinstance(node, ast.Call):
        func = FUNCTIONS[node.func.id]
        args = [_compile(text, a) for a in node.args]
        return lambda v: func(*[a(v) for a in args])
    raise FormulaError(f"公式含有不允许的写法：{type(node).__name__}")  # pragma: no cover - checked before


@dataclass(frozen=True)
class Formula:
    """A parsed, checked formula; ``names`` are the variables it reads. ``program`` is the
    tree compiled once into closures (literals already read as Decimal)."""

    source: str
    text: str  # the source with full-width symbols normalised; literal offsets refer to it
    names: frozenset[str]
    tree: ast.AST
    program: _Program | None = field(default=None, repr=False, compare=False)

    def __call__(self, variables: Mapping[str, Decimal]) -> Decimal:
        if not self.names <= variables.keys():
            missing = self.names - variables.keys()
            raise FormulaError(f"公式“{self.source}”缺少变量：{'、'.join(sorted(missing))}")
        program = self.program
        if program is None:
            program = _compile(self.text, self.tree)
            object.__setattr__(self, "program", program)
        try:
            result = program(variables)
        except (ZeroDivisionError, DivisionByZero):
            raise FormulaError(f"公式“{self.source}”除以零") from None
        except InvalidOperation:
            raise FormulaError(f"公式“{self.source}”无法计算") from None
        except simpleeval.InvalidExpression as exc:
            raise FormulaError(f"公式“{self.source}”无效：{exc}") from None
        if isinstance(result, bool):
            return result
        if not isinstance(result, Decimal):
            raise FormulaError(f"公式“{self.source}”的结果不是数字")
        return result

    def __reduce__(self):
        # the compiled closures do not pickle; a formula is rebuilt from its source instead
        return compile_formula, (self.source,)

    def reference(self, variables: Mapping[str, Decimal]) -> Decimal:
        """Evaluate with the simpleeval reference evaluator (slow; for cross-checks)."""
        evaluator = _DecimalEval(self.text)
        evaluator.names = dict(variables)
        return evaluator.eval(self.text, previously_parsed=self.tree)


def compile_formula(source: str) -> Formula:
    """Parse and check a formula once; raise FormulaError naming what is not allowed."""
    if not isinstance(source, str) or not source.strip():
        raise FormulaError("公式为空")
    if len(source) > MAX_LENGTH:
        raise FormulaError(f"公式过长（超过{MAX_LENGTH}个字符）")
    text = source.translate(_NORMALISE).strip()
    try:
        module = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"公式“{source}”语法错误：{exc.msg}") from None
    names: set[str] = set()

    def check(node: ast.AST, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise FormulaError(f"公式嵌套过深（超过{MAX_DEPTH}层）")
        if not isinstance(node, _ALLOWED_NODES):
            raise FormulaError(f"公式“{source}”含有不允许的写法：{type(node).__name__}")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float, bool)):
            raise FormulaError(f"公式“{source}”只能含数字常量")
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            if abs(node.value) > MAX_MAGNITUDE:
                raise FormulaError(f"公式“{source}”中的数字过大")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                raise FormulaError(
                    f"公式“{source}”只能调用 {', '.join(FUNCTIONS)}")
            if node.keywords:
                raise FormulaError(f"公式“{source}”不支持关键字参数")
            for arg in node.args:
                check(arg, depth + 1)
            return
        if isinstance(node, ast.Name):
            if node.id.startswith("_"):
                raise FormulaError(f"公式“{source}”含有不允许的名称：{node.id}")
            names.add(node.id)
        for child in ast.iter_child_nodes(node):
            check(child, depth + 1)

    check(module, 0)
    return Formula(source=source, text=text, names=frozenset(names), tree=module.body,
                   program=_compile(text, module.body))
