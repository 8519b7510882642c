"""A 项目支出绩效自评表 copied one row a line with the cells of each row run together.

A re-publishing page keeps the form's rows as lines but drops what separated the cells:
``产出指标数量指标项目计划完成率100%100%1515`` (一级, 二级, 三级指标, 年度指标值, 实际完成值, 分值
15, 得分 15), ``时效指标项目完成及时性及时较及时77受进度影响拖延`` (…, 及时 | 较及时 | 7 | 7 |
偏差原因), ``年度资金总额145000000.00145000000.00145000000.0010100.0%10``. A line is read only
where one cut fits:

* 分值 and 得分 are the run of digits after the values, cut where 得分 ≤ 分值 ≤ 100 with no
  leading zeros — when exactly one cut does;
* the values are two numbers (``100%80%``, ``>80%>70%``), or a word and the same word again,
  bare or qualified (``有效有效``, ``及时较及时``, ``达标基本达标``);
* the money line's amounts are cut after their two decimals, then 分值, 执行率 (with %) and 得分.

Lines that do not fit are named, not guessed. The rows come back under the form's own header
(``jixiao.io.flat_form.HEADER``), marked as re-cut (``#连续文字``), so the ordinary reader scores
them by the form's generic rules with findings at most of medium confidence.
"""

from __future__ import annotations

import re
from decimal import Decimal

from jixiao.core.model import SourceRef
from jixiao.io.published.columns import FORM_LEVEL1, FORM_LEVEL2

_HEADER = re.compile(r"三级指标(?:年度)?指标值实际完成值分值得分")
_HEADING = re.compile(r"^(?:[\u4e00-\u9fff]{2,8}?指标)+")
_NUMBER_VALUE = r"[≥≤><=≧≦＞＜]*\d+(?:\.\d+)?%?"
_TWO_NUMBERS = re.compile(rf"(?P<t>{_NUMBER_VALUE})(?P<a>{_NUMBER_VALUE})$")
_QUALIFIERS = ("", "较", "基本", "部分", "未", "不", "比较")
_MONEY = re.compile(r"年度资金总额[:：]?(?P<amounts>(?:\d+\.\d{2}){2,3})(?P<rest>\d+(?:\.\d+)?%\d+(?:\.\d+)?)$")


def _points(digits: str) -> tuple[str, str] | None:
    """(分值, 得分) of their run-together digits, when exactly one cut fits."""
    cuts = []
    for i in range(1, len(digits)):
        w, s = digits[:i], digits[i:]
        if any(x.startswith("0") and x != "0" and not x.startswith("0.") for x in (w, s)) \
                or any(x.startswith(".") or x.endswith(".") or x.count(".") > 1 for x in (w, s)):
            continue
        if Decimal(s) <= Decimal(w) <= 100:
            cuts.append((w, s))
    return cuts[0] if len(cuts) == 1 else None


def _values(text: str) -> tuple[str, str, str] | None:
    """(name, 年度指标值, 实际完成值) of the text before the 分值, when one cut fits."""
    if m := _TWO_NUMBERS.search(text):
        name = text[:m.start()]
        if name and not name[-1].isdigit():
            return name, m["t"], m["a"]
        return None
    found = []
    for size in range(1, 9):  # a word and the same word again: 有效有效, 及时较及时
        for q in _QUALIFIERS:
            if len(text) < 2 * size + len(q) + 2:
                continue
            word = text[-size:]
            if text.endswith(word + q + word) and re.fullmatch(r"[\u4e00-\u9fff]+", word):
                name = text[:-(2 * size + len(q))]
                found.append((name, word, q + word))
    found = [f for f in found if f[0]]
    # the longest word wins only if no other reading leaves the same name (达标基本达标: 达标 | 基本达标)
    return max(found, key=lambda f: len(f[1])) if len({f[0] for f in found}) == 1 or len(found) == 1 else None


