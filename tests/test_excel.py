"""Excel: the printable score table, the entry workbook and its import, the CLI.

Files are written to tmp_path and read back with openpyxl; assertions are on real cell values.
"""

import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

from conftest import EXAMPLES
from jixiao.cli.excel import excel_app, framework_ref_for
from jixiao.core.audit import audit
from jixiao.core.versioning import check_code
from jixiao.core.model import Evaluation
from jixiao.core.scoring import score
from jixiao.io.excel import (entry_rows, evaluation_to_yaml, export_entry_workbook, export_score_table,
                             import_entry_workbook, parse_number_text, read_number)
from jixiao.io.yamlio import load_evaluation, load_framework

NANJING = EXAMPLES / "nanjing-2023-department.yaml"
SEED004 = EXAMPLES / "seed004-2023-capability.yaml"


def load(path: Path) -> Evaluation:
    evaluation, errors = load_evaluation(path)
    assert not errors, errors
    return evaluation


@pytest.fixture(scope="module")
def nanjing() -> Evaluation:
    return load(NANJING)


def exact(value) -> Decimal:
    """A numeric cell as read by openpyxl, exactly (as the importer reads it)."""
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def row_where(ws, column: int, predicate) -> int:
    for r in range(1, ws.max_row + 1):
        value = ws.cell(row=r, column=column).value
        if isinstance(value, str) and predicate(value):
            return r
    raise AssertionError("row not found")


def merged_span(ws, row: int, column: int) -> int:
    """Rows covered by the merged range whose top-left cell is (row, column); 1 if not merged."""
    for rng in ws.merged_cells.ranges:
        if rng.min_row == row and rng.min_col == column:
            return rng.max_row - rng.min_row + 1
    return 1


# --- score table ----------------------------------------------------------------------


def test_layout_000_rows_total_merges_and_footer(tmp_path, nanjing):
    sheet = score(nanjing)
    out = export_score_table(sheet, tmp_path / "得分表.xlsx", "000", audit(sheet))
    wb = load_workbook(out)
    ws = wb["指标体系得分情况"]
    assert [c.value for c in ws[2]] == ["一级指标", "二级指标", "三级指标", "权重", "目标值", "评分标准", "评分过程", "得分"]
    title = ws["A1"].value
    assert "南京市医疗保险管理中心" in title and "2023" in title and "部门整体支出绩效评价指标体系" in title

    r = row_where(ws, 3, lambda v: v.startswith("B11"))
    assert ws.cell(r, 3).value == "B11部门预算执行率"
    assert exact(ws.cell(r, 4).value) == Decimal("2")
    assert ws.cell(r, 5).value == "100%"
    assert ws.cell(r, 8).data_type == "n" and exact(ws.cell(r, 8).value) == Decimal("1.98")
    assert ws.cell(r, 8).number_format == "0.00"
    process = ws.cell(r, 7).value
    assert "扣0.02分" in process and "预算执行率为99.81%" in process

    total = row_where(ws, 1, lambda v: v == "合计")
    assert exact(ws.cell(total, 4).value) == Decimal("100")
    assert exact(ws.cell(total, 8).value) == Decimal("96.65")
    footer = ws.cell(total + 1, 1).value
    assert "等级：优" in footer and f"校验码 {check_code(sheet.rules_hash)}" in footer and "v2023" in footer

    a = row_where(ws, 1, lambda v: v.startswith("A部门决策"))
    assert ws.cell(a, 1).value == "A部门决策（15分）"
    assert merged_span(ws, a, 1) == 7  # A11 A21 A22 A31 A32 A41 A42
    b1 = row_where(ws, 2, lambda v: v.startswith("B1预算执行"))
    assert merged_span(ws, b1, 2) == 4

    # the declared 1 of B63 differs from the computed 0.8: kept as a comment beside the score
    b63 = row_where(ws, 3, lambda v: v.startswith("B63"))
    assert exact(ws.cell(b63, 8).value) == Decimal("0.8")
    assert "申报得分1分" in ws.cell(b63, 8).comment.text
    assert ws.cell(b63, 6).font.name == "宋体"
    assert ws.cell(b63, 6).alignment.wrap_text and ws.cell(b63, 6).border.left.style == "thin"

    findings = wb["核查发现"]
    assert [c.value for c in findings[1]][:4] == ["编码", "类别", "说明", "位置"]
    codes = [findings.cell(i, 1).value for i in range(2, findings.max_row + 1)]
    assert len(codes) == len(audit(sheet)) and "B63" in codes and "总分" in codes


