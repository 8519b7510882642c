"""Score tables whose cells reach us as running text, re-cut where only one cut fits.

Two drawings of the 部门/项目 scoring table (name, 分值, 得分 and a criteria text per row) that
the table reader cannot place because the cells are not separated:

- **spaced** (a PDF's text layer, the Hubei 随州 财政预算支出项目绩效目标自评表): a row prints as
  ``决策依据 2 2`` — the name, its 分值 and 自评分 — while its 评价标准 cell, centred in the merged
  row, wraps around it: ``… 1、单位财务管理制度 1 分; 财务制度 3 3 2、项目管理制度 1 分; …``. A
  criteria text numbered ``1、…`` that starts between two rows belongs to the row after it.
- **run together** (a preview of the Hunan 部门整体支出绩效评价指标表: 一级指标 | 分值 | 二级指标 |
  分值 | 三级指标 | 分值 | 评价标准 | 指标说明 | 得分): ``投入13预算配置13在职人员控制率5以100%为标准。…
  口径为准。5“三公经费”变动率8…``. A row starts where a name is followed by its 分值 and a
  criteria text that gives that 分值 (``计5分``) or 满分, or repeats the name; its 得分 is the
  number printed just before the next row (or heading) starts; a 分值 run into the criteria
  (``预算完成率5100%计满分``) is cut where it does not exceed its 二级 heading's points.

Only rows whose cut is certain are read (得分 ≤ 分值, the 分值 stated by the criteria); the rest
is named in the notes. Headings are not carried (their printed position is not their place), so
no heading total is checked. Rows come out as ``jixiao.io.published.Row``s under a generic header,
marked as re-cut (``#连续文字``) so their findings are at most medium; the text after the last row
read becomes a cut row (only the rows present are checked).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from jixiao.core.model import SourceRef
from jixiao.core.numbers import fmt, quantize
from jixiao.io.published.columns import FORM_LEVEL1_WORDS, FORM_LEVEL2_WORDS

HEADER = ["一级指标", "二级指标", "三级指标", "分值", "得分", "评分标准"]

_NUM = r"\d+(?:\.\d+)?"
_CJK_NAME = re.compile(r"^[\u4e00-\u9fff“”\"《》]{2,12}$")
#: header words and page marks that stand between rows in a spaced copy
_NOISE = re.compile(r"复核分|评价标准及依据|评价标准|—\s*\d+\s*—")


def _notes_where(file: str) -> SourceRef:
    return SourceRef(file=f"{file}#连续文字", line=1)


# --- spaced: 名称 分值 自评分 ---------------------------------------------------------------------

_SPACED_HEADER = re.compile(r"分值\s+自评分")
_HEADING = re.compile(rf"^([\u4e00-\u9fff]{{2,8}})\s+({_NUM})\s*分$")
_SPACED_STOP = re.compile(r"项目年度目标|一级\s*指标\s*二级\s*指标")


def spaced_rows(text: str, file: str) -> tuple[list, list[str], dict]:
    """(rows, notes, extra) of a spaced copy with ``名称 分值 自评分`` rows, or ([], [], {}) when it is
    not one; ``extra`` as for ``hubei_rows`` (the row standing for what the copy does not print)."""
    from jixiao.io.published import Row

    m = _SPACED_HEADER.search(text)
    if m is None or not re.search(r"评价标准", text):
        return [], [], {}
    body = text[m.end():]
    stop = _SPACED_STOP.search(body)
    rest = body[stop.start():] if stop else ""
    body = body[:stop.start()] if stop else body
    # 项目管理 13 分 — a heading printed between a row's name and its numbers: taken out
    body = re.sub(rf"(?<=\s)[\u4e00-\u9fff]{{2,8}}\s+{_NUM}\s*分(?=\s+{_NUM}\s+{_NUM}\s)", " ", " " + body + " ")
    hits = list(re.finditer(rf"(?<=\s)([\u4e00-\u9fff]{{2,10}})\s+({_NUM})\s+({_NUM})(?=\s)", body))
    rows_found = []
    for h in hits:
        name, w, s = h[1], Decimal(h[2]), Decimal(h[3])
        if name.endswith("分") or s > w or w == 0:
            continue
        rows_found.append((h.start(), h.end(), name, h[2], h[3]))
    if len(rows_found) < 2:
        return [], [], {}
    # the criteria between two rows: up to a ``1、`` that opens the next row's list, to the row before
    pieces = [body[:rows_found[0][0]]] + [body[a[1]:b[0]] for a, b in zip(rows_found, rows_found[1:])] \
        + [body[rows_found[-1][1]:]]
    before: list[str] = [""] * len(rows_found)
    after: list[str] = [""] * len(rows_found)
    for k, piece in enumerate(pieces):
        piece = _NOISE.sub(" ", piece)
        cut = re.search(r"(?:^|\s)1、", piece) if 0 < k < len(pieces) - 1 else None
        head, tail = (piece[:cut.start()], piece[cut.start():]) if cut else (piece, "")
        if k == 0:  # before the first row: the 一级 heading (``项目决策 2 分``) is not criteria
            before[0] = re.sub(rf"^\s*[\u4e00-\u9fff]{{2,8}}\s+{_NUM}\s*分(?=\s|$)", "", piece)
            continue
        after[k - 1] += head
        if k < len(rows_found):
            before[k] += tail
    where = _notes_where(file)
    rows = [Row(HEADER, where)]
    for k, (_, _, name, w, s) in enumerate(rows_found):
        criteria = re.sub(r"\s+", "", (before[k] + " " + after[k]))
        rows.append(Row(["", "", name, w, s, criteria], where))
    notes = ["表格的单元格在文字层中按行散开（名称、分值、自评分相连，评价标准环绕其上下），按“名称 分值 自评分”重新切分读取；"
             "评价标准按其编号分给各行，读数有选择，发现的可信度不标为高；一级、二级指标的分值未核对"]
    if rest.strip():
        shown = re.sub(r"\s+", " ", rest.strip())[:60]
        rows.append(Row(["", "", shown[:20], "", "", ""], where))
        notes.append(f"“{shown}…”起的项目绩效指标（年初指标值、年终完成值、自评分）单元格分散在多行，无法对齐，未读取；"
                     "只核对已读出的行，不核对自评总分")
        return rows, notes, {}
    # no 合计/总分 is read by this reader: whether the table goes on after the copy is not known
    last = rows_found[-1][2]
    return rows, notes, {"unread": Row(["", "", "", "", "", ""], where),
                         "unread_note": f"文本在“{last}”一行之后结束，未见其余指标和合计/总分；只核查已读出的各行，"
                                        "不核查100分合计和自评总分"}


# --- run together: 名称分值评价标准指标说明得分 ------------------------------------------------------------

_RUN_HEADER = re.compile(r"级指标分值二级指标分值三级指标分值评价标准指标说明得分")
#: a name and its points, starting where a number (the row before's 得分, a heading's points) ends
_RUN_NAME = re.compile(r"(?:(?<=\d)|^)(?P<name>[“”\"]?[\u4e00-\u9fff][\u4e00-\u9fff“”\"]{1,14}?)(?P<w>\d{1,4})(?=[^\d.])")
#: the text ending with a name after a number: the next row, cut before its points
_RUN_CUT = re.compile(r"(?<=\d)[“”\"]?[\u4e00-\u9fff][\u4e00-\u9fff“”\"]{1,14}$")
_LEVEL_WORDS = ("投入", "过程", "产出", "效果", "效益", "满意度")


def run_together_rows(text: str, file: str) -> tuple[list, list[str], dict]:
    """(rows, notes, {}) of the Hunan 部门整体 indicator table with its cells run together, or
    ([], [], {}) (its last row is always a cut row, so nothing stands for unread parts)."""
    from jixiao.io.published import Row

    flat = re.sub(r"\s+", "", text)
    m = _RUN_HEADER.search(flat)
    if m is None:
        return [], [], {}
    body = re.sub(r"(?<=[\u4e00-\u9fff。;；%”])\d、(?=\D)", "", flat[m.end():])  # the preview's page marks (“2、”)
    # candidate starts: a name followed by a number, where the criteria after it confirm the number
    starts = []
    for c in _RUN_NAME.finditer(body):
        name, digits = c["name"].strip("“”\""), c["w"]
        after = body[c.end():c.end() + 80]
        starts.append((c.start(), c.end(), c["name"], name, digits, after))
    # headings: a level word (or a short name) with points and another name+points right after
    rows_found = []  # (start, end_of_weight, name, weight)
    l2_points: Decimal | None = None
    heading_starts: list[int] = []
    k = 0
    while k < len(starts):
        pos, end, raw_name, name, digits, after = starts[k]
        nxt = starts[k + 1] if k + 1 < len(starts) else None
        if nxt is not None and nxt[0] == end and len(name) <= 8 and not nxt[4].startswith("0") \
                and not nxt[3].startswith(name):
            # ``投入13预算配置13在职人员…``: a heading followed at once by another name and points (not by
            # its own name again: ``“三公经费”变动率8“三公经费”变动率至0`` is a row and its criteria)
            l2_points = Decimal(digits)
            heading_starts.append(pos)
            k += 1
            continue
        weight = _weight(digits, after, name, l2_points)
        if weight is not None:
            rows_found.append((pos, end - len(digits) + len(weight), raw_name, weight))
        elif name.startswith(_LEVEL_WORDS) and len(name) <= 4 and nxt is None:
            heading_starts.append(pos)  # ``过程20`` and the text ends in its first row
        k += 1
    if len(rows_found) < 2:
        return [], [], {}
    where = _notes_where(file)
    rows = [Row(HEADER, where)]
    notes: list[str] = []
    read = 0
    cut_row = _RUN_CUT.search(body, rows_found[-1][1])
    if cut_row is not None:  # the text ends with the next row's name: the last row found is whole
        rows_found.append((cut_row.start(), len(body), cut_row[0], ""))
    for j, (pos, wend, raw_name, weight) in enumerate(rows_found):
        nxt = rows_found[j + 1][0] if j + 1 < len(rows_found) else None
        if nxt is None:
            break  # the last row: its 得分 would be after the text's end
        # up to the next row, or to a heading printed before it (``…×100%8过程61预算执行20预算完成率``)
        nxt = min([h for h in heading_starts if wend <= h < nxt] or [nxt])
        chunk = body[wend:nxt]
        sm = re.search(rf"(?<!\d)(?<!\d\.)({_NUM})$", chunk)  # ``X100%.5``: the 5 after a full stop
        name = raw_name.strip("“”\"") if raw_name.count("“") != raw_name.count("”") else raw_name
        if sm is None or Decimal(sm[1]) > Decimal(weight):
            notes.append(f"“{name}”一行（分值{weight}）的得分与评价标准连在一起，无法确定，未读取")
            continue
        criteria = chunk[:sm.start()]
        rows.append(Row(["", "", name, weight, sm[1], criteria], where))
        read += 1
    if not read:
        return [], [], {}
    last = rows_found[-1]
    rows.append(Row(["", "", last[2][:20], "", "", ""], where))
    notes.insert(0, "表格的单元格已并成连续文字（一级指标、分值、二级指标、分值、三级指标、分值、评价标准、指标说明、得分），"
                    "按“名称、分值、评价标准中的分值”重新切分读取；读数有选择，发现的可信度不标为高；一级、二级指标的分值未核对")
    notes.append(f"文本在“{last[2]}”一行中断，其得分与之后各行不在文本中；只核对已读出的行")
    return rows, notes, {}


def _weight(digits: str, after: str, name: str, cap: Decimal | None) -> str | None:
    """The 分值 printed after a name: the digits (or the shortest prefix of them, when the criteria
    run into it) that the criteria confirm — ``计5分`` / 满分 / the name repeated — and that do not
    exceed the 二级 heading's points."""
    for n in range(1, len(digits) + 1):
        w = digits[:n]
        if w.startswith("0") or (cap is not None and Decimal(w) > cap):
            break
        rest = digits[n:] + after
        if re.search(rf"计{w}分|{w}分[;；,，。]|满分", rest[:60]) or rest.startswith(name):
            if n < len(digits) and not re.match(r"\d+(?:\.\d+)?%", digits[n:] + after):
                continue  # digits left over that are not a rate (100%…) opening the criteria
            return w
    return None



