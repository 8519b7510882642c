"""Build the two built-in report templates (docxtpl) with python-docx.

    python -m jixiao.reports.build_templates            # rewrites reports/templates/*.docx

``department.docx`` follows the outline of published 部门整体支出 reports (seeds 000 and 002):
cover, 评价小组 table, sections 一 to 九, and attachments (指标体系评分表, 问卷调查报告, 财务指标,
收入支出决算表, 核查发现). ``project.docx`` follows the 项目支出 outline of seed 003 with the
score table in the nine-column layout of seed 004. The generated files are committed; rerun
this script after changing it. Fonts are named as agencies name them (仿宋, 宋体, 黑体, 楷体);
PDF conversion maps them to Noto CJK (see ``pdf.py``). Body pages are A4 portrait, the
attachments an A4 landscape section whose tables fit the page width.

Every template tag sits in a single run, so Word sees whole tags; the context fields used
here are documented in docs/reports.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

TEMPLATES = Path(__file__).resolve().parent / "templates"

FANGSONG, SONGTI, HEITI, KAITI = "仿宋", "宋体", "黑体", "楷体"
PORTRAIT_WIDTH = 160  # mm of text width on A4 portrait with 25 mm margins
LANDSCAPE_WIDTH = 257  # mm of text width on A4 landscape with 20 mm margins
CENTER, LEFT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT


# --- styles ------------------------------------------------------------------------------

def _set_fonts(rpr_owner, name: str) -> None:
    """Name ``name`` for every script (ascii, hAnsi, eastAsia, cs) and drop theme fonts."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _paragraph_style(doc, name: str, font: str, size: float, *, bold: bool = False, align=None,
                     indent_chars: float = 0, before: float = 0, after: float = 0, exact: float | None = None,
                     base: str | None = "Normal", keep_next: bool = False, page_break: bool = False,
                     left_mm: float = 0):
    styles = doc.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if base and name != base:
        style.base_style = styles[base]
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    _set_fonts(style.element, font)
    pf = style.paragraph_format
    if align is not None:
        pf.alignment = align
    pf.first_line_indent = Pt(size * indent_chars) if indent_chars else Pt(0)
    pf.left_indent = Mm(left_mm) if left_mm else Pt(0)
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)
    if exact:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(exact)
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    pf.keep_with_next = keep_next
    pf.page_break_before = page_break
    pf.widow_control = True
    return style


