"""Forms for the parts of an evaluation that are not indicator rows: financial data
(预算、决算、三公经费、决算表…), satisfaction questionnaires (counts per option) and the
report narrative.

Each form turns what was stored (``Evaluation.extra``) or what was posted into labelled
fields for the template, and back into plain data for ``jixiao.core`` to validate. The forms
only parse what a person typed (numbers, counts, names); every figure derived from them —
rates, questionnaire scores, indicator scores — is computed by the core. Error messages are
Chinese and name the field: 「财务数据·年初预算数：不是有效数字」.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping

from jixiao.core.finance import Split
from jixiao.core.model import NARRATIVE_SECTIONS
from jixiao.core.numbers import NON_NEGATIVE, D, NumberError, fmt, read_number

FINANCE = "财务数据"
QUESTIONNAIRE = "满意度问卷"
NARRATIVE = "报告叙述"

NOT_A_NUMBER = "不是有效数字"
NOT_A_COUNT = "须为不小于0的整数"


@dataclass
class Field:
    """One input: POST name, full Chinese label (used in errors), the text shown, an error."""

    name: str
    label: str
    value: str = ""
    error: str = ""
    short: str = ""  # a column heading when the full label is too long for a grid

    def __post_init__(self):
        self.short = self.short or self.label

    @property
    def width(self) -> int:
        """An input size that shows the whole value (a CJK character is two columns wide)."""
        return min(max(sum(2 if ord(c) > 0x2E80 else 1 for c in self.value) + 1, 6), 26)

    @property
    def em(self) -> str:
        """A CSS width in em that fits the value (a CJK character is about 1em)."""
        return format(max(sum(1 if ord(c) > 0x2E80 else 0.6 for c in self.value) + 1, 6), ".1f")


def block_digest(value: Any) -> str:
    """A fingerprint of a stored block, sent with the form to notice a concurrent change."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()[:16]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


class _Form:
    """Fields plus the errors found when cleaning; ``errors`` lists 「区域·字段：原因」 lines."""

    section = ""

    def __init__(self, data: Mapping[str, str] | None):
        self.data = data
        self.errors: list[str] = []

    def field(self, name: str, label: str, stored: Any = None, short: str = "") -> Field:
        value = self.data.get(name, "") if self.data is not None else _text(stored)
        return Field(name, label, str(value).strip(), short=short)

    def fail(self, f: Field, message: str) -> None:
        f.error = message
        self.errors.append(f"{self.section}·{f.label}：{message}")

    def decimal(self, f: Field, signed: bool = False) -> Decimal | None:
        """A typed number by the core's one parser; negative only where ``signed`` (an
        adjustment can lower a budget; an amount, count or score cannot be negative)."""
        if not f.value:
            return None
        try:
            return read_number(f.value, None if signed else NON_NEGATIVE)
        except NumberError as exc:
            self.fail(f, NOT_A_NUMBER if str(exc).endswith("不是数字") else str(exc))
            return None

    def count(self, f: Field) -> int | None:
        if not f.value:
            return None
        text = f.value.replace(",", "")
        if not text.isascii() or not text.isdigit():
            self.fail(f, NOT_A_COUNT)
            return None
        return int(text)


# --- financial data ---------------------------------------------------------------------

SPLITS = (  # (path in Finance, label)
    ("budget.initial", "年初预算数"),
    ("budget.adjusted", "调整后预算数"),
    ("spent", "支出决算数"),
    ("carryover_start", "年初结转结余"),
    ("carryover_end", "年末结转结余"),
)
SPLIT_PARTS = (("total", "", "合计"), ("basic", "（基本支出）", "基本支出"), ("project", "（项目支出）", "项目支出"))

