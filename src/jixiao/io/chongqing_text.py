"""The Chongqing 部门整体绩效自评表 in text whose cells have run together (a Word preview):
``自评总分(分)97.6 … 执行率(%)执行率权重执行率得分(分)76%107.6 … 指标名称计量单位指标性质年初指标值
调整指标值全年完成值得分系数(%)指标权重(分)指标得分(分)是否核心指标 财政供养人员控制率%定量指标100%92%100%22否 …``.

Each indicator row ends with 得分系数 (a percentage), 指标权重 and 指标得分 run together, and 是/否
(是否核心指标). Only what can be cut with certainty is read: 权重 and 得分 are taken when their
digits split one way only — the 得分 is 系数 × 权重, so ``100%22`` is 2 and 2 and ``100%1010`` 10
and 10 — and the row's 年初指标值 / 全年完成值 only when they are clean values (``100%``, ``2859篇``,
``高``); a row whose digits do not split so is left unread and named. The rows come out as
``jixiao.io.published.Row``s under the generic header, marked as re-cut (``#连续文字``) so that
their findings are at most medium; the 自评总分 is kept as the declared total only when the table
is printed to its end (this reader never sees the end: the text is cut, so it is not checked).
"""

from __future__ import annotations

import re
from decimal import Decimal

from jixiao.core.model import SourceRef

_HEADER_RE = re.compile(r"指标名称计量单位指标性质.{0,40}?是否核心指标")
_ROW_END = re.compile(r"(?P<coef>\d{1,3}(?:\.\d+)?)%(?P<ws>\d{2,6}(?:\.\d+)?)(?P<core>是|否)")
_VALUE = r"(?:\d+(?:\.\d+)?%|\d+(?:\.\d+)?[次份篇人个项]|0|高|好|中|低|优|良|是|否)"
_NATURE = re.compile(r"(?:定量指标|定性指标|性标定指|标定指)")
_UNIT = re.compile(r"(?:%|次|份|篇|人|个|项|tot扁)$")
_EXEC_RE = re.compile(r"执行率\(%\)执行率权重执行率得分\(分\)\D{0,3}?(?P<rate>\d+(?:\.\d+)?)%(?P<ws>\d+(?:\.\d+)?)")


def looks_like_chongqing(text: str) -> bool:
    return bool(_HEADER_RE.search(text)) and "得分系数" in text


def _split(coef: Decimal, digits: str) -> tuple[str, str] | None:
    """权重 and 得分 from their run-together digits: the one cut where 得分 = 系数 × 权重."""
    cuts = []
    for k in range(1, len(digits)):
        w, s = digits[:k], digits[k:]
        if w.startswith("0") or (s.startswith("0") and not s.startswith("0.")) or "." in w:
            continue
        if Decimal(w) * coef / 100 == Decimal(s):
            cuts.append((w, s))
    return cuts[0] if len(cuts) == 1 else None


def chongqing_rows(text: str, file: str):
    """(rows, notes): the published reader's rows, or ([], []) when the text is not this table."""
    from jixiao.io.flat_form import HEADER
    from jixiao.io.published import Row

    if not looks_like_chongqing(text):
        return [], []
    where = SourceRef(file=f"{file}#连续文字", line=1)
    notes: list[str] = []
    rows = [Row(HEADER, where)]
    flat = re.sub(r"\s+", "", text)
    flat = re.sub(r"(?<=[\u4e00-\u9fff%])\d、", "", flat)  # the preview's page marks (“2、”)
    if (m := _EXEC_RE.search(flat)) is not None:
        cut = _split(Decimal(m["rate"]), m["ws"])
        if cut:
            rows.append(Row(["预算执行", "", "预算执行率", "", f"{m['rate']}%", cut[0], cut[1], ""], where))
        else:
            notes.append(f"执行率一栏“{m['rate']}%{m['ws']}”的执行率权重与执行率得分无法分开，未读取")
    header = _HEADER_RE.search(flat)
    body = flat[header.end():]
    start = 0
    for end in _ROW_END.finditer(body):
        piece = body[start:end.start()]
        start = end.end()
        piece = piece.replace("绩效指标", "")
        cut = _split(Decimal(end["coef"]), end["ws"])
        values = re.search(rf"(?P<t>{_VALUE})?(?P<a>{_VALUE})?$", piece)
        head = piece[:values.start()] if values else piece
        head = _NATURE.sub("", head)
        name = _UNIT.sub("", head).strip("“”\"")
        if not name or cut is None:
            notes.append(f"“{piece[:30]}”一行的权重与得分（“{end['coef']}%{end['ws']}”）无法确定，未读取")
            continue
        target = values["t"] or "" if values else ""
        actual = values["a"] or "" if values else ""
        before = piece[values.start() - 1] if values and values.start() else ""
        if re.match(r"\d", target) and before not in "%次份篇人个项指标扁":
            target = ""  # ``到0次``: the target's sign or first digit lost (OCR)
        if not target or not actual:
            target = actual = ""  # a value missing or unreadable (OCR): neither is taken
            if (garbled := re.match(r"^(.+?)[%次份篇人个项](?:到|第|tot)", head)) is not None:
                name = garbled[1].strip("“”\"")  # 组织宣传活动次数|次|到0次: the name before its unit
        rows.append(Row(["", "", name, target, actual, cut[0], cut[1], ""], where))
    if len(rows) == 1:
        return [], notes
    if (rest := body[start:].strip()) and not re.search(r"合计|总分", rest):
        # the text ends inside a row: a cut row (the published reader checks only the rows before it)
        rows.append(Row(["", "", rest[:40], "", "", "", "", ""], where))
    notes.append("表格的单元格已并成连续文字（重庆部门整体绩效自评表），按“得分系数、指标权重、指标得分、是否核心指标”的"
                 "列序重新切分读取；读数有选择，发现的可信度不标为高；文本在表格中途中断，自评总分不核查")
    return rows, notes
