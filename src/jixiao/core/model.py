"""Immutable domain types: frameworks, indicators, targets, evaluations.

A *framework* (指标体系) is a tree: level-1 groups (一级指标) hold level-2 groups (二级指标),
which hold level-3 indicators (三级指标); an indicator may hold sub-rows. An *evaluation*
(绩效自评) is one unit's actual values for one year against one framework. Both are plain
data validated by pydantic; every group, indicator and input carries ``loc``, the file and
line it was read from, so each error and finding points at its source.
"""

from __future__ import annotations

import operator
import re
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticUndefined

from .numbers import D

_new = object.__new__
# pydantic's own slots of a model instance (what BaseModel.__copy__ sets, without its overhead)
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class SourceRef(Model):
    """Where a piece of data came from: file path and 1-based line (None when built in code)."""

    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}"
        return self.file or (f"第{self.line}行" if self.line else "")


COMPARATORS = {
    "≥": ">=", ">=": ">=", "≧": ">=", "＞＝": ">=", "不低于": ">=", "不少于": ">=",
    "≤": "<=", "<=": "<=", "≦": "<=", "＜＝": "<=", "不高于": "<=", "不超过": "<=",
    ">": ">", "＞": ">", "<": "<", "＜": "<", "=": "=", "＝": "=", "==": "=",
}
COMPARATOR_SYMBOL = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "="}
_TARGET_RE = re.compile(
    r"^\s*(?P<cmp>不低于|不少于|不高于|不超过|>=|<=|≥|≤|≧|≦|＞＝|＜＝|==|>|<|＞|＜|=|＝)?\s*"
    r"(?P<num>[-+]?\d[\d,]*(?:\.\d+)?)\s*(?P<unit>.*?)\s*$"
)


class Target(Model):
    """The target value (目标值/标准值/指标值) of an indicator.

    ``text`` is the target as published (``≥90%``, ``548.05万人``, ``明确``). When it holds a
    number, ``comparator`` (``>=``, ``<=``, ``>``, ``<``, ``=``), ``value`` and ``unit`` are
    parsed from it; a qualitative target has only ``text``. A bare number means "reach at
    least this" (``>=``) unless the indicator is 反向 (lower is better).
    """

    text: str = ""
    comparator: Literal[">=", "<=", ">", "<", "="] | None = None
    value: Decimal | None = None
    unit: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, (int, Decimal)) and not isinstance(data, bool):
            data = str(data)
        if isinstance(data, str):
            return parse_target(data)
        return data

    @property
    def is_numeric(self) -> bool:
        return self.value is not None

    def met_by(self, actual: Decimal) -> bool:
        """Whether ``actual`` meets this target under its comparator."""
        if self.value is None:
            raise ValueError("定性目标无法与数值比较")
        return compare(actual, self.comparator or ">=", self.value)

    def __str__(self) -> str:
        return self.text


def parse_target(text: str) -> dict[str, Any]:
    match = _TARGET_RE.match(text)
    if not match:
        return {"text": text.strip()}
    comparator = COMPARATORS.get(match["cmp"]) if match["cmp"] else None
    return {"text": text.strip(), "comparator": comparator, "value": D(match["num"]),
            "unit": match["unit"]}


def compare(left: Decimal, comparator: str, right: Decimal) -> bool:
    return {
        ">=": left >= right, "<=": left <= right, ">": left > right,
        "<": left < right, "=": left == right,
    }[comparator]


class Indicator(Model):
    """A level-3 indicator (三级指标), or a sub-row of one.

    ``weight`` is its points (分值/权重). ``rule`` is the executable scoring rule (see
    ``jixiao.core.rules``); ``criteria`` keeps the published 评分标准 text beside it. With
    ``subrows`` the indicator scores the sum of its sub-rows and its own ``rule`` is unused.
    ``metric`` names the measured quantity in explanations (defaults to ``name``).
    """

    code: str
    name: str
    weight: Decimal
    target: Target = Field(default_factory=Target)
    direction: Literal["正向", "反向", "定性"] = "正向"
    criteria: str = ""
    description: str = ""  # 指标说明 / 指标解释
    data_source: str = ""  # 数据来源 or responsible section
    metric: str = ""
    rule: "AnyRule | None" = None  # see jixiao.core.rules
    subrows: tuple["Indicator", ...] = ()
    loc: SourceRef | None = None

    @property
    def label(self) -> str:
        return self.metric or self.name


