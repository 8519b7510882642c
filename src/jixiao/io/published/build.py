"""Building one table: each row an indicator with its rule (from its criteria, or the form's
generic rules), its inputs and declared score; the declared total."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from jixiao.core.criteria import Confidence, extract_actual, extract_values, parse_criteria, ParsedCriteria
from jixiao.core.model import Evaluation, Framework, Group, Indicator, IndicatorInput, Target, Unit
from jixiao.core.numbers import fmt, ZERO
from jixiao.io.published.blocks import build_block
from jixiao.io.published.columns import _SUBCODE_RE, code_depth, is_number, TEXT_ROLES, to_decimal
from jixiao.io.published.facts import _kind
from jixiao.io.published.infer import _infer, _probe_actual, _questionnaire_score
from jixiao.io.published.result import PublishedRow, PublishedTable, UNVERIFIED
from jixiao.io.published.rows import _Builder, _Rec, _row_fields, parse_heading
from jixiao.io.published.tables import _TITLE_WORDS as _TITLE, RawTable
from jixiao.io.yamlio import LoadError


class _Codes:
    """Unique codes: the published one where printed, else generated per table."""

    def __init__(self, table: int):
        self.table = table
        self.used: set[str] = set()
        self.generated = 0

    def take(self, code: str | None) -> str:
        if code is None:
            self.generated += 1
            code = f"T{self.table}-{self.generated:02d}"
        base, n = code, 1
        while code in self.used:
            n += 1
            code = f"{base}-{n}"
        self.used.add(code)
        return code


def _merge_subrows(rec: _Rec) -> list[_Rec]:
    """Sub-rows of a row as printed. The first row is sub-row 1 when the sub-rows carry their
    own points; a sub-row without points (its points merged with the row above) joins the
    row above: criteria and evidence are appended and the scores added."""
    parts = rec.subrows if rec.container else [rec] + rec.subrows
    merged: list[_Rec] = []
    for part in parts:
        if merged and "weight" not in part.fields:
            prev = merged[-1]
            for role in TEXT_ROLES:
                if part.fields.get(role):
                    prev.fields[role] = (prev.fields.get(role, "") + "\n" + part.fields[role]).strip()
            a, b = to_decimal(prev.fields.get("score", "")), to_decimal(part.fields.get("score", ""))
            if b is not None:
                prev.fields["score"] = fmt((a or ZERO) + b)
            continue
        merged.append(_Rec(dict(part.fields), part.loc, container=part is not rec and rec.container))
    return merged


#: The note on rows of a table without 评分标准, scored by the form's generic rules.
GENERIC_NOTE = "无评分标准，按项目支出绩效自评表通用规则计分（正向：达到指标值得满分，否则实际÷指标值×分值；" \
               "反向：不高于指标值得满分；定性：达成/部分达成/未达成分档）"
EXECUTION_NOTE = "预算执行率＝全年执行数÷全年预算数，得分＝分值×执行率（通用规则）"


def _target_text(f: dict[str, str]) -> str:
    """The 年度指标值 as one text: Yunnan's 指标性质 | 指标值 | 度量单位 joined (≥ 265 家 → ≥265家)."""
    target = f.get("target", "")
    nature = re.sub(r"\s+", "", f.get("nature", ""))
    unit = re.sub(r"\s+", "", f.get("unit", ""))
    if unit and target and not target.rstrip().endswith(unit) and re.search(r"\d\s*$", target):
        target = target.strip() + unit
    if nature and re.fullmatch(r"[≥≤>=<＞＜＝≧≦]+", nature) and not re.match(r"\s*[≥≤>=<＞＜＝≧≦]", target):
        target = nature + target.strip()
    return target


def _form_row(f: dict[str, str], name: str, weight: Decimal):
    """The row as a 项目支出绩效自评表 row (``jixiao.core.project_form.FormRow``), so the form's own
    generic rules score it; None when it cannot be one."""
    from jixiao.core.project_form import FormRow

    nature = re.sub(r"\s+", "", f.get("nature", ""))
    direction = "定性" if nature == "定性" else ("反向" if nature == "反向" else None)
    try:
        return FormRow(level1="一级", level2="二级", name=name or "指标", target=_target_text(f), direction=direction,
                       actual=f.get("actual", ""), weight=weight, score=to_decimal(f.get("score", "")),
                       reason=f.get("evidence", ""))
    except ValidationError:
        return None


