"""The standard 项目支出绩效自评表 read from text copied off a web page.

Published forms reach us as text: cells one per line, pipe rows, cells separated by spaces,
or a whole Excel sheet flattened to one line with cells partly out of reading order. This
reader recognises the form in such text and rebuilds it as a ``ProjectForm`` (header, money
block, indicator rows), then hands it to ``project_form_audit.form_as_published`` so the
audit scores it like a form imported from Word or Excel.

How a table is read:

1. The text is cut into cells (pipes, line breaks, runs of spaces); a cell that is a bare
   comparator (Yunnan 指标性质 ≧/≦/＝) is joined with the number and unit after it, and
   heading fragments broken by line wraps (``效益指 标(30 分)``) are joined again.
2. The layout comes from the indicator header: 分值 before 年度指标值 (Anhui/Sichuan
   绩效目标自评表: 分值 | 年度指标值 | 全年实际值 | 得分) or after it (national and Yunnan:
   年度指标值 | 实际完成值 | 分值 | 得分).
3. The indicator part is split at headings (数量指标…, 产出指标（50分）), ``指标N:`` markers and
   ``……``; in each piece rows are matched by position — 分值 and 得分 must be plain numbers,
   得分 ≤ 分值, 年度指标值 and 实际完成值 in the same unit — and the text after a row's 得分 up
   to the next marker is its 偏差原因.
4. Values printed without a name (cells out of reading order) are given to the names printed
   without values, in order, when the heading points (产出50 / 效益30 / 满意度10, or as printed)
   allow it; a row whose values another consistent assignment would change is marked
   uncertain (its findings carry low confidence).
5. PDF text that prints the money figures before their labels, or every row's values in one run
   before the names (cells in page-position order), is read by ``jixiao.io.form_text_apart``
   where exactly one placement fits, and said otherwise.

Nothing is invented: a piece whose cells cannot be placed is reported as unread with its
text (``FormTextDiagnosis.unread``); a table cut by the end of the text reads the rows
present and has no declared total unless a 总分 row is printed.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from jixiao.core.model import Target
from jixiao.core.project_form import ProjectForm, ProjectFormError, build, heading_key, split_heading

from .form_text_split import run_together, split_cells
from .project_form_audit import form_as_published
from .published import UNVERIFIED, PublishedFile
from .published.columns import FORM_LEVEL1_OF
from .yamlio import LoadError

# --- text normalisation --------------------------------------------------------------

#: Traditional → simplified for the characters of the form's labels (re-publishing sites
#: turn pages into traditional characters with pinyin in brackets).
_TRAD = str.maketrans({
    "項": "项", "標": "标", "級": "级", "產": "产", "數": "数", "質": "质", "時": "时", "對": "对", "務": "务",
    "滿": "满", "會": "会", "執": "执", "預": "预", "資": "资", "總": "总", "額": "额", "實": "实", "際": "际",
    "進": "进", "結": "结", "轉": "转", "財": "财", "撥": "拨", "當": "当", "計": "计", "劃": "划", "稱": "称",
    "門": "门", "單": "单", "績": "绩", "評": "评", "響": "响", "態": "态", "濟": "济", "積": "积", "關": "关",
    "為": "为", "於": "于", "經": "经", "費": "费", "補": "补", "價": "价", "驗": "验", "收": "收", "體": "体",
    "長": "长", "開": "开", "發": "发", "與": "与", "後": "后", "從": "从", "個": "个", "備": "备", "註": "注",
    "億": "亿", "萬": "万", "元": "元", "責": "责", "衛": "卫", "規": "规", "麗": "丽", "區": "区", "據": "据",
})
_PINYIN = re.compile(r"\((?=[a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜńňǹ]*[āáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ])"
                     r"[a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜńňǹ]+\)")
_COMPARATORS = {"≧": "≥", "≦": "≤", "═": "=", "＝": "=", "﹦": "=", ">=": "≥", "<=": "≤"}


def depinyin(text: str) -> str:
    """The text without the pinyin a re-publishing site inserted (``項(xiàng)目`` → ``項目``)."""
    return _PINYIN.sub("", text)


def norm(text: str) -> str:
    """A cell compared loosely: no pinyin, simplified label characters, NFKC, no spaces or colons."""
    text = unicodedata.normalize("NFKC", depinyin(text)).translate(_TRAD)
    return re.sub(r"[\s:：|]", "", text)


def _target_text(text: str) -> str:
    """A value as ``Target`` reads it: ≧ ≦ ═ ﹦ written as ≥ ≤ =, width-normalised, no spaces."""
    text = unicodedata.normalize("NFKC", depinyin(text)).strip()
    for a, b in sorted(_COMPARATORS.items(), key=lambda x: -len(x[0])):
        text = text.replace(a, b)
    return re.sub(r"\s+", "", text)


# --- cells ---------------------------------------------------------------------------

_NUM = r"[-+]?\d+(?:\.\d+)?"
_PLAIN = re.compile(rf"^{_NUM}$")
_UNIT = r"(?:%|‰|[\u4e00-\u9fff]{1,3}(?:/[\u4e00-\u9fff]{1,3})?(?:\*[\u4e00-\u9fff])?|百分比)"
_VALUE = re.compile(rf"^(?:[≥≤=><]|>=|<=)?{_NUM}{_UNIT}?$")
_DASH = {"—", "-", "/", "——", "－", "–"}
_L1 = re.compile(r"^(产出|效益|满意度)(指标)?(\([\d.]+分\))?$")
_L2 = re.compile(r"^(数量|质量|时效|进度|成本|经济成本|经济效益|社会效益|生态效益|可持续影响|服务对象满意度)(指标)?(等)?(\([\d.]+分\))?$")
_MARKER = re.compile(r"^指标\d+[:：]?")
_TOTAL = {"总分", "合计", "总计"}
_ENTITY = re.compile(r"^[\u4e00-\u9fff]{2,}(县|市|区|镇|乡)[\u4e00-\u9fff]*(中心|局|院|政府|学校|站|所)$")
_NOT_REASON = re.compile(r"^(满|满意|满意度|其他需要说明事项.*|公众满.*)$")
#: Header words and fragments that can stand among the rows of a flattened sheet.
_JUNK = {"一级指标", "二级指标", "三级指标", "一级", "二级", "三级", "指标", "年度", "实际", "指标值", "完成值", "分值",
         "得分", "分", "值", "绩", "效", "指", "标", "绩效指标", "年度指标值", "实际完成值", "全年实际值", "偏差原因分析及改进措施",
         "偏差原因分析及改进措", "施", "未完成原因及拟采取的改进措施", "指标性质", "度量单位", ")", "(", "年度指标",
         "……", "...", "…", "绩效", "效指标", "指标)"}
#: 二级指标 → 一级指标 of the national form.
_LEVEL1_OF = {k: v + "指标" for k, v in FORM_LEVEL1_OF.items()}
_DEFAULT_POINTS = {"产出": Decimal(50), "效益": Decimal(30), "满意度": Decimal(10)}


@dataclass
class Cell:
    text: str  # as printed (pinyin kept)
    line: int

    @property
    def key(self) -> str:
        return norm(self.text)

    @property
    def plain(self) -> bool:
        return bool(_PLAIN.match(self.key))

    @property
    def value(self) -> bool:
        k = _target_text(self.text)
        return bool(_VALUE.match(k)) or k in _DASH

    @property
    def text_like(self) -> bool:
        return not self.value


def cells_of(text: str) -> list[Cell]:
    """The text cut into cells: pipes, line breaks and runs of spaces separate them."""
    out: list[Cell] = []
    for n, line in enumerate(text.splitlines(), 1):
        for piece in line.split("|"):
            for word in re.split(r"[\s\u3000\xa0]+", piece):
                if word.strip():
                    out.append(Cell(word.strip(), n))
    return _join_headings(_join_targets(out))


def _join_targets(cells: list[Cell]) -> list[Cell]:
    """Yunnan's 指标性质 | 指标值 | 度量单位 cells (``≧ | 95 | %``) as one target cell."""
    out: list[Cell] = []
    i = 0
    while i < len(cells):
        c = cells[i]
        if _target_text(c.text) in ("≥", "≤", "=", ">", "<") and i + 1 < len(cells) and cells[i + 1].plain:
            text = c.text + cells[i + 1].text
            i += 2
            if i < len(cells) and re.fullmatch(_UNIT, norm(cells[i].text)) and not _L2.match(cells[i].key):
                text += cells[i].text
                i += 1
            out.append(Cell(text, c.line))
            continue
        out.append(c)
        i += 1
    return out


