"""The performance cycle around the year-end evaluation (全过程绩效管理), pure and exact.

Four steps, each plain data plus a function, no I/O:

* **绩效目标表** (``TargetTable``): a unit's overall goal and indicator targets for a year and
  fund, rows referring to framework codes or free rows. ``apply_targets`` turns an approved
  table into the framework variant and narrative the year-end evaluation starts from, so a
  target is typed once.
* **运行监控** (``MonitoringReport`` → ``assess``): progress per indicator and spending against
  the time-elapsed line (序时进度 = elapsed months ÷ 12). Each row gets 绿/黄/红 by how many
  percentage points it lags behind the expected progress (``Thresholds``); yellow and red
  rows must give a reason.
* **问题整改** (``Problem`` → ``next_year_sections``): tracked problems become the 存在问题 and
  改进措施 text of next year's report.
* **因素法分配** (``AllocationPlan`` → ``allocate``): weighted factors, each normalised as a
  share of its total, amounts to the cent by the largest remainder method, summing exactly
  to the fund.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .model import Framework, Group, Indicator, Model, Target
from .numbers import HUNDRED, ZERO, fmt, quantize

# --- thresholds ------------------------------------------------------------------------

GREEN, YELLOW, RED = "green", "yellow", "red"
#: a row with nothing entered yet (no 完成值, no 完成进度): not a warning, no problem tracked
PENDING = "pending"
LIGHT_LABELS = {GREEN: "绿灯", YELLOW: "黄灯", RED: "红灯", PENDING: "未填报"}


class Thresholds(Model):
    """When a row turns yellow or red: its lag behind the expected progress, in percentage
    points. A lag above ``yellow`` is yellow, above ``red`` is red (defaults 10 and 20)."""

    yellow: Decimal = Field(default=Decimal(10), ge=0)
    red: Decimal = Field(default=Decimal(20), ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> "Thresholds":
        if self.red < self.yellow:
            raise ValueError("红灯阈值不能小于黄灯阈值")
        return self

    def light(self, lag: Decimal) -> str:
        if lag > self.red:
            return RED
        if lag > self.yellow:
            return YELLOW
        return GREEN

    def describe(self) -> str:
        return (f"落后进度不超过{fmt(self.yellow)}个百分点为绿灯，超过{fmt(self.yellow)}个百分点为黄灯，"
                f"超过{fmt(self.red)}个百分点为红灯")


DEFAULT_THRESHOLDS = Thresholds()


def effective_thresholds(table: Thresholds | None = None, framework: Thresholds | None = None) -> Thresholds:
    """The target table's setting wins over the framework's, which wins over the default."""
    return table or framework or DEFAULT_THRESHOLDS


# --- 绩效目标表 ---------------------------------------------------------------------------


class TargetRow(Model):
    """One indicator target. ``code`` names a framework indicator, or is a free code for a
    row the framework lacks (``free: true``); ``level1``/``level2`` place a free row."""

    code: str = Field(min_length=1)
    name: str = ""
    target: Target = Field(default_factory=Target)
    level1: str = ""
    level2: str = ""
    weight: Decimal | None = None
    direction: Literal["正向", "反向", "定性"] = "正向"
    free: bool = False


class TargetTable(Model):
    """绩效目标表: unit, year, fund, the overall goal (总体目标) and the indicator targets."""

    unit: str = Field(min_length=1)
    year: int = Field(ge=2000, le=2100)
    fund: str = ""
    framework: str | None = None  # framework id the rows refer to
    overall_goal: str = ""
    rows: tuple[TargetRow, ...] = ()
    thresholds: Thresholds | None = None

    @model_validator(mode="after")
    def _unique(self) -> "TargetTable":
        seen: set[str] = set()
        for row in self.rows:
            if row.code in seen:
                raise ValueError(f"目标表指标编码重复：{row.code}")
            seen.add(row.code)
        return self

    def row(self, code: str) -> TargetRow | None:
        return next((r for r in self.rows if r.code == code), None)


def table_from_framework(framework: Framework, unit: str, year: int, fund: str = "", overall_goal: str = "") -> TargetTable:
    """A target table pre-filled with every level-3 indicator and its framework target."""
    rows = []
    for level1 in framework.groups:
        for path, indicator in _walk(level1, (level1,)):
            rows.append(TargetRow(code=indicator.code, name=indicator.name, target=indicator.target,
                                  level1=path[0].name, level2=path[1].name if len(path) > 1 else "",
                                  weight=indicator.weight, direction=indicator.direction))
    return TargetTable(unit=unit, year=year, fund=fund or framework.fund, framework=framework.id,
                       overall_goal=overall_goal, rows=tuple(rows))


def _walk(group: Group, path: tuple[Group, ...]):
    for indicator in group.indicators:
        yield path, indicator
    for sub in group.groups:
        yield from _walk(sub, path + (sub,))


def check_table(table: TargetTable, framework: Framework | None) -> list[str]:
    """Problems of a table against its framework: unknown codes on non-free rows, a framework
    that is not the one named. Empty when the table is consistent."""
    problems = []
    if framework is None:
        return [f"指标{r.code}未标为自设指标（free），但目标表没有指标体系" for r in table.rows if not r.free]
    if table.framework and table.framework != framework.id:
        problems.append(f"目标表引用指标体系{table.framework}，而给出的是{framework.id}")
    for row in table.rows:
        if not row.free and framework.indicator(row.code) is None:
            problems.append(f"指标体系中没有指标{row.code}（自设指标请标 free: true）")
    return problems


@dataclass(frozen=True)
class EvaluationStart:
    """What the year-end evaluation starts from: the framework with this unit's targets, and
    the 绩效目标 narrative (overall goal, then every target row including free ones)."""

    framework: Framework
    goals_text: str


def apply_targets(table: TargetTable, framework: Framework) -> EvaluationStart:
    """Put the table's targets into the framework so the year-end evaluation scores against
    them. Targets change scores, so the result is a new framework version
    (``<version>+<unit><year>``); names, weights and rules stay the framework's own."""
    problems = check_table(table, framework)
    if problems:
        raise ValueError("；".join(problems))

    def indicator(ind: Indicator) -> Indicator:
        row = table.row(ind.code)
        subrows = tuple(indicator(s) for s in ind.subrows)
        if row is None or row.free or not row.target.text:
            return ind.model_copy(update={"subrows": subrows})
        return ind.model_copy(update={"target": row.target, "subrows": subrows})

    def group(g: Group) -> Group:
        return g.model_copy(update={"indicators": tuple(indicator(i) for i in g.indicators),
                                    "groups": tuple(group(s) for s in g.groups)})

    adjusted = framework.model_copy(update={"groups": tuple(group(g) for g in framework.groups),
                                            "version": f"{framework.version}+{table.unit}{table.year}"})
    adjusted = Framework.model_validate(adjusted.model_dump())  # re-validate the whole tree
    return EvaluationStart(framework=adjusted, goals_text=goals_text(table))


