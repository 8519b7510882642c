"""The Hubei 项目自评表 from a Word file flattened to a line, its labels printed after its rows.

A ``.doc`` turned into text by a document site keeps each cell's wrapped lines as words separated
by spaces but loses the grid, and prints the merged cells out of place::

    … 预算数 (A) 执行数(B) 执行率(B/A) 得分 (20 分*执行率) 285.84 285.84 100% 20
    三级指标 年初目标值 (A) 实际完成值 (B) 得分 服务外包在岸(万美元) 20000 23333.56 10 …
    企业国际质量提升 获得目的国 (地区)受 众欢迎 受目的国受 众欢迎显著 10 …
    社会效益 指标 企业把握政治导向和文 化方向情况 企业把握正 确政治导向 …
    二级指标 数量指标 年度 绩效 目标 (80 分) 产出指标 (60 分) 时效指标 效益指标 (40 分) 总分 质量指标
    企业较好把 握正确政治 … 有利于推动 企业走出去 20 20 100

After the header ``三级指标 年初目标值(A) 实际完成值(B) 得分`` the rows come as their cells in column
order — name, 年初目标值, 实际完成值, 得分 — each cell as the lines it was wrapped into. Some rows
(*half rows*) print only their name and 年初目标值 before the run of header and label words (the
*label block*: 二级指标, the 一级/二级 labels, 年度绩效目标(80分), 总分); their 实际完成值 follow the
block in the same order, then their 得分, then the 总分's figure.

Where one cell ends and the next begins is read from the wrapping: a cell's lines before its last
are (nearly) as wide as its column, so a line at least one character short ends its cell. A row
is cut only where one cut fits — a row whose last two words are values of the same unit (``3 3``,
``90% 100%``) is cut there; the columns' widths are learnt from those — and what is not certain is
read less and said: a name whose end cannot be placed keeps its certain first lines, values that
cannot be split are left out (neither changes what the table's arithmetic says).

The rows print no 分值: they stand under the 一级 heading whose points the form prints
(``jixiao.io.published.blocks``). A row goes under the 一级 of the 二级 label printed before it
(社会效益 → 效益, the form's own order); rows printed without one go under the 一级 of the 二级
labels printed in the label block only when those all belong to one 一级 (数量/质量/时效 → 产出).
Anything else is not placed, and the copy is then read as a cut one (only the rows read are
checked; no 100-point or 总分 check). Rows come out as ``jixiao.io.published.Row``s marked as
re-cut (``#连续文字``), so findings on a row are at most medium; the table's own arithmetic — the
总分 against the rows, the 100 points, a heading's points — is certain.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations

from jixiao.core.model import SourceRef
from jixiao.core.numbers import fmt
from jixiao.io.published.columns import FORM_LEVEL1_OF as LEVEL1_OF
from jixiao.io.published.columns import FORM_LEVEL1_WORDS, FORM_LEVEL2_WORDS

_ORDER = {w: k for k, w in enumerate(FORM_LEVEL1_WORDS)}

_NUM = r"\d+(?:\.\d+)?"
_HEADER = re.compile(r"三级指标年初目标值\(A\)实际完成值\(B\)得分")
_MONEY_HEADER = re.compile(rf"预算数\(A\)执行数\(B\)执行率\(B/A\)得分\((?P<points>{_NUM})分\*执行率\)")
_MONEY_LABEL = re.compile(rf"预算执行情况\(万元\)\((?P<points>{_NUM})分\)")
_TOP = re.compile(rf"年度绩效目标\d*(?:\((?P<points>{_NUM})分\))?")
_L1 = re.compile(rf"(?P<word>{'|'.join(FORM_LEVEL1_WORDS)})指标(?:\((?P<points>{_NUM})分\))?")
_L2 = re.compile(rf"(?P<word>{'|'.join(FORM_LEVEL2_WORDS)})指标")
_HEAD = re.compile(r"一级指标|二级指标|三级指标|总分")
_PAGE_MARK = re.compile(r"^[—\-－]+\d+[—\-－]+$")
#: what follows the indicator rows on the form
_AFTER = ("偏差大或", "偏差原因", "未完成原因", "原因分析", "单位主要负责人", "签批意见", "备注")
_SCORE = re.compile(r"^\d{1,3}(?:\.\d{1,2})?$")
_FIGURE = re.compile(rf"^{_NUM}$")
_RATE = re.compile(rf"^{_NUM}%$")
_VALUE = re.compile(rf"^(?:[≥≤><=]|不低于|不少于|不高于|不超过)?{_NUM}(?P<unit>%|[^\d\s.%]{{0,4}}?)(?:以上|以下|以内)?$")
#: a line this much narrower than its column may still be a full one (characters of other widths)
_SLACK = Decimal(1)
_MAX_CUTS = 20000


@dataclass
class _Label:
    kind: str  # top | l1 | l2 | head
    word: str
    points: Decimal | None = None

    @property
    def text(self) -> str:
        name = {"top": "年度绩效目标", "head": self.word}.get(self.kind, f"{self.word}指标")
        return f"{name}({fmt(self.points)}分)" if self.points is not None else name


@dataclass
class _Row:
    frags: list[str]
    score: str | None  # None: a half row (its 实际完成值 and 得分 after the label block)
    label: _Label | None
    name: str = ""
    target: str = ""
    actual: str = ""
    level1: str | None = None
    read: bool = True
    half: bool = False   # name and 年初目标值 before the label block, the rest after it
    three: bool = False  # a half row printing its 实际完成值 before the label block too
    columns: list[str] = field(default_factory=list)


def _width(text: str) -> Decimal:
    """A line's printed width in full-width characters (half-width ones count a half)."""
    return sum((Decimal(1) if unicodedata.east_asian_width(c) in "WF" else Decimal("0.5") for c in text), Decimal(0))


