"""Views of the performance cycle (issue 9): target tables and their approval, monitoring
with traffic lights, the reviewer's warnings page, problems, and factor allocation.

Like ``views``, these only load records, build the core objects of ``jixiao.core.cycle`` and
render; lights, texts and amounts are computed by the core. Permissions are the object rules
of ``jixiao.web.rules`` (``*_targettable``, ``*_monitoringreport``, ``*_problem``,
``*_allocation``, ``view_warnings``).
"""

from __future__ import annotations

import tempfile
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from jixiao.core import cycle
from jixiao.io.yamlio import InputError

from . import bridge
from .models import (Account, Allocation, Evaluation, FrameworkVersion, IndicatorValue, MonitoringReport,
                     MonitoringRow, Problem, TargetRow, TargetTable, ThresholdSetting, Unit)


# --- helpers ------------------------------------------------------------------------------

def _account(user):
    return getattr(user, "account", None) if user.is_authenticated else None


def _visible(user, qs, unit_field: str = "unit"):
    """Records of the units a user may see: all for admins, the sub-tree for reviewers and
    finance, the own unit for preparers."""
    if user.is_superuser:
        return qs
    account = _account(user)
    if account is None:
        return qs.none()
    if account.role == Account.ADMIN:
        return qs
    if account.role == Account.PREPARER:
        return qs.filter(**{unit_field: account.unit})
    return qs.filter(**{f"{unit_field}__path__startswith": account.unit.review_root.path})


def _check(user, perm: str, obj) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied("无权进行此操作")


def _decimal(text: str | None, label: str, errors: list[str]) -> Decimal | None:
    text = (text or "").strip().replace(",", "").replace("，", "").rstrip("%％")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        errors.append(f"{label}：“{text}”不是数字")
        return None
    if not value.is_finite():
        errors.append(f"{label}：“{text}”不是有限数字")
        return None
    return value


def _pydantic_messages(exc: ValidationError) -> list[str]:
    return [str((e.get("ctx") or {}).get("error", e["msg"])).removeprefix("Value error, ") for e in exc.errors()]


def thresholds_for(table: TargetTable) -> cycle.Thresholds:
    """The table's own thresholds, else its framework's setting, else the default."""
    own = cycle.Thresholds(yellow=table.yellow, red=table.red) if table.yellow is not None and table.red is not None else None
    setting = ThresholdSetting.objects.filter(framework_id=table.framework_id).first() if table.framework_id else None
    framework = cycle.Thresholds(yellow=setting.yellow, red=setting.red) if setting else None
    return cycle.effective_thresholds(own, framework)


def core_table(table: TargetTable) -> cycle.TargetTable:
    framework_key = table.framework.key if table.framework_id else None
    return cycle.TargetTable(unit=table.unit.name, year=table.year, fund=table.fund, framework=framework_key,
                             overall_goal=table.overall_goal,
                             rows=[{"code": r.code, "name": r.name, "target": r.target, "level1": r.level1,
                                    "level2": r.level2, "free": r.free} for r in table.rows.all()])


# --- 绩效目标表 ----------------------------------------------------------------------------

@login_required
def targets(request):
    """The target tables a user may see; a preparer creates one for their unit."""
    account = _account(request.user)
    can_create = account is not None and account.role == Account.PREPARER
    if request.method == "POST":
        if not can_create:
            raise PermissionDenied("仅填报人可为本单位编制绩效目标表")
        errors = []
        try:
            year = int(request.POST.get("year", ""))
        except ValueError:
            year = 0
        if not 2000 <= year <= 2100:
            errors.append("年度须为2000—2100之间的整数")
        fund = request.POST.get("fund", "").strip()
        version = None
        if request.POST.get("framework"):
            version = FrameworkVersion.objects.filter(pk=request.POST["framework"]).first()
            if version is None:
                errors.append("指标体系不存在")
        if TargetTable.objects.filter(unit=account.unit, year=year, fund=fund or (version.fund if version else "")).exists():
            errors.append("本单位该年度该资金的绩效目标表已存在")
        if errors:
            for e in errors:
                messages.error(request, e)
            return redirect("cycle:targets")
        with transaction.atomic():
            table = TargetTable.objects.create(unit=account.unit, year=year, framework=version,
                                               fund=fund or (version.fund if version else ""),
                                               overall_goal=request.POST.get("overall_goal", "").strip())
            if version is not None:
                prefilled = cycle.table_from_framework(bridge.core_framework(version), account.unit.name, year)
                TargetRow.objects.bulk_create([
                    TargetRow(table=table, code=r.code, name=r.name, target=r.target.text, level1=r.level1,
                              level2=r.level2, order=i) for i, r in enumerate(prefilled.rows)])
        messages.success(request, "已创建绩效目标表")
        return redirect("cycle:target", pk=table.pk)
    tables = _visible(request.user, TargetTable.objects.select_related("unit", "framework"))
    return render(request, "jixiao/cycle/targets.html", {
        "tables": tables, "can_create": can_create, "frameworks": FrameworkVersion.objects.all(),
        "this_year": date.today().year})


