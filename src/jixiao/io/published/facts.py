"""Whole-file facts: the year and the unit of a published file, the kind of table."""

from __future__ import annotations

import re
from decimal import Decimal


def detect_year(text: str) -> int | None:
    """The evaluation year: a year in a title (2023年度…绩效), the 评价时段, or the most cited
    year overall."""
    scores: dict[int, int] = {}
    head = "\n".join(text.splitlines()[:15])
    for m in re.finditer(r"(20\d\d)\s*年度?[^\n]{0,40}?(?:绩效|自评|评价)", head):
        scores[int(m[1])] = scores.get(int(m[1]), 0) + 10
    for m in re.finditer(r"自评表\s*[(（]?\s*(20\d\d)\s*年度", text):
        # the form's own year line under its title (``财政项目支出绩效自评表`` ⏎ ``2020年度``), over the
        # year of the page publishing it (``九亭镇2021年预算绩效评价结果公开``)
        scores[int(m[1])] = scores.get(int(m[1]), 0) + 15
    for m in re.finditer(r"评价(?:时段|期间|年度|对象)[^\n]{0,30}?(20\d\d)\s*年", text):
        scores[int(m[1])] = scores.get(int(m[1]), 0) + 10
    for m in re.finditer(r"(20\d\d)\s*年(度)?", text):
        scores[int(m[1])] = scores.get(int(m[1]), 0) + (2 if m[2] else 1)
    if not scores:
        return None
    return max(scores, key=lambda y: (scores[y], y))


_HEADER_TOTAL_RE = re.compile(r"自评(?:总分|得分)\s*(?:[(（]\s*分\s*[)）])?\s*[:：]?\s*(\d{1,3}(?:\.\d{1,2})?)(?![\d.%])")


def header_total(text: str) -> Decimal | None:
    """A 自评总分 / 自评得分 printed in a table's header block (Chongqing ``自评总分(分)97.6``, Hubei
    ``自评总分: 95``), when the text prints exactly one such figure of at most 100."""
    found = {Decimal(m[1]) for m in _HEADER_TOTAL_RE.finditer(text)}
    found = {x for x in found if 0 < x <= 100}
    return found.pop() if len(found) == 1 else None


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
