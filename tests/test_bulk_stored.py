"""Stored JSON lines read by ``io.bulk.StoredRecords`` (each distinct input validated once,
shared between evaluations) give exactly the evaluations, rows and findings of ``json.loads``
+ ``evaluation_from_record``, and a corrupted stored line fails with the same error, naming
the evaluation's field; rows the scorer remembers by input object (``scoring._Leaf.rows``)
and findings audit keeps per row object are those of scoring every row afresh."""

import json

import pytest
from pydantic import ValidationError

from jixiao.core import scoring
from jixiao.core.audit import audit
from jixiao.core.scoring import score
from jixiao.io.bulk import StoredRecords, evaluation_from_record


def _rows(sheet):
    return [(r.code, repr(r.score), repr(r.raw), repr(r.computed), repr(r.factor), r.declared, r.error, r.manual,
             r.override_reason, r.not_applicable, r.parent, r.explanation, r.input) for r in sheet.rows]


def _findings(sheet):
    return [(f.code, f.kind, f.message, f.severity, f.loc) for f in audit(sheet)]


def _error(call):
    with pytest.raises(Exception) as caught:
        call()
    return type(caught.value), str(caught.value)


def test_stored_lines_build_the_evaluations_json_and_pydantic_build(stored, monkeypatch):
    frameworks, lines = stored
    reader = StoredRecords()
    fast = [reader.line(line, frameworks) for line in lines]
    assert len(reader.members) > 100  # the inputs were read member by member
    shared = sum(len(ev.inputs) for _, ev in fast) - len({id(i) for _, ev in fast for i in ev.inputs.values()})
    assert shared > 1000  # equal inputs are one object
    monkeypatch.setattr(scoring, "ROWS_SIZE", 0)  # rows scored afresh, nothing remembered by input object
    monkeypatch.setattr(scoring._plan, "items", {})
    plain = []
    for line in lines:
        record = json.loads(line)
        plain.append((record, evaluation_from_record(record, frameworks[record["framework"]])))
    afresh = [score(ev) for _, ev in plain]
    assert not any(leaf.rows for fw in frameworks.values() for leaf in scoring._plan(fw).leaves.values())
    monkeypatch.setattr(scoring, "ROWS_SIZE", 1024)
    monkeypatch.setattr(scoring._plan, "items", {})
    for (record, ev), (fast_record, fast_ev), a in zip(plain, fast, afresh):
        assert fast_ev == ev
        assert {k: v for k, v in fast_record.items() if k != "inputs"} == {k: v for k, v in record.items()
                                                                           if k != "inputs"}
        assert list(fast_record["inputs"]) == list(record["inputs"])
        for twice in range(2):  # the second time every row is a remembered one
            b = score(fast_ev)
            assert _rows(a) == _rows(b) and (a.total, a.grade, a.groups) == (b.total, b.grade, b.groups)
            assert _findings(a) == _findings(b)
    assert sum(len(leaf.rows) for fw in frameworks.values() for leaf in scoring._plan(fw).leaves.values()) > 100


def test_a_corrupted_stored_line_gives_the_error_of_the_whole_record(stored):
    frameworks, lines = stored
    line = lines[1].decode("utf-8")
    record = json.loads(line)
    code = next(iter(record["inputs"]))

    def both(text):
        plain = _error(lambda: evaluation_from_record(json.loads(text), frameworks[json.loads(text)["framework"]]))
        fast = _error(lambda: StoredRecords().line(text, frameworks))
        warm = StoredRecords()
        for other in lines:  # with every good input of the data set already remembered
            warm.line(other, frameworks)
        assert fast == plain == _error(lambda: warm.line(text.encode("utf-8"), frameworks))
        return fast

    bad = json.dumps({**record, "inputs": {**record["inputs"], code: {"actual": "九十"}}}, ensure_ascii=False)
    kind, message = both(bad)
    assert kind is ValidationError and f"inputs.{code}.actual" in message and "decimal" in message
    bad = json.dumps({**record, "inputs": {**record["inputs"], "NOPE": {"actual": "1"}}}, ensure_ascii=False)
    assert both(bad)[0] is ValidationError and "指标体系中没有这些指标编码：NOPE" in both(bad)[1]
    bad = json.dumps({**record, "inputs": {**record["inputs"], code: {"actaul": "1"}}}, ensure_ascii=False)
    assert f"inputs.{code}.actaul" in both(bad)[1]  # a misspelt field is refused, not dropped
    bad = json.dumps({**record, "inputs": {**record["inputs"], code: ["1"]}}, ensure_ascii=False)
    assert f"inputs.{code}" in both(bad)[1]
    bad = json.dumps({**record, "year": 1900}, ensure_ascii=False)
    assert "year" in both(bad)[1]
    assert both(line[:-3])[0] is json.JSONDecodeError  # a cut line
    assert both(line.replace(f'"{code}": {{', f'"{code}": {{{{', 1))[0] is json.JSONDecodeError
    bad = json.dumps({**record, "inputs": None}, ensure_ascii=False)
    assert "inputs" in both(bad)[1]
    # a key that ends in ``"inputs`` before the real one: not taken for it
    bad = json.dumps({"x\"inputs": {code: {"met": True}}, **record}, ensure_ascii=False)
    assert '"inputs": {' in bad and "Extra inputs are not permitted" in both(bad)[1]


