"""Word and PDF reports: templates, charts, template checks and PDF conversion.

* ``render_report(sheet, findings, out_path, template=None)`` — the Word report (docxtpl);
* ``check_template(path)`` — problems in a user's template (split tags, syntax, unknown fields);
* ``to_pdf(docx_paths, out_dir)`` — PDF through one LibreOffice run, fonts mapped to Noto CJK;
* ``lost_by_group_chart``, ``deductions_chart``, ``trend_chart`` — PNG charts (matplotlib).

docs/reports.md documents the template context.
"""

from .charts import ChartError, deductions_chart, lost_by_group_chart, trend_chart
from .check import TemplateProblem, check_template, context_fields
from .context import build_context
from .pdf import PdfError, to_pdf
from .render import Rendered, ReportError, TemplateInvalid, builtin_template, render, render_report

__all__ = [
    "ChartError", "PdfError", "Rendered", "ReportError", "TemplateInvalid", "TemplateProblem", "build_context",
    "builtin_template", "check_template", "context_fields", "deductions_chart", "lost_by_group_chart",
    "render", "render_report", "to_pdf", "trend_chart",
]
