"""Import indicator score tables as published (Word, Excel, or a text dump of either).

A published self-evaluation ends with its filled indicator table: 一级/二级/三级指标, 权重,
目标值, 评分标准, 评分过程 or 实际完成情况, 得分. This module reads such tables *as printed*
into a (Framework, Evaluation) pair per table, so the rules can recompute every score and
the audit can say where the published figures depart from them.

Sources and layouts:

- text dumps in three layouts, detected from the header row: one cell per line (each cell on
  a line starting with a TAB, rows separated by blank lines, a cell's own line breaks kept as
  untabbed lines), pipe rows (``a | b | c |``, merged cells simply left out), and TAB rows
  (blank = merged);
- ``.docx`` tables (vertically merged cells read as blank, horizontally merged as one);
- ``.xlsx`` sheets (merged ranges: only the top-left cell holds a value).

What printed tables do and how it is read: a blank level cell is the same as the one above;
a heading may carry its points (``项目决策 (18分)``, ``A部门\\n决策（15\\n分）``); the header
row repeats at page breaks; a row split across pages continues on a row with only trailing
text; a level-1 heading may be printed on a later page than the first of its rows (its
merged cell is centred), in which case it starts at the level-2 group it is printed in; a
row without a name but with points is a sub-row of the indicator above; a 合计/总分/总计 row,
or a row holding only the total score, closes the table. A file may hold several tables.

Each row's criteria become a rule (``jixiao.core.criteria``), its actual value is read from
the evidence text, and its 得分 is kept as the declared score. Where the evidence gives no
figure a rule can use, the inputs that do not need one (checklist items, a graded level, a
count of incidents, met or not) are taken to be those that give the declared score — or the
nearest one below when no input can give it — so the recomputation shows only what the
published rule itself contradicts; rows whose rule needs a figure that is not published are
kept at their declared score and listed as not verified.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable

from pydantic import ValidationError

from jixiao.core.criteria import (
    Confidence, ParsedCriteria, extract_actual, extract_values, max_award, normalize, parse_criteria, subset_for,
    weakest,
)
from jixiao.core.model import Evaluation, Framework, Group, Indicator, IndicatorInput, SourceRef, Target, Unit
from jixiao.core.numbers import ZERO, fmt
from jixiao.core.rules import Context, MissingInput, RuleError, parse_rule
from jixiao.io.yamlio import LoadError

#: The reason recorded on rows kept at their declared score because no figure was published.
UNVERIFIED = "评分过程未给出规则所需的实际值，按申报得分计（未复核）"

NUM = r"-?\d+(?:\.\d+)?"

# --- column roles -------------------------------------------------------------------------

COLUMN_ROLES: tuple[tuple[str, re.Pattern], ...] = tuple((role, re.compile(pattern)) for role, pattern in (
    ("level1", r"^一级(?:指标)?(?:名称)?$"),
    ("level2", r"^二级(?:指标)?(?:名称)?$"),
    ("level3", r"^(?:三级(?:指标)?(?:名称)?|指标名称|绩效指标)$"),
    ("weight", r"^(?:权重|分值|指标分值|标准分值|权重分|权重\(分\)|分值\(分\)|满分)$"),
    ("target", r"^(?:目标值|标准值|指标值|年度目标值|预期目标值?|指标标准|年度指标值|年初目标值|年度绩效目标值|绩效目标值|"
               r"全年目标值|年度指标值\(计划\))$"),
    ("criteria", r"^(?:评分标准|评分细则|指标评分细则|评分办法|计分方法|评分规则|评价标准|指标说明及评分标准|评分标准及说明)$"),
    ("actual", r"^(?:实际完成值|实际值|完成值|全年实际值|全年完成值|实际完成指标值|年度实际完成值)$"),
    ("evidence", r"^(?:评分过程|实际完成情况|完成情况|评分依据|得分说明|评价说明|偏差原因|扣分原因|具体指标|"
                 r"偏差原因分析及改进措施|偏差原因分析及改进措|偏差原因分析|偏差原因及改进措施|未完成原因分析|"
                 r"未完成原因分析及改进措施|偏差原因分析及整改措施)$"),
    ("nature", r"^(?:指标性质|指标方向)$"),
    ("unit", r"^(?:度量单位|计量单位)$"),
    ("score", r"^(?:得分|自评得分|评价得分|实际得分|评分|自评分)$"),
    ("description", r"^(?:指标说明|指标解释|指标内涵|指标解释说明)$"),
    ("source", r"^(?:数据来源|责任科室|佐证材料|责任部门)$"),
))
TOTAL_WORDS = re.compile(r"^(?:合计|总分|总计|得分合计|合计得分|总得分)$")
TEXT_ROLES = ("target", "criteria", "actual", "evidence", "description", "source", "nature", "unit")


def header_roles(cells: list[str]) -> list[str | None] | None:
    """Column roles of a header row, or None when the row is not an indicator table header.

    A second 分值 column where no 得分 column exists is the score (seed 004 prints 分值 twice)."""
    roles: list[str | None] = []
    names = [re.sub(r"\s+", "", c or "") for c in cells]
    proper_level3 = any(re.match(r"^三级(?:指标)?(?:名称)?$", n) for n in names)
    for cell in cells:
        name = re.sub(r"\s+", "", cell or "").replace("（", "(").replace("）", ")")
        name = re.sub(r"\([A-Z]\)$", "", name)  # 年初目标值(A), 全年实际值(B)
        role = next((r for r, regex in COLUMN_ROLES if regex.match(name)), None)
        if role == "level3" and proper_level3 and not name.startswith("三级"):
            role = None  # the form's 绩效指标 label column, beside a 三级指标 column
        if role == "weight" and "weight" in roles and "score" not in roles:
            role = "score"
        roles.append(role if role not in roles else None)
    known = {r for r in roles if r}
    if not known & {"level2", "level3", "criteria", "target", "actual", "evidence"}:
        return None  # 序号 | 一级指标 | 分值 | 得分: a summary of the headings, not the indicator table
    if len(known) >= 3 and known & {"level1", "level3"} and known & {"weight", "score"}:
        return roles
    return None


# --- cell typing for aligning rows with left-out cells ----------------------------------------

_NUMBER_RE = re.compile(rf"^{NUM}\s*分?$")
_CODE_RE = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]?)?\s*(?P<code>[A-Z]\d{0,3})(?:[\s、.．。:：]+|(?=[\u4e00-\u9fff“\"(（《]))")
_SUBCODE_RE = re.compile(r"^(?P<parent>[A-Z]\d{1,3})[-－—](?P<n>\d{1,2})(?=\D|$)")
_POINTS_RE = re.compile(rf"[(（]\s*(?P<pts>{NUM})\s*分?\s*[)）]?\s*$")
_SCORING_WORDS = re.compile(r"得\d|扣|计\d|满分|不得分|计分|得分|加\d|分\)|分）")
_SOURCE_RE = re.compile(r"^(?:[\u4e00-\u9fff]{1,12}(?:科|室|处|局|中心|办公室|组|股|部)\s*){1,3}$")
_TARGET_RE = re.compile(r"^(?:≥|≤|>|<|=|＞|＜|不低于|不高于|不少于|不超过)?\s*\d")


def is_number(text: str) -> bool:
    return bool(_NUMBER_RE.match((text or "").strip()))


def to_decimal(text: str) -> Decimal | None:
    """The number in a score or weight cell ("3", "1.98", "2分"), or None."""
    t = (text or "").strip().replace("分", "").replace(",", "")
    try:
        return Decimal(t) if t else None
    except InvalidOperation:
        return None


def code_depth(text: str) -> int:
    """How deep a published code is: A → 1, A1 → 2, A11 or C101 → 3; 0 for no code."""
    m = _CODE_RE.match(re.sub(r"\s+", " ", text or "").strip())
    if not m:
        return 0
    digits = len(m["code"]) - 1
    return 1 if digits == 0 else (2 if digits == 1 else 3)


_LEVEL1_NAMES = {"产出指标", "效益指标", "满意度指标", "成本指标", "决策指标", "过程指标", "产出", "效益", "满意度"}


def _compat(cell: str, role: str | None) -> float:
    """How well a cell's text fits a column role (higher is better)."""
    text = (cell or "").strip()
    if not text:
        return 0.0
    number, depth, long = is_number(text), code_depth(text), len(text) > 40
    heading = bool(_POINTS_RE.search(re.sub(r"\s+", "", text)))
    scoring = bool(_SCORING_WORDS.search(text))
    if role in ("weight", "score"):
        return 3.0 if number else -4.0
    if role is None and number and re.fullmatch(r"\d{1,3}", text):
        return 0.0  # a 序号 in its unnamed column
    if number:
        return 0.5 if role in ("target", "actual") else -4.0
    bare = re.sub(r"\s+", "", text)
    if role == "level1" and bare in _LEVEL1_NAMES:
        return 3.0
    if role == "level2" and depth == 0 and re.fullmatch(r"[\u4e00-\u9fff]{2,8}指标", bare) and bare not in _LEVEL1_NAMES:
        return 3.0  # 经济效益 指标, 数量指标: the form's 二级指标 names
    if role == "level1":
        return 3.0 if depth == 1 else (-3.0 if depth >= 2 else (1.0 if heading else (0.5 if len(text) <= 12 else -1.0)))
    if role == "level2":
        return 5.0 if depth == 2 else (-3.0 if depth == 3 else (-1.0 if depth == 1 else
                                                                (1.5 if heading else (0.5 if len(text) <= 16 else -1.0))))
    if role == "level3":
        return 4.0 if depth == 3 else (-2.0 if depth in (1, 2) else
                                       (1.0 if not long and (not scoring or heading) else -0.5))
    if role in ("target", "actual"):
        return 2.0 if _TARGET_RE.match(text) else (0.3 if len(text) <= 20 else -0.5)
    if role == "nature":
        return 3.0 if re.fullmatch(r"[≥≤>=<＞＜＝≧≦═]+|定性|定量|正向|反向", text) else -1.0
    if role == "unit":
        return 1.0 if len(text) <= 4 else -1.0
    if role == "criteria":
        return 2.0 if scoring else 0.5
    if role == "description":
        return 0.3 if scoring else 0.8
    if role == "evidence":
        return 0.7
    if role == "source":
        return 3.0 if _SOURCE_RE.match(text) else (0.2 if len(text) <= 15 else -2.0)
    return -0.5


