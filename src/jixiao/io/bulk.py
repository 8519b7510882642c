"""Many evaluations at once: from a folder of YAML/Excel files or from stored records, each
framework read and validated once and shared, scored and audited on several processes.

``outcome(source, evaluation)`` is what one evaluation comes to (totals, grade, findings);
``process_folder`` / ``process`` run a list of sources through load → score → audit on
``workers`` processes (fork) and yield outcomes in order, so a caller can show progress.
``evaluation_from_record`` builds an evaluation from its stored JSON form (what the site's
database and the benchmark's files hold) against a shared framework: pydantic still checks
every input, the framework's own guarantees (unique codes, its group and sub-row codes) are
computed once per framework object (``model.framework_index``) instead of once per evaluation.
``StoredRecords`` reads stored JSON lines with each distinct indicator input validated once and
shared (the national-scale pipeline of ``bench/pipeline.py``), with the same evaluations and errors.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from jixiao.core.audit import Finding, audit
from jixiao.core.model import Evaluation, Framework, IndicatorInput
from jixiao.core.scoring import ScoreSheet, score, share_inputs, unshare_inputs

from .yamlio import FrameworkCache, LoadError, load_evaluation, shared_framework

EVALUATION_SUFFIXES = (".yaml", ".yml", ".xlsx")


@dataclass(frozen=True)
class FindingLine:
    """A finding as plain text (what crosses between processes and goes into the summary)."""

    source: str
    code: str
    kind: str
    severity: str
    title: str
    message: str
    location: str


@dataclass(frozen=True)
class Outcome:
    """One evaluation scored and audited, or the errors that stopped it loading."""

    source: str
    unit: str = ""
    year: int | None = None
    framework: str = ""
    framework_version: str = ""
    rules_hash: str = ""
    rows: int = 0
    total: Decimal | None = None
    declared_total: Decimal | None = None
    grade: str = ""
    passed: bool | None = None
    findings: int = 0
    finding_errors: int = 0
    load_errors: tuple[str, ...] = ()
    finding_lines: tuple[FindingLine, ...] = field(default=(), compare=False)

    @property
    def ok(self) -> bool:
        return not self.load_errors

    @property
    def difference(self) -> Decimal | None:
        return None if self.declared_total is None or self.total is None else self.declared_total - self.total


def outcome(source: str, evaluation: Evaluation, details: bool = False,
            sheet: ScoreSheet | None = None, findings: list[Finding] | None = None) -> Outcome:
    """Score and audit ``evaluation`` (unless given) and keep what a summary needs."""
    sheet = score(evaluation) if sheet is None else sheet
    findings = audit(sheet) if findings is None else findings
    fw = evaluation.framework
    lines = tuple(FindingLine(source, f.code, f.kind, f.severity, f.title, f.message, str(f.loc or ""))
                  for f in findings) if details else ()
    return Outcome(source, evaluation.unit.name, evaluation.year, fw.id, fw.version, sheet.rules_hash,
                   len(sheet.rows), sheet.total, sheet.declared_total, sheet.grade, sheet.passed, len(findings),
                   sum(1 for f in findings if f.severity == "error"), (), lines)


def failed(source: str, errors: Iterable[object]) -> Outcome:
    return Outcome(source, load_errors=tuple(str(e) for e in errors))


# --- stored records -------------------------------------------------------------------

def evaluation_from_record(record: dict[str, Any], framework: Framework) -> Evaluation:
    """The Evaluation of a stored record — ``unit``, ``year``, ``inputs`` (code → the stored
    JSON form of IndicatorInput, numbers as exact decimal strings) and the optional fields of
    an evaluation file (``title``, ``finance``, ``questionnaires``, ``declared_total``…) — against
    a framework object shared by every record that uses it. Raises pydantic's ValidationError."""
    body = {k: v for k, v in record.items() if k != "framework"}
    body["framework"] = framework
    return Evaluation.model_validate(body)