def _cell_fits(frags: list[str], least: Decimal) -> bool:
    """Whether the lines can be one cell of a column at least ``least`` wide: every line but the
    last (nearly) as wide as the widest."""
    width = max([least, *(_width(f) for f in frags)])
    return all(_width(f) >= width - _SLACK for f in frags[:-1])


def _cuts(frags: list[str], columns: list[str], least: dict[str, Decimal]) -> list[tuple[list[str], ...]]:
    """Every way to cut the lines into one cell per column (in order) that fits the wrapping."""
    n, k = len(frags), len(columns)
    if n < k:
        return []
    found = []
    for count, ends in enumerate(combinations(range(1, n), k - 1)):
        if count > _MAX_CUTS:
            return []  # too many ways to try: none taken
        bounds = (0, *ends, n)
        cells = tuple(frags[a:b] for a, b in zip(bounds, bounds[1:]))
        if all(_cell_fits(c, least.get(col, Decimal(0))) for c, col in zip(cells, columns)):
            found.append(cells)
    return found


def _same_unit_values(a: str, b: str) -> bool:
    ma, mb = _VALUE.match(a), _VALUE.match(b)
    return bool(ma and mb and ma["unit"] == mb["unit"])


def _labels(tokens: list[str]) -> list:
    """The words, with the labels (possibly wrapped over several words: ``可持续影 响指标``,
    ``年度 绩效 目标 (80 分)``) as ``_Label``s."""
    items: list = []
    i = 0
    while i < len(tokens):
        for j in range(min(len(tokens), i + 6), i, -1):
            joined = "".join(tokens[i:j])
            label = None
            if m := _TOP.fullmatch(joined):
                label = _Label("top", "年度绩效目标", Decimal(m["points"]) if m["points"] else None)
            elif m := _L1.fullmatch(joined):
                label = _Label("l1", m["word"], Decimal(m["points"]) if m["points"] else None)
            elif m := _L2.fullmatch(joined):
                label = _Label("l2", m["word"])
            elif _HEAD.fullmatch(joined):
                label = _Label("head", joined)
            if label is not None:
                items.append(label)
                i = j
                break
        else:
            items.append(tokens[i])
            i += 1
    return items