def test_unusual_but_valid_lines_read_as_json_reads_them(stored):
    frameworks, lines = stored
    record = json.loads(lines[1])
    code, other = list(record["inputs"])[:2]
    variants = [
        # braces, quotes and the separator inside strings
        {**record, "inputs": {**record["inputs"], code: {"actual": "1", "evidence": '见{附件}, "二"}}, "'}}},
        # nested objects (parts with several levels), last member nested
        {**record, "inputs": {code: {"parts": {"甲": {"checks": ["1"]}, "乙": {"incidents": {"x": "1"}}}},
                              other: {"values": {"current": "2", "previous": "1"}}}},
        {**record, "inputs": {}},
        # structure inside strings before the inputs
        {"title": 'x "inputs": {"A": {}}, "', **{k: v for k, v in record.items() if k != "title"}},
        # the inputs last in the record
        {**{k: v for k, v in record.items() if k != "inputs"}, "inputs": record["inputs"]},
        # a repeated member: the last one counts, in the first one's place
    ]
    texts = [json.dumps(v, ensure_ascii=False) for v in variants]
    body = json.dumps(record["inputs"][code], ensure_ascii=False)
    texts.append(texts[0].replace('"inputs": {', f'"inputs": {{"{other}": {body}, ', 1))
    texts.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))  # another layout
    reader = StoredRecords()
    for text in texts * 2:
        expected = json.loads(text)
        got_record, got = reader.line(text, frameworks)
        assert got == evaluation_from_record(expected, frameworks[expected["framework"]])
        assert list(got.inputs) == list(expected["inputs"])
        assert _rows(score(got)) == _rows(score(evaluation_from_record(expected, frameworks[expected["framework"]])))


def test_special_inputs_among_plain_ones_are_still_checked(stored):
    """The evaluation's check of 不适用 / actual_from / questionnaire inputs skips its walk only
    when no input has any of them."""
    frameworks, lines = stored
    record = json.loads(lines[1])
    fw = frameworks[record["framework"]]
    code = next(iter(record["inputs"]))
    cases = [({"not_applicable": " "}, "标为不适用时必须写明理由"),
             ({"questionnaire": "没有"}, "引用了不存在的问卷"),
             ({"actual": "1", "actual_from": "execution_rate"}, "同时填写了 actual 与 actual_from"),
             ({"actual_from": "execution_rate"}, "需要评价文件中的财务数据")]
    for change, message in cases:
        bad = {**record, "inputs": {**record["inputs"], code: change}}
        bad.pop("finance", None)
        for attempt in (lambda: evaluation_from_record(bad, fw),
                        lambda: StoredRecords().line(json.dumps(bad, ensure_ascii=False), frameworks)):
            with pytest.raises(ValidationError, match=message):
                attempt()
    ok = {**record, "inputs": {**record["inputs"], code: {"not_applicable": "本年无此项"}}}
    assert evaluation_from_record(ok, fw).inputs[code].not_applicable == "本年无此项"


