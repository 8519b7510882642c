"""The whole site scored at once: the evaluations read ``CHUNK`` at a time, each chunk with one
query for the evaluations (with their units and framework versions) and one for all their
indicator rows — not one per evaluation or row — each framework version parsed once and
shared, each distinct stored input, unit, finance block and questionnaire built once, reading,
scoring and audit spread over ``workers`` processes, and what changed written back in batches, exactly as
``bridge.score_and_cache`` writes it for one evaluation (row scores and explanations, total,
grade, declared total, findings count, summary; ``updated_at`` stamped only when those change).
"""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from typing import Callable, NamedTuple

from django.db import connection, transaction
from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pydantic import ValidationError

from jixiao.core.audit import audit
from jixiao.core.scoring import score
from jixiao.core.model import Evaluation as CoreEvaluation
from jixiao.core.model import Framework
from jixiao.io.bulk import Outcome, StoredRecords, effective_workers, failed, kept_alive, outcome, parallel

from jixiao.web.bridge import (EXTRA_KEYS, cached_summary_changed, changed_rows, core_evaluation, core_framework,
                               summary_of)
from jixiao.web.models import Evaluation, FrameworkVersion, IndicatorValue

BATCH = 2000


class StoredValue(NamedTuple):
    """One IndicatorValue as read in bulk: its input as the stored JSON text (``text``), its
    cached score and explanation."""

    pk: int
    code: str
    text: str | None
    score: object
    explanation: str

    @property
    def data(self):
        """The stored input as JSON data (what ``bridge.core_evaluation`` reads of a value)."""
        return None if self.text is None else json.loads(self.text)


class StoredEvaluation(NamedTuple):
    """One Evaluation as read in bulk, not as a model instance: what scoring it needs (its
    unit, year, framework version and other contents as their stored JSON text) and what was
    cached of its last scoring (to write back only what changed)."""

    pk: int
    unit: tuple[str, str, str]  # the unit's name, level and region
    year: int
    framework_id: int
    framework_key: str
    extra: str | None  # ``Evaluation.extra`` as stored JSON text
    total: Decimal | None
    grade: str
    declared_total: Decimal | None
    findings_count: int
    summary_text: str | None

    @property
    def summary(self):
        return None if self.summary_text is None else json.loads(self.summary_text)


class _Update(NamedTuple):
    values: list  # (pk, score, explanation) of rows whose cached score or explanation changed
    evaluation: tuple | None  # (total, grade, declared_total, findings_count, summary) when changed


def _source(ev: StoredEvaluation) -> str:
    return f"{ev.unit[0]} {ev.year} {ev.framework_key}#{ev.pk}"


_EMPTY = frozenset(("{}", "null", ""))  # stored inputs holding nothing (``if v.data`` in core_evaluation)


