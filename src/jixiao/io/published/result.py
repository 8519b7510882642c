"""What reading a published file gives: PublishedRow, PublishedTable, PublishedFile."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jixiao.core.criteria import Confidence, ParsedCriteria, weakest
from jixiao.core.model import Evaluation, Framework, SourceRef
from jixiao.io.published.streams import Line
from jixiao.io.yamlio import LoadError


#: The reason recorded on rows kept at their declared score because no figure was published.
UNVERIFIED = "评分过程未给出规则所需的实际值，按申报得分计（未复核）"

# --- the result ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class FormFinding:
    """A table's own finding beside the audit's, as the audit lists it: a project form's own
    checks (``jixiao.io.project_form_audit``), a block's (``jixiao.io.published.blocks``)."""

    code: str
    kind: str
    title: str
    message: str
    severity: str
    loc: SourceRef | None = None


@dataclass(frozen=True)
class PublishedRow:
    """One scored row as imported: what was printed, how its criteria were read and where
    its inputs came from. ``verified`` is False when the rule needed a figure the table does
    not publish (the row is then kept at its declared score)."""

    code: str
    name: str
    weight: Decimal | None  # None: the table prints no 分值 for the row (listed under its block row)
    declared: Decimal | None
    criteria: str
    evidence: str
    parsed: ParsedCriteria
    input_confidence: Confidence
    input_note: str
    verified: bool
    loc: SourceRef
    parent: str | None = None
    actual: Decimal | None = None
    money: Any = None  # the 项目资金 block of a 预算执行率 row (``jixiao.core.project_form.Money``)

    @property
    def confidence(self) -> Confidence:
        """How sure the recomputation of this row is: the weaker of reading its criteria and
        reading its inputs."""
        return weakest(self.parsed.confidence, self.input_confidence)


@dataclass(frozen=True)
class PublishedTable:
    """One indicator table read into a framework and an evaluation."""

    index: int
    title: str
    framework: Framework
    evaluation: Evaluation
    rows: tuple[PublishedRow, ...]
    declared_total: Decimal | None
    declared_weight_total: Decimal | None
    loc: SourceRef
    #: the total printed for the table (its 总分 row, or a 自评总分/自评得分 above it), also when it
    #: cannot be checked (``declared_total`` None: the table is cut by the end of the text)
    printed_total: Decimal | None = None
    #: the table's own findings beside the audit's (the checks of rows listed under a block,
    #: ``jixiao.io.published.blocks``; a project form's own checks, ``io.project_form_audit``)
    form_findings: tuple[FormFinding, ...] = ()

    @property
    def printed_rows(self) -> tuple[PublishedRow, ...]:
        """The rows as the table prints them: a block row that stands in the score sheet for rows
        printed without 分值 (``weight`` None, the Hubei 年度绩效目标) gives way to those rows."""
        blocks = {r.parent for r in self.rows if r.weight is None}
        return tuple(r for r in self.rows if r.code not in blocks) if blocks else self.rows

    @property
    def rows_read(self) -> int:
        return len(self.printed_rows)

    @property
    def rows_with_rule(self) -> int:
        return sum(1 for r in self.rows if r.parsed.executable)

    def row(self, code: str) -> PublishedRow:
        for r in self.rows:
            if r.code == code:
                return r
        raise KeyError(code)


@dataclass(frozen=True)
class PublishedFile:
    """Every table of one published file, its narrative lines, and what could not be read."""

    path: str
    tables: tuple[PublishedTable, ...]
    narrative: tuple[Line, ...]
    errors: tuple[LoadError, ...]
    layout: str | None
    year: int | None
    unit: str