def _join_headings(cells: list[Cell]) -> list[Cell]:
    """Headings broken by line wraps (``可持续影 | 响指标``, ``产出 指标 (50分 )``) joined again."""
    out: list[Cell] = []
    i = 0
    while i < len(cells):
        for width in (4, 3, 2):
            if i + width > len(cells):
                continue
            parts = cells[i:i + width]
            joined = "".join(p.key for p in parts)
            if (_L1.match(joined) or _L2.match(joined)) and not any(_MARKER.match(p.key) for p in parts) \
                    and not (_L1.match(parts[0].key) or _L2.match(parts[0].key)) or \
                    (_L1.match(joined) and re.search(r"\d分\)$", joined) and _L1.match(parts[0].key)):
                out.append(Cell("".join(p.text for p in parts), parts[0].line))
                i += width
                break
        else:
            out.append(cells[i])
            i += 1
    return out


# --- results -------------------------------------------------------------------------


@dataclass
class ReadRow:
    """One indicator row as read (texts as printed)."""

    level1: str
    level2: str
    name: str
    target: str
    actual: str
    weight: Decimal
    score: Decimal
    reason: str = ""
    uncertain: str = ""  # why the placement of this row's cells is not certain
    line: int | None = None
    note: str = ""  # how the row was read, when not as printed


@dataclass
class Unread:
    """Cells the reader found in the indicator part but could not place as a row."""

    text: str
    why: str
    line: int | None = None


@dataclass
class TableReading:
    """One form found in the text: what was read and what was not."""

    index: int
    project: str
    variant: str
    layout: str  # "target-first" (national, Yunnan) or "weight-first" (Anhui/Sichuan 绩效目标自评表)
    rows: list[ReadRow] = field(default_factory=list)
    unread: list[Unread] = field(default_factory=list)
    subrows: list[str] = field(default_factory=list)  # 其中… lines without 分值/得分 (not scored)
    money: dict[str, Any] = field(default_factory=dict)
    money_uncertain: str = ""
    money_note: str = ""  # how the money block was read, when not as printed (figures before their labels)
    declared_total: Decimal | None = None
    declared_weight_total: Decimal | None = None
    truncated: bool = False
    form: ProjectForm | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class FormTextDiagnosis:
    """What ``read_form_text`` found: whether the text looks like the form, and per table
    what was read and what was not."""

    file: str
    looks_like_form: bool
    reason: str = ""
    tables: list[TableReading] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.looks_like_form and bool(self.tables) and all(
            not t.unread and not t.errors and t.form is not None for t in self.tables)

    def messages(self) -> list[str]:
        """Every problem in Chinese, each naming the table and the row text not read."""
        out = [] if self.looks_like_form or not self.reason else [self.reason]
        if self.looks_like_form and not self.tables:
            out.append(self.reason or "文本像项目支出绩效自评表，但未能读出任何表格")
        for t in self.tables:
            where = f"第{t.index}张自评表（{t.project or '项目名称未读出'}）"
            for u in t.unread:
                out.append(f"{where}：未能读取“{u.text}”（{u.why}）")
            for r in t.rows:
                if r.uncertain:
                    out.append(f"{where}：“{r.name}”的单元格位置不确定（{r.uncertain}），其核查发现可信度降低")
            if t.money_uncertain:
                out.append(f"{where}：项目资金表{t.money_uncertain}")
            if t.subrows:
                out.append(f"{where}：{len(t.subrows)}行“其中…”子项（如“{t.subrows[0]}”）没有分值和得分，不作为计分行")
            for e in t.errors:
                out.append(f"{where}：{e}")
            if t.truncated:
                out.append(f"{where}：文本在表格结束前截断，只读取已有的行，不核对总分")
        return out


# --- recognising the form -------------------------------------------------------------