def goals_text(table: TargetTable) -> str:
    """The 绩效目标 section: overall goal, then one line per target."""
    lines = []
    if table.overall_goal.strip():
        lines.append(f"总体目标：{table.overall_goal.strip()}")
    if table.rows:
        lines.append(f"绩效指标（{len(table.rows)}项）：")
        for i, row in enumerate(table.rows, 1):
            where = "—".join(x for x in (row.level1, row.level2) if x)
            lines.append(f"{i}. {where + '—' if where else ''}{row.name or row.code}：{row.target.text or '未设定'}")
    return "\n".join(lines)


# --- 运行监控 -----------------------------------------------------------------------------

_PERIOD_RE = re.compile(r"^(?P<year>\d{4})-(?:Q(?P<q>[1-4])|(?P<m>0[1-9]|1[0-2]))$")


def months_elapsed(period: str) -> int:
    """Months of the year covered by a period: ``2024-Q2`` → 6, ``2024-07`` → 7."""
    match = _PERIOD_RE.match(period.strip())
    if not match:
        raise ValueError(f"监控期间“{period}”无效，应为 2024-Q2（季度）或 2024-07（月份）")
    return int(match["q"]) * 3 if match["q"] else int(match["m"])


def time_progress(period: str) -> Decimal:
    """序时进度 in percent: elapsed months ÷ 12 × 100 (exact to the Decimal context)."""
    return Decimal(months_elapsed(period)) * HUNDRED / 12