def _indicator(rec: _Rec, code: str, name: str, notes: list[LoadError],
               generic: bool = False) -> tuple[Indicator, ParsedCriteria, Target]:
    f = rec.fields
    weight = to_decimal(f.get("weight", ""))
    if weight is None:
        notes.append(LoadError(rec.loc.file or "", rec.loc.line, "权重",
                               f"指标“{name}”的分值“{f.get('weight', '')}”不是数字，按0分计"))
        weight = ZERO
    if rec.execution is not None:
        target = Target.model_validate("=100%")
        parsed = ParsedCriteria(rule={"type": "saturating_rate", "saturation": 100}, confidence="high",
                                note=EXECUTION_NOTE, shape="saturating_rate")
        return Indicator(code=code, name=name, weight=weight, target=target, criteria="全年执行数÷全年预算数×分值",
                         rule=parsed.rule, loc=rec.loc), parsed, target
    if generic and not f.get("criteria") and (f.get("target") or f.get("actual")):
        from jixiao.core.project_form import _criteria

        form_row = _form_row(f, name, weight)
        if form_row is not None:
            rec.form_row = form_row
            target = form_row.parsed_target
            parsed = ParsedCriteria(rule={"type": "generic"}, confidence="medium", note=GENERIC_NOTE, shape="generic")
            return Indicator(code=code, name=name, weight=weight, target=target, direction=form_row.effective_direction,
                             criteria=_criteria(form_row), description=f.get("description", ""),
                             data_source=f.get("source", ""), rule=parsed.rule, loc=rec.loc), parsed, target
    try:
        target = Target.model_validate(f.get("target", ""))
    except ValidationError:
        target = Target(text=f.get("target", ""))
    parsed = parse_criteria(f.get("criteria", ""), weight, target)
    if parsed.rule and target.comparator is None and parsed.rule.get("comparator") in ("<=", "<") \
            and "value" not in parsed.rule:
        target = target.model_copy(update={"comparator": parsed.rule["comparator"]})
    direction = "反向" if target.comparator in ("<=", "<") else "正向"
    indicator = Indicator(code=code, name=name, weight=weight, target=target, direction=direction,
                          criteria=f.get("criteria", ""), description=f.get("description", ""),
                          data_source=f.get("source", ""), rule=parsed.rule, loc=rec.loc)
    return indicator, parsed, target


#: A line a scoring tool appends to the evidence to explain its own score (jixiao's Word report
#: writes ``计分：…``, its Excel sheet ``按规则计算：…``). It quotes the target and the score, not
#: the agency's figures, so it is no evidence: its numbers must not be read as the actual value.
_EXPLANATION_LINE = re.compile(r"^\s*(?:计分|按规则计算)[:：]")


def strip_explanation(evidence: str) -> str:
    """The evidence without the scoring tool's explanation lines."""
    lines = (evidence or "").split("\n")
    return "\n".join(l for l in lines if not _EXPLANATION_LINE.match(l)).strip()