def _looks_like(key: str) -> tuple[bool, str]:
    has = {label: label in key for label in ("项目名称", "三级指标", "得分", "分值", "自评表")}
    money = any(w in key for w in ("项目资金", "资金情况", "年度资金总额"))
    target = any(w in key for w in ("年度指标值", "指标值"))
    actual = any(w in key for w in ("实际完成值", "全年实际值", "完成值"))
    standard = all(has.values()) and money and target and actual and "年度资金总额" in key
    if standard:
        return True, ""
    if has["自评表"] and (has["三级指标"] or has["得分"]):
        what = [w for w, ok in (("项目资金/年度资金总额", money and "年度资金总额" in key), ("年度指标值", target),
                                ("实际完成值", actual), ("分值", has["分值"]), ("三级指标", has["三级指标"])) if not ok]
        return False, "是绩效自评表，但不是标准的项目支出绩效自评表（缺少" + "、".join(what) + "），本读取器不读取"
    return False, "不是项目支出绩效自评表"


def _segments(cells: list[Cell]) -> list[list[Cell]]:
    """One list of cells per form: a form starts at its 项目名称 cell."""
    starts = [i for i, c in enumerate(cells) if c.key.startswith("项目名称")]
    if not starts:
        return []
    bounds = starts + [len(cells)]
    return [cells[a:b] for a, b in zip(bounds, bounds[1:])]


def _find(cells: list[Cell], *labels: str, start: int = 0, prefix: bool = False) -> int | None:
    for i in range(start, len(cells)):
        k = cells[i].key
        if any(k == lab or (prefix and k.startswith(lab)) for lab in labels):
            return i
    return None


def _dec(text: str) -> Decimal | None:
    k = _target_text(text).replace(",", "")
    m = re.fullmatch(rf"({_NUM})%?", k)
    if not m:
        return None
    try:
        return Decimal(m[1])
    except InvalidOperation:
        return None


# --- money block ---------------------------------------------------------------------


def _money(cells: list[Cell], t: TableReading, header_text: str) -> dict[str, Any]:
    """The 项目资金 block: 年度资金总额 values by the header's columns, 其中 row likewise."""
    money: dict[str, Any] = {"unit": "元" if "(元)" in header_text else "万元"}
    initial_col = "年初预算" in header_text
    rate_col = "执行率" in header_text
    short = ""
    for label, key in (("年度资金总额", "total"), ("其中", "fiscal")):
        at = _find(cells, label, prefix=True)
        if at is None:
            continue
        values = []
        after_label = False
        for c in cells[at + 1:at + 14]:
            if c.value:
                values.append(c)
            elif not values and after_label:
                pass  # the 实施单位's name, printed inside the block of a flattened sheet (16)
            elif values or not (c.key.startswith(("其中", "当年", "本年", "实施单位", "全年", "年初", "分值", "执行率",
                                                  "得分", "(万元)", "预算数", "执行数"))):
                break
            after_label = c.key.startswith("实施单位")
        if key == "total" and "(元)" not in header_text and at + 1 < len(cells) and cells[at].key.endswith("元)"):
            money["unit"] = "元"
        nums = [c for c in values if _target_text(c.text) not in _DASH]
        percent = next((i for i, c in enumerate(nums) if c.key.endswith("%")), None)
        if percent is not None:
            amounts, weight = nums[:max(percent - 1, 0)], nums[percent - 1] if percent >= 1 else None
            rate, score = nums[percent], nums[percent + 1] if percent + 1 < len(nums) else None
            if key == "fiscal" and len(amounts) < 2:  # 其中 row: 预算 执行 … 执行率 only
                amounts, weight = nums[:percent], None
        else:
            full = (3 if initial_col else 2) + 2 + (1 if rate_col else 0)
            if key == "total" and len(nums) == full:
                n = 3 if initial_col else 2
                amounts, weight = nums[:n], nums[n]
                rate, score = (nums[n + 1], nums[n + 2]) if rate_col else (None, nums[n + 1])
            elif key == "total" and len(nums) == full - 1 and rate_col:  # 执行率 cell empty
                n = 3 if initial_col else 2
                amounts, weight, rate, score = nums[:n], nums[n], None, nums[n + 1]
            else:
                amounts, weight, rate, score = nums[:3], None, None, None
        names = ["initial", "annual", "spent"] if len(amounts) >= 3 else ["annual", "spent"]
        if key == "total" and initial_col and len(amounts) == 2 and rate is not None and weight is not None \
                and _dec(amounts[0].text) == 0 and (_dec(rate.text) or 0) > 0:
            # one of three amounts not printed: a 全年预算数 of 0 cannot have a positive 执行率, so the
            # 0 is the 年初预算数 and the other the 全年预算数; the 全年执行数 is not read
            names = ["initial", "annual"]
            short = (f"年度资金总额一行少一个数字，按所填执行率读作年初预算数{amounts[0].text}、"
                     f"全年预算数{amounts[1].text}，全年执行数未读出")
        money[key] = {n: _dec(c.text) for n, c in zip(names, amounts[-3:] if len(amounts) > 3 else amounts)}
        if key == "total":
            if score is not None:
                money["declared_score"] = _dec(score.text)
            if rate is not None:
                value = _dec(rate.text)
                money["declared_rate"] = value * 100 if value is not None and "%" not in rate.key and value <= 1 else value
            t.money["weight"] = _dec(weight.text) if weight is not None else None
    total = money.get("total", {})
    annual, spent, declared = total.get("annual"), total.get("spent"), money.get("declared_rate")
    if short:
        t.money_uncertain = short
    elif not total:
        t.money_uncertain = "未能读出年度资金总额的全年预算数和全年执行数"
    elif "declared_score" not in money:
        t.money_uncertain = "年度资金总额一行的数字少于表头的列，得分未读出，各数字所属的列不能确定"
    elif declared is not None and annual is not None and spent is not None:
        if annual > 0 and abs(spent / annual * 100 - declared) > 1:
            t.money_uncertain = f"所读全年预算数{annual}、全年执行数{spent}与所填执行率{declared}%不符，数字位置可能不对"
        elif annual <= 0 and declared > 0:
            t.money_uncertain = f"所读全年预算数为{annual}，却填执行率{declared}%，数字位置可能不对"
    return money


# --- indicator rows ------------------------------------------------------------------


def _compatible(target: Cell, actual: Cell) -> bool:
    """年度指标值 and 实际完成值 in the same unit (a bare number fits any numeric target)."""
    if target.text_like or actual.text_like:
        return True
    a, b = Target.model_validate(_target_text(target.text)), Target.model_validate(_target_text(actual.text))
    if a.value is None or b.value is None:
        return True
    return not a.unit or not b.unit or norm(a.unit) == norm(b.unit)


