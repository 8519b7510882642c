"""The 项目支出绩效自评表: the form every agency fills for each project budget each year.

A ``ProjectForm`` is the form as agencies draw it: 项目名称, 主管部门, 实施单位; the 项目资金
block (年初预算数, 全年预算数, 全年执行数 for 年度资金总额 / 其中：当年财政拨款 / 上年结转资金 /
其他资金, with its 分值, 执行率 and 得分); 年度总体目标 (预期目标 | 实际完成情况); and indicator
rows (一级 | 二级 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因分析及改进措施).
There is no 评分标准 column: rows score by the generic 正向/反向/定性 rules.

Variants (``variant``) follow the built-in templates ``frameworks/project-form-*.yaml``:

* ``national`` — the 财政部 form: 预算执行 10分 (分值 × 执行率), 产出 50 / 效益 30 / 满意度 10;
* ``yunnan`` — 公开14表: adds 指标性质 (≧ ≦ ＝ 定性) and 度量单位 columns;
* ``hubei`` — 预算执行情况 20分 scored 20 × 执行率, points on the headings only (split equally
  over the rows), columns labelled 年初目标值(A) / 实际完成值(B), the grade printed.

``build_evaluation(form)`` turns a form into an ordinary ``Evaluation`` (the template's
framework plus the form's rows, the 预算执行率 row computed from the money block), so the
scorer, audit, Excel score tables and Word reports all work on it. ``review`` scores it and
adds the form's own findings (``check_form``): 偏差原因 missing where a row loses points, a
target met but points lost, money rows that do not add up. ``rollup`` sums a department's
forms for its report.

Pure: no file formats here except reading the built-in templates (package data).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Callable, Iterable, Literal

from pydantic import Field, field_validator, model_validator

from .audit import KINDS, Finding, audit
from .model import (COMPARATOR_SYMBOL, NATIONAL_GRADES, Evaluation, Framework, Group, Indicator, IndicatorInput,
                    Model, SourceRef, Target, Unit)
from . import template_reader
from .input_bounds import quantity_bounds
from .numbers import HUNDRED, ZERO, NumberError, fmt, parse_typed, quantize
from .rules import PROVINCIAL_VERDICTS
from .scoring import ScoreSheet, score

Variant = Literal["national", "yunnan", "hubei"]
VARIANTS: dict[str, str] = {"national": "全国通用格式", "yunnan": "云南省公开14表格式", "hubei": "湖北省格式"}
Direction = Literal["正向", "反向", "定性"]

EXECUTION_GROUP = "F"  # the 预算执行 group of every template
EXECUTION_CODE = "F1"  # its one row, 预算执行率
RATE_PLACES = 2  # 执行率 is shown and scored in percent to 2 places, as published
WAN = Decimal(10000)

#: Rows of the 项目资金 block: field name → label on the form.
MONEY_ROWS: dict[str, str] = {
    "total": "年度资金总额",
    "fiscal": "其中：当年财政拨款",
    "carryover": "上年结转资金",
    "other": "其他资金",
}
#: Columns of the 项目资金 block: field name → label.
MONEY_COLUMNS: dict[str, str] = {"initial": "年初预算数", "annual": "全年预算数", "spent": "全年执行数"}

#: Finding kinds of the form, beside those of ``jixiao.core.audit.KINDS``.
FORM_KINDS: dict[str, str] = {k: KINDS[k] for k in (
    "reason-missing", "met-but-lost", "target-missed-full", "money-sum", "money-over", "money-missing",
    "target-missing")}
FORM_KINDS["money-rate"] = "项目资金表所填执行率与全年执行数÷全年预算数不符"

# 定性 rows: the 实际完成值 text gives the verdict. Exact labels first, then common phrasings.
_VERDICT_PREFIXES = (
    ("未达成", "未达成"), ("未完成", "未达成"), ("未达到", "未达成"),
    ("部分达成", "部分达成"), ("基本达成", "部分达成"), ("部分完成", "部分达成"), ("基本完成", "部分达成"),
    ("达成", "达成"), ("已达成", "达成"), ("完成", "达成"), ("已完成", "达成"), ("达到", "达成"),
)
NOT_APPLICABLE_TEXT = "不适用"


def _text(value: Any) -> Any:
    """Numbers typed where text is expected (YAML ``actual: 98``) become their exact text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, Decimal)):
        return fmt(Decimal(value))
    return value


def heading_key(name: str) -> str:
    """A heading name compared loosely: width-normalised, points annotation and a trailing
    指标 dropped (``产出指标（40分）`` ≡ ``产出``, ``服务对象满意度指标`` ≡ ``服务对象满意度``)."""
    text = unicodedata.normalize("NFKC", name).strip()
    text = re.sub(r"\(\s*[\d.]+\s*分\s*\)\s*$", "", text).strip()
    return text[:-2] if text.endswith("指标") and len(text) > 2 else text


