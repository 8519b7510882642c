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
from decimal import Decimal
from pathlib import Path

import yaml
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from jixiao.core import cycle
from jixiao.core.numbers import NumberError, parse_typed, quantize
from jixiao.io.yamlio import InputError, framework_data

from jixiao.web import bridge, review_flow
from jixiao.web.rules import account_of, visible_to
from jixiao.web.models import (Account, Allocation, Evaluation, FrameworkVersion, IndicatorValue, MonitoringReport,
                     MonitoringRow, Problem, TargetRow, TargetTable, ThresholdSetting, Unit)


# --- helpers ------------------------------------------------------------------------------

_account = account_of


_visible = visible_to


def _check(user, perm: str, obj) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied("无权进行此操作")


def _decimal(text: str | None, label: str, errors: list[str], signed: bool = False) -> Decimal | None:
    """A typed number (not negative unless ``signed``: thresholds are checked by the core)."""
    return bridge.parse_decimal(text, label, errors, percent=True, bounds=None if signed else bridge.NON_NEGATIVE)


def _pydantic_messages(exc: ValidationError) -> list[str]:
    return [str((e.get("ctx") or {}).get("error", e["msg"])).removeprefix("Value error, ") for e in exc.errors()]


def threshold_setting(table: TargetTable) -> tuple[cycle.Thresholds, str]:
    """The thresholds that colour a table's lights and where they come from: the table's own,
    else the setting for the table's year of its unit or the nearest unit above it (监控阈值
    page), else its framework's, else the default."""
    if table.yellow is not None and table.red is not None:
        return cycle.Thresholds(yellow=table.yellow, red=table.red), "本目标表设置"
    ancestors = [int(pk) for pk in table.unit.path.strip("/").split("/") if pk]
    settings = {s.unit_id: s for s in ThresholdSetting.objects.filter(unit_id__in=ancestors, year=table.year)}
    for pk in reversed(ancestors):  # the nearest unit first
        if pk in settings:
            s = settings[pk]
            return cycle.Thresholds(yellow=s.yellow, red=s.red), f"{s.unit.name}{s.year}年监控阈值"
    setting = ThresholdSetting.objects.filter(framework_id=table.framework_id, unit=None).first() \
        if table.framework_id else None
    if setting is not None:
        return cycle.Thresholds(yellow=setting.yellow, red=setting.red), "指标体系监控阈值"
    return cycle.DEFAULT_THRESHOLDS, "默认阈值"


def thresholds_for(table: TargetTable) -> cycle.Thresholds:
    return threshold_setting(table)[0]


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
        yellow = _decimal(request.POST.get("yellow"), "黄灯阈值", errors, signed=True)
        red = _decimal(request.POST.get("red"), "红灯阈值", errors, signed=True)
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
        "thresholds": thresholds_for(table), "thresholds_source": threshold_setting(table)[1],
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
    table = _table_for(request, pk, review_flow.permission(TargetTable, action))

    def checks(locked: TargetTable) -> list[str]:
        problems = cycle.check_table(core_table(locked), bridge.core_framework(locked.framework)
                                     if locked.framework_id else None)
        empty = [r.code for r in locked.rows.all() if not r.target.strip()]
        if empty:
            problems.append(f"以下指标未填写目标值：{'、'.join(empty)}")
        if not locked.overall_goal.strip():
            problems.append("未填写总体目标")
        return problems

    return review_flow.transition(request, table, action, redirect("cycle:target", pk=pk), checks=checks)


def previous_year_sections(unit: Unit, year: int, today: date | None = None) -> dict[str, str]:
    """The 存在问题 / 改进措施 sections of a unit's ``year`` report from the problems it found
    in ``year − 1`` (empty when it tracked none), written by the core."""
    found = [_core_problem(p) for p in Problem.objects.filter(unit=unit, year=year - 1).order_by("id")]
    return cycle.next_year_sections(found, today or date.today()) if found else {}