class StoredRecords:
    """Evaluations from their stored JSON lines (what jixiao writes: ``json.dumps`` of the
    record, ``", "`` / ``": "`` separators), each distinct indicator input validated once.

    Stored evaluations repeat their inputs: the same items met, the same level chosen, the
    same measured value in many units. ``line`` takes each member of the record's ``inputs``
    object (``"B12": {"actual": "60"}``) as text; a text seen before is the input validated
    then (one shared immutable ``IndicatorInput``, which the scorer's row cache,
    ``scoring._Leaf.rows``, recognises), a new one is parsed by ``json`` and validated by
    pydantic. The rest of the record is parsed and validated as ``evaluation_from_record``
    does, with the inputs already built. Why the member texts are found right: a member ends
    at a ``}`` followed by ``, "`` (inside a JSON string a quote is always escaped, so that
    sequence is structure), and only a text that ``json`` parsed as exactly one member is
    taken (or remembered); an object is closed by its own brace, so the one valid member
    starting at a position is the true one. Anything else — another layout, an input
    pydantic refuses, an invalid record — goes the whole way through ``json.loads`` and
    ``evaluation_from_record``, so bad stored input gives exactly the error it gave before
    (naming the evaluation's field, e.g. ``inputs.B12.actual``)."""

    SIZE = 1 << 16  # distinct member texts kept; a full cache starts again

    def __init__(self):
        self.members: dict[str, tuple[str, IndicatorInput]] = {}  # piece(s) of a member → (code, input)
        self.lasts: dict[str, tuple[str, IndicatorInput]] = {}  # the same for the last member of ``inputs``
        # stands in for the inputs while the rest of the line is parsed; unique to this object,
        # so a stored value cannot be mistaken for it
        self._mark = "\x00jixiao-inputs:" + uuid.uuid4().hex
        self._mark_json = json.dumps(self._mark)
        self.slow = 0  # lines read the whole way (see ``line``), and why the first of them was
        self.first_error: Exception | None = None

    def __del__(self):  # its inputs are no longer shared by anything this reader builds
        try:
            for cache in (self.members, self.lasts):
                self._forget(cache)
        except Exception:  # (at interpreter exit the module may be gone)
            pass

    def line(self, line: str | bytes, frameworks: Mapping[str, Framework]) -> tuple[dict[str, Any], Evaluation]:
        """The record of one stored line (its ``inputs`` as built) and its evaluation, against
        ``frameworks[record["framework"]]``. Raises what ``json.loads`` and
        ``evaluation_from_record`` raise for the line."""
        text = line.decode("utf-8") if line.__class__ is bytes else line
        try:
            found = self._fast(text, frameworks)
        except (ValueError, UnicodeError, KeyError, TypeError, AttributeError) as exc:  # ValidationError is a ValueError
            found = None
            if self.first_error is None:
                self.first_error = exc
        if found is not None:
            return found
        self.slow += 1
        record = json.loads(line)
        return record, evaluation_from_record(record, frameworks[record["framework"]])

    def _fast(self, text: str, frameworks) -> tuple[dict[str, Any], Evaluation] | None:
        start = text.find(_INPUTS_KEY)
        if start < 0:
            return None
        opening = start + len(_INPUTS_KEY) - 1
        found = self._inputs(text, opening)
        if found is None:
            return None
        inputs, closing = found
        record = json.loads(text[:opening] + self._mark_json + text[closing:])
        if record.__class__ is not dict or record.get("inputs") != self._mark:
            return None  # not the record's own inputs key (or it is repeated): the whole way
        record["inputs"] = inputs
        body = dict(record)
        framework = frameworks[body.pop("framework")]
        body["framework"] = framework
        return record, Evaluation.model_validate(body)  # instances are kept as they are (not revalidated)

    def _inputs(self, text: str, opening: int) -> tuple[dict[str, IndicatorInput], int] | None:
        """The members of the ``inputs`` object whose ``{`` is at ``opening``, and the position
        after its ``}``; None when they cannot be read this way.

        The text after ``{"`` is cut at every ``}, "``: a member is one piece (its text without
        the opening quote and the closing brace), or several when it holds nested objects; the
        last member's piece ends with its own brace (the cut's brace closes ``inputs``)."""
        pos = opening + 1
        if text.startswith("}", pos):
            return {}, pos + 1
        if not text.startswith('"', pos):
            return None
        get = self.members.get
        inputs: dict[str, IndicatorInput] = {}
        offset = pos + 1  # where the current piece starts in ``text``
        key = None
        for piece in text[pos + 1:].split('}, "'):
            key = piece if key is None else key + '}, "' + piece
            hit = get(key)
            if hit is None:
                # braces counted to spare ``json`` texts that cannot be one member; a brace
                # inside a string only sends the line the slow way, as nothing then parses
                opened, closed = key.count("{"), key.count("}")
                if closed == opened:  # perhaps the last member, and the cut's brace closes ``inputs``
                    last = self.lasts.get(key) or self._member('"' + key, self.lasts, key)
                    if last is not _PART:
                        inputs[last[0]] = last[1]
                        return inputs, offset + len(piece) + 1
                hit = self._member('"' + key + "}", self.members, key) if closed + 1 == opened else _PART
            offset += len(piece) + 4
            if hit is _PART:  # the member goes on (a nested object closed here)
                continue
            inputs[hit[0]] = hit[1]
            key = None
        return None  # ``inputs`` is not followed by another key: the whole way

    def _member(self, member: str, cache: dict, key: str):
        """``"CODE": {…}`` parsed and its input validated, remembered in ``cache`` under
        ``key``, or ``_PART`` when it is not one JSON member; raises ValidationError for an
        input pydantic refuses."""
        hit = _PART
        try:
            parsed = json.loads("{" + member + "}")
        except ValueError:
            parsed = None
        if parsed is not None and len(parsed) == 1:
            (code, value), = parsed.items()
            hit = (code, _validate_input(value))
        if len(cache) >= self.SIZE:
            self._forget(cache)
        cache[key] = hit
        if hit is not _PART:
            share_inputs((hit[1],))
        return hit

    @staticmethod
    def _forget(cache: dict) -> None:
        unshare_inputs(hit[1] for hit in cache.values() if hit is not _PART)
        cache.clear()


