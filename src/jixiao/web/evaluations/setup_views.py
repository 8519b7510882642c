"""Assigning frameworks to units for a year, starting evaluations from an assignment, and
editing the parts of an evaluation that are not indicator rows (financial data,
questionnaires, report narrative) as forms — all validated by the core before anything is
saved, and re-scored by the core after."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from pydantic import ValidationError
from simple_history.utils import bulk_create_with_history

from jixiao.core.finance import check as check_finance
from jixiao.core.model import NARRATIVE_SECTIONS
from jixiao.core.numbers import fmt, quantize
from jixiao.core.scoring import score
from jixiao.io.questionnaire import read_responses

from jixiao.web import bridge
from jixiao.web.evaluations import extra_forms
from jixiao.web.models import Account, Assignment, Evaluation, FrameworkVersion, IndicatorValue, Unit


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
RESPONSES_MAX_BYTES = 5 * 1024 * 1024

# form name → (blocks of ``extra`` it replaces, anchor on the page, change-trail reason)
EXTRA_FORMS = {
    "finance": (("finance",), "finance", "修改财务数据"),
    "questionnaires": (("questionnaires",), "questionnaires", "修改满意度问卷"),
    "narrative": (("narrative", "evaluator", "report_date", "declared_total", "declared_grade", "team"), "narrative",
                  "修改报告叙述"),
    "yaml": (EDITABLE_BLOCKS + ("narrative",), "advanced", "修改报告内容"),
}


def _blocks_digest(extra: dict, form: str) -> str:
    return extra_forms.block_digest({k: extra.get(k) for k in EXTRA_FORMS[form][0]})


STALE = ("保存失败：这部分内容在您打开页面后已被他人修改。下方保留了您的填写，"
         "核对后再次保存将以您的填写为准。")


def _normalised(core, key: str):
    """A block as the core understood it (exact decimal strings, derived totals filled in)."""
    if key == "finance":
        return core.finance.model_dump(exclude_none=True) if core.finance else None
    return [q.model_dump(exclude_none=True) for q in core.questionnaires]


def _save_extra(request, pk: int, form: str, build, reason: str | None = None,
                normalise: tuple[str, ...] = ()) -> list[str]:
    """Replace blocks of ``extra`` in one transaction: lock the row, check permission and that
    nobody changed these blocks since the form was loaded, let the core validate the whole
    evaluation, save (recorded in the change trail) and re-score. Returns the errors;
    nothing is written when there is any."""
    reason = reason or EXTRA_FORMS[form][2]
    with transaction.atomic():
        locked = Evaluation.objects.select_for_update().select_related("unit", "framework").get(pk=pk)
        if not request.user.has_perm("jixiao.change_evaluation", locked):
            raise PermissionDenied("当前状态下不能修改")
        old = dict(locked.extra or {})
        base = request.POST.get("base")
        if base is not None and base != _blocks_digest(old, form):
            return [STALE]
        new = build(dict(old))
        locked.extra = new
        try:
            core = bridge.core_evaluation(locked)
        except ValidationError as exc:
            return extra_forms.core_error_messages(exc, new, keys=form == "yaml")
        for key in normalise:
            value = _normalised(core, key)
            if value:
                new[key] = bridge.plain(value)
            else:
                new.pop(key, None)
        if new == old:
            messages.info(request, "内容未改变，无需保存")
            return []
        locked.extra = new
        locked.lock_version += 1  # other open pages can tell the evaluation changed
        locked._change_reason = reason
        locked.save()
        bridge.score_and_cache(locked)
    total = "—" if locked.total is None else fmt(locked.total, 2)
    messages.success(request, f"已保存（{reason}），已按新数据重新计分：总分{total}")
    return []


def _replace(blocks: dict):
    """A build step that sets (or, when empty, removes) blocks of ``extra``."""
    def build(extra: dict) -> dict:
        for key, value in blocks.items():
            if value in (None, "", [], {}):
                extra.pop(key, None)
            else:
                extra[key] = bridge.plain(value)
        return extra
    return build


def _yaml_build(request, extra: dict, narrative: dict | None) -> tuple[object, list[str]]:
    """The advanced editor: the YAML of EDITABLE_BLOCKS (and the narrative texts when posted)."""
    data_text = request.POST.get("data", "")
    try:
        parsed = yaml.safe_load(data_text) if data_text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, [f"YAML格式错误：{getattr(exc, 'problem', exc)}（第{getattr(mark, 'line', -1) + 1}行）"]
    if not isinstance(parsed, dict):
        return None, ["须为“键: 值”形式"]
    unknown = set(parsed) - set(EDITABLE_BLOCKS)
    if unknown:
        return None, [f"不允许的字段：{'、'.join(sorted(unknown))}（可用：{'、'.join(EDITABLE_BLOCKS)}）"]

    def build(old: dict) -> dict:
        new = {k: v for k, v in old.items() if k not in EDITABLE_BLOCKS and (k != "narrative" or narrative is None)}
        new.update(bridge.plain(parsed))
        if narrative:
            new["narrative"] = narrative
        return new
    return build, []


def _responses_build(request, evaluation: Evaluation) -> tuple[object, list[str], str]:
    """Count an uploaded Excel sheet of answers (one row per respondent) into a questionnaire
    with ``jixiao.io.questionnaire``; the questionnaire's questions and options stay."""
    qid = request.POST.get("qid", "")
    upload = request.FILES.get("file")
    label = f"{extra_forms.QUESTIONNAIRE}「{qid}」·答卷文件"
    if upload is None:
        return None, [f"{label}：请选择Excel文件（.xlsx）"], ""
    if Path(upload.name).suffix.lower() not in (".xlsx", ".xlsm"):
        return None, [f"{label}{upload.name}：须为Excel文件（.xlsx）"], ""
    if upload.size > RESPONSES_MAX_BYTES:
        return None, [f"{label}{upload.name}：文件超过{RESPONSES_MAX_BYTES // 1024 // 1024}MB"], ""
    try:
        current = bridge.core_evaluation(evaluation).questionnaire(qid)
    except (KeyError, ValidationError):
        return None, [f"{label}：没有编号为“{qid}”的问卷，请先在问卷表单中建立题目与选项"], ""
    label = f"{extra_forms.QUESTIONNAIRE}「{current.title or qid}」·答卷文件{Path(upload.name).name}"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "answers.xlsx"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        try:
            counted, errors = read_responses(path, list(current.questions), qid,
                                             sheet=request.POST.get("sheet", "").strip() or None,
                                             title=current.title, issued=current.issued)
        except ValidationError as exc:
            return None, [f"{label}：{e['msg'].removeprefix('Value error, ')}" for e in exc.errors()], ""
    if errors or counted is None:
        return None, [f"{label}·{e.field}：{e.message}" if e.field else f"{label}：{e.message}" for e in errors], ""

    def build(extra: dict) -> dict:
        items = list(extra.get("questionnaires") or [])
        for n, item in enumerate(items):
            if item.get("id") == qid:
                merged = {**item, "returned": counted.returned, "valid": counted.valid,
                          "questions": bridge.plain([q.model_dump() for q in counted.questions])}
                items[n] = merged
        extra["questionnaires"] = items
        return extra
    reason = f"导入问卷答卷：{Path(upload.name).name}（收回{counted.returned}份，有效{counted.valid}份）"
    return build, [], reason