def _inputs(parsed: ParsedCriteria, indicator: Indicator, rec: _Rec, text: str,
            notes: list[LoadError]) -> tuple[IndicatorInput, PublishedRow]:
    f = rec.fields
    declared = to_decimal(f.get("score", ""))
    if f.get("score") and declared is None:
        notes.append(LoadError(rec.loc.file or "", rec.loc.line, "得分", f"得分“{f['score']}”不是数字"))
    evidence = "\n".join(x for x in (f.get("actual", ""), strip_explanation(f.get("evidence", ""))) if x)
    if rec.execution is not None or rec.form_row is not None:
        return _generic_inputs(parsed, indicator, rec, declared, evidence)
    weight, target, rule = indicator.weight, indicator.target, parsed.rule
    data: dict[str, Any] = {"declared": declared, "evidence": evidence, "loc": rec.loc}
    confidence: Confidence = "high"
    note, verified, actual = "", True, None
    if rule is None:
        if declared is not None:
            data["manual"] = declared
        note = "评价人判断，按申报得分计"
    else:
        names = [p["input"] for p in rule.get("parts", ()) if p.get("input")]
        values = extract_values(evidence, names) if names else None
        reads = _probe_actual(rule, weight, parsed.actual_target or target)
        if names and values:
            data["values"] = values
            note, confidence = "各部分实际值依次取自评分过程", "medium"
        elif reads and not names:
            actual = _questionnaire_score(evidence) if rule["type"] == "questionnaire" else None
            if actual is None:
                actual = extract_actual(evidence, parsed.actual_target or target)
            if actual is None and rule["type"] == "questionnaire":
                actual = _questionnaire_score(text)
                note = "问卷综合得分取自问卷调查报告" if actual is not None else ""
            if actual is not None:
                data["actual"] = actual
                note = note or "实际值取自评分过程"
                confidence = "high" if note.startswith("实际值") else "medium"
        if "actual" not in data and "values" not in data:
            inferred = _infer(rule, weight, declared, evidence)
            if inferred is not None:
                data.update(inferred.data)
                confidence, note = inferred.confidence, inferred.note
            elif declared is not None:
                data["override"] = {"score": declared, "reason": UNVERIFIED}
                confidence, note, verified = "low", UNVERIFIED, False
            else:
                confidence, note, verified = "low", "既无实际值也无申报得分，无法计分", False
    try:
        item = IndicatorInput.model_validate(data)
    except ValidationError as exc:
        notes.append(LoadError(rec.loc.file or "", rec.loc.line, indicator.code, f"输入无效：{exc.errors()[0]['msg']}"))
        item = IndicatorInput(declared=declared, evidence=evidence, loc=rec.loc)
        verified = False
    row = PublishedRow(code=indicator.code, name=indicator.name, weight=weight, declared=declared,
                       criteria=indicator.criteria, evidence=evidence, parsed=parsed, input_confidence=confidence,
                       input_note=note, verified=verified, loc=rec.loc, actual=item.actual)
    return item, row


def _printed_as_target(target: str, actual: str) -> bool:
    """Whether a 定性 row's 实际完成值 repeats its 年度指标值 word for word (a target met as written)."""
    def norm(text: str) -> str:
        return re.sub(r"[\s.。,，;；、]+$", "", re.sub(r"\s+", "", text or ""))
    t, a = norm(target), norm(actual)
    return len(t) >= 2 and t == a and not re.search(r"\d", t) and t not in ("—", "-", "/", "无")


def _generic_inputs(parsed: ParsedCriteria, indicator: Indicator, rec: _Rec, declared: Decimal | None,
                    evidence: str) -> tuple[IndicatorInput, PublishedRow]:
    """Inputs of a row scored by the form's generic rules (``jixiao.core.project_form``)."""
    from jixiao.core.project_form import _input

    if rec.execution is not None:
        rate = rec.execution.execution_rate()
        evidence = (f"全年执行数{fmt(rec.execution.total.spent)}÷全年预算数{fmt(rec.execution.total.annual)}"
                    f"＝{fmt(rate)}%" if rate is not None else "项目资金表缺少全年预算数或全年执行数")
        item = IndicatorInput(actual=rate, declared=declared, evidence=evidence, loc=rec.loc)
        note, verified = "执行率由项目资金表计算", rate is not None
    else:
        try:
            item = _input(rec.form_row).model_copy(update={"loc": rec.loc, "evidence": evidence, "declared": declared})
        except ValueError:  # 实际完成值 “完成” for a numeric 年度指标值
            item = IndicatorInput(declared=declared, evidence=evidence, loc=rec.loc)
        if item.actual is None and item.judgement is None and rec.form_row.qualitative \
                and _printed_as_target(rec.form_row.target, rec.form_row.actual):
            # 定性: the 实际完成值 is the 年度指标值 word for word (改善学校的办学条件 / 改善学校的办学条件)
            item = item.model_copy(update={"judgement": "达成", "manual": declared})
        verified = item.actual is not None or item.judgement is not None
        note = "实际完成值取自表中" if verified else "实际完成值不是数值，无法按通用规则计分"
    if not verified and declared is not None:
        item = IndicatorInput.model_validate({**item.model_dump(exclude_none=True, exclude={"override"}),
                                              "override": {"score": declared, "reason": UNVERIFIED}})
    flat = (rec.loc.file or "").endswith("#连续文字")  # re-cut from flattened text: a reading with a choice in it
    row = PublishedRow(code=indicator.code, name=indicator.name, weight=indicator.weight, declared=declared,
                       criteria=indicator.criteria, evidence=evidence, parsed=parsed,
                       input_confidence=("medium" if flat else "high") if verified else "low", input_note=note,
                       verified=verified,
                       loc=rec.loc, actual=item.actual, money=rec.execution)
    return item, row


