"""The entry workbook's layout, shared by the template writer and the importer: the sheet names,
the ``_meta`` format marker, the 填报 columns (read-only and input) and rows, and the 单位信息
fields."""

from __future__ import annotations

from dataclasses import dataclass

ENTRY_SHEET = "填报"
UNIT_SHEET = "单位信息"
HELP_SHEET = "说明"
META_SHEET = "_meta"
META_FORMAT = "jixiao-entry-workbook"
META_FORMAT_VERSION = "1"


@dataclass(frozen=True)
class EntryColumn:
    key: str  # IndicatorInput field, or a read-only column
    header: str
    label: str  # short name used in error messages
    width: float
    input: bool


ENTRY_COLUMNS: tuple[EntryColumn, ...] = (
    EntryColumn("code", "编码", "编码", 10, False),
    EntryColumn("level1", "一级指标", "一级指标", 12, False),
    EntryColumn("level2", "二级指标", "二级指标", 12, False),
    EntryColumn("name", "三级指标", "三级指标", 24, False),
    EntryColumn("weight", "分值", "分值", 6, False),
    EntryColumn("target", "目标值", "目标值", 12, False),
    EntryColumn("criteria", "评分标准", "评分标准", 40, False),
    EntryColumn("actual", "实际值", "实际值", 11, True),
    EntryColumn("met", "达标（是/否）", "达标", 8, True),
    EntryColumn("checks", "满足要点", "满足要点", 10, True),
    EntryColumn("incidents", "扣分事项", "扣分事项", 14, True),
    EntryColumn("judgement", "评定等级", "评定等级", 14, True),
    EntryColumn("manual", "人工得分", "人工得分", 8, True),
    EntryColumn("not_applicable", "不适用理由", "不适用理由", 14, True),
    EntryColumn("declared", "申报得分", "申报得分", 8, True),
    EntryColumn("evidence", "实际完成情况/评分过程", "实际完成情况", 40, True),
    EntryColumn("values", "分项数值", "分项数值", 16, True),
    EntryColumn("reference", "参照值", "参照值", 9, True),
    EntryColumn("override", "人工改分", "人工改分", 8, True),
    EntryColumn("override_reason", "改分理由", "改分理由", 20, True),
    EntryColumn("hint", "填写说明", "填写说明", 40, False),
)
LABELS = {c.key: c.label for c in ENTRY_COLUMNS}
SCORING_INPUTS = frozenset({"actual", "met", "checks", "incidents", "judgement", "manual", "values", "reference"})
ALL_INPUTS = frozenset(c.key for c in ENTRY_COLUMNS if c.input)
HEADER_ROW = 2
FIRST_DATA_ROW = 3
PART_SEPARATOR = "/"


UNIT_FIELDS: tuple[tuple[str, str, str], ...] = (
    # (key, label, note)
    ("name", "单位名称", "必填"),
    ("level", "单位级别", "省、市、县或区"),
    ("region", "所在地区", "如 江苏省南京市"),
    ("year", "评价年度", "必填，如 2023"),
    ("title", "评价标题", "可不填"),
    ("declared_total", "申报总分", "单位自评（公开）的总分，可不填"),
    ("declared_grade", "申报等级", "如 优，可不填"),
)
UNIT_LEVELS = ("省", "市", "县", "区")
