"""Rows of one table into levels: headings with their points, blank level cells, sub-rows,
level-1 headings printed on a later page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TYPE_CHECKING

from jixiao.core.model import SourceRef
from jixiao.io.published.columns import (_CODE_RE, _POINTS_RE, _SUBCODE_RE, align, FORM_LEVEL1, FORM_LEVEL2, is_number,
                                         TEXT_ROLES, to_decimal)
from jixiao.io.published.streams import Row
from jixiao.io.yamlio import LoadError

if TYPE_CHECKING:  # tables imports _row_fields from here; the types are only annotations
    from jixiao.io.published.tables import _MoneyBlock, RawTable


@dataclass
class _Rec:
    """One indicator row (or sub-row) as read: text by role and where it was printed."""

    fields: dict[str, str]
    loc: SourceRef
    subrows: list["_Rec"] = field(default_factory=list)
    container: bool = False  # the row only heads coded sub-rows (A21 over A21-1, A21-2…)
    form_row: Any = None     # the row as a project-form row, when scored by the generic rules
    execution: Any = None    # the 项目资金 block (``project_form.Money``) of a 预算执行率 row


@dataclass
class _Level2:
    name: str
    points: Decimal | None
    code: str | None
    loc: SourceRef | None
    rows: list[_Rec] = field(default_factory=list)


@dataclass
class _Level1:
    name: str
    points: Decimal | None
    code: str | None
    loc: SourceRef | None
    groups: list[_Level2] = field(default_factory=list)


def _points_in_name(name: str) -> bool:
    """Whether a row's name carries its points (``目标内容(4分)``)."""
    return parse_heading(name)[1] is not None


def parse_heading(text: str) -> tuple[str, Decimal | None, str | None]:
    """A heading's name, declared points and published code: ``A部门\\n决策（15\\n分）`` →
    (部门决策, 15, A); ``A2、基金财务管理(16分)`` → (基金财务管理, 16, A2)."""
    flat = re.sub(r"\s*\n\s*", "", text or "").strip()
    code = None
    if m := _CODE_RE.match(flat):
        code, flat = m["code"], flat[m.end():]
    points = None
    if m := _POINTS_RE.search(flat):
        points, flat = Decimal(m["pts"]), flat[:m.start()]
    return flat.strip(" 、.．:：") or (code or ""), points, code


def _row_fields(row: Row, roles: list[str | None], notes: list[LoadError]) -> dict[str, str]:
    """The cells of a row by column role, aligning rows printed short or shifted."""
    cells = list(row.cells)
    if row.positional and len(cells) < len(roles):
        cells += [""] * (len(roles) - len(cells))
    number_cols = [i for i, r in enumerate(roles) if r in ("weight", "score")]
    shifted = any(i < len(cells) and cells[i] and not is_number(cells[i]) for i in number_cols)
    if row.positional and len(cells) == len(roles) and not shifted:
        cols = list(range(len(cells)))
    else:
        while cells and not cells[-1]:
            cells.pop()
        if not row.positional:  # a pipe dump's leading bar or left-out merged cells: align places them
            while cells and not cells[0].strip():
                cells.pop(0)
        if len(cells) > len(roles):
            extra = " ".join(c for c in cells[len(roles) - 1:] if c)
            cells = cells[:len(roles) - 1] + [extra]
            notes.append(LoadError(row.loc.file or "", row.loc.line, "", "本行单元格多于表头列数，多出部分并入末列"))
        cols = align(cells, roles)
    fields: dict[str, str] = {}
    for cell, col in zip(cells, cols):
        role = roles[col] if col < len(roles) else None
        if role and cell.strip():
            fields[role] = cell.strip()
    if not row.positional and "weight" not in roles and "level3" in roles and "level3" not in fields \
            and "score" in fields and "level2" in fields:
        # points in the names (目标内容(4分)), no 分值 column: a scored row printed below merged
        # headings names its 三级指标 last — the cells shift down one level
        fields["level3"] = fields.pop("level2")
        if "level1" in fields:
            fields["level2"] = fields.pop("level1")
    if not row.positional and "level1" in fields and "level2" not in fields \
            and re.sub(r"\s+", "", fields["level1"]) in FORM_LEVEL2:
        # ``成本指标 | 以低价位… | 5万 | 5万 | 10`` under a merged 一级 cell: the form's 二级 heading
        fields["level2"] = fields.pop("level1")
    return fields


def _join(a: str, b: str) -> str:
    return (a or "") + (b or "")


