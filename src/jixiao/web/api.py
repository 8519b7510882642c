"""The JSON API under /api/ (django-ninja; OpenAPI schema at /api/openapi.json), for budget
integration systems (预算管理一体化): list evaluations, read a score sheet, write actual
values, submit. Authentication: the site session, or HTTP Basic with a jixiao account.
Numbers are strings of exact decimals."""

from __future__ import annotations

import math

from django.contrib.auth import authenticate
from django.db import transaction
from django.shortcuts import get_object_or_404
from ninja import NinjaAPI, Schema, Status
from ninja.errors import HttpError
from ninja.openapi.docs import Swagger
from ninja.security import HttpBasicAuth, django_auth

from jixiao.web import bridge
from jixiao.web.models import Evaluation, IndicatorValue


class BasicAuth(HttpBasicAuth):
    def authenticate(self, request, username, password):
        user = authenticate(request, username=username, password=password)
        if user is not None:
            request.user = user
        return user


class LocalSwagger(Swagger):
    """The Swagger UI of /api/docs with its script and style served by the site itself
    (static/jixiao/vendor/swagger/, swagger-ui-dist), not from a CDN: the docs work on an
    office network without internet access."""

    template = "jixiao/api_docs.html"

    def render_page(self, request, api, **kwargs):
        from django.shortcuts import render

        self.settings["url"] = self.get_openapi_url(api, kwargs)
        return render(request, self.template, {"swagger_settings": self.settings, "api": api})


api = NinjaAPI(title="jixiao 绩效自评 API", version="1", auth=[django_auth, BasicAuth()],
               urls_namespace="api", docs=LocalSwagger({"validatorUrl": None}))


class EvaluationOut(Schema):
    id: int
    unit: str
    year: int
    framework: str
    framework_version: str
    state: str
    total: str | None
    grade: str


class RowOut(Schema):
    code: str
    name: str
    weight: str
    score: str
    declared: str | None
    explanation: str
    version: int


class FindingOut(Schema):
    code: str
    kind: str
    message: str


class SheetOut(Schema):
    evaluation: EvaluationOut
    rules_hash: str
    total: str
    grade: str
    rows: list[RowOut]
    findings: list[FindingOut]


class ValueIn(Schema):
    data: dict
    version: int | None = None


def _out(e: Evaluation) -> EvaluationOut:
    return EvaluationOut(id=e.pk, unit=e.unit.name, year=e.year, framework=e.framework.key,
                         framework_version=e.framework.version, state=e.state,
                         total=None if e.total is None else format(e.total.normalize(), "f"), grade=e.grade)


def _get(request, pk: int, perm: str) -> Evaluation:
    evaluation = get_object_or_404(Evaluation.objects.select_related("unit", "framework"), pk=pk)
    if not request.user.has_perm(perm, evaluation):
        raise HttpError(403, "无权访问该评价或当前状态不允许此操作")
    return evaluation


@api.get("/evaluations", response=list[EvaluationOut], summary="列出可见的评价")
def list_evaluations(request, year: int | None = None):
    from jixiao.web.evaluations.views import visible_evaluations

    qs = visible_evaluations(request.user)
    if year:
        qs = qs.filter(year=year)
    return [_out(e) for e in qs[:1000]]


def _sheet(evaluation: Evaluation) -> SheetOut:
    sheet, findings = bridge.score_and_cache(evaluation)
    versions = dict(evaluation.values.values_list("code", "version"))
    s = lambda d: None if d is None else format(d, "f")
    return SheetOut(
        evaluation=_out(evaluation), rules_hash=sheet.rules_hash, total=format(sheet.total, "f"), grade=sheet.grade,
        rows=[RowOut(code=r.code, name=r.name, weight=format(r.weight, "f"), score=format(r.score, "f"),
                     declared=s(r.declared), explanation=r.explanation, version=versions.get(r.code, 0))
              for r in sheet.rows],
        findings=[FindingOut(code=f.code, kind=f.kind, message=f.message) for f in findings])


@api.get("/evaluations/{pk}", response=SheetOut, summary="读取评分表")
def read_sheet(request, pk: int):
    return _sheet(_get(request, pk, "jixiao.view_evaluation"))


# The inputs of IndicatorInput that hold numbers (``actual`` may also be a 定性 verdict).
_NUMERIC_INPUTS = ("actual", "reference", "manual", "declared", "override")
_NUMERIC_MAPS = ("values", "incidents")


