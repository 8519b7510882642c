"""Auditing published self-evaluations: every table of a file imported as published
(``jixiao.io.published``), every score recomputed from its criteria (``jixiao.core``), every
inconsistency kept with a confidence (high / medium / low); the same as data for the site's
upload page, and for a folder a summary workbook ranking the reports by the number and
weight of their findings. ``jixiao audit`` (``jixiao.cli.audit``) prints it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from jixiao.core.audit import Finding, audit
from jixiao.core.criteria import Confidence, weakest
from jixiao.core.model import compare
from jixiao.core.numbers import ZERO, fmt
from jixiao.core.scoring import ScoreSheet, score
from jixiao.core.textaudit import TextFinding, text_audit
from jixiao.io.published import SUFFIXES, UNVERIFIED, PublishedFile, PublishedTable, import_published, narrative_text

#: Kinds whose evidence is the table's own arithmetic, not a reading of its words.
STRUCTURAL = {"weights-total", "group-points", "heading-points", "subrow-weights", "declared-total", "group-score",
              "above-weight", "below-zero", "questionnaire", "not-applicable"}
#: Kinds that follow from the rows' computed scores (as sure as the least sure of those).
DERIVED = {"total-mismatch", "group-mismatch", "grade-mismatch"}
#: The form's own checks that are not arithmetic: a row without 年度指标值 or 偏差原因 is
#: incomplete, not wrong; a missed target at full points may be the table's rounding (8676 of
#: 8755 × 15 = 14.86 → 15 at whole points). Every other form check (met-but-lost, money) is sure.
FORM_FINDING_CONFIDENCE: dict[str, Confidence] = {"reason-missing": "medium", "target-missing": "medium",
                                                  "target-missed-full": "medium",
                                                  "block-met-but-lost": "medium"}
SEVERITY_WEIGHT = {"error": Decimal(3), "warning": Decimal(2), "info": Decimal(1)}
CONFIDENCE_WEIGHT = {"high": Decimal(1), "medium": Decimal("0.6"), "low": Decimal("0.3")}


@dataclass(frozen=True)
class AuditFinding:
    """A finding of the arithmetic audit or of the text audit, with its confidence."""

    code: str
    kind: str
    title: str
    message: str
    severity: str
    confidence: Confidence
    location: str | None

    @property
    def weight(self) -> Decimal:
        return SEVERITY_WEIGHT.get(self.severity, Decimal(1)) * CONFIDENCE_WEIGHT[self.confidence]


@dataclass
class TableAudit:
    """One imported table, its recomputed sheet and its findings."""

    table: PublishedTable
    sheet: ScoreSheet
    findings: list[AuditFinding] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)

    @property
    def points_at_stake(self) -> Decimal:
        """Σ |declared − computed| over rows whose declared score departs from the rules."""
        return sum((abs(r.declared - r.score) for r in self.sheet.rows
                    if r.declared is not None and r.parent is None and r.declared != r.score and not r.error), ZERO)


def _row_confidence(table: PublishedTable, code: str) -> Confidence:
    rows = [r for r in table.rows if r.code == code or r.parent == code]
    return weakest(*(r.confidence for r in rows)) if rows else "medium"


def _criteria_confidence(table: PublishedTable, code: str) -> Confidence:
    rows = [r for r in table.rows if r.code == code]
    return rows[0].parsed.confidence if rows else "medium"


_GENERIC_SAID = {"generic": "本表无评分标准，按项目支出绩效自评表通用规则计分（正向/反向/定性）",
                 "saturating_rate": "按通用规则：预算执行率×分值"}


def _shape(table: PublishedTable, code: str) -> str | None:
    rows = [r for r in table.rows if r.code == code]
    return rows[0].parsed.shape if rows else None


def _input_sure(table: PublishedTable, code: str) -> bool:
    return all(r.input_confidence == "high" for r in table.rows if r.code == code)


def _met_but_lost(sheet: ScoreSheet, code: str) -> bool:
    """The target is met — the actual compared with the target itself, in the row's direction —
    yet the declared score is below the row's points. Not "the rule gives full points": with
    scores rounded as the table prints them, a missed target (8676 of 8755 → 14.86 → 15) can
    round up to full, and that is no evidence that the target was met."""
    try:
        row = sheet.row(code)
    except KeyError:
        return False
    if row.declared is None or row.declared >= row.weight:
        return False
    target, actual = row.indicator.target, row.input.actual
    if target.value is None or not isinstance(actual, Decimal):
        return row.score == row.weight  # 定性: the verdict is in the band of full points
    comparator = target.comparator
    if comparator is None:
        comparator = "<=" if row.indicator.direction == "反向" else ">="
    return compare(actual, comparator, target.value)


def audit_table(table: PublishedTable, narrative=(), totals=()) -> TableAudit:
    """Score an imported table and collect every finding, each with its confidence. Rows
    kept at their declared score for want of a published figure are listed as unverified,
    not as findings."""
    sheet = score(table.evaluation)
    result = TableAudit(table, sheet)
    raw: list[Finding] = audit(sheet)
    row_levels: list[Confidence] = []
    for f in raw:
        if f.kind == "override" and UNVERIFIED in f.message:
            result.unverified.append(f.code)
            continue
        if f.kind in STRUCTURAL:
            confidence: Confidence = "high"
        elif f.kind == "criteria-points":
            confidence = "high" if _criteria_confidence(table, f.code) == "high" else "medium"
        elif f.kind in DERIVED:
            continue
        else:
            confidence = _row_confidence(table, f.code)
            shape = _shape(table, f.code)
            if shape in ("generic", "saturating_rate") and f.kind in ("score-mismatch", "target-missed-full"):
                met_but_lost = f.kind == "score-mismatch" and _met_but_lost(sheet, f.code)
                if (shape == "saturating_rate" or met_but_lost) and _input_sure(table, f.code):
                    confidence = "high"  # arithmetic: 分值×执行率, or a met target with points lost
                else:  # a partial score under a rule the table does not print: the agency's may differ
                    confidence = weakest(confidence, "medium")
                f = f._replace(message=f"{f.message}；{_GENERIC_SAID[shape]}" +
                            ("；实际完成值已达到指标值，却失分" if met_but_lost else ""))
            if f.kind == "score-mismatch":
                row_levels.append(confidence)
        result.findings.append(AuditFinding(f.code, f.kind, f.title, f.message, f.severity, confidence,
                                            str(f.loc) if f.loc else None))
    # a total that differs although no row's score was found to differ cannot be pinned on a
    # row (the difference hides in rows read with less certainty): not high
    derived_confidence = weakest(*row_levels) if row_levels else "medium"
    for f in raw:
        if f.kind in DERIVED:
            result.findings.append(AuditFinding(f.code, f.kind, f.title, f.message, f.severity, derived_confidence,
                                                str(f.loc) if f.loc else None))
    for t in text_audit(table.evaluation, narrative, totals):
        result.findings.append(_from_text(t))
    for row in table.rows:  # a 项目资金 block read with a table: its own checks (core.project_form)
        if row.money is not None:
            from jixiao.core.project_form import finding_title, money_findings

            for f in money_findings(row.money, row.loc):
                result.findings.append(AuditFinding(row.code, f.kind, finding_title(f), f.message, f.severity,
                                                    "high" if row.input_confidence == "high" else "medium",
                                                    str(row.loc)))
    for f in getattr(table, "form_findings", ()):  # a 项目支出绩效自评表's own checks (io.project_form_audit)
        result.findings.append(AuditFinding(f.code, f.kind, f.title, f.message, f.severity,
                                            FORM_FINDING_CONFIDENCE.get(f.kind, "high"),
                                            str(f.loc) if f.loc else None))
    return result


def _from_text(t: TextFinding) -> AuditFinding:
    return AuditFinding(t.code, t.kind, t.title, t.message, t.severity, t.confidence, str(t.loc) if t.loc else None)


def audit_file(path: Path, year: int | None = None) -> tuple[PublishedFile, list[TableAudit]]:
    """Import a published file and audit each of its tables; the report text is checked
    once, with the first table, against the declared totals of all tables."""
    published = import_published(path, year)
    totals = [t.declared_total for t in published.tables]
    narrative = list(narrative_text(published))
    audits = [audit_table(t, narrative if i == 0 else (), totals) for i, t in enumerate(published.tables)]
    return published, audits


def decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def table_json(ta: TableAudit) -> dict:
    """One audited table as JSON-ready data; numbers are strings of exact decimals."""
    t = ta.table
    return {
        "table": t.index,
        "title": t.title,
        "rows_read": t.rows_read,
        "rows_with_rule": t.rows_with_rule,
        "declared_total": decimal_text(t.declared_total),
        "computed_total": decimal_text(ta.sheet.total),
        "weight_total": decimal_text(ta.sheet.weight_total),
        "declared_weight_total": decimal_text(t.declared_weight_total),
        "grade": ta.sheet.grade,
        "points_at_stake": decimal_text(ta.points_at_stake),
        "findings": [
            {"code": f.code, "kind": f.kind, "title": f.title, "message": f.message, "severity": f.severity,
             "confidence": f.confidence, "location": f.location}
            for f in ta.findings
        ],
        "unverified": ta.unverified,
        "rows": [
            {"code": r.code, "parent": r.parent, "name": r.name, "weight": decimal_text(r.weight),
             "declared": decimal_text(r.declared), "actual": decimal_text(r.actual), "rule": r.parsed.shape, "rule_confidence": r.parsed.confidence,
             "rule_note": r.parsed.note, "input_note": r.input_note, "verified": r.verified,
             "location": str(r.loc)}
            for r in t.rows
        ],
    }


def file_json(published: PublishedFile, audits: list[TableAudit]) -> dict:
    """A file's audit: the one table's fields at top level, or ``tables`` for several."""
    head = {"file": published.path, "unit": published.unit, "year": published.year, "layout": published.layout,
            "notes": [str(e) for e in published.errors]}
    if len(audits) == 1:
        return {**head, **table_json(audits[0])}
    return {**head, "tables": [table_json(a) for a in audits]}


# --- for the site ----------------------------------------------------------------------------

def _named(where: str | None, name: str, path: str) -> str:
    """A location as the user knows it: the uploaded file's name, never the temporary path."""
    if not where:
        return ""
    where = where.replace(path, name)
    return Path(where).name if "/" in where or "\\" in where else where