def _table_for(request, pk: int, perm: str = "jixiao.view_targettable") -> TargetTable:
    table = get_object_or_404(TargetTable.objects.select_related("unit", "framework", "evaluation"), pk=pk)
    _check(request.user, perm, table)
    return table


@login_required
def target_detail(request, pk: int):
    """View and (draft or returned, own unit) edit a target table: goal, targets, thresholds,
    free rows."""
    table = _table_for(request, pk)
    can_edit = request.user.has_perm("jixiao.change_targettable", table)
    if request.method == "POST":
        _check(request.user, "jixiao.change_targettable", table)
        errors: list[str] = []
        yellow = _decimal(request.POST.get("yellow"), "黄灯阈值", errors)
        red = _decimal(request.POST.get("red"), "红灯阈值", errors)
        if (yellow is None) != (red is None):
            errors.append("黄灯、红灯阈值须同时填写或同时留空")
        elif yellow is not None:
            try:
                cycle.Thresholds(yellow=yellow, red=red)
            except ValidationError as exc:
                errors += _pydantic_messages(exc)
        new_code = request.POST.get("new_code", "").strip()
        if new_code and table.rows.filter(code=new_code).exists():
            errors.append(f"指标编码{new_code}已存在")
        if new_code and not request.POST.get("new_name", "").strip():
            errors.append("自设指标须填写名称")
        if errors:
            for e in errors:
                messages.error(request, e)
            return redirect("cycle:target", pk=pk)
        with transaction.atomic():
            table.overall_goal = request.POST.get("overall_goal", table.overall_goal).strip()
            table.yellow, table.red = yellow, red
            table._change_reason = "编辑目标表"
            table.save()
            for row in table.rows.all():
                key = f"target:{row.code}"
                if key in request.POST and request.POST[key].strip() != row.target:
                    row.target = request.POST[key].strip()
                    row._change_reason = "修改目标值"
                    row.save()
            if new_code:
                TargetRow.objects.create(table=table, code=new_code, name=request.POST["new_name"].strip(),
                                         target=request.POST.get("new_target", "").strip(), free=True,
                                         level1=request.POST.get("new_level1", "").strip(),
                                         level2=request.POST.get("new_level2", "").strip(),
                                         order=table.rows.count())
        messages.success(request, "已保存")
        return redirect("cycle:target", pk=pk)
    reports = table.reports.order_by("period")
    return render(request, "jixiao/cycle/target.html", {
        "table": table, "rows": table.rows.all(), "can_edit": can_edit, "reports": reports,
        "thresholds": thresholds_for(table),
        "can_submit": request.user.has_perm("jixiao.submit_targettable", table),
        "can_review": request.user.has_perm("jixiao.review_targettable", table),
        "can_start": request.user.has_perm("jixiao.start_evaluation", table) and table.evaluation_id is None
                     and table.framework_id is not None,
        "can_monitor": request.user.has_perm("jixiao.change_monitoringreport", MonitoringReport(table=table)),
        "goals_text": cycle.goals_text(core_table(table)),
    })


