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
from jixiao.io.bulk import Outcome, SharedFields, SharedInputs, effective_workers, failed, outcome, parallel

from jixiao.web.bridge import cached_summary_changed, changed_rows, core_evaluation, core_framework, summary_of
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


class _Update(NamedTuple):
    values: list  # (pk, score, explanation) of rows whose cached score or explanation changed
    evaluation: tuple | None  # (total, grade, declared_total, findings_count, summary) when changed


def _source(ev: Evaluation) -> str:
    return f"{ev.unit.name} {ev.year} {ev.framework.key}#{ev.pk}"


_EMPTY = frozenset(("{}", "null", ""))  # stored inputs holding nothing (``if v.data`` in core_evaluation)


def _inputs(values: list[StoredValue], shared: SharedInputs) -> dict | None:
    """The evaluation's inputs, each distinct stored text built once and shared; None when one
    of them does not build (the evaluation is then read the plain way, for its error)."""
    inputs = {}
    try:
        for value in values:
            if value.text is not None and value.text not in _EMPTY:
                inputs[value.code] = shared.get(value.text)
    except ValueError:  # (pydantic's ValidationError and json's JSONDecodeError are ValueErrors)
        return None
    return inputs


def _core(ev: Evaluation, values: list[StoredValue], shared: tuple[SharedInputs, SharedFields] | None):
    """``core_evaluation`` with the parts many evaluations share built once (``shared``); an
    evaluation one of whose parts does not build is read the plain way, for its error."""
    if shared is not None:
        inputs = _inputs(values, shared[0])
        if inputs is not None:
            try:
                return core_evaluation(ev, values, inputs, shared[1])
            except ValueError:
                pass
    return core_evaluation(ev, values)


def _work(ev: Evaluation, values: list[StoredValue], details: bool,
          shared: tuple[SharedInputs, SharedFields] | None = None) -> tuple[Outcome, _Update | None]:
    try:
        core = _core(ev, values, shared)
    except ValidationError as exc:
        return failed(_source(ev), [f"{e['loc']}: {e['msg']}" for e in exc.errors()]), None
    sheet = score(core)
    findings = audit(sheet)
    changed = [(value.pk, row.score, row.explanation) for value, row in changed_rows(sheet, values)]
    summary = summary_of(sheet, findings)
    fresh = (sheet.total, sheet.grade, sheet.declared_total, len(findings), summary)
    update = _Update(changed, fresh if cached_summary_changed(ev, sheet, findings, summary) else None)
    return outcome(_source(ev), core, details, sheet, findings), update


def read_site(evaluations: QuerySet | None = None) -> list[tuple[Evaluation, list[StoredValue]]]:
    """Every evaluation (or those of ``evaluations``) with its rows: two queries."""
    qs = (Evaluation.objects.all() if evaluations is None else evaluations).select_related("unit", "framework")
    evs = list(qs.order_by("pk"))
    # each input as its stored JSON text, not decoded: equal texts are built once (``_inputs``);
    # the cached score as text too, read by ``Decimal`` (the database's decimal converter, which
    # rounds each value to the column's places, cost more than the rest of the row)
    rows = IndicatorValue.objects.order_by("evaluation_id", "id").annotate(
        text=Cast("data", TextField()), score_text=Cast("score", TextField()))
    if evaluations is not None:
        rows = rows.filter(evaluation_id__in=[e.pk for e in evs])
    by_evaluation: dict[int, list[StoredValue]] = defaultdict(list)
    for pk, evaluation_id, code, text, stored_score, explanation in rows.values_list(
            "pk", "evaluation_id", "code", "text", "score_text", "explanation").iterator(chunk_size=BATCH):
        by_evaluation[evaluation_id].append(StoredValue(pk, code, text, None if stored_score is None else
                                                        Decimal(stored_score), explanation))
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
        for version in FrameworkVersion.objects.filter(pk__in=qs.values("framework_id")):
            core_framework(version)
        chunks = [pks[i:i + CHUNK] for i in range(0, len(pks), CHUNK)]
        shared = (SharedInputs(), SharedFields())  # (each worker fills its own copy)

        def work(i: int) -> list[tuple[int, Outcome, _Update | None]]:
            part = read_site(Evaluation.objects.filter(pk__in=chunks[i]))
            return [(ev.pk, *_work(ev, values, details, shared)) for ev, values in part]

        if effective_workers(len(chunks), workers, 1) > 1:
            connection.close()  # each forked worker opens its own connection
        results: list[tuple[int, Outcome, _Update | None]] = []
        for part in parallel(len(chunks), work, workers, chunk=1):
            results.extend(part)
            if on_done:
                on_done(len(part))
        shared[0].forget()
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
             "queries": len(queries.captured_queries)}
    return [o for _, o, _ in results], stats
