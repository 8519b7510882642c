"""Pages for the 项目支出绩效自评表 (project-expenditure self-evaluation form, issue 10).

A preparer lists their unit's forms and the department roll-up, creates a form (variant,
project, 主管部门, 实施单位, year; indicator rows typed as a list or one per heading of the
built-in template), fills the 项目资金 block, 年度总体目标 and the indicator rows, and sees the
score ``jixiao.core.project_form.review`` gives; downloads the form as Excel and Word in its
variant's layout; uploads a filled Excel or Word form to replace the data. Forms go draft →
submitted → approved (or returned) like evaluations.

Like ``views``, nothing is scored here: every total, 执行率, finding and roll-up figure comes from
``jixiao.core.project_form``. A save or upload that fails changes nothing; a save where a row
loses points without 偏差原因分析及改进措施 is refused with the row named.
"""

from __future__ import annotations

import io
import re
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from jixiao.core import project_form as core
from jixiao.core.numbers import fmt
from jixiao.io.project_form_yaml import form_data
from jixiao.io.yamlio import _message as pydantic_message

from jixiao.web import bridge, review_flow
from jixiao.web.models import Account
from jixiao.web.rules import account_of, visible_to
from jixiao.web.projects.models import ProjectForm

UPLOAD_TYPES = (".xlsx", ".docx")
UPLOAD_MAX_BYTES = 5 * 1024 * 1024
#: Findings that keep a form from being submitted.
BLOCKING = ("reason-missing", "target-missing", "money-missing")
FIELD_LABELS = {"level1": "一级指标", "level2": "二级指标", "name": "三级指标", "target": "年度指标值",
                "actual": "实际完成值", "weight": "分值", "score": "得分", "reason": "偏差原因分析及改进措施",
                "not_applicable": "不适用理由", "direction": "指标方向"}
HEADER_LABELS = {"project": "项目名称", "department": "主管部门", "implementer": "实施单位", "year": "年度",
                 "variant": "格式", "money": "项目资金", "goals": "年度总体目标", "group_points": "标题分值"}


# --- helpers ------------------------------------------------------------------------------

_account = account_of


def visible_forms(user):
    """Project forms a user may see: all for admins, the sub-tree for reviewers and finance,
    the own unit for preparers, nothing otherwise."""
    return visible_to(user, ProjectForm.objects.select_related("unit"))


def _record(request, pk: int, perm: str = "jixiao.view_projectform") -> ProjectForm:
    record = get_object_or_404(ProjectForm.objects.select_related("unit"), pk=pk)
    if not request.user.has_perm(perm, record):
        raise PermissionDenied("无权进行此操作")
    return record


def core_form(record: ProjectForm) -> core.ProjectForm:
    """The core form a record holds."""
    return core.ProjectForm.model_validate(record.document)


def store(record: ProjectForm, form: core.ProjectForm, reason: str, user=None) -> core.FormReview:
    """Review ``form`` with the core and write it and its cached totals into ``record``.
    Raises ProjectFormError when the form cannot be built (callers validate first)."""
    r = core.review(form)
    result = core.project_result(r)
    record.document = form_data(form)
    record.year, record.project, record.variant = form.year, form.project, form.variant
    # a form with no row filled in has no total or grade yet (nor a place in the roll-up)
    record.total, record.weight_total = (r.sheet.total if r.filled else None), r.sheet.weight_total
    record.grade = r.sheet.grade if r.filled else ""
    record.budget, record.spent, record.execution_rate = result.budget, result.spent, result.execution_rate
    record.findings_count = result.findings
    if user is not None and record.created_by_id is None:
        record.created_by = user
    record.lock_version += 1
    record._change_reason = reason
    record.save()
    return r


def _decimal(text: str | None, label: str, errors: list[str]) -> Decimal | None:
    return bridge.parse_decimal(text, label, errors, percent=False)