def line_rows(text: str, file: str) -> tuple[list, list[str]]:
    """(rows, notes) of a form whose rows are lines with their cells run together, or ([], [])
    when the text has no such header line."""
    from jixiao.io.flat_form import HEADER, MONEY_HEADER, cut_after_money
    from jixiao.io.published import Row

    lines = [re.sub(r"\s+", "", l) for l in text.splitlines()]
    at = next((i for i, l in enumerate(lines) if _HEADER.search(l)), None)
    cut = at is None  # a copy ending after its 项目资金 block: the 执行率 row, and a cut for the rest
    if cut and not any(_MONEY.search(l) for l in lines) or cut and "三级指标" in "".join(lines):
        return [], []
    rows, notes = [], []
    where = SourceRef(file=f"{file}#连续文字", line=1)
    money = next((m for l in lines[:at] if (m := _MONEY.search(l))), None)
    if money is not None:
        amounts = re.findall(r"\d+\.\d{2}", money["amounts"])
        head, score = money["rest"].split("%")
        # 分值 then 执行率: ``10100.0`` is 10 | 100.0 (1 | 0100.0 leads with 0; 101 | 00.0 too), 得分 ≤ 分值 ≤ 100
        cuts = [(head[:i], head[i:]) for i in range(1, len(head))
                if not head[i:].startswith(("0", ".")) or head[i:].startswith("0.")]
        cuts = [(w, r) for w, r in cuts if "." not in w and Decimal(score) <= Decimal(w) <= 100 and Decimal(r) <= 1000]
        if len(cuts) == 1:
            initial, annual, spent = ([""] + amounts)[-3:]
            w, rate = cuts[0]
            rows += [Row(MONEY_HEADER, where), Row(["年度资金总额", initial, annual, spent, w, rate + "%", score], where)]
        else:
            notes.append(f"项目资金表年度资金总额一行“{money[0]}”的分值、执行率、得分无法唯一分开，未读取")
    rows.append(Row(HEADER, where))
    if cut:
        if len(rows) < 3:
            return [], notes
        return rows[:-1] + cut_after_money(where), notes
    levels = ["", ""]
    read = 0
    for n, line in enumerate(lines[at + 1:], at + 2):
        if not line:
            continue
        if line.startswith("总分"):
            total = re.match(r"总分[:：]?(\d+(?:\.\d+)?)$", line)
            if total:
                rows.append(Row(["总分", "", "", "", "", "", total[1], ""], SourceRef(file=f"{file}#连续文字", line=n)))
            break
        m = re.search(r"(?<=[%\u4e00-\u9fff\)）])(\d+(?:\.\d+)?\d*)(?P<reason>[^\d]*)$", line)
        points = _points(m[1]) if m else None
        values = _values(line[:m.start()]) if m and points else None
        if values is None:
            notes.append(f"第{n}行“{line[:40]}”的各格无法唯一分开，未读取")
            continue
        name, target, actual = values
        heads = _HEADING.match(name)
        if heads:
            for h in re.findall(r"[\u4e00-\u9fff]{2,8}?指标", heads[0]):
                # a 二级 heading of the form goes under the current 一级; any other (产出指标, or an agency's
                # own 长效管理指标) opens a 一级
                if h in FORM_LEVEL2:
                    levels[1] = h
                else:  # a 一级 printed without a 二级 of its own stands as its own 二级 (not a heading from a later page)
                    levels = [h, "" if h in FORM_LEVEL1 else h]
            name = name[heads.end():]
        if not name:
            notes.append(f"第{n}行“{line[:40]}”未印出指标名称，未读取")
            continue
        w, s = points
        rows.append(Row([*levels, name, target, actual, w, s, m["reason"]], SourceRef(file=f"{file}#连续文字", line=n)))
        read += 1
    if not read:
        return [], notes
    notes.insert(0, "表格每行的单元格已连在一起（如“项目计划完成率100%100%1515”），按“三级指标、年度指标值、实际完成值、"
                    "分值、得分”的列序重新切分；只取唯一可分的读法，发现的可信度不标为高")
    return rows, notes


def form_line_rows(text: str, file: str) -> tuple[list, list[str]]:
    """``line_rows`` for each form of the text (each starts at its 项目名称), one after another."""
    from jixiao.io.published import Line

    starts = [m.start() for m in re.finditer(r"项\s*目\s*名\s*称", text)] or [0]
    starts[0] = 0
    out: list = []
    said: list[str] = []
    for k, (a, b) in enumerate(zip(starts, starts[1:] + [len(text)]), 1):
        rows, notes = line_rows(text[a:b], file)
        said += [f"第{k}张自评表：{m}" for m in notes] if len(starts) > 1 else notes
        if rows:
            if out:
                out.append(Line("项目名称", SourceRef(file=f"{file}#连续文字")))  # the next form
            out.extend(rows)
    return out, said