def start_evaluation_from(table: TargetTable, user=None) -> Evaluation:
    """The year-end evaluation of an approved table: the framework with this table's targets
    (a new framework version), the 绩效目标 narrative, the 存在问题 / 改进措施 narrative from the
    problems of the year before, and one empty row per indicator. Raises ValueError (targets
    that do not fit the framework) or InputError (the adjusted framework is refused)."""
    start = cycle.apply_targets(core_table(table), bridge.core_framework(table.framework))
    # exact Decimal strings and the same rules, as the evaluation import stores them
    text = yaml.safe_dump(framework_data(start.framework), allow_unicode=True, sort_keys=False)
    narrative = {"goals": start.goals_text, **previous_year_sections(table.unit, table.year)}
    with transaction.atomic():
        version = bridge.store_framework(text, f"{start.framework.id}@{start.framework.version}", user=user)
        evaluation, created = Evaluation.objects.get_or_create(
            unit=table.unit, year=table.year, framework=version,
            defaults={"title": f"{table.unit.name}{table.year}年度{table.fund}绩效自评",
                      "extra": {"narrative": narrative}})
        if created:
            codes = [c for i in start.framework.indicators() for c in (i.code, *(s.code for s in i.subrows))]
            IndicatorValue.objects.bulk_create([IndicatorValue(evaluation=evaluation, code=c) for c in codes])
        TargetTable.objects.filter(pk=table.pk).update(evaluation=evaluation)
    table.evaluation = evaluation
    bridge.score_and_cache(evaluation)
    return evaluation