def _ok_points(w: Cell, s: Cell) -> bool:
    if not (w.plain and s.plain):
        return False
    wv, sv = Decimal(w.key), Decimal(s.key)
    return 0 < wv <= 100 and 0 <= sv <= wv


@dataclass
class _Piece:
    level2: str
    cells: list[Cell]


def _match_rows(piece: list[Cell], weight_first: bool) -> tuple[list[tuple], list[Cell], list[list[Cell]]]:
    """Rows in one piece: ([(name cells, target, actual, weight, score, reason cells)], leftover
    name cells without values, orphan value groups)."""
    rows, orphans, skipped = [], [], []
    i, n = 0, len(piece)
    leftover: list[Cell] = []
    while i < n:
        best = None
        if piece[i].text_like or (weight_first and False):
            # a row starting with its name
            for k in range(i + 1, n):
                if weight_first:
                    if k + 3 < n and _ok_points(piece[k], piece[k + 3]) and all(c.text_like for c in piece[i:k]):
                        best = (k, (piece[i:k], piece[k + 1], piece[k + 2], piece[k], piece[k + 3]), k + 4)
                        break
                    continue
                if k + 1 >= n or not _ok_points(piece[k], piece[k + 1]):
                    continue
                if k - i >= 3 and _compatible(piece[k - 2], piece[k - 1]) and \
                        all(c.text_like for c in piece[i:k - 2]):
                    cand = (piece[i:k - 2], piece[k - 2], piece[k - 1], piece[k], piece[k + 1])
                    values = sum(1 for c in cand[1:3] if c.value)
                    if best is None or values > best[3]:
                        best = (k, cand, k + 2, values)
                    if values == 2 or not any(c.value for c in piece[i:k]):
                        break
                elif k - i == 1 or all(c.text_like for c in piece[i:k]):
                    if best is None:  # a row without 年度指标值 / 实际完成值
                        best = (k, (piece[i:k], None, None, piece[k], piece[k + 1]), k + 2, -1)
            if best is None:
                j = i + 1
                while j < n and piece[j].value:
                    j += 1
                if j < n and j > i + 1:  # a name with values that are no row: 其中… sub-row or unread
                    skipped.append(piece[i:j])
                    i = j
                    continue
                leftover = piece[i:]
                break
            end = best[2]
            names, target, actual, weight, score = best[1]
            reason: list[Cell] = []
            lost = Decimal(score.key) < Decimal(weight.key)
            while end < n and piece[end].text_like or (end < n and piece[end].plain and end + 1 >= n):
                if _NOT_REASON.match(piece[end].key):
                    break
                if end + 1 < n and any(c.value for c in piece[end + 1:]) and not reason:
                    # text followed by values: the next row's name, unless the row lost points or
                    # (分值 first) another text stands before the next row's 分值
                    two = weight_first and end + 1 < n and piece[end + 1].text_like
                    if not (lost or two) or end + 2 >= n or piece[end + 1].value:
                        break
                reason.append(piece[end])
                end += 1
                if end < n and (piece[end].value or any(c.value for c in piece[end:])):
                    break
            rows.append((names, target, actual, weight, score, reason))
            i = end
        else:
            # values printed without a name: target, actual, 分值, 得分
            if weight_first and i + 3 < n and _ok_points(piece[i], piece[i + 3]):
                orphans.append([piece[i + 1], piece[i + 2], piece[i], piece[i + 3]])
                i += 4
            elif not weight_first and i + 3 < n and _ok_points(piece[i + 2], piece[i + 3]) \
                    and _compatible(piece[i], piece[i + 1]):
                orphans.append(piece[i:i + 4])
                i += 4
            elif i + 1 < n and piece[i].plain and piece[i + 1].plain and (i + 2 >= n or piece[i + 2].text_like):
                orphans.append(piece[i:i + 2])  # a trailing pair: 总分 分值 and 得分 printed early
                i += 2
            else:
                leftover = piece[i:]
                break
    return rows, leftover, orphans, skipped


def _pieces(cells: list[Cell], t: TableReading, skip: set[str]) -> list[tuple[str, str, list[Cell]]]:
    """The indicator part cut at headings, 指标N markers and ……: (level1, level2, cells)."""
    out: list[tuple[str, str, list[Cell]]] = []
    level1, level2 = "产出指标", "数量指标"
    current: list[Cell] = []

    start = [level1, level2]

    def flush():
        if current:
            out.append((start[0], start[1], list(current)))
            current.clear()

    for c in cells:
        k = c.key
        if k in skip or k in _JUNK or re.fullmatch(r"\(?\d+分\)?", k) or re.fullmatch(r"指标\d+[:：]?", k) \
                or re.fullmatch(r"[…．.]+", k) or (k in ("/",) and not current):
            if re.fullmatch(r"指标\d+[:：]?|[…．.]+", k):
                flush()
            continue
        m1, m2 = _L1.match(k), _L2.match(k)
        if m1 and not (m1[1] == "满意度" and level1 == "满意度指标" and not m1[3]):
            name, points = split_heading(unicodedata.normalize("NFKC", depinyin(c.text)).replace(" ", ""))
            level1 = f"{m1[1]}指标"
            if points is not None:
                t.money.setdefault("points", {})[m1[1]] = points
            if m1[1] == "满意度" and not current:
                level2 = "服务对象满意度指标"
            if not current:
                start[:] = [level1, level2]
            continue
        if m2:
            flush()
            level2 = f"{m2[1]}指标"
            level1 = _LEVEL1_OF.get(m2[1], level1)
            start[:] = [level1, level2]
            continue
        if _MARKER.match(k):
            flush()
        if _ENTITY.match(k):
            continue  # the 实施单位 printed among the rows of a flattened sheet
        if not current:
            start[:] = [level1, level2]
        current.append(c)
    flush()
    return out


def _text(cells: list[Cell]) -> str:
    return "".join(depinyin(c.text) if False else c.text for c in cells)


def _number(cells: list[Cell]) -> int | None:
    m = _MARKER.match(cells[0].key) if cells else None
    return int(re.match(r"指标(\d+)", cells[0].key)[1]) if m else None