def _where(path: tuple, rows: list[dict]) -> str:
    """A field path of the form in words: ``指标第3行（宣传活动场次）分值``."""
    if path and path[0] == "indicators" and len(path) > 1 and isinstance(path[1], int):
        i = path[1]
        name = rows[i].get("name", "") if i < len(rows) else ""
        field = FIELD_LABELS.get(path[2], str(path[2])) if len(path) > 2 else ""
        return f"指标第{i + 1}行" + (f"（{name}）" if name else "") + field
    if path and path[0] == "money":
        return "项目资金" + "".join({**core.MONEY_ROWS, **core.MONEY_COLUMNS}.get(str(p), "") for p in path[1:])
    return HEADER_LABELS.get(str(path[0]), ".".join(map(str, path))) if path else "自评表"


def _message(error: dict) -> str:
    if error["type"] == "string_too_short":
        return "不能为空"
    return pydantic_message(error)


def validate(data: dict) -> tuple[core.ProjectForm | None, list[str]]:
    """Plain form data checked by the core: (form, []) or (None, Chinese located errors)."""
    rows = data.get("indicators") or []
    try:
        form = core.ProjectForm.model_validate(data)
    except ValidationError as exc:
        return None, [f"{_where(tuple(e['loc']), rows)}：{_message(e)}" for e in exc.errors()]
    try:
        core.build(form)
    except core.ProjectFormError as exc:
        return None, [f"{_where(p.path, rows)}：{p.message}" for p in exc.problems]
    return form, []


def _parse_rows(text: str, variant: str, errors: list[str]) -> list[dict]:
    """Indicator rows typed as a list, one per line:
    ``一级指标 | 二级指标 | 三级指标 | 年度指标值 | 分值`` (分值 left out in the Hubei variant);
    TAB or ``|`` between the fields."""
    weights = core.load_template(variant).layout.row_weights
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in (line.split("|") if "|" in line else line.split("\t"))]
        if len(parts) < 4:
            errors.append(f"指标清单第{n}行：须为“一级指标 | 二级指标 | 三级指标 | 年度指标值{' | 分值' if weights else ''}”，"
                          f"实际只有{len(parts)}项")
            continue
        row = {"level1": parts[0], "level2": parts[1], "name": parts[2], "target": parts[3]}
        if weights:
            row["weight"] = _decimal(parts[4] if len(parts) > 4 else "", f"指标清单第{n}行 分值", errors)
            if len(parts) <= 4 or not parts[4]:
                errors.append(f"指标清单第{n}行：“{parts[2]}”缺少分值")
        rows.append(row)
    return rows


# --- the roll-up -----------------------------------------------------------------------------

def _result(record: ProjectForm) -> core.ProjectResult:
    """A record's cached totals (written from a core review) as the core's project result."""
    total = record.total or Decimal(0)
    return core.ProjectResult(
        project=record.project, variant=record.variant, total=total, grade=record.grade or "—",
        budget=record.budget, spent=record.spent, execution_rate=record.execution_rate,
        lost=(record.weight_total or total) - total, findings=record.findings_count)


def rollup_context(records) -> dict | None:
    """The department roll-up of some records (one year), computed by ``core.summarise``."""
    records = [r for r in records if r.total is not None]
    if not records:
        return None
    summary = core.summarise(_result(r) for r in records)
    context = summary.context()
    context["grades"] = [{"name": k, "count": v} for k, v in summary.grade_counts.items()]
    for line, record in zip(context["projects"], records):
        line["pk"] = record.pk
        line["unit"] = record.unit.name
        line["state"] = record.get_state_display()
    return context


def dashboard_context(units_queryset, year: int | None = None) -> dict:
    """Context for ``jixiao/project/_dashboard.html``: the roll-up of the project forms of
    ``units_queryset`` for ``year`` (default: the latest year with forms)."""
    records = ProjectForm.objects.filter(unit__in=units_queryset).select_related("unit").defer("document")
    if year is None:
        year = records.order_by("-year").values_list("year", flat=True).first()
    rollup = rollup_context(records.filter(year=year).order_by("unit__path", "project")) if year else None
    return {"project_rollup": rollup, "project_year": year}


# --- list and create ----------------------------------------------------------------------------