def test_print_setup(tmp_path, nanjing):
    ws = load_workbook(export_score_table(score(nanjing), tmp_path / "t.xlsx"))["指标体系得分情况"]
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage and int(ws.page_setup.fitToWidth) == 1
    assert int(ws.page_setup.fitToHeight) == 0
    assert ws.print_title_rows in ("2:2", "$2:$2")
    assert ws.column_dimensions["F"].width > ws.column_dimensions["D"].width


def test_layout_004_with_nanjing(tmp_path, nanjing):
    sheet = score(nanjing)
    ws = load_workbook(export_score_table(sheet, tmp_path / "t.xlsx", "004")).active
    assert [c.value for c in ws[2]] == ["一级指标", "二级指标", "三级指标", "标准值", "评分标准", "分值", "指标说明", "得分",
                                        "实际完成情况"]
    r = row_where(ws, 3, lambda v: v == "部门预算执行率")  # no codes in this layout, as in seed 004
    assert ws.cell(r, 4).value == "100%"
    assert exact(ws.cell(r, 6).value) == Decimal("2")
    assert exact(ws.cell(r, 8).value) == Decimal("1.98")
    assert "实际支出数为5200.47" in ws.cell(r, 9).value
    total = row_where(ws, 1, lambda v: v == "合计")
    assert exact(ws.cell(total, 6).value) == Decimal("100") and exact(ws.cell(total, 8).value) == Decimal("96.65")
    assert merged_span(ws, row_where(ws, 1, lambda v: v.startswith("部门决策")), 1) == 7
    assert "核查发现" not in load_workbook(tmp_path / "t.xlsx").sheetnames  # no findings given


def test_layout_004_with_seed004(tmp_path):
    evaluation = load(SEED004)
    sheet = score(evaluation)
    ws = load_workbook(export_score_table(sheet, tmp_path / "t.xlsx", "004")).active
    top = row_where(ws, 1, lambda v: v.startswith("项目决策"))
    assert ws.cell(top, 1).value == "项目决策（18分）"
    group_a = sum(1 for row in sheet.rows if row.path[0].code == "A" and not row.indicator.subrows)
    assert merged_span(ws, top, 1) == group_a
    total = row_where(ws, 1, lambda v: v == "合计")
    assert exact(ws.cell(total, 8).value) == sheet.total
    assert exact(ws.cell(total, 6).value) == sheet.weight_total


def test_unknown_layout_is_refused(tmp_path, nanjing):
    with pytest.raises(ValueError, match="未知的表格样式"):
        export_score_table(score(nanjing), tmp_path / "t.xlsx", "005")


def test_formula_injection_is_stored_as_text(tmp_path):
    text = NANJING.read_text(encoding="utf-8")
    text = text.replace("criteria: 部门建立了关于重大经济活动、重大资金安排的决策制度，得1分；决策制度科学可行，得1分；上述决策流程设计规范合理，得1分。有一项未达标扣1分。",
                        """criteria: '=HYPERLINK("http://example.com/x","点击查看")'""")
    text = text.replace("evidence: 2023年专项资金执行率99.11%。根据评分标准，扣除0.13分。", "evidence: \"@SUM(1+1)*cmd|' /C calc'!A0\"")
    source = tmp_path / "injected.yaml"
    source.write_text(text, encoding="utf-8")
    evaluation = load(source)
    assert evaluation.framework.indicator("A11").criteria.startswith("=HYPERLINK")
    sheet = score(evaluation)
    table = export_score_table(sheet, tmp_path / "table.xlsx", "000", audit(sheet))
    entry = export_entry_workbook(evaluation.framework, tmp_path / "entry.xlsx")

    ws = load_workbook(table).active
    a11 = row_where(ws, 3, lambda v: v.startswith("A11"))
    cell = ws.cell(a11, 6)
    assert cell.value == '=HYPERLINK("http://example.com/x","点击查看")'
    assert cell.data_type == "s" and cell.quotePrefix
    b12 = row_where(ws, 3, lambda v: v.startswith("B12"))
    assert ws.cell(b12, 7).data_type == "s" and ws.cell(b12, 7).value.startswith("@SUM")
    entry_ws = load_workbook(entry)["填报"]
    a11 = row_where(entry_ws, 1, lambda v: v == "A11")
    assert entry_ws.cell(a11, 7).data_type == "s" and entry_ws.cell(a11, 7).value.startswith("=HYPERLINK")
    for path in (table, entry):  # no formula element anywhere in the saved sheets
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/sheet"):
                    assert b"<f>" not in z.read(name) and b"<f " not in z.read(name)


