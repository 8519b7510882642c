"""Reading a filled entry workbook back into an ``Evaluation``, or into every error found, each
located at its sheet, cell and column (``填报!H12（实际值）``) — never a partial result. A
workbook made for another framework or version is refused from its ``_meta`` sheet."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import ValidationError

from jixiao.core.model import Evaluation, Framework
from jixiao.core.numbers import fmt
from jixiao.core.rules import Manual
from jixiao.core.scoring import framework_rules_hash
from jixiao.core.versioning import check_code
from jixiao.io.safe_zip import ArchiveError, open_workbook
from jixiao.io.yamlio import LoadError, _message as pydantic_message

from .entry_layout import (ENTRY_COLUMNS, ENTRY_SHEET, FIRST_DATA_ROW, HEADER_ROW, LABELS, META_FORMAT, META_SHEET,
                           PART_SEPARATOR, SCORING_INPUTS, UNIT_FIELDS, UNIT_LEVELS, UNIT_SHEET)
from .entry_rows import (EntryRow, checklist_ids, entry_rows, has_part_rows, incident_kinds, judgement_options,
                         rule_name, value_names)
from .reading import (CellError, is_blank, normalise, read_checks, read_judgement, read_met, read_number, read_pairs,
                      read_text)

def _field(ws_title: str, row: int, column: int, label: str) -> str:
    return f"{ws_title}!{get_column_letter(column)}{row}（{label}）"


@dataclass
class _Reader:
    """Collects every error of one workbook, each located at a sheet, row and column."""

    file: str
    errors: list[LoadError]

    def add(self, field: str, message: str) -> None:
        self.errors.append(LoadError(self.file, None, field, message))


def _open_workbook(path: Path, reader: _Reader):
    if not path.exists():
        reader.add("", "文件不存在")
        return None
    if path.is_dir():
        reader.add("", "这是一个文件夹，不是Excel文件")
        return None
    try:
        return open_workbook(path, data_only=False)
    except ArchiveError as exc:  # zip bombs, oversized sheets, corrupt parts: a Chinese reason
        reader.add("", str(exc))
        return None
    except Exception as exc:  # any parser failure on untrusted bytes is an input error
        hint = "（.xls 等旧格式请用Excel另存为 .xlsx）" if path.suffix.lower() in (".xls", ".et", ".csv") else ""
        reader.add("", f"不是有效的Excel工作簿（.xlsx），无法打开：{type(exc).__name__}{hint}")
        return None


def _read_meta(wb, framework: Framework, reader: _Reader) -> None:
    ws = wb[META_SHEET]
    meta: dict[str, str] = {}
    for row in ws.iter_rows(min_row=1, max_col=2):
        if row[0].value is not None:
            meta[str(row[0].value).strip()] = "" if row[1].value is None else str(row[1].value).strip()
    if meta.get("format") != META_FORMAT:
        reader.add(META_SHEET, "不是 jixiao 生成的填报表（缺少格式标记），请用 jixiao excel template 生成")
        return
    if meta.get("framework_id") != framework.id:
        reader.add(META_SHEET, f"此填报表是为指标体系“{meta.get('framework_id', '')}”生成的，"
                               f"与所选指标体系“{framework.id}”不符")
        return
    expected = framework_rules_hash(framework)  # once per framework object, not per workbook
    if meta.get("framework_version") != framework.version or meta.get("rules_hash") != expected:
        reader.add(META_SHEET, f"此填报表是为指标体系{framework.id}的{meta.get('framework_version', '?')}版"
                               f"（校验码{check_code(meta.get('rules_hash', ''))}）生成的，所选指标体系为{framework.version}版"
                               f"（校验码{check_code(expected)}），规则不同，请用当前指标体系重新生成填报表")


def _read_unit(wb, reader: _Reader) -> tuple[dict[str, Any], dict[str, str]]:
    """The 单位信息 sheet as Evaluation fields, and where each was read (for later errors)."""
    ws = wb[UNIT_SHEET]
    found: dict[str, int] = {}
    for row in ws.iter_rows(min_row=1, max_col=1):
        cell = row[0]
        if isinstance(cell.value, str):
            found.setdefault(cell.value.strip(), cell.row)
    data: dict[str, Any] = {}
    unit: dict[str, Any] = {}
    where: dict[str, str] = {}
    for key, label, _ in UNIT_FIELDS:
        if label not in found:
            reader.add(f"{UNIT_SHEET}!A列", f"缺少“{label}”一行")
            continue
        cell = ws.cell(row=found[label], column=2)
        field = _field(UNIT_SHEET, cell.row, 2, label)
        where[key] = field
        if is_blank(cell):
            if key in ("name", "year"):
                reader.add(field, "必须填写")
            continue
        try:
            if key == "year":
                text = read_text(cell).removesuffix("年").removesuffix("年度")
                if not re.fullmatch(r"\d{4}", normalise(text)):
                    raise CellError(f"须为四位年份（如 2023），实际为“{read_text(cell)}”")
                data["year"] = int(normalise(text))
            elif key == "declared_total":
                data["declared_total"] = read_number(cell)
            elif key == "level":
                level = read_text(cell)
                if level not in UNIT_LEVELS:
                    raise CellError(f"须为{'、'.join(UNIT_LEVELS)}之一，实际为“{level}”")
                unit["level"] = level
            elif key in ("name", "region"):
                unit[key] = read_text(cell)
            else:
                data[key] = read_text(cell)
        except CellError as exc:
            reader.add(field, str(exc))
    data["unit"] = unit
    return data, where


def _read_header(ws: Worksheet, reader: _Reader) -> dict[str, int] | None:
    columns: dict[str, int] = {}
    headers = {c.header: c.key for c in ENTRY_COLUMNS}
    for cell in ws[HEADER_ROW]:
        if isinstance(cell.value, str) and cell.value.strip() in headers:
            columns.setdefault(headers[cell.value.strip()], cell.column)
    missing = [c.header for c in ENTRY_COLUMNS if (c.input or c.key == "code") and c.key not in columns]
    if missing:
        reader.add(f"{ENTRY_SHEET}!第{HEADER_ROW}行", f"缺少列：{'、'.join(missing)}")
        return None
    return columns


def _read_input(cell, key: str, row: EntryRow) -> Any:
    """One input cell of a row, parsed and checked against the row's rule."""
    rule = row.rule
    if key in ("actual", "manual", "declared", "reference", "override"):
        value = read_number(cell)
        if key == "manual" and isinstance(rule, Manual) and not (0 <= value <= row.weight):
            raise CellError(f"人工得分须在0～{fmt(row.weight)}分之间，实际为{fmt(value)}分")
        return value
    if key == "met":
        return read_met(cell)
    if key == "checks":
        return read_checks(cell, checklist_ids(rule) if rule is not None else [])
    if key == "incidents":
        incidents = read_pairs(cell, "扣分事项", "迟报:1;错报:0", incident_kinds(rule) if rule is not None else [])
        negative = [k for k, v in incidents.items() if v < 0]
        if negative:
            raise CellError(f"扣分事项“{'、'.join(negative)}”的次数不能为负")
        return incidents
    if key == "values":  # names are checked where the rule reads them; elsewhere they are for the record
        known = value_names(rule) if rule is not None and "values" in row.reads else []
        return read_pairs(cell, "分项数值", "职工:100;居民:98", known)
    if key == "judgement":
        labels, accepted = judgement_options(rule, row.indicator) if rule is not None else ([], set())
        return read_judgement(cell, labels, accepted)
    text = read_text(cell)
    if key == "not_applicable" and not text:
        raise CellError("不适用理由不能为空")
    return text


