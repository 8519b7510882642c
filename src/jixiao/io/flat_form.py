"""A 项目支出绩效自评表 whose cells were flattened into a run of words and numbers.

Text copied from a web page or a PDF preview loses the table: ``… 数量指标 指标1:服务对象人数
100人次 100人次 15 15 质量指标 服务达标率 80% 80% 20 20 …``. The national form's row order is
fixed — 三级指标, 年度指标值, 实际完成值, 分值, 得分, 偏差原因 — so the rows can be found again
where two numbers (分值, 得分) follow two values (年度指标值, 实际完成值), with the 一级/二级
headings in the words before them; the 项目资金 line (年度资金总额 a b c 分值 执行率 得分) and
总分 are found by their labels. The rows come back as table rows under the form's own header,
so the ordinary reader (``jixiao.io.published``) scores them with the form's generic rules.

Only a reading: rows whose values were printed out of order are not recovered (the audit
says how many rows it read), and findings on them are never of high confidence.
"""

from __future__ import annotations

import re

from jixiao.core.model import SourceRef
from jixiao.io.published.columns import FORM_LEVEL1_WORDS, FORM_LEVEL2_WORDS

HEADER = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
MONEY_HEADER = ["", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]

_NUM = re.compile(r"^\d+(?:\.\d+)?$")
_RATE = re.compile(r"^\d+(?:\.\d+)?%$")
_LEVEL1 = re.compile(rf"({'|'.join(FORM_LEVEL1_WORDS)})指标(?:\(\d+(?:\.\d+)?分\))?")
_LEVEL2 = re.compile(rf"({'|'.join(FORM_LEVEL2_WORDS)})指标")
_VALUE_WORDS = re.compile(r"^(?:达成|达到|完成|基本完成|部分达成|未达成|未完成|是|否|有效|合格|优|良|满意|效果明显|明显|显著|"
                          r"达成预期指标|达成年度指标|按时|及时|符合|规范|健全|已完成|全覆盖|提高|降低|改善|持续|长期)")
_MARKERS = ("年度指标值", "实际完成值", "偏差原因")


def looks_like_form(text: str) -> bool:
    flat = re.sub(r"\s+", "", text)
    return all(m in flat for m in ("指标值", "分值", "得分")) and ("完成值" in flat or "实际值" in flat) \
        and ("偏差原因" in flat or "自评表" in flat or "改进措施" in flat)


def cut_after_money(where: SourceRef) -> list:
    """The form's header and a cut row standing for the indicator rows of a copy that ends after
    its 项目资金 block (only its 预算执行率 row is read)."""
    from jixiao.io.published import Row

    return [Row(HEADER, where), Row(["", "", "绩效指标（文本在项目资金表之后中断，未见指标行）", "", "", "", "", ""], where)]


def _cut_after_money(text: str) -> bool:
    """A copy of the form cut after its 项目资金 block, before the indicator header: only the
    预算执行率 row is in it."""
    flat = re.sub(r"\s+", "", text)
    return "自评表" in flat and "年度资金总额" in flat and "执行率" in flat and "全年执行数" in flat \
        and "三级指标" not in flat


def _value(token: str) -> bool:
    if re.match(r"^指标\d", token) or token in ("……", "…", "/"):
        return False
    return bool(re.search(r"\d|%|[≥≤><=≧≦＞＜]", token)) or bool(_VALUE_WORDS.match(token)) or len(token) <= 4


def _clean(text: str) -> tuple[str | None, str | None, str]:
    """The 一级 and 二级 headings named in a run of words, and the 三级 name left."""
    flat = re.sub(r"\s+", "", text).replace("（", "(").replace("）", ")").replace("：", ":")
    flat = re.sub(r"(?:绩效指标|一级指标|二级指标|三级指标|年度总体目标|年度指标值|实际完成值|指标值|完成值)", "", flat)
    level1 = level2 = None
    for m in _LEVEL1.finditer(flat):
        level1 = m[1] + "指标"
    for m in _LEVEL2.finditer(flat):
        level2 = m[1] + "指标"
    rest = _LEVEL2.sub(" ", _LEVEL1.sub(" ", flat))
    pieces = [p for p in re.split(r"指标\d+[:、.]?|\s+|……|…", rest) if p and p != ":"]
    return level1, level2, pieces[-1] if pieces else ""


def flat_rows(text: str, file: str):
    """Rows (``jixiao.io.published.Row``) of the flattened national forms in a text, one form
    after another (each starts at its 项目名称), or [] when none."""
    from jixiao.io.published import Line

    money_only = not looks_like_form(text)  # then only a copy cut after its 项目资金 block is read
    if money_only and not _cut_after_money(text):
        return []
    starts = [m.start() for m in re.finditer(r"项\s*目\s*名\s*称", text)] or [0]
    starts[0] = 0
    out: list = []
    for k, (a, b) in enumerate(zip(starts, starts[1:] + [len(text)]), 1):
        rows = _form_rows(text[a:b], file, k, money_only)
        if rows:
            if out:
                out.append(Line("项目名称", SourceRef(file=f"{file}#连续文字")))  # the next form
            out.extend(rows)
    return out


