"""Tables in the stream: headers (also two-row ones), the 预算执行情况 money block, tables
continued across pages with a repeated header, rows split across pages, the total row."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from jixiao.core.model import SourceRef
from jixiao.io.published.columns import _LEVEL1_NAMES, header_roles, is_number, NUM, to_decimal, TOTAL_WORDS
from jixiao.io.published.rows import _row_fields
from jixiao.io.published.streams import _keywords, Line, Row, Stream


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
    truncated_note: str | None = None  # said of ``truncated`` when it stands for parts not read, not a cut
    cut_in_rows: bool = False  # the text ends inside (or right after) the last row: its headings run on past the text
    block_points: Decimal | None = None  # 绩效指标(90分) printed in the header: the part of the form this table is
    header_total: Decimal | None = None  # a 自评得分 printed above the table (Ningxia), not in a 总分 row
    header_total_declared: bool = False  # the table is whole and has no 总分 row: ``header_total`` is its declared total


_MONEY_COLUMNS = {"年初预算数": "initial", "全年预算数": "annual", "全年执行数": "spent", "分值": "weight",
                  "执行率": "rate", "得分": "score",
                  # Sichuan 部门预算项目支出绩效自评表: 年初预算 | 调整后预算数 | 预算执行数 | 预算执行率 | 权重 | 得分
                  "年初预算": "initial", "调整后预算数": "annual", "预算执行数": "spent", "预算执行率": "rate", "权重": "weight"}
#: Hubei 年度项目绩效自评表 (and 保山's): 预算数(A) | 执行数(B) | 执行率(B/A) | 得分(20分*执行率) — with their
#: letters, since a bare 预算数 is also the second line of a 年初/全年 预算数 cell broken over lines
_LETTERED_MONEY = {re.compile(r"预算数[(（]A[)）]"): "annual", re.compile(r"执行数[(（]B[)）]"): "spent"}
#: The 项目资金 row's label: 年度资金总额 (national), 年度财政资金总额 (Hubei), a 合计 or 总额.
_MONEY_LABELS = ("年度资金总额", "资金总额", "年度财政资金总额", "合计")


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
        key = _MONEY_COLUMNS.get(re.sub(r"\s+|[(（].*?[)）]", "", c or "")) or next(
            (k for regex, k in _LETTERED_MONEY.items() if regex.fullmatch(re.sub(r"\s+", "", c or ""))), None)
        if key and key not in cols.values():
            cols[i] = key
    return cols if {"annual", "spent"} <= set(cols.values()) else None


def _money_points(cells: list[str]) -> str | None:
    """The 执行率 row's points where the money header prints no 分值 column: ``得分(20分*执行率)``
    or ``预算执行情况(万元)(20分)`` (Hubei)."""
    flat = re.sub(r"\s+", "", "".join(cells))
    m = re.search(rf"得分[(（]({NUM})分[*×]执行率[)）]", flat) or re.search(rf"预算执行情况(?:[(（]万元[)）])?[(（]({NUM})分[)）]", flat)
    return m[1] if m else None


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


#: Words of a score table's title.
_TITLE_WORDS = re.compile(r"(?:自评|评分|计分|评价|绩效).{0,6}表")

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
    money_points: str | None = None
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
            if len(text) <= 80 and (_TITLE_WORDS.search(text) or not _TITLE_WORDS.search(title)):
                title = text  # the form's title (``…绩效自评表``) is kept over lines after it (单位名称, 填报日期)
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
            money_points = _money_points(item.cells) if "weight" not in cols.values() else None
            shifted_label = re.sub(r"\s+", "", item.cells[-1]).startswith(("年度资金总额", "资金总额"))
            continue
        if money_cols and shifted_label and money is None and not item.positional:
            shifted_label = False
            if (values := _shifted_money_values(item.cells, money_cols)) is not None:
                money = _MoneyBlock(values, item.loc)
                continue
        if money_cols and any(re.sub(r"\s+", "", c).startswith(_MONEY_LABELS) or re.sub(r"\s+", "", c) == "总额"
                          for c in item.cells[:4]):
            values = {key: item.cells[i].strip() for i, key in money_cols.items() if i < len(item.cells)}
            if not item.positional:
                # a pipe dump prints the header's label cells and the row's label in different
                # numbers of cells: the figures right after the label, in the columns' order,
                # when each is a figure
                at = next(k for k, c in enumerate(item.cells[:4]) if re.sub(r"\s+", "", c).startswith(
                    _MONEY_LABELS) or re.sub(r"\s+", "", c) == "总额")
                if money is None and not any(c.strip() for c in item.cells[at + 1:]):
                    # ``年度资金总额 |`` alone, its figures on the next line (``| 32.4 | 31.69 | 10 | 97.80% | 9 |``)
                    shifted_label = True
                    continue
                keys = [money_cols[i] for i in sorted(money_cols)]
                figures = [c.strip() for c in item.cells[at + 1:at + 1 + len(keys)]]
                if len(figures) == len(keys) and all(is_number(f.rstrip("%")) for f in figures):
                    values = dict(zip(keys, figures))
            if money_points is not None and not values.get("weight"):
                values["weight"] = money_points  # printed in the header, not in a 分值 column
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
            table.cut_in_rows = True
    if tables and tables[-1].truncated is None and tables[-1].total is None and tables[-1].rows \
            and last_row is not None and tables[-1].rows[-1] is stream[last_row] and "criteria" in tables[-1].roles \
            and not any(isinstance(item, Line) and item.text.strip() for item in stream[last_row + 1:]):
        # the text ends with a row's criteria (``… | 财务``) and no 总分/合计 row: the copy is cut after it —
        # the row read, what follows it not in the text
        table = tables[-1]
        table.truncated = Row([""] * len(table.roles), stream[last_row].loc)
        table.cut_in_rows = True
        table.truncated_note = ("文本在此行的评分标准中结束，其后各行和总分/合计行不在文本中；只核查已读出的各行，"
                                "不核查100分合计、标题分值和总分")
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
    if not row.positional and "weight" not in roles and "level3" in roles:
        # no 分值 column (``种母猪(≥头) | 20 | 20 |`` and the text ends): fewer cells than 三级指标 … 得分
        level3, score = roles.index("level3"), roles.index("score")
        return level3 < score and len(filled) < sum(1 for r in roles[level3:score + 1] if r is not None)
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