# --- entry workbook: template ---------------------------------------------------------


def test_entry_workbook_structure(tmp_path, nanjing):
    path = export_entry_workbook(nanjing.framework, tmp_path / "填报表.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["填报", "单位信息", "说明", "_meta"]
    assert wb["_meta"].sheet_state == "veryHidden"
    meta = {wb["_meta"].cell(r, 1).value: wb["_meta"].cell(r, 2).value for r in range(1, wb["_meta"].max_row + 1)}
    assert meta["framework_id"] == "nanjing-2023-department" and meta["framework_version"] == "2023"
    assert meta["rules_hash"] == score(nanjing).rules_hash

    ws = wb["填报"]
    headers = [c.value for c in ws[2]]
    assert headers[:8] == ["编码", "一级指标", "二级指标", "三级指标", "分值", "目标值", "评分标准", "实际值"]
    assert {"达标（是/否）", "满足要点", "扣分事项", "评定等级", "人工得分", "不适用理由", "申报得分",
            "实际完成情况/评分过程"} <= set(headers)
    assert ws.protection.sheet
    codes = [ws.cell(r, 1).value for r in range(3, ws.max_row + 1)]
    assert codes[:3] == ["A11", "A21", "A22"] and "B22/收入管理" in codes and "B22/支出管理" in codes
    b11 = codes.index("B11") + 3
    assert ws.cell(b11, 1).protection.locked and ws.cell(b11, 7).protection.locked  # read-only, shaded
    assert ws.cell(b11, 7).fill.fgColor.rgb.endswith("EDEDED")
    assert not ws.cell(b11, 8).protection.locked  # 实际值: input
    assert ws.cell(b11, 8).fill.fgColor.rgb.endswith("FFF2CC")  # what this rule reads
    assert ws.cell(b11, 10).protection.locked  # 满足要点 means nothing to a deduct_per_unit rule
    a11 = codes.index("A11") + 3
    assert not ws.cell(a11, 10).protection.locked and "1.建立了重大经济活动" in ws.cell(a11, headers.index("填写说明") + 1).value

    lists = {dv.formula1: str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert '"是,否"' in lists
    a21 = codes.index("A21") + 3
    assert f"L{a21}" in lists['"明确,明确性不足,不明确,未制定"']
    help_text = " ".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value)
    assert "要点计分（checklist）" in help_text and "扣分计分（per_incident）" in help_text
    units = [wb["单位信息"].cell(r, 1).value for r in range(2, 9)]
    assert units == ["单位名称", "单位级别", "所在地区", "评价年度", "评价标题", "申报总分", "申报等级"]


def _cells_for(evaluation: Evaluation, item) -> dict[str, object]:
    """What a clerk would type for one recorded input, by column header."""
    actual = item.actual
    if item.actual_from:
        actual = evaluation.metrics[item.actual_from].value
    if item.questionnaire:
        actual = evaluation.questionnaire(item.questionnaire).score
    cells = {
        "实际值": actual,
        "达标（是/否）": None if item.met is None else ("是" if item.met else "否"),
        "满足要点": None if item.checks is None else (",".join(item.checks) or "无"),
        "扣分事项": ";".join(f"{k}:{v}" for k, v in item.incidents.items()) or None,
        "评定等级": item.judgement, "人工得分": item.manual, "不适用理由": item.not_applicable,
        "申报得分": item.declared, "实际完成情况/评分过程": item.evidence or None,
        "分项数值": ";".join(f"{k}:{v}" for k, v in item.values.items()) or None, "参照值": item.reference,
        "人工改分": item.override.score if item.override else None,
        "改分理由": item.override.reason if item.override else None,
    }
    return {k: v for k, v in cells.items() if v is not None}


def fill_from(path: Path, evaluation: Evaluation) -> None:
    """Fill an entry workbook from an evaluation's inputs, as a clerk would: only into the
    unlocked cells; a part row takes the part's own input or else the indicator's."""
    wb = load_workbook(path)
    ws = wb["填报"]
    column = {c.value: c.column for c in ws[2]}
    for r in range(3, ws.max_row + 1):
        code = ws.cell(r, 1).value
        owner, _, part = code.partition("/")
        item = evaluation.inputs.get(owner)
        if item is None:
            continue
        if part:
            item = item.parts.get(part) or item.model_copy(update={"declared": None, "evidence": "", "override": None})
        for header, value in _cells_for(evaluation, item).items():
            cell = ws.cell(r, column[header])
            if not cell.protection.locked:
                cell.value = value
    units = wb["单位信息"]
    where = {units.cell(r, 1).value: r for r in range(1, units.max_row + 1)}
    units.cell(where["单位名称"], 2).value = evaluation.unit.name
    units.cell(where["单位级别"], 2).value = evaluation.unit.level
    units.cell(where["所在地区"], 2).value = evaluation.unit.region or None
    units.cell(where["评价年度"], 2).value = evaluation.year
    if evaluation.declared_total is not None:
        units.cell(where["申报总分"], 2).value = evaluation.declared_total
    wb.save(path)


def test_round_trip_nanjing(tmp_path, nanjing):
    path = export_entry_workbook(nanjing.framework, tmp_path / "填报表.xlsx")
    fill_from(path, nanjing)
    imported, errors = import_entry_workbook(path, nanjing.framework)
    assert errors == []
    assert imported.unit == nanjing.unit and imported.year == 2023 and imported.declared_total == Decimal("99.85")
    assert imported.inputs["B12"].actual == Decimal("99.11")  # exactly, no binary noise
    assert imported.inputs["B63"].checks == ("1", "2", "3", "5")
    assert imported.inputs["B22"].parts["支出管理"].incidents == {"支出不符合制度": Decimal(0)}
    original, again = score(nanjing), score(imported)
    assert again.total == original.total == Decimal("96.65")
    assert [(r.code, r.score) for r in again.rows] == [(r.code, r.score) for r in original.rows]
    assert {(f.code, f.kind) for f in audit(again)} == {(f.code, f.kind) for f in audit(original)}

    # the YAML written for `jixiao score`, with the framework referenced as given
    out = tmp_path / "评价.yaml"
    out.write_text(evaluation_to_yaml(imported, framework_ref=str(NANJING)), encoding="utf-8")
    assert "actual: 99.11" in out.read_text(encoding="utf-8")
    reloaded = load(out)
    assert score(reloaded).total == Decimal("96.65")


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_round_trip_every_example(tmp_path, example):
    evaluation, errors = load_evaluation(example)
    assert errors == []
    path = export_entry_workbook(evaluation.framework, tmp_path / "填报表.xlsx")
    fill_from(path, evaluation)
    imported, errors = import_entry_workbook(path, evaluation.framework)
    assert errors == []
    original, again = score(evaluation), score(imported)
    assert [(r.code, r.score) for r in again.rows] == [(r.code, r.score) for r in original.rows]
    assert again.total == original.total
    for source in (evaluation, imported):  # the YAML of both, framework inline, loads and scores the same
        out = tmp_path / "again.yaml"
        out.write_text(evaluation_to_yaml(source), encoding="utf-8")
        assert score(load(out)).total == original.total


SUBROW_FRAMEWORK = """
id: test-subrows
name: 分项测试指标体系
kind: 部门整体
version: "1"
total: 10
groups:
  - code: A
    name: 管理
    points: 10
    groups:
      - code: A1
        name: 基金管理
        indicators:
          - code: A11
            name: 基金管理工作
            weight: 6
            subrows:
              - code: A11-1
                name: 基金核对
                weight: 2
                criteria: 每错误一次扣1分
                rule: {type: per_incident, deductions: [{kind: 错误, points: 1}]}
              - code: A11-2
                name: 基金及时支付
                weight: 4
                criteria: 职工、城乡居民分别计算，各占1/2
                rule:
                  type: sum
                  parts:
                    - {name: 职工, weight: 2, rule: {type: binary}}
                    - {name: 城乡居民, weight: 2, rule: {type: binary}}
          - code: A12
            name: 档案管理
            weight: 2
            rule: {type: graded, levels: [{label: 规范, points: 2}, {label: 基本规范, points: 1}]}
          - code: A13
            name: 酌情计分
            weight: 2
"""


@pytest.fixture
def subrow_framework(tmp_path):
    path = tmp_path / "subrows.yaml"
    path.write_text(SUBROW_FRAMEWORK, encoding="utf-8")
    framework, errors = load_framework(path)
    assert not errors, errors
    return framework


def _filled(path: Path, values: dict[tuple[str, str], object], unit=("某医保中心", 2023)) -> Path:
    """Fill cells by (code, header); returns the path."""
    wb = load_workbook(path)
    ws = wb["填报"]
    column = {c.value: c.column for c in ws[2]}
    rows = {ws.cell(r, 1).value: r for r in range(3, ws.max_row + 1)}
    for (code, header), value in values.items():
        ws.cell(rows[code], column[header]).value = value
    if unit:
        wb["单位信息"]["B2"] = unit[0]
        wb["单位信息"]["B5"] = unit[1]
    wb.save(path)
    return path


def test_subrows_and_parts(tmp_path, subrow_framework):
    rows = entry_rows(subrow_framework)
    assert [(r.code, r.kind) for r in rows] == [
        ("A11", "indicator"), ("A11-1", "subrow"), ("A11-2", "subrow"), ("A11-2/职工", "part"),
        ("A11-2/城乡居民", "part"), ("A12", "indicator"), ("A13", "indicator")]
    path = export_entry_workbook(subrow_framework, tmp_path / "t.xlsx")
    _filled(path, {("A11-1", "扣分事项"): "错误:1", ("A11-2/职工", "达标（是/否）"): "是",
                   ("A11-2/城乡居民", "达标（是/否）"): "否", ("A11", "申报得分"): "5",
                   ("A12", "评定等级"): "基本规范", ("A13", "人工得分"): "1.5", ("A13", "申报得分"): 2})
    evaluation, errors = import_entry_workbook(path, subrow_framework)
    assert errors == []
    assert evaluation.inputs["A11-2"].parts["职工"].met is True
    sheet = score(evaluation)
    assert [(r.code, r.score) for r in sheet.rows] == [
        ("A11", Decimal("3.00")), ("A11-1", Decimal("1.00")), ("A11-2", Decimal("2.00")),
        ("A12", Decimal("1.00")), ("A13", Decimal("1.50"))]

    # the score table prints sub-rows under one merged indicator cell
    ws = load_workbook(export_score_table(sheet, tmp_path / "table.xlsx")).active
    a11 = row_where(ws, 3, lambda v: v.startswith("A11基金管理工作"))
    assert merged_span(ws, a11, 3) == 2
    assert ws.cell(a11, 6).value.startswith("〔A11-1基金核对〕")
    assert exact(ws.cell(a11, 8).value) == 1 and exact(ws.cell(a11 + 1, 8).value) == 2


def test_subrow_cannot_be_marked_not_applicable(tmp_path, subrow_framework):
    path = _filled(export_entry_workbook(subrow_framework, tmp_path / "t.xlsx"),
                   {("A11-1", "不适用理由"): "无此业务", ("A11", "实际值"): "3"})
    evaluation, errors = import_entry_workbook(path, subrow_framework)
    assert evaluation is None
    fields = {e.field: e.message for e in errors}
    assert "分项不能单独标为不适用" in fields["填报!N4（不适用理由）"]
    assert "请在下方分项行中填写" in fields["填报!H3（实际值）"]


# --- entry workbook: errors -----------------------------------------------------------


def _nanjing_workbook(tmp_path, nanjing) -> Path:
    path = export_entry_workbook(nanjing.framework, tmp_path / "填报表.xlsx")
    fill_from(path, nanjing)
    return path


def _set(path: Path, sheet: str, cell: str, value) -> Path:
    wb = load_workbook(path)
    wb[sheet][cell] = value
    wb.save(path)
    return path


def _entry_row(path: Path, code: str) -> int:
    ws = load_workbook(path)["填报"]
    return row_where(ws, 1, lambda v: v == code)


def test_bad_number_names_sheet_row_and_column(tmp_path, nanjing):
    path = _nanjing_workbook(tmp_path, nanjing)
    r = _entry_row(path, "B12")
    _set(path, "填报", f"H{r}", "九十九点一一")
    evaluation, errors = import_entry_workbook(path, nanjing.framework)
    assert evaluation is None
    assert len(errors) == 1
    error = errors[0]
    assert error.file == str(path) and error.field == f"填报!H{r}（实际值）"
    assert "不是有效数字" in error.message
    assert str(error) == f"{path}: 填报!H{r}（实际值）: “九十九点一一”不是有效数字"


def test_unknown_code(tmp_path, nanjing):
    path = _nanjing_workbook(tmp_path, nanjing)
    r = _entry_row(path, "C11")
    _set(path, "填报", f"A{r}", "Z99")
    evaluation, errors = import_entry_workbook(path, nanjing.framework)
    assert evaluation is None
    assert [(e.field, e.message) for e in errors] == [
        (f"填报!A{r}（编码）", "未知的指标编码“Z99”（指标体系nanjing-2023-department中没有）")]


def test_workbook_for_another_framework_version_or_framework(tmp_path, nanjing):
    newer = nanjing.framework.model_copy(update={"version": "2024"})
    path = export_entry_workbook(newer, tmp_path / "2024.xlsx")
    evaluation, errors = import_entry_workbook(path, nanjing.framework)
    assert evaluation is None and len(errors) == 1
    assert errors[0].field == "_meta" and "2024版" in errors[0].message and "重新生成" in errors[0].message

    other, fw_errors = load_framework("builtin:national-capability-2023")
    assert not fw_errors
    evaluation, errors = import_entry_workbook(_nanjing_workbook(tmp_path, nanjing), other)
    assert evaluation is None and "national-capability-2023" in errors[0].message


def test_rules_changed_under_the_same_version_is_refused(tmp_path, nanjing):
    changed = nanjing.framework.model_copy(update={"places": 3})  # same version, another rules hash
    path = export_entry_workbook(changed, tmp_path / "t.xlsx")
    evaluation, errors = import_entry_workbook(path, nanjing.framework)
    assert evaluation is None and len(errors) == 1 and "校验码" in errors[0].message


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 truncated", bytes(range(256)) * 20, b"a,b,c\n1,2,3\n"],
                         ids=["empty", "truncated-zip", "random", "csv"])