def _form_rows(text: str, file: str, part: int, money_only: bool = False):
    from jixiao.io.published import Row

    rows = []
    where = SourceRef(file=f"{file}#连续文字", line=1)
    flat = re.sub(r"\s*\|\s*", " ", text.replace("\u3000", " "))
    # amounts printed with their unit (``4753.66万元``, Hunan 部门整体) are the same figures
    m = re.search(r"年度资金总额[:：]?\s*((?:[\d.,%\-—]+(?:万元|元)?\s*){3,6})", flat)
    if m:
        values = [re.sub(r"万?元$", "", v) for v in m[1].split() if v not in ("-", "—")]
        money = {}
        nums = [v for v in values]
        if len(nums) >= 6:
            money = dict(zip(("initial", "annual", "spent", "weight", "rate", "score"), nums[:6]))
        elif len(nums) == 5:
            rate = next((i for i, v in enumerate(nums) if v.endswith("%")), None)
            keys = ("initial", "annual", "spent", "weight", "rate", "score") if rate is not None else \
                ("initial", "annual", "spent", "weight", "score")
            if rate is not None and rate == 3:  # no 年初预算数 printed
                keys = ("annual", "spent", "weight", "rate", "score")
            money = dict(zip(keys, nums))
        if money:
            rows.append(Row(MONEY_HEADER, where))
            rows.append(Row(["年度资金总额", *(money.get(k, "") for k in
                                             ("initial", "annual", "spent", "weight", "rate", "score"))], where))
            fiscal = re.search(r"其中[:：]?\s*(?:本年|当年)?财政拨款\s*((?:\d[\d.,]*\s+){2,3})", flat)
            if fiscal:
                nums = fiscal[1].split()
                keys = ("initial", "annual", "spent") if len(nums) == 3 else ("annual", "spent")
                amounts = dict(zip(keys, nums))
                rows.append(Row(["其中：当年财政拨款", *(amounts.get(k, "") for k in ("initial", "annual", "spent")),
                                 "", "", ""], where))
    if money_only:  # no indicator header: figures after the money block are no rows (a 基础数据表, a text)
        return rows + cut_after_money(where) if len(rows) >= 2 else []
    start = max((flat.rfind(k) for k in ("偏差原因分析及改进措施", "改进措 施", "改进措施", "偏差原因")), default=-1)
    head = re.sub(r"\s+", "", flat[:start] if start >= 0 else flat)
    # 绩效目标自评表 (Anhui, Sichuan): 分值 | 年度指标值 | 全年实际值 | 得分
    weight_first = 0 <= head.rfind("分值") < head.rfind("年度指标值") and "全年实际值" in head
    body = flat[start:] if start >= 0 else flat
    body = re.sub(r"^\S*", "", body, count=1)
    end = re.search(r"总\s*分", body)
    tail = body[end.start():] if end else ""
    body = body[:end.start()] if end else body
    tokens = body.split()
    rows.append(Row(HEADER, where))
    levels = ["", ""]
    made = [0]  # rows emitted
    buffer: list[str] = []
    i = 0

    def emit(words: list[str], target: str, actual: str, weight: str, score: str) -> bool:
        """A row from the words before its values (headings and name); False when no name is left."""
        l1, l2, name = _clean(" ".join(words))
        if not name:
            return False
        levels[:] = [l1 or levels[0], l2 or levels[1]]
        made[0] += 1
        line = made[0] + 1 + 100 * (part - 1)
        rows.append(Row([*levels, name, target, actual, weight, score, ""], SourceRef(file=f"{file}#连续文字", line=line)))
        return True

    def num(k: int) -> bool:
        return k < len(tokens) and bool(_NUM.match(tokens[k]))

    while i < len(tokens):
        t = tokens
        if weight_first:
            if buffer and num(i) and num(i + 3) and _value(t[i + 1]) and _value(t[i + 2]) \
                    and float(t[i + 3]) <= float(t[i]) <= 60 and emit(buffer, t[i + 1], t[i + 2], t[i], t[i + 3]):
                buffer, i = [], i + 4
                continue
        elif num(i) and num(i + 1) and float(t[i]) <= 60:
            # name, 年度指标值, 实际完成值, 分值, 得分
            if i >= 2 and len(buffer) >= 3 and _value(t[i - 1]) and (_value(t[i - 2]) or _VALUE_WORDS.match(t[i - 1])) \
                    and not re.match(r"^指标\d", t[i - 2]) and float(t[i + 1]) <= float(t[i]) * 1.5 \
                    and emit(buffer[:-2], buffer[-2], buffer[-1], t[i], t[i + 1]):
                buffer, i = [], i + 2
                continue
            # ``指标1:工程质量合格 10 10``: a row printed without 年度指标值 and 实际完成值
            if buffer and re.match(r"^指标\d+[:：]\S", buffer[-1]) and not num(i + 2) \
                    and float(t[i + 1]) <= float(t[i]) and emit(buffer, "", "", t[i], t[i + 1]):
                buffer, i = [], i + 2
                continue
        buffer.append(tokens[i])
        i += 1
    if not made[0]:
        return []
    total = re.match(r"总\s*分\s*(\d+(?:\.\d+)?)?\s*(\d+(?:\.\d+)?)?", tail)
    if total and total[1]:
        rows.append(Row(["总分", "", "", "", "", total[1] if total[2] else "", total[2] or total[1], ""], where))
    elif not tail and (left := [w for w in buffer if w not in ("……", "…")]):
        # no 总分 and words after the last row (``…… 生态``): the copy ends inside the table — a cut
        # row, so only the rows present are checked (not the 100 points)
        rows.append(Row([*levels, "".join(left)[-20:], "", "", "", "", ""], SourceRef(file=f"{file}#连续文字", line=made[0] + 2)))
    return rows