@login_required
def project_list(request):
    """The forms a user may see with the roll-up of the chosen year; a preparer creates a form."""
    account = _account(request.user)
    can_create = account is not None and account.role == Account.PREPARER
    forms = visible_forms(request.user).defer("document")
    years = sorted(set(forms.values_list("year", flat=True)), reverse=True)
    try:
        year = int(request.GET.get("year") or (years[0] if years else 0)) or None
    except ValueError:
        year = None
    context = {
        "forms": forms.order_by("-year", "unit__path", "project"), "can_create": can_create,
        "variants": core.VARIANTS, "years": years, "year": year, "this_year": date.today().year - 1,
        "posted": {},
    }
    context["rollup"] = rollup_context(forms.filter(year=year).order_by("unit__path", "project")) if year else None
    context.update(project_rollup=context["rollup"], project_year=year)
    if request.method == "POST":
        if not can_create:
            raise PermissionDenied("仅填报人可为本单位新建项目支出绩效自评表")
        record, errors = _create(request, account)
        if record is not None:
            messages.success(request, f"已创建“{record.project}”")
            return redirect("projects:detail", pk=record.pk)
        for e in errors:
            messages.error(request, e)
        context["posted"] = request.POST
        return render(request, "jixiao/project/list.html", context, status=400)
    return render(request, "jixiao/project/list.html", context)


def _create(request, account) -> tuple[ProjectForm | None, list[str]]:
    post = request.POST
    errors: list[str] = []
    variant = post.get("variant", "national")
    if variant not in core.VARIANTS:
        return None, [f"没有格式“{variant}”"]
    try:
        year = int(post.get("year", ""))
    except ValueError:
        year = 0
    if not 2000 <= year <= 2100:
        errors.append("年度须为2000—2100之间的整数")
    project = post.get("project", "").strip()
    if not project:
        errors.append("请填写项目名称")
    source = post.get("rows_from", "template")
    if source == "list":
        rows = _parse_rows(post.get("rows", ""), variant, errors)
        if not rows and not errors:
            errors.append("请在指标清单中每行填写一个三级指标，或选择按模板生成")
    else:
        rows = [r.model_dump(exclude={"loc"}, exclude_none=True) for r in core.blank_form(variant, 2000).indicators]
    if errors:
        return None, errors
    data = {"variant": variant, "year": year, "project": project,
            "department": post.get("department", "").strip(), "implementer": post.get("implementer", "").strip()
            or account.unit.name, "unit_level": account.unit.level, "region": account.unit.region,
            "money": {"unit": post.get("money_unit", "万元") if post.get("money_unit") in ("元", "万元") else "万元"},
            "goals": [{"expected": post.get("goal", "").strip()}] if post.get("goal", "").strip() else [{}],
            "indicators": rows}
    form, errors = validate(data)
    if form is None:
        return None, errors
    if ProjectForm.objects.filter(unit=account.unit, year=year, project=project).exists():
        return None, [f"本单位{year}年度已有项目“{project}”的自评表"]
    with transaction.atomic():
        record = ProjectForm(unit=account.unit, state=ProjectForm.DRAFT)
        store(record, form, "新建", request.user)
    return record, []


# --- one form ----------------------------------------------------------------------------------

def _rows_context(data: dict, review: core.FormReview | None) -> list[dict]:
    """Template rows: the values (as typed or stored) with the core's score where known."""
    found: dict[str, list] = {}
    if review is not None:
        for f in review.findings:
            found.setdefault(f.code, []).append(f)
    rows = []
    for i, row in enumerate(data.get("indicators") or []):
        scored = review.row_score(i) if review is not None and i < len(review.form.indicators) else None
        qualitative = review.form.indicators[i].qualitative if scored is not None else _qualitative(row)
        actual = row.get("actual", "")
        if row.get("not_applicable"):
            actual = core.NOT_APPLICABLE_TEXT
        rows.append({
            "i": i, "level1": row.get("level1", ""), "level2": row.get("level2", ""), "name": row.get("name", ""),
            "target": row.get("target", ""), "actual": actual, "weight": _show(row.get("weight")),
            "score": _show(row.get("score")), "reason": row.get("not_applicable") or row.get("reason", ""),
            "qualitative": qualitative, "scored": scored,
            "findings": [f for f in found.get(scored.code, [])] if scored is not None else [],
        })
    return rows