def define_styles(doc) -> None:
    """Chinese report styles: 仿宋 body, 黑体 headings, 宋体 titles and tables, zh-CN language."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FANGSONG)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    lang.set(qn("w:bidi"), "ar-SA")
    _paragraph_style(doc, "Normal", FANGSONG, 14, base=None, exact=26)
    _paragraph_style(doc, "报告正文", FANGSONG, 14, indent_chars=2, exact=26, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _paragraph_style(doc, "封面标题", SONGTI, 26, bold=True, align=CENTER, after=12, exact=40)
    _paragraph_style(doc, "封面信息", FANGSONG, 16, exact=36, left_mm=22)
    _paragraph_style(doc, "封面日期", FANGSONG, 16, align=CENTER, exact=36)
    _paragraph_style(doc, "报告标题", SONGTI, 20, bold=True, align=CENTER, before=6, after=18, exact=32)
    _paragraph_style(doc, "Heading 1", HEITI, 16, indent_chars=2, before=8, after=4, exact=28, keep_next=True)
    _paragraph_style(doc, "Heading 2", KAITI, 15, bold=True, indent_chars=2, before=4, after=2, exact=28,
                     keep_next=True)
    _paragraph_style(doc, "Heading 3", FANGSONG, 14, bold=True, indent_chars=2, exact=26, keep_next=True)
    _paragraph_style(doc, "附件标号", HEITI, 16, align=LEFT, after=6, exact=28, page_break=True, keep_next=True)
    _paragraph_style(doc, "附件标题", SONGTI, 18, bold=True, align=CENTER, after=10, exact=30, keep_next=True)
    _paragraph_style(doc, "表题", SONGTI, 12, bold=True, align=CENTER, before=6, after=6, keep_next=True)
    _paragraph_style(doc, "表格文字", SONGTI, 9, align=LEFT)
    _paragraph_style(doc, "表格居中", SONGTI, 9, align=CENTER)
    _paragraph_style(doc, "表头", HEITI, 9, align=CENTER)
    _paragraph_style(doc, "表注", SONGTI, 10.5, before=4)
    _paragraph_style(doc, "图片", FANGSONG, 12, align=CENTER, before=6)
    _paragraph_style(doc, "图表题注", SONGTI, 10.5, align=CENTER, after=8)
    _paragraph_style(doc, "签字行", FANGSONG, 14, exact=40)
    for name in ("Heading 1", "Heading 2", "Heading 3"):
        doc.styles[name].font.color.rgb = RGBColor(0, 0, 0)


# --- page layout -------------------------------------------------------------------------

def _portrait(section) -> None:
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin, section.bottom_margin = Mm(25), Mm(25)
    section.header_distance, section.footer_distance = Mm(12), Mm(12)


def _landscape(section) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin, section.bottom_margin = Mm(18), Mm(18)
    section.header_distance, section.footer_distance = Mm(10), Mm(10)


def _page_number_footer(section) -> None:
    """Centred “— N —” page numbers in the footer."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = CENTER
    paragraph.add_run("— ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "1"
    run.append(t)
    field.append(run)
    paragraph._p.append(field)
    paragraph.add_run(" —")
    for run in paragraph.runs:
        run.font.size = Pt(12)
        _set_fonts(run._r, SONGTI)


def _insert_before(parent, element, successors: tuple[str, ...]) -> None:
    """Insert ``element`` into ``parent`` before the first of ``successors`` (schema order)."""
    for name in successors:
        found = parent.find(qn(name))
        if found is not None:
            found.addprevious(element)
            return
    parent.append(element)


class Builder:
    """Appends paragraphs and tables to a python-docx document, one tag per run."""

    def __init__(self) -> None:
        self.doc = Document()
        define_styles(self.doc)
        section = self.doc.sections[0]
        _portrait(section)
        section.different_first_page_header_footer = True
        _page_number_footer(section)
        self.width = PORTRAIT_WIDTH
        body = self.doc.element.body
        for p in list(body.iterchildren(qn("w:p"))):
            body.remove(p)

    def p(self, text: str = "", style: str = "报告正文", bold: bool = False, align=None):
        paragraph = self.doc.add_paragraph(style=style)
        if align is not None:
            paragraph.alignment = align
        if text:
            run = paragraph.add_run(text)
            if bold:
                run.bold = True
        return paragraph

    def runs(self, parts: list[tuple[str, bool]], style: str = "报告正文"):
        """One paragraph of several runs, (text, bold) each."""
        paragraph = self.doc.add_paragraph(style=style)
        for text, bold in parts:
            run = paragraph.add_run(text)
            run.bold = bold or None
        return paragraph

    def tag(self, tag: str):
        """A control paragraph (``{%p if … %}``), removed when the template renders."""
        return self.p(tag, style="Normal")

    def h(self, level: int, text: str):
        return self.p(text, style=f"Heading {level}")

    def page_break(self) -> None:
        paragraph = self.doc.add_paragraph(style="Normal")
        paragraph.add_run().add_break(WD_BREAK.PAGE)

    def landscape_section(self) -> None:
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        _landscape(section)
        section.different_first_page_header_footer = False
        self.width = LANDSCAPE_WIDTH

    def section_text(self, key: str) -> None:
        """A narrative section: the written text, or its highlighted placeholder."""
        self.p(f"{{{{r sections.{key}.rich }}}}")

    def image(self, expr: str, caption: str) -> None:
        self.tag(f"{{%p if {expr} %}}")
        self.p(f"{{{{ {expr} }}}}", style="图片")
        self.p(caption, style="图表题注")
        self.tag("{%p endif %}")

    def table(self, widths: list[float], header: list[str], rows: list[list[str | None]],
              aligns: str = "", font_size: float | None = None, keep_together: bool = False,
              row_height: float | None = None):
        """A full-width table. ``rows`` are lists of cell texts; ``None`` merges the cell into
        the one on its left; a row whose first cell starts with ``{%tr`` is a control row.
        ``aligns`` gives per column ``c`` (centre) or ``l`` (left) for data cells;
        ``keep_together`` keeps a short table on one page (and with the caption above it);
        ``row_height`` (mm) is the least height of every data row (room to sign)."""
        if sum(widths) > self.width + 0.5:
            raise ValueError(f"table of {sum(widths)} mm is wider than the {self.width} mm text width")
        table = self.doc.add_table(rows=1 + len(rows), cols=len(widths))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False  # w:tblLayout fixed: the widths below are kept
        tbl = table._tbl
        tbl_pr = tbl.tblPr
        tbl_w = tbl_pr.find(qn("w:tblW"))
        tbl_w.set(qn("w:type"), "dxa")
        tbl_w.set(qn("w:w"), str(int(Mm(sum(widths)).twips)))
        margins = OxmlElement("w:tblCellMar")
        for side in ("left", "right"):
            m = OxmlElement(f"w:{side}")
            m.set(qn("w:w"), "57")
            m.set(qn("w:type"), "dxa")
            margins.append(m)
        _insert_before(tbl_pr, margins, ("w:tblLook", "w:tblCaption", "w:tblDescription"))
        for col, width in zip(tbl.tblGrid.findall(qn("w:gridCol")), widths):
            col.set(qn("w:w"), str(int(Mm(width).twips)))
        header_row = table.rows[0]
        trpr = header_row._tr.get_or_add_trPr()
        trpr.append(OxmlElement("w:tblHeader"))
        for i, text in enumerate(header):
            self._cell(header_row.cells[i], text, "表头", widths[i])
            shade = OxmlElement("w:shd")
            shade.set(qn("w:val"), "clear")
            shade.set(qn("w:color"), "auto")
            shade.set(qn("w:fill"), "E7E6E6")
            _insert_before(header_row.cells[i]._tc.get_or_add_tcPr(), shade,
                           ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark"))
        for r, values in enumerate(rows, 1):
            row = table.rows[r]
            cells = row.cells
            for i, text in enumerate(values):
                align = aligns[i] if i < len(aligns) else "l"
                style = "表格居中" if align == "c" else "表格文字"
                if text is not None:
                    self._cell(cells[i], text, style, widths[i])
                else:
                    self._cell(cells[i], "", style, widths[i])
            start = None
            for i, text in enumerate(values + ["<end>"]):
                if text is None:
                    continue
                if start is not None and i - start > 1:
                    merged = cells[start].merge(cells[i - 1])
                    for extra in merged.paragraphs[1:]:
                        extra._p.getparent().remove(extra._p)
                start = i
        for row in table.rows if keep_together else ():
            row._tr.get_or_add_trPr().insert(0, OxmlElement("w:cantSplit"))
        for row, values in zip(table.rows[1:], rows) if row_height else ():
            if not (values[0] or "").startswith("{%"):
                row.height = Mm(row_height)
        paragraphs = [p for row in table.rows[:-1] for c in row.cells for p in c.paragraphs]
        for paragraph in paragraphs if keep_together else ():
            paragraph.paragraph_format.keep_with_next = True
        if font_size:
            for paragraph in (p for row in table.rows for c in row.cells for p in c.paragraphs):
                for run in paragraph.runs:
                    run.font.size = Pt(font_size)
        return table

    @staticmethod
    def _cell(cell, text: str, style: str, width: float) -> None:
        cell.width = Mm(width)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        paragraph = cell.paragraphs[0]
        paragraph.style = style
        if text:
            paragraph.add_run(text)

    def save(self, path: Path, title: str) -> Path:
        props = self.doc.core_properties
        props.title = title
        props.author = "jixiao"
        props.comments = "jixiao 报告模板（docxtpl）；字段说明见 docs/reports.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.doc.save(path)
        return path


# --- shared parts ------------------------------------------------------------------------

def attachment_list(b: Builder) -> None:
    b.p("附件：", style="报告正文")
    b.tag("{%p for a in attachments %}")
    b.p("{{ a.number }}．{{ a.title }}", style="报告正文")
    b.tag("{%p endfor %}")


def attachment_heading(b: Builder, key: str, title: str) -> None:
    b.p(f"附件{{{{ attachment_no.{key} }}}}", style="附件标号")
    b.p(title, style="附件标题")


def questionnaire_attachment(b: Builder) -> None:
    b.tag("{%p if questionnaires %}")
    attachment_heading(b, "questionnaires", "问卷调查报告")
    b.tag("{%p for q in questionnaires %}")
    b.p("{{ q.title }}", style="表题")
    b.table([12, 90, 70, 20, 20, 20, 25], ["序号", "问题内容", "选项内容", "标准分值", "选择人数", "得分小计", "本题得分率"], [
        ["{%tr for o in q.option_rows %}", "", "", "", "", "", ""],
        ["{{ o.no_cell }}", "{{ o.question_cell }}", "{{ o.label }}", "{{ o.points }}", "{{ o.count }}",
         "{{ o.subtotal }}", "{{ o.rate_cell }}"],
        ["{%tr endfor %}", "", "", "", "", "", ""],
        ["问卷总分", None, None, None, None, "{{ q.total }}", None],
        ["有效问卷份数", None, None, None, None, "{{ q.valid }}", None],
        ["问卷综合得分", None, None, None, None, "{{ q.score }}", None],
    ], aligns="cllcccc")
    b.p("{{ q.counts }}", style="表注")
    b.p("{{ q.summary }}", style="表注")
    b.tag("{%p endfor %}")
    b.tag("{%p endif %}")


def finance_attachment(b: Builder) -> None:
    b.tag("{%p if finance %}")
    attachment_heading(b, "finance", "成本效益分析（财务指标）")
    b.p("{{ finance.text }}", style="报告正文")
    b.p("主要财务指标", style="表题")
    b.table([15, 70, 50, 122], ["序号", "指标", "数值", "计算方法"], [
        ["{%tr for m in finance.metrics %}", "", "", ""],
        ["{{ m.no }}", "{{ m.label }}", "{{ m.value }}", "{{ m.formula }}"],
        ["{%tr endfor %}", "", "", ""],
    ], aligns="clcl")
    b.tag("{%p for n in finance.problems %}")
    b.p("注：{{ n }}", style="表注")
    b.tag("{%p endfor %}")
    b.tag("{%p endif %}")


def final_accounts_attachment(b: Builder) -> None:
    b.tag("{%p if final_accounts %}")
    attachment_heading(b, "final_accounts", "{{ final_accounts.heading }}")
    b.p("单位：{{ final_accounts.unit }}", style="表注", align=WD_ALIGN_PARAGRAPH.RIGHT)
    b.table([25, 50, 2, 25, 2], ["科目编码", "科目名称", "{%tc for c in final_accounts.columns %}", "{{ c }}",
                                  "{%tc endfor %}"], [
        ["{%tr for row in final_accounts.rows %}", "", "", "", ""],
        ["{{ row.code }}", "{{ row.name }}", "{%tc for v in row.cells %}", "{{ v }}", "{%tc endfor %}"],
        ["{%tr endfor %}", "", "", "", ""],
        ["合计", "", "{%tc for v in final_accounts.total_cells %}", "{{ v }}", "{%tc endfor %}"],
    ], aligns="clccc")
    b.tag("{%p for n in final_accounts.problems %}")
    b.p("注：{{ n }}", style="表注")
    b.tag("{%p endfor %}")
    b.tag("{%p endif %}")


def reviewer_mark(b: Builder) -> None:
    """The reviewer's copy says so on its first page; the agency's report shows nothing here."""
    b.tag("{%p if reviewer %}")
    b.p("{{ reviewer_mark }}", style="封面日期", bold=True)
    b.tag("{%p endif %}")


def review_attachment(b: Builder) -> None:
    """评分复核说明 (reviewer's copy): totals declared and computed, then every row with a
    declared score other than the computed one, a score given by hand, missing data."""
    attachment_heading(b, "review", "评分复核说明")
    b.p("{{ reviewer_mark }}", style="表注")
    b.tag("{%p for line in review.summary %}")
    b.p("{{ line }}", style="报告正文")
    b.tag("{%p endfor %}")
    b.tag("{%p if review.rows %}")
    b.table([10, 16, 36, 12, 14, 14, 22, 75, 58],
            ["序号", "编码", "指标", "分值", "申报得分", "计算得分", "计分规则", "计分说明", "复核要点"], [
                ["{%tr for r in review.rows %}", "", "", "", "", "", "", "", ""],
                ["{{ r.no }}", "{{ r.code }}", "{{ r.name }}", "{{ r.weight }}", "{{ r.declared }}", "{{ r.score }}",
                 "{{ r.rule }}", "{{ r.explanation }}", "{{ r.note }}"],
                ["{%tr endfor %}", "", "", "", "", "", "", "", ""],
            ], aligns="cclccccll")
    b.tag("{%p else %}")
    b.p("各指标申报得分与计算一致，无人工评分或缺少数据的指标。", style="报告正文")
    b.tag("{%p endif %}")


def reviewer_attachments(b: Builder) -> None:
    b.tag("{%p if reviewer %}")
    findings_attachment(b)
    review_attachment(b)
    b.tag("{%p endif %}")


def findings_attachment(b: Builder) -> None:
    attachment_heading(b, "findings", "核查发现")
    b.p("{{ reviewer_mark }}", style="表注")
    b.p("jixiao 按指标体系的评分规则逐项复核权重、标题分值与申报得分，发现的不一致之处如下（“计算”指按规则计算的结果）。",
        style="报告正文")
    b.tag("{%p if findings %}")
    b.table([12, 18, 46, 14, 115, 52], ["序号", "编码", "类别", "程度", "说明", "来源"], [
        ["{%tr for f in findings %}", "", "", "", "", ""],
        ["{{ f.no }}", "{{ f.code }}", "{{ f.title }}", "{{ f.severity }}", "{{ f.message }}", "{{ f.location }}"],
        ["{%tr endfor %}", "", "", "", "", ""],
    ], aligns="cclcll")
    b.tag("{%p else %}")
    b.p("未发现不一致之处。", style="报告正文")
    b.tag("{%p endif %}")


def charts(b: Builder) -> None:
    b.image("charts.lost_by_group", "图1　各一级指标得分与失分情况")
    b.image("charts.deductions", "图2　指标扣分情况")


# --- the two templates -------------------------------------------------------------------

def department() -> Builder:
    """部门整体支出绩效自评报告 (seeds 000, 002)."""
    b = Builder()
    reviewer_mark(b)
    for _ in range(4):
        b.p("", style="Normal")
    b.p("{{ unit.name }}", style="封面标题")
    b.p("{{ year }}年度部门整体支出绩效自评报告", style="封面标题")
    for _ in range(6):
        b.p("", style="Normal")
    b.p("项目名称：{{ project_name }}", style="封面信息")
    b.p("部门名称：{{ unit.name }}", style="封面信息")
    b.p("评价机构：{{ evaluator }}", style="封面信息")
    b.p("", style="Normal")
    b.tag("{%p if report_date %}")
    b.p("{{ report_date }}", style="封面日期")
    b.tag("{%p else %}")
    b.p("{{r placeholder.report_date }}", style="封面日期")
    b.tag("{%p endif %}")
    b.page_break()

    b.p("评价小组成员", style="报告标题")
    b.tag("{%p if team %}")
    b.table([30, 24, 30, 48, 28], ["评价小组职务", "姓名", "职务/职称", "所属单位/处室", "签字"], [
        ["{%tr for m in team %}", "", "", "", ""],
        ["{{ m.role }}", "{{ m.name }}", "{{ m.title }}", "{{ m.org }}", ""],
        ["{%tr endfor %}", "", "", "", ""],
    ], aligns="ccccc", font_size=12, keep_together=True, row_height=10)
    b.tag("{%p else %}")
    b.p("{{r placeholder.team }}")
    b.tag("{%p endif %}")
    b.p("", style="Normal")
    b.p("报告撰写人（签字）：　　　　　　　　　　　　年　　月　　日", style="签字行")
    b.p("评价工作负责人（签字）：　　　　　　　　　　年　　月　　日", style="签字行")
    b.page_break()

    b.p("{{ report_title }}", style="报告标题")
    b.h(1, "一、单位（部门）概况")
    b.section_text("overview")
    b.h(1, "二、收支及预算执行情况")
    b.section_text("budget")
    b.h(1, "三、绩效目标")
    b.section_text("goals")
    b.h(1, "四、评价结论")
    b.section_text("conclusion")
    b.p("表1　各一级指标得分情况", style="表题")
    b.table([14, 60, 20, 22, 22, 22], ["序号", "一级指标", "分值", "得分", "得分率", "失分"], [
        ["{%tr for g in level1 %}", "", "", "", "", ""],
        ["{{ g.cn_number }}", "{{ g.name }}", "{{ g.weight }}", "{{ g.score }}", "{{ g.rate }}", "{{ g.lost }}"],
        ["{%tr endfor %}", "", "", "", "", ""],
        ["合计", None, "{{ weight_total }}", "{{ total }}", "{{ total_rate }}", "{{ total_lost }}"],
    ], aligns="clcccc", font_size=10.5, keep_together=True)
    charts(b)
    b.h(1, "五、履职成效与绩效分析")
    b.section_text("achievements")
    b.p("按一级指标分析如下：")
    b.tag("{%p for g in level1 %}")
    b.h(2, "（{{ g.cn_number }}）{{ g.name }}（分值{{ g.weight }}分，得分{{ g.score }}分）")
    b.p("{{ g.summary }}")
    b.tag("{%p endfor %}")
    b.h(1, "六、存在问题及原因分析")
    b.section_text("problems")
    b.h(1, "七、改进措施及建议")
    b.section_text("measures")
    b.h(1, "八、评价工作开展情况")
    b.section_text("process")
    b.h(1, "九、结果应用与公开情况")
    b.section_text("application")
    b.tag("{%p if not sections.other.missing %}")
    b.h(1, "十、{{ sections.other.title }}")
    b.section_text("other")
    b.tag("{%p endif %}")
    b.p("", style="Normal")
    attachment_list(b)

    b.landscape_section()
    attachment_heading(b, "score_table", "{{ framework.name }}评分表")
    b.table([18, 20, 30, 10, 18, 70, 79, 12],
            ["一级指标", "二级指标", "三级指标", "权重", "目标值", "评分标准", "评分过程", "得分"], [
                ["{%tr for r in score_rows %}", "", "", "", "", "", "", ""],
                ["{{ r.l1_cell }}", "{{ r.l2_cell }}", "{{ r.label }}", "{{ r.weight }}", "{{ r.target }}",
                 "{{ r.criteria }}", "{{ r.process }}", "{{ r.score }}"],
                ["{%tr endfor %}", "", "", "", "", "", "", ""],
                ["合计", None, None, "{{ weight_total }}", "评价等级：{{ grade }}", None, None, "{{ total }}"],
            ], aligns="cclccllc")
    questionnaire_attachment(b)
    finance_attachment(b)
    final_accounts_attachment(b)
    reviewer_attachments(b)
    return b


def project() -> Builder:
    """项目支出（转移支付）绩效自评报告 (seed 003) with the seed 004 score table."""
    b = Builder()
    reviewer_mark(b)
    b.p("{{ report_title }}", style="报告标题")
    b.p("{{ unit.name }}", style="封面日期")
    b.tag("{%p if report_date %}")
    b.p("{{ report_date }}", style="封面日期")
    b.tag("{%p else %}")
    b.p("{{r placeholder.report_date }}", style="封面日期")
    b.tag("{%p endif %}")
    b.p("", style="Normal")
    b.h(1, "一、绩效目标分解下达情况")
    b.section_text("goals")
    b.h(1, "二、绩效目标完成情况分析")
    b.h(2, "（一）资金投入情况分析")
    b.section_text("budget")
    b.h(2, "（二）资金管理情况分析")
    b.section_text("process")
    b.h(2, "（三）总体绩效目标完成情况分析")
    b.section_text("achievements")
    b.h(2, "（四）绩效指标完成情况分析")
    b.section_text("conclusion")
    b.tag("{%p for g in level1 %}")
    b.h(3, "{{ g.number }}.{{ g.name }}（分值{{ g.weight }}分，得分{{ g.score }}分）")
    b.tag("{%p if g.children %}")
    b.tag("{%p for c in g.children %}")
    b.runs([("（{{ c.number }}）{{ c.name }}（分值{{ c.weight }}分，得分{{ c.score }}分）", True)])
    b.p("{{ c.summary }}")
    b.tag("{%p endfor %}")
    b.tag("{%p else %}")
    b.p("{{ g.summary }}")
    b.tag("{%p endif %}")
    b.tag("{%p endfor %}")
    charts(b)
    b.h(1, "三、偏离绩效目标的原因和下一步改进措施")
    b.h(3, "1.偏离绩效目标的原因")
    b.section_text("problems")
    b.h(3, "2.下一步改进措施")
    b.section_text("measures")
    b.h(1, "四、绩效自评结果拟应用和公开情况")
    b.section_text("application")
    b.h(1, "五、其他需要说明的问题")
    b.section_text("other")
    b.p("", style="Normal")
    attachment_list(b)

    b.landscape_section()
    attachment_heading(b, "score_table", "{{ framework.name }}自评表")
    b.table([18, 18, 30, 24, 58, 10, 38, 12, 49],
            ["一级指标", "二级指标", "三级指标", "标准值", "评分标准", "分值", "指标说明", "得分", "实际完成情况"], [
                ["{%tr for r in score_rows %}", "", "", "", "", "", "", "", ""],
                ["{{ r.l1_name_cell }}", "{{ r.l2_name_cell }}", "{{ r.name_label }}", "{{ r.target }}",
                 "{{ r.criteria }}", "{{ r.weight }}", "{{ r.description }}", "{{ r.score }}", "{{ r.process }}"],
                ["{%tr endfor %}", "", "", "", "", "", "", "", ""],
                ["合计", None, None, None, None, "{{ weight_total }}", "评价等级：{{ grade }}", "{{ total }}", ""],
            ], aligns="cclclclcl")
    questionnaire_attachment(b)
    finance_attachment(b)
    final_accounts_attachment(b)
    reviewer_attachments(b)
    return b


def build(directory: Path = TEMPLATES) -> list[Path]:
    """Write department.docx and project.docx into ``directory``."""
    return [department().save(directory / "department.docx", "部门整体支出绩效自评报告模板"),
            project().save(directory / "project.docx", "项目支出绩效自评报告模板")]


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATES
    for path in build(target):
        print(path)


if __name__ == "__main__":
    main()