class Group(Model):
    """A level-1 (一级) or level-2 (二级) indicator heading with its declared points.

    ``points`` is what the heading declares (``项目决策 (18分)``); it may be absent or may
    disagree with the sum of its rows, which audit reports. ``declared_score`` is a group score
    published without row detail (seed 003 gives only level-1/level-2 scores).
    """

    code: str
    name: str
    points: Decimal | None = None
    groups: tuple["Group", ...] = ()
    indicators: tuple[Indicator, ...] = ()
    loc: SourceRef | None = None

    def walk(self):
        """Yield every indicator under this group, depth first, in table order."""
        for indicator in self.indicators:
            yield indicator
        for group in self.groups:
            yield from group.walk()


class GradeBand(Model):
    """A grade (等级) given to totals at or above ``min``."""

    name: str
    min: Decimal


NATIONAL_GRADES = (
    GradeBand(name="优", min=Decimal(90)),
    GradeBand(name="良", min=Decimal(80)),
    GradeBand(name="中", min=Decimal(60)),
    GradeBand(name="差", min=Decimal(0)),
)


class Framework(Model):
    """An indicator framework (指标体系).

    ``kind`` is 部门整体 (whole department) or 项目支出 (a project or transfer fund); ``fund``
    names the fund for the latter. ``total`` is the points the weights should add up to;
    ``places`` and ``rounding`` say how every indicator score is rounded (once, half-up to 2
    places by default). ``grades`` and ``pass_line`` grade the total. ``not_applicable`` says
    where the points of a 不适用 indicator go: spread over the other indicators of its level-2
    group (``level2``) or level-1 group (``level1``) in proportion to their weights, or the
    whole total rescaled (``rescale``). ``default_rule`` scores indicators that have no rule:
    ``manual`` (the evaluator's score) or ``generic`` (正向/反向/定性 by direction).
    """

    id: str
    name: str
    kind: Literal["部门整体", "项目支出"]
    fund: str = ""
    version: str = "1"
    source: str = ""
    total: Decimal = Decimal(100)
    places: int = Field(default=2, ge=0, le=6)
    rounding: Literal["half-up", "half-even", "down"] = "half-up"
    grades: tuple[GradeBand, ...] = NATIONAL_GRADES
    pass_line: Decimal = Decimal(60)
    not_applicable: Literal["level2", "level1", "rescale"] = "level2"
    default_rule: Literal["manual", "generic"] = "manual"
    groups: tuple[Group, ...]
    loc: SourceRef | None = None

    @field_validator("grades")
    @classmethod
    def _grades_descending(cls, grades: tuple[GradeBand, ...]) -> tuple[GradeBand, ...]:
        mins = [g.min for g in grades]
        if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
            raise ValueError("等级须按下限从高到低排列且下限互不相同")
        return grades

    @model_validator(mode="after")
    def _unique_codes(self) -> "Framework":
        framework_index(self)  # checks the codes once per framework object (raises on a repeat)
        return self

    def indicators(self):
        """Every level-3 indicator, in table order."""
        for group in self.groups:
            yield from group.walk()

    def indicator(self, code: str) -> Indicator | None:
        for indicator in self.indicators():
            if indicator.code == code:
                return indicator
            for sub in indicator.subrows:
                if sub.code == code:
                    return sub
        return None

    def grade(self, total: Decimal) -> str:
        for band in self.grades:
            if total >= band.min:
                return band.name
        return self.grades[-1].name