def _qualitative(row: dict) -> bool:
    """Whether a row as typed is 定性 (its target has no number): it then takes a 得分."""
    try:
        return core.FormRow(level1="-", level2="-", name="-", target=str(row.get("target", ""))).qualitative
    except (ValidationError, ValueError):
        return True


def _show(value) -> str:
    if value is None or value == "":
        return ""
    return fmt(Decimal(str(value))) if not isinstance(value, str) else value


def _money_context(data: dict) -> list[dict]:
    money = data.get("money") or {}
    return [{"key": key, "label": label,
             "cells": [{"key": col, "value": _show((money.get(key) or {}).get(col))} for col in core.MONEY_COLUMNS]}
            for key, label in core.MONEY_ROWS.items()]


def _page(request, record: ProjectForm, data: dict | None = None, errors: list[str] | None = None, status: int = 200):
    """The form's page: stored data with its review, or the data just posted with its errors."""
    stored = core_form(record)
    review = core.review(stored)
    shown = data if data is not None else form_data(stored)
    layout = core.load_template(shown.get("variant", record.variant)).layout
    row_codes = set(review.built.codes)
    general = [f for f in review.findings if f.code not in row_codes]
    context = {
        "record": record, "form": stored, "review": review, "sheet": review.sheet, "layout": layout,
        "data": shown, "rows": _rows_context(shown, review if data is None else None),
        "money": _money_context(shown), "money_unit": (shown.get("money") or {}).get("unit", "万元"),
        "goals": list(shown.get("goals") or []) + [{}], "general_findings": general,
        "findings": [(f, core.finding_title(f)) for f in review.findings], "errors": errors or [],
        # rows the errors name (「指标第3行：…」), marked on the page
        "error_rows": {int(m.group(1)) - 1 for e in errors or [] if (m := re.match(r"指标第(\d+)行", e))},
        "can_edit": request.user.has_perm("jixiao.change_projectform", record),
        "can_submit": request.user.has_perm("jixiao.submit_projectform", record),
        "can_review": request.user.has_perm("jixiao.review_projectform", record),
        "history": _history(record), "upload_types": "、".join(UPLOAD_TYPES),
        "variant_name": core.VARIANTS[record.variant], "execution": review.execution,
        # the page shows what was posted and not saved: submitting now would submit the older saved version
        "unsaved": data is not None,
    }
    return render(request, "jixiao/project/detail.html", context, status=status)


def _history(record: ProjectForm) -> list[dict]:
    entries = []
    states = dict(ProjectForm.STATES)
    for h in record.history.select_related("history_user").order_by("-history_date", "-history_id")[:50]:
        entries.append({"when": h.history_date, "who": h.history_user, "reason": h.history_change_reason or "",
                        "state": states.get(h.state, h.state), "total": fmt(h.total), "grade": h.grade})
    return entries


def _posted_data(post, stored: core.ProjectForm, errors: list[str]) -> dict:
    """The form data a page posted. Scores are the core's: only 定性 rows keep the evaluator's
    得分; the figures an uploaded file declared (money 得分/执行率, 总分, 等级) are dropped."""
    data = form_data(stored)
    for key in ("project", "department", "implementer"):
        if key in post:
            data[key] = post.get(key, "").strip()
    money = {"unit": post.get("money_unit") if post.get("money_unit") in ("元", "万元") else stored.money.unit}
    for key, label in core.MONEY_ROWS.items():
        amounts = {}
        for col, col_label in core.MONEY_COLUMNS.items():
            value = _decimal(post.get(f"money:{key}:{col}"), f"项目资金 {label.removeprefix('其中：')} {col_label}", errors)
            if value is not None:
                amounts[col] = value
        money[key] = amounts
    data["money"] = money
    goals = []
    for i in range(int(post.get("goal_count", 0) or 0) + 1):
        expected = post.get(f"goal:{i}:expected", "").strip()
        actual = post.get(f"goal:{i}:actual", "").strip()
        if expected or actual:
            goals.append({"expected": expected, "actual": actual})
    data["goals"] = goals
    weights = core.load_template(stored.variant).layout.row_weights
    rows = []
    try:
        count = int(post.get("row_count", len(stored.indicators)))
    except ValueError:
        count = len(stored.indicators)
    for i in range(count + 1):  # the stored rows and one new line
        get = lambda field: post.get(f"row:{i}:{field}", "").strip()  # noqa: E731
        if get("delete") or not (get("name") or get("level1") or get("target")):
            continue
        n = len(rows) + 1
        row = {"level1": get("level1"), "level2": get("level2"), "name": get("name"), "target": get("target")}
        actual, reason = get("actual"), get("reason")
        if actual == core.NOT_APPLICABLE_TEXT:
            if not reason:
                errors.append(f"指标第{n}行（{row['name']}）：标为不适用时须在偏差原因分析及改进措施栏写明理由")
            row["not_applicable"] = reason or core.NOT_APPLICABLE_TEXT
        else:
            row["actual"], row["reason"] = actual, reason
            score = _decimal(get("score"), f"指标第{n}行（{row['name']}）得分", errors)
            if score is not None:
                row["score"] = score  # kept for 定性 rows only (below)
        if weights:
            row["weight"] = _decimal(get("weight"), f"指标第{n}行（{row['name']}）分值", errors)
        rows.append(row)
    data["indicators"] = rows
    for key in ("declared_total", "declared_grade"):
        data.pop(key, None)
    return data