@login_required
@require_POST
def target_transition(request, pk: int, action: str):
    """submit (preparer), approve / return (reviewer of a unit above)."""
    perms = {"submit": "jixiao.submit_targettable", "approve": "jixiao.review_targettable",
             "return": "jixiao.review_targettable"}
    if action not in perms:
        raise Http404()
    table = _table_for(request, pk, perms[action])
    comment = request.POST.get("comment", "").strip()
    if action == "return" and not comment:
        messages.error(request, "退回时须填写审核意见")
        return redirect("cycle:target", pk=pk)
    with transaction.atomic():
        locked = TargetTable.objects.select_for_update().get(pk=pk)
        if locked.state != table.state:
            messages.error(request, "目标表状态已被他人修改，请刷新后重试")
            return redirect("cycle:target", pk=pk)
        if action == "submit":
            problems = cycle.check_table(core_table(locked), bridge.core_framework(locked.framework)
                                         if locked.framework_id else None)
            empty = [r.code for r in locked.rows.all() if not r.target.strip()]
            if empty:
                problems.append(f"以下指标未填写目标值：{'、'.join(empty)}")
            if not locked.overall_goal.strip():
                problems.append("未填写总体目标")
            if problems:
                for p in problems:
                    messages.error(request, p)
                return redirect("cycle:target", pk=pk)
        locked.state = {"submit": TargetTable.SUBMITTED, "approve": TargetTable.APPROVED,
                        "return": TargetTable.RETURNED}[action]
        if action != "submit":
            locked.review_comment = comment
        locked._change_reason = {"submit": "提交", "approve": "审核通过", "return": "退回"}[action]
        locked.save()
    messages.success(request, f"已{locked._change_reason}")
    return redirect("cycle:target", pk=pk)


@login_required
@require_POST
def start_evaluation(request, pk: int):
    """Start the year-end evaluation from an approved table: the framework with this table's
    targets (a new framework version), the 绩效目标 narrative, one empty row per indicator."""
    table = _table_for(request, pk, "jixiao.start_evaluation")
    if table.evaluation_id or table.framework_id is None:
        messages.error(request, "该目标表已生成年终自评，或没有指标体系")
        return redirect("cycle:target", pk=pk)
    try:
        start = cycle.apply_targets(core_table(table), bridge.core_framework(table.framework))
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("cycle:target", pk=pk)
    # bridge.plain turns Decimals into exact strings, as the evaluation import does
    text = yaml.safe_dump(bridge.plain(start.framework.model_dump(exclude_none=True)), allow_unicode=True,
                          sort_keys=False)
    with transaction.atomic():
        try:
            version = bridge.store_framework(text, f"{start.framework.id}@{start.framework.version}", user=request.user)
        except InputError as exc:
            for e in exc.errors:
                messages.error(request, str(e))
            return redirect("cycle:target", pk=pk)
        evaluation, created = Evaluation.objects.get_or_create(
            unit=table.unit, year=table.year, framework=version,
            defaults={"title": f"{table.unit.name}{table.year}年度{table.fund}绩效自评",
                      "extra": {"narrative": {"goals": start.goals_text}}})
        if created:
            codes = [c for i in start.framework.indicators() for c in (i.code, *(s.code for s in i.subrows))]
            IndicatorValue.objects.bulk_create([IndicatorValue(evaluation=evaluation, code=c) for c in codes])
        TargetTable.objects.filter(pk=pk).update(evaluation=evaluation)
    bridge.score_and_cache(evaluation)
    messages.success(request, "已根据绩效目标表生成年终自评")
    return redirect("evaluation", pk=evaluation.pk)


# --- 运行监控 ------------------------------------------------------------------------------

def _number_or_text(text: str) -> tuple[Decimal | None, str]:
    clean = text.strip().replace(",", "")
    try:
        value = Decimal(clean)
        return (value, "") if value.is_finite() else (None, text.strip())
    except InvalidOperation:
        return None, text.strip()


def core_report(report: MonitoringReport, rows: dict[str, dict]) -> cycle.MonitoringReport:
    """The core report of a monitoring report, from ``rows`` (code → entered fields)."""
    table = report.table
    built = []
    for target in table.rows.all():
        entered = rows.get(target.code, {})
        actual, actual_text = _number_or_text(entered.get("actual", ""))
        built.append({"code": target.code, "name": target.name, "target": target.target, "actual": actual,
                      "actual_text": actual_text, "completion": entered.get("completion"),
                      "expected": entered.get("expected"), "reason": entered.get("reason", ""),
                      "measures": entered.get("measures", "")})
    return cycle.MonitoringReport(unit=table.unit.name, fund=table.fund, period=report.period, budget=report.budget,
                                  spent=report.spent, spending_reason=report.spending_reason,
                                  spending_measures=report.spending_measures, rows=built)