class FrameworkIndex:
    """What a framework guarantees about its codes, computed once per framework object
    (frameworks are immutable) instead of on every evaluation that uses it: every indicator
    and sub-row code, the sub-row codes, the group codes and the level-3 codes in table order."""

    __slots__ = ("framework", "codes", "subrow_codes", "group_codes", "indicator_codes")

    def __init__(self, framework: "Framework"):
        codes: set[str] = set()
        subrows: set[str] = set()
        indicator_codes = []
        for indicator in framework.indicators():
            indicator_codes.append(indicator.code)
            for code in (indicator.code, *(s.code for s in indicator.subrows)):
                if code in codes:
                    raise ValueError(f"指标编码重复：{code}")
                codes.add(code)
            subrows.update(s.code for s in indicator.subrows)
        groups = set()
        stack = list(framework.groups)
        while stack:
            g = stack.pop()
            groups.add(g.code)
            stack.extend(g.groups)
        self.framework = framework
        self.codes, self.subrow_codes = frozenset(codes), frozenset(subrows)
        self.group_codes, self.indicator_codes = frozenset(groups), tuple(indicator_codes)


class PerObject:
    """A bounded cache of what ``make`` computes from an immutable object, keyed by the
    object's identity; it holds the object, so its id cannot be reused while cached."""

    __slots__ = ("make", "size", "items")

    def __init__(self, make, size: int = 256):
        self.make, self.size, self.items = make, size, {}

    def __call__(self, obj):
        found = self.items.get(id(obj))
        if found is not None and found[0] is obj:
            return found[1]
        value = self.make(obj)
        if len(self.items) >= self.size:
            self.items.pop(next(iter(self.items)))
        self.items[id(obj)] = (obj, value)
        return value


framework_index = PerObject(FrameworkIndex)  # framework → its FrameworkIndex, once per object


class Unit(Model):
    """The evaluated unit (单位): name, administrative level and region."""

    name: str
    level: Literal["省", "市", "县", "区"] | None = None
    region: str = ""


class TeamMember(Model):
    """A member of the evaluation team (评价小组)."""

    role: str  # 组长 / 副组长 / 成员
    name: str
    title: str = ""
    org: str = ""


class Question(Model):
    """One questionnaire question with its options' points and the count of each answer."""

    text: str
    options: tuple["Option", ...]

    @property
    def total(self) -> Decimal:
        """Points this question collected over all answers."""
        return sum((o.points * o.count for o in self.options), Decimal(0))

    @property
    def answers(self) -> int:
        return sum(o.count for o in self.options)

    @property
    def full_points(self) -> Decimal:
        return max(o.points for o in self.options)

    def average(self) -> Decimal | None:
        """Mean points per answer, or None when nobody answered."""
        return self.total / self.answers if self.answers else None

    def satisfaction(self) -> Decimal | None:
        """Mean points as a percent of the best option (满意率)."""
        avg = self.average()
        return None if avg is None or not self.full_points else avg / self.full_points * 100

    def option(self, label: str) -> "Option":
        """The option whose label is ``label`` or starts with it followed by a dot (``A`` → ``A.较好``)."""
        key = label.strip().upper()
        for o in self.options:
            head = o.label.split(".", 1)[0].split("．", 1)[0].strip().upper()
            if o.label == label or head == key:
                return o
        raise KeyError(label)


class Option(Model):
    label: str
    points: Decimal
    count: int = Field(default=0, ge=0)


class Questionnaire(Model):
    """A satisfaction questionnaire (满意度问卷) published as counts per option."""

    id: str
    title: str = ""
    issued: int | None = None
    returned: int | None = None
    valid: int
    full_marks: Decimal = Decimal(100)
    questions: tuple[Question, ...]
    declared_total: Decimal | None = None  # 问卷总分 as published
    declared_score: Decimal | None = None  # 问卷综合得分 as published
    loc: SourceRef | None = None

    @property
    def total(self) -> Decimal:
        """The points of every answer added up, once per questionnaire object (it is immutable,
        and one questionnaire is read by every row and check that uses it)."""
        return _questionnaire_total(self)

    @property
    def score(self) -> Decimal:
        """The composite score: total points over valid questionnaires (seed 002: 1935/20)."""
        if self.valid <= 0:
            raise ValueError("有效问卷份数为0，无法计算综合得分")
        return self.total / self.valid

    @model_validator(mode="after")
    def _counts_fit(self) -> "Questionnaire":
        if self.returned is not None and self.issued is not None and self.returned > self.issued:
            raise ValueError(f"收回问卷{self.returned}份多于发放的{self.issued}份")
        if self.returned is not None and self.valid > self.returned:
            raise ValueError(f"有效问卷{self.valid}份多于收回的{self.returned}份")
        for i, q in enumerate(self.questions, 1):
            if q.answers > self.valid:
                raise ValueError(f"第{i}题回答人数{q.answers}多于有效问卷{self.valid}份")
        return self