SCALARS = (  # (heading, ((path, label), ...))
    ("预算与支出", (
        ("budget.additions", "追加（调整）预算数"),
        ("received", "资金到位数"),
        ("total_expenditure", "支出合计（含其他资金）"),
        ("meeting_spent", "会议费支出"),
        ("training_spent", "培训费支出"),
        ("cash", "货币资金年末数"),
        ("fixed_assets", "固定资产年末数"),
    )),
    ("“三公”经费", (
        ("sangong.budget", "“三公”经费预算数"),
        ("sangong.spent", "“三公”经费实际支出"),
    )),
    ("上年数（用于同比）", (
        ("prior_year.budget", "上年预算数"),
        ("prior_year.income", "上年收入"),
        ("prior_year.spent", "上年支出"),
        ("prior_year.sangong_spent", "上年“三公”经费支出"),
        ("prior_year.meeting_spent", "上年会议费"),
        ("prior_year.training_spent", "上年培训费"),
        ("prior_year.cash", "上年货币资金"),
        ("prior_year.fixed_assets", "上年固定资产"),
    )),
)

KEYED = (  # dict[str, Decimal] blocks: (path, heading, name label, value label, suggested names)
    ("income", "收入（按来源）", "收入来源", "金额", ("财政拨款收入", "其他收入")),
    ("expenditure_by_class", "支出（按经济分类）", "经济分类", "金额", ("工资福利支出", "商品和服务支出", "对个人和家庭的补助", "资本性支出")),
    ("sangong.items", "“三公”经费明细", "项目", "金额", ("因公出国（境）费", "公务用车购置及运行费", "公务接待费")),
)
FUND_PARTS = (("name", "名称"), ("budget", "预算数"), ("received", "到位数"), ("spent", "支出数"))

LABELS = {"finance." + p: label for p, label in SPLITS}
LABELS.update({f"finance.{p}.{part}": label + suffix for p, label in SPLITS for part, suffix, _ in SPLIT_PARTS})
LABELS.update({"finance." + p: label for _, items in SCALARS for p, label in items})
LABELS.update({"finance." + p: heading for p, heading, *_ in KEYED})
LABELS.update({"finance": "", "finance.unit": "金额单位", "finance.budget": "预算", "finance.sangong": "“三公”经费",
               "finance.prior_year": "上年数", "finance.special_funds": "专项资金", "finance.final_accounts": "决算表"})