def _stored_rows(report: MonitoringReport) -> dict[str, dict]:
    if report.pk is None:
        return {}
    return {r.code: {"actual": r.actual, "completion": r.completion, "expected": r.expected, "reason": r.reason,
                     "measures": r.measures} for r in report.rows.all()}


def assessment_of(report: MonitoringReport) -> cycle.Assessment:
    return cycle.assess(core_report(report, _stored_rows(report)), thresholds_for(report.table), strict=False)


@login_required
def monitoring(request, pk: int, period: str):
    """Enter or view the monitoring report of a target table for a period (2024-Q2, 2024-07).
    Saving recomputes the lights; a yellow or red row without a reason is refused."""
    table = _table_for(request, pk)
    try:
        cycle.months_elapsed(period)
    except ValueError as exc:
        raise Http404(str(exc))
    report = MonitoringReport.objects.filter(table=table, period=period).first() or MonitoringReport(table=table, period=period)
    can_edit = request.user.has_perm("jixiao.change_monitoringreport", report)
    if report.pk is None and not can_edit:
        raise Http404("该期间尚无监控报告")
    errors: list[str] = []
    rows = _stored_rows(report)
    if request.method == "POST":
        _check(request.user, "jixiao.change_monitoringreport", report)
        report.budget = _decimal(request.POST.get("budget"), "全年预算", errors)
        report.spent = _decimal(request.POST.get("spent"), "累计支出", errors)
        report.spending_reason = request.POST.get("spending_reason", "").strip()
        report.spending_measures = request.POST.get("spending_measures", "").strip()
        rows = {}
        for target in table.rows.all():
            c = target.code
            rows[c] = {"actual": request.POST.get(f"actual:{c}", "").strip(),
                       "completion": _decimal(request.POST.get(f"completion:{c}"), f"{c}完成进度", errors),
                       "expected": _decimal(request.POST.get(f"expected:{c}"), f"{c}应完成进度", errors),
                       "reason": request.POST.get(f"reason:{c}", "").strip(),
                       "measures": request.POST.get(f"measures:{c}", "").strip()}
    assessment = None
    if not errors:
        try:
            assessment = cycle.assess(core_report(report, rows), thresholds_for(table), strict=False)
        except ValidationError as exc:
            errors += _pydantic_messages(exc)
    if request.method == "POST" and assessment is not None and assessment.missing_reasons:
        errors.append(str(cycle.ReasonsMissing(assessment.missing_reasons)))
    if request.method == "POST" and not errors:
        lights = {r.code: r for r in assessment.rows}
        with transaction.atomic():
            report.spending_light = assessment.spending.light if assessment.spending else ""
            report.warnings = len(assessment.warnings)
            report.created_by = report.created_by or request.user
            report._change_reason = "填报监控"
            report.save()
            for code, entered in rows.items():
                row, _ = MonitoringRow.objects.get_or_create(report=report, code=code)
                row.actual, row.completion, row.expected = entered["actual"], entered["completion"], entered["expected"]
                row.reason, row.measures, row.light = entered["reason"], entered["measures"], lights[code].light
                row.save()
        messages.success(request, f"已保存：绿灯{assessment.count(cycle.GREEN)}项，黄灯{assessment.count(cycle.YELLOW)}项，"
                                  f"红灯{assessment.count(cycle.RED)}项")
        return redirect("cycle:monitoring", pk=pk, period=period)
    lines = []
    by_code = {r.code: r for r in assessment.rows} if assessment else {}
    for target in table.rows.all():
        lines.append({"target": target, "entered": rows.get(target.code, {}), "light": by_code.get(target.code)})
    response = render(request, "jixiao/cycle/monitoring.html", {
        "table": table, "report": report, "period": period, "lines": lines, "assessment": assessment,
        "errors": errors, "can_edit": can_edit, "missing": set(assessment.missing_reasons) if assessment else set(),
        "counts": {light: assessment.count(light) for light in cycle.LIGHT_LABELS} if assessment else {}})
    if errors:
        response.status_code = 400
    return response