class MonitoringRow(Model):
    """Progress of one indicator at the end of a period.

    ``completion`` is the percent of the annual target reached so far; without it, a numeric
    ``actual`` gives it: actual ÷ target × 100 for a higher-is-better target, target ÷ actual ×
    100 (capped at 100 once met) for a lower-is-better one. ``expected`` is the progress due by
    now, the time-elapsed line unless stated (state 100 for a rate that must hold all year).
    ``reason`` (偏差原因) is required for yellow and red; ``measures`` is the 纠偏措施."""

    code: str = Field(min_length=1)
    name: str = ""
    target: Target = Field(default_factory=Target)
    actual: Decimal | None = None
    actual_text: str = ""
    completion: Decimal | None = None
    expected: Decimal | None = Field(default=None, ge=0)
    reason: str = ""
    measures: str = ""


class MonitoringReport(Model):
    """A monitoring report (绩效监控表) of one unit, fund and period, with spending progress."""

    unit: str = Field(min_length=1)
    fund: str = ""
    period: str
    budget: Decimal | None = Field(default=None, ge=0)  # 全年预算（元）
    spent: Decimal | None = Field(default=None, ge=0)  # 累计支出（元）
    spending_reason: str = ""
    spending_measures: str = ""
    rows: tuple[MonitoringRow, ...] = ()
    thresholds: Thresholds | None = None

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        months_elapsed(value)
        return value.strip()


@dataclass(frozen=True)
class AssessedRow:
    code: str
    name: str
    target: str
    actual: str
    completion: Decimal | None
    expected: Decimal
    lag: Decimal | None
    light: str
    reason: str
    measures: str

    @property
    def light_label(self) -> str:
        return LIGHT_LABELS[self.light]

    @property
    def warning(self) -> bool:
        return self.light in (YELLOW, RED)


@dataclass(frozen=True)
class Assessment:
    """The traffic lights of a report. ``spending`` is the 预算执行 row (code ``资金``) or None
    without budget figures; ``missing_reasons`` lists the codes of yellow/red rows without a
    reason — a report with any is not valid."""

    report: MonitoringReport
    thresholds: Thresholds
    time_progress: Decimal
    rows: tuple[AssessedRow, ...]
    spending: AssessedRow | None

    @property
    def all_rows(self) -> tuple[AssessedRow, ...]:
        return ((self.spending,) if self.spending else ()) + self.rows

    @property
    def warnings(self) -> tuple[AssessedRow, ...]:
        return tuple(r for r in self.all_rows if r.warning)

    @property
    def missing_reasons(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.all_rows if r.warning and not r.reason.strip())

    def count(self, light: str) -> int:
        return sum(1 for r in self.all_rows if r.light == light)


class ReasonsMissing(ValueError):
    """Yellow or red rows without a reason (偏差原因)."""

    def __init__(self, codes: tuple[str, ...]):
        self.codes = codes
        super().__init__(f"以下黄灯/红灯指标须填写偏差原因：{'、'.join(codes)}")


SPENDING_CODE = "资金"


def completion_of(row: MonitoringRow) -> Decimal | None:
    """The completion percent of a row (see ``MonitoringRow``); None when it cannot be known."""
    if row.completion is not None:
        return row.completion
    if row.actual is None or row.target.value is None:
        return None
    target, actual = row.target.value, row.actual
    if row.target.comparator in ("<=", "<"):
        if actual <= target:
            return HUNDRED
        return target * HUNDRED / actual if actual else None
    return actual * HUNDRED / target if target else None


def _assess_row(code, name, target, actual, completion, expected, reason, measures, thresholds) -> AssessedRow:
    # nothing entered (no progress, no reason): no light until it is; a row with only a reason
    # ("无进度数据") was filled in and has no measurable progress: red below
    if completion is None and not actual.strip() and not reason.strip() and not measures.strip():
        return AssessedRow(code=code, name=name, target=target, actual="", completion=None, expected=expected,
                           lag=None, light=PENDING, reason=reason.strip(), measures=measures.strip())
    if completion is None:  # entered, but no measurable progress: treat as nothing done
        lag = expected
    else:
        lag = expected - completion
    light = thresholds.light(lag)
    return AssessedRow(code=code, name=name, target=target, actual=actual, completion=completion,
                       expected=expected, lag=lag if lag > 0 else ZERO, light=light, reason=reason.strip(),
                       measures=measures.strip())