def _refusal(row: EntryRow, key: str) -> str:
    """Why a row does not take an input column (the cell is locked in the template)."""
    label = LABELS[key]
    if row.kind == "part":
        if key in SCORING_INPUTS:
            return f"此分项的计分规则（{rule_name(row.rule)}）不使用“{label}”"
        return "规则分项行只填计分数据和实际完成情况，此列请填在所属指标行"
    if key == "not_applicable":
        return "分项不能单独标为不适用，请在所属指标行填写不适用理由"
    if row.rule is None or has_part_rows(row.rule):
        return f"此行不填“{label}”，请在下方分项行中填写"
    hint = "；改定得分请填“人工改分”和“改分理由”" if key == "manual" else ""
    return f"此行的计分规则（{rule_name(row.rule)}）不使用“{label}”{hint}"


def _read_rows(ws: Worksheet, framework: Framework, columns: dict[str, int], reader: _Reader,
               file: str) -> tuple[dict[str, dict], dict[str, int]]:
    """Inputs by indicator code (parts nested under ``parts``) and the sheet row of each code."""
    by_code = {row.code: row for row in entry_rows(framework)}
    inputs: dict[str, dict] = {}
    seen: dict[str, int] = {}
    code_col = columns["code"]
    input_keys = [c.key for c in ENTRY_COLUMNS if c.input]
    for r in range(FIRST_DATA_ROW, ws.max_row + 1):
        code_cell = ws.cell(row=r, column=code_col)
        cells = {key: ws.cell(row=r, column=columns[key]) for key in input_keys}
        filled = {key: cell for key, cell in cells.items() if not is_blank(cell)}
        code = read_text(code_cell) if code_cell.data_type not in ("f", "e") else ""
        if not code:
            if filled:
                reader.add(_field(ENTRY_SHEET, r, code_col, "编码"), "此行填写了内容，但缺少指标编码")
            continue
        row = by_code.get(code)
        if row is None:
            reader.add(_field(ENTRY_SHEET, r, code_col, "编码"), f"未知的指标编码“{code}”（指标体系{framework.id}中没有）")
            continue
        if code in seen:
            reader.add(_field(ENTRY_SHEET, r, code_col, "编码"), f"指标编码“{code}”重复（已在第{seen[code]}行）")
            continue
        seen[code] = r
        item: dict[str, Any] = {}
        for key, cell in filled.items():
            label = LABELS[key]
            field = _field(ENTRY_SHEET, r, columns[key], label)
            if key not in row.allowed:
                reader.add(field, _refusal(row, key))
                continue
            try:
                item[key] = _read_input(cell, key, row)
            except CellError as exc:
                reader.add(field, str(exc))
                item[key] = None  # present but invalid: already reported
        _pair_override(item, r, columns, reader)
        item = {k: v for k, v in item.items() if v is not None}
        if not item:
            continue
        item["loc"] = {"file": file, "line": r}
        if row.kind == "part":
            owner = inputs.setdefault(row.owner, {})
            owner.setdefault("parts", {})[row.part.name] = item
        else:
            inputs.setdefault(code, {}).update(item)
    return inputs, seen


