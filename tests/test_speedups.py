"""The compiled loops (``jixiao.core._speedups``, built by ``pip install``) are in use where the
package is installed, and give exactly what the Python loops beside them give: the same rows
(scores, explanations, inputs), the same findings, the same evaluations read from stored
lines, on the benchmark's data set (every rule type, 不适用, overrides, sub-rows, errors)."""

import json

import pytest
from hypothesis import given, settings, strategies as st
from pydantic import BaseModel, ValidationError

from jixiao.core import audit as audit_module
from jixiao.core import scoring
from jixiao.core.compiled import compiled_loops
from jixiao.core.model import IndicatorInput
from jixiao.io import bulk
from jixiao.io.bulk import StoredRecords, _simple_input

MODULES = (scoring, audit_module, bulk)


def _built():
    """The compiled loops, which ``pip install -e .`` (scripts/setup) builds (see setup.py)."""
    compiled = compiled_loops("jixiao.core._speedups")
    assert compiled is not None, "pip install -e . should have built jixiao/core/_speedups (see setup.py)"
    return compiled


def test_the_compiled_loops_are_built_and_used(monkeypatch):
    monkeypatch.delenv("JIXIAO_PURE_PYTHON", raising=False)
    compiled = _built()
    for module in MODULES:
        assert module._compiled is compiled
    monkeypatch.setenv("JIXIAO_PURE_PYTHON", "1")
    assert compiled_loops("jixiao.core._speedups") is None


def _everything(lines, frameworks):
    """Each line read, scored and audited by a fresh reader, with fresh scoring caches."""
    scoring._plan.items.clear()  # rows remembered per framework plan: start afresh
    reader = StoredRecords()
    out = []
    for line in lines:
        record, evaluation = reader.line(line, frameworks)
        sheet = scoring.score(evaluation)
        findings = audit_module.audit(sheet)
        rows = [(r.code, repr(r.score), repr(r.raw), repr(r.computed), repr(r.factor), r.declared, r.error, r.manual,
                 r.override_reason, r.not_applicable, r.parent, r.explanation, r.input, r.path) for r in sheet.rows]
        groups = [(g.group.code, g.level, repr(g.score), repr(g.weight), repr(g.declared), list(g.__dict__))
                  for g in sheet.groups]
        out.append((sorted(evaluation.inputs.items()), list(evaluation.inputs), rows, groups, repr(sheet.total),
                    repr(sheet.weight_total), repr(sheet.declared_rows_total),
                    sheet.grade, [(f.code, f.kind, f.message, f.severity, f.loc) for f in findings]))
    return out, reader.slow


def test_compiled_and_python_loops_agree_row_for_row(stored, monkeypatch):
    frameworks, lines = stored
    compiled = _built()
    for module in MODULES:
        monkeypatch.setattr(module, "_compiled", compiled)
    fast, slow_fast = _everything(lines + lines, frameworks)  # twice: the second time from the caches
    for module in MODULES:
        monkeypatch.setattr(module, "_compiled", None)
    plain, slow_plain = _everything(lines + lines, frameworks)
    assert slow_fast == slow_plain == 0
    assert len(fast) == len(plain) == 2 * len(lines)
    for a, b in zip(fast, plain):
        assert a == b
    assert sum(len(x[6]) for x in fast) > 50  # findings were compared, not only empty lists
    assert any(row[9] for x in fast for row in x[2])  # and 不适用 rows


def _scanned(text: bytes, members: dict | None = None):
    """``scan_inputs`` over ``{"inputs": <text>}``, members not seen before parsed by json."""
    compiled = _built()
    line = b'{"inputs": ' + text + b', "year": 2023}'
    seen = []

    def new_member(key):
        seen.append(key)
        parsed = json.loads(b"{" + b'"' + key + b"}" + b"}")
        (code, value), = parsed.items()
        return code, value

    found = compiled.scan_inputs(line, len(b'{"inputs": '), {} if members is None else members, new_member)
    return found, seen, line


def test_the_compiled_walk_reads_the_members_json_reads():
    text = ('{"A1": {"met": true}, "B2": {"parts": {"职工": {"actual": "98"}, "居民": {}}}, '
            '"C3": {"judgement": "a}, \\"b{", "evidence": "引号\\"和}括号"}, "A1": {"actual": "1"}}').encode()
    found, seen, line = _scanned(text)
    inputs, closing = found
    assert inputs == json.loads(text)  # nested objects, braces and escaped quotes in strings, a repeated code
    assert list(inputs) == ["A1", "B2", "C3"]  # the repeated code keeps its first place and its last value
    assert line[closing:] == b', "year": 2023}'
    assert seen[0] == b'A1": {"met": true' and len(seen) == 4  # each member's text without quote and brace
    known = {b'A1": {"met": true': ("A1", "known")}
    inputs, _ = _scanned(b'{"A1": {"met": true}}', known)[0]
    assert inputs == {"A1": "known"}  # a member seen before is taken from the cache, not parsed
    assert _scanned(b"{}")[0] == ({}, len(b'{"inputs": {}'))


