"""Satisfaction questionnaires: seed 002 附件4 (counts per option) and one row per respondent."""

import pytest
from openpyxl import Workbook
from pydantic import ValidationError

from jixiao.core.model import Option, Question, Questionnaire, questionnaire_from_responses
from jixiao.io.yamlio import load_evaluation
from conftest import D

# Seed 002 附件4: (A count, B count, C count) for the 10 questions; options score 10/5/0.
SEED_002_COUNTS = [(20, 0, 0), (20, 0, 0), (20, 0, 0), (20, 0, 0), (18, 0, 2), (18, 2, 0), (20, 0, 0), (20, 0, 0),
                   (16, 4, 0), (17, 3, 0)]


def seed_002() -> Questionnaire:
    questions = [Question(text=f"问题{i}", options=(Option(label="A", points=10, count=a),
                                                     Option(label="B", points=5, count=b),
                                                     Option(label="C", points=0, count=c)))
                 for i, (a, b, c) in enumerate(SEED_002_COUNTS, 1)]
    return Questionnaire(id="s", issued=20, returned=20, valid=20, questions=tuple(questions))


def test_seed_002_total_1935_and_score_96_75():
    q = seed_002()
    assert q.total == 1935
    assert q.score == D("96.75")
    assert q.questions[4].total == 180 and q.questions[4].average() == 9
    assert q.questions[8].satisfaction() == 90


def test_counts_cannot_exceed_valid_questionnaires():
    with pytest.raises(ValidationError, match="多于有效问卷"):
        Questionnaire(id="s", valid=10, questions=(Question(text="q", options=(Option(label="A", points=10, count=11),)),))
    with pytest.raises(ValidationError, match="多于收回"):
        Questionnaire(id="s", issued=20, returned=18, valid=19, questions=())


def test_from_respondent_rows_matches_counts():
    base = seed_002()
    blank = [Question(text=q.text, options=tuple(Option(label=o.label, points=o.points) for o in q.options))
             for q in base.questions]
    rows = []
    for person in range(20):
        row = []
        for a, b, c in SEED_002_COUNTS:
            row.append("A" if person < a else ("B" if person < a + b else "C"))
        rows.append(row)
    rows.append(["A"] * 9 + [None])  # returned but not valid: one answer missing
    q = questionnaire_from_responses("s", blank, rows, issued=22)
    assert (q.issued, q.returned, q.valid) == (22, 21, 20)
    assert q.total == 1935 and q.score == D("96.75")


def _write_answers(path, rows):
    wb = Workbook()
    ws = wb.active
    ws.title = "答卷"
    ws.append(["序号", "问题1", "问题2"])
    for i, row in enumerate(rows, 1):
        ws.append([i, *row])
    wb.save(path)


EVALUATION = """\
unit: {name: 测试县医保中心, level: 县}
year: 2023
framework:
  id: q
  name: 问卷测试
  kind: 部门整体
  total: 4
  groups:
    - code: C
      name: 满意度
      indicators:
        - {code: C72, name: 群众满意度, weight: 4, rule: {type: questionnaire}}
questionnaires:
  - id: satisfaction
    issued: 4
    responses: {file: answers.xlsx, sheet: 答卷}
    questions:
      - text: 问题1
        options: [{label: A.满意, points: 10}, {label: B.基本满意, points: 5}, {label: C.不满意, points: 0}]
      - text: 问题2
        options: [{label: A.满意, points: 10}, {label: B.基本满意, points: 5}, {label: C.不满意, points: 0}]
indicators:
  C72: {questionnaire: satisfaction}
"""


def test_evaluation_reads_respondent_sheet(tmp_path):
    _write_answers(tmp_path / "answers.xlsx", [["A", "A"], ["A", "B"], ["B", "C"]])
    (tmp_path / "e.yaml").write_text(EVALUATION, encoding="utf-8")
    evaluation, errors = load_evaluation(tmp_path / "e.yaml")
    assert errors == []
    q = evaluation.questionnaire("satisfaction")
    assert (q.issued, q.returned, q.valid, q.total) == (4, 3, 3, 40)  # 20 + 15 + 5
    assert q.score == D(40) / 3
    from jixiao.core.scoring import score
    assert score(evaluation).row("C72").score == D("0.53")


def test_unknown_option_in_sheet_names_sheet_row_column(tmp_path):
    _write_answers(tmp_path / "answers.xlsx", [["A", "A"], ["A", "D"]])
    (tmp_path / "e.yaml").write_text(EVALUATION, encoding="utf-8")
    evaluation, errors = load_evaluation(tmp_path / "e.yaml")
    assert evaluation is None
    assert len(errors) == 1
    assert errors[0].field == "答卷!C3" and "第2题没有选项“D”" in errors[0].message