def _note(e, name: str, path: str) -> str:
    where = _named(f"{e.file}:{e.line}" if e.file and e.line else (e.file or ""), name, path)
    return f"{where}：{e.message}" if where else e.message


#: How a confidence is said in Chinese (the site, the command).
CONFIDENCE_LABEL = {"high": "高", "medium": "中", "low": "低"}


def _rows_as_read(ta: TableAudit, name: str, path: str) -> list[dict]:
    """The table's rows as the reader read them, in the table's order, each with the score the
    sheet gives its code. A block row (a heading's points) comes with the rows listed under it
    (``weight`` None: no 分值 printed, no score of their own); a scored sub-row's parent, which
    the table does not print as a row, is shown from the sheet above its first sub-row."""
    t = ta.table
    sheet = {r.code: r for r in ta.sheet.rows}
    printed = {r.code for r in t.rows}
    rows: list[dict] = []
    for r in t.rows:
        if r.parent and r.parent not in printed and r.parent in sheet and not any(x["code"] == r.parent for x in rows):
            s = sheet[r.parent]
            rows.append({"code": s.code, "name": s.name, "weight": s.weight, "declared": s.declared, "actual": None,
                         "computed": s.score, "rule_note": s.explanation, "input_note": "", "evidence": "",
                         "confidence": CONFIDENCE_LABEL[_row_confidence(t, s.code)], "sub": False, "listed": False,
                         "where": "", "error": s.error})
        s = sheet.get(r.code)
        rows.append({"code": r.code, "name": r.name, "weight": r.weight, "declared": r.declared, "actual": r.actual,
                     "computed": s.score if s is not None else None, "rule_note": r.parsed.note,
                     "input_note": r.input_note, "evidence": r.evidence, "confidence": CONFIDENCE_LABEL[r.confidence],
                     "sub": r.parent is not None, "listed": r.parent is not None and r.weight is None,
                     "where": _named(str(r.loc) if r.loc else None, name, path),
                     "error": s.error if s is not None else None})
    heads = {r["code"] for r in rows} & {r.parent for r in t.rows if r.parent}
    for row in rows:
        row["head"] = row["code"] in heads
    return rows