def test_evaluations_with_their_own_inputs_leave_no_rows_remembered(stored, monkeypatch):
    """Only rows of inputs shared between evaluations (those StoredRecords builds, and the
    empty input) are remembered: scoring evaluations read one by one fills no cache."""
    frameworks, lines = stored
    monkeypatch.setattr(scoring._plan, "items", {})
    for line in lines:
        record = json.loads(line)
        score(evaluation_from_record(record, frameworks[record["framework"]]))
    kept = [entry for fw in frameworks.values() for leaf in scoring._plan(fw).leaves.values()
            for entry in leaf.rows.values()]
    inputs = [row.input for entry in kept for row in ([entry[0], *entry[1]] if isinstance(entry, tuple) else [entry])]
    assert inputs and all(item is scoring._EMPTY_INPUT for item in inputs)
    reader = StoredRecords()
    for line in lines:
        score(reader.line(line, frameworks)[1])
    assert sum(len(leaf.rows) for fw in frameworks.values() for leaf in scoring._plan(fw).leaves.values()) > 100


def test_record_members_read_by_text_build_the_same_evaluations(stored):
    """The members of a stored record besides its inputs (unit, finance, questionnaires,
    declared total…) are validated once per distinct text and shared: the evaluations are
    those of the plain path, field by field, with the same fields set; a bad or repeated
    member gives the plain path's error or reading."""
    frameworks, lines = stored
    reader = StoredRecords()
    fast = [reader.line(line, frameworks)[1] for line in lines]
    assert reader.slow == 0 and len(reader.fields) > 10
    for line, ev in zip(lines, fast):
        record = json.loads(line)
        plain = evaluation_from_record(record, frameworks[record["framework"]])
        assert ev == plain and ev.model_fields_set == plain.model_fields_set
        assert {k: getattr(ev, k) for k in type(ev).model_fields} == {k: getattr(plain, k) for k in type(plain).model_fields}
        if plain.finance is not None:
            assert ev.metrics == plain.metrics
    finances = [ev.finance for ev in fast if ev.finance is not None]
    assert finances and len({id(f) for f in finances}) < len(finances)  # equal finance data: one object
    record = json.loads(lines[1])

    def both(text):
        plain = _error(lambda: evaluation_from_record(json.loads(text), frameworks[json.loads(text)["framework"]]))
        fast = _error(lambda: reader.line(text, frameworks))
        assert fast == plain
        return fast

    assert "declared_total" in both(json.dumps({**record, "declared_total": "九十"}, ensure_ascii=False))[1]
    assert "unit.level" in both(json.dumps({**record, "unit": {**record["unit"], "level": "乡"}}, ensure_ascii=False))[1]
    assert "Extra inputs" in both(json.dumps({**record, "extra": 1}, ensure_ascii=False))[1]
    assert "报告章节名称无效：nope" in both(json.dumps({**record, "narrative": {"nope": "x"}}, ensure_ascii=False))[1]
    assert "unit" in both(json.dumps({k: v for k, v in record.items() if k != "unit"}, ensure_ascii=False))[1]
    assert "title" in both(json.dumps({**record, "title": 3}, ensure_ascii=False))[1]
    # a member repeated: json keeps the last one, and so does the reader
    text = json.dumps(record, ensure_ascii=False).replace('"year": ', '"declared_total": "1", "year": ', 1)
    got = reader.line(text, frameworks)[1]
    assert got == evaluation_from_record(json.loads(text), frameworks[record["framework"]])
    # a member whose value holds another field's name
    text = json.dumps({**record, "title": 'x, "unit": {"name": "y"}', "narrative": {"overview": ', "year": 1'}},
                      ensure_ascii=False)
    got = reader.line(text, frameworks)[1]
    assert got == evaluation_from_record(json.loads(text), frameworks[record["framework"]])


def test_check_inputs_told_plain_gives_what_it_finds(stored):
    """``Evaluation.check_inputs(plain=True)`` (what StoredRecords passes when none of the
    inputs it built is 不适用, derived or from a questionnaire) equals the walk."""
    frameworks, lines = stored
    reader = StoredRecords()
    for line in lines:
        ev = reader.line(line, frameworks)[1]
        special = any(i.not_applicable is not None or i.actual_from is not None or i.questionnaire
                      for i in ev.inputs.values())
        assert (not reader.special.isdisjoint(map(id, ev.inputs.values()))) == special
        assert ev.check_inputs() is ev
        if not special:
            assert ev.check_inputs(plain=True) is ev