def _results(evaluation: Evaluation) -> dict:
    """What the core computes from the saved data: finance metrics and consistency checks,
    questionnaire results, and the indicators that take their values from them."""
    try:
        core = bridge.core_evaluation(evaluation)
    except ValidationError as exc:
        return {"invalid": extra_forms.core_error_messages(exc, evaluation.extra or {})}
    sheet = score(core)
    linked = []
    for row in sheet.rows:
        source = None
        if row.input.actual_from and row.input.actual_from in core.metrics:
            source = str(core.metrics[row.input.actual_from])
        elif row.input.questionnaire:
            source = f"问卷「{row.input.questionnaire}」综合得分"
        if source:
            linked.append({"code": row.code, "name": row.name, "source": source, "weight": fmt(row.weight),
                           "score": format(quantize(row.score, 2), "f"), "explanation": row.explanation})
    return {
        "metrics": extra_forms.metric_rows(core.metrics),
        "checks": check_finance(core.finance) if core.finance else [],
        "questionnaires": [extra_forms.questionnaire_results(q) for q in core.questionnaires],
        "linked": linked, "total": fmt(sheet.total, 2), "grade": sheet.grade,
    }


@login_required
def edit_extra(request, pk: int):
    """Financial data, satisfaction questionnaires and report narrative as forms (plus the
    YAML of these blocks as an advanced editor). Every save is validated by the core as a
    whole evaluation, saved in one transaction with a change-trail entry, and re-scored."""
    evaluation = get_object_or_404(Evaluation.objects.select_related("unit", "framework"), pk=pk)
    if not request.user.has_perm("jixiao.view_evaluation", evaluation):
        raise PermissionDenied("无权访问该评价")
    can_edit = request.user.has_perm("jixiao.change_evaluation", evaluation)
    extra = dict(evaluation.extra or {})
    posted = None
    errors: list[str] = []
    forms = {}
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("当前状态下不能修改")
        posted = request.POST.get("form") or ("yaml" if "data" in request.POST else "")
        if posted not in EXTRA_FORMS and posted != "responses":
            return HttpResponseBadRequest("未知的表单")
        if posted == "finance":
            form = forms["finance"] = extra_forms.FinanceForm(extra.get("finance"), request.POST)
            value = form.clean()
            errors = form.errors or _save_extra(request, pk, posted, _replace({"finance": value}),
                                                normalise=("finance",))
        elif posted == "questionnaires":
            form = forms["questionnaires"] = extra_forms.QuestionnaireForm(extra.get("questionnaires"), request.POST)
            value = form.clean()
            errors = form.errors or _save_extra(request, pk, posted, _replace({"questionnaires": value}),
                                                normalise=("questionnaires",))
        elif posted == "narrative":
            form = forms["narrative"] = extra_forms.NarrativeForm(extra, request.POST)
            value = form.clean()
            errors = form.errors or _save_extra(request, pk, posted, _replace(value))
        elif posted == "responses":
            build, errors, reason = _responses_build(request, evaluation)
            if not errors:
                errors = _save_extra(request, pk, "questionnaires", build, reason=reason,
                                     normalise=("questionnaires",))
        else:
            narrative = None  # the YAML editor leaves the narrative alone unless its texts are posted too
            if any(k.startswith("narrative:") for k in request.POST):
                narrative = {k: request.POST.get(f"narrative:{k}", "").strip() for k in NARRATIVE_SECTIONS}
                narrative = {k: v for k, v in narrative.items() if v}
                forms["narrative"] = extra_forms.NarrativeForm({**extra, "narrative": narrative})
            build, errors = _yaml_build(request, extra, narrative)
            if not errors:
                errors = _save_extra(request, pk, "yaml", build)
        if not errors:
            anchor = EXTRA_FORMS["questionnaires" if posted == "responses" else posted][1]
            return redirect(reverse("evaluation_extra", args=[pk]) + f"#{anchor}")
        if STALE in errors:  # show the current data's fingerprint: saving again is a deliberate overwrite
            extra = dict(Evaluation.objects.get(pk=pk).extra or {})
    blocks = {k: extra[k] for k in EDITABLE_BLOCKS if k in extra}
    data_text = request.POST.get("data", "") if posted == "yaml" else \
        (yaml.safe_dump(blocks, allow_unicode=True, sort_keys=False) if blocks else "")
    forms.setdefault("finance", extra_forms.FinanceForm(extra.get("finance")))
    forms.setdefault("questionnaires", extra_forms.QuestionnaireForm(extra.get("questionnaires")))
    forms.setdefault("narrative", extra_forms.NarrativeForm(extra))
    results = _results(evaluation)
    extra_forms.attach_results(forms["questionnaires"], results.get("questionnaires", []))
    return render(request, "jixiao/extra.html", {
        "evaluation": evaluation, "can_edit": can_edit, "errors": errors, "posted": posted,
        "finance": forms["finance"], "questionnaires": forms["questionnaires"], "narrative": forms["narrative"],
        "data_text": data_text, "results": results, "units": extra_forms.FinanceForm.UNITS,
        "base": {name: _blocks_digest(extra, name) for name in EXTRA_FORMS},
        "trail": _extra_trail(evaluation),
    })


def _extra_trail(evaluation: Evaluation, records: int = 30) -> list[dict]:
    """The change trail of this page's data, field by field: who, when, why, before → after."""
    history = list(evaluation.history.select_related("history_user").order_by("-history_date", "-history_id")[:records + 1])
    entries = []
    for newer, older in zip(history, history[1:]):
        for what, before, after in extra_forms.extra_changes(older.extra or {}, newer.extra or {}):
            entries.append({"when": newer.history_date, "who": newer.history_user, "reason": newer.history_change_reason or "",
                             "what": what, "before": before, "after": after})
    return entries