def page_report(published: PublishedFile, audits: list[TableAudit], name: str) -> dict:
    """A file's audit for the site's upload page: plain strings, every location named by the
    uploaded file's own name (the upload is read from a temporary file), no command-line hints.
    Each table also lists its rows as read (``rows``), so that a reviewer can check the reading
    before trusting a finding; rows and findings name each other by anchors."""
    tables = []
    for ta in audits:
        t = ta.table
        rows = _rows_as_read(ta, name, published.path)
        findings = [{"code": f.code, "title": f.title, "message": f.message, "severity": f.severity,
                     "confidence": CONFIDENCE_LABEL[f.confidence], "where": _named(f.location, name, published.path)}
                    for f in ta.findings]
        for k, r in enumerate(rows, 1):
            r["anchor"] = f"t{t.index}-r{k}"
        row_anchor = {"总分": f"t{t.index}-total"}
        for r in rows:  # a code read twice: its findings point at its first row
            row_anchor.setdefault(r["code"], r["anchor"])
        first: dict[str, str] = {}
        for j, f in enumerate(findings, 1):
            f["anchor"], f["row_anchor"] = f"t{t.index}-f{j}", row_anchor.get(f["code"])
            first.setdefault(f["code"], f["anchor"])
        for r in rows:
            r["finding_anchor"] = first.get(r["code"])
            r["findings"] = sum(1 for f in findings if f["code"] == r["code"])
        tables.append({
            "index": t.index, "title": t.title, "rows_read": t.rows_read, "rows_with_rule": t.rows_with_rule,
            "declared_total": t.declared_total, "computed_total": ta.sheet.total, "weight_total": ta.sheet.weight_total,
            "grade": ta.sheet.grade, "unverified": "、".join(ta.unverified),
            "generic": sum(1 for r in t.rows if r.parsed.shape == "generic"),
            "findings": findings, "rows": rows,
            "total": {"anchor": row_anchor["总分"], "printed": t.printed_total, "checked": t.declared_total is not None,
                      "finding_anchor": first.get("总分"), "findings": sum(1 for f in findings if f["code"] == "总分")},
        })
    return {"name": name, "layout": published.layout, "year": published.year, "tables": tables,
            "notes": [_note(e, name, published.path) for e in published.errors]}