# --- Hubei 年度项目绩效自评表 -----------------------------------------------------------------------

_HUBEI_MONEY = re.compile(r"预算执行情况\(万元\)\((?P<points>\d{1,3})分\)预算数\(A\)执行数\(B\)执行率\(B/A\)得分"
                          r"\(\d{1,3}分\*执行率\)年度财政资金总额(?P<digits>\d[\d.]*?)%(?P<score>\d+(?:\.\d+)?)")
_HUBEI_BLOCK = re.compile(r"年度绩效目标(?P<n>\d)\((?P<points>\d{1,3})分\)一级指标二级指标三级指标年初目标值\(A\)"
                          r"实际完成值\(B\)得分")
#: 年初目标值 and 实际完成值 with the same unit (``100%100%``, ``5个6个``), then the 得分: the cut is
#: certain only where both values carry that unit, so a row is read only then
_VALUE = r"[≥≤><=]?\d+(?:\.\d+)?"
_UNIT = r"%|[个次份人户家项篇期场天年月日件台套万元亩公里米吨]{1,3}"
_HUBEI_ROW = re.compile(rf"(?P<target>{_VALUE}(?P<unit>{_UNIT}))(?P<actual>{_VALUE})(?P=unit)"
                        rf"(?P<score>\d{{1,3}}(?:\.\d{{1,2}})?)(?=[\u4e00-\u9fff]|$)")