@login_required
def monitoring_export(request, pk: int, fmt_: str):
    report = get_object_or_404(MonitoringReport.objects.select_related("table__unit"), pk=pk)
    _check(request.user, "jixiao.view_monitoringreport", report)
    assessment = assessment_of(report)
    tmp = Path(tempfile.mkdtemp(prefix="jixiao-monitor-"))
    name = f"绩效监控-{report.table.unit.name}-{report.period}.{fmt_}"
    if fmt_ == "xlsx":
        from jixiao.io.cycle_excel import export_monitoring

        path = export_monitoring(assessment, tmp / "report.xlsx")
    elif fmt_ == "docx":
        from jixiao.reports.monitoring_docx import write_monitoring_docx

        path = write_monitoring_docx(assessment, tmp / "report.docx")
    else:
        raise Http404()
    return FileResponse(open(path, "rb"), as_attachment=True, filename=name)


@login_required
def warnings(request):
    """Every yellow and red light of the latest report of each target table in the user's
    sub-tree, on one page (reviewers, finance, admins)."""
    if not request.user.has_perm("jixiao.view_warnings"):
        raise PermissionDenied("预警汇总仅供审核人、财政复核和管理员使用")
    reports = _visible(request.user, MonitoringReport.objects.select_related("table__unit", "table__framework"),
                       "table__unit").order_by("table_id", "-period")
    latest: dict[int, MonitoringReport] = {}
    for report in reports:
        latest.setdefault(report.table_id, report)
    items = []
    for report in sorted(latest.values(), key=lambda r: (r.table.unit.path, r.table.year)):
        assessment = assessment_of(report)
        for row in assessment.warnings:
            items.append({"report": report, "row": row})
    items.sort(key=lambda i: (i["row"].light != cycle.RED, i["report"].table.unit.path))
    return render(request, "jixiao/cycle/warnings.html", {
        "items": items, "reports": len(latest), "red": sum(1 for i in items if i["row"].light == cycle.RED)})


# --- 问题整改 ------------------------------------------------------------------------------

@login_required
def problems(request):
    """Problems of the visible units, a form to add one, and the next-year text per unit."""
    account = _account(request.user)
    if request.method == "POST":
        unit = get_object_or_404(Unit, pk=request.POST.get("unit") or (account.unit_id if account else 0))
        problem = Problem(unit=unit)
        _check(request.user, "jixiao.change_problem", problem)
        _fill_problem(request, problem, creating=True)
        return redirect("cycle:problems")
    items = _visible(request.user, Problem.objects.select_related("unit"))
    year = request.GET.get("year")
    if year and year.isdigit():
        items = items.filter(year=int(year))
    items = list(items)
    by_unit: dict[Unit, list[Problem]] = {}
    for p in items:
        p.can_change = request.user.has_perm("jixiao.change_problem", p)
        by_unit.setdefault(p.unit, []).append(p)
    today = date.today()
    texts = [{"unit": u, "sections": cycle.next_year_sections([_core_problem(p) for p in ps], today)}
             for u, ps in by_unit.items()]
    units = _problem_units(request.user)
    return render(request, "jixiao/cycle/problems.html", {
        "problems": items, "texts": texts, "units": units, "sources": Problem.SOURCES, "statuses": Problem.STATUSES,
        "today": today, "year": year or ""})


def _problem_units(user):
    """Units a user may record problems for."""
    account = _account(user)
    if account is None:
        return Unit.objects.none()
    if account.role == Account.PREPARER:
        return Unit.objects.filter(pk=account.unit_id)
    if account.role == Account.REVIEWER:
        return [u for u in account.unit.subtree().filter(kind="agency")
                if user.has_perm("jixiao.change_problem", Problem(unit=u))]
    return Unit.objects.none()


def _core_problem(p: Problem) -> cycle.Problem:
    return cycle.Problem(title=p.title, description=p.description, source=p.source, year=p.year, owner=p.owner,
                         due=p.due, measures=p.measures, status=p.status, result=p.result)


