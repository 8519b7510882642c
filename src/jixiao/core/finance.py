"""Financial analysis (预算执行与成本分析): budget and final-account data, and the rates
computed from them.

A ``Finance`` block of an evaluation holds what the 部门决算 and the budget documents give:
the budget at the start of the year, additions, the adjusted budget, funds received and spent
(by basic/project expenditure and by economic class), 三公经费, carry-over, special funds, prior
year figures and the 收入支出决算表 by 功能分类科目. ``analyse`` computes the figures reports
quote — execution rate, arrival rate, 三公 control rate, structure shares, year-over-year
changes — and indicators take their actual values from them (``actual_from``) instead of
typed numbers. Rates are percentages rounded half-up to 2 places, as published.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pydantic import Field, model_validator

from .model import Model
from .numbers import HUNDRED, ZERO, fmt, quantize

RATE_PLACES = 2


class Split(Model):
    """An amount split into 基本支出 (basic) and 项目支出 (project); ``total`` if only that
    is known. When basic and project are both given, total defaults to their sum."""

    basic: Decimal | None = None
    project: Decimal | None = None
    total: Decimal | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_number(cls, data):
        if isinstance(data, (int, Decimal, str)) and not isinstance(data, bool):
            return {"total": data}
        return data

    @model_validator(mode="after")
    def _total(self):
        if self.basic is not None and self.project is not None:
            parts = self.basic + self.project
            if self.total is None:
                object.__setattr__(self, "total", parts)
            elif self.total != parts:
                raise ValueError(f"合计{fmt(self.total)}不等于基本支出{fmt(self.basic)}与项目支出{fmt(self.project)}之和{fmt(parts)}")
        return self

    @property
    def amount(self) -> Decimal | None:
        return self.total


class Budget(Model):
    """预算: 年初预算 (initial), 追加/调整 (additions, may be negative), 调整后预算 (adjusted)."""

    initial: Split | None = None
    additions: Decimal | None = None
    adjusted: Split | None = None


class SpecialFund(Model):
    """A special fund (专项资金) the unit administers: budget, received and spent."""

    name: str
    budget: Decimal
    received: Decimal | None = None
    spent: Decimal | None = None


class SanGong(Model):
    """三公经费: budgeted and spent, optionally by item (因公出国（境）, 公务用车, 公务接待)."""

    budget: Decimal | None = None
    spent: Decimal
    items: dict[str, Decimal] = Field(default_factory=dict)


class PriorYear(Model):
    """Last year's figures for year-over-year comparison."""

    budget: Decimal | None = None
    income: Decimal | None = None
    spent: Decimal | None = None
    sangong_spent: Decimal | None = None
    meeting_spent: Decimal | None = None
    training_spent: Decimal | None = None
    cash: Decimal | None = None
    fixed_assets: Decimal | None = None


class FinalAccountRow(Model):
    """One row of the 收入支出决算表 by 功能分类科目 (code such as 2101501, name 行政运行)."""

    code: str
    name: str
    values: dict[str, Decimal] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _code_text(cls, data):
        if isinstance(data, dict) and "code" in data:
            data = {**data, "code": str(data["code"])}
        return data


class FinalAccounts(Model):
    """收入支出决算表: named columns, rows by 功能分类科目, and the published 合计 row."""

    title: str = "收入支出决算表"
    unit: str = "元"
    columns: tuple[str, ...]
    rows: tuple[FinalAccountRow, ...]
    total: dict[str, Decimal] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_columns(self):
        for row in self.rows:
            unknown = set(row.values) - set(self.columns)
            if unknown:
                raise ValueError(f"科目{row.code}含有未定义的栏目：{'、'.join(sorted(unknown))}")
        return self

    def column_sum(self, column: str) -> Decimal:
        return sum((r.values.get(column, ZERO) for r in self.rows), ZERO)


class Finance(Model):
    """Budget and final-account data of the evaluated year; amounts in ``unit`` (元 or 万元)."""

    unit: str = "万元"
    budget: Budget = Field(default_factory=Budget)
    received: Decimal | None = None
    spent: Split | None = None
    total_expenditure: Decimal | None = None  # 支出合计 from all sources, when above 财政拨款支出
    income: dict[str, Decimal] = Field(default_factory=dict)  # 收入 by source (财政拨款收入, 其他收入)
    expenditure_by_class: dict[str, Decimal] = Field(default_factory=dict)  # 按经济分类
    sangong: SanGong | None = None
    meeting_spent: Decimal | None = None
    training_spent: Decimal | None = None
    carryover_start: Split | None = None
    carryover_end: Split | None = None
    cash: Decimal | None = None  # 货币资金年末数
    fixed_assets: Decimal | None = None  # 固定资产年末数
    special_funds: tuple[SpecialFund, ...] = ()
    prior_year: PriorYear | None = None
    final_accounts: FinalAccounts | None = None


@dataclass(frozen=True)
class Metric:
    """A computed figure: machine name, Chinese label, value (a % when ``percent``), formula."""

    name: str
    label: str
    value: Decimal
    percent: bool
    formula: str

    def __str__(self) -> str:
        return f"{self.label}{fmt(self.value)}{'%' if self.percent else ''}"


def _rate(numerator: Decimal, denominator: Decimal) -> Decimal:
    return quantize(numerator / denominator * HUNDRED, RATE_PLACES)


