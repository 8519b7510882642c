"""The Ningxia (银川) 项目支出绩效自评表 in OCR text whose cells have run together (a Word preview):
``自评得分98 … 年度资金总额年初预算数调整预算数(A)全年执行数(B)执行率(B/A)64.864.864.8100% …
一级指标二级指标三级指标参考分值指标值(A)全年实际值(B)得分未完成原因分析及改进措施 项目决策(10分)
项目目标完整性4一目标明确、内容细化、目标量化4 … 保障人数102370人2370人IO …``.

The form's columns are 三级指标, 参考分值, 指标值, 全年实际值, 得分: each row is its name, then
its 参考分值, its values and its 得分. Only what can be cut one way is read:

* the three amounts of the 资金 line are taken only when one cut of their digits gives
  全年执行数 ÷ 调整预算数 = the 执行率 printed;
* a 参考分值 run together with a value (``102370人2370人``) is cut only where the rest is the
  same value printed twice (指标值 = 全年实际值) — or, for values with a unit, a cut whose
  weights add up to the 二级 heading's points (成本指标(10分)); ``IO`` (OCR of 10) is read as 10
  only when it is the one reading not above the row's 参考分值;
* a value whose figure is OCR-damaged (``M.8万元``) is kept as printed, not corrected.

The 预算执行率 row (参考分值 10 in 项目管理) is given to the 资金 line as its 分值/得分, so that
the form's rule 得分 = 分值 × 执行率 is checked; its 项目管理 heading points are then not compared
(the row sits in another group).

The form prints no 合计/总分 row: its 自评得分 is in the header (read by
``jixiao.io.published.facts.header_total``). So the end of the text is the only sign of the table's
end, and the table is taken as whole only when its last row closes the form's last group
(服务对象满意度指标(N分), its rows' 参考分值 reaching N) and every row before it was read; then the
自评得分 is its declared total, checked against the rows. Otherwise the copy is cut (or rows of it
were not read): the headings of the group the text ends in, and of a row not read, are not compared
with the rows read, there is no 100-point check, and the 自评得分 is checked only against a copy cut
inside the form's last group with every row before it read — a row cut there is returned last,
with what is left of its 二级 heading's points as its 参考分值 (the most the rows cut off can score);
a row cut elsewhere is returned last with no 参考分值. The reader says which.
Rows come out as ``jixiao.io.published.Row``s marked as re-cut (``#连续文字``): findings on them are
at most medium.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from jixiao.core.model import SourceRef

_HEADER_RE = re.compile(r"一级指标二级指标三级指标(?:参考分值|考值参分|参考值分|分值)[^项]{0,40}?得分[^项]{0,20}?改进措施")
_LEVEL1 = re.compile(r"[项顼][目日](决策|管理|产出|效益)(?:\((\d+)分\))?")
_LEVEL2 = re.compile(r"(数量|质量|时效|成本|经济效益|社会效益|生态效益|可持续影响|服务对象满意度)指标(?:\((\d+)分\))?")
_LEVEL2_MGMT = re.compile(r"^(?:投入管理|财务管理|[项顼][目日FlI1]*实施)(?=.)")
_JUNK = re.compile(r"指标[\dLlI]+[:：]?")
_UNIT = r"(?:人次|人|万元|元|亩|个|次|份|项(?![目FlI1日])|%|年\d{1,2}月(?:完成)?|年|月|天|km|公里|米)"
_SCORE = re.compile(r"^(?:\d{1,2}(?:\.\d)?|IO|lO|I0|l0)$")


def looks_like_ningxia(text: str) -> bool:
    flat = re.sub(r"\s+", "", text)
    return bool(_HEADER_RE.search(flat)) and bool(_LEVEL1.search(flat)) and "项目决策" in flat


def _num(text: str) -> Decimal | None:
    if not re.fullmatch(r"(?:0|[1-9]\d*)(?:\.\d{1,2})?", text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _money(run: str) -> tuple[str, str, str, str] | None:
    """(年初预算数, 调整预算数, 全年执行数, 执行率) from ``64.864.864.8100%``: the one cut that fits."""
    if not run.endswith("%"):
        return None
    digits = run[:-1]
    cuts = []
    for i in range(1, len(digits)):
        for j in range(i + 1, len(digits)):
            for k in range(j + 1, len(digits)):
                a, b, c, r = digits[:i], digits[i:j], digits[j:k], digits[k:]
                values = [_num(x) for x in (a, b, c, r)]
                if any(v is None for v in values) or values[1] == 0 or values[3] > 200:
                    continue
                if abs(values[2] / values[1] * 100 - values[3]) < Decimal("0.5"):
                    cuts.append((a, b, c, r + "%"))
    return cuts[0] if len(cuts) == 1 else None


def _score(text: str) -> str:
    return "10" if text in ("IO", "lO", "I0", "l0") else text


def _tokens(body: str) -> list[tuple[str, str]]:
    """The body cut into ("num", 参考分值/得分) and ("text", words or values) pieces: a number is a
    1–2 digit figure not followed by a unit (``2370人`` and ``2021年`` stay in their text)."""
    out: list[tuple[str, str]] = []
    pattern = re.compile(rf"(?<!\d)(?<!\d\.)(\d{{1,2}}|IO|lO|I0|l0)(?![\d.])(?!{_UNIT})(?!分\))")
    pos = 0
    for m in pattern.finditer(body):
        if m.start() > pos:
            out.append(("text", body[pos:m.start()]))
        out.append(("num", m[1]))
        pos = m.end()
    if pos < len(body):
        out.append(("text", body[pos:]))
    # a number inside a value (``指标2:``) is junk, not a figure
    merged: list[tuple[str, str]] = []
    for kind, value in out:
        if kind == "text" and value.startswith((":", "：")) and merged and merged[-1][0] == "num":
            merged[-1] = ("text", merged[-1][1] + value)  # ``指标2:``: the number belongs to the label
            if len(merged) >= 2 and merged[-2][0] == "text":
                merged[-2:] = [("text", merged[-2][1] + merged[-1][1])]
            continue
        if kind == "text" and merged and merged[-1][0] == "text":
            merged[-1] = ("text", merged[-1][1] + value)
            continue
        merged.append((kind, value))
    return merged


def _values(text: str) -> tuple[str, str] | None:
    """(指标值, 全年实际值) of the words between 参考分值 and 得分."""
    if text[:1] in "—":
        return "—", text[1:]
    half = len(text) // 2
    if len(text) % 2 == 0 and text[:half] == text[half:]:
        return text[:half], text[half:]
    m = re.fullmatch(rf"(.+?{_UNIT})(.+?{_UNIT})", text)
    if m and re.search(r"\d", m[2]):
        return m[1], m[2]
    return "", text  # only the 全年实际值 printed


def _weight_and_values(text: str) -> list[tuple[str, str, str]]:
    """The cuts of ``102370人2370人`` into (参考分值, 指标值, 全年实际值) with the two values the same."""
    cuts = []
    for k in (1, 2):
        w, rest = text[:k], text[k:]
        if _num(w) is None or w == "0" or not rest:
            continue
        half = len(rest) // 2
        if len(rest) % 2 == 0 and rest[:half] == rest[half:] and not rest.startswith("0"):
            cuts.append((w, rest[:half], rest[half:]))
    return cuts


_LAST_GROUP = "服务对象满意度指标"


def _points(heading: str) -> Decimal | None:
    m = re.search(r"\((\d+)分\)$", heading)
    return Decimal(m[1]) if m else None


def _plain(heading: str) -> str:
    return re.sub(r"\(\d+分\)$", "", heading)


def ningxia_rows(text: str, file: str):
    """(rows, notes, extra): the published reader's rows, or ([], [], {}). ``extra`` is the runon
    readers' shape: "total" the 自评得分 printed in the header; "whole" True when the rows read are
    the whole table (its 自评得分 then its declared total); "unread" a row standing for what the copy
    does not hold, with "unread_note", when it ends after a row read or in a piece not read."""
    from jixiao.io.flat_form import HEADER, MONEY_HEADER
    from jixiao.io.published import Row
    from jixiao.io.published.facts import header_total

    if not looks_like_ningxia(text):
        return [], [], {}
    where = SourceRef(file=f"{file}#连续文字", line=1)
    notes: list[str] = []
    flat = re.sub(r"\s+", "", text).replace("（", "(").replace("）", ")").replace("：", ":")
    flat = re.sub(r"(?<=[\u4e00-\u9fff])\d、(?=[\u4e00-\u9fff])", "", flat)  # the preview's page marks (“2、”)
    declared = header_total(flat)
    money = None
    if (m := re.search(r"执行率\(B/A\)([\d.]+%)", flat)) is not None:
        money = _money(m[1])
        if money is None:
            notes.append(f"项目资金一栏“{m[1]}”的年初预算数、调整预算数、全年执行数无法唯一分开，未读取")
    header = _HEADER_RE.search(flat)
    body = flat[header.end():]
    body = re.sub(r"(?<=\d)[一\-](?=\D)", "—", body)  # 参考分值 then the 指标值 “—” (OCR 一)
    tokens = _tokens(body)
    levels = ["", ""]
    group_points: Decimal | None = None
    pending: list[tuple[str, str, str, str, str]] = []  # rows of the current 二级 group whose weight was cut
    rows_out: list[list[str]] = []
    execution: tuple[str, str] | None = None
    cut_row: list[str] | None = None
    unread: list[tuple[str, str]] = []  # the headings of pieces not read
    ended = ""  # what the text ends in: "row" (a row read), "cut" (a row's name), "unread" (a piece not read)
    weights_in: dict[tuple[str, str], Decimal] = {}  # 参考分值 read per (一级, 二级) heading
    after_table = False  # words printed after the form's last group
    last_read: list[str] | None = None  # (一级, 二级, name, 参考分值, 得分) of the last row read
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        ended = "unread"
        if kind != "text":
            notes.append(f"“{value}”前没有指标名称，未读取")
            unread.append((levels[0], levels[1]))
            i += 1
            continue
        # the words: headings, then the row's name
        words = value
        for m in _LEVEL1.finditer(words):
            levels[0] = f"项目{m[1]}" + (f"({m[2]}分)" if m[2] else "")
            levels[1] = ""
        last1 = max((m.end() for m in _LEVEL1.finditer(words)), default=0)
        words = words[last1:]
        for m in _LEVEL2.finditer(words):
            levels[1] = m[0]
            group_points = Decimal(m[2]) if m[2] else None
        last2 = max((m.end() for m in _LEVEL2.finditer(words)), default=0)
        name = _JUNK.sub("", words[last2:])
        name = _LEVEL2_MGMT.sub("", name).strip(":,，.。")
        following = tokens[i + 1:i + 4]
        if (run := re.search(r"\d", name)) is not None and run.start() > 0 and following \
                and following[0][0] == "num":
            # ``保障人数102370人2370人`` then the 得分: the 参考分值 run into the values
            following = [("text", name[run.start():]), *following]
            name = name[:run.start()]
            i -= 1
        if len(following) >= 2 and following[0][0] == "num" and following[1][0] == "text" \
                and len(following) >= 3 and following[2][0] == "num" and _SCORE.match(following[2][1]):
            # name | 参考分值 | values | 得分
            weight, score = following[0][1], _score(following[2][1])
            target, actual = _values(following[1][1])
            i += 4
        elif len(following) >= 2 and following[0][0] == "text" and following[1][0] == "num":
            # name | 参考分值 run into the values | 得分
            cuts = _weight_and_values(following[0][1])
            cut = None
            if len(cuts) == 1:
                cut = cuts[0]
            elif cuts and group_points is not None:
                fits = [c for c in cuts if Decimal(c[0]) == group_points]
                cut = fits[0] if len(fits) == 1 else None
            if cut is None:
                notes.append(f"“{name}”一行的参考分值与指标值（“{following[0][1]}”）无法唯一分开，未读取")
                unread.append((levels[0], levels[1]))
                i += 3
                continue
            weight, target, actual = cut
            score = _score(following[1][1])
            i += 3
        elif not following and name:
            points = _points(levels[1])
            if levels[1].startswith(_LAST_GROUP) and points is not None \
                    and weights_in.get((levels[0], levels[1]), Decimal(0)) >= points:
                # the form's last group is complete: words after it are no row of the table
                notes.append(f"“{name[:20]}”在指标表最后一组（{levels[1]}）之后，不是指标行，未读取")
                ended, after_table = "row", True
            else:
                cut_row = [levels[0], levels[1], name]
                ended = "cut"
            i += 1
            continue
        else:
            notes.append(f"“{value[:30]}”之后的数字无法按“参考分值、指标值、全年实际值、得分”的列序分开，未读取")
            unread.append((levels[0], levels[1]))
            i += 1
            continue
        if name == "" or _num(weight) is None or _num(score) is None or Decimal(score) > Decimal(weight):
            notes.append(f"“{name or value[:20]}”一行（参考分值“{weight}”、得分“{score}”）无法确定，未读取")
            unread.append((levels[0], levels[1]))
            continue
        ended, last_read = "row", [levels[0], levels[1], name, weight, score]
        weights_in[(levels[0], levels[1])] = weights_in.get((levels[0], levels[1]), Decimal(0)) + Decimal(weight)
        if name == "预算执行率" and money is not None:
            execution = (weight, score)
            continue
        rows_out.append([levels[0], levels[1], name, target, actual, weight, score, ""])
    del pending
    if not rows_out:
        return [], notes, {}
    last = last_read if ended == "row" else None
    # a text ending on the last row's 得分 may be cut inside it (10 → 1, 9.5 → 9): whole only when
    # words follow the table or that 得分 is the row's full 参考分值 (no figure can go on from it)
    ends_whole = last is not None and last[1].startswith(_LAST_GROUP) \
        and (points := _points(last[1])) is not None and weights_in.get((last[0], last[1]), Decimal(0)) >= points \
        and (after_table or Decimal(last[4]) == Decimal(last[3]))
    whole = ends_whole and not unread
    extra: dict = {"total": declared, "whole": whole}
    if not whole:
        # the rows read are not the whole table: the headings whose rows may not all be read are not compared
        open_heads = set(unread)
        if cut_row is not None:
            open_heads.add((cut_row[0], cut_row[1]))
        elif not ends_whole:  # the group the text ends in
            open_heads.add((last[0], last[1]) if last is not None else (levels[0], levels[1]))
        for head1, head2 in sorted(open_heads):
            said = [h for h in (head1, head2) if _points(h) is not None]
            if said and (cut_row is None or (head1, head2) != (cut_row[0], cut_row[1])):
                notes.append(f"“{'、'.join(said)}”下的各行未全部读出，其分值不与已读出各行合计比较")
        ones = {h1 for h1, _ in open_heads}
        twos = set(open_heads)
        rows_out = [[_plain(r[0]) if r[0] in ones else r[0], _plain(r[1]) if (r[0], r[1]) in twos else r[1], *r[2:]]
                    for r in rows_out]
        if ends_whole:  # the table is all there, but rows of it were not read
            extra["unread"] = Row(["", "", "", "", "", "", "", ""], where)
            extra["unread_note"] = "表格中有未能读出的行（见上）：只核查已读出的各行，不核查100分合计和自评得分"
        elif cut_row is None:
            shown = (last_read or rows_out[-1])[2][:20]
            where_end = f"在“{shown}”一行之后结束" + ("" if ended == "row" else "（其后的文字未能读出）")
            extra["unread"] = Row(["", "", "", "", "", "", "", ""], where)
            extra["unread_note"] = (f"文本{where_end}，未见表格的其余各行（本表无合计行，自评得分印在表头）；"
                                    "只核查已读出的各行，不核查100分合计和自评得分")
    rows = []
    if money is not None and execution is not None:
        rows.append(Row(MONEY_HEADER, where))
        rows.append(Row(["年度资金总额", money[0], money[1], money[2], execution[0], money[3], execution[1]], where))
        notes.append("预算执行率一行（项目管理）按项目资金表计分（得分＝参考分值×执行率），其所属一级指标“项目管理”的分值不与各行合计比较")
        rows_out = [[re.sub(r"^(项目管理)\(\d+分\)$", r"\1", r[0]), *r[1:]] for r in rows_out]
    cut_points = ""
    if cut_row is not None:
        # the heading of a cut row: its points are not compared with the rows printed; the row's
        # 参考分值 is what the rows cut off can score at most — known only inside the form's last group
        if cut_row[1].startswith(_LAST_GROUP) and not unread and (p := _points(cut_row[1])) is not None \
                and (left := p - weights_in.get((cut_row[0], cut_row[1]), Decimal(0))) > 0:
            cut_points = str(left)
        plain = _plain(cut_row[0])
        if plain != cut_row[0]:
            notes.append(f"一级指标“{cut_row[0]}”下有一行被文本中断，其分值不与已印出各行合计比较")
        if not cut_points:
            notes.append(f"文本在“{cut_row[2][:20]}”一行中断，未见表格的其余各行（本表无合计行，自评得分印在表头）；"
                         "只核查已读出的各行，不核查100分合计和自评得分")
        cut_row[0] = plain
    rows.append(Row(HEADER, where))
    seen = ["", ""]
    for k, r in enumerate([*rows_out, *([cut_row] if cut_row else [])], 2):
        # each heading on the first row of its group only (the table's merged cells)
        cells = list(r)
        if cells[0] == seen[0]:
            cells[0] = ""
            if cells[1] == seen[1]:
                cells[1] = ""
        else:
            seen[1] = ""
        seen[0] = r[0] or seen[0]
        seen[1] = r[1] or seen[1]
        if r is cut_row:
            cells = [*cells[:3], "", "", cut_points, "", ""]
        rows.append(Row(cells, SourceRef(file=f"{file}#连续文字", line=k)))
    notes.append("表格的单元格已并成连续文字（宁夏项目支出绩效自评表，OCR文字），按“三级指标、参考分值、指标值、全年实际值、得分”"
                 "的列序重新切分读取；只取唯一可分的读法，OCR误字（如“M.8万元”）照印保留；发现的可信度不标为高")
    return rows, notes, extra