def _money(flat: str, tokens: list[str], starts: dict[int, int], upto: int) -> tuple[list[str] | None, str]:
    """(预算数, 执行数, 执行率, 得分, 分值) of the 预算执行情况 block printed before ``upto``, and what is said."""
    m = _MONEY_HEADER.search(flat, 0, upto)
    if m is None or m.end() not in starts:
        return None, "未见预算执行情况（预算数、执行数、执行率、得分）"
    points = Decimal(m["points"])
    label = _MONEY_LABEL.search(flat, 0, m.start())
    if label is not None and Decimal(label["points"]) != points:
        return None, f"预算执行情况标明{label['points']}分，得分栏却为{m['points']}分*执行率，分值不能确定，未读取"
    at = starts[m.end()]
    figures = tokens[at:at + 4]
    if len(figures) < 4 or not (_FIGURE.match(figures[0]) and _FIGURE.match(figures[1]) and _RATE.match(figures[2])
                                and _FIGURE.match(figures[3])):
        return None, f"预算执行情况的数字“{' '.join(figures)}”不是预算数、执行数、执行率、得分四项，未读取"
    return [*figures, fmt(points)], ""


def flat_hubei_rows(text: str, file: str) -> tuple[list, list[str], dict]:
    """(rows, notes, extra) of a Hubei 项目自评表 flattened with its labels after its rows, or
    ([], [], {}) when the text is not one; ``extra`` as for ``runon.hubei_rows`` (the 总分, whether
    the copy was read whole, else the row standing for what was not read)."""
    from jixiao.io.flat_form import HEADER as FORM_HEADER, MONEY_HEADER
    from jixiao.io.published import Row

    tokens = [t for t in unicodedata.normalize("NFKC", text).split() if not _PAGE_MARK.match(t)]
    flat, starts = "", {}
    for k, t in enumerate(tokens):
        starts[len(flat)] = k
        flat += t
    starts[len(flat)] = len(tokens)
    headers = [m for m in _HEADER.finditer(flat) if m.start() in starts and m.end() in starts]
    if len(headers) != 1:
        return [], [], {}
    begin = starts[headers[0].end()]
    end = next((k for k in range(begin, len(tokens)) if tokens[k].startswith(_AFTER)), len(tokens))
    items = _labels(tokens[begin:end])
    # the label block: the run of labels holding a header word (二级指标, 总分) or 年度绩效目标
    runs, k = [], 0
    while k < len(items):
        if isinstance(items[k], _Label):
            j = k
            while j < len(items) and isinstance(items[j], _Label):
                j += 1
            runs.append((k, j))
            k = j
        else:
            k += 1
    block = next(((a, b) for a, b in runs if a > 0 and any(items[x].kind in ("top", "head") for x in range(a, b))), None)
    pre = items[:block[0]] if block else items
    post = items[block[1]:] if block else []
    labels = items[block[0]:block[1]] if block else []
    rows, said = _rows_before(pre)
    if not rows:
        return [], said, {}
    where = SourceRef(file=f"{file}#连续文字", line=1)
    money, money_said = _money(flat, tokens, starts, headers[0].start())
    unread: list[str] = []
    total = _after_block(rows, post, labels, said, unread)
    _cut_cells(rows, said, unread)
    top = _place(rows, items, labels, said, unread)
    out = []
    if money is not None:
        budget, spent, rate, score, points = money
        out += [Row(MONEY_HEADER, where), Row(["年度资金总额", "", budget, spent, points, rate, score], where)]
        said.insert(0, f"预算执行情况（{points}分）按“预算数{budget}、执行数{spent}、执行率{rate}、得分{score}”读取")
    else:
        unread.append("预算执行情况")
        said.insert(0, money_said)
    out.append(Row([c for c in FORM_HEADER if c != "分值"], where))
    # a heading with a row not read is left out whole (its rows present would pass for all of them)
    broken = list(dict.fromkeys(r.level1 for r in rows if r.level1 is not None and not r.read))
    for heading in broken:
        unread.append(f"{heading}之下各行")
        said.append(f"{heading}之下有未读出的行，该标题及其各行均不列出")
    if top is not None and unread:  # the text is not read whole: its top heading is not checked either
        said.append(f"文本未全部读出，{top.text}不与其下的标题核对")
        top = None
    seen_top, seen_l1 = False, set()
    for r in rows:
        if r.level1 is None or r.level1 in broken:
            continue
        l1_text = r.level1
        if top is not None:
            first = [top.text if not seen_top else "", l1_text if l1_text not in seen_l1 else ""]
        else:
            first = [l1_text if l1_text not in seen_l1 else "", ""]
        seen_top = True
        seen_l1.add(l1_text)
        out.append(Row([*first, r.name, r.target, r.actual, r.score or "", ""], where))
    if not any(r.level1 is not None and r.level1 not in broken for r in rows):
        return [], said, {}
    said.insert(0, "湖北项目自评表，单元格已并成一行文字（表头和一级、二级指标印在各行之后）：按“三级指标、年初目标值、实际完成值、"
                   "得分”的列序重新切分读取，每格的分界按折行的宽度确定（未写满一行的一行是该格的末行），只取唯一的切分；"
                   "读数有选择，各行的发现可信度不标为高")
    extra: dict = {"total": total}
    if unread:  # parts not read: only the rows read are checked, not the 100 points nor the 总分
        extra["unread"] = Row(["", "", f"{'、'.join(unread)}（未读取）", "", "", "", ""], where)
        extra["unread_note"] = (f"只核查已读出的行；{'、'.join(unread)}未读取，不核查100分合计"
                                + (f"和总分{fmt(total)}" if total is not None else "和总分"))
    else:
        extra["whole"] = total is not None
    return out, said, extra


