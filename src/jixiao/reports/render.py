"""Render a scored evaluation into a Word report with docxtpl.

``render_report`` picks the built-in template by the framework's kind (部门整体 →
department.docx, 项目支出 → project.docx) unless a template path is given, builds the context
(``context.build_context``), draws the charts, renders, and then finishes the document in two
steps that templates cannot express:

* cells whose field ends in ``_cell`` (marked text, see ``context.merge_cell``) merge
  vertically with identical cells above them — the merged 一级/二级指标 columns;
* every table is fitted to the text width of its section (wide rows shrink proportionally).

Two copies come from the same template: the agency's report (the default — no audit
findings, no declared scores, no tool name in the text or the document properties) and,
with ``reviewer=True``, the reviewer's copy (复核底稿) with the attachments 核查发现 and
评分复核说明. ``render`` also says what is still to fill in (``Rendered.placeholders``).

A user template is checked first (``check.check_template``); errors stop rendering with
``TemplateInvalid`` listing each problem and where it is.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from jinja2 import Environment, TemplateError

from jixiao.core.audit import Finding
from jixiao.core.scoring import ScoreSheet

from .context import MARK, build_context

TEMPLATES = Path(__file__).resolve().parent / "templates"
BUILTIN = {"部门整体": "department.docx", "项目支出": "project.docx"}
_MARKED = re.compile(f"{MARK}([^{MARK}]*){MARK}")
_PLACEHOLDER = re.compile(r"【待填写：([^】]*)】")


class ReportError(RuntimeError):
    """The report could not be produced (template error, unwritable file…)."""


class TemplateInvalid(ReportError):
    """A user template has errors; ``problems`` lists them (TemplateProblem)."""

    def __init__(self, path: Path, problems: list):
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"模板 {path} 有{len(problems)}处错误：\n{lines}")


def builtin_template(kind: str) -> Path:
    """The built-in template for a framework kind (部门整体 / 项目支出)."""
    try:
        return TEMPLATES / BUILTIN[kind]
    except KeyError:
        raise ReportError(f"没有“{kind}”类型的内置模板") from None


def jinja_env() -> Environment:
    """The Jinja environment reports render with: autoescaped, so text with < or & stays valid XML."""
    return Environment(autoescape=True)


@dataclass
class Rendered:
    """A written report: its path, the placeholders still in it (``报告日期``, ``绩效目标``…,
    in document order), and the narrative totals replaced by the computed one."""

    path: Path
    placeholders: list[str] = field(default_factory=list)
    total_fixes: list[dict] = field(default_factory=list)

    def remaining_text(self) -> str:
        """报告中仍有2处待填写：绩效目标、评价小组成员 — or that nothing is left."""
        if not self.placeholders:
            return "报告中没有待填写的内容。"
        return f"报告中仍有{len(self.placeholders)}处待填写：{'、'.join(self.placeholders)}"


def placeholders_in(document) -> list[str]:
    """Every 【待填写：…】 left in a document (body and tables), in order, each once."""
    text = "".join(t.text or "" for t in document.element.body.iter(qn("w:t")))
    seen: list[str] = []
    for title in _PLACEHOLDER.findall(text):
        if title not in seen:
            seen.append(title)
    return seen


def render_report(sheet: ScoreSheet, findings: list[Finding], out_path: Path | str,
                  template: Path | str | None = None, *, reviewer: bool = False,
                  report_date: str | None = None) -> Path:
    """Write the Word report of ``sheet`` to ``out_path``: the agency's report, or with
    ``reviewer=True`` the reviewer's copy carrying the audit ``findings``.

    ``template`` is a .docx docxtpl template; by default the built-in one for the
    framework's kind. ``report_date`` overrides the evaluation's (default: today).
    Returns ``out_path``."""
    return render(sheet, findings, out_path, template, reviewer=reviewer, report_date=report_date).path


def render(sheet: ScoreSheet, findings: list[Finding], out_path: Path | str,
           template: Path | str | None = None, *, reviewer: bool = False,
           report_date: str | None = None) -> Rendered:
    """``render_report`` returning what is left to fill in as well (``Rendered``)."""
    out_path = Path(out_path)
    if template is None:
        template_path = builtin_template(sheet.framework.kind)
    else:
        from .check import check_template

        template_path = Path(template)
        errors = [p for p in check_template(template_path) if p.severity == "error"]
        if errors:
            raise TemplateInvalid(template_path, errors)
    tpl = DocxTemplate(str(template_path))
    with tempfile.TemporaryDirectory(prefix="jixiao-charts-") as tmp:
        context = build_context(sheet, findings, tpl=tpl, chart_dir=Path(tmp), reviewer=reviewer,
                                report_date=report_date)
        try:
            tpl.render(context, jinja_env())
        except TemplateError as exc:
            where = f"第{exc.lineno}行附近：" if getattr(exc, "lineno", None) else ""
            raise ReportError(f"模板 {template_path} 渲染失败：{where}{exc}") from exc
        document = tpl.docx
        merge_marked_cells(document)
        fit_tables(document)
        set_properties(document, context)
        placeholders = placeholders_in(document)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            tpl.save(str(out_path))
        except OSError as exc:
            raise ReportError(f"无法写入 {out_path}：{exc}") from exc
    return Rendered(out_path, placeholders, context["total_fixes"])


def set_properties(document, context: dict) -> None:
    """Document properties a reader sees (File → Properties): the title, the evaluating unit
    as author, the rules as 规则版本 … · 校验码 …. The agency's report names no tool; the
    reviewer's copy says it is the 复核底稿 and which jixiao wrote it."""
    props = document.core_properties
    props.title = context["report_title"] + ("（复核底稿）" if context["reviewer"] else "")
    props.author = props.last_modified_by = context["evaluator"]
    props.comments = context["rules_version"]
    props.subject = context["project_name"]
    props.keywords = "复核底稿" if context["reviewer"] else ""
    props.category = context["generator"]
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None)
    props.created = props.modified = now
    props.revision = 1


