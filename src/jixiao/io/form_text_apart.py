"""The 项目支出绩效自评表 in PDF text whose cells are printed apart from their labels.

A PDF's text layer gives a table's cells in the order of their position on the page, not of the
grid: a cell centred over merged rows comes out lines away from its row. In the 上海 copies of the
national form (31) this puts

* the 项目资金 block's figures right after its column labels (年初预算数 全年预算数 全年执行数 分值
  执行率 得分 250000.00 250000.00 215,457.6 10 8.62 …), before the row labels (年度资金总额, 其中…),
  and some of the 年度资金总额 row's figures further on (the 执行率 86.19% after 年度总体目标);
* the indicator rows' values (年度指标值 实际完成值 分值 得分) in one run before their names, and the
  二级指标 headings and the names after them, each in table order.

``money_apart`` reads the money block of that drawing only where one reading fits: the figures
left when the sub-rows (amounts ended by ``—``) are taken off must be as many as the header's
columns, and exactly one placement of them in the columns may satisfy 0 < 分值 ≤ 100,
0 ≤ 得分 ≤ 分值, 执行率 the one figure printed with % and within one percentage point of 全年执行数
÷ 全年预算数 (a misprinted 执行率 is still read, and then found by the form's money check).
``rows_apart`` reads the indicator rows only where the values, the names and the 二级 headings
are equally many (each heading then has one row) — the names and values are paired in the order
printed, and a row whose values another pairing consistent with the heading points would change
is marked uncertain. Anything else is said, never guessed.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal

#: The money header's columns in the national form's order (年初预算数 may be absent).
_COLUMNS = (
    ("initial", re.compile(r"^年初预算数?(\(\w+\))?$")),
    ("annual", re.compile(r"^(全年|调整后?)?预算数(\(\w+\))?$")),
    ("spent", re.compile(r"^(全年)?执行数(\(\w+\))?$")),
    ("weight", re.compile(r"^分值$")),
    ("rate", re.compile(r"^执行率(\([\w/]+\))?$")),
    ("score", re.compile(r"^得分$")),
)
_LABEL = {"initial": "年初预算数", "annual": "全年预算数", "spent": "全年执行数", "weight": "分值", "rate": "执行率",
          "score": "得分"}
#: How far the printed 执行率 may be from 全年执行数 ÷ 全年预算数 (percentage points) for the figures
#: still to be read as those columns.
RATE_SLACK = Decimal(1)
_MONEY_END = ("实际完成情况", "一级指标", "绩效指标", "三级指标")


@dataclass
class MoneyApart:
    """The 年度资金总额 row read from figures printed before the labels, or why it was not."""

    values: dict[str, Decimal] = field(default_factory=dict)  # column → figure; empty when not read
    problem: str = ""
    note: str = ""


def _header_run(cells, start: int = 0) -> tuple[list[str], int] | None:
    """The money header's column labels printed one after another: (columns, index after them)."""
    for i in range(start, len(cells)):
        j, found = i, []
        for column, regex in _COLUMNS:
            if j < len(cells) and regex.match(cells[j].key):
                found.append(column)
                j += 1
            elif column != "initial":
                break
        if len(found) >= 5 and found[-1] == "score":
            return found, j
    return None