def _total_numbers(raw: RawTable, inputs: dict[str, IndicatorInput], groups: list[Group]
                   ) -> tuple[Decimal | None, Decimal | None]:
    """(declared score, printed weights total) of the 合计/总分 row.

    Two numbers: weights then score. One number in a positional row is what its column says
    (分值 → the weights total, else the declared score); in a pipe dump (blanks dropped) it is the
    weights total when it equals the rows' weights sum or 100 and empty cells follow it past the
    得分 column — ``合计 | 100 | |||||`` declares no score."""
    if raw.total is None:
        return None, None
    cells = raw.total.cells
    numbers = [to_decimal(c) for c in cells if is_number(c)]
    if not numbers:
        return None, None
    if len(numbers) >= 2:
        return numbers[-1], numbers[0]
    number = numbers[0]

    def weights(group: Group) -> Decimal:
        return sum((i.weight for i in group.indicators if i.weight is not None), ZERO) + sum((weights(g) for g in group.groups), ZERO)

    total_weight = sum((weights(g) for g in groups), ZERO)
    if raw.total.positional:  # the column says which it is
        at = next(k for k, c in enumerate(cells) if is_number(c))
        role = raw.roles[at] if at < len(raw.roles) else None
        return (None, number) if role == "weight" else (number, None)
    if "score" in raw.roles and "weight" in raw.roles and number in (total_weight, Decimal(100)):
        # pipe dump: blanks follow the number up to the 得分 column and on: 得分 is empty
        at = raw.roles.index("score")
        if is_number(cells[-1]) and raw.total.blank_after >= len(raw.roles) - at:
            return None, number
    return number, None


def _indicators_of(group: Group) -> list[Indicator]:
    return list(group.indicators) + [i for g in group.groups for i in _indicators_of(g)]