def _fill_problem(request, problem: Problem, creating: bool) -> bool:
    post = request.POST
    fields = {"title": post.get("title", problem.title).strip(), "description": post.get("description", problem.description).strip(),
              "source": post.get("source", problem.source), "owner": post.get("owner", problem.owner).strip(),
              "measures": post.get("measures", problem.measures).strip(), "status": post.get("status", problem.status or "open"),
              "result": post.get("result", problem.result).strip()}
    due_text = post.get("due", problem.due.isoformat() if problem.due else "").strip()
    year_text = post.get("year", str(problem.year or "")).strip()
    try:
        fields["due"] = date.fromisoformat(due_text) if due_text else None
        fields["year"] = int(year_text)
        _core_problem(Problem(**fields))  # validate with the core (source, status, result when done)
    except ValueError as exc:
        messages.error(request, "；".join(_pydantic_messages(exc)) if isinstance(exc, ValidationError) else f"日期或年度无效：{exc}")
        return False
    for key, value in fields.items():
        setattr(problem, key, value)
    problem._change_reason = "登记问题" if creating else "更新整改情况"
    problem.save()
    messages.success(request, "已保存")
    return True


@login_required
@require_POST
def problem_update(request, pk: int):
    problem = get_object_or_404(Problem.objects.select_related("unit"), pk=pk)
    _check(request.user, "jixiao.change_problem", problem)
    _fill_problem(request, problem, creating=False)
    return redirect("cycle:problems")


# --- 因素法分配 ----------------------------------------------------------------------------

DEFAULT_FACTORS = [
    {"key": "insured", "name": "参保人数", "unit": "万人", "weight": "40", "kind": "data"},
    {"key": "task", "name": "参保任务完成率", "unit": "%", "weight": "20", "kind": "data"},
    {"key": "score", "name": "绩效评价得分", "unit": "分", "weight": "25", "kind": "score"},
    {"key": "spending", "name": "资金执行进度", "unit": "%", "weight": "15", "kind": "data"},
]


def recipients_of(allocation: Allocation) -> list[Unit]:
    return list(allocation.unit.children.filter(kind="agency").order_by("pk"))


def latest_scores(units: list[Unit]) -> dict[int, Evaluation]:
    """Each unit's latest scored evaluation (latest year, then latest created)."""
    result: dict[int, Evaluation] = {}
    for e in Evaluation.objects.filter(unit__in=units).exclude(total=None).order_by("unit_id", "-year", "-pk"):
        result.setdefault(e.unit_id, e)
    return result


def core_plan(allocation: Allocation) -> tuple[cycle.AllocationPlan | None, list[str], list[dict]]:
    """The core plan of an allocation: data factors from ``allocation.data``, the score factor
    from each child's latest evaluation total (or a score entered by hand when the unit has no
    evaluation). Returns (plan or None, errors, per-recipient info for the page)."""
    units = recipients_of(allocation)
    evaluations = latest_scores(units)
    info, recipients = [], []
    for unit in units:
        entered = (allocation.data or {}).get(str(unit.pk), {})
        evaluation = evaluations.get(unit.pk)
        manual = entered.get("score")
        score_value = evaluation.total if evaluation is not None else (Decimal(manual) if manual not in (None, "") else None)
        values = {f["key"]: entered[f["key"]] for f in allocation.factors
                  if f.get("kind", "data") == "data" and entered.get(f["key"]) not in (None, "")}
        recipients.append({"name": unit.name, "values": values, "score": score_value})
        info.append({"unit": unit, "entered": entered, "evaluation": evaluation, "score": score_value})
    if not units:
        return None, ["本单位没有下级单位，无法分配"], info
    try:
        plan = cycle.AllocationPlan(title=f"{allocation.year}年{allocation.fund}因素法分配表", fund=allocation.fund,
                                    year=allocation.year, amount=allocation.amount, unit="元",
                                    factors=allocation.factors, recipients=recipients)
    except ValidationError as exc:
        return None, _pydantic_messages(exc), info
    return plan, [], info


def _allocation_for(request, pk: int, perm: str = "jixiao.view_allocation") -> Allocation:
    allocation = get_object_or_404(Allocation.objects.select_related("unit"), pk=pk)
    _check(request.user, perm, allocation)
    return allocation