def _rows_before(pre: list) -> tuple[list[_Row], list[str]]:
    """The rows printed before the label block: whole rows (ending in their 得分) and, after them,
    half rows (name and 年初目标值, each after its 二级 label)."""
    rows: list[_Row] = []
    said: list[str] = []
    frags: list[str] = []
    label: _Label | None = None
    for k, item in enumerate(pre):
        if isinstance(item, _Label):
            if frags:  # words with no 得分 before a label: a half row
                rows.append(_Row(frags, None, label, half=True))
                frags = []
            label = item if item.kind in ("l1", "l2") else None
            continue
        nxt = pre[k + 1] if k + 1 < len(pre) else None
        ends = nxt is None or isinstance(nxt, _Label) or not _VALUE.match(nxt)
        if _SCORE.match(item) and ends and len(frags) >= 3:
            if rows and rows[-1].score is None:
                said.append(f"“{''.join(frags)[:20]}”一行印在只有名称和年初目标值的行之后，各行的次序无法确定，未读取")
                return [], said
            rows.append(_Row(frags, item, label))
            frags, label = [], None
            continue
        frags.append(item)
    if frags:
        rows.append(_Row(frags, None, label, half=True))
    return rows, said


def _after_block(rows: list[_Row], post: list, labels: list[_Label], said: list[str], unread: list[str]
                 ) -> Decimal | None:
    """The half rows' 实际完成值 and 得分 and the 总分, printed after the label block; the total."""
    halves = [r for r in rows if r.half]
    with_total = any(l.kind == "head" and l.word == "总分" for l in labels)
    if any(isinstance(x, _Label) for x in post):
        cut = next(k for k, x in enumerate(post) if isinstance(x, _Label))
        said.append(f"标题之后又有“{post[cut].text}”等字样，其后的文字未读取")
        unread.append(f"“{post[cut].text}”之后的文字")
        post = post[:cut]
    words = [x for x in post if not isinstance(x, _Label)]
    tail = len(halves) + (1 if with_total else 0)
    if not tail:
        return None
    numbers = words[len(words) - tail:] if len(words) >= tail else []
    if not numbers or not all(_SCORE.match(n) for n in numbers[:len(halves)]) \
            or (with_total and not _FIGURE.match(numbers[-1])):
        for r in halves:
            r.read, r.name = False, r.frags[0]
        unread.append(f"得分印在标题之后的{len(halves)}行")
        said.append(f"标题之后的文字“{' '.join(words)[:60]}”中，{len(halves)}行的得分" + ("和总分" if with_total else "")
                    + "不能确定，未读取")
        return None
    for r, s in zip(halves, numbers):
        r.score = s
    total = Decimal(numbers[-1]) if with_total else None
    actuals = words[:len(words) - tail]
    if not halves:
        if actuals:
            said.append(f"总分之前的文字“{' '.join(actuals)[:40]}”未读取")
            unread.append("标题与总分之间的文字")
        return total
    if not actuals:  # the half rows print their 实际完成值 before the labels too
        for r in halves:
            r.three = True
        return total
    cuts = _cuts(actuals, ["actual"] * len(halves), {})
    if len(cuts) == 1:
        for r, cell in zip(halves, cuts[0]):
            r.actual = "".join(cell)
    else:
        said.append(f"标题之后的实际完成值“{' '.join(actuals)[:60]}”不能唯一地分给{len(halves)}行，未读取")
    return total