def analyse(finance: Finance) -> dict[str, Metric]:
    """Every figure the data allows, keyed by name (``execution_rate``, ``arrival_rate``…)."""
    out: dict[str, Metric] = {}
    u = finance.unit

    def rate(name, label, num, den, formula):
        if num is not None and den:
            out[name] = Metric(name, label, _rate(num, den), True, formula)

    def amount(name, label, value, formula):
        if value is not None:
            out[name] = Metric(name, label, value, False, formula)

    adjusted = finance.budget.adjusted
    spent = finance.spent
    if adjusted and spent:
        rate("execution_rate", "预算执行率", spent.total, adjusted.total, f"支出决算数÷调整后预算数（{u}）")
        if adjusted.basic and spent.basic is not None:
            rate("basic_execution_rate", "基本支出预算执行率", spent.basic, adjusted.basic, "基本支出÷基本支出预算")
        if adjusted.project and spent.project is not None:
            rate("project_execution_rate", "项目支出预算执行率", spent.project, adjusted.project, "项目支出÷项目支出预算")
    if adjusted:
        rate("arrival_rate", "资金到位率", finance.received, adjusted.total, "实际到位数÷调整后预算数")
        amount("adjusted_budget", "调整后预算", adjusted.total, "年初预算＋追加")
    initial = finance.budget.initial
    if initial and finance.budget.additions is not None and adjusted and initial.total is not None:
        amount("budget_adjustment_gap", "调整后预算与年初预算加追加之差",
               adjusted.total - initial.total - finance.budget.additions, "调整后预算−年初预算−追加")
    expenditure = finance.total_expenditure if finance.total_expenditure is not None else (spent.total if spent else None)
    if spent:
        amount("spent", "支出决算数", spent.total, "基本支出＋项目支出")
    if expenditure:
        amount("total_expenditure", "支出合计", expenditure, "各项支出之和")
        rate("basic_share", "基本支出占比", spent.basic if spent else None, expenditure, "基本支出÷支出合计")
        rate("project_share", "项目支出占比", spent.project if spent else None, expenditure, "项目支出÷支出合计")
        for cls, value in finance.expenditure_by_class.items():
            rate(f"class_share:{cls}", f"{cls}占比", value, expenditure, f"{cls}÷支出合计")
    income_total = sum(finance.income.values(), ZERO) if finance.income else None
    if income_total:
        amount("income", "收入合计", income_total, "各项收入之和")
        for source, value in finance.income.items():
            rate(f"income_share:{source}", f"{source}占比", value, income_total, f"{source}÷收入合计")
    if finance.sangong:
        rate("sangong_control_rate", "“三公”经费控制率", finance.sangong.spent, finance.sangong.budget,
             "“三公”经费实际支出÷预算数")
        amount("sangong_spent", "“三公”经费支出", finance.sangong.spent, "三公经费支出合计")
    if finance.special_funds:
        budget = sum((f.budget for f in finance.special_funds), ZERO)
        if all(f.spent is not None for f in finance.special_funds):
            rate("special_execution_rate", "专项资金预算执行率", sum((f.spent for f in finance.special_funds), ZERO),
                 budget, "专项资金支出÷专项资金预算")
        if all(f.received is not None for f in finance.special_funds):
            rate("special_arrival_rate", "专项资金到位率", sum((f.received for f in finance.special_funds), ZERO),
                 budget, "专项资金到位数÷专项资金预算")
    if finance.carryover_end:
        amount("carryover_end", "年末结转结余", finance.carryover_end.total, "年末结转和结余合计")
        if adjusted and adjusted.total:
            rate("carryover_rate", "结转结余率", finance.carryover_end.total, adjusted.total, "年末结转结余÷调整后预算")
    prior = finance.prior_year
    if prior:
        pairs = (("budget", "预算", adjusted.total if adjusted else None, prior.budget),
                 ("income", "收入", income_total, prior.income),
                 ("spent", "支出", expenditure, prior.spent),
                 ("sangong", "“三公”经费", finance.sangong.spent if finance.sangong else None, prior.sangong_spent),
                 ("meeting", "会议费", finance.meeting_spent, prior.meeting_spent),
                 ("training", "培训费", finance.training_spent, prior.training_spent),
                 ("cash", "货币资金", finance.cash, prior.cash),
                 ("fixed_assets", "固定资产", finance.fixed_assets, prior.fixed_assets))
        for key, label, now, before in pairs:
            if now is None or before is None:
                continue
            amount(f"yoy_change:{key}", f"{label}较上年增减", now - before, f"本年{label}−上年{label}")
            if before:
                rate(f"yoy_rate:{key}", f"{label}较上年增减率", now - before, before, f"（本年−上年）÷上年{label}")
    return out


@dataclass(frozen=True)
class FinanceCheck:
    """A disagreement inside the financial data (a column of the 决算表 vs its 合计 row...)."""

    where: str
    message: str


def check(finance: Finance) -> list[FinanceCheck]:
    """Internal consistency: 决算表 columns add up to the published 合计; 年初预算＋追加 equals
    the adjusted budget."""
    problems = []
    fa = finance.final_accounts
    if fa:
        for column, published in fa.total.items():
            computed = fa.column_sum(column)
            if computed != published:
                problems.append(FinanceCheck(f"决算表“{column}”栏",
                                             f"合计行为{fmt(published)}，各科目相加为{fmt(computed)}"))
    b = finance.budget
    if b.initial and b.initial.total is not None and b.additions is not None and b.adjusted and b.adjusted.total is not None:
        if b.initial.total + b.additions != b.adjusted.total:
            problems.append(FinanceCheck("预算", f"年初预算{fmt(b.initial.total)}＋追加{fmt(b.additions)}＝"
                                                 f"{fmt(b.initial.total + b.additions)}，与调整后预算{fmt(b.adjusted.total)}不符"))
    return problems