class SiteReader:
    """The core Evaluations of stored evaluations, through ``io.bulk.StoredRecords``: each
    evaluation is written as the stored line the pipeline reads (``{"framework": …, "unit":
    …, "inputs": {"B12": <stored text>, …}, "year": …, <its extra contents>}``, the database's
    JSON texts put in as they are), so each distinct stored input, unit, finance block and
    questionnaire is validated once and shared, and the evaluation is put together without
    validating them again. A line that does not read that way (a stored text another
    database wrote in another layout, contents ``core_evaluation`` leaves out, a value pydantic
    refuses) is read by ``core_evaluation`` from the model instance, for its evaluation or
    the error naming its field."""

    # what ``core_evaluation`` takes of an evaluation's extra contents, and its own members
    FIELDS = frozenset((*EXTRA_KEYS, "unit", "year"))

    def __init__(self):
        self.records = StoredRecords(self.FIELDS)
        self.frameworks: dict[str, Framework] = {}  # a line's "framework" (the version's pk) → its framework
        self.read_whole = 0  # evaluations read by ``core_evaluation`` (see above)
        self.units: dict[tuple, str] = {}
        self.codes: dict[str, str] = {}

    def framework(self, version: FrameworkVersion) -> None:
        """The framework of ``version`` read once (``core_framework``), for the lines that name it."""
        self.frameworks[str(version.pk)] = core_framework(version)

    def line(self, ev: StoredEvaluation, values: list[StoredValue]) -> str:
        if str(ev.framework_id) not in self.frameworks:
            self.framework(FrameworkVersion.objects.get(pk=ev.framework_id))
        unit = self.units.get(ev.unit)
        if unit is None:
            name, level, region = ev.unit
            unit = self.units[ev.unit] = json.dumps({"name": name, "level": level, "region": region},
                                                    ensure_ascii=False)
        codes = self.codes
        members = []
        for value in values:
            text = value.text
            if text is not None and text not in _EMPTY:
                code = codes.get(value.code)
                if code is None:
                    code = codes[value.code] = json.dumps(value.code, ensure_ascii=False)
                members.append(f"{code}: {text}")
        # ``inputs`` before another member, as the pipeline's files have it (the reader's Python
        # loop, its reference, cuts a member at the ``}, "`` after it)
        line = f'{{"framework": "{ev.framework_id}", "unit": {unit}, "inputs": {{{", ".join(members)}}}, "year": {ev.year}'
        extra = ev.extra
        if extra and extra not in _EMPTY:
            if not (extra.startswith("{") and extra.endswith("}")):
                return ""
            line = f"{line}, {extra[1:-1]}"
        return line + "}"

    def evaluation(self, ev: StoredEvaluation, values: list[StoredValue]) -> CoreEvaluation:
        """Raises pydantic's ValidationError as ``core_evaluation`` does for a bad stored evaluation."""
        line = self.line(ev, values)
        found = self.records.read(line, self.frameworks) if line else None
        if found is not None:
            return found[1]
        self.read_whole += 1
        stored = Evaluation.objects.select_related("unit", "framework").get(pk=ev.pk)
        return core_evaluation(stored, values)


def _work(ev: StoredEvaluation, values: list[StoredValue], details: bool,
          reader: SiteReader) -> tuple[Outcome, _Update | None]:
    try:
        core = reader.evaluation(ev, values)
    except ValidationError as exc:
        return failed(_source(ev), [f"{e['loc']}: {e['msg']}" for e in exc.errors()]), None
    sheet = score(core)
    findings = audit(sheet)
    changed = [(value.pk, row.score, row.explanation) for value, row in changed_rows(sheet, values)]
    summary = summary_of(sheet, findings)
    fresh = (sheet.total, sheet.grade, sheet.declared_total, len(findings), summary)
    update = _Update(changed, fresh if cached_summary_changed(ev, sheet, findings, summary) else None)
    return outcome(_source(ev), core, details, sheet, findings), update


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def read_site(evaluations: QuerySet | None = None) -> list[tuple[StoredEvaluation, list[StoredValue]]]:
    """Every evaluation (or those of ``evaluations``) with its rows: two queries."""
    qs = Evaluation.objects.all() if evaluations is None else evaluations
    # JSON and decimals as their stored text, not decoded: equal texts are validated once
    # (``SiteReader``), and Django's converters (a model instance each, decimals rounded to
    # the column's places) cost more than the rest of reading
    evs = [StoredEvaluation(pk, (name, level, region), year, framework_id, key, extra,
                            _decimal(total), grade, _decimal(declared), count, summary)
           for pk, name, level, region, year, framework_id, key, extra, total, grade, declared, count, summary
           in qs.order_by("pk").annotate(
               extra_text=Cast("extra", TextField()), total_text=Cast("total", TextField()),
               declared_text=Cast("declared_total", TextField()), summary_json=Cast("summary", TextField())
           ).values_list("pk", "unit__name", "unit__level", "unit__region", "year", "framework_id", "framework__key",
                         "extra_text", "total_text", "grade", "declared_text", "findings_count", "summary_json")]
    rows = IndicatorValue.objects.order_by("evaluation_id", "id").annotate(
        text=Cast("data", TextField()), score_text=Cast("score", TextField()))
    if evaluations is not None:  # (a subquery: Django prepares each value of a list one by one)
        rows = rows.filter(evaluation_id__in=evaluations.values("pk"))
    by_evaluation: dict[int, list[StoredValue]] = defaultdict(list)
    for pk, evaluation_id, code, text, stored_score, explanation in rows.values_list(
            "pk", "evaluation_id", "code", "text", "score_text", "explanation").iterator(chunk_size=BATCH):
        by_evaluation[evaluation_id].append(StoredValue(pk, code, text, _decimal(stored_score), explanation))
    return [(ev, by_evaluation.get(ev.pk, [])) for ev in evs]