def split_heading(text: str) -> tuple[str, Decimal | None]:
    """``产出指标（40分）`` → (``产出指标``, 40); a heading without points → (name, None)."""
    normal = unicodedata.normalize("NFKC", text).strip()
    match = re.search(r"\(\s*([\d.]+)\s*分\s*\)\s*$", normal)
    if not match:
        return text.strip(), None
    name = re.sub(r"[（(]\s*[\d.]+\s*分\s*[）)]\s*$", "", text.strip()).strip()
    return name, Decimal(match[1])


# --- the form ------------------------------------------------------------------------


class Amounts(Model):
    """One row of the 项目资金 block: 年初预算数, 全年预算数, 全年执行数 (in the block's unit)."""

    initial: Decimal | None = None
    annual: Decimal | None = None
    spent: Decimal | None = None

    @property
    def empty(self) -> bool:
        return self.initial is None and self.annual is None and self.spent is None


class Money(Model):
    """The 项目资金 block. ``declared_score`` is its 得分 as filled in and ``declared_rate``
    its 执行率 as filled in, in percent (claims audit checks)."""

    unit: Literal["元", "万元"] = "万元"
    total: Amounts = Field(default_factory=Amounts)
    fiscal: Amounts = Field(default_factory=Amounts)
    carryover: Amounts = Field(default_factory=Amounts)
    other: Amounts = Field(default_factory=Amounts)
    declared_score: Decimal | None = None
    declared_rate: Decimal | None = None

    def execution_rate(self) -> Decimal | None:
        """全年执行数 ÷ 全年预算数 of 年度资金总额, in percent to 2 places; None when not computable."""
        annual, spent = self.total.annual, self.total.spent
        if annual is None or spent is None or annual <= 0:
            return None
        return quantize(spent / annual * HUNDRED, RATE_PLACES)

    def in_yuan(self, amount: Decimal | None) -> Decimal | None:
        return None if amount is None else (amount * WAN if self.unit == "万元" else amount)


class Goal(Model):
    """One line of 年度总体目标: 预期目标 and 实际完成情况."""

    expected: str = ""
    actual: str = ""


