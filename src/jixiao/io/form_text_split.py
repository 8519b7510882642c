"""Cells of a form whose text has no separators at all (``安装坡面水标尺10≥266米≥266米10``).

Document-sharing sites often give a table's text with every cell run together. This module
cuts such text back into cells, and only where the cut is certain:

* at the form's own labels (项目名称, 年度资金总额, 三级指标, 数量指标, 产出指标（70分）…);
* around values: a number with its comparator and a unit of the list below;
* a text printed twice in a row (``显著提升显著提升``: 年度指标值 = 实际完成值) is cut in halves;
* a value followed by its own end (``1020万元`` then ``20万元``) is 分值 10 + 年度指标值 20万元;
* a run of digits after a row's 年度指标值/实际完成值 or after 总分 (``2018``, ``100100``) is
  分值 + 得分 when exactly one cut gives 0 ≤ 得分 ≤ 分值 ≤ 100 without leading zeros;
* the 年度资金总额 figures (``202010100.00%10``) when exactly one cut gives 全年预算数,
  全年执行数, 分值 10 or 20 and an 执行率 equal to 执行数 ÷ 预算数 (within rounding).

Anything else stays one cell, so the row reader reports it as unread rather than guessing.
"""

from __future__ import annotations

import re
from decimal import Decimal

_LABELS = [
    "项目名称", "项目负责人及电话", "主管部门", "实施单位", "资金情况(万元)", "项目资金(万元)", "项目资金 (万元)", "项目资金",
    "全年预算数(A)", "全年执行数(B)", "年初预算数", "全年预算数", "全年执行数", "全年执行", "执行率(B/A)", "执行率",
    "年度资金总额:", "年度资金总额", "其中:本年财政拨款", "其中:当年财政拨款", "上年结转资金", "其他资金", "年度总体目标完成情况综述",
    "年度总体目标", "年度 总体 目标", "年初设定目标", "预期目标", "实际完成情况", "绩效指标", "绩 效 指 标", "一级指标", "二级指标",
    "三级指标", "年度指标值", "年度 指标值", "全年实际值", "实际完成值", "实际 完成值", "未完成原因及拟采取的改进措施",
    "偏差原因分析 及改进措施", "偏差原因分析及改进措施", "分 值", "得 分", "分值", "得分", "总分", "……",
]
_HEADING = (r"(?:产出|效益|满意度)指标(?:\(\d+分\))?|(?:数量|质量|时效|成本|经济效益|社会效益|生态效益|可持续影响)"
            r"\s?指标|服务对象\s?满意度指\s?标|服务对象满意度指标|指标\d+[:：]")
_UNITS = "%|万元|厘米|公里|米|人次|人|个|件|次|户|亩|元|篇|天|台|项|份"
_VALUE = re.compile(rf"(?:[≥≤=><]=?)?\d+(?:\.\d+)?(?:{_UNITS})?")
_LABEL_RE = re.compile("(" + "|".join(re.escape(x) for x in sorted(_LABELS, key=len, reverse=True)) + "|" + _HEADING + ")")


def run_together(text: str) -> bool:
    """Whether the text gives a table's cells with (almost) no separators."""
    longest = max((len(line) for line in text.splitlines()), default=0)
    separators = len(re.findall(r"[ \t|\u3000]+", text))
    return longest > 250 and separators < len(text) / 15


def _plain(s: str) -> bool:
    return bool(re.fullmatch(r"\d+(?:\.\d+)?", s))


def _number_ok(s: str) -> bool:
    return bool(s) and (s == "0" or not s.startswith("0") or s.startswith("0.")) and _plain(s)


def points_split(digits: str) -> tuple[str, str] | None:
    """``2018`` → (20, 18): the only cut with 0 ≤ 得分 ≤ 分值 ≤ 100, or None."""
    found = []
    for i in range(1, len(digits)):
        w, s = digits[:i], digits[i:]
        if _number_ok(w) and _number_ok(s) and Decimal(s) <= Decimal(w) <= 100 and Decimal(w) > 0:
            found.append((w, s))
    return found[0] if len(found) == 1 else None