def _numbered_run(early: list[Cell], piece: list[Cell], level1: str, level2: str, t: TableReading) -> bool:
    """A flattened sheet whose first rows print out of order: some names and every 年度指标值
    inside the header (before 三级指标), then one more name and every row's 实际完成值-分值-得分
    (16: 指标1 指标2 five targets 三级指标 指标5 five triples). When the names are numbered 指标N
    and the targets and triples are each as many as the highest N, the number says which values
    are a name's; the rows whose names are not printed are named as values without a name."""
    names: list[list[Cell]] = []
    targets: list[Cell] = []
    for c in early:
        if _MARKER.match(c.key):
            names.append([c])
        elif c.key in _JUNK:
            continue
        elif targets and c.text_like and len(c.key) <= 2 and re.search(r"\d$", targets[-1].key) \
                and not re.search(r"\d", c.key):
            targets[-1] = Cell(targets[-1].text + c.text, targets[-1].line)  # 不少于12 种
        elif c.value or re.search(r"\d", c.key):
            targets.append(c)
        elif names and not targets:
            names[-1].append(c)
        else:
            return False
    k = 1
    while k < len(piece) and piece[k].text_like:
        k += 1
    triples = [piece[i:i + 3] for i in range(k, len(piece), 3)]
    numbers = [_number(n) for n in names + [piece[:k]]]
    if not names or None in numbers or numbers != sorted(set(numbers)) or len(targets) != len(triples) \
            or numbers[-1] != len(triples) or any(len(g) != 3 or not _ok_points(g[1], g[2]) for g in triples) \
            or not all(_compatible(targets[n - 1], triples[n - 1][0]) for n in numbers):
        return False
    why = "名称与数值分开印出（部分名称和全部年度指标值印在表头中），按指标序号对应，无法用分值核对"
    for cells, n in zip(names + [piece[:k]], numbers):
        g = triples[n - 1]
        t.rows.append(ReadRow(level1, level2, _text(cells), targets[n - 1].text, g[0].text, Decimal(g[1].key),
                              Decimal(g[2].key), line=cells[0].line, uncertain=why))
    for n in range(1, len(triples) + 1):
        if n not in numbers:
            g = triples[n - 1]
            t.unread.append(Unread(f"{targets[n - 1].text} {' '.join(c.text for c in g)}",
                                   f"第{n}个指标的数值，其名称未印出", g[0].line))
    return True


def _read_rows(body: list[Cell], t: TableReading, weight_first: bool, skip: set[str],
               early: list[Cell] = ()) -> None:
    names_without: list[tuple[str, str, list[Cell]]] = []
    groups: list[list[Cell]] = []
    prev_unread = False
    pending: list[tuple[str, str, list[Cell]]] = []
    pieces = _pieces(body, t, skip)
    if early and pieces and not weight_first and _numbered_run(early, pieces[0][2], *pieces[0][:2], t):
        pieces = pieces[1:]
    for level1, level2, piece in pieces:
        if all(re.fullmatch(r"(指标\d+)?[/／]*", c.key) for c in piece):
            continue  # 指标1:/ / / — a row not assessed
        rows, leftover, orphans, skipped = _match_rows(piece, weight_first)
        for cells in skipped:  # noqa: B007
            _skip(t, cells)
            prev_unread = prev_unread or not cells[0].key.startswith("其中")
        quads_here = [g for g in orphans if len(g) == 4]
        if pending and len(rows) == 1 and len(quads_here) == len(pending):
            # names printed first, then every row's values (指标24 指标25 values24 values25)
            names, target, actual, weight, score, reason = rows[0]
            groups_here = [[target, actual, weight, score]] + quads_here
            for (l1, l2, ncells), g in zip(pending + [(level1, level2, names)], groups_here):
                t.rows.append(ReadRow(l1, l2, _text(ncells), g[0].text, g[1].text, Decimal(g[2].key), Decimal(g[3].key),
                                      line=ncells[0].line, uncertain="名称先印出、数值随后印出，按顺序对应；分值相同，"
                                      "无法用分值核对"))
            names_without = [x for x in names_without if all(x is not p for p in pending)]
            orphans = [g for g in orphans if len(g) != 4]
            rows = []
        pending = []
        for names, target, actual, weight, score, reason in rows:
            row = ReadRow(level1, level2, _text(names), target.text if target else "", actual.text if actual else "",
                          Decimal(weight.key), Decimal(score.key), _text(reason), line=names[0].line if names else None)
            if prev_unread:
                row.uncertain = "紧接在未能读取的单元格之后，数值可能属于其他行"
            t.rows.append(row)
            prev_unread = False
        for g in orphans:
            groups.append(g)
        if leftover:
            if all(c.text_like for c in leftover):
                names_without.append((level1, level2, leftover))
                if not rows:
                    pending.append(names_without[-1])
            else:
                _skip(t, leftover)
                prev_unread = prev_unread or not leftover[0].key.startswith("其中")
    # a trailing pair of plain numbers among the orphans: the 总分 row's 分值 and 得分
    pairs = [g for g in groups if len(g) == 2]
    quads = [g for g in groups if len(g) == 4]
    if pairs and t.declared_total is None:
        w, s = pairs[-1]
        t.declared_weight_total, t.declared_total = Decimal(w.key), Decimal(s.key)
        t.money["total_from_orphans"] = True
    if t.truncated and names_without and pieces and names_without[-1][2] is pieces[-1][2] or (
            t.truncated and names_without and pieces and names_without[-1][2][-1] is pieces[-1][2][-1]):
        cut = names_without.pop()
        t.unread.append(Unread(_text(cut[2]), "表格在此截断，该行的数值不在文本中", cut[2][0].line))
    _place_orphans(t, names_without, quads, weight_first)


def _money_apart(cells: list[Cell], money: dict[str, Any], t: TableReading) -> None:
    """The money block of a PDF text that prints its figures right after the column labels and
    some of them further on (``jixiao.io.form_text_apart``), when the ordinary reading found none."""
    from .form_text_apart import money_apart

    apart = money_apart(cells, _dec, _DASH)
    if apart is None:
        return
    if not apart.values:
        t.money_uncertain = apart.problem
        return
    v = apart.values
    money["total"] = {k: v[k] for k in ("initial", "annual", "spent") if k in v}
    money["declared_score"], money["declared_rate"] = v["score"], v["rate"]
    for key in ("fiscal", "carryover", "other"):  # their labels are printed apart from their figures too
        money.pop(key, None)
    t.money["weight"] = v["weight"]
    t.money_uncertain = ""
    t.money_note = apart.note + "；“其中”各行的名称与数字分开印出，未读取"