class FormRow(Model):
    """One indicator row of the form.

    ``target`` is the 年度指标值 (``≥95%``, ``265家``, ``≤30天``, ``明确``); a numeric target is
    normalised to carry its comparator (``95%`` → ``≥95%``, or ``≤`` for a 反向 row), so every
    variant's layout round-trips it. ``direction`` is derived from the target when not given
    (``≤`` → 反向, no number → 定性). ``actual`` is the 实际完成值 as written: a number in the
    target's unit for quantitative rows (``98.5``, ``98.5%``), the verdict for 定性 rows
    (达成 / 部分达成 / 未达成). ``weight`` is the 分值 (absent in the Hubei variant: its rows
    share their heading's points); ``score`` the 得分 as filled in — a claim for quantitative rows,
    the evaluator's score for 定性 rows. ``not_applicable`` marks the row 不适用, with a reason.
    """

    level1: str = Field(min_length=1)
    level2: str = Field(min_length=1)
    name: str = Field(min_length=1)
    target: str = ""
    direction: Direction | None = None
    actual: str = ""
    weight: Decimal | None = None
    score: Decimal | None = None
    reason: str = ""
    not_applicable: str | None = None
    loc: SourceRef | None = None

    @field_validator("target", "actual", "reason", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        value = _text(value)
        return "" if value is None else value

    @field_validator("level1", "level2", "name", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        value = _text(value)
        return value.strip() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _normalise_target(self) -> "FormRow":
        parsed = Target.model_validate(self.target.strip())
        if parsed.value is not None:
            comparator = parsed.comparator or ("<=" if self.direction == "反向" else ">=")
            text = f"{COMPARATOR_SYMBOL[comparator]}{fmt(parsed.value)}{parsed.unit}"
            object.__setattr__(self, "target", text)
        else:
            object.__setattr__(self, "target", self.target.strip())
        if self.not_applicable is not None and not self.not_applicable.strip():
            raise ValueError("标为不适用时必须写明理由")
        return self

    @property
    def parsed_target(self) -> Target:
        return Target.model_validate(self.target)

    @property
    def effective_direction(self) -> Direction:
        if self.direction is not None:
            return self.direction
        target = self.parsed_target
        if target.value is None:
            return "定性"
        return "反向" if target.comparator in ("<=", "<") else "正向"

    @property
    def qualitative(self) -> bool:
        return self.effective_direction == "定性"

    @property
    def nature(self) -> str:
        """指标性质 as Yunnan's 公开14表 writes it: ≧ ≦ ＝ 定性 (and > < for strict targets)."""
        target = self.parsed_target
        if self.qualitative or target.value is None:
            return "定性"
        return {">=": "≧", "<=": "≦", "=": "＝", ">": ">", "<": "<"}[target.comparator or ">="]

    @property
    def target_number(self) -> str:
        """年度指标值 without comparator and unit (the Yunnan column), or the text of a 定性 target."""
        target = self.parsed_target
        return fmt(target.value) if target.value is not None else self.target

    @property
    def target_unit(self) -> str:
        return self.parsed_target.unit

    def actual_value(self) -> Decimal | None:
        """The 实际完成值 as a number in the target's unit; None when blank.

        Accepts ``98.5``, ``98.5%``, ``265家`` (the target's unit), full-width digits and
        thousands separators; raises ValueError (Chinese) for anything else."""
        text = unicodedata.normalize("NFKC", self.actual).strip()
        if not text:
            return None
        unit = unicodedata.normalize("NFKC", self.target_unit).strip()
        for suffix in (unit, "%", "‰"):
            if suffix and text.endswith(suffix):
                text = text[: -len(suffix)].strip()
                break
        try:  # the one parser for typed numbers: 1e400, 98,5 and 400 digits are refused by name
            value = parse_typed(text, percent=False)
        except NumberError as exc:
            if str(exc).endswith("不是数字"):
                raise ValueError(f"实际完成值“{self.actual}”不是数值（年度指标值为“{self.target}”）") from None
            raise ValueError(f"实际完成值：{exc}") from None
        problem = quantity_bounds(self.name, unit, self.parsed_target).problem(value, self.actual)
        if problem:
            raise ValueError(f"实际完成值：{problem}（年度指标值为“{self.target}”）")
        return value

    def verdict(self) -> str | None:
        """The verdict of a 定性 row read from its 实际完成值 (达成 / 部分达成 / 未达成)."""
        text = unicodedata.normalize("NFKC", self.actual).strip()
        labels = [v.label for v in PROVINCIAL_VERDICTS]
        if text in labels:
            return text
        for prefix, label in _VERDICT_PREFIXES:
            if text.startswith(prefix):
                return label
        return None


class ProjectForm(Model):
    """A filled 项目支出绩效自评表 (see the module docstring and docs/project-form.md).

    ``group_points`` overrides heading points of the template: ``产出指标: 40`` for a level-1
    heading, ``产出指标/数量指标: 20`` for a level-2 one (Hubei forms state their points so).
    ``declared_total`` and ``declared_grade`` are the 总分 and 等级 as filled in.
    """

    variant: Variant = "national"
    year: int = Field(ge=2000, le=2100)
    project: str = Field(min_length=1)  # 项目名称
    department: str = ""  # 主管部门
    implementer: str = ""  # 实施单位
    unit_level: Literal["省", "市", "县", "区"] | None = None
    region: str = ""
    money: Money = Field(default_factory=Money)
    goals: tuple[Goal, ...] = ()
    group_points: dict[str, Decimal] = Field(default_factory=dict)
    indicators: tuple[FormRow, ...] = ()
    declared_total: Decimal | None = None
    declared_grade: str | None = None
    loc: SourceRef | None = None

    @field_validator("project", "department", "implementer", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @property
    def title(self) -> str:
        return f"{self.year}年度{self.project}项目支出绩效自评表"


# --- templates -----------------------------------------------------------------------


class FormLayout(Model):
    """How a variant prints the form (the ``form:`` part of a template file)."""

    variant: Variant
    title: str = "项目支出绩效自评表"
    target_label: str = "年度指标值"
    actual_label: str = "实际完成值"
    weight_label: str = "分值"
    score_label: str = "得分"
    reason_label: str = "偏差原因分析及改进措施"
    row_weights: bool = True
    nature_columns: bool = False
    show_grade: bool = False
    money_score_label: str = "得分"
    orientation: Literal["portrait", "landscape"] = "portrait"


@dataclass(frozen=True)
class FormTemplate:
    """A variant: its layout and the framework skeleton rows are added to."""

    layout: FormLayout
    framework: Framework

    @property
    def execution_points(self) -> Decimal:
        indicator = self.framework.indicator(EXECUTION_CODE)
        assert indicator is not None, "template without 预算执行率 row"
        return indicator.weight


#: Where the built-in templates come from: variant → (the template's ``form:`` data, its
#: framework). The core reads no files: ``jixiao.io.project_form_yaml`` registers the reader of
#: the package's ``frameworks/project-form-VARIANT.yaml`` (with located errors) when ``jixiao``
#: is imported.
TemplateReader = Callable[[str], "tuple[dict, Framework]"]


def register_template_reader(reader: TemplateReader) -> None:
    """Set the function ``load_template`` reads built-in templates with (``template_reader``)."""
    template_reader.reader = reader
    load_template.cache_clear()


@lru_cache(maxsize=None)
def load_template(variant: str) -> FormTemplate:
    """The built-in template of ``variant`` (cached), read by the registered reader."""
    if variant not in VARIANTS:
        raise ValueError(f"没有项目支出绩效自评表格式“{variant}”（可选：{'、'.join(VARIANTS)}）")
    if template_reader.reader is None:
        raise RuntimeError("未注册项目支出绩效自评表模板的读取器（jixiao.io.project_form_yaml）")
    form, framework = template_reader.reader(variant)
    return FormTemplate(FormLayout.model_validate(form), framework)


def blank_form(variant: str, year: int, project: str = "（项目名称）") -> ProjectForm:
    """A form to fill in: one placeholder row (``（三级指标）``, 分值 0) under every level-2
    heading of the variant's template, and one empty 年度总体目标 line."""
    template = load_template(variant)
    rows = []
    for top in template.framework.groups[1:]:
        for second in top.groups:
            rows.append(FormRow(level1=top.name, level2=second.name, name="（三级指标）",
                                weight=Decimal(0) if template.layout.row_weights else None))
    return ProjectForm(variant=variant, year=year, project=project, goals=(Goal(),), indicators=tuple(rows))


# --- building the evaluation ---------------------------------------------------------


@dataclass(frozen=True)
class FormProblem:
    """Why a form cannot be turned into an evaluation: ``path`` is the field
    (``("indicators", 2, "weight")``), ``loc`` the row's source when known."""

    path: tuple
    message: str
    loc: SourceRef | None = None

    def __str__(self) -> str:
        where = f"{self.loc}: " if self.loc and str(self.loc) else ""
        return f"{where}{'.'.join(map(str, self.path))}: {self.message}"


class ProjectFormError(ValueError):
    """The form cannot be built into an evaluation; ``problems`` says where and why."""

    def __init__(self, problems: list[FormProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class BuiltForm:
    """A form built into an evaluation; ``codes[i]`` is the indicator code of row ``i``."""

    form: ProjectForm
    template: FormTemplate
    evaluation: Evaluation
    codes: tuple[str, ...]


def split_points(points: Decimal, count: int, places: int = 2) -> list[Decimal]:
    """Points split equally over ``count`` rows, rounded down to ``places``; the last row
    takes the remainder so the parts add up exactly (40 over 3 → 13.33, 13.33, 13.34)."""
    if count <= 0:
        return []
    share = quantize(points / count, places, "down")
    return [share] * (count - 1) + [points - share * (count - 1)]


def _heading_points(form: ProjectForm, template: FormTemplate, problems: list[FormProblem]):
    """Level-1 and level-2 points from the template, overridden by ``group_points``."""
    top: dict[str, Decimal | None] = {heading_key(g.name): g.points for g in template.framework.groups}
    second: dict[tuple[str, str], Decimal] = {}
    for key, value in form.group_points.items():
        parts = [p for p in re.split(r"[/／]", key) if p.strip()]
        if len(parts) == 1:
            top[heading_key(parts[0])] = value
        elif len(parts) == 2:
            second[(heading_key(parts[0]), heading_key(parts[1]))] = value
        else:
            problems.append(FormProblem(("group_points", key), "须为“一级指标”或“一级指标/二级指标”", form.loc))
        if value < 0:
            problems.append(FormProblem(("group_points", key), "分值不能为负数", form.loc))
    return top, second


def _row_weights(form: ProjectForm, template: FormTemplate, top, second,
                 problems: list[FormProblem]) -> list[Decimal | None]:
    """Each row's 分值: its own (row-weight variants) or its heading's share (Hubei)."""
    rows = form.indicators
    if template.layout.row_weights:
        weights = []
        for i, row in enumerate(rows):
            if row.weight is None:
                problems.append(FormProblem(("indicators", i, "weight"), f"“{row.name}”缺少分值", row.loc))
            elif row.weight < 0:
                problems.append(FormProblem(("indicators", i, "weight"), "分值不能为负数", row.loc))
            weights.append(row.weight)
        return weights
    weights: list[Decimal | None] = [None] * len(rows)
    for i, row in enumerate(rows):
        if row.weight is not None:
            problems.append(FormProblem(("indicators", i, "weight"),
                                        f"{VARIANTS[form.variant]}的指标行不填分值，分值写在一级/二级指标上", row.loc))
    by_top: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_top.setdefault(heading_key(row.level1), []).append(i)
    places = template.framework.places
    for key, members in by_top.items():
        seconds: dict[str, list[int]] = {}
        for i in members:
            seconds.setdefault(heading_key(rows[i].level2), []).append(i)
        stated = [(key, k) in second for k in seconds]
        if any(stated):
            for k, idx in seconds.items():
                if (key, k) not in second:
                    i = idx[0]
                    problems.append(FormProblem(("indicators", i, "level2"),
                                                f"“{rows[i].level1}”下其他二级指标标明了分值，“{rows[i].level2}”也须标明", rows[i].loc))
                    continue
                for i, w in zip(idx, split_points(second[(key, k)], len(idx), places)):
                    weights[i] = w
            continue
        points = top.get(key)
        if points is None:
            i = members[0]
            problems.append(FormProblem(("indicators", i, "level1"), f"一级指标“{rows[i].level1}”未标明分值", rows[i].loc))
            continue
        for i, w in zip(members, split_points(points, len(members), places)):
            weights[i] = w
    return weights


def _criteria(row: FormRow) -> str:
    direction = row.effective_direction
    if direction == "定性":
        return "定性指标：达成得分值的80%～100%，部分达成60%～80%，未达成0～60%，由评价人在档内评分"
    if row.parsed_target.comparator == "=":
        return "实际完成值等于年度指标值得满分，否则不得分"
    if direction == "反向":
        return "反向指标：不高于年度指标值得满分；高于时按超出比例扣分，达到指标值2倍时不得分"
    return "正向指标：实际完成值÷年度指标值×分值，最高为满分"


def _input(row: FormRow) -> IndicatorInput:
    if row.not_applicable is not None:
        return IndicatorInput(not_applicable=row.not_applicable, declared=row.score, evidence=row.actual, loc=row.loc)
    if row.qualitative:
        return IndicatorInput(judgement=row.verdict(), manual=row.score, declared=row.score,
                              evidence=row.actual, loc=row.loc)
    return IndicatorInput(actual=row.actual_value(), declared=row.score, evidence=row.actual, loc=row.loc)


def build(form: ProjectForm, template: FormTemplate | None = None) -> BuiltForm:
    """Build the evaluation of a form; raises ProjectFormError listing every problem."""
    template = template or load_template(form.variant)
    problems: list[FormProblem] = []
    top, second = _heading_points(form, template, problems)
    weights = _row_weights(form, template, top, second, problems)
    for i, row in enumerate(form.indicators):
        if heading_key(row.level1) == heading_key(template.framework.groups[0].name):
            problems.append(FormProblem(("indicators", i, "level1"),
                                        "预算执行由项目资金表计算，不作为指标行填写", row.loc))
        if not row.qualitative and row.not_applicable is None:
            try:
                row.actual_value()
            except ValueError as exc:
                problems.append(FormProblem(("indicators", i, "actual"), str(exc), row.loc))
    if problems:
        raise ProjectFormError(problems)

    skeleton = template.framework
    level1 = [g for g in skeleton.groups[1:]]
    known = {heading_key(g.name) for g in level1}
    for row in form.indicators:  # headings the template lacks, in order of first use
        key = heading_key(row.level1)
        if key not in known:
            known.add(key)
            level1.append(Group(code=_next_code([g.code for g in skeleton.groups] + [g.code for g in level1]),
                                name=row.level1, points=top.get(key)))
    codes: list[str] = [""] * len(form.indicators)
    groups: list[Group] = [skeleton.groups[0]]
    for g1 in level1:
        k1 = heading_key(g1.name)
        members = [i for i, r in enumerate(form.indicators) if heading_key(r.level1) == k1]
        children = list(g1.groups)
        for i in members:
            k2 = heading_key(form.indicators[i].level2)
            if all(heading_key(c.name) != k2 for c in children):
                children.append(Group(code=f"{g1.code}{len(children) + 1}", name=form.indicators[i].level2))
        built_children = []
        for child in children:
            k2 = heading_key(child.name)
            rows = [i for i in members if heading_key(form.indicators[i].level2) == k2]
            if not rows:
                continue
            indicators = []
            for n, i in enumerate(rows, 1):
                row = form.indicators[i]
                codes[i] = f"{child.code}-{n}"
                indicators.append(Indicator(code=codes[i], name=row.name, weight=weights[i], target=row.parsed_target,
                                            direction=row.effective_direction, criteria=_criteria(row), loc=row.loc))
            built_children.append(child.model_copy(update={"points": second.get((k1, k2)),
                                                           "indicators": tuple(indicators)}))
        groups.append(g1.model_copy(update={"points": top.get(k1, g1.points), "groups": tuple(built_children)}))
    framework = skeleton.model_copy(update={"groups": tuple(groups), "loc": form.loc})
    framework = Framework.model_validate(framework.model_dump())  # re-validate the assembled tree

    inputs = {codes[i]: _input(row) for i, row in enumerate(form.indicators)}
    inputs[EXECUTION_CODE] = _execution_input(form)
    narrative = {}
    if form.goals:
        narrative["goals"] = "\n".join(
            f"预期目标：{g.expected}" + (f"\n实际完成情况：{g.actual}" if g.actual else "") for g in form.goals)
    evaluation = Evaluation(
        unit=Unit(name=form.implementer or form.department or form.project, level=form.unit_level, region=form.region),
        year=form.year, framework=framework, title=form.title, inputs=inputs, narrative=narrative,
        declared_total=form.declared_total, declared_grade=form.declared_grade, loc=form.loc)
    return BuiltForm(form, template, evaluation, tuple(codes))


def _next_code(used: list[str]) -> str:
    for letter in "DEGHIJKLMNOPQRSTUVWXYZ":
        if letter not in used:
            return letter
    raise ValueError("一级指标过多")


def _execution_input(form: ProjectForm) -> IndicatorInput:
    money = form.money
    rate = money.execution_rate()
    if rate is None:
        return IndicatorInput(declared=money.declared_score, evidence="项目资金表缺少全年预算数或全年执行数")
    unit = money.unit
    evidence = f"全年执行数{fmt(money.total.spent)}{unit}÷全年预算数{fmt(money.total.annual)}{unit}＝{fmt(rate)}%"
    return IndicatorInput(actual=rate, declared=money.declared_score, evidence=evidence)


def build_evaluation(form: ProjectForm, template: FormTemplate | None = None) -> Evaluation:
    """The ``Evaluation`` of a form: the variant template's framework with the form's rows
    under their headings (``default_rule: generic``) and the 预算执行率 row computed from the
    money block. Raises ProjectFormError listing every problem (missing 分值…)."""
    return build(form, template).evaluation


# --- review: scoring and the form's own checks ----------------------------------------


def money_findings(money: Money, loc: SourceRef | None = None) -> list[Finding]:
    """The 项目资金 block's own findings: ``money-rate``, ``money-missing``, ``money-sum``,
    ``money-over`` (see ``check_form``; also used by the audit of forms read as tables)."""
    findings: list[Finding] = []
    rate = money.execution_rate()
    if rate is not None and money.declared_rate is not None:
        places = max(0, -money.declared_rate.as_tuple().exponent)  # compare at the precision written
        if quantize(rate, places) != money.declared_rate:
            findings.append(Finding(EXECUTION_CODE, "money-rate",
                                    f"项目资金表填写执行率{fmt(money.declared_rate)}%，全年执行数{fmt(money.total.spent)}"
                                    f"÷全年预算数{fmt(money.total.annual)}为{fmt(rate)}%", "error", loc))
    if rate is None:
        findings.append(Finding(EXECUTION_CODE, "money-missing",
                                "项目资金表缺少年度资金总额的全年预算数或全年执行数（或预算数为0），无法计算执行率",
                                "error", loc))
    for column, label in MONEY_COLUMNS.items():
        total = getattr(money.total, column)
        parts = [getattr(getattr(money, r), column) for r in ("fiscal", "carryover", "other")]
        given = [p for p in parts if p is not None]
        if total is not None and given and sum(given, ZERO) != total:
            findings.append(Finding(EXECUTION_CODE, "money-sum",
                                    f"{label}：当年财政拨款、上年结转资金、其他资金合计{fmt(sum(given, ZERO))}{money.unit}，"
                                    f"年度资金总额为{fmt(total)}{money.unit}", "error", loc))
    for key, label in MONEY_ROWS.items():
        amounts: Amounts = getattr(money, key)
        if amounts.annual is not None and amounts.spent is not None and amounts.spent > amounts.annual:
            findings.append(Finding(EXECUTION_CODE, "money-over",
                                    f"{label.removeprefix('其中：')}全年执行数{fmt(amounts.spent)}{money.unit}"
                                    f"超过全年预算数{fmt(amounts.annual)}{money.unit}", "warning", loc))
    return findings


def check_form(built: BuiltForm, sheet: ScoreSheet) -> list[Finding]:
    """The form's own findings (Chinese messages), in table order:

    * ``reason-missing`` — a row that loses points (computed or as filled in) without
      偏差原因分析及改进措施;
    * ``target-missing`` — a row without 年度指标值;
    * ``met-but-lost`` — the 实际完成值 meets the 年度指标值 but the 得分 filled in is below the 分值;
    * ``target-missed-full`` — the 实际完成值 misses the 年度指标值 yet the 得分 filled in is full;
    * ``money-rate`` — the 执行率 filled in is not 全年执行数 ÷ 全年预算数 (at the places written);
    * ``money-missing`` / ``money-sum`` / ``money-over`` — the 项目资金 block cannot give an
      执行率, its rows do not add up to 年度资金总额, or more was spent than budgeted.
    """
    form = built.form
    findings: list[Finding] = money_findings(form.money, form.loc)
    for i, row in enumerate(form.indicators):
        if row.not_applicable is not None:
            continue
        scored = sheet.row(built.codes[i])
        weight = scored.weight
        if not row.target:
            findings.append(Finding(scored.code, "target-missing", f"“{row.name}”未填写年度指标值", "error", row.loc))
        lost = scored.score < weight or (row.score is not None and row.score < weight)
        if lost and not row.reason.strip():
            shown = scored.score if scored.score < weight or row.score is None else row.score
            findings.append(Finding(scored.code, "reason-missing",
                                    f"“{row.name}”得{fmt(shown)}分（分值{fmt(weight)}分），失分但未填写偏差原因分析及改进措施",
                                    "error", row.loc))
        target = row.parsed_target
        if row.qualitative or target.value is None or row.score is None:
            continue
        actual = row.actual_value()
        if actual is not None and target.met_by(actual) and row.score < weight:
            findings.append(Finding(scored.code, "met-but-lost",
                                    f"“{row.name}”实际完成值{row.actual}达到年度指标值“{row.target}”，"
                                    f"却只得{fmt(row.score)}分（分值{fmt(weight)}分）", "error", row.loc))
        elif actual is not None and not target.met_by(actual) and weight > 0 and row.score >= weight:
            findings.append(Finding(scored.code, "target-missed-full",
                                    f"“{row.name}”实际完成值{row.actual}未达到年度指标值“{row.target}”，"
                                    f"却得满分{fmt(row.score)}分", "error", row.loc))
    return findings


@dataclass(frozen=True)
class FormReview:
    """A scored form: the built evaluation, its score sheet and every finding (audit's and the form's)."""

    built: BuiltForm
    sheet: ScoreSheet
    findings: tuple[Finding, ...]

    @property
    def form(self) -> ProjectForm:
        return self.built.form

    @property
    def layout(self) -> FormLayout:
        return self.built.template.layout

    def row_score(self, index: int):
        """The score-sheet row of form row ``index``."""
        return self.sheet.row(self.built.codes[index])

    @property
    def execution(self):
        return self.sheet.row(EXECUTION_CODE)

    @property
    def filled(self) -> bool:
        """Whether any indicator row is filled in (a 实际完成值, 不适用 or an evaluator's 得分).
        A new form made from the blank template scores its empty rows by rule (0 points, or
        the 执行率 block alone), which is no grade yet: its total and grade are not shown
        until a row is filled."""
        return any(row.actual.strip() or row.not_applicable or row.score is not None for row in self.form.indicators)


def review(form: ProjectForm, template: FormTemplate | None = None) -> FormReview:
    """Build, score and audit a form (raises ProjectFormError when it cannot be built)."""
    built = build(form, template)
    sheet = score(built.evaluation)
    findings = audit(sheet) + check_form(built, sheet)
    return FormReview(built, sheet, tuple(findings))


def finding_title(finding: Finding) -> str:
    """The heading of a finding of either the form or the general audit."""
    return FORM_KINDS.get(finding.kind) or finding.title


# --- changing the variant --------------------------------------------------------------


def convert(form: ProjectForm, variant: str) -> ProjectForm:
    """The same form in another variant's layout.

    Rows, targets, values, money and goals are kept; the points are the new variant's: its
    template headings (产出 50 / 效益 30 / 满意度 10, or Hubei's 40 / 30 / 10; a heading the
    template lacks keeps its old points), split equally over the rows where the new variant
    has row weights, stated on the headings for Hubei. Scores filled in under the old points
    are dropped, except a 定性 row's evaluator score, which is rescaled to the new 分值 (the
    verdict bands are fractions of the 分值, so the verdict stands). The same variant returns
    the form unchanged.
    """
    if variant == form.variant:
        return form
    old_built = build(form)
    old_weights = [old_built.evaluation.framework.indicator(c).weight for c in old_built.codes]
    new = load_template(variant)
    points = {heading_key(g.name): g.points for g in new.framework.groups}
    by_top: dict[str, list[int]] = {}
    for i, row in enumerate(form.indicators):
        by_top.setdefault(heading_key(row.level1), []).append(i)
    group_points: dict[str, Decimal] = {}
    weights: list[Decimal] = [ZERO] * len(form.indicators)
    for key, members in by_top.items():
        total = points.get(key)
        if total is None:
            total = sum((old_weights[i] for i in members), ZERO)
            if not new.layout.row_weights:
                group_points[form.indicators[members[0]].level1] = total
        for i, w in zip(members, split_points(total, len(members), new.framework.places)):
            weights[i] = w
    rows = []
    for i, row in enumerate(form.indicators):
        kept = None
        if row.qualitative and row.score is not None and old_weights[i]:
            kept = quantize(row.score * weights[i] / old_weights[i], new.framework.places)
        rows.append(row.model_copy(update={"score": kept,
                                           "weight": weights[i] if new.layout.row_weights else None}))
    money = form.money.model_copy(update={"declared_score": None, "declared_rate": None})
    return form.model_copy(update={"variant": variant, "indicators": tuple(rows), "group_points": group_points,
                                   "money": money, "declared_total": None, "declared_grade": None})


# --- a department's forms --------------------------------------------------------------


@dataclass(frozen=True)
class ProjectResult:
    """One project of a department: its form's totals (money in 元)."""

    project: str
    variant: str
    total: Decimal
    grade: str
    budget: Decimal | None  # 全年预算数 of 年度资金总额, 元
    spent: Decimal | None  # 全年执行数, 元
    execution_rate: Decimal | None
    lost: Decimal  # points lost against the weights
    findings: int  # error findings

    def as_dict(self) -> dict[str, Any]:
        return {"project": self.project, "variant": VARIANTS[self.variant], "total": fmt(self.total),
                "grade": self.grade, "budget": fmt(self.budget), "spent": fmt(self.spent),
                "execution_rate": "—" if self.execution_rate is None else f"{fmt(self.execution_rate)}%",
                "lost": fmt(self.lost), "findings": self.findings}


@dataclass(frozen=True)
class DepartmentRollup:
    """A department's project forms summed up for its report and dashboards.

    ``weighted_score`` weights each project's 总分 by its 全年预算数 (all projects equally
    when any budget is missing); ``execution_rate`` is total spent over total budget.
    """

    projects: tuple[ProjectResult, ...]
    budget: Decimal | None
    spent: Decimal | None
    execution_rate: Decimal | None
    weighted_score: Decimal | None
    mean_score: Decimal | None
    grade: str | None
    grade_counts: dict[str, int]
    weighting: Literal["budget", "equal"]

    def context(self) -> dict[str, Any]:
        """Plain strings for a report template (``project_forms`` in a department report)."""
        return {
            "projects": [p.as_dict() for p in self.projects],
            "count": len(self.projects),
            "budget": fmt(self.budget), "spent": fmt(self.spent),
            "execution_rate": "—" if self.execution_rate is None else f"{fmt(self.execution_rate)}%",
            "weighted_score": fmt(self.weighted_score), "mean_score": fmt(self.mean_score),
            "grade": self.grade or "—",
            "grade_counts": "，".join(f"{k}{v}个" for k, v in self.grade_counts.items() if v) or "—",
            "weighting": "按全年预算数加权" if self.weighting == "budget" else "各项目等权",
        }


def project_result(r: FormReview) -> ProjectResult:
    """One scored form's line in its department's roll-up (money in 元)."""
    money = r.form.money
    sheet = r.sheet
    return ProjectResult(
        project=r.form.project, variant=r.form.variant, total=sheet.total, grade=sheet.grade,
        budget=money.in_yuan(money.total.annual), spent=money.in_yuan(money.total.spent),
        execution_rate=money.execution_rate(), lost=sheet.weight_total - sheet.total,
        findings=sum(1 for f in r.findings if f.severity == "error"))


def rollup(reviews: Iterable[FormReview]) -> DepartmentRollup:
    """Per-project totals and the department summary of many scored forms."""
    return summarise(project_result(r) for r in reviews)


def summarise(results: Iterable[ProjectResult]) -> DepartmentRollup:
    """The department summary of project results (kept from earlier reviews, e.g. the
    site's cached totals): budget-weighted and mean score, overall 执行率, grade counts."""
    projects = list(results)
    budgets = [p.budget for p in projects]
    known = all(b is not None and b > 0 for b in budgets) and bool(projects)
    budget = sum((b for b in budgets if b is not None), ZERO) if any(b is not None for b in budgets) else None
    spents = [p.spent for p in projects if p.spent is not None]
    spent = sum(spents, ZERO) if spents else None
    rate = quantize(spent / budget * HUNDRED, RATE_PLACES) if budget and spent is not None and known else None
    mean = quantize(sum((p.total for p in projects), ZERO) / len(projects), 2) if projects else None
    if known:
        weighted = quantize(sum((p.total * p.budget for p in projects), ZERO) / budget, 2)
    else:
        weighted = mean
    counts = {band.name: 0 for band in NATIONAL_GRADES}
    for p in projects:
        counts[p.grade] = counts.get(p.grade, 0) + 1
    grade = None
    if weighted is not None:
        grade = next(b.name for b in NATIONAL_GRADES if weighted >= b.min)
    return DepartmentRollup(tuple(projects), budget, spent, rate, weighted, mean, grade, counts,
                            "budget" if known else "equal")