def money_apart(cells, dec, dashes) -> MoneyApart | None:
    """The 年度资金总额 row of a money block whose figures follow its column labels directly
    (``dec`` reads a figure, ``dashes`` the cells that mean empty); None when the block is not
    drawn so. ``cells`` run from the form's start to its indicator header."""
    head = _header_run(cells)
    if head is None:
        return None
    columns, at = head
    if at >= len(cells) or dec(cells[at].text) is None:
        return None
    stop = next((i for i in range(at, len(cells)) if cells[i].key.startswith(_MONEY_END)), len(cells))
    # runs of figures and dashes, separated by labels and other text
    runs: list[list] = [[]]
    for c in cells[at:stop]:
        if dec(c.text) is not None or c.key in dashes:
            runs[-1].append(c)
        elif runs[-1]:
            runs.append([])
    segments: list[tuple[list, bool]] = []  # (figures, ended by a dash: a sub-row at its end)
    for run in runs:
        if not run:
            continue
        figures: list = []
        for k, c in enumerate(run):
            if c.key in dashes:
                if k + 1 < len(run) and run[k + 1].key in dashes:
                    continue
                segments.append((figures, True))
                figures = []
            else:
                figures.append(c)
        if figures:
            segments.append((figures, False))
    n_amounts = sum(1 for c in columns if c in ("initial", "annual", "spent"))
    choices = []
    for n, (figures, sub) in enumerate(segments):
        # a sub-row (其中/上年结转/其他) prints up to one figure per amount column, then its dash; only
        # the figures right after the column labels may hold the 年度资金总额 row's before a sub-row's
        if not sub:
            choices.append((0,))
        elif n == 0:  # the run starts at the labels (the cell after them is a figure)
            choices.append(range(1, min(n_amounts, len(figures)) + 1))
        else:  # a run of its own, printed after its label: all of it
            choices.append((len(figures),) if len(figures) <= n_amounts else ())
    printed = " ".join(c.text for run in runs for c in run)
    readings: dict[tuple, list] = {}
    counts: set[int] = set()
    for ks in itertools.product(*choices):
        row = [c for (figures, _), k in zip(segments, ks) for c in figures[:len(figures) - k]]
        counts.add(len(row))
        if len(row) != len(columns):
            continue
        for order in itertools.permutations(row):
            values = dict(zip(columns, order))
            if _fits(values, dec):
                key = tuple(dec(values[c].text) for c in columns)
                readings.setdefault(key, [values[c] for c in columns])
    where = f"各数字印在栏目名称之前（{printed}）"
    if not readings:
        if len(columns) not in counts:
            return MoneyApart(problem=f"{where}，除去“其中”各行后年度资金总额一行的数字个数与表头{len(columns)}列"
                                      f"（{'、'.join(_LABEL[c] for c in columns)}）对不上，未读取")
        return MoneyApart(problem=f"{where}，没有一种对位使分值不超过100、得分不高于分值、执行率与全年执行数÷全年预算数"
                                  f"相差不超过{RATE_SLACK}个百分点，未读取")
    if len(readings) > 1:
        return MoneyApart(problem=f"{where}，有{len(readings)}种对位都符合表头各列的算术，不能确定各数字所属的列，未读取")
    (key, cells_read), = readings.items()
    values = dict(zip(columns, key))
    shown = "、".join(f"{_LABEL[c]}{cell.text}" for c, cell in zip(columns, cells_read))
    note = (f"项目资金表的数字印在栏目名称之前，按表头{len(columns)}列唯一符合算术（得分不高于分值、执行率接近执行数÷预算数）"
            f"的对位读作{shown}")
    return MoneyApart(values=values, note=note)


def _fits(values: dict, dec) -> bool:
    """Whether figures placed in the columns are consistent with being those columns."""
    rate = values.get("rate")
    if rate is None or not rate.key.endswith("%") or any(c.key.endswith("%") for k, c in values.items() if k != "rate"):
        return False
    weight, score = dec(values["weight"].text), dec(values["score"].text)
    annual, spent = dec(values["annual"].text), dec(values["spent"].text)
    initial = dec(values["initial"].text) if "initial" in values else Decimal(0)
    if not (0 < weight <= 100 and 0 <= score <= weight and annual > 0 and spent >= 0 and initial >= 0):
        return False
    return abs(spent / annual * 100 - dec(rate.text)) <= RATE_SLACK


# --- indicator rows printed apart from their names ----------------------------------------


@dataclass
class RowApart:
    level1: str
    level2: str
    name: str
    line: int | None
    values: list  # target, actual, 分值, 得分 cells
    uncertain: str = ""


@dataclass
class RowsApart:
    rows: list[RowApart] = field(default_factory=list)
    total: list = field(default_factory=list)  # the 总分 row's 分值 and 得分 printed after the values
    problem: str = ""
    points: dict[str, Decimal] = field(default_factory=dict)  # heading points as printed