def _ignored(c: Cell, skip: set[str]) -> bool:
    k = c.key
    return k in _JUNK or k in skip or bool(re.fullmatch(r"\(?\d+分\)?", k)) or bool(_ENTITY.match(k))


def _rows_apart(header: list[Cell], body: list[Cell], t: TableReading, skip: set[str]) -> bool:
    """Rows whose values are printed in one run apart from their names and headings
    (``jixiao.io.form_text_apart.rows_apart``); False when the text is not drawn so."""
    from .form_text_apart import rows_apart

    apart = rows_apart(header, body, ok_points=_ok_points, compatible=_compatible, heading1=_L1.match,
                       heading2=_L2.match, level1_of=_LEVEL1_OF, ignore=lambda c: _ignored(c, skip),
                       default_points=_DEFAULT_POINTS,
                       split_heading=lambda k: split_heading(unicodedata.normalize("NFKC", k)))
    if apart is None:
        return False
    if apart.problem:
        kept = [c for c in body if not _ignored(c, skip)]
        t.unread.append(Unread(" ".join(c.text for c in kept), apart.problem, kept[0].line if kept else None))
        return True
    if apart.points:
        t.money.setdefault("points", {}).update(apart.points)
    for r in apart.rows:
        target, actual, weight, score = r.values
        t.rows.append(ReadRow(r.level1, r.level2, r.name, target.text, actual.text, Decimal(weight.key),
                              Decimal(score.key), line=r.line, uncertain=r.uncertain))
    if apart.total and t.declared_total is None:
        w, s = apart.total
        t.declared_weight_total, t.declared_total = Decimal(w.key), Decimal(s.key)
        t.money["total_from_orphans"] = True
    return True


def _skip(t: TableReading, cells: list[Cell]) -> None:
    if cells[0].text_like and cells[0].key.startswith("其中") and all(not c.plain for c in cells[1:]):
        t.subrows.append(" ".join(c.text for c in cells))
        return
    t.unread.append(Unread(" ".join(c.text for c in cells), "单元格无法按“年度指标值、实际完成值、分值、得分”"
                           "对位（分值、得分须为数字且得分不高于分值）", cells[0].line))


def _place_orphans(t: TableReading, names: list[tuple[str, str, list[Cell]]], groups: list[list[Cell]],
                   weight_first: bool) -> None:
    """Values printed without names given to the names printed without values."""
    names = [n for n in names if not all(c.key in ("/",) for c in n[2])]
    if not groups:
        for level1, level2, cells in names:
            text = _text(cells)
            if re.fullmatch(r"[/\s]*", re.sub(r"^指标\d+[:：]?", "", text)) or _NOT_REASON.match(norm(text)):
                continue
            t.unread.append(Unread(text, "只有指标名称，没有数值（表格在此截断或数值缺失）", cells[0].line))
        return
    if len(names) != len(groups):
        for level1, level2, cells in names:
            t.unread.append(Unread(_text(cells), "名称与其数值分开印出，数目对不上，无法对应", cells[0].line))
        for g in groups:
            t.unread.append(Unread(" ".join(c.text for c in g), "数值没有对应的指标名称", g[0].line))
        return
    points = dict(_DEFAULT_POINTS)
    points.update(t.money.get("points", {}))
    placed = {heading_key(r.level1): Decimal(0) for r in t.rows}
    for r in t.rows:
        placed[heading_key(r.level1)] += r.weight
    keys = [heading_key(n[0]) for n in names]

    def consistent(order) -> bool:
        sums = dict(placed)
        for key, g in zip(keys, order):
            sums[key] = sums.get(key, Decimal(0)) + Decimal(g[2].key)
        return all(sums.get(k, Decimal(0)) == v for k, v in points.items() if k in sums or k in keys)

    orders = [p for p in itertools.permutations(range(len(groups))) if consistent([groups[i] for i in p])] \
        if len(groups) <= 7 else []
    identity = tuple(range(len(groups)))
    if identity not in orders:
        for level1, level2, cells in names:
            t.unread.append(Unread(_text(cells), "名称与其数值分开印出，按分值核对找不到一致的对应", cells[0].line))
        return
    for j, (level1, level2, cells) in enumerate(names):
        g = groups[j]
        alternatives = {orders_i[j] for orders_i in orders}
        row = ReadRow(level1, level2, _text(cells), g[0].text, g[1].text, Decimal(g[2].key), Decimal(g[3].key),
                      line=cells[0].line)
        row.uncertain = "" if len(alternatives) == 1 else "名称与数值分开印出，另有与各级分值一致的对应方式"
        t.rows.append(row)
    t.money["reordered"] = True


# --- one table -----------------------------------------------------------------------


def _header_text(cells: list[Cell]) -> str:
    return "".join(c.key for c in cells)