# --- finishing: merged cells ---------------------------------------------------------------

def _cell_text(tc) -> str:
    return "".join(t.text or "" for t in tc.iter(qn("w:t")))


def _grid_cells(tr) -> list[tuple[int, object]]:
    """(starting grid column, tc) for each cell of a row."""
    out, col = [], 0
    for tc in tr.findall(qn("w:tc")):
        out.append((col, tc))
        pr = tc.find(qn("w:tcPr"))
        span = pr.find(qn("w:gridSpan")) if pr is not None else None
        col += int(span.get(qn("w:val"))) if span is not None else 1
    return out


def _set_vmerge(tc, value: str | None) -> None:
    pr = tc.find(qn("w:tcPr"))
    if pr is None:
        pr = OxmlElement("w:tcPr")
        tc.insert(0, pr)
    old = pr.find(qn("w:vMerge"))
    if old is not None:
        pr.remove(old)
    merge = OxmlElement("w:vMerge")
    if value:
        merge.set(qn("w:val"), value)
    # schema order: tcW, gridSpan, hMerge, vMerge, tcBorders, shd, …
    anchor = None
    for name in ("w:gridSpan", "w:tcW", "w:cnfStyle"):
        anchor = pr.find(qn(name))
        if anchor is not None:
            break
    if anchor is not None:
        anchor.addnext(merge)
    else:
        pr.insert(0, merge)


def _clear(tc) -> None:
    """Leave one empty paragraph (keeping its properties) in a continued merged cell."""
    paragraphs = tc.findall(qn("w:p"))
    for p in paragraphs[1:]:
        tc.remove(p)
    if paragraphs:
        for child in list(paragraphs[0]):
            if child.tag != qn("w:pPr"):
                paragraphs[0].remove(child)