def _computed_scores_only(form: core.ProjectForm) -> core.ProjectForm:
    rows = tuple(r if r.qualitative else r.model_copy(update={"score": None}) for r in form.indicators)
    return form.model_copy(update={"indicators": rows})


def _unfilled(row: core.FormRow) -> bool:
    """A row whose 实际完成值 is still to be entered (and not 不适用)."""
    return row.not_applicable is None and not row.actual.strip()


def _blocking(review: core.FormReview, kinds=("reason-missing",), submitting: bool = False) -> list[str]:
    """The findings of ``kinds`` as errors naming the row. While saving, rows still without
    实际完成值 are work in progress, not lost points; submitting needs every 实际完成值."""
    index = {code: i for i, code in enumerate(review.built.codes)}
    rows = review.form.indicators
    out = []
    if submitting:
        out += [f"指标第{i + 1}行：“{row.name}”未填写实际完成值" for i, row in enumerate(rows) if _unfilled(row)]
    for f in review.findings:
        if f.kind not in kinds or (f.code in index and _unfilled(rows[index[f.code]])):
            continue
        where = f"指标第{index[f.code] + 1}行：" if f.code in index else ""
        out.append(f"{where}{f.message}")
    return out


@login_required
def project_detail(request, pk: int):
    """View a form; its preparer edits it (draft or returned) — every section in one save."""
    record = _record(request, pk)
    if request.method != "POST":
        return _page(request, record)
    record = _record(request, pk, "jixiao.change_projectform")
    stored = core_form(record)
    errors: list[str] = []
    data = _posted_data(request.POST, stored, errors)
    form = None
    if not errors:
        form, errors = validate(data)
    if form is not None:
        form = _computed_scores_only(form)
        errors = _blocking(core.review(form))
    if errors or form is None:
        return _page(request, record, data, errors, status=400)
    if (form.project != record.project and
            ProjectForm.objects.filter(unit=record.unit, year=form.year, project=form.project).exclude(pk=pk).exists()):
        return _page(request, record, data, [f"本单位{form.year}年度已有项目“{form.project}”的自评表"], status=400)
    with transaction.atomic():
        locked = ProjectForm.objects.select_for_update().get(pk=pk)
        if not locked.editable:
            raise PermissionDenied("当前状态不能修改")
        if request.POST.get("version", str(locked.lock_version)) != str(locked.lock_version):
            conflict = "本自评表在您打开后已被修改（他人保存或上传），本次填写未保存；请刷新页面后重新填写"
            return _page(request, locked, data, [conflict], status=409)
        store(locked, form, "填报", request.user)
    messages.success(request, "已保存")
    return redirect("projects:detail", pk=pk)