def _get(data: Any, path: str) -> Any:
    for key in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _put(data: dict, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for key in parents:
        data = data.setdefault(key, {})
    data[last] = value


def _split_parts(stored: Any) -> dict[str, Any]:
    """A stored Split as basic/project/total; the total is left out when it is only the sum
    of the parts (so editing a part does not contradict a stale total)."""
    if stored is None:
        return {}
    if not isinstance(stored, dict):
        return {"total": stored}
    parts = dict(stored)
    if parts.get("basic") is not None and parts.get("project") is not None and parts.get("total") is not None:
        try:
            derived = Split.model_validate({"basic": parts["basic"], "project": parts["project"]}).total
            if derived == D(str(parts["total"])):
                parts.pop("total")
        except (ValueError, TypeError):
            pass
    return parts


@dataclass
class SplitRow:
    label: str
    fields: list[Field]


@dataclass
class KeyedBlock:
    path: str
    heading: str
    name_label: str
    value_label: str
    suggestions: tuple[str, ...]
    rows: list[tuple[Field, Field]] = field(default_factory=list)


@dataclass
class FinalAccountsForm:
    title: Field
    unit: Field
    columns: list[Field]
    rows: list[tuple[Field, Field, list[Field]]]
    total: list[Field]


class FinanceForm(_Form):
    """Every figure ``jixiao.core.finance.Finance`` knows, as labelled inputs."""

    section = FINANCE
    UNITS = ("万元", "元")
    EXTRA_ROWS = 2

    def __init__(self, stored: dict | None, data: Mapping[str, str] | None = None):
        super().__init__(data)
        stored = stored or {}
        self.unit = self.field("fin:unit", "金额单位", stored.get("unit", "万元"))
        self.splits = [SplitRow(label, [self.field(f"fin:{path}.{part}", label + suffix, _split_parts(_get(stored, path)).get(part),
                                                   short=short) for part, suffix, short in SPLIT_PARTS])
                       for path, label in SPLITS]
        self.scalars = [(heading, [self.field(f"fin:{p}", label, _get(stored, p)) for p, label in items])
                        for heading, items in SCALARS]
        self.keyed = []
        for path, heading, name_label, value_label, suggestions in KEYED:
            block = KeyedBlock(path, heading, name_label, value_label, suggestions)
            items = list((_get(stored, path) or {}).items())
            for i in range(self._rows(f"fin:{path}:", len(items))):
                name, value = items[i] if i < len(items) else ("", None)
                row_label = f"{heading}第{i + 1}行"
                block.rows.append((self.field(f"fin:{path}:{i}:name", f"{row_label}·{name_label}", name),
                                   self.field(f"fin:{path}:{i}:value", f"{row_label}·{value_label}", value)))
            self.keyed.append(block)
        funds = list(stored.get("special_funds") or [])
        self.funds = [[self.field(f"fin:sf:{i}:{part}", f"专项资金第{i + 1}行·{label}",
                                  (funds[i] if i < len(funds) else {}).get(part)) for part, label in FUND_PARTS]
                      for i in range(self._rows("fin:sf:", len(funds)))]
        self.final_accounts = self._final_accounts(stored.get("final_accounts") or {})

    def _rows(self, prefix: str, stored_rows: int, extra: int | None = None) -> int:
        """How many rows a repeated block shows: as posted, or the stored ones plus blanks."""
        if self.data is not None:
            n = 0
            while any(k.startswith(f"{prefix}{n}:") for k in self.data):
                n += 1
            return n
        return stored_rows + (self.EXTRA_ROWS if extra is None else extra)

    def _final_accounts(self, fa: dict) -> FinalAccountsForm:
        columns = list(fa.get("columns") or [])
        rows = list(fa.get("rows") or [])
        totals = fa.get("total") or {}
        ncols = self._rows("fin:fa:col:", len(columns), 1 if columns else 8) if self.data is None else \
            sum(1 for k in self.data if k.startswith("fin:fa:col:"))
        cols = [self.field(f"fin:fa:col:{j}", f"决算表第{j + 1}栏·栏目名称", columns[j] if j < len(columns) else "")
                for j in range(ncols)]

        def col_name(j):
            return cols[j].value or f"第{j + 1}栏"

        out_rows = []
        for i in range(self._rows("fin:fa:row:", len(rows), 3)):
            row = rows[i] if i < len(rows) else {}
            values = row.get("values") or {}
            code = self.field(f"fin:fa:row:{i}:code", f"决算表第{i + 1}行·科目编码", row.get("code"))
            label = f"决算表第{i + 1}行（{code.value}）" if code.value else f"决算表第{i + 1}行"
            out_rows.append((code, self.field(f"fin:fa:row:{i}:name", f"{label}·科目名称", row.get("name")),
                             [self.field(f"fin:fa:row:{i}:v:{j}", f"{label}·{col_name(j)}",
                                         values.get(columns[j]) if j < len(columns) else None) for j in range(ncols)]))
        total = [self.field(f"fin:fa:total:{j}", f"决算表合计行·{col_name(j)}",
                            totals.get(columns[j]) if j < len(columns) else None) for j in range(ncols)]
        return FinalAccountsForm(self.field("fin:fa:title", "决算表·标题", fa.get("title", "")),
                                 self.field("fin:fa:unit", "决算表·金额单位", fa.get("unit", "")), cols, out_rows, total)

    def clean(self) -> dict | None:
        """The finance block as data for the core, or None when nothing was entered. Errors
        in what was typed are collected in ``errors`` (all of them, not just the first)."""
        if self.unit.value not in self.UNITS:
            self.fail(self.unit, f"须为{'或'.join(self.UNITS)}")
        out: dict[str, Any] = {}
        for (path, _), row in zip(SPLITS, self.splits):
            parts = {part: self.decimal(f) for (part, _, _), f in zip(SPLIT_PARTS, row.fields)}
            parts = {k: v for k, v in parts.items() if v is not None}
            if parts:
                _put(out, path, parts)
        for _, fields in self.scalars:
            for f in fields:
                value = self.decimal(f, signed=f.name[4:] == "budget.additions")
                if value is not None:
                    _put(out, f.name[4:], value)
        for block in self.keyed:
            items: dict[str, Decimal] = {}
            for name, value in block.rows:
                amount = self.decimal(value)
                if not name.value and not value.value:
                    continue
                if not name.value:
                    self.fail(name, "请填写名称")
                elif name.value in items:
                    self.fail(name, f"“{name.value}”重复")
                elif not value.value:
                    self.fail(value, "请填写金额")
                elif amount is not None:
                    items[name.value] = amount
            if items:
                _put(out, block.path, items)
        funds = []
        for fields in self.funds:
            name, *amounts = fields
            values = [self.decimal(f) for f in amounts]
            if not name.value and not any(f.value for f in amounts):
                continue
            if not name.value:
                self.fail(name, "请填写专项资金名称")
            if not amounts[0].value:
                self.fail(amounts[0], "必填")
            funds.append({"name": name.value, **{part: v for (part, _), v in zip(FUND_PARTS[1:], values) if v is not None}})
        if funds:
            out["special_funds"] = funds
        fa = self._clean_final_accounts()
        if fa:
            out["final_accounts"] = fa
        if not out:
            return None
        return {"unit": self.unit.value, **out}

    def _clean_final_accounts(self) -> dict | None:
        form = self.final_accounts
        used = [any(r[2][j].value for r in form.rows) or form.total[j].value for j in range(len(form.columns))]
        names: list[str | None] = []
        for j, col in enumerate(form.columns):
            if not col.value:
                if used[j]:
                    self.fail(col, "该栏填有数字，请填写栏目名称")
                names.append(None)
            elif col.value in names:
                self.fail(col, f"栏目“{col.value}”重复")
                names.append(None)
            else:
                names.append(col.value)
        rows = []
        for code, name, values in form.rows:
            numbers = [self.decimal(f, signed=True) for f in values]  # a 决算表 line can be negative
            if not code.value and not name.value and not any(f.value for f in values):
                continue
            if not code.value:
                self.fail(code, "请填写科目编码")
            if not name.value:
                self.fail(name, "请填写科目名称")
            rows.append({"code": code.value, "name": name.value,
                         "values": {names[j]: v for j, v in enumerate(numbers) if v is not None and names[j]}})
        total = {names[j]: v for j, v in enumerate(self.decimal(f, signed=True) for f in form.total) if v is not None and names[j]}
        columns = [n for n in names if n]
        if not rows and not total and not form.title.value:
            return None
        if not columns:
            self.fail(form.columns[0] if form.columns else form.title, "请至少填写一个栏目名称")
        out: dict[str, Any] = {"columns": columns, "rows": rows, "total": total}
        if form.title.value:
            out["title"] = form.title.value
        if form.unit.value:
            out["unit"] = form.unit.value
        return out


# --- questionnaires ---------------------------------------------------------------------

QUESTION_SLOTS = 1  # blank questions offered under each questionnaire
OPTION_SLOTS = 4  # blank options offered for a new question
NEW_QUESTIONS = 3  # blank questions of a new questionnaire
META = (("title", "问卷名称"), ("issued", "发放份数"), ("returned", "收回份数"), ("valid", "有效份数"),
        ("full_marks", "满分"), ("declared_total", "公布的问卷总分"), ("declared_score", "公布的综合得分"))


@dataclass
class OptionFields:
    label: Field
    points: Field
    count: Field


@dataclass
class QuestionFields:
    number: int
    text: Field
    delete: bool
    options: list[OptionFields]
    new: bool = False
    result: dict | None = None  # the saved question's results, computed by the core


@dataclass
class QuestionnaireFields:
    index: int
    qid: Field
    meta: dict[str, Field]
    questions: list[QuestionFields]
    delete: bool = False
    new: bool = False
    result: dict | None = None  # the saved questionnaire's results, computed by the core

    @property
    def name(self) -> str:
        return self.meta["title"].value or self.qid.value or f"第{self.index + 1}份问卷"


class QuestionnaireForm(_Form):
    """Each questionnaire: its counts (发放/收回/有效), and per question the points and the
    number of respondents for each option; plus blank slots to add a question or a
    questionnaire."""

    section = QUESTIONNAIRE

    def __init__(self, stored: list | None, data: Mapping[str, str] | None = None):
        super().__init__(data)
        stored = list(stored or [])
        if data is not None:
            n = 0
            while f"q{n}-id" in data:
                n += 1
        else:
            n = len(stored) + 1
        self.items = [self._questionnaire(i, stored[i] if i < len(stored) else None) for i in range(n)]

    def _questionnaire(self, i: int, stored: dict | None) -> QuestionnaireFields:
        q = stored or {}
        new = stored is None if self.data is None else self.data.get(f"q{i}-new") == "1"
        qid = self.field(f"q{i}-id", "问卷编号", q.get("id"))
        questions = list(q.get("questions") or [])
        block = QuestionnaireFields(i, qid, {}, [], new=new,
                                    delete=self.data is not None and self.data.get(f"q{i}-delete") == "1")
        name = (self.data.get(f"q{i}-title", "") if self.data is not None else q.get("title")) or q.get("id") or \
            (self.data.get(f"q{i}-id", "") if self.data is not None else "") or f"第{i + 1}份问卷"
        prefix = f"「{name}」"
        qid.label = f"{prefix}问卷编号"
        block.meta = {key: self.field(f"q{i}-{key}", f"{prefix}{label}", q.get(key)) for key, label in META}
        if self.data is not None:
            count = 0
            while f"q{i}-{count}-text" in self.data:
                count += 1
        else:
            count = len(questions) + (NEW_QUESTIONS if new else QUESTION_SLOTS)
        for k in range(count):
            question = questions[k] if k < len(questions) else None
            options = list((question or {}).get("options") or [])
            if self.data is not None:
                n_opts = 0
                while f"q{i}-{k}-{n_opts}-label" in self.data:
                    n_opts += 1
            else:
                n_opts = len(options) if options else OPTION_SLOTS
            where = f"{prefix}第{k + 1}题"
            opts = []
            for m in range(n_opts):
                o = options[m] if m < len(options) else {}
                opt = f"{where}选项{o.get('label') or m + 1}"
                opts.append(OptionFields(self.field(f"q{i}-{k}-{m}-label", f"{opt}·选项", o.get("label")),
                                         self.field(f"q{i}-{k}-{m}-points", f"{opt}·分值", o.get("points")),
                                         self.field(f"q{i}-{k}-{m}-count", f"{opt}·人数", o.get("count"))))
            block.questions.append(QuestionFields(
                k + 1, self.field(f"q{i}-{k}-text", f"{where}·题目", (question or {}).get("text")),
                self.data is not None and self.data.get(f"q{i}-{k}-delete") == "1", opts, new=question is None and self.data is None))
        return block

    def clean(self) -> list[dict]:
        out = []
        seen: set[str] = set()
        for block in self.items:
            if block.delete:
                continue
            typed = [f for f in block.meta.values() if f.name.endswith(("-title", "-issued", "-returned", "-valid",
                                                                       "-declared_total", "-declared_score")) and f.value]
            questions = [self._clean_question(q) for q in block.questions if not q.delete]
            questions = [q for q in questions if q is not None]
            if block.new and not block.qid.value and not typed and not questions:
                continue  # the blank slot for a new questionnaire
            if not block.qid.value:
                self.fail(block.qid, "请填写问卷编号（如 satisfaction）")
            elif block.qid.value in seen:
                self.fail(block.qid, f"编号“{block.qid.value}”重复")
            seen.add(block.qid.value)
            item: dict[str, Any] = {"id": block.qid.value}
            meta = block.meta
            if meta["title"].value:
                item["title"] = meta["title"].value
            for key in ("issued", "returned", "valid"):
                value = self.count(meta[key])
                if value is not None:
                    item[key] = value
            if "valid" not in item and not meta["valid"].error:
                self.fail(meta["valid"], "必填（计算综合得分的分母）")
            for key in ("full_marks", "declared_total", "declared_score"):
                value = self.decimal(meta[key])
                if value is not None:
                    item[key] = value
            if not questions:
                self.fail(block.qid, "至少需要一道题")
            item["questions"] = questions
            out.append(item)
        return out

    def _clean_question(self, q: QuestionFields) -> dict | None:
        options = []
        for o in q.options:
            points, count = self.decimal(o.points), self.count(o.count)
            if not (o.label.value or o.points.value or o.count.value):
                continue
            if not o.label.value:
                self.fail(o.label, "请填写选项")
            if not o.points.value:
                self.fail(o.points, "请填写分值")
            option: dict[str, Any] = {"label": o.label.value}
            if points is not None:
                option["points"] = points
            if count is not None:
                option["count"] = count
            options.append(option)
        if not q.text.value and not options:
            return None
        if not q.text.value:
            self.fail(q.text, "请填写题目")
        if not options:
            self.fail(q.text, "至少需要一个选项")
        return {"text": q.text.value, "options": options}


# --- narrative --------------------------------------------------------------------------

NARRATIVE_META = (("evaluator", "评价机构"), ("report_date", "报告日期"))
TEAM_FIELDS = (("role", "职务"), ("name", "姓名"), ("title", "职称"), ("org", "单位"))


class NarrativeForm(_Form):
    """One text per report section of ``NARRATIVE_SECTIONS``; 评价机构 and 报告日期; the
    published claims 申报总分 and 申报等级 (audited against the computed ones); 评价小组, one
    row per member plus a blank row to add one (a row with only 职务 or 姓名 is an error)."""

    section = NARRATIVE
    MAX_CHARS = 20000

    def __init__(self, extra: dict | None, data: Mapping[str, str] | None = None):
        super().__init__(data)
        extra = extra or {}
        narrative = extra.get("narrative") or {}
        self.sections = [self.field(f"narrative:{key}", label, narrative.get(key)) for key, label in NARRATIVE_SECTIONS.items()]
        self.meta = [self.field(key, label, extra.get(key)) for key, label in NARRATIVE_META]
        self.declared_total = self.field("declared_total", "申报总分", extra.get("declared_total"))
        self.declared_grade = self.field("declared_grade", "申报等级", extra.get("declared_grade"))
        stored = list(extra.get("team") or [])
        rows = len(stored) + 1
        if data is not None:  # as many rows as were posted
            rows = max([int(k.split(":")[1]) + 1 for k in data if k.startswith("team:") and k.split(":")[1].isdigit()] or [0])
        self.team = [[self.field(f"team:{i}:{key}", f"评价小组第{i + 1}行·{label}", (stored[i] if i < len(stored) else {}).get(key))
                      for key, label in TEAM_FIELDS] for i in range(rows)]

    def clean(self) -> dict:
        """``{"narrative": {...}, "evaluator", "report_date", "declared_total", "declared_grade",
        "team"}``; empty texts left out."""
        for f in (*self.sections, *self.meta):
            if len(f.value) > self.MAX_CHARS:
                self.fail(f, f"超过{self.MAX_CHARS}字")
        total = self.decimal(self.declared_total)
        if total is not None and not (0 <= total <= 1000):
            self.fail(self.declared_total, "应在0到1000之间")
        team = []
        for row in self.team:
            member = {f.name.rsplit(":", 1)[1]: f.value for f in row if f.value}
            if not member:
                continue
            for f in row[:2]:  # 职务 and 姓名 are required for a member
                if not f.value:
                    self.fail(f, "不能为空")
            team.append(member)
        return {"narrative": {f.name.split(":", 1)[1]: f.value for f in self.sections if f.value},
                **{f.name: f.value for f in self.meta},
                "declared_total": format(total, "f") if total is not None else None,
                "declared_grade": self.declared_grade.value or None, "team": team}


# --- core errors ------------------------------------------------------------------------

def core_error_messages(exc, extra: dict, keys: bool = False) -> list[str]:
    """pydantic errors from validating the whole evaluation, as 「区域·字段：原因」 lines;
    with ``keys`` the data path too (for the YAML editor: 「…（finance.sangong.spent）：…」)."""
    out = []
    for e in exc.errors():
        loc = tuple(e["loc"])
        message = e["msg"].removeprefix("Value error, ")
        if e["type"] == "missing":
            message = "必填"
        elif e["type"].startswith("decimal") or e["type"] in ("decimal_parsing", "float_parsing"):
            message = NOT_A_NUMBER
        path = f"（{'.'.join(map(str, loc))}）" if keys and loc else ""
        out.append(f"{where(loc, extra)}{path}：{message}")
    return out


def where(loc: tuple, extra: dict) -> str:
    """A pydantic location in an evaluation, in Chinese: ('finance', 'budget', 'initial') →
    财务数据·年初预算数."""
    if not loc:
        return "评价"
    head, rest = loc[0], loc[1:]
    if head == "finance":
        path = ".".join(str(p) for p in loc)
        if path in LABELS:
            return f"{FINANCE}·{LABELS[path]}" if LABELS[path] else FINANCE
        finance = extra.get("finance") or {}
        if len(rest) >= 2 and rest[0] == "special_funds" and isinstance(rest[1], int):
            funds = finance.get("special_funds") or []
            name = funds[rest[1]].get("name", "") if rest[1] < len(funds) else ""
            tail = dict(FUND_PARTS).get(rest[2], str(rest[2])) if len(rest) > 2 else ""
            return f"{FINANCE}·专项资金“{name}”" + (f"·{tail}" if tail else "")
        if rest and rest[0] == "final_accounts":
            rows = (finance.get("final_accounts") or {}).get("rows") or []
            if len(rest) >= 3 and rest[1] == "rows" and isinstance(rest[2], int) and rest[2] < len(rows):
                return f"{FINANCE}·决算表科目{rows[rest[2]].get('code', '')}"
            return f"{FINANCE}·决算表"
        for size in range(len(loc) - 1, 0, -1):
            prefix = ".".join(str(p) for p in loc[:size])
            if prefix in LABELS:
                return f"{FINANCE}·{LABELS[prefix]}·" + "·".join(str(p) for p in loc[size:])
        return f"{FINANCE}·" + "·".join(str(p) for p in rest)
    if head == "questionnaires":
        items = extra.get("questionnaires") or []
        if rest and isinstance(rest[0], int) and rest[0] < len(items):
            q = items[rest[0]]
            text = f"{QUESTIONNAIRE}「{q.get('title') or q.get('id')}」"
            if len(rest) >= 3 and rest[1] == "questions" and isinstance(rest[2], int):
                text += f"第{rest[2] + 1}题"
                if len(rest) >= 5 and rest[3] == "options" and isinstance(rest[4], int):
                    try:
                        text += f"选项{q['questions'][rest[2]]['options'][rest[4]]['label']}"
                    except (KeyError, IndexError, TypeError):
                        text += f"选项{rest[4] + 1}"
            elif len(rest) >= 2:
                text += "·" + dict(META).get(rest[1], str(rest[1]))
            return text
        return QUESTIONNAIRE
    if head == "narrative":
        return NARRATIVE
    return "·".join(str(p) for p in loc)


# --- what the core computed, for display ------------------------------------------------

def metric_rows(metrics: dict) -> list[dict]:
    """The core's finance metrics as table rows: label, value (a rate as the core rounded it,
    17.60%; an amount without trailing zeros) and formula."""
    return [{"name": m.name, "label": m.label, "value": f"{format(m.value, 'f')}%" if m.percent else fmt(m.value),
             "formula": m.formula} for m in metrics.values()]


def attach_results(form: QuestionnaireForm, results: list[dict]) -> None:
    """Put each saved questionnaire's results beside its block and questions on the page."""
    by_id = {r["id"]: r for r in results}
    for block in form.items:
        block.result = by_id.get(block.qid.value)
        for n, q in enumerate(block.questions):
            rows = block.result["questions"] if block.result else []
            q.result = rows[n] if n < len(rows) else None


def questionnaire_results(questionnaire) -> dict:
    """Per question and overall results of a core Questionnaire (display rounding half-up to
    2 places; the core's exact values are used for scoring)."""
    questions = []
    for n, q in enumerate(questionnaire.questions, 1):
        avg, sat = q.average(), q.satisfaction()
        questions.append({"number": n, "text": q.text, "answers": q.answers, "total": fmt(q.total),
                          "average": fmt(avg, 2) if avg is not None else "—",
                          "satisfaction": f"{fmt(sat, 2)}%" if sat is not None else "—",
                          "options": [(o.label, fmt(o.points), o.count) for o in q.options]})
    try:
        score = fmt(questionnaire.score, 2)
    except ValueError as exc:
        score = str(exc)
    return {"id": questionnaire.id, "title": questionnaire.title or questionnaire.id, "valid": questionnaire.valid,
            "issued": questionnaire.issued, "returned": questionnaire.returned, "total": fmt(questionnaire.total),
            "score": score, "declared_total": fmt(questionnaire.declared_total) if questionnaire.declared_total is not None else "",
            "declared_score": fmt(questionnaire.declared_score) if questionnaire.declared_score is not None else "",
            "questions": questions}


# --- the change trail -------------------------------------------------------------------

LEAF_LABELS = {"count": "人数", "points": "分值", "label": "选项", "text": "题目", "valid": "有效份数",
               "issued": "发放份数", "returned": "收回份数", "title": "名称", "declared_total": "公布的问卷总分",
               "declared_score": "公布的综合得分"}
OTHER_BLOCKS = {"evaluator": "评价机构", "report_date": "报告日期", "team": "评价小组", "declared_total": "申报总分",
                "declared_grade": "申报等级", "declared_groups": "申报分组得分", "title": "标题"}


def _flatten(value: Any, path: tuple = ()) -> dict[tuple, Any]:
    if isinstance(value, dict) and value:
        return {k: v for key, item in value.items() for k, v in _flatten(item, (*path, key)).items()}
    if isinstance(value, list) and value:
        return {k: v for i, item in enumerate(value) for k, v in _flatten(item, (*path, i)).items()}
    return {path: value}


def _change_label(path: tuple, extra: dict) -> str:
    head = path[0]
    if head == "narrative" and len(path) > 1:
        return f"{NARRATIVE}·{NARRATIVE_SECTIONS.get(path[1], path[1])}"
    if head == "questionnaires":
        text = where(path, extra)
        if len(path) >= 5 and path[2] == "questions":
            text += "·" + LEAF_LABELS.get(path[-1], str(path[-1]))
        return text
    if head == "finance":
        return where(path, extra)
    return OTHER_BLOCKS.get(head, "·".join(map(str, path)))


def _short(value: Any, limit: int = 60) -> str:
    text = "" if value in (None, {}, []) else str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def extra_changes(before: dict, after: dict) -> list[tuple[str, str, str]]:
    """What changed between two versions of ``Evaluation.extra``, as (field in Chinese,
    before, after), one line per changed figure or text."""
    old, new = _flatten(before), _flatten(after)
    out = []
    for path in sorted(set(old) | set(new), key=lambda p: [str(x).zfill(6) if isinstance(x, int) else str(x) for x in p]):
        if not path or old.get(path) == new.get(path):
            continue
        out.append((_change_label(path, after if path in new else before), _short(old.get(path)), _short(new.get(path))))
    return out
