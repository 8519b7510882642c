"""Render a scored evaluation into a Word report with docxtpl.

``render_report`` picks the built-in template by the framework's kind (部门整体 →
department.docx, 项目支出 → project.docx) unless a template path is given, builds the context
(``context.build_context``), draws the charts, renders, and then finishes the document in two
steps that templates cannot express:

* cells whose field ends in ``_cell`` (marked text, see ``context.merge_cell``) merge
  vertically with identical cells above them — the merged 一级/二级指标 columns;
* every table is fitted to the text width of its section (wide rows shrink proportionally).

A user template is checked first (``check.check_template``); errors stop rendering with
``TemplateInvalid`` listing each problem and where it is.
"""

from __future__ import annotations

import re
import tempfile
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


def render_report(sheet: ScoreSheet, findings: list[Finding], out_path: Path | str,
                  template: Path | str | None = None) -> Path:
    """Write the Word report of ``sheet`` (with the audit ``findings``) to ``out_path``.

    ``template`` is a .docx docxtpl template; by default the built-in one for the
    framework's kind. Returns ``out_path``."""
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
        context = build_context(sheet, findings, tpl=tpl, chart_dir=Path(tmp))
        try:
            tpl.render(context, jinja_env())
        except TemplateError as exc:
            where = f"第{exc.lineno}行附近：" if getattr(exc, "lineno", None) else ""
            raise ReportError(f"模板 {template_path} 渲染失败：{where}{exc}") from exc
        document = tpl.docx
        merge_marked_cells(document)
        fit_tables(document)
        props = document.core_properties
        props.title = context["report_title"]
        props.author = context["evaluator"]
        props.comments = f"{context['generator']}；规则指纹 {sheet.rules_hash[:12]}"
        out_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            tpl.save(str(out_path))
        except OSError as exc:
            raise ReportError(f"无法写入 {out_path}：{exc}") from exc
    return out_path


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