@login_required
@require_POST
def project_upload(request, pk: int):
    """Replace the form's data by a filled Excel or Word form; on any error nothing changes."""
    from jixiao.io.project_form_docx_import import import_form_docx
    from jixiao.io.project_form_excel import import_form_xlsx

    record = _record(request, pk, "jixiao.change_projectform")
    upload = request.FILES.get("file")
    suffix = Path(upload.name).suffix.lower() if upload else ""
    if upload is None:
        return _page(request, record, errors=["请选择文件"], status=400)
    if suffix not in UPLOAD_TYPES:
        return _page(request, record, errors=[f"{upload.name}：只接受{'、'.join(UPLOAD_TYPES)}文件"], status=400)
    if upload.size > UPLOAD_MAX_BYTES:
        return _page(request, record, errors=[f"{upload.name}：文件超过{UPLOAD_MAX_BYTES // 1024 // 1024}MB"], status=400)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        with open(path, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        reader = import_form_xlsx if suffix == ".xlsx" else import_form_docx
        form, load_errors = reader(path)
    if form is None:
        shown = [f"{upload.name}：{e.field + '：' if e.field else ''}{e.message}".replace(str(path), upload.name)
                 for e in load_errors]
        return _page(request, record, errors=["上传的自评表有误，未作任何修改："] + shown, status=400)
    stored = core_form(record)  # what the printed form does not carry stays as it was
    form = form.model_copy(update={"unit_level": form.unit_level or stored.unit_level,
                                   "region": form.region or stored.region})
    clash = ProjectForm.objects.filter(unit=record.unit, year=form.year, project=form.project).exclude(pk=pk)
    if clash.exists():
        return _page(request, record, errors=[f"本单位{form.year}年度已有项目“{form.project}”的自评表，未作修改"], status=400)
    try:
        with transaction.atomic():
            locked = ProjectForm.objects.select_for_update().get(pk=pk)
            if not locked.editable:
                raise PermissionDenied("当前状态不能修改")
            review = store(locked, form, f"上传{suffix[1:].upper()}", request.user)
    except IntegrityError:
        return _page(request, record, errors=["保存失败：项目名称与年度与本单位另一自评表重复"], status=400)
    messages.success(request, f"已导入{upload.name}：{len(form.indicators)}项指标，总分{fmt(review.sheet.total)}")
    return redirect("projects:detail", pk=pk)


@login_required
def project_export(request, pk: int, fmt_: str):
    """The form as .xlsx or .docx in its variant's layout, with the core's scores."""
    from jixiao.io.project_form_excel import export_form_xlsx
    from jixiao.reports.project_form_docx import export_form_docx

    record = _record(request, pk)
    writers = {"xlsx": export_form_xlsx, "docx": export_form_docx}
    if fmt_ not in writers:
        raise Http404()
    review = core.review(core_form(record))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"form.{fmt_}"
        writers[fmt_](review, path)
        content = path.read_bytes()
    name = "".join("_" if ch in '\\/:*?"<>|' else ch for ch in f"{record.year}-{record.project}-项目支出绩效自评表")
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=f"{name}.{fmt_}")


def _stale_submit(post, locked: ProjectForm) -> list[str]:
    """Why a submission must not go ahead: the page it came from showed edits that were not
    saved (a refused save), or another version than the one stored (saved or uploaded
    elsewhere since) — either way the user would submit something other than what they saw."""
    if post.get("unsaved"):
        return ["页面上的修改尚未保存（上次保存未成功），未提交；请先改正并保存，或刷新页面放弃这些修改后再提交"]
    if post.get("version", str(locked.lock_version)) != str(locked.lock_version):
        return ["本自评表在您打开页面后已被修改（他人保存或上传），未提交；请刷新页面核对后再提交"]
    return []


@login_required
@require_POST
def project_transition(request, pk: int, action: str):
    """submit (preparer), return / approve (reviewer of a unit above)."""
    record = _record(request, pk, review_flow.permission(ProjectForm, action))

    def checks(locked: ProjectForm) -> list[str]:
        return _stale_submit(request.POST, locked) or (
            ["自评表尚有问题，不能提交：", *problems]
            if (problems := _blocking(core.review(core_form(locked)), BLOCKING, submitting=True)) else [])

    return review_flow.transition(request, record, action, redirect("projects:detail", pk=pk), checks=checks,
                                  clear_comment_on_submit=True)