@login_required
def allocations(request):
    """Allocations of the visible units; reviewers and finance create one for their unit."""
    account = _account(request.user)
    can_create = account is not None and account.role in (Account.REVIEWER, Account.FINANCE)
    if request.method == "POST":
        if not can_create:
            raise PermissionDenied("仅审核人、财政复核可编制资金分配")
        errors: list[str] = []
        amount = _decimal(request.POST.get("amount"), "待分配金额", errors)
        try:
            year = int(request.POST.get("year", ""))
        except ValueError:
            year = 0
            errors.append("年度须为整数")
        fund = request.POST.get("fund", "").strip()
        if not fund:
            errors.append("须填写资金名称")
        if amount is None or amount <= 0:
            errors.append("待分配金额须为正数")
        if errors:
            for e in errors:
                messages.error(request, e)
            return redirect("cycle:allocations")
        allocation = Allocation.objects.create(unit=account.unit.review_root, year=year, fund=fund, amount=amount,
                                               factors=DEFAULT_FACTORS, created_by=request.user)
        return redirect("cycle:allocation", pk=allocation.pk)
    items = _visible(request.user, Allocation.objects.select_related("unit"))
    if account is not None and account.role == Account.PREPARER:
        items = items.none()
    return render(request, "jixiao/cycle/allocations.html", {"allocations": items, "can_create": can_create,
                                                             "this_year": date.today().year})


@login_required
def allocation_detail(request, pk: int):
    """Enter factor weights and data; the table with normalised values, weights and amounts
    to the cent, computed by the core."""
    allocation = _allocation_for(request, pk)
    can_edit = request.user.has_perm("jixiao.change_allocation", allocation)
    if request.method == "POST":
        _check(request.user, "jixiao.change_allocation", allocation)
        errors: list[str] = []
        factors = []
        for f in allocation.factors:
            weight = _decimal(request.POST.get(f"weight:{f['key']}"), f"{f['name']}权重", errors)
            factors.append({**f, "weight": format(weight, "f") if weight is not None else f["weight"]})
        data = {}
        for unit in recipients_of(allocation):
            entered = {}
            for f in allocation.factors:
                if f.get("kind", "data") == "data":
                    value = _decimal(request.POST.get(f"value:{unit.pk}:{f['key']}"), f"{unit.name}{f['name']}", errors)
                    if value is not None:
                        entered[f["key"]] = format(value, "f")
            manual = _decimal(request.POST.get(f"score:{unit.pk}"), f"{unit.name}绩效评价得分", errors)
            if manual is not None:
                entered["score"] = format(manual, "f")
            data[str(unit.pk)] = entered
        if errors:
            for e in errors:
                messages.error(request, e)
        else:
            allocation.factors, allocation.data = factors, data
            allocation._change_reason = "编辑分配数据"
            allocation.save()
            messages.success(request, "已保存")
        return redirect("cycle:allocation", pk=pk)
    plan, errors, info = core_plan(allocation)
    result = cycle.allocate(plan) if plan is not None else None
    lines = []
    for i, item in enumerate(info):
        line = result.lines[i] if result else None
        cells = []
        for j, f in enumerate(allocation.factors):
            cells.append({"factor": f, "value": item["entered"].get(f["key"], "") if f.get("kind") != "score" else item["score"],
                          "percent": line.factor_percent(j) if line else None})
        lines.append({**item, "cells": cells, "line": line})
    return render(request, "jixiao/cycle/allocation.html", {
        "allocation": allocation, "can_edit": can_edit, "errors": errors, "result": result, "lines": lines,
        "method": cycle.METHOD, "total_weight": sum((Decimal(str(f["weight"])) for f in allocation.factors), Decimal(0)),
        "amount_text": f"{allocation.amount:,.2f}", "total_text": f"{result.total:,.2f}" if result else ""})


@login_required
def allocation_export(request, pk: int):
    allocation = _allocation_for(request, pk)
    plan, errors, _ = core_plan(allocation)
    if plan is None:
        messages.error(request, "；".join(errors))
        return redirect("cycle:allocation", pk=pk)
    from jixiao.io.cycle_excel import export_allocation

    path = export_allocation(cycle.allocate(plan), Path(tempfile.mkdtemp(prefix="jixiao-alloc-")) / "allocation.xlsx")
    return FileResponse(open(path, "rb"), as_attachment=True, filename=f"因素法分配-{allocation.unit.name}-{allocation.year}.xlsx")
