"""``jixiao audit`` on a filled 项目支出绩效自评表 (.xlsx or .docx).

``jixiao.io.published.import_published`` asks ``published_project_form`` first: when the file
holds a table drawn as the project form (项目名称, 项目资金, 绩效指标 labels in its first
column), it is read by the form's own importers (``import_form_xlsx`` / ``import_form_docx``,
variant detected from the columns) rather than as a generic indicator table, so

* every row is recomputed by the generic 正向/反向/定性 rules and the 预算执行率 row from the
  money block (分值 × 全年执行数 ÷ 全年预算数) — the general audit then reports declared
  得分 the rules do not give, 总分 and 等级 that do not follow, heading points that do not add up;
* the form's own checks come with the table (``ProjectFormTable.form_findings``): a target
  met but points lost (``met-but-lost``), a target missed yet full points
  (``target-missed-full``), a 执行率 filled in that is not 执行数 ÷ 预算数 (``money-rate``),
  money rows that do not add up, 偏差原因 missing where points are lost.

Other indicator tables of the same file (a report with the form attached) are read by the
generic reader and listed after the form. A file that looks like the form but cannot be read
as one (a row without 分值…) falls back to the generic reader, with the form reader's located
errors listed as notes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from jixiao.core.criteria import ParsedCriteria
from jixiao.core.model import SourceRef
from jixiao.core.project_form import VARIANTS, ProjectForm, ProjectFormError, check_form, finding_title, review

from .project_form_docx_import import find_form_table, import_form_docx
from .project_form_excel import _find_sheet, _sections, _Sheet, import_form_xlsx
from .published.result import FormFinding  # noqa: F401  (its home before it served blocks too)
from .published import Line, PublishedFile, PublishedRow, PublishedTable, import_docx, import_xlsx
from .yamlio import LoadError

_NOTE = "项目支出绩效自评表：无评分标准列，按通用规则（正向/反向/定性）计分"
_EXECUTION_NOTE = "预算执行率＝全年执行数÷全年预算数，得分＝分值×执行率"


@dataclass(frozen=True)
class ProjectFormTable(PublishedTable):
    """A project form read as a published table, with the form and its own findings."""

    form: ProjectForm | None = None
    form_findings: tuple[FormFinding, ...] = ()


def _form_sheet_title(path: str | Path) -> str | None:
    """The title of the sheet drawn as the project form, or None (also for unreadable files)."""
    from jixiao.io.safe_zip import open_workbook

    try:
        wb = open_workbook(path, read_only=False, data_only=False)
    except Exception:  # untrusted bytes: not a form we can read
        return None
    try:
        ws = _find_sheet(wb)
        sections = _sections(_Sheet(ws, str(path)))
    except Exception:
        return None
    finally:
        wb.close()
    return ws.title if all(s in sections for s in ("项目名称", "项目资金", "绩效指标")) else None


def is_project_form_xlsx(path: str | Path) -> bool:
    """Whether a workbook has a sheet drawn as the project form (False for unreadable files)."""
    return _form_sheet_title(path) is not None


def _form_table_number(path: Path) -> int | None:
    try:
        return find_form_table(path)[1]
    except Exception:  # untrusted bytes: not a form we can read
        return None


def published_project_form(path: str | Path, year: int | None = None) -> PublishedFile | None:
    """The file as an audited project form, or None when it holds no table drawn as one.

    The form's table is read by the form's importer; any other indicator table of the file (a
    report with the form attached, a workbook with more sheets) is read by the generic reader
    as before and listed after it."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        number = _form_table_number(path)
        if number is None:
            return None
        form, errors = import_form_docx(path)
        general = import_docx(path, year)
        origin = f"{path.name}#表{number}"  # how the generic reader names that table
    elif suffix in (".xlsx", ".xlsm"):
        title = _form_sheet_title(path)
        if title is None:
            return None
        form, errors = import_form_xlsx(path)
        general = import_xlsx(path, year)
        origin = f"{path.name}!{title}"
    else:
        return None
    if form is None:
        notes = tuple(LoadError(e.file, e.line, e.field, f"按项目支出绩效自评表读取失败，改按一般指标表读取：{e.message}")
                      for e in errors)
        return replace(general, errors=notes + general.errors)
    own = form_as_published(form, str(path))
    others = [t for t in general.tables if t.loc.file != origin]
    tables = list(own.tables) + [replace(t, index=i) for i, t in enumerate(others, len(own.tables) + 1)]
    notes = tuple(e for e in general.errors if e.file != origin and not (not others and "未找到指标得分表" in e.message))
    narrative = tuple(line for line in general.narrative if line.loc.file != origin) + own.narrative
    return replace(own, tables=tuple(tables), errors=own.errors + notes, narrative=narrative)


def form_as_published(form: ProjectForm, file: str) -> PublishedFile:
    """A form (already read) as a PublishedFile of one table, for ``jixiao.io.published_audit``."""
    try:
        r = review(form)
    except ProjectFormError as exc:  # the importers check this; a form built in code may not
        return PublishedFile(path=file, tables=(), narrative=(), layout=f"project-form-{form.variant}",
                             errors=tuple(LoadError(file, p.loc.line if p.loc else None, ".".join(map(str, p.path)),
                                                    p.message) for p in exc.problems),
                             year=form.year, unit=form.implementer or form.department or form.project)
    evaluation = r.built.evaluation
    where = SourceRef(file=file)
    rows = []
    for row in r.sheet.rows:
        ind = row.indicator
        execution = row.code == "F1"
        parsed = ParsedCriteria(rule={"type": "saturating_rate"} if execution else {"type": "generic"},
                                confidence="high", note=_EXECUTION_NOTE if execution else _NOTE,
                                shape="saturating_rate" if execution else "generic")
        rows.append(PublishedRow(code=row.code, name=row.name, weight=row.weight, declared=row.declared,
                                 criteria=ind.criteria, evidence=row.input.evidence or "", parsed=parsed,
                                 input_confidence="high",
                                 input_note="执行率由项目资金表计算" if execution else "实际完成值取自自评表",
                                 verified=True, loc=row.input.loc or ind.loc or where, actual=row.input.actual))
    own = tuple(FormFinding(f.code, f.kind, finding_title(f), f.message, f.severity, f.loc)
                for f in check_form(r.built, r.sheet))
    table = ProjectFormTable(index=1, title=f"{form.title}（{VARIANTS[form.variant]}）", framework=evaluation.framework,
                             evaluation=evaluation, rows=tuple(rows), declared_total=form.declared_total,
                             declared_weight_total=None, loc=where, form=form, form_findings=own)
    narrative = []
    for goal in form.goals:
        for text in (goal.expected, goal.actual):
            if text:
                narrative.append(Line(text, where))
    return PublishedFile(path=file, tables=(table,), narrative=tuple(narrative), errors=(),
                         layout=f"project-form-{form.variant}", year=form.year,
                         unit=form.implementer or form.department or form.project)