def assess(report: MonitoringReport, thresholds: Thresholds | None = None, strict: bool = True) -> Assessment:
    """Traffic lights for every row and for spending. ``thresholds`` is the setting that
    applies (see ``effective_thresholds``); the report's own wins when it has one. With
    ``strict`` a yellow or red row without a reason raises ``ReasonsMissing``."""
    thresholds = report.thresholds or thresholds or DEFAULT_THRESHOLDS
    progress = time_progress(report.period)
    rows = []
    for r in report.rows:
        completion = completion_of(r)
        actual = r.actual_text or (fmt(r.actual) + r.target.unit if r.actual is not None else "")
        rows.append(_assess_row(r.code, r.name, r.target.text, actual, completion,
                                progress if r.expected is None else r.expected, r.reason, r.measures, thresholds))
    spending = None
    if report.budget is not None and report.spent is not None:
        rate = report.spent * HUNDRED / report.budget if report.budget else None
        spending = _assess_row(SPENDING_CODE, "预算执行进度", f"序时进度{fmt(progress, 2)}%",
                               f"支出{fmt(report.spent)}元/预算{fmt(report.budget)}元", rate, progress,
                               report.spending_reason, report.spending_measures, thresholds)
    result = Assessment(report=report, thresholds=thresholds, time_progress=progress, rows=tuple(rows),
                        spending=spending)
    if strict and result.missing_reasons:
        raise ReasonsMissing(result.missing_reasons)
    return result


def percent(value: Decimal | None) -> str:
    """A percent for people: two places, half-up (display only)."""
    return "—" if value is None else f"{fmt(quantize(value, 2))}%"


# --- 问题整改 -----------------------------------------------------------------------------

SOURCES = {"monitoring": "运行监控", "evaluation": "绩效自评", "audit": "审计"}
STATUSES = {"open": "未整改", "in_progress": "整改中", "done": "已整改"}


class Problem(Model):
    """A problem found in monitoring, self-evaluation or audit, tracked until it is fixed."""

    title: str = Field(min_length=1)
    description: str = ""
    source: Literal["monitoring", "evaluation", "audit"]
    year: int = Field(ge=2000, le=2100)  # the year the problem was found in
    owner: str = ""
    due: date | None = None
    measures: str = ""  # 整改措施
    status: Literal["open", "in_progress", "done"] = "open"
    result: str = ""  # 整改结果, what was done

    @model_validator(mode="after")
    def _done_has_result(self) -> "Problem":
        if self.status == "done" and not self.result.strip():
            raise ValueError(f"问题“{self.title}”已整改，须写明整改结果")
        return self

    def overdue(self, today: date) -> bool:
        return self.status != "done" and self.due is not None and today > self.due


ORDINALS = "一二三四五六七八九十"


def ordinal(n: int) -> str:
    """一, 二 … 十, 十一 … 九十九 (for 一是/二是 lists)."""
    if n <= 10:
        return ORDINALS[n - 1]
    tens, ones = divmod(n, 10)
    return f"{'' if tens == 1 else ORDINALS[tens - 1]}十{ORDINALS[ones - 1] if ones else ''}"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in "。；;！!？?" else text + "。"


def _date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def next_year_sections(problems: list[Problem] | tuple[Problem, ...], today: date | None = None) -> dict[str, str]:
    """The 存在问题 (``problems``) and 改进措施 (``measures``) sections of next year's report,
    one 一是/二是 paragraph per problem in the given order: the problem and its source, then
    what was done (已整改) or what is being done and by when (with 逾期 when past due)."""
    if not problems:
        return {"problems": "本年度未发现需要整改的问题。", "measures": "继续保持现有管理措施。"}
    found, done = [], []
    for i, p in enumerate(problems, 1):
        head = f"{ordinal(i)}是"
        detail = p.description.strip() or p.title
        found.append(f"{head}{_sentence(p.title if detail == p.title else p.title + '。' + detail)}"
                     f"（来源：{p.year}年{SOURCES[p.source]}）")
        who = f"（责任人：{p.owner}）" if p.owner.strip() else ""
        if p.status == "done":
            done.append(f"{head}{_sentence(p.measures) if p.measures.strip() else ''}已整改到位：{_sentence(p.result)}{who}")
        else:
            due = f"，计划于{_date(p.due)}前完成" if p.due else ""
            late = "（已逾期）" if today and p.overdue(today) else ""
            measures = p.measures.strip().rstrip("。") or "制定整改措施"
            done.append(f"{head}{measures}，{STATUSES[p.status]}{due}{late}。{who}")
    return {"problems": "\n".join(found), "measures": "\n".join(done)}


