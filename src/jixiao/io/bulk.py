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

import gc
import json
import multiprocessing
import os
import re
from sys import intern
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Callable, Iterable, Iterator, Mapping, NamedTuple, Sequence

from jixiao.core.audit import Finding, audit
from annotated_types import MinLen
from pydantic import ConfigDict, ValidationError, create_model
from pydantic_core import PydanticUndefined

from jixiao.core.compiled import compiled_loops
from jixiao.core.model import (_NOT_SPECIAL, INPUTS_PLAIN, Evaluation, Framework, IndicatorInput, Override, _new,
                               _set_dict, _set_extra, _set_fields_set, _set_private, _special_fields)
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


class Outcome(NamedTuple):
    """One evaluation scored and audited, or the errors that stopped it loading. (A named
    tuple: one is made for every evaluation of a bulk run and sent back from its worker; a
    frozen dataclass took 2.5 µs to make, five times as long.)"""

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
    finding_lines: tuple[FindingLine, ...] = ()

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
    record, ``", "`` / ``": "`` separators), each distinct part validated once.

    Stored evaluations repeat their inputs (the same items met, the same level chosen, the
    same measured value in many units) and the rest of their record (a unit's name and region
    in each of its evaluations, the same finance data and questionnaire). ``line`` takes each
    member of the record's ``inputs`` object (``"B12": {"actual": "60"}``) and each other
    member of the record (``"unit": {…}``, ``"finance": {…}``) as text; a text seen before is
    the value validated then (one shared immutable object: an ``IndicatorInput``, which the
    scorer's row cache, ``scoring._Leaf.rows``, recognises, a ``Unit``, a ``Finance``…), a new
    one is parsed by ``json`` and validated by pydantic as that field of an evaluation. The
    evaluation is then put together from its validated fields without validating them again
    (``_build``), and the evaluation's own checks (its after-validators: input codes, 不适用,
    actual_from, questionnaires…) run on it as validation would run them.

    Why the texts are found right: inside a JSON string a quote is always escaped, so ``}, "``
    (an input member's end) and ``, "unit": `` (a record member's start) are structure, and
    only a text that ``json`` parsed as exactly one member is taken (or remembered); an object
    is closed by its own brace, so the one valid member starting at a position is the true
    one, and a record member is cut only before the name of a field of the evaluation, so a
    text holding two members of the record does not parse as one. Anything else — another
    layout, a repeated or unknown member, a part pydantic refuses, an invalid record — goes
    the whole way through ``json.loads`` and ``evaluation_from_record``, so bad stored input
    gives exactly the error it gave before (naming the evaluation's field, e.g.
    ``inputs.B12.actual``). The values of the returned record (its ``finance``, ``unit``…)
    are shared with other records read by the same reader: read them, do not change them."""

    SIZE = 1 << 16  # distinct member texts kept; a full cache starts again

    def __init__(self, fields: frozenset[str] | None = None):
        # the members a record may have besides ``inputs`` (a line with another goes the whole way)
        self.record_fields = _RECORD_FIELDS if fields is None else _RECORD_FIELDS & fields | {"framework"}
        # the texts are the UTF-8 bytes of the line's parts
        self.members: dict[bytes, tuple[str, IndicatorInput]] = {}  # piece(s) of a member → (code, input)
        self.parts: set[bytes] = set()  # pieces that are not a whole member (a nested object closed there)
        self.lasts: dict[bytes, tuple[str, IndicatorInput]] = {}  # the same for the last member of ``inputs``
        self.fields: dict[bytes, list] = {}  # a record member's text → [name, parsed JSON, validated value]
        self.broken: set[bytes] = set()  # texts cut inside a record member (not one member)
        self.special: set[int] = set()  # ids of the inputs built that are 不适用, derived or from a questionnaire
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
        # the bytes of the line: split and looked up without decoding it (a text of Chinese
        # is two bytes a character as a str; pieces are decoded when first seen)
        found = self.read(line, frameworks)
        if found is not None:
            return found
        self.slow += 1
        record = json.loads(line)
        return record, evaluation_from_record(record, frameworks[record["framework"]])

    def read(self, line: str | bytes, frameworks: Mapping[str, Framework]) -> tuple[dict[str, Any], Evaluation] | None:
        """``line``'s record and evaluation when it reads that way (its parts looked up or
        validated once), None when it does not: then the caller reads the line its own way,
        for the evaluation or the error it gives (``line`` reads it whole)."""
        text = line if line.__class__ is bytes else line.encode("utf-8")
        try:
            return self._fast(text, frameworks)
        except (ValueError, UnicodeError, KeyError, TypeError, AttributeError) as exc:  # ValidationError is a ValueError
            if self.first_error is None:
                self.first_error = exc
            return None

    def _fast(self, text: bytes, frameworks) -> tuple[dict[str, Any], Evaluation] | None:
        if not _BUILDABLE or not text.startswith(b"{"):
            return None
        if _compiled is not None:  # compiled: the line cut into its members in one walk
            found = _compiled.scan_record(text, self.members, self._new_member)
            if found is None:
                return None
            before, inputs, rest = found
            entries, after = [], []
            for texts, into in ((before, entries), (rest, after)):
                for member in texts:
                    entry = self._member_entry(member)
                    if entry is None:
                        return None
                    into.append(entry)
            return self._record(entries, inputs, after, frameworks)
        start = text.find(_INPUTS_KEY)
        if start < 0:
            return None
        if start == 1:
            head = b""
        elif text.startswith(b", ", start - 2):
            head = text[1:start - 2]
        else:
            return None
        found = self._inputs(text, start + len(_INPUTS_KEY) - 1)
        if found is None:
            return None
        inputs, closing = found
        tail = text[closing:].rstrip(_JSON_SPACE)
        if not tail.endswith(b"}"):
            return None
        if len(tail) == 1:
            tail = b""
        elif tail.startswith(b", "):
            tail = tail[2:-1]
        else:
            return None
        entries = self._record_members(head) if head else []
        if entries is None:
            return None
        after = self._record_members(tail) if tail else []
        if after is None:
            return None
        return self._record(entries, inputs, after, frameworks)

    def _record(self, entries: list, inputs: dict, after: list, frameworks) -> tuple[dict[str, Any], Evaluation] | None:
        """The record and evaluation of a line's members (cache entries) before and after
        its ``inputs``; None when a member is repeated or missing (the line goes the whole way)."""
        record: dict[str, Any] = {}
        for entry in entries:
            record[entry[0]] = entry[1]
        record["inputs"] = inputs
        for entry in after:
            record[entry[0]] = entry[1]
        if len(record) != len(entries) + len(after) + 1 or not _REQUIRED.issubset(record):
            return None  # a member repeated (json keeps the last one) or missing: the whole way
        framework = frameworks[record["framework"]]
        if framework.__class__ is not Framework:
            return None
        return record, self._build(record, entries, after, inputs, framework)

    def _record_members(self, text: bytes) -> list[list] | None:
        """The members of a record other than ``inputs`` in ``text`` (``"unit": {…}, "year":
        2023``), each as its cache entry [name, parsed JSON, validated value or _UNSET]; None
        when ``text`` is not members of the record this reader takes."""
        fields, broken = self.fields, self.broken
        entries = []
        text_part = None
        for piece in _MEMBER_CUT.split(text):
            text_part = piece if text_part is None else text_part + b", " + piece
            entry = fields.get(text_part)
            if entry is None:
                if text_part in broken:
                    continue
                try:
                    entry = self._member_entry(text_part)
                except ValueError:  # a nested member's name was cut at: the member goes on
                    if len(broken) >= self.SIZE:
                        broken.clear()
                    broken.add(text_part)
                    continue
                if entry is None:
                    return None
            entries.append(entry)
            text_part = None
        return None if text_part is not None else entries

    def _member_entry(self, text: bytes) -> list | None:
        """The cache entry of one member's text ``"name": value`` (remembered unless it is a
        title); None when it is not a member of the record this reader takes; raises
        ValueError when it is not one JSON member."""
        fields = self.fields
        entry = fields.get(text)
        if entry is None:
            parsed = _json_member(text)
            if parsed.__class__ is not dict or len(parsed) != 1:
                return None
            (name, value), = parsed.items()
            if name not in self.record_fields:
                return None  # an unknown member (pydantic refuses it), or a second ``inputs``
            entry = [name, value, _UNSET]
            if name not in _PLAIN_TEXT or value.__class__ is not str:  # a title is seldom repeated
                if len(fields) >= self.SIZE:
                    fields.clear()
                fields[text] = entry
        return entry

    def _build(self, record: dict, entries: list, after: list, inputs: dict, framework: Framework) -> Evaluation:
        """The evaluation of ``record`` from its validated fields, checked by the evaluation's
        own after-validators (which raise ValueError, sending the line the whole way)."""
        values = dict(_DEFAULTS)
        for name in _FACTORIES:
            values[name] = _FACTORIES[name]()
        for entry in (*entries, *after):
            name = entry[0]
            if name == "framework":
                continue
            value = entry[2]
            if value is _UNSET:
                value = self._field_value(entry)
            values[name] = dict(value) if value.__class__ is dict else value  # a dict is each evaluation's own
        values["inputs"] = inputs
        values["framework"] = framework
        # which inputs are plain (no 不适用, derived or questionnaire input: known of each input
        # when it was built), for the evaluation's own checks and the scorer (``INPUTS_PLAIN``)
        special_ids = self.special
        plain = special_ids.isdisjoint(map(id, inputs.values()))
        special = None
        if plain:
            values[INPUTS_PLAIN] = inputs
        else:  # the inputs of those kinds, for the checks to walk only them
            special = [pair for pair in inputs.items() if id(pair[1]) in special_ids]
        evaluation = _built(Evaluation, values, record)
        evaluation.check_inputs(plain, special)
        for check in _AFTER:
            check(evaluation)
        return evaluation

    def _field_value(self, entry: list):
        """The value pydantic makes of the parsed JSON ``entry[1]`` as the evaluation's field
        ``entry[0]``, remembered in the entry; raises ValidationError when pydantic refuses it.
        Validated by ``_FIELDS``, a model with each field of the evaluation as it is declared
        there (type, constraints, the model's config) but optional, so that one field is
        validated alone: no field of an evaluation is validated with another's value."""
        name, value = entry[0], entry[1]
        if name in _PLAIN_TEXT and value.__class__ is str:
            return value  # a ``str`` field without constraints: pydantic takes the string as it is
        entry[2] = _FIELDS.model_validate({name: value}).__dict__[name]
        return entry[2]

    def _inputs(self, text: bytes, opening: int) -> tuple[dict[str, IndicatorInput], int] | None:
        """The members of the ``inputs`` object whose ``{`` is at ``opening``, and the position
        after its ``}``; None when they cannot be read this way.

        The text after ``{"`` is cut at every ``}, "``: a member is one piece (its text without
        the opening quote and the closing brace), or several when it holds nested objects; the
        last member's piece ends with its own brace (the cut's brace closes ``inputs``). Where
        the compiled loops are built, ``_fast`` reads the line with ``_speedups.scan_record``
        instead, which finds the same members (the same texts, looked up in the same caches)
        in one walk over the bytes."""
        pos = opening + 1
        if text.startswith(b"}", pos):
            return {}, pos + 1
        if not text.startswith(b'"', pos):
            return None
        members = self.members
        get = members.get
        pieces = text[pos + 1:].split(b'}, "')
        hits = list(map(get, pieces))  # each piece as a whole member seen before, or None
        inputs: dict[str, IndicatorInput] = {}
        offset = pos + 1  # where piece ``i`` starts in ``text``
        parts, lasts = self.parts, self.lasts
        i, n = 0, len(pieces)
        while i < n:
            # members seen before, one piece each (a repeated code: the last counts, first place)
            try:
                known = hits.index(None, i)
            except ValueError:
                return None  # ``inputs`` is not followed by another key: the whole way
            if known > i:
                inputs.update(hits[i:known])
                offset += sum(map(len, pieces[i:known])) + 4 * (known - i)
                i = known
            key = None
            while i < n:  # a member not seen before as one piece: the last, a nested one or a new one
                piece = pieces[i]
                i += 1
                key = piece if key is None else key + b'}, "' + piece
                hit = get(key)
                if hit is None:
                    if key in parts:
                        hit = _PART
                    else:
                        last = lasts.get(key)
                        if last is None:  # a text not seen before
                            # braces counted to spare ``json`` texts that cannot be one member; a
                            # brace inside a string only sends the line the slow way, as nothing
                            # then parses
                            opened, closed = key.count(b"{"), key.count(b"}")
                            if closed == opened:  # perhaps the last member, and the cut's brace closes ``inputs``
                                last = self._member(b'"' + key, lasts, key)
                            elif closed + 1 == opened:
                                hit = self._member(b'"' + key + b"}", self.members, key)
                            else:
                                hit = self._part(key)
                        if last is not None:
                            if last is not _PART:
                                inputs[last[0]] = last[1]
                                return inputs, offset + len(piece) + 1
                            hit = _PART
                offset += len(piece) + 4
                if hit is not _PART:  # (else the member goes on: a nested object closed here)
                    inputs[hit[0]] = hit[1]
                    break
        return None  # ``inputs`` is not followed by another key: the whole way

    def _new_member(self, key: bytes):
        """The (code, input) of the member ``"KEY}`` not seen before, validated and remembered
        under ``key`` in ``members``; None when it is not one JSON member."""
        hit = self._member(b'"' + key + b"}", self.members, key)
        return None if hit is _PART else hit

    def _member(self, member: bytes, cache: dict, key: bytes):
        """``"CODE": {…}`` parsed and its input validated, remembered in ``cache`` under
        ``key`` (a text that is not one JSON member: in ``parts`` for ``members``), or
        ``_PART`` when it is not one JSON member; raises ValidationError for an input pydantic
        refuses."""
        hit = _PART
        try:
            parsed = _json_member(member)
        except ValueError:
            parsed = None
        if parsed is not None and len(parsed) == 1:
            (code, value), = parsed.items()
            # one str object per code (as the scorer's plan holds it): looked up by identity
            hit = (intern(code), _validate_input(value))
        if len(cache) >= self.SIZE:
            self._forget(cache)
        if hit is not _PART:
            cache[key] = hit
            share_inputs((hit[1],))
            if _special_fields(hit[1]) not in _NOT_SPECIAL:
                self.special.add(id(hit[1]))
        elif cache is self.members:
            self._part(key)
        else:
            cache[key] = hit
        return hit

    def _part(self, key: bytes):
        """``key`` remembered as a piece of a member (a nested object closed there)."""
        if len(self.parts) >= self.SIZE:
            self.parts.clear()
        self.parts.add(key)
        return _PART

    def _forget(self, cache: dict) -> None:
        built = [hit[1] for hit in cache.values() if hit is not _PART]
        unshare_inputs(built)
        self.special.difference_update(map(id, built))
        cache.clear()


_compiled = compiled_loops("jixiao.core._speedups")  # the walk over a line compiled, or None
_scan = json.JSONDecoder().scan_once  # the C scanner of ``json.loads``


def _json_member(data: bytes) -> dict:
    """``json.loads("{" + text + "}")`` for the UTF-8 text of members of an object (``"B12":
    {"actual": "60"}``). One member as jixiao writes it (``": "`` after its name) is read by
    the scanner ``json.loads`` uses, at its name and at its value, without building the
    braced text; anything else is read by ``json.loads`` itself (and raises what it raises;
    bytes that are not UTF-8 raise UnicodeDecodeError, a ValueError)."""
    text = data.decode("utf-8")
    if text.startswith('"'):
        try:
            name, end = _scan(text, 0)
            if text.startswith(": ", end):
                value, end = _scan(text, end + 2)
                if end == len(text):
                    return {name: value}
        except (StopIteration, ValueError):
            pass
    return json.loads("{" + text + "}")
_INPUTS_KEY = b'"inputs": {'
_PART = ("", None)  # ``StoredRecords._member``: a text that is not one whole member


def _input_layout():
    """What ``_simple_input`` needs to build an IndicatorInput as pydantic's validation does:
    its fields in order with their defaults and default factories; None (every input then
    validated by pydantic) if the model has validators other than ``_checks_as_strings`` or
    anything else that validation would run, or if ``Override`` has validators other than
    ``_reason_not_blank`` or fields other than ``score`` and ``reason``."""
    decorators = IndicatorInput.__pydantic_decorators__
    override = Override.__pydantic_decorators__
    reason = Override.model_fields["reason"]
    if (set(decorators.field_validators) != {"_checks_as_strings"} or decorators.model_validators
            or decorators.validators or decorators.root_validators or IndicatorInput.__private_attributes__
            or IndicatorInput.__pydantic_post_init__ is not None
            or IndicatorInput.model_config.get("extra") != "forbid"
            or any(f.alias is not None or f.validation_alias is not None or f.metadata
                   for f in IndicatorInput.model_fields.values())
            or set(override.field_validators) != {"_reason_not_blank"} or override.model_validators
            or override.validators or override.root_validators or Override.__private_attributes__
            or Override.__pydantic_post_init__ is not None or Override.model_config.get("extra") != "forbid"
            or list(Override.model_fields) != ["score", "reason"]
            or Override.model_fields["score"].annotation is not Decimal or Override.model_fields["score"].metadata
            or reason.annotation is not str or [type(m) for m in reason.metadata] != [MinLen]
            or reason.metadata[0].min_length != 1):
        return None
    defaults, factories = {}, {}
    for name, f in IndicatorInput.model_fields.items():
        defaults[name] = None if f.default is PydanticUndefined else f.default
        if f.default_factory is not None:
            factories[name] = f.default_factory
    kinds = {}
    for name, kind in _SIMPLE_KINDS.items():  # each as declared there
        annotation = IndicatorInput.model_fields[name].annotation
        declared = {Decimal: (Decimal | None,), bool: (bool | None,), str: (str | None, str),
                    tuple: (tuple[str, ...] | None,), _DECIMALS: (dict[str, Decimal],),
                    _PARTS: (dict[str, IndicatorInput],), Override: (Override | None,)}[kind]
        if annotation not in declared:
            return None
        kinds[name] = kind
    return defaults, factories, kinds


# The input fields taken without pydantic when their JSON values are of the plainest kind:
# a decimal string of digits (what ``Decimal()`` and pydantic read alike), true/false, a
# string, a list of strings (``_checks_as_strings`` makes it a tuple of the same strings), an
# object of such decimal strings (``values``, ``incidents``), an object of plain inputs
# (``parts``), an override of a decimal string and a reason that is not blank. (Not for fewer
# instructions: pydantic's validator is as quick on its own, but a new input comes between
# everything else a line needs, and pydantic's code is then no longer in the processor's
# caches; this loop is.)
_DECIMALS, _PARTS = object(), object()  # the kinds ``dict[str, Decimal]`` and ``dict[str, IndicatorInput]``
_SIMPLE_KINDS = {"actual": Decimal, "reference": Decimal, "manual": Decimal, "declared": Decimal, "met": bool,
                 "judgement": str, "evidence": str, "checks": tuple, "values": _DECIMALS, "incidents": _DECIMALS,
                 "parts": _PARTS, "override": Override}
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?\Z")
_INPUT_LAYOUT = _input_layout()


def _built(cls, fields: dict, given) -> Any:
    """A model object of ``fields`` as validation leaves it, ``given`` its fields set."""
    built = _new(cls)
    _set_dict(built, fields)
    _set_fields_set(built, set(given))
    _set_extra(built, None)
    _set_private(built, None)
    return built


def _simple_input(value) -> IndicatorInput | None:
    """The IndicatorInput pydantic makes of the parsed JSON ``value`` when every member of it is
    a field of ``_SIMPLE_KINDS`` with a value of that kind (most stored inputs: ``{"actual":
    "60"}``, ``{"met": true}``, ``{"checks": ["1", "2"]}``, ``{"values": {"current": "9"}}``,
    ``{"parts": {"职工": {"actual": "98"}}}``); None otherwise (pydantic then validates it).
    The same field values, fields set and defaults as ``model_validate`` (tests/test_speedups.py
    compares them on every input of the benchmark's data set, and on generated ones)."""
    if _INPUT_LAYOUT is None or value.__class__ is not dict:
        return None
    defaults, factories, kinds = _INPUT_LAYOUT
    fields = dict(defaults)
    for name, factory in factories.items():
        fields[name] = factory()
    match = _PLAIN_DECIMAL.match
    for name, raw in value.items():
        kind = kinds.get(name)
        if kind is None:
            return None
        if kind is Decimal:
            if raw.__class__ is not str or match(raw) is None:
                return None
            fields[name] = Decimal(raw)
        elif kind is tuple:
            if raw.__class__ is not list:
                return None
            for item in raw:
                if item.__class__ is not str:
                    return None
            fields[name] = tuple(raw)
        elif kind is _DECIMALS:
            if raw.__class__ is not dict:
                return None
            out = {}
            for key, text in raw.items():
                if key.__class__ is not str or text.__class__ is not str or match(text) is None:
                    return None
                out[key] = Decimal(text)
            fields[name] = out
        elif kind is _PARTS:
            if raw.__class__ is not dict:
                return None
            out = {}
            for key, part in raw.items():
                out[key] = part = _simple_input(part)
                if part is None or key.__class__ is not str:
                    return None
            fields[name] = out
        elif kind is Override:
            if raw.__class__ is not dict or raw.keys() != {"score", "reason"}:
                return None
            score, reason = raw["score"], raw["reason"]
            if (score.__class__ is not str or match(score) is None or reason.__class__ is not str
                    or not reason.strip()):
                return None
            fields[name] = _built(Override, {"score": Decimal(score), "reason": reason.strip()}, raw)
        elif raw.__class__ is not kind:
            return None
        else:
            fields[name] = raw
    return _built(IndicatorInput, fields, value)


def _validate_input(value) -> IndicatorInput:
    """``IndicatorInput.model_validate(value)``, the plainest inputs built directly."""
    built = _simple_input(value)
    return IndicatorInput.model_validate(value) if built is None else built
_JSON_SPACE = b" \t\n\r"


def _evaluation_layout():
    """What ``StoredRecords._build`` needs to put an evaluation together as pydantic's
    validation does: the fields in order with their defaults (``_DEFAULTS``, default factories
    apart), the fields that take a string as it is, the after-validators; ``_BUILDABLE`` is
    False (every line read the whole way) if the model has validators of another kind."""
    decorators = Evaluation.__pydantic_decorators__
    after = tuple(d.func for d in decorators.model_validators.values() if d.info.mode == "after")
    checks = decorators.model_validators.get("_inputs_name_indicators")
    # ``_inputs_name_indicators`` is ``check_inputs``, which ``_build`` calls itself
    after = tuple(func for func in after if checks is None or func is not checks.func)
    buildable = (checks is not None and checks.info.mode == "after"
                 and len(after) + 1 == len(decorators.model_validators) and not decorators.field_validators
                 and not decorators.validators and not decorators.root_validators
                 and Evaluation.model_config.get("extra") == "forbid" and not Evaluation.__private_attributes__
                 and Evaluation.__pydantic_post_init__ is None
                 and all(f.alias is None and f.validation_alias is None for f in Evaluation.model_fields.values()))
    defaults, factories, plain = {}, {}, set()
    for name, f in Evaluation.model_fields.items():
        defaults[name] = None if f.default is PydanticUndefined else f.default
        if f.default_factory is not None:
            factories[name] = f.default_factory
        if f.annotation is str and not f.metadata:
            plain.add(name)
    return buildable, after, defaults, factories, frozenset(plain)


_BUILDABLE, _AFTER, _DEFAULTS, _FACTORIES, _PLAIN_TEXT = _evaluation_layout()
_RECORD_FIELDS = frozenset(Evaluation.model_fields) - {"inputs"}  # (``framework``: the framework's id)
_REQUIRED = frozenset(name for name, f in Evaluation.model_fields.items() if f.is_required())
# a record member starts after ``, `` with the name of a field of the evaluation
_MEMBER_CUT = re.compile((", (?=\"(?:" + "|".join(sorted(map(re.escape, _RECORD_FIELDS), key=len, reverse=True))
                          + ")\": )").encode())
# each field of the evaluation but ``framework`` and ``inputs``, declared as there, optional
_FIELDS = create_model("StoredEvaluationFields", __config__=ConfigDict(**Evaluation.model_config),
                       **{name: (Annotated[(f.annotation, *f.metadata)] if f.metadata else f.annotation, None)
                          for name, f in Evaluation.model_fields.items() if name not in ("framework", "inputs")})
_UNSET = object()


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


def kept_alive(items: Iterable) -> Iterator:
    """``items`` one by one, and after each what is still alive moved out of the cyclic
    collector's generations (``gc.freeze``); back in them (``gc.unfreeze``) at the end, unless
    something was frozen before.

    Why: bulk work keeps what it builds once (frameworks, the reader's validated parts, the
    scorer's remembered rows) alive from item to item, and each full collection walks all of
    it: at 1,000 units that made the collector 40–50% of the time (the site path 1.44 s with
    the collector off, 2.5–3.0 s with it on). Frozen, those objects are still freed by their
    reference counts; collections scan only what the current item allocated, and catch its
    cycles (a run at 1,000 units leaves a few hundred cyclic objects, which a cycle that
    outlives its item keeps until the end). Freezing is constant time; counting what is frozen
    is not (a walk of it), so only the outermost loop asks whether anything was before."""
    outermost = not _KEEPING
    frozen_before = outermost and gc.get_freeze_count()
    _KEEPING.append(items)
    try:
        for item in items:
            yield item
            gc.freeze()
    finally:
        _KEEPING.pop()
        if outermost and not frozen_before:
            gc.unfreeze()


_KEEPING: list = []  # the ``kept_alive`` loops running in this process, outermost first


def _run_chunk(bounds: tuple[int, int]) -> list[Outcome]:
    start, stop = bounds
    work = _JOB["work"]
    return [work(i) for i in kept_alive(range(start, stop))]


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
        for i in kept_alive(range(n)):
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


# --- a file of stored records (JSON lines) ----------------------------------------------

RECORD_SUFFIXES = (".jsonl", ".ndjson")
RANGE_BYTES = 1 << 20  # a file of records is read in ranges of whole lines of about this size


class FrameworkNotLoaded(KeyError):
    """A record names a framework that does not load (``errors``: why)."""

    def __init__(self, ref: str, errors: list):
        super().__init__(ref)
        self.ref, self.errors = ref, errors


class RecordFrameworks(dict):
    """The frameworks records name (``builtin:NAME`` or a path from the records' folder), each
    loaded once when first named (``shared_framework``); a reference that does not load
    raises ``FrameworkNotLoaded`` with its errors."""

    def __init__(self, base: Path):
        super().__init__()
        self.base, self.cache = base, {}

    def __missing__(self, ref):
        if not isinstance(ref, str):
            raise FrameworkNotLoaded(str(ref), ["指标体系须为 builtin:名称 或文件路径"])
        framework, errors = shared_framework(ref, self.base, self.cache)
        if framework is None or errors:
            raise FrameworkNotLoaded(ref, errors or ["无法读取"])
        self[ref] = framework
        return framework


def record_ranges(path: Path, size: int = RANGE_BYTES) -> list[tuple[int, int, int, int]]:
    """``path`` cut into ranges of whole lines of about ``size`` bytes: (start, stop, the
    number of the range's first line, its number of lines). Read a range at a time (the
    workers read their ranges again: from the page cache)."""
    out = []
    start, line = 0, 1
    with open(path, "rb") as f:
        while True:
            block = f.read(size)
            if not block:
                break
            block += f.readline()  # to the end of its last line
            count = block.count(b"\n") + (not block.endswith(b"\n"))
            out.append((start, start + len(block), line, count))
            line += count
            start += len(block)
    return out


def record_outcome(reader: StoredRecords, frameworks: Mapping[str, Framework], line: bytes, source: str,
                   details: bool = False) -> Outcome:
    """The outcome of one stored record (a line of a records file), or the errors naming
    why it does not load: not JSON, no or an unloadable framework, a field pydantic refuses
    (its place in the record, e.g. ``('inputs', 'B12', 'actual')``)."""
    try:
        _, evaluation = reader.line(line, frameworks)
    except FrameworkNotLoaded as exc:
        return failed(source, [f"指标体系{exc.ref}：{e}" for e in exc.errors])
    except ValidationError as exc:
        return failed(source, [f"{e['loc']}: {e['msg']}" for e in exc.errors()])
    except json.JSONDecodeError as exc:
        return failed(source, [f"不是一行JSON（第{exc.colno}列）：{exc.msg}"])
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        if isinstance(exc, KeyError) and exc.args == ("framework",):
            return failed(source, ["缺少指标体系（framework）"])
        return failed(source, [f"不是一份评价记录：{exc}"])
    return outcome(source, evaluation, details)


def process_records(path: Path, workers: int = 1, details: bool = False,
                    on_done: Callable[[int], None] | None = None, stats: dict | None = None,
                    on_total: Callable[[int], None] | None = None) -> Iterator[Outcome]:
    """Every record of the JSON-lines file ``path`` (one evaluation a line, as an evaluation
    file's fields: ``framework`` — ``builtin:NAME`` or a path from the file's folder —,
    ``unit``, ``year``, ``inputs``…) read, scored and audited, in order, on ``workers``
    processes, each distinct part of the records validated once (``StoredRecords``); each
    outcome's source is ``FILE:LINE``. Blank lines are skipped. For a progress bar,
    ``on_total(n)`` is called first with the file's number of lines and ``on_done(k)`` as each
    range of ``k`` lines is done. ``stats``, when given, gets ``ranges`` (how many) and
    ``read_whole``: the records read the whole way (json + pydantic; see ``StoredRecords``)."""
    path = Path(path)
    ranges = record_ranges(path)
    if on_total:
        on_total(sum(r[3] for r in ranges))
    if stats is not None:
        stats["ranges"] = len(ranges)
    frameworks = RecordFrameworks(path.parent)
    reader = StoredRecords()
    with open(path, "rb") as f:  # the frameworks the ranges start with, read before the workers fork
        for start, *_ in ranges:
            f.seek(start)
            try:
                frameworks[json.loads(f.readline())["framework"]]
            except (ValueError, KeyError, TypeError):
                pass  # (that line's outcome says why)

    def work(i: int) -> tuple[list[Outcome], int]:
        start, stop, first, _ = ranges[i]
        with open(path, "rb") as f:
            f.seek(start)
            lines = f.read(stop - start).split(b"\n")
        before = reader.slow
        done = [record_outcome(reader, frameworks, line, f"{path}:{number}", details)
                for number, line in kept_alive(enumerate(lines, first)) if line.strip()]
        return done, reader.slow - before

    read_whole = 0
    for i, (part, whole) in enumerate(parallel(len(ranges), work, workers, chunk=1)):
        read_whole += whole
        if stats is not None:
            stats["read_whole"] = read_whole
        yield from part
        if on_done:
            on_done(ranges[i][3])


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