@pytest.mark.parametrize("text", [b'{"A1":{"met": true}}', b'{"A1": {"met": true},"B2": {}}', b'{"A\\1": {}}',
                                  b'{"A1": {"met": true}', b'{"A1": 5}', b'{A1: {}}', b'{"A1": {"x": "}'])
def test_the_compiled_walk_leaves_text_of_another_form_to_the_caller(text):
    assert _scanned(text)[0] is None  # not written by jixiao, or cut short: read the whole way


def test_the_compiled_walk_cuts_a_line_into_the_members_json_reads():
    compiled = _built()
    line = ('{"framework": "f", "unit": {"name": "单位{, \\"x"}, "year": 2023, "inputs": {"A1": {"met": true}}, '
            '"declared_total": "85.5", "flags": [1, {"a": "]"}], "ok": null}\n').encode()
    before, inputs, after = compiled.scan_record(line, {}, lambda key: ("A1", "built"))
    record = json.loads(line)
    assert [json.loads(b"{" + m + b"}") for m in before] == [{"framework": "f"}, {"unit": record["unit"]}, {"year": 2023}]
    assert [json.loads(b"{" + m + b"}") for m in after] == [{"declared_total": "85.5"}, {"flags": record["flags"]},
                                                          {"ok": None}]
    assert inputs == {"A1": "built"}


@pytest.mark.parametrize("line", [b'{"year": 2023}', b'{"inputs": {}, "inputs": {}}', b'{"year":2023, "inputs": {}}',
                                  b'{"year": 2023,"inputs": {}}', b'["inputs"]', b'{"inputs": {}', b'{"a\\b": 1, "inputs": {}}',
                                  b'{"inputs": {}, "unit": {"name": "x}'])
def test_the_compiled_walk_leaves_lines_of_another_form_to_the_caller(line):
    assert _built().scan_record(line, {}, lambda key: None) is None


def _as_built(item):
    """Everything validation sets on an input (and on its parts and override), values by their
    repr (Decimal('1.50') is not 1.5), dicts in their order."""
    def value(v):
        if isinstance(v, BaseModel):
            return _as_built(v)
        if isinstance(v, dict):
            return [(k, v.__class__, value(x)) for k, x in v.items()]
        return v.__class__, repr(v)

    return ([(k, value(v)) for k, v in item.__dict__.items()], item.__pydantic_fields_set__,
            item.__pydantic_extra__, getattr(item, "__pydantic_private__", None))


def test_plain_inputs_are_built_as_pydantic_validates_them(stored):
    _, lines = stored
    built = fallen_back = 0
    for line in lines:
        for value in json.loads(line)["inputs"].values():
            item = _simple_input(value)
            if item is None:
                fallen_back += 1
                continue
            built += 1
            assert _as_built(item) == _as_built(IndicatorInput.model_validate(value)), value
    assert built > 50 * fallen_back > 0  # most inputs are plain; the others (不适用, questionnaire…) go to pydantic


_PLAIN_DECIMAL = st.from_regex(r"\A-?[0-9]{1,4}(\.[0-9]{1,3})?\Z")
_DECIMAL_TEXT = st.one_of(_PLAIN_DECIMAL, _PLAIN_DECIMAL, _PLAIN_DECIMAL, st.sampled_from(
    ["1e3", " 5", "5 ", "NaN", "inf", "+1", "1.", ".5", "1_000", "٣"]))
_SCALAR = (_DECIMAL_TEXT | st.booleans() | st.text(max_size=3) | st.lists(st.text(max_size=2) | st.integers(), max_size=3)
           | st.integers() | st.none())
_DECIMALS = st.dictionaries(st.text(max_size=2), _DECIMAL_TEXT | st.sampled_from([3, None]), max_size=3)
_OVERRIDE = st.dictionaries(st.sampled_from(["score", "score", "reason", "reason", "bogus"]),
                            _DECIMAL_TEXT | st.sampled_from(["", " ", " 复核 ", "理由"]) | st.integers(), max_size=3)


def _field(name: str, inner):
    """(name, a value): mostly of the field's own kind, now and then of any kind."""
    own = {"values": _DECIMALS, "incidents": _DECIMALS, "override": _OVERRIDE,
           "parts": st.dictionaries(st.text(max_size=2), inner, max_size=2), "met": st.booleans(),
           "judgement": st.text(max_size=3), "evidence": st.text(max_size=3),
           "checks": st.lists(st.text(max_size=2), max_size=3)}.get(name, _DECIMAL_TEXT)
    return st.tuples(st.just(name), st.one_of(own, own, own, _SCALAR))


_NAMES = ["actual", "reference", "manual", "declared", "met", "judgement", "evidence", "checks", "values", "incidents",
          "parts", "override", "values", "incidents", "parts", "override", "questionnaire", "bogus"]
_VALUES = st.recursive(
    st.lists(st.one_of([_field(n, st.just({})) for n in _NAMES]), max_size=4).map(dict),
    lambda inner: st.lists(st.one_of([_field(n, inner) for n in _NAMES]), max_size=3).map(dict),
    max_leaves=8)