def _read_table(cells: list[Cell], index: int, year: int | None, file: str) -> TableReading:
    t = TableReading(index=index, project="", variant="national", layout="target-first")
    head_end = _find(cells, "主管部门", "实施单位", "项目负责人及电话", "项目资金", "资金情况", prefix=True, start=1)
    if cells[0].key == "项目名称":
        t.project = " ".join(c.text for c in cells[1:head_end]) if head_end else ""
    else:
        t.project = re.sub(r"^项目名称[:：]?", "", unicodedata.normalize("NFKC", cells[0].text)).strip()
    fields: dict[str, str] = {}
    for label, key in (("主管部门", "department"), ("实施单位", "implementer")):
        at = _find(cells, label, prefix=True)
        if at is not None and at + 1 < len(cells):
            nxt = cells[at + 1]
            # the next cell may be another label when the value is printed before its label (31)
            if not any(nxt.key.startswith(w) for w in ("实施单位", "主管部门", "项目资金", "资金情况", "全年", "年初",
                                                        "其中", "上年结转", "其他资金", "年度资金总额", "预期目标")):
                fields[key] = nxt.text
    money_at = _find(cells, "项目资金", "资金情况", prefix=True)
    total_at0 = _find(cells, "年度资金总额", prefix=True, start=money_at or 0)
    goals_at = _find(cells, "年度总体目标", "预期目标", "年初设定目标", "年度总", prefix=True,
                     start=(total_at0 or money_at or 0) + 1)
    header_at = _find(cells, "三级指标", start=money_at or 0)
    if money_at is None or header_at is None:
        t.errors.append("找不到项目资金表或三级指标表头")
        return t
    money_header = _header_text(cells[money_at:(_find(cells, "年度资金总额", prefix=True) or money_at + 12)])
    money_cells = cells[money_at:goals_at if goals_at and goals_at > money_at else header_at]
    # the indicator header: from 绩效指标 / 一级指标 up to the first heading or row
    header_from = _find(cells, "绩效指标", "一级指标", "一级", start=(goals_at or money_at)) or header_at
    header_from = min(header_from, header_at)
    body_from = header_at + 1
    while body_from < len(cells) and (cells[body_from].key in _JUNK or cells[body_from].key in (
            "指标值", "完成值", "实际", "年度", "度量单位", "指标性质", "年初设定目标")):
        body_from += 1
    head = _header_text(cells[header_from:body_from])
    wide = head + _header_text(cells[body_from:body_from + 30])
    t.layout = "weight-first" if re.search(r"分值(年度指标值|年度|全年实际值)", head) else "target-first"
    t.variant = "yunnan" if "指标性质" in wide or "度量单位" in wide else "national"
    # the 总分 row
    end = len(cells)
    total_at = None
    for i in range(body_from, len(cells)):
        if cells[i].key in _TOTAL or cells[i].key.startswith(("总分", "合计")):
            total_at, end = i, i
            break
    if total_at is not None:
        after = [c for c in cells[total_at + 1:total_at + 4] if c.plain]
        if len(after) >= 2:
            t.declared_weight_total, t.declared_total = Decimal(after[0].key), Decimal(after[1].key)
        elif len(after) == 1:
            t.errors.append(f"总分行只有一个数字“{after[0].text}”，不能确定是分值还是得分，未作总分核对")
    else:
        t.truncated = True
    # a flattened sheet can print the 年初预算数 column's label just before 项目资金 (16)
    money = _money(money_cells, t, money_header + _header_text(cells[max(money_at - 3, 0):money_at + 3]))
    if all(v is None for v in money.get("total", {}).values()):
        _money_apart(cells[:header_at], money, t)
    skip = {norm(v) for v in (t.project, *fields.values()) if v}
    # row names printed inside the indicator header (a flattened sheet, 16)
    first_name = next((i for i in range(header_from, header_at) if _MARKER.match(cells[i].key)), None)
    early = cells[first_name:header_at] if first_name is not None else []
    if not _rows_apart(cells[header_from:body_from], cells[body_from:end], t, skip):
        _read_rows(cells[body_from:end], t, t.layout == "weight-first", skip, early)
    if total_at is None and t.money.get("total_from_orphans"):
        t.truncated = False
    # a copy cut in its indicator header (names printed, none of their values): only the money row
    money_only = not t.rows and "declared_score" in money and not t.money_uncertain \
        and not any(c.value for c in cells[body_from:end])
    if money_only:
        t.truncated = True
    data: dict[str, Any] = {
        "variant": t.variant, "year": year or 2000, "project": t.project or "（项目名称未读出）",
        "department": fields.get("department", ""), "implementer": fields.get("implementer", ""),
        "money": money, "declared_total": t.declared_total, "loc": {"file": file, "line": None},
        "indicators": [{"level1": r.level1, "level2": r.level2, "name": r.name, "target": _target_text(r.target),
                        "actual": _verdict_text(r), "weight": r.weight, "score": r.score,
                        "reason": r.reason, "loc": {"file": file, "line": r.line}} for r in t.rows],
    }
    if year is None:
        t.errors.append("未能读出年度")
    if not t.rows and not money_only:
        t.errors.append("未读出任何指标行")
        return t
    points = t.money.get("points", {})
    # heading points as printed; a heading printed without points takes its rows' sum, so the
    # audit does not report points the table never states (the 100-point total still checks)
    sums: dict[str, Decimal] = {}
    for r in t.rows:
        sums[heading_key(r.level1)] = sums.get(heading_key(r.level1), Decimal(0)) + r.weight
    group = {f"{k}指标": v for k, v in points.items()}
    order = list(_DEFAULT_POINTS)
    last = heading_key(t.rows[-1].level1) if t.rows else None
    cut = order.index(last) if t.truncated and last in order else 0 if t.truncated and last is None else len(order)
    for n, key in enumerate(order):
        if key not in points or n >= cut:  # not printed, or its rows may be cut by the end of the text
            group[f"{key}指标"] = sums.get(key, Decimal(0))
    data["group_points"] = {k: v for k, v in group.items() if _DEFAULT_POINTS.get(heading_key(k)) != v}
    try:
        form = ProjectForm.model_validate(data)
        build(form)
    except ValidationError as exc:
        t.errors.extend(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return t
    except ProjectFormError as exc:
        t.errors.extend(p.message for p in exc.problems)
        return t
    t.form = form
    return t


def _verdict_text(r: ReadRow) -> str:
    """实际完成值 for the form; a 定性 row whose 实际完成值 repeats its 年度指标值 word for word
    states the target reached: read as 达成 (the printed text kept in brackets)."""
    actual = _actual_text(r.actual, r.target)
    target = _target_text(r.target)
    if actual and actual == target and Target.model_validate(target).value is None \
            and not actual.startswith(("达成", "完成", "达到")):
        if not r.uncertain:
            r.note = "实际完成值与年度指标值相同，按“达成”计"
        return f"达成（{r.actual}）"
    return actual


def _actual_text(actual: str, target: str) -> str:
    """实际完成值 as the form reads it: ``≥80%`` printed as the actual of a ``≥80%`` target is 80%."""
    text = _target_text(actual)
    if text in _DASH:
        return ""
    m = re.fullmatch(rf"[≥≤=><]({_NUM}.*)", text)
    return m[1] if m else text


def _year(text: str) -> int | None:
    k = unicodedata.normalize("NFKC", text)
    m = re.search(r"(20\d{2})\s*年度", k) or re.search(r"\(\s*(20\d{2})\s*年", k) or re.search(r"(20\d{2})\s*年", k)
    return int(m[1]) if m else None


# --- entry points --------------------------------------------------------------------


def read_form_text(text: str, file: str, year: int | None = None) -> FormTextDiagnosis:
    """Every standard project form in the text, read as far as its cells can be placed
    (``year`` when given overrides the year read from the text, as ``jixiao audit --year``)."""
    key = norm(text)
    ok, why = _looks_like(key)
    if not ok:
        return FormTextDiagnosis(file, False, why)
    cells = cells_of(text)
    if run_together(text):
        cells = _join_headings(_join_targets([Cell(c, 1) for c in split_cells(text)]))
    segments = [s for s in _segments(cells) if _find(s, "三级指标") is not None]
    if not segments:
        why = ("单元格连在一起、没有分隔（数字与文字相连，如“分值10≥266米”），无法分开各单元格，未读取任何行"
               if run_together(text) else "找不到“项目名称”开始的表格及其三级指标表头")
        return FormTextDiagnosis(file, True, why)
    diag = FormTextDiagnosis(file, True)
    first_year, year_given = _year(text), year
    lines = text.splitlines()
    for n, seg in enumerate(segments, 1):
        line = seg[0].line
        before = "\n".join(lines[max(0, line - 4):line]) + " " + " ".join(c.text for c in seg[:40])
        year = _year(before) or first_year if year_given is None else year_given
        t = _read_table(seg, n, year, file)
        if len(seg) < 30 and not t.rows:
            continue
        diag.tables.append(t)
    if run_together(text) and not any(t.rows for t in diag.tables):
        diag.reason = "单元格连在一起、没有分隔（数字与文字相连），无法分开各单元格"
        for t in diag.tables:
            t.errors.append(diag.reason)
    return diag


def published_form_text(text: str, file: str, year: int | None = None) -> PublishedFile | None:
    """The text's project forms as one PublishedFile (one table per form), or None when the
    text is not the standard 项目支出绩效自评表 or no form in it could be rebuilt. Rows and
    money cells the reader could not place are listed in ``errors`` (never a silent result);
    rows whose cells could belong elsewhere carry low input confidence."""
    diag = read_form_text(text, file, year)
    return published_from(diag)


def published_from(diag: FormTextDiagnosis) -> PublishedFile | None:
    tables, narrative, errors = [], [], []
    first = None
    for t in diag.tables:
        if t.form is None:
            continue
        own = form_as_published(t.form, diag.file)
        first = first or own
        for table in own.tables:
            rows = []
            unverified: list[str] = []
            for row in table.rows:
                read = next((r for r in t.rows if r.name == row.name), None)
                doubt = read.uncertain if read else (t.money_uncertain if row.code == "F1" else "")
                if row.code == "F1" and t.money_note and not doubt:
                    row = replace(row, input_note=f"{row.input_note}；{t.money_note}")
                if read and not doubt and not read.target.strip() and not read.actual.strip():
                    # nothing to score by: the declared score is kept and the row listed as unverified
                    unverified.append(row.code)
                    row = replace(row, input_confidence="low", verified=False,
                                  input_note=f"年度指标值和实际完成值均未印出；{UNVERIFIED}")
                    rows.append(row)
                    continue
                if read and read.note and not doubt:
                    row = replace(row, input_note=f"{row.input_note}；{read.note}")
                if doubt:
                    row = replace(row, input_confidence="low", input_note=f"{row.input_note}；{doubt}")
                rows.append(row)
            total = t.declared_total if not t.truncated else None
            doubtful = {r.code for r in rows if r.input_confidence != "high"} - set(unverified)
            # an unverified row keeps the finding that its 年度指标值 is missing; its score cannot be checked
            kept_unverified = {f for f in getattr(table, "form_findings", ())
                               if f.code in unverified and f.kind != "target-missing"}
            kept = tuple(f for f in getattr(table, "form_findings", ())
                         if f.code not in doubtful and f not in kept_unverified)
            for f in getattr(table, "form_findings", ()):
                if f.code in doubtful:  # the row's cells may belong elsewhere: a note, not a high-confidence finding
                    errors.append(LoadError(diag.file, None, f.code, f"（读取不确定，仅供参考）{f.title}：{f.message}"))
            evaluation = table.evaluation
            update: dict[str, Any] = {}
            places = _places(t)
            if places is not None:  # scores printed in whole points (or 0.1): the rules round as printed
                update["places"] = places
            if t.truncated:  # only the rows present: no check of a 100-point total that is not there
                update["total"] = sum((r.weight for r in table.rows), Decimal(0))
            if update:
                framework = evaluation.framework.model_copy(update=update)
                evaluation = evaluation.model_copy(update={"framework": framework})
            if unverified:
                inputs = dict(evaluation.inputs)
                for code in unverified:
                    item = inputs[code]
                    inputs[code] = item.model_validate({**item.model_dump(exclude_none=True, exclude={"override"}),
                                                        "override": {"score": item.declared, "reason": UNVERIFIED}})
                evaluation = evaluation.model_copy(update={"inputs": inputs})
            tables.append(replace(table, index=len(tables) + 1, rows=tuple(rows), declared_total=total,
                                  evaluation=evaluation,
                                  declared_weight_total=t.declared_weight_total, form_findings=kept))
        narrative.extend(own.narrative)
        errors.extend(own.errors)
    if first is None:
        return None
    errors.extend(LoadError(diag.file, None, "", m) for m in diag.messages())
    return replace(first, tables=tuple(tables), narrative=tuple(narrative), errors=tuple(errors))


def _places(t: TableReading) -> int | None:
    """The decimal places the table prints its 得分 in (10.00 and 9.00 count as whole points)."""
    scores = [r.score for r in t.rows]
    declared = t.form.money.declared_score if t.form else None
    if declared is not None:
        scores.append(declared)
    if not scores:
        return None
    return max(max(0, -s.normalize().as_tuple().exponent) for s in scores)


def diagnose(text: str, file: str, year: int | None = None) -> list[LoadError]:
    """What the reader could not place, as located notes for the audit: empty when the text is
    not a project form (the generic reader then speaks) or when every cell was placed; else one
    note per unread row, uncertain row, money block problem and truncation, each naming the
    table (第N张自评表（项目）) and the text not read."""
    diag = read_form_text(text, file, year)
    if not diag.looks_like_form:
        return []
    return [LoadError(file, None, "", m) for m in diag.messages()]