def rows_apart(header, body, *, ok_points, compatible, heading1, heading2, level1_of, ignore, default_points,
               split_heading) -> RowsApart | None:
    """Indicator rows whose values are printed in one run apart from their names (``header``: the
    indicator header's cells before 三级指标, ``body``: the cells after it up to 总分). None when
    the text is not drawn so (the ordinary reader then reads it)."""
    header = [c for c in header if not ignore(c)]
    body = [c for c in body if not ignore(c)]
    if any(not (heading1(c.key) or heading2(c.key)) for c in header):
        return None  # names or values inside the header: another drawing (16)

    def group(i: int) -> bool:
        if i + 3 >= len(body) or not ok_points(body[i + 2], body[i + 3]):
            return False
        a, b = body[i], body[i + 1]
        if any(heading1(c.key) or heading2(c.key) for c in (a, b)):
            return False
        if a.value and b.value:
            return compatible(a, b) and not (a.plain and b.plain)
        if a.text_like and b.text_like:  # a 定性 row: 及时 及时, 有效 较有效
            return len(a.key) <= 6 and len(b.key) <= 6 and (a.key in b.key or b.key in a.key)
        return False

    start = next((i for i in range(len(body)) if body[i].value and group(i)), None)
    if start is None:
        return None
    end = start
    while group(end):
        end += 4
    groups = [body[i:i + 4] for i in range(start, end, 4)]
    if len(groups) < 2:
        return None
    total = []
    if end + 1 < len(body) and body[end].plain and body[end + 1].plain:
        total, end = body[end:end + 2], end + 2
    rest = body[:start] + body[end:]
    if any(c.value for c in rest):
        return None  # values between names: the ordinary drawing
    out = RowsApart(total=total)
    headings = []
    names: list[list] = []
    printed = header + rest
    for n, c in enumerate(printed):
        if heading1(c.key) or heading2(c.key):
            m = heading1(c.key)
            if m:
                _, points = split_heading(c.key)
                if points is not None:
                    out.points[m[1]] = points
            else:
                headings.append(heading2(c.key)[1])
            continue
        if len(c.key) == 1:
            # one character alone is the wrapped end of a name printed before it: the name just
            # before, or the only name printed so far
            if names and (names[-1][-1] is printed[n - 1] or len(names) == 1):
                names[-1].append(c)
                continue
            out.problem = f"单字“{c.text}”不能确定属于哪个指标名称"
            return out
        names.append([c])
    if not (len(names) == len(groups) == len(headings)):
        out.problem = (f"各行数值连在一起印在名称之前：{len(groups)}组数值、{len(names)}个三级指标名称、"
                       f"{len(headings)}个二级指标，数目不相等，无法对应")
        return out
    # as many 二级 headings as rows: each heading has one row, in table order
    level1 = [level1_of[h] for h in headings]
    points = dict(default_points)
    points.update(out.points)

    def sums(order) -> dict:
        s: dict[str, Decimal] = {}
        for l1, g in zip(level1, order):
            key = l1.removesuffix("指标")
            s[key] = s.get(key, Decimal(0)) + Decimal(groups[g][2].key)
        return s

    identity = tuple(range(len(groups)))
    fits = sums(identity) == {k: v for k, v in points.items() if k in sums(identity)}
    orders = [p for p in itertools.permutations(identity) if not fits or sums(p) == sums(identity)] \
        if len(groups) <= 7 else None

    def shown(g) -> tuple:
        return tuple(c.text for c in groups[g])

    for j, (h, l1, cells) in enumerate(zip(headings, level1, names)):
        other = orders is None or any(shown(p[j]) != shown(j) for p in orders)
        why = ""
        if other:
            why = ("名称与数值分开印出，按印出顺序对应；另有与各级分值一致的对应方式" if fits else
                   "名称与数值分开印出，按印出顺序对应，无法用各级分值核对")
        out.rows.append(RowApart(l1, f"{h}指标", "".join(c.text for c in cells), cells[0].line, groups[j], why))
    return out