@settings(deadline=None, max_examples=400)  # (a shared machine)
@given(_VALUES)
def test_an_input_is_built_directly_only_as_pydantic_would_build_it(value):
    item = _simple_input(value)
    if item is None:
        return  # pydantic decides (and may refuse)
    try:
        expected = IndicatorInput.model_validate(value)
    except ValidationError as exc:
        raise AssertionError(f"built {value!r} that pydantic refuses: {exc}")
    assert _as_built(item) == _as_built(expected)


_PLAIN_FIELDS = {"actual": _PLAIN_DECIMAL, "declared": _PLAIN_DECIMAL, "met": st.booleans(),
                 "judgement": st.text(max_size=3), "checks": st.lists(st.text(max_size=2), max_size=3),
                 "values": st.dictionaries(st.text(max_size=3), _PLAIN_DECIMAL, max_size=3),
                 "incidents": st.dictionaries(st.text(max_size=3), _PLAIN_DECIMAL, max_size=3),
                 "override": st.fixed_dictionaries({"score": _PLAIN_DECIMAL,
                                                    "reason": st.text(min_size=1, max_size=4).filter(str.strip)})}
_PLAIN_INPUT = st.recursive(
    st.fixed_dictionaries({}, optional=_PLAIN_FIELDS),
    lambda inner: st.fixed_dictionaries({}, optional={**_PLAIN_FIELDS,
                                                      "parts": st.dictionaries(st.text(max_size=3), inner, max_size=3)}),
    max_leaves=6)


@settings(deadline=None, max_examples=300)
@given(_PLAIN_INPUT)
def test_every_plain_input_is_built_directly_as_pydantic_builds_it(value):
    item = _simple_input(value)
    assert item is not None, value
    assert _as_built(item) == _as_built(IndicatorInput.model_validate(value))


@pytest.mark.parametrize("value", [
    {"values": {"current": "4335.9", "previous": "4470"}},
    {"incidents": {"未落实": "3"}, "declared": "5.4"},
    {"parts": {"收入管理": {"checks": []}, "支出管理": {"incidents": {"截留挤占挪用虚列支出": "1"}}}},
    {"parts": {"资料完整": {"actual": "0"}, "空": {}}, "values": {"employee": "66.5"}},
    {"actual": "90", "override": {"score": "2.7", "reason": " 复核后按实际情况调整 "}},
    {"override": {"reason": "理由", "score": "-1.50"}},
])
def test_inputs_with_values_parts_and_overrides_are_built_as_pydantic_builds_them(value):
    item = _simple_input(value)
    assert item is not None
    assert _as_built(item) == _as_built(IndicatorInput.model_validate(value))


@pytest.mark.parametrize("value", [
    {"override": {"score": "2", "reason": "  "}},  # a blank reason: pydantic refuses it
    {"override": {"score": "2"}},
    {"override": {"score": "2", "reason": "x", "by": "y"}},
    {"values": {"a": "1e3"}},
    {"incidents": {"a": 3}},
    {"parts": {"a": {"questionnaire": "q"}}},  # a part of another kind: pydantic decides
])
def test_inputs_not_of_the_plainest_kind_are_left_to_pydantic(value):
    assert _simple_input(value) is None


def test_lines_as_text_or_bytes_read_alike_and_bad_bytes_fail_as_json_fails(stored):
    frameworks, lines = stored
    as_bytes, as_text = StoredRecords(), StoredRecords()
    for line in lines[:60]:
        a = as_bytes.line(line, frameworks)[1]
        b = as_text.line(line.decode("utf-8"), frameworks)[1]
        assert a.model_dump() == b.model_dump()
    assert as_bytes.slow == as_text.slow == 0
    bad = lines[0].replace(b'"inputs": {"', b'"inputs": {"\xff', 1)  # not UTF-8, in an input's code
    with pytest.raises(Exception) as expected:
        json.loads(bad)
    with pytest.raises(type(expected.value)) as got:
        as_bytes.line(bad, frameworks)
    assert str(got.value) == str(expected.value)
    assert as_bytes.slow == 1


def test_the_readers_word_that_no_input_is_not_applicable_holds_only_for_its_own_inputs(stored):
    from jixiao.core.model import INPUTS_PLAIN

    frameworks, lines = stored
    reader = StoredRecords()
    evaluations = [reader.line(line, frameworks)[1] for line in lines]
    told = [e for e in evaluations if e.__dict__.get(INPUTS_PLAIN) is e.inputs]
    marked = [e for e in evaluations if any(i.not_applicable is not None for i in e.inputs.values())]
    assert told and marked and not any(e.__dict__.get(INPUTS_PLAIN) is e.inputs for e in marked)
    assert all(i.not_applicable is None and not i.actual_from and not i.questionnaire
               for e in told for i in e.inputs.values())
    plain = told[0]
    code = next(iter(plain.inputs))
    changed = plain.model_copy(update={"inputs": {**plain.inputs, code: IndicatorInput(not_applicable="本年未开展")}})
    assert changed.__dict__.get(INPUTS_PLAIN) is not changed.inputs  # a copy with other inputs is not told
    row = scoring.score(changed).row(code)
    assert row.not_applicable == "本年未开展"
    assert "_inputs_plain" not in plain.model_dump() and plain == plain.model_copy()
