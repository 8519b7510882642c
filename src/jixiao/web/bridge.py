"""The bridge between database records and ``jixiao.core``: rebuild the core objects, let the
core score and audit them, and cache the results for listings. No scoring happens here."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from jixiao.core.audit import Finding, audit
from jixiao.core.model import Evaluation as CoreEvaluation
from jixiao.core.model import Framework
from jixiao.core.numbers import NON_NEGATIVE, Bounds, NumberError, read_number
from jixiao.core.scoring import ScoreSheet, framework_rules_hash, score
from jixiao.core.versioning import rules_hash
from jixiao.io.yamlio import InputError, LoadError, framework_from_data, load_evaluation, parse_yaml
from jixiao.io.yamlio import framework_data, plain  # noqa: F401  (the site's pages and tasks call bridge.plain)

from jixiao.web.models import Evaluation, FrameworkVersion, IndicatorValue, Unit

_FRAMEWORKS: dict[tuple[int, str], Framework] = {}


def parse_framework_text(text: str, name: str, fast: bool = False) -> Framework:
    """Validate framework YAML; raise InputError with located errors (``fast``: see ``parse_yaml``)."""
    data, lines, errors = parse_yaml(text, name, fast)
    if errors:
        raise InputError(errors)
    if isinstance(data, dict) and "framework" in data and "groups" not in data:
        framework, errors = framework_from_data(data["framework"], lines, name, ("framework",))
    else:
        framework, errors = framework_from_data(data, lines, name)
    if errors:
        raise InputError(errors)
    return framework


def core_framework(version: FrameworkVersion) -> Framework:
    """The framework of a stored version, parsed once per version. The text was accepted when
    it was stored, so it is read with libyaml (``parse_yaml(fast=True)``) and kept only when
    its rules hash is the one stored with it; otherwise it is read again by the Python parser."""
    key = (version.pk, version.rules_hash)
    if key not in _FRAMEWORKS:
        name = f"{version.key}@{version.version}"
        framework = None
        try:
            framework = parse_framework_text(version.yaml_text, name, fast=True)
        except InputError:
            pass
        if framework is None or framework_rules_hash(framework) != version.rules_hash:
            framework = parse_framework_text(version.yaml_text, name)
        _FRAMEWORKS[key] = framework
    return _FRAMEWORKS[key]


def store_framework(text: str, name: str, user=None, builtin: bool = False) -> FrameworkVersion:
    """Save a framework version. The same key and version with different rules is refused:
    a framework that evaluations use is never changed in place — give a new version."""
    framework = parse_framework_text(text, name)
    digest = rules_hash(framework)
    existing = FrameworkVersion.objects.filter(key=framework.id, version=framework.version).first()
    if existing:
        if existing.rules_hash != digest:
            raise InputError([LoadError(name, None, "version",
                                        f"指标体系{framework.id}的版本{framework.version}已存在且规则不同，请使用新的版本号")])
        return existing
    return FrameworkVersion.objects.create(key=framework.id, version=framework.version, name=framework.name,
                                           kind=framework.kind, fund=framework.fund, yaml_text=text,
                                           rules_hash=digest, builtin=builtin, created_by=user)


# what an evaluation keeps in ``Evaluation.extra``: the members of a core evaluation besides its
# unit, year, framework and inputs (anything else there is not the core's)
EXTRA_KEYS = ("team", "questionnaires", "finance", "narrative", "evaluator", "report_date",
              "declared_total", "declared_grade", "declared_groups", "title")


def core_evaluation(evaluation: Evaluation, values=None) -> CoreEvaluation:
    """The core Evaluation of a database evaluation (raises pydantic ValidationError), from
    ``values`` (its IndicatorValues, or anything with their ``code`` and ``data``) or its own.
    (The bulk path, ``evaluations.bulk.SiteReader``, builds the same evaluation with the parts
    many evaluations share validated once.)"""
    values = evaluation.values.all() if values is None else values
    inputs = {v.code: v.data for v in values if v.data}
    extra = {k: v for k, v in (evaluation.extra or {}).items() if k in EXTRA_KEYS}
    unit = {"name": evaluation.unit.name, "level": evaluation.unit.level, "region": evaluation.unit.region}
    return CoreEvaluation.model_validate({
        **extra,
        "unit": unit,
        "year": evaluation.year,
        "framework": core_framework(evaluation.framework),
        "inputs": inputs,
    })


def summary_of(sheet: ScoreSheet, findings: list[Finding]) -> dict:
    """The cached summary of a scored evaluation that listings and dashboards read."""
    summary = {
        "lost": {gt.group.name: format(gt.weight - gt.score, "f") for gt in sheet.groups if gt.level == 1},
        "scores": {gt.group.name: format(gt.score, "f") for gt in sheet.groups if gt.level == 1},
        "weights": {gt.group.name: format(gt.weight, "f") for gt in sheet.groups if gt.level == 1},
        "findings": {},
        "rules_hash": sheet.rules_hash,
    }
    for f in findings:
        summary["findings"][f.title] = summary["findings"].get(f.title, 0) + 1
    return summary


def changed_rows(sheet: ScoreSheet, values) -> list:
    """(stored value, scored row) for each stored row whose cached score or explanation is
    not the scored one (what ``score_and_cache`` and the bulk scoring write back)."""
    by_code = {r.code: r for r in sheet.rows}
    out = []
    for value in values:
        row = by_code.get(value.code)
        if row and (value.score != row.score or value.explanation != row.explanation):
            out.append((value, row))
    return out


def cached_summary_changed(evaluation: Evaluation, sheet: ScoreSheet, findings: list[Finding], summary: dict) -> bool:
    cached = (evaluation.total, evaluation.grade, evaluation.declared_total, evaluation.findings_count, evaluation.summary)
    return cached != (sheet.total, sheet.grade, sheet.declared_total, len(findings), summary)


def score_and_cache(evaluation: Evaluation) -> tuple[ScoreSheet, list[Finding]]:
    """Score with the core and cache totals and per-row scores for listings."""
    values = list(evaluation.values.all())
    sheet = score(core_evaluation(evaluation, values))
    findings = audit(sheet)
    changed = []
    for value, row in changed_rows(sheet, values):
        value.score, value.explanation = row.score, row.explanation
        changed.append(value)
    if changed:
        IndicatorValue.objects.bulk_update(changed, ["score", "explanation"])
    summary = summary_of(sheet, findings)
    if cached_summary_changed(evaluation, sheet, findings, summary):
        # updated_at marks the change: the dashboard's cached aggregates are keyed on it
        Evaluation.objects.filter(pk=evaluation.pk).update(
            total=sheet.total, grade=sheet.grade, declared_total=sheet.declared_total, findings_count=len(findings),
            summary=summary, updated_at=timezone.now())
    evaluation.total, evaluation.grade, evaluation.findings_count = sheet.total, sheet.grade, len(findings)
    evaluation.declared_total, evaluation.summary = sheet.declared_total, summary
    return sheet, findings


def parse_decimal(text: str | None, label: str, errors: list[str], percent: bool = False,
                  bounds: Bounds | None = NON_NEGATIVE) -> Decimal | None:
    """A typed number read by the core's one parser (``numbers.parse_typed``: full-width
    digits, thousands separators in groups of three; a trailing % when ``percent``), None when
    empty. A refused number — exponent notation, a comma as decimal point, too many digits,
    outside ``bounds`` (default: not negative; every amount, count, weight and threshold of
    the finance, cycle and project pages) — adds 「label：reason」 to ``errors``."""
    try:
        return read_number(text, bounds, percent=percent)
    except NumberError as exc:
        errors.append(f"{label}：{exc}")
        return None


def compact_input(data: dict) -> dict:
    """Drop empty fields of an indicator input so stored JSON holds only what was entered."""
    return {k: v for k, v in data.items() if v not in (None, "", [], {}) and k != "loc"}


@transaction.atomic
def import_evaluation_file(path: Path, unit: Unit, state: str = Evaluation.DRAFT) -> Evaluation:
    """Load an evaluation YAML (framework inline, by path or built-in) into the database."""
    core, errors = load_evaluation(path)
    if errors or core is None:
        raise InputError(errors)
    framework = core.framework
    import yaml

    # the site stores the file's rules, under the rules hash the CLI shows (framework_data)
    text = yaml.safe_dump(framework_data(framework), allow_unicode=True, sort_keys=False)
    version = store_framework(text, framework.id)  # built-in frameworks are stored from the package first
    dumped = plain(core.model_dump(exclude_none=True))
    extra = {k: dumped[k] for k in EXTRA_KEYS if dumped.get(k) not in (None, [], {}, "")}
    evaluation = Evaluation.objects.create(unit=unit, year=core.year, framework=version, title=core.title,
                                           state=state, extra=extra)
    codes = [c for i in framework.indicators() for c in (i.code, *(s.code for s in i.subrows))]
    inputs = dumped.get("inputs", {})
    bulk_create_with_history(
        [IndicatorValue(evaluation=evaluation, code=code, data=compact_input(inputs.get(code, {}))) for code in codes],
        IndicatorValue, default_change_reason="导入")
    score_and_cache(evaluation)
    return evaluation