def money_split(digits: str, rate: str) -> tuple[str, str, str] | None:
    """``202010`` with 执行率 100.00 → (20, 20, 10): 全年预算数, 全年执行数, 分值, the only cut whose
    执行数 ÷ 预算数 matches the 执行率 and whose 分值 is 10 or 20."""
    found = []
    r = Decimal(rate)
    for i in range(1, len(digits) - 1):
        for j in range(i + 1, len(digits)):
            a, b, w = digits[:i], digits[i:j], digits[j:]
            if not all(_number_ok(x) for x in (a, b, w)) or w not in ("10", "20") or Decimal(a) <= 0:
                continue
            if abs(Decimal(b) / Decimal(a) * 100 - r) <= Decimal("0.5"):
                found.append((a, b, w))
    return found[0] if len(found) == 1 else None


def split_cells(text: str) -> list[str]:
    """The cells of run-together text (see the module docstring)."""
    out: list[str] = []
    text = re.sub(r"(^|\n)\d+、", "", text)  # page numbers of a document preview (“2、”)
    for part in _LABEL_RE.split(text.replace("\n", "")):
        if not part or not part.strip():
            continue
        if _LABEL_RE.fullmatch(part):
            out.append(part.replace(" ", ""))
            continue
        pos = 0
        for m in _VALUE.finditer(part):
            if m.start() > pos:
                out.append(part[pos:m.start()].strip())
            out.append(m.group())
            pos = m.end()
        if pos < len(part):
            out.append(part[pos:].strip())
    return _repair([c for c in out if c])


def _repair(cells: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(cells):
        c = cells[i]
        nxt = cells[i + 1] if i + 1 < len(cells) else ""
        half = len(c) // 2
        if len(c) >= 4 and len(c) % 2 == 0 and c[:half] == c[half:] and not _VALUE.fullmatch(c):
            out += [c[:half], c[half:]]  # 年度指标值 = 实际完成值, printed run together
        elif out and out[-1].startswith("年度资金总额") and re.fullmatch(r"\d+(\.\d+)?%", c) and len(c) > 7:
            # 年度资金总额 预算 执行 分值 执行率 run together: the one cut that adds up
            cuts = set()
            for m in re.finditer(r"(?=((?:100|[1-9]?\d)(?:\.\d+)?)%$)", c):
                head, rate = c[:m.start()], m.group(1)
                if head and re.fullmatch(r"\d+", head) and c[m.start():] == rate + "%":
                    cut = money_split(head, rate)
                    if cut:
                        cuts.add((*cut, rate + "%"))
            out += list(cuts.pop()) if len(cuts) == 1 else [c]
        elif out and out[-1].startswith("其中") and re.fullmatch(r"\d+(\.\d+)?%?", c):
            # 其中 row: the same amounts printed twice or three times (2020, 303030100%)
            rate = re.search(r"(100|[1-9]?\d)(\.\d+)?%$", c)
            head = c[:rate.start()] if rate else c
            for k in (3, 2):
                if head and len(head) % k == 0 and head == head[:len(head) // k] * k:
                    out += [head[:len(head) // k]] * k + ([rate.group()] if rate else [])
                    break
            else:
                out.append(c)
        elif nxt and re.fullmatch(r"\d{3,6}", nxt) and not _VALUE.fullmatch(c) and _doubled_tail(c):
            name, value = _doubled_tail(c)
            out += ([name] if name else []) + [value, value]
        elif nxt and _VALUE.fullmatch(nxt) and c.endswith(nxt) and _plain(c[:-len(nxt)] or "x") \
                and _number_ok(c[:-len(nxt)]) and Decimal(c[:-len(nxt)]) <= 100:
            out += [c[:-len(nxt)], nxt]  # 分值 + 年度指标值 run together, 实际完成值 the same
        elif re.fullmatch(r"\d{3,6}", c) and Decimal(c) > 100 and out and (
                out[-1] == "总分" or (len(out) >= 2 and _pair(out[-2], out[-1]))):
            cut = points_split(c)
            out += list(cut) if cut else [c]
        else:
            out.append(c)
        i += 1
    return out


def _doubled_tail(text: str) -> tuple[str, str] | None:
    """``服装质量等合格合格`` → (服装质量等, 合格): a name followed by 年度指标值 = 实际完成值."""
    for n in range(min(8, len(text) // 2), 1, -1):
        if text[-n:] == text[-2 * n:-n]:
            return text[:-2 * n].strip(), text[-n:]
    return None


def _pair(a: str, b: str) -> bool:
    """Two cells that read as a row's 年度指标值 and 实际完成值."""
    return a == b or (bool(_VALUE.fullmatch(a)) and bool(_VALUE.fullmatch(b)))