CHUNK = 500  # evaluations read, scored and let go at a time (two queries each)


def _write(model, names: list[str], objects: list) -> None:
    """What ``model.objects.bulk_update(objects, names)`` writes — each object's fields
    ``names`` by its primary key, no signals, no history — as one ``executemany`` of ``UPDATE
    … WHERE pk = %s``, each value prepared by its field for the database. (``bulk_update``
    writes CASE expressions a few hundred rows at a time: 0.4 ms a row on SQLite, minutes
    when a new framework version changes every row of the site.)"""
    if not objects:
        return
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    sql = (f"UPDATE {quote(model._meta.db_table)} SET {', '.join(f'{quote(f.column)} = %s' for f in fields)} "
           f"WHERE {quote(model._meta.pk.column)} = %s")
    params = [[f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields] + [o.pk] for o in objects]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def score_site(evaluations: QuerySet | None = None, workers: int = 1, details: bool = False,
               on_done: Callable[[int], None] | None = None,
               on_total: Callable[[int], None] | None = None) -> tuple[list[Outcome], dict]:
    """Score, audit and cache every evaluation of the site (or of ``evaluations``); returns
    the outcomes in id order and counts of what was written and of the queries made (by this
    process: with several workers each reads its own chunks).

    The evaluations are taken ``CHUNK`` at a time, each chunk read with two queries
    (``read_site``), scored, audited and let go, so memory does not grow with the site; with
    ``workers`` processes each reads and scores whole chunks over its own connection. What
    changed is written back at the end in one transaction."""
    with CaptureQueriesContext(connection) as queries:
        qs = Evaluation.objects.all() if evaluations is None else evaluations
        pks = list(qs.order_by("pk").values_list("pk", flat=True))
        if on_total:
            on_total(len(pks))
        # each framework version parsed once, before the workers fork
        reader = SiteReader()  # (each worker fills its own copy of its caches)
        for version in FrameworkVersion.objects.filter(pk__in=qs.values("framework_id")):
            reader.framework(version)
        chunks = [pks[i:i + CHUNK] for i in range(0, len(pks), CHUNK)]

        def work(i: int) -> tuple[list[tuple[int, Outcome, _Update | None]], int]:
            part = read_site(qs.filter(pk__gte=chunks[i][0], pk__lte=chunks[i][-1]))  # (what ``pk__in`` finds)
            before = reader.read_whole
            done = [(ev.pk, *_work(ev, values, details, reader)) for ev, values in kept_alive(part)]
            return done, reader.read_whole - before

        if effective_workers(len(chunks), workers, 1) > 1:
            connection.close()  # each forked worker opens its own connection
        results: list[tuple[int, Outcome, _Update | None]] = []
        read_whole = 0
        for part, whole in parallel(len(chunks), work, workers, chunk=1):
            results.extend(part)
            read_whole += whole
            if on_done:
                on_done(len(part))
        del reader  # its inputs are no longer shared (their rows no longer remembered)
        now = timezone.now()
        values, evs = [], []
        for evaluation_pk, _, update in results:
            if update is None:
                continue
            values.extend(IndicatorValue(pk=pk, score=s, explanation=e) for pk, s, e in update.values)
            if update.evaluation is not None:
                total, grade, declared, count, summary = update.evaluation
                evs.append(Evaluation(pk=evaluation_pk, total=total, grade=grade, declared_total=declared,
                                      findings_count=count, summary=summary, updated_at=now))
        with transaction.atomic():
            _write(IndicatorValue, ["score", "explanation"], values)
            _write(Evaluation, ["total", "grade", "declared_total", "findings_count", "summary", "updated_at"], evs)
    stats = {"evaluations": len(results), "evaluations_updated": len(evs), "values_updated": len(values),
             "read_whole": read_whole, "queries": len(queries.captured_queries)}
    return [o for _, o, _ in results], stats