#: the 一级/二级 headings printed before a row's name in the run of cells
_HUBEI_HEADINGS = re.compile(rf"^(?:(?:{'|'.join(FORM_LEVEL1_WORDS + FORM_LEVEL2_WORDS)})指标)+")


def _block_rows(piece: str) -> tuple[list[tuple[str, str, str, str]], str]:
    """(name, 年初目标值, 实际完成值, 得分) of each row of one 年度绩效目标 block, and what is left
    that is not a row nor a heading (empty when the block is read whole)."""
    rows, left, pos = [], [], 0
    for m in _HUBEI_ROW.finditer(piece):
        name = _HUBEI_HEADINGS.sub("", piece[pos:m.start()])
        if not name:
            left.append(piece[pos:m.end()])
        else:
            rows.append((name, m["target"], m["actual"], m["score"]))
        pos = m.end()
    left.append(_HUBEI_HEADINGS.sub("", piece[pos:]))
    return rows, "".join(left)


def hubei_rows(text: str, file: str) -> tuple[list, list[str], dict]:
    """(rows, notes, extra) of the Hubei 年度项目绩效自评表 with its cells run together, or ([], [], {}).

    Its 预算执行情况 row (``1010100%20``: 预算数 10, 执行数 10, 执行率 100%, 得分 20) is read when one
    cut of the digits gives 执行数 ÷ 预算数 = the 执行率. Its indicator rows print no 分值 — only
    their 年度绩效目标 block's points — so each block stands as one row of the block's points
    scored the sum of its rows' 得分, its rows listed under it and checked against it (the table
    has no 分值 column: ``jixiao.io.published.blocks``). A block whose text is not read
    whole leaves the table a cut one (only the rows read are checked)."""
    from jixiao.io.flat_form import HEADER as FORM_HEADER, MONEY_HEADER
    from jixiao.io.published import Row

    text = re.sub(r"\n\s*\d、", "", unicodedata.normalize("NFKC", text))  # the preview's page marks (“\n2、”)
    flat = re.sub(r"\s+", "", text)
    flat = re.sub(r"(?<=[\u4e00-\u9fff%])\d、", "", flat)
    blocks = list(_HUBEI_BLOCK.finditer(flat))
    money = _HUBEI_MONEY.search(flat)
    if money is None or not blocks:
        return [], [], {}
    points = Decimal(money["points"])
    score = Decimal(money["score"])
    cuts = _money_cuts(money["digits"])
    several = len(cuts) > 1
    if several:  # ``1010100``: 10 | 10 | 100 or 10101 | 0 | 0 — the one the 得分 (分值 × 执行率) agrees with
        cuts = [c for c in cuts if min(points, points * Decimal(c[2]) / 100) == score]
    cut = cuts[0] if len(cuts) == 1 else None
    where = _notes_where(file)
    notes = []
    if cut is None or score > points:
        return [], [f"预算执行情况一行“{money['digits']}%{money['score']}”的预算数、执行数、执行率无法唯一分开，未读取"], {}
    budget, spent, rate = cut
    # the 项目资金 block as the form prints it (预算数 = 全年预算数): the 预算执行率 row is scored 分值 × 执行率
    rows = [Row(MONEY_HEADER, where), Row(["年度资金总额", "", budget, spent, str(points), f"{rate}%", money["score"]], where),
            Row([c for c in FORM_HEADER if c != "分值"], where)]
    notes.append(f"湖北年度项目绩效自评表，单元格已并成连续文字：预算执行情况（{fmt(points)}分）按“预算数{budget}、"
                 f"执行数{spent}、执行率{rate}%、得分{money['score']}”读取（执行数÷预算数＝执行率"
                 + ("，只有这一种切分）" if not several else "；数字另有切分，取与得分相符的一种，该行不据此核查）"))
    unread = []
    for k, b in enumerate(blocks):
        end = blocks[k + 1].start() if k + 1 < len(blocks) else len(flat)
        piece = re.split(r"总分|偏差大或目标未完成", flat[b.end():end])[0]
        found, left = _block_rows(piece)
        label = f"年度绩效目标{b['n']}（{b['points']}分）"
        if not found or left:
            unread.append(label)
            notes.append(f"{label}的各行未能全部分开（年初目标值、实际完成值、得分连在一起），未读取："
                         f"“{(left or piece)[:80]}”")
            continue
        for j, (name, target, actual, score) in enumerate(found):
            # no 分值 column: the rows stand under their block (``jixiao.io.published.blocks``)
            rows.append(Row([f"年度绩效目标{b['n']}({b['points']}分)" if j == 0 else "", "", name, target, actual,
                             score, ""], where))
    total = re.search(r"总分(\d{1,3}(?:\.\d{1,2})?)(?![\d.])", flat)
    extra: dict = {"total": Decimal(total[1]) if total else None}
    if unread:  # the blocks not read stand as a cut: only the rows read are checked, not the 100 points nor the 总分
        extra["unread"] = Row(["", "", f"{'、'.join(unread)}（未读取）", "", "", "", "", ""], where)
        extra["unread_note"] = (f"只核查已读出的行；{'、'.join(unread)}未读取，不核查100分合计"
                                + (f"和总分{total[1]}" if total else "和总分"))
    else:
        extra["whole"] = total is not None
    return rows, notes, extra


def _money_cuts(digits: str) -> list[tuple[str, str, str]]:
    """预算数, 执行数, 执行率 from their run-together digits: the cuts where 执行数 ÷ 预算数 is the
    执行率 printed (to its printed places)."""
    cuts = []
    for i in range(1, len(digits) - 1):
        for j in range(i + 1, len(digits)):
            a, b, r = digits[:i], digits[i:j], digits[j:]
            if any(x.startswith("0") and not x.startswith("0.") and x != "0" for x in (a, b, r)) \
                    or any(x.startswith(".") or x.endswith(".") or x.count(".") > 1 for x in (a, b, r)):
                continue
            A, B, R = Decimal(a), Decimal(b), Decimal(r)
            if A == 0 or R > 1000:
                continue
            places = -R.as_tuple().exponent if R.as_tuple().exponent < 0 else 0
            if quantize(B / A * 100, places) == R:
                cuts.append((a, b, r))
    return cuts