# --- a folder of reports ------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportSummary:
    """One report's line in the folder summary."""

    file: str
    unit: str
    year: int | None
    tables: int
    rows_read: int
    rows_with_rule: int
    declared: str
    computed: str
    findings: int
    high: int
    weight: Decimal
    points: Decimal
    errors: int


def summarize(published: PublishedFile, audits: list[TableAudit]) -> ReportSummary:
    findings = [f for a in audits for f in a.findings]
    return ReportSummary(
        file=Path(published.path).name, unit=published.unit, year=published.year, tables=len(audits),
        rows_read=sum(a.table.rows_read for a in audits), rows_with_rule=sum(a.table.rows_with_rule for a in audits),
        declared="、".join(fmt(a.table.declared_total) for a in audits),
        computed="、".join(fmt(a.sheet.total) for a in audits),
        findings=len(findings), high=sum(1 for f in findings if f.confidence == "high"),
        weight=sum((f.weight for f in findings), ZERO), points=sum((a.points_at_stake for a in audits), ZERO),
        errors=0 if audits else len(published.errors))


def rank(summaries: list[ReportSummary]) -> list[ReportSummary]:
    """Reports with the heaviest findings first (weight = Σ severity × confidence), then by
    number of findings, then by the points at stake."""
    return sorted(summaries, key=lambda s: (-s.weight, -s.findings, -s.points, s.file))


def write_summary(results: list[tuple[PublishedFile, list[TableAudit]]], out: Path) -> list[ReportSummary]:
    """A workbook: 汇总 (reports ranked) and 发现明细 (every finding)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    ranked = rank([summarize(p, a) for p, a in results])
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    head = ("排名", "文件", "单位", "年度", "表数", "读取指标行", "可执行规则行", "申报总分", "重算总分", "发现数",
            "高可信发现数", "加权发现数", "涉及分值", "无法读取")
    ws.append(head)
    for i, s in enumerate(ranked, 1):
        ws.append((i, s.file, s.unit, s.year, s.tables, s.rows_read, s.rows_with_rule, s.declared, s.computed,
                   s.findings, s.high, float(s.weight), float(s.points), s.errors))
    detail = wb.create_sheet("发现明细")
    detail.append(("文件", "表", "编码", "类别", "严重程度", "可信度", "说明", "位置"))
    for published, audits in results:
        for a in audits:
            for f in a.findings:
                detail.append((Path(published.path).name, a.table.index, f.code, f.title, f.severity, f.confidence,
                               f.message, f.location or ""))
        if not audits:
            for e in published.errors:
                detail.append((Path(published.path).name, "", "", "无法读取", "error", "high", e.message, str(e)))
    for sheet in (ws, detail):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(out))
    return ranked


def published_files(folder: Path, out: Path) -> list[Path]:
    """The reports in a folder (not the summary being written, not Office lock files)."""
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(("~$", "."))
                  and p.resolve() != out.resolve())
