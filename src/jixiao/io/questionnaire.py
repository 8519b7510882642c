"""Questionnaire answers as one row per respondent, from an Excel sheet.

The sheet has a header row; after an optional first column 序号/编号, column *i* holds the
option chosen (``A``, ``B``… or the option's full label) for question *i*. Blank rows are
skipped; a row with a blank answer is returned-but-invalid; an unknown option is an error
naming the sheet, row and column.
"""

from __future__ import annotations

from pathlib import Path

from jixiao.core.model import Question, Questionnaire, questionnaire_from_responses

from .yamlio import LoadError


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def read_responses(path: Path, questions: list[Question], qid: str, sheet: str | None = None,
                   title: str = "", issued: int | None = None) -> tuple[Questionnaire | None, list[LoadError]]:
    """Count answers per option from an Excel sheet of respondents."""
    from jixiao.io.safe_zip import ArchiveError, open_workbook

    file = str(path)
    if not Path(path).exists():
        return None, [LoadError(file, None, "", "问卷答卷文件不存在")]
    try:  # read in full here, so that hostile XML fails now and not while iterating rows below
        wb = open_workbook(path, data_only=False)
    except ArchiveError as exc:  # corrupt or hostile (zip bomb, entities, oversized sheet)
        return None, [LoadError(file, None, "", str(exc))]
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            return None, [LoadError(file, None, sheet, f"没有工作表“{sheet}”（现有：{'、'.join(wb.sheetnames)}）")]
        ws = wb[sheet] if sheet else wb.worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
    finally:
        wb.close()
    if not rows:
        return None, [LoadError(file, None, ws.title, "工作表为空")]
    header = rows[0]
    offset = 1 if header and str(header[0] or "").strip() in ("序号", "编号", "问卷编号") else 0
    errors: list[LoadError] = []
    responses: list[list[str | None]] = []
    for r, row in enumerate(rows[1:], start=2):
        cells = list(row[offset:offset + len(questions)]) + [None] * max(0, len(questions) - len(row) + offset)
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        answers: list[str | None] = []
        for i, (q, cell) in enumerate(zip(questions, cells)):
            if cell is None or str(cell).strip() == "":
                answers.append(None)
                continue
            text = str(cell).strip()
            if isinstance(cell, str) and cell.startswith("="):
                errors.append(LoadError(file, None, f"{ws.title}!{_column_letter(i + offset)}{r}", "单元格含公式，请填写选项"))
                answers.append(None)
                continue
            try:
                answers.append(q.option(text).label)
            except KeyError:
                labels = "、".join(o.label for o in q.options)
                errors.append(LoadError(file, None, f"{ws.title}!{_column_letter(i + offset)}{r}",
                                        f"第{i + 1}题没有选项“{text}”（可选：{labels}）"))
                answers.append(None)
        responses.append(answers)
    if errors:
        return None, errors
    return questionnaire_from_responses(qid, questions, responses, title=title, issued=issued), []