def _cut_cells(rows: list[_Row], said: list[str], unread: list[str]) -> None:
    """Each row's lines into its cells: certain rows first (three words, or two values of one unit
    last), the columns' widths learnt from them, then the rest where one cut fits."""
    least: dict[str, Decimal] = {}

    def learn(cells, columns):
        for cell, col in zip(cells, columns):
            least[col] = max([least.get(col, Decimal(0)), *(_width(f) for f in cell)])

    pending = []
    for r in rows:
        if not r.read:
            continue
        r.columns = ["name", "target"] if r.half and not r.three else ["name", "target", "actual"]
        if len(r.columns) == 3 and len(r.frags) >= 3 and _same_unit_values(r.frags[-2], r.frags[-1]) \
                and _cell_fits(r.frags[:-2], Decimal(0)):
            cells = (r.frags[:-2], [r.frags[-2]], [r.frags[-1]])
        elif len(r.frags) == len(r.columns):
            cells = tuple([f] for f in r.frags)
        else:
            pending.append(r)
            continue
        _take(r, cells)
        learn(cells, r.columns)
    progress = True
    while progress:  # a row cut with certainty tells the columns' widths to the others
        progress = False
        for r in list(pending):
            cuts = _cuts(r.frags, r.columns, least)
            if len(cuts) == 1:
                _take(r, cuts[0])
                learn(cuts[0], r.columns)
                pending.remove(r)
                progress = True
    for r in pending:
        cuts = _cuts(r.frags, r.columns, least)
        shown = " ".join(r.frags)[:40]
        if not cuts:
            r.read = False
            r.name = r.frags[0]
            unread.append(f"“{r.name}…”一行")
            said.append(f"“{shown}”一行的各格按折行宽度无法分开，未读取")
            continue
        names = {len(c[0]) for c in cuts}
        r.name = "".join(r.frags[:min(names)])
        if len(names) > 1:
            said.append(f"“{shown}”一行：三级指标与年初目标值的分界不能唯一确定，名称只取确定的部分“{r.name}”，"
                        "年初目标值" + ("、实际完成值" if len(r.columns) == 3 else "") + "未读取")
            continue
        missing = []
        for k, col in enumerate(r.columns[1:], 1):
            values = {"".join(c[k]) for c in cuts}
            if len(values) == 1:
                setattr(r, col, values.pop())
            else:
                missing.append({"target": "年初目标值", "actual": "实际完成值"}[col])
        said.append(f"“{r.name}”一行：年初目标值与实际完成值的分界不能唯一确定，{'、'.join(missing)}未读取")