_SKIP_COST = {"level1": 0.0, "level2": 0.05, "level3": 0.1, "weight": 0.4, "score": 0.8, "target": 0.5,
              "criteria": 0.5, "actual": 0.5, "evidence": 0.5, "description": 0.5, "source": 0.1, "nature": 0.2,
              "unit": 0.2, None: 0.0}


def align(cells: list[str], roles: list[str | None]) -> list[int]:
    """Columns for the cells of a row printed with merged cells left out (pipe dumps) or
    shifted: the order-preserving assignment of cells to columns that best fits the cells'
    text (numbers in 权重/得分, codes in the level of their depth…), by dynamic programming."""
    n, m = len(cells), len(roles)
    neg = float("-inf")
    best = [[neg] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for j in range(1, m + 1):
        best[0][j] = best[0][j - 1] - _SKIP_COST[roles[j - 1]]
        back[0][j] = (0, j - 1)
    for i in range(1, n + 1):
        for j in range(i, m + 1):
            take = best[i - 1][j - 1] + _compat(cells[i - 1], roles[j - 1])
            skip = best[i][j - 1] - _SKIP_COST[roles[j - 1]] if j > i else neg
            if take >= skip:
                best[i][j], back[i][j] = take, (i - 1, j - 1)
            else:
                best[i][j], back[i][j] = skip, (i, j - 1)
    cols, i, j = [0] * n, n, m
    while i > 0:
        pi, pj = back[i][j]
        if pi == i - 1:
            cols[i - 1] = j - 1
        i, j = pi, pj
    return cols


# --- the stream of rows and text lines from each source ----------------------------------------

@dataclass
class Line:
    """Text outside any table row (a title, a paragraph), with where it is."""

    text: str
    loc: SourceRef


@dataclass
class Row:
    """One printed table row. ``positional``: blanks are kept, so cell i is column i."""

    cells: list[str]
    loc: SourceRef
    positional: bool = True
    blank_after: int = 0  # empty cells printed after the last filled one (pipe dumps drop them)


Stream = list[Line | Row]


def _keywords(text: str) -> int:
    name = re.sub(r"\s+", "", text)
    return sum(1 for _, regex in COLUMN_ROLES if regex.match(name))


def detect_layout(lines: list[str]) -> str | None:
    """``pipe``, ``tab`` or ``cell`` (one cell per line) from the first header-like line."""
    for i, line in enumerate(lines):
        if "|" in line and header_roles([c for c in line.split("|")]):
            return "pipe"
        if line.count("\t") >= 2 and header_roles(line.split("\t")):
            return "tab"
        if line.startswith("\t") and line.count("\t") == 1 and _keywords(line) and \
                sum(1 for l in lines[i:i + 16] if l.startswith("\t") and _keywords(l)) >= 3:
            return "cell"
    return None


def _pipe_stream(lines: list[str], file: str) -> Stream:
    stream: Stream = []
    for n, line in enumerate(lines, 1):
        if "|" in line:
            cells = [c.strip() for c in line.split("|")]
            blank = 0
            while cells and not cells[-1]:
                cells.pop()
                blank += 1
            stream.append(Row(cells, SourceRef(file=file, line=n), positional=False, blank_after=max(blank - 1, 0)))
        else:
            stream.append(Line(line, SourceRef(file=file, line=n)))
    return stream


def _tab_stream(lines: list[str], file: str) -> Stream:
    stream: Stream = []
    for n, line in enumerate(lines, 1):
        if "\t" in line:
            stream.append(Row([c.strip() for c in line.split("\t")], SourceRef(file=file, line=n)))
        else:
            stream.append(Line(line, SourceRef(file=file, line=n)))
    return stream


def _cell_stream(lines: list[str], file: str) -> Stream:
    """One cell per line: a TAB starts a cell, an untabbed line continues it, a blank line
    ends the row — unless the row is still short of the header's width and the next block
    fits in what is left (a blank line inside a cell)."""
    stream: Stream = []
    row: Row | None = None
    width: int | None = None

    def block_size(start: int) -> int:
        size = 0
        for line in lines[start:]:
            if not line.strip():
                break
            size += line.startswith("\t")
        return size

    def finish() -> None:
        nonlocal row, width
        if row is not None:
            row.cells = [re.sub(r"\s*\n\s*", "", c).strip() for c in row.cells]
            if width is None and header_roles(row.cells):
                width = len(row.cells)
            stream.append(row)
        row = None

    for n, line in enumerate(lines, 1):
        if line.startswith("\t"):
            if row is None:
                row = Row([], SourceRef(file=file, line=n))
            row.cells.extend(line[1:].split("\t"))
        elif not line.strip():
            if row is not None and width and len(row.cells) < width and len(row.cells) + block_size(n) <= width:
                row.cells[-1] += "\n"
                continue
            finish()
        elif row is not None and row.cells:
            row.cells[-1] += "\n" + line.strip()
        else:
            stream.append(Line(line, SourceRef(file=file, line=n)))
    finish()
    return stream


def regroup_pipe_cells(lines: list[str]) -> list[str] | None:
    """Pipe text with each cell's text on lines of its own (``| ⏎ 一级 指标 | ⏎ 二级 指标 | …``, a
    line of bars starting the next row) as one pipe row a line; None when the text is not so."""
    marked = [l for l in lines if l.strip()]
    ends = sum(1 for l in marked if l.rstrip().endswith("|"))
    if not marked or ends < 0.6 * len(marked) or any(l.count("|") >= 3 for l in marked[:200]):
        return None
    out: list[str] = []
    row: list[str] = []
    cell: list[str] = []
    for line in lines:
        text = line.strip()
        if text and set(text) == {"|"}:
            if cell:
                row.append(" ".join(cell))
                cell = []
            if row:
                out.append(" | ".join(row) + " |")
            row = []
            continue
        if not text:
            continue
        if text.endswith("|"):
            cell.append(text[:-1].strip())
            if not out and not row and len(cell) > 1:
                out.extend(cell[:-1])  # the title lines above the first header cell are text, not that cell
                cell = cell[-1:]
            row.append(" ".join(c for c in cell if c))
            cell = []
        else:
            cell.append(text)
    if cell:
        row.append(" ".join(cell))
    if row:
        out.append(" | ".join(row) + " |")
    return out if len(out) >= 3 else None


def regroup_numbered_rows(lines: list[str]) -> list[str] | None:
    """Pipe text whose rows are printed over several lines (the header ``序号 | 一级 指标 |`` ⏎
    ``二级 指标 |`` ⏎ …, each row from its 序号 on): one pipe line per row. A row starts at a line
    whose first cell is ``序号`` or the next 序号 in order (1, 2, 3…); a line holding a lone
    number that is not the next 序号 (a 得分 printed on its own line) continues the row above.
    None when the text has no such 序号 header split over lines."""
    start = next((i for i, l in enumerate(lines) if re.match(r"^\s*序号\s*\|", l)), None)
    if start is None or len([c for c in lines[start].split("|") if c.strip()]) >= 4:
        return None
    out = lines[:start]
    current: str | None = None
    width: int | None = None  # the header's number of cells, once it is complete
    expected = 1
    for line in lines[start:]:
        text = line.strip()
        number = re.match(r"^(\d{1,3})\s*\|", text)
        new_row = text.startswith("序号") or (number is not None and int(number.group(1)) == expected)
        short = current is not None and width is not None and len(current.rstrip(" |").split("|")) < width
        if new_row or current is None or ("|" not in text and not (short and text)):
            if text.startswith("序号"):
                width = None
            if number is not None and new_row:
                expected += 1
            if current is not None:
                out.append(current)
                if width is None and current.startswith("序号"):
                    width = len(current.rstrip(" |").split("|"))
            current = text
        else:  # a cell wrapped onto the next line, or a row's cells continuing (fewer than the header's)
            current = current.rstrip().rstrip("|").rstrip() + " | " + text
    if current is not None:
        out.append(current)
    return out


def text_stream(text: str, file: str) -> tuple[Stream, str | None]:
    """The rows and lines of a text dump, in the layout detected from its header row."""
    lines = text.splitlines()
    if (numbered := regroup_numbered_rows(lines)) is not None and detect_layout(numbered) == "pipe":
        return _pipe_stream(numbered, file), "pipe"
    layout = detect_layout(lines)
    if layout is None and (regrouped := regroup_pipe_cells(lines)) is not None and detect_layout(regrouped) == "pipe":
        return _pipe_stream(regrouped, file), "pipe"
    maker = {"pipe": _pipe_stream, "tab": _tab_stream, "cell": _cell_stream}.get(layout or "")
    if maker is None:
        return [Line(l, SourceRef(file=file, line=n)) for n, l in enumerate(lines, 1)], None
    return maker(lines, file), layout


def docx_stream(path: Path) -> Stream:
    """Paragraphs and table rows of a Word document in body order. A vertically merged cell
    below its first row reads as blank; a horizontally merged cell is one cell and blanks."""
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

    from jixiao.io.safe_zip import open_docx

    document = open_docx(path)
    stream: Stream = []
    tables = 0
    for n, element in enumerate(document.element.body.iterchildren(), 1):
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(element, document).text
            stream.append(Line(text, SourceRef(file=str(path), line=n)))
        elif tag == "tbl":
            tables += 1
            table = Table(element, document)
            for r, tr in enumerate(element.tr_lst, 1):
                cells: list[str] = [""] * tr.grid_before
                for tc in tr.tc_lst:
                    text = "" if tc.vMerge == "continue" else _Cell(tc, table).text
                    cells.append(text.strip())
                    cells.extend([""] * (tc.grid_span - 1))
                stream.append(Row(cells, SourceRef(file=f"{path.name}#表{tables}", line=r)))
    return stream


def _xlsx_value(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if "%" in (cell.number_format or ""):
            return fmt(number * 100) + "%"
        return fmt(number)
    return str(value).strip()


def xlsx_stream(path: Path) -> Stream:
    """Rows of every sheet; a row with one cell in the first column is a title line."""
    from jixiao.io.safe_zip import open_workbook

    workbook = open_workbook(path, data_only=True)
    stream: Stream = []
    for sheet in workbook.worksheets:
        where = f"{path.name}!{sheet.title}"
        stream.append(Line(sheet.title, SourceRef(file=where, line=None)))
        for r, cells in enumerate(sheet.iter_rows(), 1):
            values = [_xlsx_value(c) for c in cells]
            while values and not values[-1]:
                values.pop()
            if not values:
                continue
            filled = [v for v in values if v]
            if len(filled) == 1 and values[0] and not header_roles(values) and not is_number(values[0]) \
                    and not TOTAL_WORDS.match(re.sub(r"\s+", "", values[0])):
                stream.append(Line(values[0], SourceRef(file=where, line=r)))
            else:
                stream.append(Row(values, SourceRef(file=where, line=r)))
    return stream


# --- tables in the stream ---------------------------------------------------------------------

@dataclass
class RawTable:
    title: str
    roles: list[str | None]
    header: SourceRef
    rows: list[Row] = field(default_factory=list)
    total: Row | None = None
    closed: bool = False
    money: "_MoneyBlock | None" = None
    truncated: Row | None = None  # the row cut by the end of the text (not read)
    block_points: Decimal | None = None  # 绩效指标(90分) printed in the header: the part of the form this table is
    header_total: Decimal | None = None  # a 自评得分 printed above the table (Ningxia), not in a 总分 row


_MONEY_COLUMNS = {"年初预算数": "initial", "全年预算数": "annual", "全年执行数": "spent", "分值": "weight",
                  "执行率": "rate", "得分": "score",
                  # Sichuan 部门预算项目支出绩效自评表: 年初预算 | 调整后预算数 | 预算执行数 | 预算执行率 | 权重 | 得分
                  "年初预算": "initial", "调整后预算数": "annual", "预算执行数": "spent", "预算执行率": "rate", "权重": "weight"}


@dataclass
class _MoneyBlock:
    """The 项目资金 block of a project form: 年度资金总额's figures and where it was printed."""

    values: dict[str, str]
    loc: SourceRef
    parts: dict[str, dict[str, str]] = field(default_factory=dict)  # 其中：当年财政拨款 / 上年结转资金 / 其他资金

    def money(self):
        from jixiao.core.project_form import Amounts, Money

        def amounts(values: dict[str, str]) -> Amounts:
            return Amounts(**{k: to_decimal(values.get(k, "")) for k in ("initial", "annual", "spent")})

        rate = to_decimal(self.values.get("rate", "").replace("%", ""))
        if rate is not None and "%" not in self.values.get("rate", "") and rate <= 1 and rate != 0:
            rate = rate * 100
        return Money(total=amounts(self.values), **{k: amounts(v) for k, v in self.parts.items()},
                     declared_score=to_decimal(self.values.get("score", "")), declared_rate=rate)


def _money_part(cells: list[str]) -> str | None:
    """Which sub-row of the 项目资金 block a row is (其中：当年财政拨款, 上年结转资金, 其他资金)."""
    label = re.sub(r"\s+", "", " ".join(cells[:4]))
    for key, words in (("fiscal", ("财政拨款",)), ("carryover", ("上年结转",)), ("other", ("其他资金",))):
        if any(w in label for w in words):
            return key
    return None


def _money_header(cells: list[str]) -> dict[int, str] | None:
    """Columns of a 项目资金 header row (年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分)."""
    cols = {}
    for i, c in enumerate(cells):
        key = _MONEY_COLUMNS.get(re.sub(r"\s+|[(（].*?[)）]", "", c or ""))
        if key and key not in cols.values():
            cols[i] = key
    return cols if {"annual", "spent"} <= set(cols.values()) else None


_LEVEL_HEADS = ("一级指标", "二级指标", "三级指标")
_TARGET_HEADS = ("指标性质", "指标值", "度量单位")


def merge_two_row_header(cells: list[str]) -> list[str] | None:
    """The two header rows of the 公开14表 run into one pipe line — ``绩效指标 | 年度指标值 |
    实际完成值 | 分值 | 得分 | 偏差原因… | 一级指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 |
    度量单位 | <first row…>`` — as one header (一级…度量单位, 实际完成值, 分值, 得分, 偏差原因…)
    followed by what came after it; None when the line is not so. Only the exact sequence of the
    printed form is taken: the upper row's 绩效指标 spans the three levels and its 年度指标值 the
    指标性质/指标值/度量单位 columns."""
    names = [re.sub(r"\s+", "", c or "") for c in cells]
    for k in range(len(names) - 9):
        if names[k] != "绩效指标":
            continue
        upper: list[str] = []
        i = k + 1
        while i < len(names) and names[i] != "一级指标" and len(upper) < 6:
            upper.append(names[i])
            i += 1
        if i + 6 > len(names) or tuple(names[i:i + 3]) != _LEVEL_HEADS:
            continue
        lower = names[i:i + 6]
        if tuple(lower[3:]) != _TARGET_HEADS or not upper or not re.match(r"^(?:年度)?指标值", upper[0]):
            continue
        if not {"实际完成值", "分值", "得分"} <= set(upper):
            continue
        return [*lower, *upper[1:], *cells[i + 6:]]
    return None


def _shifted_money_values(cells: list[str], cols: dict[int, str]) -> dict[str, str] | None:
    """The 年度资金总额 figures of a money block whose row label was run onto the header line:
    the values row then starts with the figures (年初预算数 left empty and dropped) and ends with
    the next row's label. Taken only when the figures fit the columns right-aligned with the
    执行率 (a percentage) in its column and every other figure a number."""
    figures = []
    for c in cells[next((k for k, c in enumerate(cells) if c.strip()), len(cells)):]:
        if _money_part([c]) or not c.strip():
            break
        figures.append(c.strip())
    keys = [cols[i] for i in sorted(cols)]
    if not figures or len(figures) > len(keys) or len(keys) - len(figures) > 1:
        return None
    values = dict(zip(keys[len(keys) - len(figures):], figures))
    rate = values.get("rate", "")
    if "%" not in rate or any(not is_number(v) for k, v in values.items() if k != "rate"):
        return None
    return values


def _total(row: Row, roles: list[str | None]) -> bool:
    """A 合计/总分/总计 row, or a row holding nothing but numbers in the score columns."""
    cells = [re.sub(r"\s+", "", c) for c in row.cells]
    if any(TOTAL_WORDS.match(c) for c in cells[:4]):
        return True
    if not row.positional:
        return False
    filled = [(i, c) for i, c in enumerate(cells) if c]
    score_cols = {i for i, r in enumerate(roles) if r in ("score", "weight")}
    return bool(filled) and all(is_number(c) and i in score_cols for i, c in filled) and \
        any(i < len(roles) and roles[i] == "score" for i, _ in filled)


#: A line between the two parts of a table split over pages (``续表``, ``（续上表）``, ``接上页``).
_CONTINUED = re.compile(r"[(（]?(?:续表|续上表|接上表|接上页|续)\s*\d*[)）]?[:：]?")


def find_tables(stream: Stream) -> tuple[list[RawTable], list[Line]]:
    """Indicator tables and the narrative lines around them. A header repeated with nothing
    but blank lines or page numbers before it continues the current table (page break)."""
    tables: list[RawTable] = []
    narrative: list[Line] = []
    current: RawTable | None = None
    title = ""
    skipping = False
    money_cols: dict[int, str] | None = None
    shifted_label = False
    money: _MoneyBlock | None = None
    for item in stream:
        if isinstance(item, Line):
            text = item.text.strip()
            if not text:
                continue
            skipping = False
            if current is not None and current.rows and not re.fullmatch(r"[-—\d\s第页共/]+", text) \
                    and not _CONTINUED.fullmatch(text):
                current.closed = True
            narrative.append(item)
            if len(text) <= 80:
                title = text
            continue
        if _findings_header(item.cells):
            # A scoring tool's own list of findings (jixiao's 核查发现 annex or sheet): it
            # restates the declared and computed figures, it is not the report's text.
            current, skipping = None, True
            continue
        if skipping:
            continue
        if (cols := _money_header(item.cells)) is not None:
            money_cols = cols
            shifted_label = re.sub(r"\s+", "", item.cells[-1]).startswith(("年度资金总额", "资金总额"))
            continue
        if money_cols and shifted_label and money is None and not item.positional:
            shifted_label = False
            if (values := _shifted_money_values(item.cells, money_cols)) is not None:
                money = _MoneyBlock(values, item.loc)
                continue
        if money_cols and any(re.sub(r"\s+", "", c).startswith(("年度资金总额", "资金总额", "合计")) or re.sub(r"\s+", "", c) == "总额"
                          for c in item.cells[:4]):
            values = {key: item.cells[i].strip() for i, key in money_cols.items() if i < len(item.cells)}
            if not item.positional:
                # a pipe dump prints the header's label cells and the row's label in different
                # numbers of cells: the figures right after the label, in the columns' order,
                # when each is a figure
                at = next(k for k, c in enumerate(item.cells[:4]) if re.sub(r"\s+", "", c).startswith(
                    ("年度资金总额", "资金总额", "合计")) or re.sub(r"\s+", "", c) == "总额")
                keys = [money_cols[i] for i in sorted(money_cols)]
                figures = [c.strip() for c in item.cells[at + 1:at + 1 + len(keys)]]
                if len(figures) == len(keys) and all(is_number(f.rstrip("%")) for f in figures):
                    values = dict(zip(keys, figures))
            money = _MoneyBlock(values, item.loc)
            continue
        if money_cols and money is not None and (part := _money_part(item.cells)) and part not in money.parts:
            money.parts[part] = {key: item.cells[i].strip() for i, key in money_cols.items()
                                 if i < len(item.cells) and key in ("initial", "annual", "spent")}
            continue
        if not item.positional and (merged := merge_two_row_header(item.cells)) is not None:
            item = Row(merged, item.loc, positional=False)
        roles = header_roles(item.cells)
        rest: Row | None = None
        if roles and not item.positional:
            # a pipe line holding the title, the header and the first row run together
            named = [i for i, r in enumerate(roles) if r]
            first, last = named[0], named[-1]
            end = last
            while end + 1 < len(item.cells) and _keywords(item.cells[end + 1]):
                end += 1  # a header word whose role is taken (a second 得分 column)
            if len([c for c in item.cells[end + 1:] if c.strip()]) >= 3:
                tail = item.cells[end + 1:]
                while tail and not tail[0].strip():
                    tail = tail[1:]
                rest = Row(tail, item.loc, positional=False)
                roles = roles[first:end + 1]
        if roles:
            if current is not None and not current.closed and current.total is None and _same(roles, current.roles):
                continue
            current = RawTable(title=title, roles=roles, header=item.loc, money=money)
            if (block := next((m for c in item.cells[:2] if (m := re.fullmatch(
                    rf"绩效指标[(（]({NUM})分[)）]", re.sub(r"\s+", "", c)))), None)) is not None:
                current.block_points = to_decimal(block[1])
            if rest is not None:
                current.rows.append(rest)
            money = money_cols = None
            tables.append(current)
            continue
        if current is None or current.closed or current.total is not None:
            narrative.append(Line(" | ".join(c for c in item.cells if c), item.loc))
            continue
        if _total(item, current.roles):
            current.total = item
        else:
            current.rows.append(item)
    for table in tables:
        table.rows = join_row_fragments(table.rows, table.roles)
    last_row = next((k for k in range(len(stream) - 1, -1, -1) if isinstance(stream[k], Row)), None)
    if tables and last_row is not None and not any(
            isinstance(item, Line) and item.text.strip() for item in stream[last_row + 1:]):
        table = tables[-1]
        if table.total is None and table.rows and table.rows[-1] is stream[last_row] and "score" in table.roles \
                and _cut_row(table.rows[-1], table.roles):
            # the text ends inside this row, before its 得分: a cut copy, not a row without a score
            table.truncated = table.rows.pop()
    if tables and tables[-1].truncated is None and tables[-1].total is None and tables[-1].rows:
        tail = next((item for item in reversed(stream) if not (isinstance(item, Line) and not item.text.strip())
                     and not (isinstance(item, Row) and not any(c.strip() for c in item.cells))), None)
        word = re.sub(r"[\s|]+", "", tail.text) if isinstance(tail, Line) else ""
        if word and any(name.startswith(word) and name != word for name in _LEVEL1_NAMES | {"满意度指标"}):
            # the text ends inside the next 一级 heading (``满意``): a cut copy; the rows under it are missing
            tables[-1].truncated = Row([word], tail.loc)
    return tables, narrative


def _cut_row(row: Row, roles: list[str | None]) -> bool:
    """Whether the last row of a text lacks its 得分 — or, printed short of the header's columns up
    to 得分, its 分值 (``完成安可产品… | = | 100 |`` and the text ends): the copy is cut in it."""
    fields = _row_fields(row, roles, [])
    if "score" not in fields:
        return True
    filled = [c for c in row.cells if c.strip()]
    return not row.positional and "weight" in roles and "weight" not in fields \
        and len(filled) < roles.index("score") + 1 - sum(1 for r in roles[:roles.index("score")] if r is None)


def join_row_fragments(rows: list[Row], roles: list[str | None]) -> list[Row]:
    """A pipe row printed over several lines (``效益指标 | 经济效益指标 | 减轻…负担 |`` ⏎ ``| 有效 |``
    ⏎ ``| 有效 | 10 | 10 |``) as one row: a line with names and no number, followed by short lines
    (at most 3 cells) the last of which ends with a number, with no blank line between and no more
    cells than the header has columns. Anything else is left as printed."""
    if not {"weight", "score"} & set(roles):
        return rows
    out: list[Row] = []
    i = 0
    while i < len(rows):
        row = rows[i]
        filled = [c for c in row.cells if c.strip()]
        if row.positional or not filled or any(is_number(c) for c in filled):
            out.append(row)
            i += 1
            continue
        cells, j = list(filled), i + 1
        joined = None
        while j < len(rows) and not rows[j].positional:
            more = [c for c in rows[j].cells if c.strip()]
            if not more or len(more) > 3 or len(cells) + len(more) > len(roles):
                break
            cells += more
            j += 1
            if is_number(more[-1]):
                joined = Row(cells, row.loc, positional=False)
                break
        if joined is None:
            out.append(row)
            i += 1
        else:
            out.append(joined)
            i = j
    return out


def _findings_header(cells: list[str]) -> bool:
    """The header of a list of audit findings: 编码, 类别 and 说明 columns (and no level columns)."""
    names = {re.sub(r"\s+", "", c or "") for c in cells}
    return {"编码", "类别", "说明"} <= names and not names & {"一级指标", "三级指标", "权重", "分值"}


def _same(a: list[str | None], b: list[str | None]) -> bool:
    return [r for r in a if r] == [r for r in b if r]


# --- rows into a framework ----------------------------------------------------------------------

@dataclass
class _Rec:
    """One indicator row (or sub-row) as read: text by role and where it was printed."""

    fields: dict[str, str]
    loc: SourceRef
    subrows: list["_Rec"] = field(default_factory=list)
    container: bool = False  # the row only heads coded sub-rows (A21 over A21-1, A21-2…)
    form_row: Any = None     # the row as a project-form row, when scored by the generic rules
    execution: Any = None    # the 项目资金 block (``project_form.Money``) of a 预算执行率 row


@dataclass
class _Level2:
    name: str
    points: Decimal | None
    code: str | None
    loc: SourceRef | None
    rows: list[_Rec] = field(default_factory=list)


@dataclass
class _Level1:
    name: str
    points: Decimal | None
    code: str | None
    loc: SourceRef | None
    groups: list[_Level2] = field(default_factory=list)


#: The 一级 headings of the 项目支出绩效自评表 (never a 二级 heading there).
_FORM_LEVEL1 = frozenset({"产出指标", "效益指标", "满意度指标"})


def _points_in_name(name: str) -> bool:
    """Whether a row's name carries its points (``目标内容(4分)``)."""
    return parse_heading(name)[1] is not None


def parse_heading(text: str) -> tuple[str, Decimal | None, str | None]:
    """A heading's name, declared points and published code: ``A部门\\n决策（15\\n分）`` →
    (部门决策, 15, A); ``A2、基金财务管理(16分)`` → (基金财务管理, 16, A2)."""
    flat = re.sub(r"\s*\n\s*", "", text or "").strip()
    code = None
    if m := _CODE_RE.match(flat):
        code, flat = m["code"], flat[m.end():]
    points = None
    if m := _POINTS_RE.search(flat):
        points, flat = Decimal(m["pts"]), flat[:m.start()]
    return flat.strip(" 、.．:：") or (code or ""), points, code


def _row_fields(row: Row, roles: list[str | None], notes: list[LoadError]) -> dict[str, str]:
    """The cells of a row by column role, aligning rows printed short or shifted."""
    cells = list(row.cells)
    if row.positional and len(cells) < len(roles):
        cells += [""] * (len(roles) - len(cells))
    number_cols = [i for i, r in enumerate(roles) if r in ("weight", "score")]
    shifted = any(i < len(cells) and cells[i] and not is_number(cells[i]) for i in number_cols)
    if row.positional and len(cells) == len(roles) and not shifted:
        cols = list(range(len(cells)))
    else:
        while cells and not cells[-1]:
            cells.pop()
        if not row.positional:  # a pipe dump's leading bar or left-out merged cells: align places them
            while cells and not cells[0].strip():
                cells.pop(0)
        if len(cells) > len(roles):
            extra = " ".join(c for c in cells[len(roles) - 1:] if c)
            cells = cells[:len(roles) - 1] + [extra]
            notes.append(LoadError(row.loc.file or "", row.loc.line, "", "本行单元格多于表头列数，多出部分并入末列"))
        cols = align(cells, roles)
    fields: dict[str, str] = {}
    for cell, col in zip(cells, cols):
        role = roles[col] if col < len(roles) else None
        if role and cell.strip():
            fields[role] = cell.strip()
    if not row.positional and "weight" not in roles and "level3" in roles and "level3" not in fields \
            and "score" in fields and "level2" in fields:
        # points in the names (目标内容(4分)), no 分值 column: a scored row printed below merged
        # headings names its 三级指标 last — the cells shift down one level
        fields["level3"] = fields.pop("level2")
        if "level1" in fields:
            fields["level2"] = fields.pop("level1")
    return fields


def _join(a: str, b: str) -> str:
    return (a or "") + (b or "")


class _Builder:
    """Assembles the rows of one raw table into levels, indicators and sub-rows."""

    def __init__(self, raw: RawTable, notes: list[LoadError]):
        self.raw = raw
        self.notes = notes
        self.levels: list[_Level1] = []
        self.last: _Rec | None = None

    @property
    def l1(self) -> _Level1 | None:
        return self.levels[-1] if self.levels else None

    @property
    def l2(self) -> _Level2 | None:
        return self.l1.groups[-1] if self.l1 and self.l1.groups else None

    def note(self, loc: SourceRef, message: str) -> None:
        self.notes.append(LoadError(loc.file or "", loc.line, "", message))

    def heading1(self, text: str, has_level2: bool, loc: SourceRef) -> None:
        name, points, code = parse_heading(text)
        current = self.l1
        if current is not None and not current.name:
            current.name, current.points, current.code, current.loc = name, points, code, loc
            return
        if current is not None and current.name == name:
            return
        new = _Level1(name, points, code, loc)
        if current is not None and not has_level2 and self.l2 is not None and len(current.groups) > 1:
            moved = current.groups.pop()
            new.groups.append(moved)
            self.note(loc, f"一级指标“{name}”的标题印在后页，自二级指标“{moved.name or '（无名）'}”起归入该一级指标")
        self.levels.append(new)

    def heading2(self, text: str, loc: SourceRef) -> None:
        name, points, code = parse_heading(text)
        if re.sub(r"\s+", "", name) in _FORM_LEVEL1 and (self.l1 is None or not self.l1.name or
                                                          re.sub(r"\s+", "", self.l1.name) in _FORM_LEVEL1 | {"预算执行"}):
            # ``产 出 指 标 (50分)`` alone on its row, in the 二级 column of a pipe dump: the form's 一级 heading
            self.heading1(text, True, loc)  # its 二级 headings follow it: none is moved under it
            return
        if self.l1 is None:
            self.levels.append(_Level1("", None, None, None))
        if self.l2 is not None and self.l2.name == name and not self.l2.rows:
            return
        self.l1.groups.append(_Level2(name, points, code, loc))

    def execution(self, block: _MoneyBlock) -> None:
        """The 预算执行率 row of a project form, from its 项目资金 block (its own level-1 group)."""
        weight = block.values.get("weight", "")
        if to_decimal(weight) is None:
            self.note(block.loc, "项目资金表没有分值，预算执行率未计入")
            return
        level1 = _Level1("预算执行", to_decimal(weight), None, block.loc)
        level2 = _Level2("", None, None, None)
        rec = _Rec({"level3": "预算执行率", "weight": weight, "score": block.values.get("score", "")}, block.loc)
        rec.execution = block.money()
        level2.rows.append(rec)
        level1.groups.append(level2)
        self.levels.append(level1)

    def ensure_groups(self) -> _Level2:
        if self.l1 is None:
            self.levels.append(_Level1("", None, None, None))
        if self.l2 is None:
            self.l1.groups.append(_Level2("", None, None, None))
        return self.l2

    def add(self, row: Row) -> None:
        f = _row_fields(row, self.raw.roles, self.notes)
        if not f:
            return
        name = f.get("level3", "")
        if "level1" in f:
            self.heading1(f["level1"], "level2" in f, row.loc)
        if "level2" in f:
            self.heading2(f["level2"], row.loc)
        if name and "weight" not in f and "score" not in f and not _points_in_name(name):
            flat_name = re.sub(r"\s+", "", name)
            if re.fullmatch(r"[…\.。·]+|指标\d*[:：]?", flat_name):
                return  # ``……``: an empty placeholder row of the form
            if flat_name.startswith("其中") and self.last is not None:
                # ``其中桃树种植面积 | 1.5亩 | 1.5亩``: a breakdown of the indicator above, with no 分值 and no 得分
                self.note(row.loc, f"“{flat_name}”是“{self.last.fields.get('level3', '')}”的分项数值（无分值、无得分），"
                                   "不计为评分行")
                return
        if name:
            sub = _SUBCODE_RE.match(re.sub(r"\s+", "", name))
            if sub and self.last is not None and \
                    parse_heading(self.last.fields.get("level3", ""))[2] == sub["parent"]:
                # ``A21-1基金财务会计制度执行`` under ``A21基金财务工作``: the row above is the
                # heading of its printed sub-rows (its points are their sum).
                self.last.container = True
                self.last.subrows.append(_Rec(f, row.loc))
                return
            rec = _Rec(f, row.loc)
            self.ensure_groups().rows.append(rec)
            self.last = rec
            return
        if "weight" in f or "score" in f:
            if self.last is None:
                self.note(row.loc, "分项行之前没有指标行，已忽略")
                return
            self.last.subrows.append(_Rec(f, row.loc))
            return
        target = self.last.subrows[-1] if self.last and self.last.subrows else self.last
        texts = {k: v for k, v in f.items() if k in TEXT_ROLES}
        if target is None:
            if texts:
                self.note(row.loc, "续行之前没有指标行，已忽略")
            return
        for role, text in texts.items():
            target.fields[role] = _join(target.fields.get(role, ""), text)


# --- inputs from evidence, or from the declared score -----------------------------------------

_NEGATIVE = re.compile(r"未完成|未达到|未开展|尚未|没有|未按时|未及时|未能|存在|有虚报|有重复|不符合|未落实|未建立")


def _probe_actual(rule: dict[str, Any], weight: Decimal, target: Target) -> bool:
    """Whether the rule can be computed from an actual value (rather than a met verdict)."""
    try:
        parse_rule(rule).score(Context(weight=weight, target=target, input=IndicatorInput(actual=Decimal(1))))
        return True
    except MissingInput:
        return rule.get("type") not in ("checklist", "graded", "per_incident", "manual")
    except (RuleError, ArithmeticError):
        return False


def _level_award(level: dict[str, Any], weight: Decimal) -> Decimal:
    return Decimal(str(level["points"])) if "points" in level else weight * Decimal(str(level["fraction"]))


@dataclass(frozen=True)
class _Inferred:
    data: dict[str, Any]
    confidence: Confidence
    note: str
    verified: bool = True


def _infer(rule: dict[str, Any], weight: Decimal, declared: Decimal | None, evidence: str) -> _Inferred | None:
    """Inputs that need no figure, taken from the evidence words or the declared score."""
    kind = rule["type"]
    if kind == "graded":
        text = normalize(evidence)
        labels = sorted(((alias, lv) for lv in rule["levels"] for alias in (lv["label"], *lv.get("aliases", ()))
                         if alias not in ("满分", "合格", "零分") and len(alias) >= 2),
                        key=lambda x: -len(x[0]))
        for alias, level in labels:
            if normalize(alias) in text:
                return _Inferred({"judgement": level["label"]}, "medium", f"评分过程写明“{alias}”")
        if declared is None:
            return None
        levels = sorted(rule["levels"], key=lambda lv: -_level_award(lv, weight))
        chosen = next((lv for lv in levels if _level_award(lv, weight) == declared), None)
        exact = chosen is not None
        chosen = chosen or next((lv for lv in levels if _level_award(lv, weight) <= declared), levels[-1])
        return _Inferred({"judgement": chosen["label"]}, "low",
                         "按申报得分确定评定等级" if exact else "申报得分不是任何评定等级的分值，取不高于它的等级")
    if kind == "checklist":
        if declared is None:
            return None
        points = [Decimal(str(i["points"])) for i in rule["items"]]
        chosen, exact = subset_for(points, declared)
        return _Inferred({"checks": [rule["items"][i]["id"] for i in chosen]}, "low",
                         "按申报得分确定满足的评分要点" if exact else "申报得分不是任何评分要点组合的分值，取不高于它的组合")
    if kind == "per_incident":
        if declared is None:
            return None
        base = Decimal(str(rule["base"])) if rule.get("base") is not None else weight
        if declared >= base:
            return _Inferred({"incidents": {}}, "low", "按申报得分确定无扣分事项")
        for d in rule["deductions"]:
            if d.get("points") is not None and Decimal(str(d["points"])) > 0:
                step = Decimal(str(d["points"]))
                count = ((base - declared) / step).to_integral_value(rounding="ROUND_CEILING")
                exact = count * step == base - declared
                return _Inferred({"incidents": {d["kind"]: count}}, "low",
                                 "按申报得分推算扣分次数" if exact else "申报得分不是按次扣分可得的分值，取不高于它的次数")
        zero = next((d for d in rule["deductions"] if d.get("zero")), None)
        if zero is not None and declared == 0:
            return _Inferred({"incidents": {zero["kind"]: 1}}, "low", "按申报得分确定发生不得分事项")
        ranged = next((d for d in rule["deductions"] if d.get("points") is None and not d.get("zero")), None)
        if ranged is not None:
            return _Inferred({"incidents": {ranged["kind"]: base - declared}}, "low", "按申报得分确定扣分")
        return None
    if kind == "binary" or (kind == "bonus" and rule["base"].get("type") == "binary"):
        if _NEGATIVE.search(normalize(evidence)):
            return _Inferred({"met": False}, "medium", "评分过程表明未达到")
        if declared is None:
            return None
        met = declared >= weight
        return _Inferred({"met": met}, "low", "按申报得分确定是否达到" if met or declared == 0 else
                         "申报得分既非满分也非0分，按未达到计")
    if kind == "sum" and declared is not None and all(p["rule"]["type"] in ("binary", "checklist", "graded")
                                                       for p in rule["parts"]):
        weights = [Decimal(str(p["weight"])) if p.get("weight") is not None else weight for p in rule["parts"]]
        awards = [max_award(p["rule"], w) for p, w in zip(rule["parts"], weights)]
        chosen, exact = subset_for(awards, declared)
        parts = {p["name"]: _all_or_nothing(p["rule"], i in chosen) for i, p in enumerate(rule["parts"])}
        return _Inferred({"parts": parts}, "low",
                         "按申报得分确定各部分是否达到" if exact else "申报得分不是各部分组合可得的分值，取不高于它的组合")
    return None


def _all_or_nothing(rule: dict[str, Any], met: bool) -> dict[str, Any]:
    if rule["type"] == "graded":
        levels = sorted(rule["levels"], key=lambda lv: -_level_award(lv, Decimal(100)))
        return {"judgement": (levels[0] if met else levels[-1])["label"]}
    return {"met": met}


def _questionnaire_score(text: str) -> Decimal | None:
    m = re.search(rf"问卷综合得分\D{{0,8}}?({NUM})", text or "")
    return Decimal(m[1]) if m else None


# --- the result ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class PublishedRow:
    """One scored row as imported: what was printed, how its criteria were read and where
    its inputs came from. ``verified`` is False when the rule needed a figure the table does
    not publish (the row is then kept at its declared score)."""

    code: str
    name: str
    weight: Decimal
    declared: Decimal | None
    criteria: str
    evidence: str
    parsed: ParsedCriteria
    input_confidence: Confidence
    input_note: str
    verified: bool
    loc: SourceRef
    parent: str | None = None
    actual: Decimal | None = None
    money: Any = None  # the 项目资金 block of a 预算执行率 row (``jixiao.core.project_form.Money``)

    @property
    def confidence(self) -> Confidence:
        """How sure the recomputation of this row is: the weaker of reading its criteria and
        reading its inputs."""
        return weakest(self.parsed.confidence, self.input_confidence)


@dataclass(frozen=True)
class PublishedTable:
    """One indicator table read into a framework and an evaluation."""

    index: int
    title: str
    framework: Framework
    evaluation: Evaluation
    rows: tuple[PublishedRow, ...]
    declared_total: Decimal | None
    declared_weight_total: Decimal | None
    loc: SourceRef

    @property
    def rows_read(self) -> int:
        return len(self.rows)

    @property
    def rows_with_rule(self) -> int:
        return sum(1 for r in self.rows if r.parsed.executable)

    def row(self, code: str) -> PublishedRow:
        for r in self.rows:
            if r.code == code:
                return r
        raise KeyError(code)


@dataclass(frozen=True)
class PublishedFile:
    """Every table of one published file, its narrative lines, and what could not be read."""

    path: str
    tables: tuple[PublishedTable, ...]
    narrative: tuple[Line, ...]
    errors: tuple[LoadError, ...]
    layout: str | None
    year: int | None
    unit: str


# --- whole-file facts ---------------------------------------------------------------------------

def detect_year(text: str) -> int | None:
    """The evaluation year: a year in a title (2023年度…绩效), the 评价时段, or the most cited
    year overall."""
    scores: dict[int, int] = {}
    head = "\n".join(text.splitlines()[:15])
    for m in re.finditer(r"(20\d\d)\s*年度?[^\n]{0,40}?(?:绩效|自评|评价)", head):
        scores[int(m[1])] = scores.get(int(m[1]), 0) + 10
    for m in re.finditer(r"评价(?:时段|期间|年度|对象)[^\n]{0,30}?(20\d\d)\s*年", text):
        scores[int(m[1])] = scores.get(int(m[1]), 0) + 10
    for m in re.finditer(r"(20\d\d)\s*年(度)?", text):
        scores[int(m[1])] = scores.get(int(m[1]), 0) + (2 if m[2] else 1)
    if not scores:
        return None
    return max(scores, key=lambda y: (scores[y], y))


_UNIT_RE = re.compile(r"([\u4e00-\u9fff（）()]{2,40}?(?:医疗保障局|医疗保险管理中心|医疗保险中心|医疗保障事务中心|医保中心|医保局|医疗保障服务中心))")


def detect_unit(text: str, fallback: str) -> str:
    """The unit's name from 部门名称/单位名称 or the first lines, else ``fallback``."""
    if m := re.search(r"(?:部门|单位)名称\s*[:：]\s*([^\s|]+)", text):
        return m[1].strip()
    for line in text.splitlines()[:12]:
        line = re.sub(r"^\s*20\d\d\s*年度?", "", line.strip())
        if len(line) > 60 or "\t" in line or "|" in line:
            continue
        if m := _UNIT_RE.match(line):
            return m[1]
    return fallback


def _kind(title: str, text: str) -> str:
    if re.search(r"部门整体|整体支出|整体预算", title) or (not re.search(r"补助资金|项目支出", title)
                                                       and re.search(r"部门整体|整体支出|整体预算", text)):
        return "部门整体"
    return "项目支出"


# --- building one table ---------------------------------------------------------------------------

class _Codes:
    """Unique codes: the published one where printed, else generated per table."""

    def __init__(self, table: int):
        self.table = table
        self.used: set[str] = set()
        self.generated = 0

    def take(self, code: str | None) -> str:
        if code is None:
            self.generated += 1
            code = f"T{self.table}-{self.generated:02d}"
        base, n = code, 1
        while code in self.used:
            n += 1
            code = f"{base}-{n}"
        self.used.add(code)
        return code


def _merge_subrows(rec: _Rec) -> list[_Rec]:
    """Sub-rows of a row as printed. The first row is sub-row 1 when the sub-rows carry their
    own points; a sub-row without points (its points merged with the row above) joins the
    row above: criteria and evidence are appended and the scores added."""
    parts = rec.subrows if rec.container else [rec] + rec.subrows
    merged: list[_Rec] = []
    for part in parts:
        if merged and "weight" not in part.fields:
            prev = merged[-1]
            for role in TEXT_ROLES:
                if part.fields.get(role):
                    prev.fields[role] = (prev.fields.get(role, "") + "\n" + part.fields[role]).strip()
            a, b = to_decimal(prev.fields.get("score", "")), to_decimal(part.fields.get("score", ""))
            if b is not None:
                prev.fields["score"] = fmt((a or ZERO) + b)
            continue
        merged.append(_Rec(dict(part.fields), part.loc, container=part is not rec and rec.container))
    return merged


#: The note on rows of a table without 评分标准, scored by the form's generic rules.
GENERIC_NOTE = "无评分标准，按项目支出绩效自评表通用规则计分（正向：达到指标值得满分，否则实际÷指标值×分值；" \
               "反向：不高于指标值得满分；定性：达成/部分达成/未达成分档）"
EXECUTION_NOTE = "预算执行率＝全年执行数÷全年预算数，得分＝分值×执行率（通用规则）"


def _target_text(f: dict[str, str]) -> str:
    """The 年度指标值 as one text: Yunnan's 指标性质 | 指标值 | 度量单位 joined (≥ 265 家 → ≥265家)."""
    target = f.get("target", "")
    nature = re.sub(r"\s+", "", f.get("nature", ""))
    unit = re.sub(r"\s+", "", f.get("unit", ""))
    if unit and target and not target.rstrip().endswith(unit) and re.search(r"\d\s*$", target):
        target = target.strip() + unit
    if nature and re.fullmatch(r"[≥≤>=<＞＜＝≧≦]+", nature) and not re.match(r"\s*[≥≤>=<＞＜＝≧≦]", target):
        target = nature + target.strip()
    return target


def _form_row(f: dict[str, str], name: str, weight: Decimal):
    """The row as a 项目支出绩效自评表 row (``jixiao.core.project_form.FormRow``), so the form's own
    generic rules score it; None when it cannot be one."""
    from jixiao.core.project_form import FormRow

    nature = re.sub(r"\s+", "", f.get("nature", ""))
    direction = "定性" if nature == "定性" else ("反向" if nature == "反向" else None)
    try:
        return FormRow(level1="一级", level2="二级", name=name or "指标", target=_target_text(f), direction=direction,
                       actual=f.get("actual", ""), weight=weight, score=to_decimal(f.get("score", "")),
                       reason=f.get("evidence", ""))
    except ValidationError:
        return None


def _indicator(rec: _Rec, code: str, name: str, notes: list[LoadError],
               generic: bool = False) -> tuple[Indicator, ParsedCriteria, Target]:
    f = rec.fields
    weight = to_decimal(f.get("weight", ""))
    if weight is None:
        notes.append(LoadError(rec.loc.file or "", rec.loc.line, "权重",
                               f"指标“{name}”的分值“{f.get('weight', '')}”不是数字，按0分计"))
        weight = ZERO
    if rec.execution is not None:
        target = Target.model_validate("=100%")
        parsed = ParsedCriteria(rule={"type": "saturating_rate", "saturation": 100}, confidence="high",
                                note=EXECUTION_NOTE, shape="saturating_rate")
        return Indicator(code=code, name=name, weight=weight, target=target, criteria="全年执行数÷全年预算数×分值",
                         rule=parsed.rule, loc=rec.loc), parsed, target
    if generic and not f.get("criteria") and (f.get("target") or f.get("actual")):
        from jixiao.core.project_form import _criteria

        form_row = _form_row(f, name, weight)
        if form_row is not None:
            rec.form_row = form_row
            target = form_row.parsed_target
            parsed = ParsedCriteria(rule={"type": "generic"}, confidence="medium", note=GENERIC_NOTE, shape="generic")
            return Indicator(code=code, name=name, weight=weight, target=target, direction=form_row.effective_direction,
                             criteria=_criteria(form_row), description=f.get("description", ""),
                             data_source=f.get("source", ""), rule=parsed.rule, loc=rec.loc), parsed, target
    try:
        target = Target.model_validate(f.get("target", ""))
    except ValidationError:
        target = Target(text=f.get("target", ""))
    parsed = parse_criteria(f.get("criteria", ""), weight, target)
    if parsed.rule and target.comparator is None and parsed.rule.get("comparator") in ("<=", "<") \
            and "value" not in parsed.rule:
        target = target.model_copy(update={"comparator": parsed.rule["comparator"]})
    direction = "反向" if target.comparator in ("<=", "<") else "正向"
    indicator = Indicator(code=code, name=name, weight=weight, target=target, direction=direction,
                          criteria=f.get("criteria", ""), description=f.get("description", ""),
                          data_source=f.get("source", ""), rule=parsed.rule, loc=rec.loc)
    return indicator, parsed, target


#: A line a scoring tool appends to the evidence to explain its own score (jixiao's Word report
#: writes ``计分：…``, its Excel sheet ``按规则计算：…``). It quotes the target and the score, not
#: the agency's figures, so it is no evidence: its numbers must not be read as the actual value.
_EXPLANATION_LINE = re.compile(r"^\s*(?:计分|按规则计算)[:：]")


def strip_explanation(evidence: str) -> str:
    """The evidence without the scoring tool's explanation lines."""
    lines = (evidence or "").split("\n")
    return "\n".join(l for l in lines if not _EXPLANATION_LINE.match(l)).strip()


def _inputs(parsed: ParsedCriteria, indicator: Indicator, rec: _Rec, text: str,
            notes: list[LoadError]) -> tuple[IndicatorInput, PublishedRow]:
    f = rec.fields
    declared = to_decimal(f.get("score", ""))
    if f.get("score") and declared is None:
        notes.append(LoadError(rec.loc.file or "", rec.loc.line, "得分", f"得分“{f['score']}”不是数字"))
    evidence = "\n".join(x for x in (f.get("actual", ""), strip_explanation(f.get("evidence", ""))) if x)
    if rec.execution is not None or rec.form_row is not None:
        return _generic_inputs(parsed, indicator, rec, declared, evidence)
    weight, target, rule = indicator.weight, indicator.target, parsed.rule
    data: dict[str, Any] = {"declared": declared, "evidence": evidence, "loc": rec.loc}
    confidence: Confidence = "high"
    note, verified, actual = "", True, None
    if rule is None:
        if declared is not None:
            data["manual"] = declared
        note = "评价人判断，按申报得分计"
    else:
        names = [p["input"] for p in rule.get("parts", ()) if p.get("input")]
        values = extract_values(evidence, names) if names else None
        reads = _probe_actual(rule, weight, parsed.actual_target or target)
        if names and values:
            data["values"] = values
            note, confidence = "各部分实际值依次取自评分过程", "medium"
        elif reads and not names:
            actual = _questionnaire_score(evidence) if rule["type"] == "questionnaire" else None
            if actual is None:
                actual = extract_actual(evidence, parsed.actual_target or target)
            if actual is None and rule["type"] == "questionnaire":
                actual = _questionnaire_score(text)
                note = "问卷综合得分取自问卷调查报告" if actual is not None else ""
            if actual is not None:
                data["actual"] = actual
                note = note or "实际值取自评分过程"
                confidence = "high" if note.startswith("实际值") else "medium"
        if "actual" not in data and "values" not in data:
            inferred = _infer(rule, weight, declared, evidence)
            if inferred is not None:
                data.update(inferred.data)
                confidence, note = inferred.confidence, inferred.note
            elif declared is not None:
                data["override"] = {"score": declared, "reason": UNVERIFIED}
                confidence, note, verified = "low", UNVERIFIED, False
            else:
                confidence, note, verified = "low", "既无实际值也无申报得分，无法计分", False
    try:
        item = IndicatorInput.model_validate(data)
    except ValidationError as exc:
        notes.append(LoadError(rec.loc.file or "", rec.loc.line, indicator.code, f"输入无效：{exc.errors()[0]['msg']}"))
        item = IndicatorInput(declared=declared, evidence=evidence, loc=rec.loc)
        verified = False
    row = PublishedRow(code=indicator.code, name=indicator.name, weight=weight, declared=declared,
                       criteria=indicator.criteria, evidence=evidence, parsed=parsed, input_confidence=confidence,
                       input_note=note, verified=verified, loc=rec.loc, actual=item.actual)
    return item, row


def _printed_as_target(target: str, actual: str) -> bool:
    """Whether a 定性 row's 实际完成值 repeats its 年度指标值 word for word (a target met as written)."""
    def norm(text: str) -> str:
        return re.sub(r"[\s.。,，;；、]+$", "", re.sub(r"\s+", "", text or ""))
    t, a = norm(target), norm(actual)
    return len(t) >= 2 and t == a and not re.search(r"\d", t) and t not in ("—", "-", "/", "无")


def _generic_inputs(parsed: ParsedCriteria, indicator: Indicator, rec: _Rec, declared: Decimal | None,
                    evidence: str) -> tuple[IndicatorInput, PublishedRow]:
    """Inputs of a row scored by the form's generic rules (``jixiao.core.project_form``)."""
    from jixiao.core.project_form import _input

    if rec.execution is not None:
        rate = rec.execution.execution_rate()
        evidence = (f"全年执行数{fmt(rec.execution.total.spent)}÷全年预算数{fmt(rec.execution.total.annual)}"
                    f"＝{fmt(rate)}%" if rate is not None else "项目资金表缺少全年预算数或全年执行数")
        item = IndicatorInput(actual=rate, declared=declared, evidence=evidence, loc=rec.loc)
        note, verified = "执行率由项目资金表计算", rate is not None
    else:
        try:
            item = _input(rec.form_row).model_copy(update={"loc": rec.loc, "evidence": evidence, "declared": declared})
        except ValueError:  # 实际完成值 “完成” for a numeric 年度指标值
            item = IndicatorInput(declared=declared, evidence=evidence, loc=rec.loc)
        if item.actual is None and item.judgement is None and rec.form_row.qualitative \
                and _printed_as_target(rec.form_row.target, rec.form_row.actual):
            # 定性: the 实际完成值 is the 年度指标值 word for word (改善学校的办学条件 / 改善学校的办学条件)
            item = item.model_copy(update={"judgement": "达成", "manual": declared})
        verified = item.actual is not None or item.judgement is not None
        note = "实际完成值取自表中" if verified else "实际完成值不是数值，无法按通用规则计分"
    if not verified and declared is not None:
        item = IndicatorInput.model_validate({**item.model_dump(exclude_none=True, exclude={"override"}),
                                              "override": {"score": declared, "reason": UNVERIFIED}})
    flat = (rec.loc.file or "").endswith("#连续文字")  # re-cut from flattened text: a reading with a choice in it
    row = PublishedRow(code=indicator.code, name=indicator.name, weight=indicator.weight, declared=declared,
                       criteria=indicator.criteria, evidence=evidence, parsed=parsed,
                       input_confidence=("medium" if flat else "high") if verified else "low", input_note=note,
                       verified=verified,
                       loc=rec.loc, actual=item.actual, money=rec.execution)
    return item, row


def _total_numbers(raw: RawTable, inputs: dict[str, IndicatorInput], groups: list[Group]
                   ) -> tuple[Decimal | None, Decimal | None]:
    """(declared score, printed weights total) of the 合计/总分 row.

    Two numbers: weights then score. One number in a positional row is what its column says
    (分值 → the weights total, else the declared score); in a pipe dump (blanks dropped) it is the
    weights total when it equals the rows' weights sum or 100 and empty cells follow it past the
    得分 column — ``合计 | 100 | |||||`` declares no score."""
    if raw.total is None:
        return None, None
    cells = raw.total.cells
    numbers = [to_decimal(c) for c in cells if is_number(c)]
    if not numbers:
        return None, None
    if len(numbers) >= 2:
        return numbers[-1], numbers[0]
    number = numbers[0]

    def weights(group: Group) -> Decimal:
        return sum((i.weight for i in group.indicators if i.weight is not None), ZERO) + sum((weights(g) for g in group.groups), ZERO)

    total_weight = sum((weights(g) for g in groups), ZERO)
    if raw.total.positional:  # the column says which it is
        at = next(k for k, c in enumerate(cells) if is_number(c))
        role = raw.roles[at] if at < len(raw.roles) else None
        return (None, number) if role == "weight" else (number, None)
    if "score" in raw.roles and "weight" in raw.roles and number in (total_weight, Decimal(100)):
        # pipe dump: blanks follow the number up to the 得分 column and on: 得分 is empty
        at = raw.roles.index("score")
        if is_number(cells[-1]) and raw.total.blank_after >= len(raw.roles) - at:
            return None, number
    return number, None


def _indicators_of(group: Group) -> list[Indicator]:
    return list(group.indicators) + [i for g in group.groups for i in _indicators_of(g)]


def build_table(raw: RawTable, index: int, *, file: str, text: str, year: int, unit: str,
                notes: list[LoadError]) -> PublishedTable | None:
    """One raw table as a framework and an evaluation; None (with a note) if it has no rows."""
    builder = _Builder(raw, notes)
    if raw.truncated is not None:
        cut = re.sub(r"\s+", " ", " ".join(c for c in raw.truncated.cells if c.strip()))[:40]
        notes.append(LoadError(raw.truncated.loc.file or file, raw.truncated.loc.line, "",
                               f"文本在此行中断（“{cut}…”），该行得分未印出，未读取；只核查已印出的各行，不核查总分和该行所属标题的分值"))
    if raw.money is not None:
        builder.execution(raw.money)
    for row in raw.rows:
        builder.add(row)
    generic = "criteria" not in raw.roles and bool({"target", "actual"} & set(raw.roles))
    if not any(g.rows for l1 in builder.levels for g in l1.groups):
        notes.append(LoadError(raw.header.file or file, raw.header.line, "", "指标表没有可读的指标行"))
        return None
    codes = _Codes(index)
    groups: list[Group] = []
    inputs: dict[str, IndicatorInput] = {}
    rows: list[PublishedRow] = []
    letters = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    for l1 in builder.levels:
        l1_code = codes.take(l1.code or f"T{index}-{next(letters)}")
        children: list[Group] = []
        direct: list[Indicator] = []
        for j, l2 in enumerate(l1.groups, 1):
            indicators: list[Indicator] = []
            for rec in l2.rows:
                name, points, published = parse_heading(rec.fields["level3"])
                if "weight" not in raw.roles and points is not None and "weight" not in rec.fields:
                    rec.fields["weight"] = fmt(points)  # 目标内容(4分): the row's points in its name
                published = published if published and code_depth(rec.fields["level3"]) >= 3 else None
                code = codes.take(published)
                parts = _merge_subrows(rec) if rec.subrows else [rec]
                if len(parts) == 1:
                    ind, parsed, _ = _indicator(parts[0], code, name, notes, generic)
                    item, row = _inputs(parsed, ind, parts[0], text, notes)
                    indicators.append(ind)
                    inputs[code] = item
                    rows.append(row)
                    continue
                subs = []
                for k, part in enumerate(parts, 1):
                    sub_code = codes.take(f"{code}-{k}")
                    sub_name = f"{name}（{k}）"
                    if part.container and (printed := _SUBCODE_RE.match(re.sub(r"\s+", "", part.fields.get("level3", "")))):
                        sub_name = re.sub(r"\s+", "", part.fields["level3"])[printed.end():].strip(" 、.．:：") or sub_name
                    ind, parsed, _ = _indicator(part, sub_code, sub_name, notes, generic)
                    item, row = _inputs(parsed, ind, part, text, notes)
                    subs.append(ind)
                    inputs[sub_code] = item
                    rows.append(PublishedRow(**{**row.__dict__, "parent": code}))
                weight = sum((s.weight for s in subs), ZERO)
                indicators.append(Indicator(code=code, name=name, weight=weight, subrows=tuple(subs), loc=rec.loc,
                                            criteria="\n".join(s.criteria for s in subs if s.criteria)))
            if not l2.name and l2.code is None:
                direct.extend(indicators)
                continue
            l2_code = codes.take(l2.code or f"{l1_code}{j}")
            children.append(Group(code=l2_code, name=l2.name or l2_code, points=l2.points,
                                  indicators=tuple(indicators), loc=l2.loc))
        groups.append(Group(code=l1_code, name=l1.name or "（未标明一级指标）", points=l1.points,
                            groups=tuple(children), indicators=tuple(direct), loc=l1.loc))
    declared_total, weight_total = _total_numbers(raw, inputs, groups)
    if declared_total is None and raw.header_total is not None and raw.truncated is not None:
        # the 自评得分 of a table cut by the end of the text: checked only when no score of the cut
        # row (at most its 分值) can make it right
        cut = to_decimal(_row_fields(raw.truncated, raw.roles, []).get("weight", ""))
        scores = [item.declared for item in inputs.values()]
        if cut is not None and scores and all(x is not None for x in scores) \
                and raw.header_total > sum(scores, ZERO) + cut:
            declared_total = raw.header_total
            notes.append(LoadError(raw.header.file or file, raw.header.line, "",
                                   f"自评得分{fmt(raw.header_total)}分：已印出各行得分合计{fmt(sum(scores, ZERO))}分，"
                                   f"中断的一行满分{fmt(cut)}分，合计最多{fmt(sum(scores, ZERO) + cut)}分，自评得分不可能成立"))
    title = raw.title or f"指标表{index}"
    stem = Path(file).stem
    try:
        extra: dict[str, Any] = {}
        if raw.truncated is not None:  # only the rows present: no 100-point total that is not printed
            extra["total"] = sum((i.weight for g in groups for i in _indicators_of(g)), ZERO)
        elif raw.money is None and raw.block_points is not None and raw.block_points < 100:
            # ``绩效指标(90分)`` with no 预算执行情况 block before it (above the copy): the table is that part
            extra["total"] = raw.block_points
        framework = Framework(id=f"published-{stem}-{index}", name=title, kind=_kind(title, text),
                              version=str(year), source=f"{Path(file).name} 表{index}（按公开文本导入）",
                              groups=tuple(groups), loc=raw.header, **extra)
        evaluation = Evaluation(unit=Unit(name=unit), year=year, framework=framework, title=title,
                                inputs=inputs, declared_total=declared_total, loc=raw.total.loc if raw.total else raw.header)
    except ValidationError as exc:
        for err in exc.errors():
            notes.append(LoadError(raw.header.file or file, raw.header.line, ".".join(map(str, err["loc"])),
                                   str(err.get("ctx", {}).get("error", err["msg"]))))
        return None
    return PublishedTable(index=index, title=title, framework=framework, evaluation=evaluation, rows=tuple(rows),
                          declared_total=declared_total, declared_weight_total=weight_total, loc=raw.header)


# --- entry points ---------------------------------------------------------------------------------

def _finish(path: str, stream: Stream, layout: str | None, text: str, year: int | None) -> PublishedFile:
    notes: list[LoadError] = []
    raws, narrative = find_tables(stream)
    if not raws:
        from jixiao.io.flat_form import flat_rows

        if rows := flat_rows(text, Path(path).name):
            raws, _ = find_tables(rows)
            layout = "flat-form"
            notes.append(LoadError(path, None, "", "表格的单元格已并成连续文字，按项目支出绩效自评表的列序（三级指标、年度指标值、"
                                                   "实际完成值、分值、得分）重新切分读取；读数有选择，发现的可信度不标为高"))
        else:
            from jixiao.io.chongqing_text import chongqing_rows

            rows, said = chongqing_rows(text, Path(path).name)
            if rows:
                raws, _ = find_tables(rows)
                layout = "flat-chongqing"
            else:
                from jixiao.io.ningxia_text import ningxia_rows

                rows, said_nx, header_total = ningxia_rows(text, Path(path).name)
                said = [*said, *said_nx]
                if rows:
                    raws, _ = find_tables(rows)
                    layout = "flat-ningxia"
                    if raws:
                        raws[0].header_total = header_total
            notes.extend(LoadError(path, None, "", m) for m in said)
    year = year or detect_year(text)
    if year is None:
        notes.append(LoadError(path, None, "year", "无法从文中确定评价年度，按2023年计"))
        year = 2023
    unit = detect_unit(text, Path(path).stem)
    tables = []
    for raw in raws:
        table = build_table(raw, len(tables) + 1, file=path, text=text, year=year, unit=unit, notes=notes)
        if table is not None:
            tables.append(table)
    if not tables:
        notes.extend(_unplaced(stream, path))
        notes.append(LoadError(path, None, "", "未找到指标得分表（需含一级/三级指标及分值或得分列的表头）"))
    else:
        for table in tables:
            if table.rows_read and not table.rows_with_rule:
                notes.append(LoadError(table.loc.file or path, table.loc.line, "",
                                       f"表{table.index}读出{table.rows_read}行，但没有一行读出可执行的评分规则"
                                       "（无评分标准列，且无年度指标值/实际完成值可按通用规则计分）"))
    return PublishedFile(path=path, tables=tuple(tables), narrative=tuple(narrative), errors=tuple(notes),
                         layout=layout, year=year, unit=unit)


_TABLE_WORDS = ("一级指标", "二级指标", "三级指标", "分值", "权重", "得分", "指标值", "实际完成值", "完成值", "评分标准",
                "偏差原因", "年度指标值", "自评分")


def _unplaced(stream: Stream, path: str, limit: int = 3) -> list[LoadError]:
    """What a file the reader could not place holds: where table words stand and why they
    could not be read as an indicator table (issue 14.5: never a silent empty result)."""
    whole = "".join(i.text if isinstance(i, Line) else "".join(i.cells) for i in stream)
    if (len(re.findall(r"[項標績評預實]", whole)) >= 5 or
            len(re.findall(r"[\(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}[\)）]", whole)) >= 5):
        first = next((i.loc for i in stream), SourceRef(file=path))
        return [LoadError(first.file or path, first.line, "",
                          "文字被转为繁体字并插入了拼音（如“項(xiàng)目”“指標(biāo)”），表头字样无法识别，无法读取；"
                          "请提供原发布的简体文本、Word/Excel原件或PDF")]
    found: list[LoadError] = []
    for item in stream:
        text = item.text if isinstance(item, Line) else " ".join(item.cells)
        flat = re.sub(r"\s+", "", text)
        words = [w for w in _TABLE_WORDS if w in flat]
        if len(words) < 3:
            continue
        shown = "、".join(words[:6])
        if isinstance(item, Line) or (isinstance(item, Row) and len([c for c in item.cells if c.strip()]) <= 2):
            numbers = len(re.findall(r"\d+(?:\.\d+)?", text))
            why = (f"表格的单元格已并成连续文字（{len(text)}字，含{numbers}个数字），无法确定每个数字属于哪一列、哪一行；"
                   "请提供Word/Excel原件或按单元格分隔的文本")
        else:
            roles = [r for r in (header_roles(item.cells) or []) if r]
            cells = [re.sub(r"\s+", "", c) for c in item.cells if c.strip()]
            have = {r for c in cells for r, regex in COLUMN_ROLES if regex.match(c.replace("（", "(").replace("）", ")"))}
            missing = [label for role, label in (("level3", "三级指标"), ("weight", "分值/权重"), ("score", "得分"))
                       if role not in have]
            why = (f"该行有{len(cells)}格（{'|'.join(cells[:8])}{'…' if len(cells) > 8 else ''}），"
                   f"未识别为指标表表头" + (f"：缺少{'、'.join(missing)}列" if missing else "")) if not roles else "表头已识别，但其下没有可读的指标行"
        found.append(LoadError(item.loc.file or path, item.loc.line, "", f"找到含“{shown}”的表格文字，但无法读取：{why}"))
        if len(found) >= limit:
            break
    if not found:  # table words spread over many lines: cells broken over lines
        items = [i for i in stream if (i.text if isinstance(i, Line) else "".join(i.cells)).strip()]
        for start in range(0, len(items), 10):
            window = items[start:start + 40]
            flat = re.sub(r"\s+", "", "".join(i.text if isinstance(i, Line) else "".join(i.cells) for i in window))
            words = [w for w in _TABLE_WORDS if w in flat]
            if len(words) >= 3:
                first, last = window[0].loc, window[-1].loc
                found.append(LoadError(first.file or path, first.line, "",
                                       f"第{first.line}–{last.line}行有表格文字（含“{'、'.join(words[:6])}”），但每格的文字"
                                       "分散在多行，未能对齐成表头与指标行，无法读取"))
                break
    return found


def import_text(text: str, file: str = "<text>", year: int | None = None) -> PublishedFile:
    """Tables of a text dump (one-cell-per-line, pipe or TAB layout, detected). Text in which
    no indicator table header can be placed may still hold the standard 项目支出绩效自评表 with
    its cells run together: ``jixiao.io.form_text`` rebuilds it (its unplaced rows and cells
    listed as notes); failing that, ``jixiao.io.flat_form`` re-cuts it by the form's column order.
    Text a re-publishing site turned into traditional characters with pinyin (項(xiàng)目) is read
    after ``jixiao.io.traditional`` takes the pinyin out and maps the characters back."""
    from jixiao.io.traditional import is_converted, to_simplified

    result = _import_text(text, file, year)
    if result.tables or not is_converted(text):
        return result  # read as printed (the form reader knows the pinyin-laden labels): kept so
    converted = _import_text(to_simplified(text), file, year)
    note = LoadError(file, None, "", "文字被转为繁体字并插入了拼音（如“項(xiàng)目”），已去掉拼音、转回简体后读取")
    return replace(converted, errors=(note, *converted.errors))


def _import_text(text: str, file: str, year: int | None) -> PublishedFile:
    stream, layout = text_stream(text, file)
    if not find_tables(stream)[0]:
        from jixiao.io.form_text import published_form_text

        try:
            form = published_form_text(text, file)
        except Exception as exc:  # a reader's failure on odd text must not lose the generic result
            form = None
            note = LoadError(file, None, "", f"按项目支出绩效自评表文本读取失败：{type(exc).__name__}")
        else:
            note = None
        if form is not None and form.tables:
            return form
        result = _finish(file, stream, layout, text, year)
        return replace(result, errors=(note, *result.errors)) if note else result
    return _finish(file, stream, layout, text, year)


def _stream_text(stream: Stream) -> str:
    return "\n".join(item.text if isinstance(item, Line) else " | ".join(item.cells) for item in stream)


def import_docx(path: Path, year: int | None = None) -> PublishedFile:
    """Tables of a Word document."""
    stream = docx_stream(Path(path))
    return _finish(str(path), stream, "docx", _stream_text(stream), year)


def import_xlsx(path: Path, year: int | None = None) -> PublishedFile:
    """Tables of an Excel workbook, sheet by sheet."""
    stream = xlsx_stream(Path(path))
    return _finish(str(path), stream, "xlsx", _stream_text(stream), year)


def import_pdf(path: Path, year: int | None = None) -> PublishedFile:
    """Tables of a text-layer PDF (``jixiao.io.pdf_text``): ruled tables as table rows, else
    the page text through the text-dump reader. A scan comes back with the error that says so."""
    from jixiao.io.pdf_text import PdfError, ScannedPdf, read_pdf

    path = Path(path)
    try:
        read = read_pdf(path)
    except ScannedPdf as exc:
        return _failed(path, f"{exc}（共{exc.pages}页，均为图像）")
    except PdfError as exc:
        return _failed(path, str(exc))
    if read.ruled:
        return _finish(str(path), read.stream, "pdf", read.text, year)
    text = "\n".join(item.text for item in read.stream if isinstance(item, Line))
    result = import_text(text, str(path), year)
    return replace(result, layout=f"pdf-{result.layout}" if result.layout else "pdf")


SUFFIXES = (".txt", ".text", ".md", ".docx", ".xlsx", ".xlsm", ".pdf")


def import_published(path: Path | str, year: int | None = None) -> PublishedFile:
    """Import a published file by its suffix; unreadable files come back with an error."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".docx", ".xlsx", ".xlsm") and (form := _project_form(path, year)) is not None:
            return form
        if suffix == ".docx":
            return import_docx(path, year)
        if suffix in (".xlsx", ".xlsm"):
            return import_xlsx(path, year)
        if suffix == ".pdf":
            return import_pdf(path, year)
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return _failed(path, "文件不存在")
    except UnicodeDecodeError as exc:
        return _failed(path, f"不是UTF-8编码的文本文件（第{exc.start}字节）")
    except Exception as exc:  # a corrupt docx/xlsx: report, do not crash the batch
        return _failed(path, f"无法读取：{exc}")
    return import_text(text, str(path), year)


def _project_form(path: Path, year: int | None) -> PublishedFile | None:
    """A filled 项目支出绩效自评表 read by its own importer (``jixiao.io.project_form_audit``);
    None when the file is not drawn as one."""
    from jixiao.io.project_form_audit import published_project_form

    return published_project_form(path, year)


def _failed(path: Path, message: str) -> PublishedFile:
    return PublishedFile(path=str(path), tables=(), narrative=(), errors=(LoadError(str(path), None, "", message),),
                         layout=None, year=None, unit=path.stem)


def narrative_text(published: PublishedFile) -> Iterable[tuple[str, SourceRef]]:
    for line in published.narrative:
        yield line.text, line.loc