def _pair_override(item: dict[str, Any], r: int, columns: dict[str, int], reader: _Reader) -> None:
    """人工改分 and 改分理由 go together into ``override``; one without the other is an error.
    (A cell that was present but invalid holds None here and has been reported already.)"""
    has_score, has_reason = "override" in item, "override_reason" in item
    score, reason = item.pop("override", None), item.pop("override_reason", None)
    if score is not None and reason:
        item["override"] = {"score": score, "reason": reason}
    elif has_score and not has_reason:
        reader.add(_field(ENTRY_SHEET, r, columns["override_reason"], "改分理由"), "填写人工改分时须写明改分理由")
    elif has_reason and not has_score:
        reader.add(_field(ENTRY_SHEET, r, columns["override"], "人工改分"), "填写了改分理由，但缺少人工改分")


def import_entry_workbook(path: str | Path, framework: Framework) -> tuple[Evaluation | None, list[LoadError]]:
    """Read a filled entry workbook into an Evaluation against ``framework``.

    Returns ``(evaluation, [])`` or ``(None, errors)``: every error found (not only the first),
    each a LoadError whose ``field`` names the sheet, cell and column (``填报!H12（实际值）``).
    A workbook made for another framework or version, a file that is not an .xlsx, missing
    sheets or columns stop reading after those errors; cell errors are all collected. The
    evaluation's ``loc`` lines are worksheet rows.
    """
    path = Path(path)
    file = str(path)
    reader = _Reader(file, [])
    wb = _open_workbook(path, reader)
    if wb is None:
        return None, reader.errors
    try:
        missing = [name for name in (ENTRY_SHEET, UNIT_SHEET, META_SHEET)
                   if name not in wb.sheetnames or not isinstance(wb[name], Worksheet)]
        for name in missing:
            reader.add(name, f"缺少工作表“{name}”" + ("，不是 jixiao 生成的填报表" if name == META_SHEET else ""))
        if missing:
            return None, reader.errors
        _read_meta(wb, framework, reader)
        if reader.errors:
            return None, reader.errors
        ws = wb[ENTRY_SHEET]
        columns = _read_header(ws, reader)
        body, unit_fields = _read_unit(wb, reader)
        if columns is None:
            return None, reader.errors
        inputs, rows = _read_rows(ws, framework, columns, reader, file)
    finally:
        wb.close()
    if reader.errors:
        return None, reader.errors
    body.update(framework=framework, inputs=inputs, loc={"file": file, "line": None})
    try:
        return Evaluation.model_validate(body), []
    except ValidationError as exc:
        for err in exc.errors():
            reader.add(_locate(err["loc"], columns, rows, unit_fields), pydantic_message(err))
        return None, reader.errors


_INPUT_FIELDS = {c.key for c in ENTRY_COLUMNS if c.input}


def _locate(loc: tuple, columns: dict[str, int], rows: dict[str, int], unit_fields: dict[str, str]) -> str:
    """The cell a pydantic error location points at, as ``填报!H12（实际值）``, or the sheet."""
    if loc[:1] == ("inputs",) and len(loc) >= 2 and str(loc[1]) in rows:
        code, rest = str(loc[1]), loc[2:]
        if rest[:1] == ("parts",) and len(rest) >= 2 and f"{code}{PART_SEPARATOR}{rest[1]}" in rows:
            code, rest = f"{code}{PART_SEPARATOR}{rest[1]}", rest[2:]
        r = rows[code]
        key = str(rest[0]) if rest else "code"
        if key in _INPUT_FIELDS:
            label = LABELS[key]
            return _field(ENTRY_SHEET, r, columns[key], label)
        return _field(ENTRY_SHEET, r, columns["code"], "编码")
    if loc[:1] == ("unit",) and len(loc) >= 2 and str(loc[1]) in unit_fields:
        return unit_fields[str(loc[1])]
    if loc and str(loc[0]) in unit_fields:
        return unit_fields[str(loc[0])]
    return ENTRY_SHEET
