"""Views: thin wrappers that load records, ask ``bridge`` (and so the core) to score, and
render. Permissions are object rules from ``jixiao.web.rules``."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from jixiao.io.yamlio import InputError

from jixiao.web import bridge
from jixiao.web.evaluations.entry import RowFormError, fields_for, parse_row
from jixiao.web.evaluations.entry import compare as entry_compare
from jixiao.web.models import Evaluation, FrameworkVersion, IndicatorValue, ReportJob, Unit
from jixiao.web.rules import visible_to


def nav_context(request):
    account = getattr(request.user, "account", None) if request.user.is_authenticated else None
    return {"account": account}


def visible_evaluations(user):
    """Evaluations a user may see, as one query (admins: all; overseers: their sub-tree;
    preparers: their unit)."""
    return visible_to(user, Evaluation.objects.select_related("unit", "framework"))


# Large columns a listing never shows: the framework YAML (tens of kB, once per row through
# select_related) and the evaluation's finance / questionnaire / narrative contents.
_LISTING_DEFER = ("extra", "review_comment", "framework__yaml_text")


def _evaluation_for(request, pk: int, perm: str = "jixiao.view_evaluation") -> Evaluation:
    evaluation = get_object_or_404(Evaluation.objects.select_related("unit", "framework"), pk=pk)
    if not request.user.has_perm(perm, evaluation):
        raise PermissionDenied("无权访问该评价")
    return evaluation


def _int(text) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _query_without_page(request) -> str:
    """The request's filters as a query string for pager links (without ``page``)."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


HOME_PAGE_SIZE = 50


@login_required
def home(request):
    """The evaluations a user may see: search (unit, framework, title), filters (state, year,
    framework), 50 per page with the number found. One query for the filter choices."""
    from django.core.paginator import Paginator
    from django.db.models import Q

    visible = visible_evaluations(request.user)
    # listings need neither the framework YAML nor the evaluation's other contents
    evaluations = visible.defer(*_LISTING_DEFER).order_by("-year", "unit__path", "pk")
    q = request.GET.get("q", "").strip()[:100]
    state = request.GET.get("state") if request.GET.get("state") in dict(Evaluation.STATES) else ""
    year, framework = _int(request.GET.get("year")), _int(request.GET.get("framework"))
    if q:
        evaluations = evaluations.filter(Q(unit__name__icontains=q) | Q(framework__name__icontains=q) |
                                         Q(title__icontains=q))
    if state:
        evaluations = evaluations.filter(state=state)
    if year:
        evaluations = evaluations.filter(year=year)
    if framework:
        evaluations = evaluations.filter(framework_id=framework)
    choices = list(visible.order_by().values_list("year", "framework_id", "framework__name", "framework__version")
                   .distinct())
    page = Paginator(evaluations, HOME_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "jixiao/home.html", {
        "page": page, "evaluations": page.object_list, "states": Evaluation.STATES, "state": state, "q": q,
        "year": year, "framework": framework, "years": sorted({c[0] for c in choices}, reverse=True),
        "frameworks": sorted({(c[1], f"{c[2]}（{c[3]}）") for c in choices}, key=lambda f: f[1]),
        "query": _query_without_page(request)})


def _rows_context(request, evaluation: Evaluation, sheet, findings, only: set[str] | None = None,
                  editable: bool | None = None):
    """Template context per score-sheet row (all rows, or just the codes in ``only``)."""
    framework = bridge.core_framework(evaluation.framework)
    values = {v.code: v for v in evaluation.values.all()}
    found: dict[str, list] = {}
    for f in findings:
        found.setdefault(f.code, []).append(f)
    rows = []
    if editable is None:
        editable = request.user.has_perm("jixiao.change_evaluation", evaluation)
    for row in sheet.rows:
        if only is not None and row.code not in only:
            continue
        value = values.get(row.code)
        data = value.data if value else {}
        is_parent = bool(row.indicator.subrows)
        rows.append({
            "row": row, "value": value, "data": data, "parent": row.parent, "is_parent": is_parent,
            "level1": row.path[0].name if row.path else "", "level2": row.path[1].name if len(row.path) > 1 else "",
            "fields": [] if is_parent else fields_for(row.indicator, data, framework.default_rule),
            "findings": found.get(row.code, []), "editable": editable and not is_parent,
        })
    return rows


