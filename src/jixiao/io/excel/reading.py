"""Reading one cell of a filled workbook: numbers exactly (``Decimal(repr(float))``, text numbers
parsed, percent-formatted cells in percent), text without binary noise, and the entry
columns' small languages (是/否, 1,2,3, ``名称:数值`` pairs, a 评定等级). A formula or an error
value is refused (``CellError``, a Chinese message), never evaluated."""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from jixiao.core.numbers import fmt
from jixiao.core.rules import CIRCLED

class CellError(ValueError):
    """A cell that cannot be read; the message is Chinese."""


def check_cell(cell) -> None:
    """Refuse formulas and error values: they are corrected by the clerk, never evaluated."""
    if cell.data_type == "f":
        text = getattr(cell.value, "text", None) or str(cell.value)
        raise CellError(f"单元格含公式“{text[:40]}”，请直接填写数值或文字，不要使用公式")
    if cell.data_type == "e":
        raise CellError(f"单元格为错误值“{cell.value}”")


def is_blank(cell) -> bool:
    return cell.value is None or (isinstance(cell.value, str) and not cell.value.strip())


_NUMBER_RE = re.compile(r"^[-+]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)$")


def normalise(text: str) -> str:
    """Full-width digits and signs to ASCII; circled numbers ①② to ``1,2,``."""
    for i, mark in enumerate(CIRCLED, 1):
        text = text.replace(mark, f"{i},")
    return unicodedata.normalize("NFKC", text).strip()


def parse_number_text(text: str) -> Decimal:
    """A number typed as text: ``99.81``, ``99.81%`` (99.81 in percent), ``1,234.5``, ``９９``."""
    value = normalise(text).replace(" ", "")
    if value.endswith(("%", "‰")):
        value = value[:-1]
    if not _NUMBER_RE.match(value):
        raise CellError(f"“{text.strip()}”不是有效数字")
    try:
        result = Decimal(value.replace(",", ""))
    except InvalidOperation:
        raise CellError(f"“{text.strip()}”不是有效数字") from None
    return result


def _plain_decimal(value: Decimal) -> Decimal:
    """Drop trailing zeros a conversion introduced (0.9981 × 100 = 99.8100 → 99.81)."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value


def read_number(cell) -> Decimal:
    """A cell as an exact Decimal: numbers via ``repr`` (no binary noise), text parsed; a
    number in a percent-formatted cell (Excel stores 99.81% as 0.9981) is read in percent."""
    check_cell(cell)
    value = cell.value
    if isinstance(value, bool):
        raise CellError("不是有效数字（单元格为逻辑值）")
    if isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise CellError("不是有效数字")
        result = Decimal(int(value)) if value.is_integer() and abs(value) < 1e15 else Decimal(repr(value))
    elif isinstance(value, (datetime, date, time, timedelta)):
        raise CellError("不是有效数字（单元格被识别为日期或时间，请设为文本格式后重新填写）")
    elif isinstance(value, str):
        return parse_number_text(value)
    else:
        raise CellError("不是有效数字")
    if "%" in (cell.number_format or ""):
        result = _plain_decimal(result * 100)
    return result


def read_text(cell) -> str:
    """A cell as text; numbers are written without binary noise (``1`` not ``1.0``)."""
    check_cell(cell)
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return fmt(Decimal(int(value)) if value.is_integer() and abs(value) < 1e15 else Decimal(repr(value)))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value).strip()


_YES = {"是", "达标", "已达标", "满足", "y", "yes", "true", "√", "✓", "对", "1"}
_NO = {"否", "未达标", "不达标", "不满足", "n", "no", "false", "×", "✗", "错", "0"}


def read_met(cell) -> bool:
    check_cell(cell)
    if isinstance(cell.value, bool):
        return cell.value
    text = normalise(read_text(cell)).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellError(f"须填“是”或“否”，实际为“{read_text(cell)}”")


_LIST_SEPARATORS = re.compile(r"[,，、;；\s]+")
_ID_RE = re.compile(r"^[\w\-.]+$")


def read_checks(cell, known: list[str]) -> tuple[str, ...]:
    text = normalise(read_text(cell))
    if text in ("无", "none", "-"):
        return ()
    ids = [i for i in _LIST_SEPARATORS.split(text) if i]
    if not ids or not all(_ID_RE.match(i) for i in ids):
        raise CellError(f"满足要点须为逗号分隔的编号（如 1,2,3），实际为“{read_text(cell)}”")
    if known:
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise CellError(f"没有评分要点“{'、'.join(unknown)}”（可选：{'、'.join(known)}）")
    return tuple(dict.fromkeys(ids))


_PAIR_SEPARATORS = re.compile(r"[;；\n]+|[,，](?=\s*\D)")  # a comma before a digit is a thousands separator
_PAIR_RE = re.compile(r"^(?P<name>.+?)\s*[:：]\s*(?P<value>\S+?)\s*(?:次|分)?$")


def read_pairs(cell, what: str, example: str, known: list[str]) -> dict[str, Decimal]:
    """``名称:数值`` pairs separated by semicolons (扣分事项, 分项数值)."""
    raw = read_text(cell)
    text = raw.strip()
    if text in ("无", "-"):
        return {}
    result: dict[str, Decimal] = {}
    for chunk in (c.strip() for c in _PAIR_SEPARATORS.split(text)):
        if not chunk:
            continue
        match = _PAIR_RE.match(chunk)
        if not match:
            raise CellError(f"{what}须为“名称:数值”，多项以分号分隔（如 {example}），实际为“{raw}”")
        name = match["name"].strip()
        try:
            value = parse_number_text(match["value"])
        except CellError:
            raise CellError(f"{what}“{name}”的数值“{match['value']}”不是有效数字") from None
        if known and name not in known:
            raise CellError(f"没有{what}“{name}”（可选：{'、'.join(known)}）")
        if name in result:
            raise CellError(f"{what}“{name}”重复填写")
        result[name] = value
    return result


def read_judgement(cell, labels: list[str], accepted: set[str]) -> str:
    text = read_text(cell)
    if accepted and text not in accepted:
        raise CellError(f"没有评定等级“{text}”（可选：{'、'.join(labels)}）")
    return text