def build_table(raw: RawTable, index: int, *, file: str, text: str, year: int, unit: str,
                notes: list[LoadError]) -> PublishedTable | None:
    """One raw table as a framework and an evaluation; None (with a note) if it has no rows."""
    builder = _Builder(raw, notes)
    if raw.truncated is not None:
        cut = re.sub(r"\s+", " ", " ".join(c for c in raw.truncated.cells if c.strip()))[:40]
        notes.append(LoadError(raw.truncated.loc.file or file, raw.truncated.loc.line, "", raw.truncated_note or
                               f"文本在此行中断（“{cut}…”），该行得分未印出，未读取；只核查已印出的各行，不核查总分和该行所属标题的分值"))
    if raw.money is not None:
        builder.execution(raw.money)
    for row in raw.rows:
        builder.add(row)
    generic = "criteria" not in raw.roles and bool({"target", "actual"} & set(raw.roles))
    if not any(g.rows for l1 in builder.levels for g in l1.groups):
        notes.append(LoadError(raw.header.file or file, raw.header.line, "", "指标表没有可读的指标行"))
        return None
    codes = _Codes(index)
    groups: list[Group] = []
    inputs: dict[str, IndicatorInput] = {}
    rows: list[PublishedRow] = []
    unweighted = _points_on_headings_only(raw, builder)
    block_codes: list[str] = []
    block_findings: list = []
    letters = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")

    def block(heading: str, points: Decimal, recs: list, loc) -> Indicator:
        code = codes.take(None)
        block_codes.append(code)
        ind, item, listed, found = build_block(code, heading, points, recs, loc)
        inputs[code] = item
        rows.extend(listed)
        block_findings.extend(found)
        return ind

    if raw.cut_in_rows and builder.levels and not unweighted:
        # the text ends inside the last headings: their points cover rows not in it, so they are not
        # checked against the rows and sub-headings present (the earlier headings are; a block keeps
        # its heading's points: they are its weight, its rows present checked against them)
        last = builder.levels[-1]
        for heading in (last, *(last.groups[-1:])):
            if heading.points is not None:
                where = heading.loc or raw.header
                name = "".join(heading.name.split())
                notes.append(LoadError(where.file or file, where.line, "",
                                       f"“{name}”标明{fmt(heading.points)}分，其下的行在文本中断处之后未全部印出，不核对该标题的分值"))
                heading.points = None
    for l1 in builder.levels:
        l1_code = codes.take(l1.code or f"T{index}-{next(letters)}")
        children: list[Group] = []
        direct: list[Indicator] = []
        recs = [rec for l2 in l1.groups for rec in l2.rows]
        blocked = unweighted and recs and all(rec.execution is None for rec in recs)
        if blocked and l1.points is not None and all(l2.points is None for l2 in l1.groups):
            # ``产出指标(60分)`` over rows without 分值 (their 二级 headings print no points): one block
            groups.append(Group(code=l1_code, name=l1.name or "（未标明一级指标）", points=l1.points,
                                indicators=(block(l1.name, l1.points, recs, l1.loc),), loc=l1.loc))
            continue
        for j, l2 in enumerate(l1.groups, 1):
            indicators: list[Indicator] = []
            if blocked and l2.points is not None and l2.rows:
                l2_code = codes.take(l2.code or f"{l1_code}{j}")
                children.append(Group(code=l2_code, name=l2.name or l2_code, points=l2.points,
                                      indicators=(block(l2.name, l2.points, l2.rows, l2.loc),), loc=l2.loc))
                continue
            for rec in l2.rows:
                name, points, published = parse_heading(rec.fields["level3"])
                if "weight" not in raw.roles and points is not None and "weight" not in rec.fields:
                    rec.fields["weight"] = fmt(points)  # 目标内容(4分): the row's points in its name
                published = published if published and code_depth(rec.fields["level3"]) >= 3 else None
                code = codes.take(published)
                parts = _merge_subrows(rec) if rec.subrows else [rec]
                if len(parts) == 1:
                    ind, parsed, _ = _indicator(parts[0], code, name, notes, generic)
                    item, row = _inputs(parsed, ind, parts[0], text, notes)
                    indicators.append(ind)
                    inputs[code] = item
                    rows.append(row)
                    continue
                subs = []
                for k, part in enumerate(parts, 1):
                    sub_code = codes.take(f"{code}-{k}")
                    sub_name = f"{name}（{k}）"
                    if part.container and (printed := _SUBCODE_RE.match(re.sub(r"\s+", "", part.fields.get("level3", "")))):
                        sub_name = re.sub(r"\s+", "", part.fields["level3"])[printed.end():].strip(" 、.．:：") or sub_name
                    ind, parsed, _ = _indicator(part, sub_code, sub_name, notes, generic)
                    item, row = _inputs(parsed, ind, part, text, notes)
                    subs.append(ind)
                    inputs[sub_code] = item
                    rows.append(PublishedRow(**{**row.__dict__, "parent": code}))
                weight = sum((s.weight for s in subs), ZERO)
                indicators.append(Indicator(code=code, name=name, weight=weight, subrows=tuple(subs), loc=rec.loc,
                                            criteria="\n".join(s.criteria for s in subs if s.criteria)))
            if not l2.name and l2.code is None:
                direct.extend(indicators)
                continue
            l2_code = codes.take(l2.code or f"{l1_code}{j}")
            children.append(Group(code=l2_code, name=l2.name or l2_code, points=l2.points,
                                  indicators=tuple(indicators), loc=l2.loc))
        groups.append(Group(code=l1_code, name=l1.name or "（未标明一级指标）", points=l1.points,
                            groups=tuple(children), indicators=tuple(direct), loc=l1.loc))
    if raw.truncated is not None and block_codes:
        # the text ends inside the last block: rows of it are missing, so its rows meeting their
        # targets say nothing of the points it lost
        block_findings = [f for f in block_findings if not (f.code == block_codes[-1] and f.kind == "block-met-but-lost")]
    if block_codes:
        notes.append(LoadError(raw.header.file or file, raw.header.line, "",
                               "表中各行未印出分值，分值只标在其上的标题（如“产出指标(60分)”“年度绩效目标1(40分)”）：每个标题"
                               "按一行计（分值为标题的分值，得分为所属各行得分之和），各行列于其下，与标题的分值核对，不按行计分"))
    declared_total, weight_total = _total_numbers(raw, inputs, groups)
    if declared_total is None and raw.total is None and raw.truncated is None and raw.header_total_declared:
        declared_total = raw.header_total  # a whole table whose 自评得分 is printed in its header (Ningxia)
    if declared_total is None and raw.header_total is not None and raw.truncated is not None:
        # the 自评得分 of a table cut by the end of the text: checked only when no score of the cut
        # row (at most its 分值) can make it right
        cut = to_decimal(_row_fields(raw.truncated, raw.roles, []).get("weight", ""))
        scores = [item.declared for item in inputs.values()]
        if cut is not None and scores and all(x is not None for x in scores) \
                and raw.header_total > sum(scores, ZERO) + cut:
            declared_total = raw.header_total
            notes.append(LoadError(raw.header.file or file, raw.header.line, "",
                                   f"自评得分{fmt(raw.header_total)}分：已印出各行得分合计{fmt(sum(scores, ZERO))}分，"
                                   f"中断的一行满分{fmt(cut)}分，合计最多{fmt(sum(scores, ZERO) + cut)}分，自评得分不可能成立"))
    title = raw.title if raw.title and _TITLE.search(raw.title) else (_title_in(text) or raw.title or f"指标表{index}")
    stem = Path(file).stem
    try:
        extra: dict[str, Any] = {}
        if raw.truncated is not None:  # only the rows present: no 100-point total that is not printed
            extra["total"] = sum((i.weight for g in groups for i in _indicators_of(g)), ZERO)
        elif raw.money is None and raw.block_points is not None and raw.block_points < 100:
            # ``绩效指标(90分)`` with no 预算执行情况 block before it (above the copy): the table is that part
            extra["total"] = raw.block_points
        framework = Framework(id=f"published-{stem}-{index}", name=title, kind=_kind(title, text),
                              version=str(year), source=f"{Path(file).name} 表{index}（按公开文本导入）",
                              groups=tuple(groups), loc=raw.header, **extra)
        evaluation = Evaluation(unit=Unit(name=unit), year=year, framework=framework, title=title,
                                inputs=inputs, declared_total=declared_total, loc=raw.total.loc if raw.total else raw.header)
    except ValidationError as exc:
        for err in exc.errors():
            notes.append(LoadError(raw.header.file or file, raw.header.line, ".".join(map(str, err["loc"])),
                                   str(err.get("ctx", {}).get("error", err["msg"]))))
        return None
    return PublishedTable(index=index, title=title, framework=framework, evaluation=evaluation, rows=tuple(rows),
                          declared_total=declared_total, declared_weight_total=weight_total, loc=raw.header,
                          printed_total=declared_total if declared_total is not None else raw.header_total,
                          form_findings=tuple(block_findings))