def _take(r: _Row, cells) -> None:
    r.name = "".join(cells[0])
    r.target = "".join(cells[1])
    if len(cells) > 2:
        r.actual = "".join(cells[2])


def _place(rows: list[_Row], items: list, labels: list[_Label], said: list[str], unread: list[str]) -> _Label | None:
    """Each row's 一级 heading (``产出指标(60分)``), and the 年度绩效目标 above them, when printed once."""
    every = [x for x in items if isinstance(x, _Label)]
    tops = [l for l in every if l.kind == "top"]
    top = tops[0] if len(tops) == 1 and tops[0].points is not None else None
    points: dict[str, Decimal | None] = {}
    for l in every:
        if l.kind == "l1":
            if l.word in points and l.points is not None and points[l.word] not in (None, l.points):
                points[l.word] = None  # printed with two different points: not known
                said.append(f"“{l.word}指标”印有两个不同的分值，不能确定")
            elif points.get(l.word) is None:
                points[l.word] = l.points
    floating = {LEVEL1_OF[l.word] for l in labels if l.kind == "l2"}
    current: str | None = None
    placed: list[str | None] = []
    for r in rows:
        if r.label is not None:
            current = r.label.word if r.label.kind == "l1" else LEVEL1_OF[r.label.word]
            placed.append(current)
        elif current is None:  # before any label: the one 一级 the labels printed after the rows name
            placed.append(next(iter(floating)) if len(floating) == 1 else None)
        else:  # a merged 二级 cell printed at its first row — unless a later label may be its own
            placed.append(current if all(_ORDER[f] < _ORDER[current] for f in floating) else None)
    order = [_ORDER[p] for p in placed if p is not None]
    if order != sorted(order):
        said.append("各行的一级指标次序与表式（产出、效益、满意度）不符，不能归入一级指标，未读取")
        placed = [None] * len(rows)
    floated = "、".join(dict.fromkeys(f"{l.word}指标" for l in labels if l.kind == "l2"))
    unplaced = []
    for r, word in zip(rows, placed):
        if word is None or points.get(word) is None:
            if r.read:
                unplaced.append(r.name or r.frags[0])
            r.level1 = None
            continue
        r.level1 = f"{word}指标({fmt(points[word])}分)"
    if unplaced:
        unread.append(f"未能归入一级指标的{len(unplaced)}行")
        why = (f"（各行之后印出的二级指标{floated}分属{'、'.join(w + '指标' for w in sorted(floating, key=_ORDER.get))}）"
               if len(floating) > 1 else "")
        said.append(f"“{'”“'.join(unplaced)}”{len(unplaced)}行不能确定属于哪个标有分值的一级指标{why}，未读取")
    for word, pts in points.items():
        if pts is not None and word not in placed:
            unread.append(f"{word}指标（{fmt(pts)}分）")
            said.append(f"{word}指标（{fmt(pts)}分）之下没有读出的行")
    used = sorted({p for p, r in zip(placed, rows) if p is not None and r.level1}, key=_ORDER.get)
    by_floating = sum(1 for r, p in zip(rows, placed) if r.label is None and p is not None and r.level1)
    if used:
        said.append("各行归入一级指标：" + "；".join(
            f"{w}指标{sum(1 for p, r in zip(placed, rows) if p == w and r.level1)}行" for w in used)
            + (f"（未标二级指标的{by_floating}行按各行之后印出的二级指标{floated}归属）" if by_floating else ""))
    if len(tops) > 1 or (tops and tops[0].points is None):
        said.append("年度绩效目标" + ("印有多个" if len(tops) > 1 else "未标分值") + "，不作为一级指标的上级标题核对")
    return top