def typed_numbers(indicator, data: dict, path: tuple[str, ...] = ()) -> tuple[dict, list[dict]]:
    """The numbers of a written input read as the entry page reads what is typed: the core's
    one parser (no exponent notation — JSON's 1e400 arrives as infinity —, no comma as a
    decimal point, bounded digits; full-width digits read) and the indicator's bounds
    (``core.input_bounds``). Returns the input with every number as its exact decimal string,
    and the problems, each naming its field (``values.参保率``) with the Chinese reason."""
    from jixiao.core.input_bounds import input_bounds
    from jixiao.core.numbers import NumberError, read_number

    problems: list[dict] = []

    def read(where: tuple[str, ...], raw):
        if isinstance(raw, bool) or raw is None or not isinstance(raw, (int, float, str)):
            return raw
        if isinstance(raw, str) and where[-1:] == ("actual",) and not any(c.isdigit() for c in raw.translate(_DIGITS)):
            return raw  # a 定性 verdict such as 达成 / 优
        text = raw if isinstance(raw, str) else repr(raw)
        field = ".".join(where)
        if isinstance(raw, float) and not math.isfinite(raw):
            problems.append({"field": field, "message": f"{indicator.code} {field}：不接受科学计数法或超出范围的数"
                                                          "（如1e400，JSON读作无穷大），请直接写出数字"})
            return raw
        try:
            value = read_number(text, input_bounds(indicator, where))
        except NumberError as exc:
            problems.append({"field": field, "message": f"{indicator.code} {field}：{exc}"})
            return raw
        return raw if value is None else format(value, "f")

    clean: dict = {}
    for key, raw in data.items():
        if key in _NUMERIC_INPUTS:
            clean[key] = read((*path, key), raw)
        elif key in _NUMERIC_MAPS and isinstance(raw, dict):
            clean[key] = {name: read((*path, key, str(name)), item) for name, item in raw.items()}
        elif key == "parts" and isinstance(raw, dict):
            clean[key] = {}
            for part, inner in raw.items():
                if isinstance(inner, dict):
                    clean[key][part], more = typed_numbers(indicator, inner, (*path, "parts", str(part)))
                    problems.extend(more)
                else:
                    clean[key][part] = inner
        else:
            clean[key] = raw
    return clean, problems


_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


@api.put("/evaluations/{pk}/values/{code}", response={200: SheetOut, 409: dict, 422: dict}, summary="写入一个指标的填报内容")
def write_value(request, pk: int, code: str, body: ValueIn):
    from pydantic import ValidationError

    from jixiao.core.model import IndicatorInput

    evaluation = _get(request, pk, "jixiao.change_evaluation")
    framework = bridge.core_framework(evaluation.framework)
    if framework.indicator(code) is None:
        raise HttpError(404, f"没有指标{code}")
    data, problems = typed_numbers(framework.indicator(code), body.data)
    if problems:
        return Status(422, {"detail": problems})
    try:
        IndicatorInput.model_validate(data)
    except ValidationError as exc:
        return Status(422, {"detail": [{"field": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()]})
    with transaction.atomic():
        # lock the evaluation (as submit does) and check again: a submission committed since
        # the check above must not be followed by this write
        locked = Evaluation.objects.select_for_update(of=("self",)).select_related("unit").get(pk=pk)
        if not request.user.has_perm("jixiao.change_evaluation", locked):
            return Status(409, {"detail": f"评价已{locked.get_state_display()}，不能再修改"})
        value, _ = IndicatorValue.objects.select_for_update().get_or_create(evaluation=evaluation, code=code)
        if body.version is not None and body.version != value.version:
            return Status(409, {"detail": "该指标已被他人修改", "yours": body.data, "current": value.data,
                                "current_version": value.version})
        value.data = bridge.compact_input(data)
        value.version += 1
        value._change_reason = "API写入"
        value.save()
    return Status(200, _sheet(evaluation))


@api.post("/evaluations/{pk}/submit", response=EvaluationOut, summary="提交评价")
def submit(request, pk: int):
    evaluation = _get(request, pk, "jixiao.submit_evaluation")
    with transaction.atomic():
        locked = Evaluation.objects.select_for_update().get(pk=pk)
        if locked.state not in Evaluation.EDITABLE:
            raise HttpError(409, "当前状态不能提交")
        locked.state = Evaluation.SUBMITTED
        locked._change_reason = "API提交"
        locked.save()
    return _out(locked)