def problems_of_year(problems, year: int) -> list:
    """The problems found in ``year`` (those next year's report lists), in the given order."""
    return [p for p in problems if p.year == year]


def problem_from_light(row: AssessedRow, period: str, year: int) -> Problem:
    """The tracked problem a red light becomes: what lags, by how much, and the reason given."""
    name = row.name or row.code
    lag = f"，落后{fmt(quantize(row.lag, 2))}个百分点" if row.lag is not None else ""
    description = (f"{period}运行监控红灯：{name}完成进度{percent(row.completion)}，应完成{percent(row.expected)}{lag}。"
                   f"偏差原因：{_sentence(row.reason) or '未填写。'}")
    title = f"{name}{'' if name.endswith('进度') else '进度'}滞后"
    return Problem(title=title, description=description, source="monitoring", year=year,
                   measures=row.measures, status="open")


def problem_from_finding(code: str, title: str, message: str, year: int) -> Problem:
    """The tracked problem an audit finding of a self-evaluation becomes."""
    where = "" if code == "总分" else f"指标{code}："
    return Problem(title=f"{where}{title}", description=_sentence(message), source="evaluation", year=year)


# --- 因素法分配 ---------------------------------------------------------------------------


class Factor(Model):
    """An allocation factor. ``weight`` is in percent; the weights of a plan add up to 100.
    ``kind: score`` takes each recipient's evaluation score as the value. ``direction``
    正向 (more is more money: a share of the total) or 反向 (less is more money, e.g. 结余率:
    the share of the reciprocals, 1/value ÷ Σ 1/values, so every value must be above 0)."""

    key: str = Field(min_length=1)
    name: str = Field(min_length=1)
    weight: Decimal = Field(gt=0)
    unit: str = ""
    kind: Literal["data", "score"] = "data"
    direction: Literal["正向", "反向"] = "正向"


class Recipient(Model):
    """A sub-unit receiving funds, with its value for every ``data`` factor and its score."""

    name: str = Field(min_length=1)
    values: dict[str, Decimal] = Field(default_factory=dict)
    score: Decimal | None = None


class AllocationPlan(Model):
    """因素法分配: ``amount`` (in ``unit``: 元 or 万元) shared among recipients by factors."""

    title: str = ""
    fund: str = ""
    year: int | None = None
    amount: Decimal = Field(gt=0)
    unit: Literal["元", "万元"] = "元"
    factors: tuple[Factor, ...] = Field(min_length=1)
    recipients: tuple[Recipient, ...] = Field(min_length=1)
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> "AllocationPlan":
        keys = [f.key for f in self.factors]
        if len(set(keys)) != len(keys):
            raise ValueError("因素标识重复")
        total = sum((f.weight for f in self.factors), ZERO)
        if total != HUNDRED:
            raise ValueError(f"各因素权重之和须为100%，实际为{fmt(total)}%")
        names = [r.name for r in self.recipients]
        if len(set(names)) != len(names):
            raise ValueError("分配对象名称重复")
        if self.amount_yuan != quantize(self.amount_yuan, 2):
            raise ValueError(f"待分配金额{fmt(self.amount)}{self.unit}不是整分")
        for r in self.recipients:
            for f in self.factors:
                value = r.score if f.kind == "score" else r.values.get(f.key)
                if value is None:
                    what = "绩效评价得分" if f.kind == "score" else f"因素“{f.name}”的数值"
                    raise ValueError(f"{r.name}缺少{what}")
                if value < 0:
                    raise ValueError(f"{r.name}的“{f.name}”为负数")
                if f.direction == "反向" and value == 0:
                    raise ValueError(f"“{f.name}”为反向因素（按倒数计算占比），{r.name}的数值须大于0")
            unknown = [k for k in r.values if k not in keys]
            if unknown:
                raise ValueError(f"{r.name}的因素{'、'.join(unknown)}不在因素清单中")
        for f in self.factors:
            if sum((self.value(r, f) for r in self.recipients), ZERO) == 0:
                raise ValueError(f"因素“{f.name}”各单位数值合计为0，无法计算占比")
        return self

    @property
    def amount_yuan(self) -> Decimal:
        return self.amount * 10000 if self.unit == "万元" else self.amount

    def value(self, recipient: Recipient, factor: Factor) -> Decimal:
        return recipient.score if factor.kind == "score" else recipient.values[factor.key]  # type: ignore[return-value]