class _Builder:
    """Assembles the rows of one raw table into levels, indicators and sub-rows."""

    def __init__(self, raw: RawTable, notes: list[LoadError]):
        self.raw = raw
        self.notes = notes
        self.levels: list[_Level1] = []
        self.last: _Rec | None = None

    @property
    def l1(self) -> _Level1 | None:
        return self.levels[-1] if self.levels else None

    @property
    def l2(self) -> _Level2 | None:
        return self.l1.groups[-1] if self.l1 and self.l1.groups else None

    def note(self, loc: SourceRef, message: str) -> None:
        self.notes.append(LoadError(loc.file or "", loc.line, "", message))

    def heading1(self, text: str, has_level2: bool, loc: SourceRef) -> None:
        name, points, code = parse_heading(text)
        current = self.l1
        if current is not None and not current.name:
            current.name, current.points, current.code, current.loc = name, points, code, loc
            return
        if current is not None and current.name == name:
            return
        new = _Level1(name, points, code, loc)
        if current is not None and not has_level2 and self.l2 is not None and len(current.groups) > 1:
            moved = current.groups.pop()
            new.groups.append(moved)
            self.note(loc, f"一级指标“{name}”的标题印在后页，自二级指标“{moved.name or '（无名）'}”起归入该一级指标")
        self.levels.append(new)

    def heading2(self, text: str, loc: SourceRef) -> None:
        name, points, code = parse_heading(text)
        if re.sub(r"\s+", "", name) in FORM_LEVEL1 and (self.l1 is None or not self.l1.name or
                                                          re.sub(r"\s+", "", self.l1.name) in FORM_LEVEL1 | {"预算执行"}):
            # ``产 出 指 标 (50分)`` alone on its row, in the 二级 column of a pipe dump: the form's 一级 heading
            self.heading1(text, True, loc)  # its 二级 headings follow it: none is moved under it
            return
        if self.l1 is None:
            self.levels.append(_Level1("", None, None, None))
        if self.l2 is not None and self.l2.name == name and not self.l2.rows:
            return
        self.l1.groups.append(_Level2(name, points, code, loc))

    def execution(self, block: _MoneyBlock) -> None:
        """The 预算执行率 row of a project form, from its 项目资金 block (its own level-1 group)."""
        weight = block.values.get("weight", "")
        if to_decimal(weight) is None:
            self.note(block.loc, "项目资金表没有分值，预算执行率未计入")
            return
        level1 = _Level1("预算执行", to_decimal(weight), None, block.loc)
        level2 = _Level2("", None, None, None)
        rec = _Rec({"level3": "预算执行率", "weight": weight, "score": block.values.get("score", "")}, block.loc)
        rec.execution = block.money()
        level2.rows.append(rec)
        level1.groups.append(level2)
        self.levels.append(level1)

    def ensure_groups(self) -> _Level2:
        if self.l1 is None:
            self.levels.append(_Level1("", None, None, None))
        if self.l2 is None:
            self.l1.groups.append(_Level2("", None, None, None))
        return self.l2

    def add(self, row: Row) -> None:
        f = _row_fields(row, self.raw.roles, self.notes)
        if not f:
            return
        name = f.get("level3", "")
        if "level1" in f:
            self.heading1(f["level1"], "level2" in f, row.loc)
        if "level2" in f:
            self.heading2(f["level2"], row.loc)
        if name and "weight" not in f and "score" not in f and not _points_in_name(name):
            flat_name = re.sub(r"\s+", "", name)
            if re.fullmatch(r"[…\.。·]+|指标\d*[:：]?", flat_name):
                return  # ``……``: an empty placeholder row of the form
            if flat_name.startswith("其中") and self.last is not None:
                # ``其中桃树种植面积 | 1.5亩 | 1.5亩``: a breakdown of the indicator above, with no 分值 and no 得分
                self.note(row.loc, f"“{flat_name}”是“{self.last.fields.get('level3', '')}”的分项数值（无分值、无得分），"
                                   "不计为评分行")
                return
        if name:
            sub = _SUBCODE_RE.match(re.sub(r"\s+", "", name))
            if sub and self.last is not None and \
                    parse_heading(self.last.fields.get("level3", ""))[2] == sub["parent"]:
                # ``A21-1基金财务会计制度执行`` under ``A21基金财务工作``: the row above is the
                # heading of its printed sub-rows (its points are their sum).
                self.last.container = True
                self.last.subrows.append(_Rec(f, row.loc))
                return
            rec = _Rec(f, row.loc)
            self.ensure_groups().rows.append(rec)
            self.last = rec
            return
        if "weight" in f or "score" in f:
            if self.last is None:
                self.note(row.loc, "分项行之前没有指标行，已忽略")
                return
            self.last.subrows.append(_Rec(f, row.loc))
            return
        target = self.last.subrows[-1] if self.last and self.last.subrows else self.last
        texts = {k: v for k, v in f.items() if k in TEXT_ROLES}
        if target is None:
            if texts:
                self.note(row.loc, "续行之前没有指标行，已忽略")
            return
        for role, text in texts.items():
            target.fields[role] = _join(target.fields.get(role, ""), text)