def _points_answered(questionnaire: Questionnaire) -> Decimal:
    return sum((o.points * o.count for q in questionnaire.questions for o in q.options), Decimal(0))


_questionnaire_total = PerObject(_points_answered)


def questionnaire_from_responses(qid: str, questions: list[Question], responses: list[list[str | None]],
                                 title: str = "", issued: int | None = None,
                                 returned: int | None = None) -> Questionnaire:
    """Build a questionnaire from one row per respondent (option labels such as ``A``).

    A row with any question unanswered or answered with an unknown option is not valid and
    is not counted (returned but invalid); raises ValueError naming the row for an unknown
    option so the importer can report it.
    """
    counts = [dict.fromkeys((o.label for o in q.options), 0) for q in questions]
    valid = 0
    for r, row in enumerate(responses, 1):
        if len(row) != len(questions) or any(a is None or not str(a).strip() for a in row):
            continue
        chosen = []
        for i, (q, answer) in enumerate(zip(questions, row)):
            try:
                chosen.append((i, q.option(str(answer)).label))
            except KeyError:
                raise ValueError(f"第{r}份问卷第{i + 1}题的选项“{answer}”不存在") from None
        for i, label in chosen:
            counts[i][label] += 1
        valid += 1
    built = tuple(Question(text=q.text, options=tuple(Option(label=o.label, points=o.points, count=counts[i][o.label])
                                                       for o in q.options)) for i, q in enumerate(questions))
    return Questionnaire(id=qid, title=title, issued=issued, returned=len(responses) if returned is None else returned,
                         valid=valid, questions=built)


class Override(Model):
    """An evaluator's replacement for a computed score; allowed only with a written reason."""

    score: Decimal
    reason: str = Field(min_length=1)

    @field_validator("reason")
    @classmethod
    def _reason_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("人工改分必须写明理由")
        return value.strip()