@dataclass(frozen=True)
class AllocationLine:
    name: str
    values: tuple[Decimal, ...]  # per factor, as given
    shares: tuple[Fraction, ...]  # per factor: value ÷ factor total
    share: Fraction  # Σ weight × share ÷ 100
    amount: Decimal  # 元, to the cent

    def share_percent(self, places: int = 4) -> Decimal:
        return _fraction_percent(self.share, places)

    def factor_percent(self, i: int, places: int = 4) -> Decimal:
        return _fraction_percent(self.shares[i], places)

    @property
    def amount_wan(self) -> Decimal:
        return self.amount / 10000


def _fraction_percent(value: Fraction, places: int) -> Decimal:
    """A fraction as a percent rounded half-up to ``places`` (display only)."""
    return quantize(Decimal(value.numerator) * HUNDRED / Decimal(value.denominator), places)


@dataclass(frozen=True)
class Allocation:
    plan: AllocationPlan
    lines: tuple[AllocationLine, ...]
    totals: tuple[Decimal, ...]  # per factor

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def balanced(self) -> bool:
        return self.total == self.plan.amount_yuan


METHOD = ("各因素按占比标准化：某单位该因素数值 ÷ 各单位该因素数值合计（反向因素用数值的倒数）；综合占比 = Σ(因素权重 × 标准化值)；"
          "分配额 = 待分配金额 × 综合占比，先按分取整（舍去），差额按舍去部分从大到小逐分补足（最大余额法），"
          "余额相同时按列表顺序，合计与待分配金额分毫不差。")


def factor_shares(plan: AllocationPlan, factor: Factor) -> list[Fraction]:
    """Each recipient's normalised value of one factor, exactly: value ÷ Σ values, or for a
    反向 factor (1/value) ÷ Σ (1/values). The shares add up to 1."""
    values = [Fraction(plan.value(r, factor)) for r in plan.recipients]
    if factor.direction == "反向":
        values = [1 / v for v in values]
    total = sum(values, Fraction(0))
    return [v / total for v in values]


def allocate(plan: AllocationPlan) -> Allocation:
    """Allocate ``plan.amount`` by the factor method (see ``METHOD``). All shares are exact
    fractions; the only rounding is to the cent, by the largest remainder method."""
    totals = tuple(sum((plan.value(r, f) for r in plan.recipients), ZERO) for f in plan.factors)
    normalised = [factor_shares(plan, f) for f in plan.factors]
    cents = int(plan.amount_yuan * 100)
    shares, raw = [], []
    for i, r in enumerate(plan.recipients):
        per_factor = tuple(n[i] for n in normalised)
        share = sum((Fraction(f.weight) * s for f, s in zip(plan.factors, per_factor)), Fraction(0)) / 100
        shares.append((per_factor, share))
        raw.append(share * cents)
    floors = [int(x) for x in raw]  # shares are non-negative, so int() is the floor
    left = cents - sum(floors)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    lines = tuple(AllocationLine(name=r.name, values=tuple(plan.value(r, f) for f in plan.factors),
                                 shares=per_factor, share=share, amount=Decimal(c).scaleb(-2))
                  for r, (per_factor, share), c in zip(plan.recipients, shares, floors))
    result = Allocation(plan=plan, lines=lines, totals=totals)
    assert result.balanced, "largest remainder must add up to the fund"
    return result