def _templates_digest(*names: str) -> str:
    """A digest of template files: a cached fragment rendered by an older version of the site
    (the fragment cache is kept on disk across upgrades) is not served after they change."""
    from pathlib import Path

    folder = Path(__file__).parent / "templates"
    return hashlib.sha256(b"".join((folder / n).read_bytes() for n in names)).hexdigest()[:16]


GRID_TEMPLATES = _templates_digest("jixiao/_row.html", "jixiao/evaluation.html")


def grid_key(evaluation: Evaluation, editable: bool, can_comment: bool) -> str:
    """The cache key of an evaluation's rendered entry grid: a digest of everything the grid
    shows or is computed from — the evaluation (unit, year, framework version, its rules and
    its text, the other contents that feed scores), every row's stored input, version and reviewer's
    comment, and what the viewer may do (edit the rows, write row comments). Any save changes
    a row's input and version, so the key changes with every save; the score sheet and
    findings are functions of these inputs (the core is deterministic)."""
    values = evaluation.values.all()  # prefetched by the caller: the rows scoring reads too
    unit, framework = evaluation.unit, evaluation.framework
    text = json.dumps([
        evaluation.pk, unit.pk, unit.name, unit.level, unit.region, evaluation.year, framework.pk, framework.rules_hash,
        # the framework's whole text: its wording (criteria, targets) is shown, and the rules hash ignores wording
        hashlib.sha256(framework.yaml_text.encode("utf-8")).hexdigest(),
        evaluation.extra, editable, can_comment, GRID_TEMPLATES,
        [(v.pk, v.code, v.version, v.data, v.reviewer_comment) for v in values],
    ], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def history_key(evaluation: Evaluation) -> str:
    """The cache key of an evaluation's change trail: the number, last id and last time of its
    history records and of its rows' history records (a save adds a record, so the key
    changes). Two small aggregate queries instead of reading and diffing the whole trail."""
    marks = []
    for qs in (evaluation.history.all(), IndicatorValue.history.filter(evaluation_id=evaluation.pk)):
        agg = qs.order_by().aggregate(n=Count("history_id"), last=Max("history_id"), at=Max("history_date"))
        marks.append(f"{agg['n']}:{agg['last']}:{agg['at'].isoformat() if agg['at'] else ''}")
    return f"{evaluation.pk}|{'|'.join(marks)}"


@login_required
def evaluation_detail(request, pk: int):
    """The entry page. The grid of rows (most of the page's rendering time) and the change
    trail are template fragments cached under keys that change with every save
    (``grid_key``, ``history_key``); scoring still runs on every request (it keeps the cached
    totals current), and the rows' template context is only built when the grid is rendered."""
    evaluation = _evaluation_for(request, pk)
    prefetch_related_objects([evaluation], "values")  # one read of the rows, for scoring and the grid
    sheet, findings = bridge.score_and_cache(evaluation)
    user = request.user
    can_edit = user.has_perm("jixiao.change_evaluation", evaluation)
    can_review = user.has_perm("jixiao.review_evaluation", evaluation)
    can_publish = user.has_perm("jixiao.publish_evaluation", evaluation)
    row_codes = {r.code for r in sheet.rows}
    comments = {v.code: v.reviewer_comment for v in evaluation.values.all() if v.reviewer_comment}
    context = {
        "evaluation": evaluation, "sheet": sheet,
        # callables: the template calls them only when it renders the fragment (a cache miss)
        "rows": lambda: _rows_context(request, evaluation, sheet, findings, editable=can_edit),
        "grid_key": grid_key(evaluation, can_edit, can_review or can_publish),
        "findings": findings, "general_findings": [f for f in findings if f.code not in row_codes],
        # the rows a reviewer commented on, listed once at the top (the values are prefetched)
        "row_comments": [{"code": r.code, "name": r.name, "comment": comments[r.code]} for r in sheet.rows
                         if r.code in comments],
        "history": lambda: _history(evaluation)[:50],
        "history_key": history_key(evaluation),
        "can_edit": can_edit,
        "can_submit": user.has_perm("jixiao.submit_evaluation", evaluation),
        "can_review": can_review,
        "can_publish": can_publish,
        "jobs": evaluation.report_jobs.order_by("-created_at")[:3],
    }
    return render(request, "jixiao/evaluation.html", context)


def _with_previous(records) -> list[tuple]:
    """(record, previous record of the same object or None) for history records fetched in
    one query — what each record's ``prev_record`` gives (the latest earlier record), without
    a query per record."""
    by_object: dict = {}
    for h in records:
        by_object.setdefault(h.id, []).append(h)
    pairs = []
    for items in by_object.values():
        items.sort(key=lambda h: (h.history_date, h.history_id))
        previous = None  # the latest record strictly earlier than the current one's date
        for i, h in enumerate(items):
            if i and h.history_date != items[i - 1].history_date:
                previous = items[i - 1]
            pairs.append((h, previous))
    return pairs


def _history(evaluation: Evaluation) -> list[dict]:
    """The change trail in words: who, when, which field (字段), before → after, newest first.
    One entry per field whose value changed (old and new compared key by key); rows' inputs
    are named with the entry form's labels (实际值、佐证材料、扣分次数…), ``extra`` with the
    finance / questionnaire / narrative forms' labels."""
    from jixiao.web.evaluations.extra_forms import extra_changes

    entries = []
    for h, prev in _with_previous(evaluation.history.select_related("history_user").all()):
        base = {"when": h.history_date, "who": h.history_user, "reason": h.history_change_reason or ""}
        if prev is None:
            entries.append({**base, "what": "创建评价", "before": "", "after": h.get_state_display()})
            continue
        for change in h.diff_against(prev).changes:
            if change.field in ("total", "grade", "declared_total", "findings_count", "summary"):
                continue  # cached results of scoring, not entered
            if change.field == "extra":
                entries.extend({**base, "what": what, "before": old, "after": new}
                               for what, old, new in extra_changes(change.old or {}, change.new or {}))
                continue
            label = Evaluation._meta.get_field(change.field).verbose_name
            old, new = change.old, change.new
            if change.field == "state":
                old, new = dict(Evaluation.STATES).get(old, old), dict(Evaluation.STATES).get(new, new)
            entries.append({**base, "what": label, "before": _word(old), "after": _word(new)})
    labels = _InputLabels(evaluation)
    for h, prev in _with_previous(IndicatorValue.history.filter(evaluation_id=evaluation.pk).select_related("history_user")):
        if prev is None:
            continue
        base = {"when": h.history_date, "who": h.history_user, "reason": h.history_change_reason or ""}
        if h.reviewer_comment != prev.reviewer_comment:
            entries.append({**base, "what": f"{h.code} 审核意见", "before": prev.reviewer_comment,
                            "after": h.reviewer_comment})
        for what, old, new in labels.changes(h.code, prev.data or {}, h.data or {}):
            entries.append({**base, "what": what, "before": old, "after": new})
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries


# Labels of an indicator input's keys besides its rule's own fields (``entry.fields_for``).
INPUT_LABELS = {"actual": "实际值", "declared": "申报得分", "evidence": "佐证材料", "not_applicable": "不适用理由",
                "override_score": "人工改分", "override_reason": "改分理由", "actual_from": "实际值来源",
                "questionnaire": "问卷", "met": "是否达到目标", "checks": "满足的评分要点", "judgement": "评定等级",
                "manual": "评价人给分", "reference": "参照值", "reason": "偏差原因"}


def _fields_of(data: dict, prefix: str = "") -> dict:
    """An indicator input as entry-form field names (``part:名称:actual``, ``value:x``,
    ``incident:种类``, ``override_score``…) → values."""
    out = {}
    for key, value in (data or {}).items():
        if key == "parts" and isinstance(value, dict):
            for part, sub in value.items():
                out.update(_fields_of(sub if isinstance(sub, dict) else {}, f"{prefix}part:{part}:"))
        elif key in ("values", "incidents") and isinstance(value, dict):
            kind = "value" if key == "values" else "incident"
            out.update({f"{prefix}{kind}:{name}": v for name, v in value.items()})
        elif key == "override" and isinstance(value, dict):
            out.update({f"{prefix}override_{k}": v for k, v in value.items()})
        else:
            out[prefix + key] = value
    return out


class _InputLabels:
    """The entry form's labels per row of an evaluation (read from ``entry.fields_for``)."""

    def __init__(self, evaluation: Evaluation):
        self.framework = bridge.core_framework(evaluation.framework)
        self.by_code: dict[str, dict[str, str]] = {}

    def of(self, code: str) -> dict[str, str]:
        if code not in self.by_code:
            indicator = self.framework.indicator(code)
            fields = fields_for(indicator, {}, self.framework.default_rule) if indicator is not None else []
            self.by_code[code] = {f.name: f.label for f in fields}
        return self.by_code[code]

    def label(self, code: str, name: str) -> str:
        labels = self.of(code)
        if name in labels:
            return labels[name]
        if name.startswith("part:"):
            _, part, rest = name.split(":", 2)
            return f"{part}：{INPUT_LABELS.get(rest, rest)}"
        kind, _, rest = name.partition(":")
        return rest if kind in ("value", "incident") and rest else INPUT_LABELS.get(name, name)

    def changes(self, code: str, old: dict, new: dict) -> list[tuple[str, str, str]]:
        """(``code 字段``, before, after) for each field of a row's input that changed."""
        before, after = _fields_of(old), _fields_of(new)
        order = list(self.of(code)) + [k for k in INPUT_LABELS if k not in self.of(code)]
        names = sorted(set(before) | set(after), key=lambda n: (order.index(n) if n in order else len(order), n))
        return [(f"{code} {self.label(code, n)}", _word(before.get(n)), _word(after.get(n)))
                for n in names if before.get(n) != after.get(n)]


def _word(value) -> str:
    """A stored value as a user reads it: 是/否, lists joined with 、, nothing for empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(_word(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{_word(v)}" for k, v in value.items())
    return str(value)


def _show(value) -> str:
    if isinstance(value, dict):
        return "；".join(f"{k}={json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v}" for k, v in value.items())
    return str(value or "")


@login_required
@require_POST
def save_row(request, pk: int, code: str):
    """Autosave one row (htmx): validate, refuse a stale edit, save, re-score, re-render.

    A refused save — an unreadable or out-of-range number (400), a row changed in another
    page since this one was loaded or an evaluation no longer editable (409) — answers with
    ``conflict.html``: the reason, the saved and the typed value of every field that differs,
    and the row as saved; ``static/jixiao/site.js`` shows it at the row and keeps what was
    typed in the inputs."""
    evaluation = _evaluation_for(request, pk)
    framework = bridge.core_framework(evaluation.framework)
    indicator = framework.indicator(code)
    if indicator is None or indicator.subrows:
        raise Http404("没有该指标")
    refusal = None
    can_change = request.user.has_perm("jixiao.change_evaluation", evaluation)
    with transaction.atomic():
        # lock the evaluation (as a transition does) and check again: a submission committed
        # since the page was loaded must not be followed by this save
        locked = Evaluation.objects.select_for_update(of=("self",)).select_related("unit").get(pk=evaluation.pk)
        value = (IndicatorValue.objects.select_for_update().filter(evaluation=evaluation, code=code).first()
                 or IndicatorValue(evaluation=evaluation, code=code, data={}))  # written only when saved
        try:
            sent_version = int(request.POST.get("version", value.version))
        except ValueError:
            return HttpResponseBadRequest("版本号无效")
        data = None
        if not request.user.has_perm("jixiao.change_evaluation", locked):
            # 403 when the page could already tell (state or role), 409 when a transition
            # committed while this save waited for the lock
            refusal = ("locked", 403 if not can_change else 409,
                       f"评价的状态为“{locked.get_state_display()}”，您不能再修改")
        else:
            try:
                data = parse_row(request.POST, indicator, framework.default_rule)
            except RowFormError as exc:
                refusal = ("invalid", 400, "；".join(exc.messages.values()))
        if refusal is None and sent_version != value.version:
            data, refusal = None, ("stale", 409, f"指标{code}在您打开页面后已被他人（或另一窗口）修改")
        if data is not None:
            for key in ("actual_from", "questionnaire"):
                if key in value.data and "actual" not in data:
                    data[key] = value.data[key]
            if data != value.data:
                value.data = data
                value.version += 1
                value._change_reason = "填报"
                value.save()
                # bump the evaluation's version so other open pages can tell it changed
                Evaluation.objects.filter(pk=evaluation.pk).update(lock_version=evaluation.lock_version + 1)
    evaluation.state = locked.state
    prefetch_related_objects([evaluation], "values")  # one read of the rows, for scoring and the saved row
    sheet, findings = bridge.score_and_cache(evaluation)
    # the saved row, and its parent indicator whose sum changed with it
    rows = _rows_context(request, evaluation, sheet, findings, only={code, sheet.row(code).parent or ""})
    row_codes = {r.code for r in sheet.rows}
    context = {"rows": rows, "sheet": sheet, "evaluation": evaluation, "code": code,
               "general_findings": [f for f in findings if f.code not in row_codes]}
    if refusal is None:
        return render(request, "jixiao/row_saved.html", context)
    kind, status, reason = refusal
    differences = entry_compare(indicator, value.data, request.POST, framework.default_rule)
    return render(request, "jixiao/conflict.html", {
        **context, "kind": kind, "reason": reason, "differences": differences, "version": value.version,
        "server_row": next(r for r in rows if r["row"].code == code)}, status=status)


@login_required
@require_POST
def transition(request, pk: int, action: str):
    """Workflow: submit, return (with comments per row), approve, publish."""
    perms = {"submit": "jixiao.submit_evaluation", "return": None, "approve": "jixiao.review_evaluation",
             "publish": "jixiao.publish_evaluation"}
    if action not in perms:
        raise Http404()
    evaluation = get_object_or_404(Evaluation.objects.select_related("unit", "framework"), pk=pk)
    user = request.user
    if action == "return":
        allowed = user.has_perm("jixiao.review_evaluation", evaluation) or \
            user.has_perm("jixiao.return_approved_evaluation", evaluation)
    else:
        allowed = user.has_perm(perms[action], evaluation)
    if not allowed:
        raise PermissionDenied("当前状态或角色不允许此操作")
    target = {"submit": Evaluation.SUBMITTED, "return": Evaluation.RETURNED, "approve": Evaluation.APPROVED,
              "publish": Evaluation.PUBLISHED}[action]
    with transaction.atomic():
        locked = Evaluation.objects.select_for_update().get(pk=pk)
        if locked.state != evaluation.state:
            messages.error(request, "评价状态已被他人修改，请刷新后重试")
            return redirect("evaluation", pk=pk)
        comment = request.POST.get("comment", "").strip()
        if action == "return":
            if not comment and not any(request.POST.get(k, "").strip() for k in request.POST if k.startswith("comment:")):
                messages.error(request, "退回时须填写审核意见")
                return redirect("evaluation", pk=pk)
            for key, text in request.POST.items():
                if key.startswith("comment:") and text.strip():
                    row = IndicatorValue.objects.filter(evaluation=locked, code=key[8:]).first()
                    if row:
                        row.reviewer_comment = text.strip()
                        row._change_reason = "退回意见"
                        row.save()
            locked.review_comment = comment
        if action == "submit":
            IndicatorValue.objects.filter(evaluation=locked).exclude(reviewer_comment="").update(reviewer_comment="")
        locked.state = target
        locked._change_reason = {"submit": "提交", "return": "退回", "approve": "审核通过", "publish": "公开"}[action]
        locked.save()
    messages.success(request, f"已{locked._change_reason}")
    return redirect("evaluation", pk=pk)


def summary_totals(scored, in_sql: bool | None = None) -> tuple[Counter, Counter]:
    """Points lost per level-1 heading and findings per kind, added over the cached summaries
    of ``scored``. On PostgreSQL the database adds them (jsonb_each_text, numeric: exact), so
    the national dashboard does not read 15,000 summaries into Python; elsewhere (SQLite)
    Python adds them. Both give the same sums."""
    from django.db import connection

    if in_sql is None:
        in_sql = connection.vendor == "postgresql"
    lost: Counter = Counter()
    finding_kinds: Counter = Counter()
    if not in_sql:
        for summary in scored.order_by().values_list("summary", flat=True).iterator(chunk_size=2000):
            for name, value in (summary or {}).get("lost", {}).items():
                lost[name] += Decimal(value)
            for kind, n in (summary or {}).get("findings", {}).items():
                finding_kinds[kind] += n
        return lost, finding_kinds
    sql, params = scored.order_by().values("summary").query.sql_with_params()
    with connection.cursor() as cursor:  # one pass over the summaries for both sums
        cursor.execute(
            f"SELECT kv.part, kv.key, SUM(kv.value::numeric) FROM ({sql}) AS s(summary) CROSS JOIN LATERAL ("
            "SELECT 'lost' AS part, key, value FROM jsonb_each_text(s.summary -> 'lost') UNION ALL "
            "SELECT 'findings', key, value FROM jsonb_each_text(s.summary -> 'findings')) AS kv "
            # jsonb keeps keys ordered by byte length, then bytes: list the headings the same way
            "GROUP BY kv.part, kv.key ORDER BY octet_length(kv.key), kv.key COLLATE \"C\"", params)
        for part, key, value in cursor.fetchall():
            if part == "lost":
                lost[key] = value
            else:
                finding_kinds[key] = int(value)
    return lost, finding_kinds


def dashboard_aggregates(scored, mark: dict | None = None) -> tuple[int, dict, list, Counter, Counter]:
    """Count, grades, yearly means, points lost and findings of the evaluations ``scored``.

    Summing 15,000 summaries costs ~100 ms of PostgreSQL per page, so the sums are kept in the
    cache shared by all workers under a key made of the query (the viewer's scope) and of the
    set's count and latest ``updated_at`` — one cheap aggregate query. Every change of a total,
    grade or summary sets ``updated_at`` (``bridge.score_and_cache``, model saves), and adding or
    removing an evaluation changes the count, so a changed set never meets an old entry.
    ``mark`` is that count and latest time ({"n", "at"}) when the caller has them already."""
    from django.core.cache import caches
    from django.db.models import Avg

    if mark is None:
        mark = scored.order_by().aggregate(n=Count("id"), at=Max("updated_at"))
    sql, params = scored.order_by().query.sql_with_params()
    key = "dashboard:" + hashlib.sha256(json.dumps(
        [sql, [str(p) for p in params], mark["n"], mark["at"].isoformat() if mark["at"] else None],
        ensure_ascii=False).encode("utf-8")).hexdigest()
    cache = caches["template_fragments"]
    hit = cache.get(key)
    if hit is not None:
        return hit
    grade_counts = dict(scored.order_by().values_list("grade").annotate(n=Count("id")))
    by_year = list(scored.order_by("year").values("year").annotate(mean=Avg("total")))
    lost, finding_kinds = summary_totals(scored)
    result = (mark["n"], grade_counts, by_year, lost, finding_kinds)
    cache.set(key, result, 86400)
    return result


def _dashboard_scope(request) -> dict:
    """The dashboard's filters and the scored evaluations they select. Rankings and points
    lost compare like with like: only evaluations of one framework version (the user's choice;
    by default the one with most evaluations), of a year and of a region (a unit's sub-tree)
    when chosen. One query gives the choices and the counts per framework and year."""
    if not request.user.has_perm("jixiao.view_dashboard"):
        raise PermissionDenied("仪表盘仅供审核人、财政复核和管理员使用")
    scored = visible_evaluations(request.user).exclude(total=None)
    regions = _region_choices(request.user)
    region = next((u for u in regions if u.pk == _int(request.GET.get("region"))), None)
    if region is not None:
        scored = scored.filter(unit__path__startswith=region.path)
    counts = list(scored.order_by().values_list("framework_id", "framework__name", "framework__version", "year")
                  .annotate(n=Count("id"), at=Max("updated_at")))
    year = _int(request.GET.get("year"))
    per_framework: Counter = Counter()
    names = {}
    for pk, name, version, y, n, _ in counts:
        names[pk] = f"{name}（{version}）"
        if year is None or y == year:
            per_framework[pk] += n
    if year is not None:
        scored = scored.filter(year=year)
    chosen = _int(request.GET.get("framework"))
    if chosen not in per_framework:  # default: the framework with most evaluations
        chosen = min(per_framework, key=lambda pk: (-per_framework[pk], names[pk]), default=None)
    times = [at for pk, _, _, y, _, at in counts if pk == chosen and (year is None or y == year) and at]
    return {
        # the chosen set's count and latest change, the key of its cached aggregates
        "mark": {"n": per_framework.get(chosen, 0), "at": max(times, default=None)},
        "scored": scored.filter(framework_id=chosen), "total_count": sum(per_framework.values()),
        "framework": chosen, "framework_name": names.get(chosen, ""), "year": year, "region": region,
        "regions": regions, "years": sorted({c[3] for c in counts}, reverse=True),
        "frameworks": sorted(((pk, names[pk], n) for pk, n in per_framework.items()), key=lambda f: (-f[2], f[1])),
    }


def _region_choices(user) -> list:
    """Province and city agencies in the viewer's scope (a region filter is a unit's sub-tree)."""
    units = Unit.objects.filter(kind="agency", level__in=("省", "市")).order_by("path")
    from jixiao.web.rules import account_of, is_admin

    if not is_admin(user):
        units = units.filter(path__startswith=account_of(user).unit.review_root.path)
    return list(units)


@login_required
def dashboard(request):
    """Charts aggregated in SQL over the whole sub-tree, within one framework; the ranking is
    paginated so the page stays small for a national reviewer (15,000 evaluations)."""
    from django.core.paginator import Paginator

    scope = _dashboard_scope(request)
    scored = scope["scored"]
    count, grade_counts, by_year, lost, finding_kinds = dashboard_aggregates(scored, scope.pop("mark"))
    paginator = Paginator(scored.defer(*_LISTING_DEFER).order_by("-total", "pk"), 100)
    paginator.count = count  # known from the aggregates: no second COUNT over the sub-tree
    page = paginator.get_page(request.GET.get("page"))
    for e in page:  # declared − computed, the deviation a reviewer looks at first
        e.deviation = None if e.declared_total is None else e.declared_total - e.total
    order = ("优", "良", "中", "差")
    chart = {
        "grades": [{"name": g, "value": grade_counts[g]} for g in order if grade_counts.get(g)] +
                  [{"name": g, "value": n} for g, n in grade_counts.items() if g not in order],
        "lost": {"names": list(lost), "values": [float(v) for v in lost.values()]},
        "years": {"years": [str(r["year"]) for r in by_year], "means": [float(r["mean"]) for r in by_year]},
    }
    from jixiao.web.projects.views import dashboard_context, visible_forms

    return render(request, "jixiao/dashboard.html", {
        **scope, "page": page, "chart_json": json.dumps(chart, ensure_ascii=False),
        "common_findings": finding_kinds.most_common(8), "count": count, "query": _query_without_page(request),
        # the sub-tree's 项目支出绩效自评表, summed by the core (latest year with forms)
        **dashboard_context(Unit.objects.filter(pk__in=visible_forms(request.user).values("unit_id")))})


RANKING_HEADERS = ("名次", "单位", "地区", "年度", "指标体系", "版本", "得分", "等级", "申报总分", "偏差（申报−计算）", "核查发现")


@login_required
def dashboard_export(request):
    """The dashboard's ranking (same filters, every row) as an Excel workbook: Chinese headers,
    scores as exact decimal numbers."""
    import io

    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    scope = _dashboard_scope(request)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "单位排名"
    sheet.append(RANKING_HEADERS)
    rows = scope["scored"].defer(*_LISTING_DEFER).order_by("-total", "pk")
    for rank, e in enumerate(rows.iterator(chunk_size=2000), 1):
        deviation = None if e.declared_total is None else e.declared_total - e.total
        sheet.append([rank, e.unit.name, e.unit.region, e.year, e.framework.name, e.framework.version,
                      e.total.normalize(), e.grade, None if e.declared_total is None else e.declared_total.normalize(),
                      None if deviation is None else deviation.normalize(), e.findings_count])
    for column, width in zip(range(1, len(RANKING_HEADERS) + 1), (6, 32, 30, 6, 40, 10, 9, 6, 9, 10, 8)):
        sheet.column_dimensions[get_column_letter(column)].width = width
    for row in sheet.iter_rows(min_row=2, min_col=7, max_col=10):
        for cell in row:
            if cell.column != 8:
                cell.number_format = "0.00##"
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"单位排名-{scope['framework_name'] or '全部'}{'-' + str(scope['year']) if scope['year'] else ''}.xlsx"
    from django.utils.http import content_disposition_header

    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
def unit_radar(request, pk: int):
    evaluation = _evaluation_for(request, pk)
    summary = evaluation.summary or {}
    weights = summary.get("weights", {})
    scores = summary.get("scores", {})
    data = {"indicators": [{"name": k, "max": float(Decimal(w))} for k, w in weights.items()],
            "values": [float(Decimal(scores.get(k, "0"))) for k in weights]}
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/json")


def published(request):
    """Public list of published reports (no login), each with its page and downloads
    (``public_views``)."""
    from django.core.paginator import Paginator

    evaluations = Evaluation.objects.filter(state=Evaluation.PUBLISHED).select_related("unit", "framework") \
        .defer(*_LISTING_DEFER).order_by("-year", "unit__path", "pk")
    page = Paginator(evaluations, 100).get_page(request.GET.get("page"))
    return render(request, "jixiao/published.html", {"evaluations": page.object_list, "page": page, "query": ""})


@login_required
def frameworks(request):
    can_manage = request.user.has_perm("jixiao.manage_frameworks")
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("仅管理员可上传指标体系")
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "请选择YAML文件")
        else:
            try:
                text = upload.read().decode("utf-8")
                version = bridge.store_framework(text, upload.name, user=request.user)
                messages.success(request, f"已保存：{version}")
            except UnicodeDecodeError:
                messages.error(request, f"{upload.name}: 不是UTF-8编码的文本文件")
            except InputError as exc:
                for e in exc.errors:
                    messages.error(request, str(e))
        return redirect("frameworks")
    versions = FrameworkVersion.objects.all()
    return render(request, "jixiao/frameworks.html", {"versions": versions, "can_manage": can_manage})


@login_required
@require_POST
def request_report(request, pk: int):
    evaluation = _evaluation_for(request, pk)
    from jixiao.web.tasks import enqueue_report

    job = enqueue_report([evaluation], request.user, pdf=request.POST.get("pdf") == "1")
    return redirect("job", pk=job.pk)


@login_required
def job_status(request, pk: int):
    job = get_object_or_404(ReportJob, pk=pk, requested_by=request.user)
    template = "jixiao/job_status.html" if request.htmx else "jixiao/job.html"
    return render(request, template, {"job": job})


@login_required
def job_download(request, pk: int):
    job = get_object_or_404(ReportJob, pk=pk, requested_by=request.user, status=ReportJob.DONE)
    from django.conf import settings

    path = settings.MEDIA_ROOT / job.result
    if not path.exists():
        raise Http404("文件已不存在")
    return FileResponse(open(path, "rb"), as_attachment=True, filename=path.name)


AUDIT_TYPES = {".txt", ".docx", ".xlsx", ".pdf"}
AUDIT_MAX_BYTES = 10 * 1024 * 1024


@login_required
def audit_upload(request):
    """A reviewer uploads a published report and sees every inconsistency (issue: audit).
    The upload is read from a temporary file and never stored or served back."""
    if not request.user.has_perm("jixiao.view_dashboard"):
        raise PermissionDenied("核查公开报告仅供审核人、财政复核和管理员使用")
    context = {"types": "、".join(sorted(AUDIT_TYPES)), "max_mb": AUDIT_MAX_BYTES // 1024 // 1024}
    if request.method == "POST":
        import tempfile
        from pathlib import Path

        import re

        from jixiao.io.published_audit import audit_file, page_report

        upload = request.FILES.get("file")
        suffix = Path(upload.name).suffix.lower() if upload else ""
        if upload is None:
            messages.error(request, "请选择文件")
        elif suffix not in AUDIT_TYPES:
            messages.error(request, f"{upload.name}：只接受{context['types']}文件")
        elif upload.size > AUDIT_MAX_BYTES:
            messages.error(request, f"{upload.name}：文件超过{context['max_mb']}MB")
        else:
            # saved under the uploaded file's own name (made safe), so findings name that file
            name = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", Path(upload.name).name)[-120:]
            if name.startswith(".") or not name.lower().endswith(suffix):
                name = f"report{suffix}"
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / name
                with open(path, "wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                published, audits = audit_file(path)
            context.update(name=upload.name, report=page_report(published, audits, upload.name))
    return render(request, "jixiao/audit.html", context)