_INPUTS_KEY = '"inputs": {'
_PART = ("", None)  # ``StoredRecords._member``: a text that is not one whole member
_validate_input = IndicatorInput.model_validate


# --- files ----------------------------------------------------------------------------

def evaluation_files(folder: Path) -> list[Path]:
    """The evaluation files of a folder and its sub-folders (YAML, and Excel entry workbooks),
    in name order; names starting with ``.`` or ``~$`` (editor lock files) are skipped."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() in EVALUATION_SUFFIXES and path.is_file() and not path.name.startswith((".", "~$")):
            found.append(path)
    return found


class Loader:
    """Loads evaluation files, each named framework once (``yamlio.shared_framework``); an
    Excel entry workbook is read against ``excel_framework`` (a path or ``builtin:NAME``)."""

    def __init__(self, excel_framework: str | None = None):
        self.frameworks: FrameworkCache = {}
        self.excel_framework = excel_framework

    def load(self, path: Path) -> tuple[Evaluation | None, list[LoadError]]:
        if path.suffix.lower() == ".xlsx":
            from .excel import import_entry_workbook

            if self.excel_framework is None:
                return None, [LoadError(str(path), None, "", "Excel填报表需要用 --framework 指定指标体系")]
            framework, errors = shared_framework(self.excel_framework, None, self.frameworks)
            if framework is None:
                return None, errors
            return import_entry_workbook(path, framework)
        return load_evaluation(path, self.frameworks)

    def outcome(self, path: Path, details: bool = False) -> Outcome:
        evaluation, errors = self.load(path)
        if errors or evaluation is None:
            return failed(str(path), errors or ["无法读取"])
        return outcome(str(path), evaluation, details)


# --- several processes ----------------------------------------------------------------

_JOB: dict[str, Any] = {}  # set before the pool forks; the workers inherit it


def _run_chunk(bounds: tuple[int, int]) -> list[Outcome]:
    start, stop = bounds
    work = _JOB["work"]
    return [work(i) for i in range(start, stop)]


def chunks(n: int, size: int) -> list[tuple[int, int]]:
    return [(i, min(n, i + size)) for i in range(0, n, size)]


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


CHUNK = 16  # items per task sent to a worker


def effective_workers(n: int, workers: int, chunk: int = CHUNK) -> int:
    """The processes ``parallel`` uses for ``n`` items: one when a single batch holds them all."""
    return 1 if workers <= 1 or n <= chunk else workers


def parallel(n: int, work: Callable[[int], Outcome], workers: int = 1, chunk: int = CHUNK,
             on_done: Callable[[int], None] | None = None) -> Iterator[Outcome]:
    """``work(i)`` for i in range(n), in order, on ``workers`` forked processes (one: here).
    ``on_done(k)`` is called as each batch of ``k`` is finished, for a progress bar."""
    if effective_workers(n, workers, chunk) == 1:
        for i in range(n):
            yield work(i)
            if on_done:
                on_done(1)
        return
    _JOB["work"] = work
    try:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(workers) as pool:
            for part in pool.imap(_run_chunk, chunks(n, chunk)):
                yield from part
                if on_done:
                    on_done(len(part))
    finally:
        _JOB.clear()


def process_folder(paths: Sequence[Path], workers: int = 1, excel_framework: str | None = None,
                   details: bool = False, on_done: Callable[[int], None] | None = None) -> Iterator[Outcome]:
    """Every file of ``paths`` loaded, scored and audited, in order, on ``workers`` processes;
    each worker loads each framework once."""
    loader = Loader(excel_framework)
    return parallel(len(paths), lambda i: loader.outcome(paths[i], details), workers, on_done=on_done)


# --- the summary workbook -------------------------------------------------------------

SUMMARY_COLUMNS = ("文件", "单位", "年度", "指标体系", "版本", "指标数", "计算总分", "申报总分", "差异", "等级", "合格",
                   "核查发现", "其中错误", "读取错误")


def write_summary(outcomes: Sequence[Outcome], path: Path, findings: bool = False) -> Path:
    """An Excel summary: one row per evaluation (汇总) and, with ``findings``, one row per
    finding (核查发现); numbers are written as exact decimals."""
    from openpyxl import Workbook

    from .excel import put_number, put_text

    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    for c, head in enumerate(SUMMARY_COLUMNS, 1):
        put_text(ws.cell(row=1, column=c), head)
    for r, o in enumerate(outcomes, 2):
        values = (o.source, o.unit, o.year, o.framework, o.framework_version, o.rows, o.total, o.declared_total,
                  o.difference, o.grade, None if o.passed is None else ("合格" if o.passed else "不合格"),
                  o.findings if o.ok else None, o.finding_errors if o.ok else None, "\n".join(o.load_errors))
        for c, value in enumerate(values, 1):
            cell = ws.cell(row=r, column=c)
            if isinstance(value, Decimal):
                put_number(cell, value)
            elif isinstance(value, int) and not isinstance(value, bool):
                cell.value = value
            elif value not in (None, ""):
                put_text(cell, value)
    for letter, width in zip("ABCDEFGHIJKLMN", (40, 28, 8, 32, 8, 8, 10, 10, 10, 6, 8, 10, 10, 60)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    if findings:
        fs = wb.create_sheet("核查发现")
        for c, head in enumerate(("文件", "位置", "编码", "类别", "级别", "说明"), 1):
            put_text(fs.cell(row=1, column=c), head)
        r = 2
        for o in outcomes:
            for f in o.finding_lines:
                for c, value in enumerate((f.source, f.location, f.code, f.title, f.severity, f.message), 1):
                    if value:
                        put_text(fs.cell(row=r, column=c), value)
                r += 1
        for letter, width in zip("ABCDEF", (40, 40, 10, 30, 8, 80)):
            fs.column_dimensions[letter].width = width
        fs.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