class IndicatorInput(Model):
    """What the evaluator records for one indicator (or sub-row).

    ``actual`` is the actual value in the target's unit (99.81 for 99.81%); ``values`` holds
    named values for rules with several inputs (职工/居民, current/previous); ``checks`` the
    checklist items met; ``incidents`` counts per kind of deduction; ``judgement`` the chosen
    level of a graded rule; ``met`` a yes/no verdict; ``reference`` the comparison value
    (全市平均, 上年); ``manual`` an evaluator's score for a judgement row; ``questionnaire``
    takes ``actual`` from a questionnaire of the evaluation and ``actual_from`` from a computed
financial figure (``execution_rate``, ``sangong_control_rate``…, see ``finance``); ``parts`` holds a separate input
for each named part of a ``sum`` rule (职工 / 城乡居民). ``not_applicable`` marks the indicator
不适用 and gives the reason; ``override`` replaces the computed score, with a reason. ``declared`` is the published
    score (a claim that audit checks), ``evidence`` the 实际完成情况 / 评分过程 text.
    """

    actual: Decimal | None = None
    values: dict[str, Decimal] = Field(default_factory=dict)
    checks: tuple[str, ...] | None = None
    incidents: dict[str, Decimal] = Field(default_factory=dict)
    judgement: str | None = None
    met: bool | None = None
    reference: Decimal | None = None
    manual: Decimal | None = None
    questionnaire: str | None = None
    parts: dict[str, "IndicatorInput"] = Field(default_factory=dict)
    actual_from: str | None = None
    not_applicable: str | None = None
    override: Override | None = None
    declared: Decimal | None = None
    evidence: str = ""
    loc: SourceRef | None = None

    @field_validator("checks", mode="before")
    @classmethod
    def _checks_as_strings(cls, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return tuple(str(v) for v in value)
        return value

    def with_actual(self, actual: Decimal) -> "IndicatorInput":
        """``model_copy(update={"actual": actual})`` — the copy the scorer makes of an input whose
        actual value comes from elsewhere (a questionnaire, a finance figure, a named value of a
        ``sum`` part) — without pydantic's general copy: the same field values in the same
        order, fields set plus ``actual``, extra and private attributes copied."""
        cls = type(self)
        copied = _new(cls)
        values = self.__dict__.copy()
        values["actual"] = actual
        _set_dict(copied, values)
        _set_fields_set(copied, self.__pydantic_fields_set__ | {"actual"})
        extra = self.__pydantic_extra__
        _set_extra(copied, None if extra is None else extra.copy())
        private = getattr(self, "__pydantic_private__", None)
        _set_private(copied, None if private is None else
                     {k: v for k, v in private.items() if v is not PydanticUndefined})
        return copied


NARRATIVE_SECTIONS = {
    "overview": "单位概况",
    "budget": "收支及预算执行情况",
    "goals": "绩效目标",
    "conclusion": "评价结论",
    "achievements": "履职成效与绩效分析",
    "problems": "存在问题及原因分析",
    "measures": "改进措施及建议",
    "process": "评价工作开展情况",
    "application": "结果应用与公开情况",
    "other": "其他需要说明的情况",
}


# ``evaluation.__dict__[INPUTS_PLAIN] is evaluation.inputs``: whoever built the evaluation's
# inputs knows that none is 不适用, derived (``actual_from``) or from a questionnaire (a bulk
# reader, ``io.bulk.StoredRecords``, knows it of every input it builds), so the scorer need not
# look at each input to find out. It is the inputs dict itself, not a flag, so that a copy of
# the evaluation with other inputs (``model_copy(update={"inputs": …})``) does not keep it;
# not a field (``model_dump`` and comparisons ignore it).
INPUTS_PLAIN = "_inputs_plain"
_special_fields = operator.attrgetter("not_applicable", "actual_from", "questionnaire")
_NOT_SPECIAL = ((None, None, None), (None, None, ""))


class Evaluation(Model):
    """One unit's self-evaluation for one year against one framework.

    ``inputs`` maps indicator (or sub-row) codes to what was recorded. ``declared_total``,
    ``declared_grade`` and ``declared_groups`` (group code → score) are the published claims.
    ``narrative`` holds the report sections only a person can write, keyed by the names in
    ``NARRATIVE_SECTIONS`` (overview, goals, achievements, problems, measures…).
    """

    unit: Unit
    year: int = Field(ge=2000, le=2100)
    framework: Framework
    title: str = ""
    team: tuple[TeamMember, ...] = ()
    inputs: dict[str, IndicatorInput] = Field(default_factory=dict)
    questionnaires: tuple[Questionnaire, ...] = ()
    finance: "Finance | None" = None
    narrative: dict[str, str] = Field(default_factory=dict)
    evaluator: str = ""  # 评价机构
    report_date: str = ""  # 报告日期 as written, e.g. 2024年5月
    declared_total: Decimal | None = None
    declared_grade: str | None = None
    declared_groups: dict[str, Decimal] = Field(default_factory=dict)
    loc: SourceRef | None = None

    @model_validator(mode="after")
    def _inputs_name_indicators(self) -> "Evaluation":
        return self.check_inputs()

    def check_inputs(self, plain: bool = False, special: "list | None" = None) -> "Evaluation":
        """The evaluation's own checks (its after-validator): every input names an indicator of
        the framework, 不适用 / actual_from / questionnaire inputs are sound, narrative sections
        are known; raises ValueError. ``plain``: the caller knows that no input is 不适用,
        derived (``actual_from``) or from a questionnaire (``io.bulk.StoredRecords`` knows it of
        the inputs it builds), so the inputs are not walked to find out. ``special``: the caller
        knows which are (the (code, input) pairs, in the inputs' order): only those are walked."""
        index = framework_index(self.framework)
        codes = index.codes
        if not codes.issuperset(self.inputs):  # (the set test runs in C; the list only to say which)
            unknown = [code for code in self.inputs if code not in codes]
            raise ValueError(f"指标体系中没有这些指标编码：{'、'.join(unknown)}")
        groups = index.group_codes
        if self.declared_groups and not groups.issuperset(self.declared_groups):
            unknown = [code for code in self.declared_groups if code not in groups]
            raise ValueError(f"指标体系中没有这些分组编码：{'、'.join(unknown)}")
        subrow_codes = index.subrow_codes
        any_not_applicable = any_derived = any_questionnaire = False
        # the common evaluation: no input 不适用, derived or from a questionnaire (tested in C)
        if special is not None:
            plain = not special
        elif not plain:
            found = set(map(_special_fields, self.inputs.values()))
            plain = not found or (len(found) == 1 and found.pop() in _NOT_SPECIAL)
        walked = self.inputs.items() if special is None else special  # (the others hold none of the three)
        for code, item in walked if not plain else ():
            if item.not_applicable is not None:
                any_not_applicable = True
                if code in subrow_codes:
                    raise ValueError(f"分项{code}不能单独标为不适用，请将整个指标标为不适用")
                if not item.not_applicable.strip():
                    raise ValueError(f"指标{code}标为不适用时必须写明理由")
            if item.actual_from is not None:
                any_derived = True
            if item.questionnaire:
                any_questionnaire = True
        all_codes = index.indicator_codes
        if any_not_applicable and all_codes and all(self.input(c).not_applicable is not None for c in all_codes):
            raise ValueError("全部指标均标为不适用，无法计分")
        for code, item in walked if any_derived else ():
            if item.actual_from is None:
                continue
            if item.actual is not None:
                raise ValueError(f"指标{code}同时填写了 actual 与 actual_from，只能取其一")
            if self.finance is None:
                raise ValueError(f"指标{code}的 actual_from 需要评价文件中的财务数据（finance）")
            if item.actual_from not in self.metrics:
                known = "、".join(sorted(self.metrics)) or "无"
                raise ValueError(f"指标{code}的 actual_from“{item.actual_from}”无法由财务数据算出（可用：{known}）")
        unknown = [k for k in self.narrative if k not in NARRATIVE_SECTIONS] if self.narrative else ()
        if unknown:
            raise ValueError(f"报告章节名称无效：{'、'.join(unknown)}（可选：{'、'.join(NARRATIVE_SECTIONS)}）")
        ids = {q.id for q in self.questionnaires} if any_questionnaire else ()
        for code, item in walked if any_questionnaire else ():
            if item.questionnaire and item.questionnaire not in ids:
                raise ValueError(f"指标{code}引用了不存在的问卷：{item.questionnaire}")
        return self

    def input(self, code: str) -> IndicatorInput:
        return self.inputs.get(code) or IndicatorInput()

    @cached_property
    def metrics(self):
        """Figures computed from ``finance`` (name → Metric); empty without finance data.
        Computed once per finance object (immutable; evaluations read in bulk share one)."""
        return dict(_finance_metrics(self.finance)) if self.finance is not None else {}

    def questionnaire(self, qid: str) -> Questionnaire:
        for q in self.questionnaires:
            if q.id == qid:
                return q
        raise KeyError(qid)


def _analyse(finance) -> dict:
    from .finance import analyse

    return analyse(finance)


_finance_metrics = PerObject(_analyse)

# Rules import this module's types, so they are bound last (a deliberate late import).
from .rules import AnyRule  # noqa: E402
from .finance import Finance  # noqa: E402

Question.model_rebuild()
IndicatorInput.model_rebuild()
Indicator.model_rebuild()
Group.model_rebuild()
Framework.model_rebuild()
Evaluation.model_rebuild()