def merge_marked_cells(document) -> int:
    """Merge vertically adjacent cells carrying the same merge key, strip the keys; returns
    the number of cells merged into the one above."""
    merged = 0
    for tbl in document.element.body.iter(qn("w:tbl")):
        previous: dict[int, tuple[str, object]] = {}
        for tr in tbl.findall(qn("w:tr")):
            current: dict[int, tuple[str, object]] = {}
            for col, tc in _grid_cells(tr):
                match = _MARKED.match(_cell_text(tc))
                if not match:
                    continue
                key = match.group(1)
                above = previous.get(col)
                if above and above[0] == key:
                    if above[1] is not None:
                        _set_vmerge(above[1], "restart")
                    _set_vmerge(tc, None)
                    _clear(tc)
                    current[col] = (key, None)
                    merged += 1
                else:
                    current[col] = (key, tc)
            previous = current
    for t in document.element.body.iter(qn("w:t")):
        if t.text and MARK in t.text:
            t.text = _MARKED.sub("", t.text)
    return merged


# --- finishing: table widths ---------------------------------------------------------------

def _sections_of_tables(document):
    """Yield (tbl, text width in twips) for every top-level table, by the section it is in."""
    body = document.element.body
    pending = []
    for child in body.iterchildren():
        if child.tag == qn("w:tbl"):
            pending.append(child)
        elif child.tag in (qn("w:p"), qn("w:sectPr")):
            sect = child if child.tag == qn("w:sectPr") else child.find(f"{qn('w:pPr')}/{qn('w:sectPr')}")
            if sect is not None:
                width = _text_width(sect)
                for tbl in pending:
                    yield tbl, width
                pending = []
    for tbl in pending:  # no closing sectPr (should not happen in a valid document)
        yield tbl, None


def _text_width(sect) -> int | None:
    size = sect.find(qn("w:pgSz"))
    margins = sect.find(qn("w:pgMar"))
    if size is None or margins is None:
        return None
    left = int(margins.get(qn("w:left"), "0"))
    right = int(margins.get(qn("w:right"), "0"))
    return int(size.get(qn("w:w"))) - left - right


def _tc_width(tc) -> int | None:
    pr = tc.find(qn("w:tcPr"))
    w = pr.find(qn("w:tcW")) if pr is not None else None
    if w is None or w.get(qn("w:type"), "dxa") != "dxa":
        return None
    return int(float(w.get(qn("w:w"), "0")))


def fit_tables(document) -> None:
    """Rebuild each table's grid from its cells and shrink tables wider than their section's
    text width, proportionally, so no table runs off the page."""
    for tbl, width in _sections_of_tables(document):
        rows = tbl.findall(qn("w:tr"))
        plain = [r for r in rows if all(_span(tc) == 1 for tc in r.findall(qn("w:tc")))]
        if not plain:
            continue
        model = max(plain, key=lambda r: len(r.findall(qn("w:tc"))))
        cols = [_tc_width(tc) for tc in model.findall(qn("w:tc"))]
        if any(c is None for c in cols):
            continue
        grid = tbl.find(qn("w:tblGrid"))
        if grid is not None:  # docxtpl spreads added loop columns evenly; the cells know better
            for col in grid.findall(qn("w:gridCol")):
                grid.remove(col)
            for c in cols:
                col = OxmlElement("w:gridCol")
                col.set(qn("w:w"), str(c))
                grid.append(col)
        total = sum(cols)
        if not width or total <= width:
            continue
        factor = width / total
        for col in grid.findall(qn("w:gridCol")) if grid is not None else ():
            col.set(qn("w:w"), str(int(int(col.get(qn("w:w"))) * factor)))
        for tc in tbl.iter(qn("w:tc")):
            w = _tc_width(tc)
            if w is not None:
                tc.find(qn("w:tcPr")).find(qn("w:tcW")).set(qn("w:w"), str(int(w * factor)))
        tbl_w = tbl.find(f"{qn('w:tblPr')}/{qn('w:tblW')}")
        if tbl_w is not None and tbl_w.get(qn("w:type")) == "dxa":
            tbl_w.set(qn("w:w"), str(int(total * factor)))


def _span(tc) -> int:
    pr = tc.find(qn("w:tcPr"))
    span = pr.find(qn("w:gridSpan")) if pr is not None else None
    return int(span.get(qn("w:val"))) if span is not None else 1