@login_required
@require_POST
def start_evaluation(request, pk: int):
    """Start the year-end evaluation from an approved table (``start_evaluation_from``)."""
    table = _table_for(request, pk, "jixiao.start_evaluation")
    if table.evaluation_id or table.framework_id is None:
        messages.error(request, "该目标表已生成年终自评，或没有指标体系")
        return redirect("cycle:target", pk=pk)
    try:
        evaluation = start_evaluation_from(table, request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("cycle:target", pk=pk)
    except InputError as exc:
        for e in exc.errors:
            messages.error(request, str(e))
        return redirect("cycle:target", pk=pk)
    messages.success(request, "已根据绩效目标表生成年终自评" +
                     ("，“存在问题”“改进措施”已按上年度问题整改情况填写" if "problems" in evaluation.extra["narrative"] else ""))
    return redirect("evaluation", pk=evaluation.pk)


# --- 运行监控 ------------------------------------------------------------------------------

def _number_or_text(text: str) -> tuple[Decimal | None, str]:
    """A 累计完成 as typed: a number (by the one parser, ``numbers.parse_typed``) or a text such
    as 已完成."""
    try:
        value = parse_typed(text)
    except NumberError:
        return None, text.strip()
    return (value, "") if value is not None else (None, "")


def _typed_actual(text: str, label: str, errors: list[str]) -> str:
    """A 累计完成 that looks like a number must be one: 1e400 or 98,5 is refused by name
    (a text such as 已完成 stays text)."""
    try:
        parse_typed(text)
    except NumberError as exc:
        if any(ch.isdigit() for ch in text) and not str(exc).endswith("不是数字"):
            errors.append(f"{label}：{exc}")
    return text


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


def track_red_lights(report: MonitoringReport, assessment: cycle.Assessment) -> list[Problem]:
    """Every red light of a saved report becomes a tracked problem (source 运行监控) with the
    reason given — one problem per target table and indicator (``origin``), so the same
    indicator red again in a later period updates its problem instead of adding another. The
    status, owner, due date and result a person set are kept."""
    table = report.table
    tracked = []
    for row in assessment.all_rows:
        if row.light != cycle.RED:
            continue
        core = cycle.problem_from_light(row, report.period, table.year)
        problem = Problem.objects.filter(unit=table.unit, origin=f"monitoring:{table.pk}:{row.code}").first()
        if problem is None:
            problem = Problem(unit=table.unit, origin=f"monitoring:{table.pk}:{row.code}", source=core.source,
                              year=core.year, status=core.status)
            problem._change_reason = "运行监控红灯自动登记"
        else:
            problem._change_reason = f"{report.period}运行监控红灯更新"
        problem.title, problem.description, problem.report = core.title, core.description, report
        if core.measures and not problem.measures.strip():
            problem.measures = core.measures
        problem.save()
        tracked.append(problem)
    return tracked


def save_monitoring(report: MonitoringReport, rows: dict[str, dict], assessment: cycle.Assessment, user=None,
                    reason: str = "填报监控") -> list[Problem]:
    """Store a monitoring report, its rows and lights (computed by the core), and track its
    red lights as problems; one transaction. Returns the problems of red lights."""
    lights = {r.code: r for r in assessment.rows}
    with transaction.atomic():
        report.spending_light = assessment.spending.light if assessment.spending else ""
        report.warnings = len(assessment.warnings)
        report.created_by = report.created_by or user
        report._change_reason = reason
        report.save()
        for code, entered in rows.items():
            row, _ = MonitoringRow.objects.get_or_create(report=report, code=code)
            row.actual, row.completion, row.expected = entered.get("actual", ""), entered.get("completion"), entered.get("expected")
            row.reason, row.measures, row.light = entered.get("reason", ""), entered.get("measures", ""), lights[code].light
            row.save()
        return track_red_lights(report, assessment)


@login_required
def monitoring(request, pk: int, period: str):
    """Enter or view the monitoring report of a target table for a period (2024-Q2, 2024-07).
    Saving recomputes the lights; a yellow or red row without a reason is refused; each red
    light becomes a tracked problem. Submitted reports are read-only for the preparer."""
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
            rows[c] = {"actual": _typed_actual(request.POST.get(f"actual:{c}", "").strip(), f"{c}累计完成", errors),
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
        with transaction.atomic():
            if report.pk is not None:  # refuse a save that raced a submit
                locked = MonitoringReport.objects.select_for_update().get(pk=report.pk)
                if locked.state not in MonitoringReport.EDITABLE:
                    raise PermissionDenied("监控报告已提交，不能修改")
            tracked = save_monitoring(report, rows, assessment, request.user)
        messages.success(request, f"已保存：绿灯{assessment.count(cycle.GREEN)}项，黄灯{assessment.count(cycle.YELLOW)}项，"
                                  f"红灯{assessment.count(cycle.RED)}项" +
                         (f"；红灯已登记为整改问题{len(tracked)}项" if tracked else ""))
        return redirect("cycle:monitoring", pk=pk, period=period)
    lines = []
    by_code = {r.code: r for r in assessment.rows} if assessment else {}
    for target in table.rows.all():
        lines.append({"target": target, "entered": rows.get(target.code, {}), "light": by_code.get(target.code)})
    saved = report.pk is not None
    response = render(request, "jixiao/cycle/monitoring.html", {
        "table": table, "report": report, "period": period, "lines": lines, "assessment": assessment,
        # a period just opened has nothing typed yet: its rows are not "reasons missing" until saved
        "errors": errors, "can_edit": can_edit,
        "missing": set(assessment.missing_reasons) if assessment and (saved or request.method == "POST") else set(),
        "counts": {light: assessment.count(light) for light in cycle.LIGHT_LABELS} if assessment else {},
        "can_submit": saved and request.user.has_perm("jixiao.submit_monitoringreport", report),
        "can_review": saved and request.user.has_perm("jixiao.review_monitoringreport", report),
        "problems": report.problems.all() if saved else []})
    if errors:
        response.status_code = 400
    return response


@login_required
@require_POST
def monitoring_transition(request, pk: int, action: str):
    """submit (preparer: the report becomes read-only), approve / return (reviewer of a unit
    above, a return needs a comment). The permission names the state each action starts
    from, and the state is checked again under a row lock, so no POST skips a state."""
    report = get_object_or_404(MonitoringReport.objects.select_related("table__unit"), pk=pk)
    _check(request.user, review_flow.permission(MonitoringReport, action), report)

    def checks(locked: MonitoringReport) -> list[str]:
        missing = assessment_of(locked).missing_reasons
        return [str(cycle.ReasonsMissing(missing))] if missing else []

    return review_flow.transition(request, report, action,
                                  redirect("cycle:monitoring", pk=report.table_id, period=report.period), checks=checks)


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
    items = _visible(request.user, Problem.objects.select_related("unit", "report__table", "evaluation"))
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
    trackable = []
    if account is not None and account.role == Account.REVIEWER:
        candidates = _visible(request.user, Evaluation.objects.select_related("unit", "framework")
                              .defer("extra", "framework__yaml_text")).filter(findings_count__gt=0)
        if year and year.isdigit():
            candidates = candidates.filter(year=int(year))
        trackable = [e for e in candidates.order_by("-year", "unit__path")[:100]
                     if request.user.has_perm("jixiao.track_findings", e)]
    return render(request, "jixiao/cycle/problems.html", {
        "problems": items, "texts": texts, "units": units, "sources": Problem.SOURCES, "statuses": Problem.STATUSES,
        "today": today, "year": year or "", "trackable": trackable})


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


def track_findings(evaluation: Evaluation) -> tuple[list[Problem], list[Problem]]:
    """Turn the audit findings of an evaluation (computed by the core; 提示-level notes such as
    a 不适用 row are not problems) into tracked problems of its unit, source 绩效自评, one per
    indicator and kind of finding (``origin``): clicking again updates them, never doubles them.
    Returns (created, updated)."""
    _, findings = bridge.score_and_cache(evaluation)
    created, updated = [], []
    with transaction.atomic():
        for f in findings:
            if f.severity == "info":
                continue
            core = cycle.problem_from_finding(f.code, f.title, f.message, evaluation.year)
            origin = f"finding:{evaluation.pk}:{f.code}:{f.kind}"
            problem = Problem.objects.filter(unit=evaluation.unit, origin=origin).first()
            if problem is None:
                problem = Problem(unit=evaluation.unit, origin=origin, source=core.source, year=core.year,
                                  evaluation=evaluation, title=core.title, description=core.description)
                problem._change_reason = "核查发现登记为问题"
                problem.save()
                created.append(problem)
            elif (problem.title, problem.description) != (core.title, core.description):
                problem.title, problem.description = core.title, core.description
                problem._change_reason = "核查发现更新"
                problem.save()
                updated.append(problem)
    return created, updated


@login_required
@require_POST
def findings_to_problems(request, pk: int):
    """One click for a reviewer: every audit finding of the evaluation becomes a tracked
    problem (no duplicates)."""
    evaluation = get_object_or_404(Evaluation.objects.select_related("unit", "framework"), pk=pk)
    _check(request.user, "jixiao.track_findings", evaluation)
    created, updated = track_findings(evaluation)
    messages.success(request, f"核查发现已登记为整改问题：新增{len(created)}项，更新{len(updated)}项")
    return redirect(f"{reverse('cycle:problems')}?year={evaluation.year}")


# --- 因素法分配 ----------------------------------------------------------------------------

#: Where a factor's values come from. ``data``: typed per unit on the page (参保人数, 任务完成率…);
#: ``score``: each unit's evaluation total; ``spending``: each unit's 预算执行率 in its latest
#: monitoring report. An automatic value that is missing may be typed by hand.
FACTOR_SOURCES = {"data": "各单位填报", "score": "绩效评价得分（取自评）", "spending": "资金执行进度（取运行监控）"}
DIRECTIONS = ("正向", "反向")
DEFAULT_FACTORS = [
    {"key": "insured", "name": "参保人数", "unit": "万人", "weight": "40", "kind": "data", "source": "data",
     "direction": "正向"},
    {"key": "task", "name": "参保任务完成率", "unit": "%", "weight": "20", "kind": "data", "source": "data",
     "direction": "正向"},
    {"key": "score", "name": "绩效评价得分", "unit": "分", "weight": "25", "kind": "score", "source": "score",
     "direction": "正向"},
    {"key": "spending", "name": "资金执行进度", "unit": "%", "weight": "15", "kind": "data", "source": "spending",
     "direction": "正向"},
]


def source_of(factor: dict) -> str:
    return factor.get("source") or ("score" if factor.get("kind") == "score" else "data")


def recipients_of(allocation: Allocation) -> list[Unit]:
    return list(allocation.unit.children.filter(kind="agency").order_by("pk"))


def latest_scores(units: list[Unit], before: int | None = None, fund: str = "") -> dict[int, Evaluation]:
    """Each unit's evaluation whose score counts: the latest year (up to ``before``), within it
    one of the fund ``fund`` first, then the latest created."""
    qs = (Evaluation.objects.filter(unit__in=units).exclude(total=None).select_related("framework")
          .defer("extra", "summary", "framework__yaml_text"))
    if before is not None:
        qs = qs.filter(year__lte=before)
    result: dict[int, Evaluation] = {}
    for e in sorted(qs, key=lambda e: (e.unit_id, -e.year, e.framework.fund != fund if fund else False, -e.pk)):
        result.setdefault(e.unit_id, e)
    return result


def latest_spending(units: list[Unit], year: int, fund: str = "") -> dict[int, tuple[Decimal, MonitoringReport]]:
    """Each unit's 资金执行进度 (spent ÷ budget × 100, half-up to 2 places — the figure shown is
    the figure used) from its latest monitoring report of ``year`` with budget figures; a
    table of the fund ``fund`` first."""
    qs = (MonitoringReport.objects.filter(table__unit__in=units, table__year=year, budget__gt=0)
          .exclude(spent=None).select_related("table"))
    best: dict[int, MonitoringReport] = {}
    for r in sorted(qs, key=lambda r: (r.table.fund != fund if fund else False, -cycle.months_elapsed(r.period), -r.pk)):
        best.setdefault(r.table.unit_id, r)
    return {u: (quantize(r.spent * 100 / r.budget, 2), r) for u, r in best.items()}


def core_factor(factor: dict) -> dict:
    return {"key": factor["key"], "name": factor["name"], "unit": factor.get("unit", ""), "weight": factor["weight"],
            "kind": "score" if source_of(factor) == "score" else "data",
            "direction": factor.get("direction", "正向")}


def core_plan(allocation: Allocation) -> tuple[cycle.AllocationPlan | None, list[str], list[dict]]:
    """The core plan of an allocation: typed factors from ``allocation.data``, the score
    factor from each child's evaluation of the year before (``latest_scores``), the spending
    factor from its monitoring of the year before (``latest_spending``); a missing automatic
    value may be typed by hand. Returns (plan or None, errors, per-recipient info for the page:
    each factor's value and where it came from)."""
    units = recipients_of(allocation)
    previous = allocation.year - 1
    factors = [{**f, "source": source_of(f), "direction": f.get("direction", "正向")} for f in allocation.factors or []]
    evaluations = latest_scores(units, previous, allocation.fund) if any(source_of(f) == "score" for f in factors) else {}
    spending = latest_spending(units, previous, allocation.fund) if any(source_of(f) == "spending" for f in factors) else {}
    info, recipients = [], []
    for unit in units:
        entered = (allocation.data or {}).get(str(unit.pk), {})
        values, score_value, cells = {}, None, []
        for f in factors:
            source, typed = source_of(f), entered.get(f["key"])
            typed = Decimal(typed) if typed not in (None, "") else None
            value, origin, link, automatic = typed, "填报" if source == "data" else "手工填报", None, False
            if source == "score" and unit.pk in evaluations:
                e = evaluations[unit.pk]
                value, origin, link, automatic = e.total, f"{e.year}年自评", reverse("evaluation", args=[e.pk]), True
            elif source == "spending" and unit.pk in spending:
                rate, r = spending[unit.pk]
                value, origin, automatic = rate, f"{r.period}监控", True
                link = reverse("cycle:monitoring", args=[r.table_id, r.period])
            if source == "score":
                score_value = value
            elif value is not None:
                values[f["key"]] = value
            cells.append({"factor": f, "value": value, "typed": typed, "origin": origin, "link": link,
                          "automatic": automatic})
        recipients.append({"name": unit.name, "values": values, "score": score_value})
        info.append({"unit": unit, "entered": entered, "cells": cells, "evaluation": evaluations.get(unit.pk),
                     "score": score_value})
    if not units:
        return None, ["本单位没有下级单位，无法分配"], info
    try:
        plan = cycle.AllocationPlan(title=f"{allocation.year}年{allocation.fund}因素法分配表", fund=allocation.fund,
                                    year=allocation.year, amount=allocation.amount, unit="元",
                                    factors=[core_factor(f) for f in factors], recipients=recipients)
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
        elif amount != quantize(amount, 2):
            errors.append("待分配金额须精确到分")
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


def parse_factors(post, current: list[dict], errors: list[str]) -> list[dict]:
    """The factor list from the page: each factor's name, unit, weight, source and direction
    (fields ``name:KEY`` …, ``delete:KEY``), and a new factor from ``new_*``. Weights must be
    positive and add up to exactly 100%; at most one factor takes the evaluation score and one
    the monitoring spending."""
    factors = []
    for f in current:
        key = f["key"]
        if post.get(f"delete:{key}"):
            continue
        before = len(errors)
        weight = _decimal(post.get(f"weight:{key}", str(f["weight"])), f"“{f['name']}”权重", errors)
        if weight is None and len(errors) == before:
            errors.append(f"“{f['name']}”的权重须填写")
        factors.append({"key": key, "name": post.get(f"name:{key}", f["name"]).strip(),
                        "unit": post.get(f"unit:{key}", f.get("unit", "")).strip(),
                        "weight": format(weight, "f") if weight is not None else str(f["weight"]),
                        "source": post.get(f"source:{key}", source_of(f)),
                        "direction": post.get(f"direction:{key}", f.get("direction", "正向"))})
    if post.get("new_name", "").strip():
        used = {f["key"] for f in current}
        n = len(current) + 1
        while f"f{n}" in used:
            n += 1
        weight = _decimal(post.get("new_weight"), f"新因素“{post['new_name'].strip()}”权重", errors)
        factors.append({"key": f"f{n}", "name": post["new_name"].strip(), "unit": post.get("new_unit", "").strip(),
                        "weight": format(weight, "f") if weight is not None else "",
                        "source": post.get("new_source", "data"), "direction": post.get("new_direction", "正向")})
    if not factors:
        errors.append("至少须有一个分配因素")
    names = [f["name"] for f in factors]
    if any(not n for n in names):
        errors.append("因素名称不能为空")
    if len(set(names)) != len(names):
        errors.append("因素名称重复")
    for f in factors:
        if f["source"] not in FACTOR_SOURCES:
            errors.append(f"“{f['name']}”的数据来源无效")
        if f["direction"] not in DIRECTIONS:
            errors.append(f"“{f['name']}”的方向须为正向或反向")
        if not f["weight"] or Decimal(f["weight"]) <= 0:
            errors.append(f"“{f['name']}”的权重须大于0")
    for source in ("score", "spending"):
        if sum(1 for f in factors if f["source"] == source) > 1:
            errors.append(f"“{FACTOR_SOURCES[source]}”只能作为一个因素")
    if not errors:
        total = sum((Decimal(f["weight"]) for f in factors), Decimal(0))
        if total != 100:
            errors.append(f"各因素权重之和须为100%，实际为{cycle.fmt(total)}%")
    for f in factors:
        f["kind"] = "score" if f["source"] == "score" else "data"
    return factors


@login_required
def allocation_detail(request, pk: int):
    """Configure the factors (name, weight, source, direction) and enter the typed data; the
    table with normalised values, weights and amounts to the cent is computed by the core."""
    allocation = _allocation_for(request, pk)
    can_edit = request.user.has_perm("jixiao.change_allocation", allocation)
    if request.method == "POST":
        _check(request.user, "jixiao.change_allocation", allocation)
        errors: list[str] = []
        factors = parse_factors(request.POST, allocation.factors or [], errors)
        data = {}
        for unit in recipients_of(allocation):
            entered = dict((allocation.data or {}).get(str(unit.pk), {}))
            for f in factors:
                field = f"value:{unit.pk}:{f['key']}"
                if field not in request.POST:
                    continue  # an automatic value shown without an input keeps what was typed
                value = _decimal(request.POST[field], f"{unit.name}“{f['name']}”", errors)
                if value is not None and value < 0:
                    errors.append(f"{unit.name}“{f['name']}”不能为负数")
                if value is None:
                    entered.pop(f["key"], None)
                else:
                    entered[f["key"]] = format(value, "f")
            data[str(unit.pk)] = {k: v for k, v in entered.items() if k in {f["key"] for f in factors}}
        if errors:
            for e in errors:
                messages.error(request, e)
        else:
            allocation.factors, allocation.data = factors, data
            allocation._change_reason = "编辑分配因素和数据"
            allocation.save()
            messages.success(request, "已保存")
        return redirect("cycle:allocation", pk=pk)
    plan, errors, info = core_plan(allocation)
    result = cycle.allocate(plan) if plan is not None else None
    lines = []
    for i, item in enumerate(info):
        line = result.lines[i] if result else None
        for j, cell in enumerate(item["cells"]):
            cell["percent"] = line.factor_percent(j) if line else None
        lines.append({**item, "line": line})
    return render(request, "jixiao/cycle/allocation.html", {
        "allocation": allocation, "can_edit": can_edit, "errors": errors, "result": result, "lines": lines,
        "factors": [{**f, "source": source_of(f), "direction": f.get("direction", "正向")} for f in allocation.factors],
        "sources": FACTOR_SOURCES, "directions": DIRECTIONS,
        "method": cycle.METHOD, "total_weight": sum((Decimal(str(f["weight"])) for f in allocation.factors), Decimal(0)),
        "amount_text": f"{allocation.amount:,.2f}", "total_text": f"{result.total:,.2f}" if result else "",
        "previous_year": allocation.year - 1})


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


# --- 监控阈值 ------------------------------------------------------------------------------

def _threshold_units(user):
    """Units a user may set thresholds for: everything for admins, the sub-tree for reviewers
    and finance."""
    account = _account(user)
    if user.is_superuser or (account is not None and account.role == Account.ADMIN):
        return Unit.objects.filter(kind="agency")
    if account is None or account.role not in (Account.REVIEWER, Account.FINANCE):
        return Unit.objects.none()
    return account.unit.subtree().filter(kind="agency")


def parse_thresholds(post, errors: list[str]) -> tuple[Decimal | None, Decimal | None]:
    """Yellow and red bounds (percentage points a row may lag behind before it turns yellow
    / red): numbers from 0 to 100, red not below yellow — validated by the core."""
    yellow = _decimal(post.get("yellow"), "黄灯阈值", errors, signed=True)
    red = _decimal(post.get("red"), "红灯阈值", errors, signed=True)
    if not errors and (yellow is None or red is None):
        errors.append("黄灯、红灯阈值均须填写")
    if errors:
        return None, None
    if yellow > 100 or red > 100:
        errors.append("阈值为落后序时进度的百分点，不能超过100")
    try:
        cycle.Thresholds(yellow=yellow, red=red)
    except ValidationError as exc:
        errors += [m.replace("Input should be greater than or equal to 0", "阈值不能为负数") for m in _pydantic_messages(exc)]
    return yellow, red


@login_required
def thresholds(request):
    """The traffic-light thresholds per unit and year (they apply to the unit and every unit
    below it unless a nearer unit or the target table sets its own)."""
    if not request.user.has_perm("jixiao.view_thresholds"):
        raise PermissionDenied("监控阈值设置仅供审核人、财政复核和管理员使用")
    units = _threshold_units(request.user)
    if request.method == "POST":
        errors: list[str] = []
        unit = units.filter(pk=request.POST.get("unit") or 0).first()
        if unit is None:
            raise PermissionDenied("无权为该单位设置监控阈值")
        try:
            year = int(request.POST.get("year", ""))
        except ValueError:
            year = 0
        if not 2000 <= year <= 2100:
            errors.append("年度须为2000—2100之间的整数")
        yellow, red = parse_thresholds(request.POST, errors)
        if errors:
            for e in errors:
                messages.error(request, e)
            return redirect("cycle:thresholds")
        setting = ThresholdSetting.objects.filter(unit=unit, year=year).first() or ThresholdSetting(unit=unit, year=year)
        _check(request.user, "jixiao.change_thresholdsetting", setting)
        setting.yellow, setting.red, setting.updated_by = yellow, red, request.user
        setting.save()
        messages.success(request, f"已设置{unit.name}{year}年监控阈值：{cycle.Thresholds(yellow=yellow, red=red).describe()}")
        return redirect("cycle:thresholds")
    settings = _visible(request.user, ThresholdSetting.objects.exclude(unit=None).select_related("unit", "updated_by"))
    items = []
    for s in settings:
        s.rule = cycle.Thresholds(yellow=s.yellow, red=s.red).describe()
        s.can_change = request.user.has_perm("jixiao.change_thresholdsetting", s)
        items.append(s)
    frameworks = [{"setting": s, "rule": cycle.Thresholds(yellow=s.yellow, red=s.red).describe()}
                  for s in ThresholdSetting.objects.filter(unit=None).exclude(framework=None).select_related("framework")]
    return render(request, "jixiao/cycle/thresholds.html", {
        "settings": items, "frameworks": frameworks, "units": units, "default": cycle.DEFAULT_THRESHOLDS.describe(),
        "this_year": date.today().year})


@login_required
@require_POST
def threshold_delete(request, pk: int):
    setting = get_object_or_404(ThresholdSetting.objects.select_related("unit"), pk=pk)
    _check(request.user, "jixiao.change_thresholdsetting", setting)
    setting.delete()
    messages.success(request, "已删除该监控阈值设置")
    return redirect("cycle:thresholds")