def _title_in(text: str) -> str | None:
    """The first short line of the text naming a score table (``2022年度项目支出绩效自评表``), when the
    table itself came with none (text re-cut, or cells run together)."""
    from jixiao.io.traditional import to_simplified

    lines = [re.sub(r"[\s|]+", " ", line).strip() for line in to_simplified(text).splitlines()]
    lines = [l for l in lines if 4 <= len(l) <= 60 and _TITLE.search(l) and not re.search(r"\d+(?:\.\d+)?\s+\d", l)]
    # a 自评表 before any other table named above it (a 基础数据表 printed first)
    return next((l for l in lines if "自评" in l), lines[0] if lines else None)


def _points_on_headings_only(raw: RawTable, builder: _Builder) -> bool:
    """Whether the table prints no 分值 for its rows, only for headings above them (a 分值
    column, a row's own weight or points in its name say otherwise): its rows then stand in
    blocks under those headings (``jixiao.io.published.blocks``)."""
    if "weight" in raw.roles:
        return False
    recs = [rec for l1 in builder.levels for l2 in l1.groups for rec in l2.rows if rec.execution is None]
    if not recs or any(rec.fields.get("weight") or rec.subrows or parse_heading(rec.fields.get("level3", ""))[1]
                       is not None for rec in recs):
        return False
    return any(l1.points is not None or any(l2.points is not None for l2 in l1.groups)
               for l1 in builder.levels if not any(rec.execution is not None for l2 in l1.groups for rec in l2.rows))
