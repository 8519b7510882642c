"""Assigning frameworks to units for a year, starting evaluations from an assignment, and
editing the parts of an evaluation that are not indicator rows (report narrative, financial
data, questionnaires) — all validated by the core before anything is saved."""

from __future__ import annotations

import yaml
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from pydantic import ValidationError
from simple_history.utils import bulk_create_with_history

from jixiao.core.model import NARRATIVE_SECTIONS

from . import bridge
from .models import Account, Assignment, Evaluation, FrameworkVersion, IndicatorValue, Unit


@login_required
def assignments(request):
    """Admins assign framework versions; preparers see what is assigned to their unit."""
    can_manage = request.user.has_perm("jixiao.manage_frameworks")
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("仅管理员可分配指标体系")
        try:
            framework = FrameworkVersion.objects.get(pk=int(request.POST["framework"]))
            unit = Unit.objects.get(pk=int(request.POST["unit"]))
            year = int(request.POST["year"])
            if not 2000 <= year <= 2100:
                raise ValueError
        except (KeyError, ValueError, FrameworkVersion.DoesNotExist, Unit.DoesNotExist):
            messages.error(request, "请选择指标体系、单位，并填写正确的年度")
            return redirect("assignments")
        try:
            Assignment.objects.create(framework=framework, unit=unit, year=year, fund=request.POST.get("fund", "")[:200],
                                      include_subtree=request.POST.get("include_subtree") == "1",
                                      created_by=request.user)
            messages.success(request, f"已将“{framework}”分配给{unit}（{year}年）")
        except IntegrityError:
            messages.error(request, "该单位该年度已分配此指标体系")
        return redirect("assignments")
    account = getattr(request.user, "account", None)
    items = Assignment.objects.select_related("framework", "unit")
    mine = []
    if account and account.role == Account.PREPARER:
        mine = [a for a in items if a.covers(account.unit)]
        started = set(Evaluation.objects.filter(unit=account.unit).values_list("framework_id", "year"))
        for a in mine:
            a.started = (a.framework_id, a.year) in started
    return render(request, "jixiao/assignments.html", {
        "assignments": items, "mine": mine, "can_manage": can_manage,
        "frameworks": FrameworkVersion.objects.all(), "units": Unit.objects.filter(kind="agency")})


@login_required
@require_POST
def start_evaluation(request, pk: int):
    """A preparer starts their unit's evaluation from an assignment (empty rows, draft)."""
    assignment = get_object_or_404(Assignment.objects.select_related("framework", "unit"), pk=pk)
    account = getattr(request.user, "account", None)
    if account is None or account.role != Account.PREPARER or not assignment.covers(account.unit):
        raise PermissionDenied("该指标体系未分配给您的单位")
    framework = bridge.core_framework(assignment.framework)
    with transaction.atomic():
        evaluation, created = Evaluation.objects.get_or_create(
            unit=account.unit, year=assignment.year, framework=assignment.framework,
            defaults={"title": f"{assignment.year}年度{account.unit.name}{assignment.fund or framework.name}绩效自评"})
        if created:
            codes = [c for i in framework.indicators() for c in (i.code, *(s.code for s in i.subrows))]
            bulk_create_with_history([IndicatorValue(evaluation=evaluation, code=c, data={}) for c in codes],
                                     IndicatorValue, default_change_reason="新建")
    bridge.score_and_cache(evaluation)
    return redirect("evaluation", pk=evaluation.pk)


EDITABLE_BLOCKS = ("finance", "questionnaires", "team", "declared_total", "declared_grade", "evaluator", "report_date")


@login_required
def edit_extra(request, pk: int):
    """Report narrative sections, and financial data / questionnaires / team as YAML; the
    core validates the whole evaluation before the change is saved."""
    evaluation = get_object_or_404(Evaluation.objects.select_related("unit", "framework"), pk=pk)
    if not request.user.has_perm("jixiao.view_evaluation", evaluation):
        raise PermissionDenied("无权访问该评价")
    can_edit = request.user.has_perm("jixiao.change_evaluation", evaluation)
    extra = dict(evaluation.extra or {})
    blocks = {k: extra[k] for k in EDITABLE_BLOCKS if k in extra}
    data_text = yaml.safe_dump(blocks, allow_unicode=True, sort_keys=False) if blocks else ""
    errors: list[str] = []
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("当前状态下不能修改")
        narrative = {k: request.POST.get(f"narrative:{k}", "").strip() for k in NARRATIVE_SECTIONS}
        narrative = {k: v for k, v in narrative.items() if v}
        data_text = request.POST.get("data", "")
        try:
            parsed = yaml.safe_load(data_text) if data_text.strip() else {}
        except yaml.YAMLError as exc:
            parsed, errors = None, [f"YAML格式错误：{getattr(exc, 'problem', exc)}（第{getattr(getattr(exc, 'problem_mark', None), 'line', -1) + 1}行）"]
        if parsed is not None and not isinstance(parsed, dict):
            parsed, errors = None, ["须为“键: 值”形式"]
        if parsed is not None:
            unknown = set(parsed) - set(EDITABLE_BLOCKS)
            if unknown:
                errors.append(f"不允许的字段：{'、'.join(sorted(unknown))}（可用：{'、'.join(EDITABLE_BLOCKS)}）")
            else:
                new_extra = {k: v for k, v in extra.items() if k not in EDITABLE_BLOCKS and k != "narrative"}
                new_extra.update(bridge.plain(parsed))
                if narrative:
                    new_extra["narrative"] = narrative
                old = evaluation.extra
                evaluation.extra = new_extra
                try:
                    bridge.core_evaluation(evaluation)
                except ValidationError as exc:
                    evaluation.extra = old
                    errors = [f"{'.'.join(map(str, e['loc']))}：{e['msg']}" for e in exc.errors()]
                if not errors:
                    evaluation._change_reason = "修改报告内容"
                    evaluation.save()
                    bridge.score_and_cache(evaluation)
                    messages.success(request, "已保存")
                    return redirect("evaluation_extra", pk=pk)
        extra = {**extra, "narrative": narrative}
    sections = [(k, label, (extra.get("narrative") or {}).get(k, "")) for k, label in NARRATIVE_SECTIONS.items()]
    return render(request, "jixiao/extra.html", {"evaluation": evaluation, "sections": sections,
                                                 "data_text": data_text, "errors": errors, "can_edit": can_edit})