def test_not_an_xlsx(tmp_path, nanjing, content):
    path = tmp_path / "填报表.xlsx"
    path.write_bytes(content)
    evaluation, errors = import_entry_workbook(path, nanjing.framework)
    assert evaluation is None and len(errors) == 1
    assert "不是有效的Excel工作簿" in errors[0].message


def test_truncated_real_workbook(tmp_path, nanjing):
    data = _nanjing_workbook(tmp_path, nanjing).read_bytes()
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(data[: len(data) // 2])
    evaluation, errors = import_entry_workbook(broken, nanjing.framework)
    assert evaluation is None and "不是有效的Excel工作簿" in errors[0].message
    evaluation, errors = import_entry_workbook(tmp_path / "missing.xlsx", nanjing.framework)
    assert evaluation is None and errors[0].message == "文件不存在"


def test_missing_sheets(tmp_path, nanjing):
    path = _nanjing_workbook(tmp_path, nanjing)
    wb = load_workbook(path)
    del wb["单位信息"]
    del wb["_meta"]
    wb.save(path)
    evaluation, errors = import_entry_workbook(path, nanjing.framework)
    assert evaluation is None
    assert [e.field for e in errors] == ["单位信息", "_meta"]
    assert "缺少工作表“单位信息”" in errors[0].message


def test_formula_cell_is_an_error_not_evaluated(tmp_path, nanjing):
    path = _nanjing_workbook(tmp_path, nanjing)
    r = _entry_row(path, "C11")
    _set(path, "填报", f"H{r}", "=548.05*1.002")
    evaluation, errors = import_entry_workbook(path, nanjing.framework)
    assert evaluation is None
    assert errors[0].field == f"填报!H{r}（实际值）" and "公式" in errors[0].message and "=548.05*1.002" in errors[0].message


def test_all_errors_are_collected(tmp_path, nanjing):
    path = _nanjing_workbook(tmp_path, nanjing)
    rows = {code: _entry_row(path, code) for code in ("A11", "A21", "B12", "B51", "C11", "C21", "D11")}
    wb = load_workbook(path)
    ws = wb["填报"]
    ws[f"J{rows['A11']}"] = "1，2，9"  # item 9 does not exist
    ws[f"L{rows['A21']}"] = "非常明确"  # not a level
    ws[f"H{rows['B12']}"] = "abc"
    ws[f"K{rows['B51']}"] = "缺失模块"  # no count
    ws[f"I{rows['C21']}"] = "也许"
    ws[f"S{rows['C11']}"] = 4  # 人工改分 without a reason
    ws[f"A{rows['D11']}"] = "D99"
    wb["单位信息"]["B5"] = "去年"
    wb.save(path)
    evaluation, errors = import_entry_workbook(path, nanjing.framework)
    assert evaluation is None
    got = {e.field: e.message for e in errors}
    assert got == {
        "单位信息!B5（评价年度）": "须为四位年份（如 2023），实际为“去年”",
        f"填报!J{rows['A11']}（满足要点）": "没有评分要点“9”（可选：1、2、3）",
        f"填报!L{rows['A21']}（评定等级）": "没有评定等级“非常明确”（可选：明确、明确性不足、不明确、未制定）",
        f"填报!H{rows['B12']}（实际值）": "“abc”不是有效数字",
        f"填报!K{rows['B51']}（扣分事项）": "扣分事项须为“名称:数值”，多项以分号分隔（如 迟报:1;错报:0），实际为“缺失模块”",
        f"填报!I{rows['C21']}（达标）": "须填“是”或“否”，实际为“也许”",
        f"填报!T{rows['C11']}（改分理由）": "填写人工改分时须写明改分理由",
        f"填报!A{rows['D11']}（编码）": "未知的指标编码“D99”（指标体系nanjing-2023-department中没有）",
    }
    assert all(e.file == str(path) and e.line is None for e in errors)


def test_checks_must_be_numbers_list(tmp_path, nanjing):
    path = _nanjing_workbook(tmp_path, nanjing)
    r = _entry_row(path, "A11")
    _set(path, "填报", f"J{r}", "1;2;甲:乙")
    _, errors = import_entry_workbook(path, nanjing.framework)
    assert errors[0].message.startswith("满足要点须为逗号分隔的编号")


def test_locked_columns_and_manual_score_are_refused(tmp_path, nanjing):
    path = _nanjing_workbook(tmp_path, nanjing)
    r = _entry_row(path, "B11")
    _set(path, "填报", f"M{r}", 2)  # 人工得分 on a deduct_per_unit row
    _, errors = import_entry_workbook(path, nanjing.framework)
    assert errors[0].field == f"填报!M{r}（人工得分）"
    assert "不使用“人工得分”" in errors[0].message and "人工改分" in errors[0].message


def test_unit_sheet_required_fields(tmp_path, nanjing):
    path = _nanjing_workbook(tmp_path, nanjing)
    _set(path, "单位信息", "B2", None)
    _set(path, "单位信息", "B3", "乡")
    _, errors = import_entry_workbook(path, nanjing.framework)
    assert {e.field: e.message for e in errors} == {"单位信息!B2（单位名称）": "必须填写",
                                                   "单位信息!B3（单位级别）": "须为省、市、县、区之一，实际为“乡”"}


def test_model_errors_point_at_the_sheet(tmp_path, subrow_framework):
    path = _filled(export_entry_workbook(subrow_framework, tmp_path / "t.xlsx"),
                   {("A11", "不适用理由"): "无此业务", ("A12", "不适用理由"): "无", ("A13", "不适用理由"): "无"})
    evaluation, errors = import_entry_workbook(path, subrow_framework)
    assert evaluation is None
    assert [(e.field, e.message) for e in errors] == [("填报", "全部指标均标为不适用，无法计分")]


def test_override_with_reason(tmp_path, subrow_framework):
    path = _filled(export_entry_workbook(subrow_framework, tmp_path / "t.xlsx"),
                   {("A12", "人工改分"): "2", ("A12", "改分理由"): "复核后认定规范"})
    evaluation, errors = import_entry_workbook(path, subrow_framework)
    assert errors == []
    assert evaluation.inputs["A12"].override.reason == "复核后认定规范"
    assert score(evaluation).row("A12").score == Decimal("2.00")


# --- numbers --------------------------------------------------------------------------


@pytest.mark.parametrize("text, value", [("99.81", "99.81"), ("99.81%", "99.81"), ("９９．８１％", "99.81"),
                                         (" 1,234.5 ", "1234.5"), ("-0.5", "-0.5"), ("3.6‰", "3.6"), (".5", ".5")])
def test_number_text(text, value):
    assert parse_number_text(text) == Decimal(value)


def test_numbers_written_and_read_back_exactly(tmp_path):
    from openpyxl import Workbook

    values = [Decimal(x) for x in ("0.07", "0.56", "9.95", "99.81", "96.65", "13.5809", "549.05", "0.1", "1E+2")]
    wb = Workbook()
    for i, v in enumerate(values, 1):
        wb.active.cell(i, 1).value = v
    wb.active.cell(20, 1).value = 0.9981
    wb.active.cell(20, 1).number_format = "0.00%"  # Excel's way of holding 99.81%
    wb.save(tmp_path / "n.xlsx")
    ws = load_workbook(tmp_path / "n.xlsx").active
    assert [read_number(ws.cell(i, 1)) for i in range(1, len(values) + 1)] == values
    assert read_number(ws.cell(20, 1)) == Decimal("99.81") and str(read_number(ws.cell(20, 1))) == "99.81"


def test_yaml_writes_decimals_plainly_and_inline_framework_round_trips(tmp_path, nanjing):
    text = evaluation_to_yaml(nanjing)
    data = yaml.safe_load(text)
    assert data["indicators"]["B12"]["actual"] == 99.11
    assert "actual: 99.11\n" in text and "13.5809" in text and "0.05" in text
    assert data["framework"]["id"] == "nanjing-2023-department"
    out = tmp_path / "inline.yaml"
    out.write_text(text, encoding="utf-8")
    again = load(out)
    assert score(again).total == score(nanjing).total == Decimal("96.65")
    assert again.finance == nanjing.finance and again.team == nanjing.team


# --- CLI ------------------------------------------------------------------------------


runner = CliRunner()


def test_cli_template_import_export(tmp_path, monkeypatch, nanjing):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fw").mkdir()
    (tmp_path / "fw" / "nanjing.yaml").write_text(NANJING.read_text(encoding="utf-8"), encoding="utf-8")
    result = runner.invoke(excel_app, ["template", "fw/nanjing.yaml", "--out", "填报表.xlsx"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "填报表.xlsx").exists()
    fill_from(tmp_path / "填报表.xlsx", nanjing)

    result = runner.invoke(excel_app, ["import", "填报表.xlsx", "--framework", "fw/nanjing.yaml",
                                       "--out", "out/评价.yaml"])
    assert result.exit_code == 0, result.output
    written = tmp_path / "out" / "评价.yaml"
    assert yaml.safe_load(written.read_text(encoding="utf-8"))["framework"] == "../fw/nanjing.yaml"
    assert score(load(written)).total == Decimal("96.65")

    result = runner.invoke(excel_app, ["export", "out/评价.yaml", "--out", "得分表.xlsx", "--layout", "004"])
    assert result.exit_code == 0, result.output
    assert "96.65" in result.output
    ws = load_workbook(tmp_path / "得分表.xlsx").active
    assert ws["F2"].value == "分值"
    assert "核查发现" in load_workbook(tmp_path / "得分表.xlsx").sheetnames


def test_cli_import_failure_exits_2_and_writes_nothing(tmp_path, nanjing):
    path = _nanjing_workbook(tmp_path, nanjing)
    r = _entry_row(path, "B12")
    _set(path, "填报", f"H{r}", "abc")
    _set(path, "单位信息", "B5", "去年")
    out = tmp_path / "评价.yaml"
    result = runner.invoke(excel_app, ["import", str(path), "--framework", str(NANJING), "--out", str(out)])
    assert result.exit_code == 2
    assert not out.exists()
    assert "输入有误（2处）" in result.output
    assert f"填报!H{r}（实际值）" in result.output and "单位信息!B5（评价年度）" in result.output


def test_cli_builtin_template_and_bad_framework(tmp_path):
    result = runner.invoke(excel_app, ["template", "builtin:national-capability-2023", "--out", str(tmp_path / "t.xlsx")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(excel_app, ["template", "builtin:no-such", "--out", str(tmp_path / "u.xlsx")])
    assert result.exit_code == 2 and "没有内置指标体系" in result.output
    assert not (tmp_path / "u.xlsx").exists()


def test_framework_ref_for_output_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fw.yaml").write_text("x", encoding="utf-8")
    assert framework_ref_for(Path("ev.yaml"), "fw.yaml") == "fw.yaml"
    assert framework_ref_for(Path("sub/ev.yaml"), "fw.yaml") == "../fw.yaml"
    assert framework_ref_for(Path("sub/ev.yaml"), "builtin:x") == "builtin:x"
    assert framework_ref_for(Path("sub/ev.yaml"), str(tmp_path / "fw.yaml")) == str(tmp_path / "fw.yaml")
