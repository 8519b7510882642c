"""Turn published criteria text (评分标准 / 评分细则) into executable rules.

``parse_criteria(text, weight, target)`` recognises the scoring shapes of DOMAIN.md in the
Chinese wording published tables use and returns a rule as plain data (a mapping valid for
``jixiao.core.rules.parse_rule``), or ``None`` for a judgement row, with a confidence and a
Chinese note on what was read. ``extract_actual(evidence, target)`` takes the actual value
from 实际完成情况 / 评分过程 text. Both are pure: no I/O, no state.

Recognition is a table of recognisers tried in order (``RECOGNISERS``); each is a small
function over the normalised text that either claims the text or passes. The order matters
where shapes overlap: 满分/合格/零分 levels are read before point lists, additive point lists
before per-unit deductions, and the plain binary and proportional wordings come last. A rule
that needs a numeric target which neither the target nor the text supplies is not executable
and comes back as ``None`` with the shape it would have had.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import combinations
from typing import Any, Callable, Iterable, Literal

from .formula import FormulaError, compile_formula
from .model import IndicatorInput, Target
from .numbers import HUNDRED, ZERO, fmt
from .rules import Context, MissingInput, RuleError, parse_rule

Confidence = Literal["high", "medium", "low"]
CONFIDENCE_RANK: dict[str, int] = {"low": 0, "medium": 1, "high": 2}


def weakest(*levels: str) -> Confidence:
    """The lowest of several confidence levels."""
    return min(levels, key=lambda c: CONFIDENCE_RANK[c])  # type: ignore[return-value]


@dataclass(frozen=True)
class ParsedCriteria:
    """What a criteria text says: the rule (plain data, ``None`` = judgement row), how sure
    the reading is, a Chinese note, the recognised ``shape`` (a rule type, or ``judgement``),
    and ``actual_target`` when the actual value must be read against another target than the
    indicator's (a completion rate in % when the published target is words)."""

    rule: dict[str, Any] | None
    confidence: Confidence
    note: str
    shape: str = "judgement"
    actual_target: Target | None = None

    @property
    def executable(self) -> bool:
        return self.rule is not None


# --- normalisation ----------------------------------------------------------------------

_TRANSLATE = str.maketrans({
    **{chr(0xFF10 + i): str(i) for i in range(10)},
    "（": "(", "）": ")", "：": ":", "，": ",", "；": ";", "％": "%", "＜": "<", "＞": ">", "＝": "=",
    "≧": "≥", "≦": "≤", "～": "~", "〜": "~", "－": "-", "—": "-", "–": "-", "＋": "+", "×": "*",
    "＊": "*", "÷": "/", "／": "/", "．": ".", "【": "[", "】": "]", "“": "", "”": "", "＂": "",
})
NUM = r"\d+(?:\.\d+)?"
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def normalize(text: str) -> str:
    """Half-width punctuation, no whitespace, ``≥``/``≤`` for ``>=``/``<=``, no LaTeX ``$``/``\\%``."""
    t = (text or "").translate(_TRANSLATE).replace("\\%", "%").replace("$", "")
    t = t.replace(">=", "≥").replace("<=", "≤")
    t = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", t)
    return re.sub(r"\s+", "", t)


def number(text: str) -> Decimal:
    """A Decimal from digits or a single Chinese numeral (一个百分点 → 1)."""
    if text in _CN_DIGITS:
        return Decimal(_CN_DIGITS[text])
    return Decimal(text)


def _plain(value: Decimal) -> Decimal | int | str:
    """A Decimal as YAML-friendly data: ints stay ints, others stay Decimal."""
    return int(value) if value == value.to_integral_value() else value


# --- the recogniser context -------------------------------------------------------------

@dataclass(frozen=True)
class _Ctx:
    text: str  # normalised
    weight: Decimal
    target: Target

    @property
    def numeric(self) -> bool:
        return self.target.value is not None


Found = tuple[dict[str, Any], Confidence, str] | None


def _completion_fallback(ctx: _Ctx) -> bool:
    """Whether a non-numeric target reads as "complete the task", so the actual is a rate in %."""
    return not ctx.numeric and re.search(r"完成|达到|达标|覆盖|任务|目标", ctx.text + ctx.target.text) is not None


# --- 满分 / 合格 / 零分 levels ---------------------------------------------------------------

_LEVEL_RE = re.compile(rf"(?P<label>合格之上|合格之下|满分|合格|及格|零分|其他)(?:\((?P<pts>{NUM})分\))?(?P<colon>:)?")
_COND_CMP = {
    "≥": ">=", "不低于": ">=", "不少于": ">=", "大于等于": ">=", "达到": ">=", "达": ">=", "以上": ">=",
    "≤": "<=", "不高于": "<=", "不超过": "<=", "小于等于": "<=", "以内": "<=",
    ">": ">", "大于": ">", "高于": ">", "超过": ">", "<": "<", "小于": "<", "低于": "<", "以下": "<", "=": "=",
}
_COND_RE = re.compile(
    rf"^(?:实际值)?(?P<cmp>大于等于|小于等于|不低于|不少于|不高于|不超过|大于|小于|高于|低于|达到|超过|达|≥|≤|>|<|=)?"
    rf"(?P<num>{NUM})(?P<unit>%|‰|[\u4e00-\u9fff]{{0,3}}?)(?P<post>及以上|以上|以下|以内)?$")
_RANGE_RE = re.compile(rf"^(?P<lo>{NUM})(?:%|[\u4e00-\u9fff]{{0,3}}?)?[-~至](?P<hi>{NUM})(?:%|‰|[\u4e00-\u9fff]{{0,3}})?$")
_RATIO_RE = re.compile(rf"^\(?实际值/(?:标准值|指标值|目标值)\)?(?P<cmp>≤|<|≥|>)(?P<num>{NUM})%?$")
_REACH_RE = re.compile(r"^(?:达到|达|完成)(?:标准值|指标值|目标值|目标|标准)$")
_MISS_RE = re.compile(r"^(?:未达到|低于|达不到)(?:标准值|指标值|目标值|目标|标准)")


@dataclass(frozen=True)
class _Cond:
    """A numeric condition: ``cmp`` value (``bare`` when printed without a comparator), or a
    ratio of actual to target, or a range [lo, hi)."""

    cmp: str | None
    value: Decimal | None = None
    ratio: bool = False
    lo: Decimal | None = None
    hi: Decimal | None = None

    def expr(self) -> str:
        if self.lo is not None:
            return f"actual >= {self.lo} and actual < {self.hi}"
        left = "actual / target" if self.ratio else "actual"
        value = self.value / HUNDRED if self.ratio else self.value
        return f"{left} {self.cmp or '>='} {fmt(value)}"


def _condition(content: str, ctx: _Ctx) -> _Cond | None:
    """A level's condition text as a numeric condition, or None when it is words."""
    content = content.rstrip("。;,")
    if m := _RATIO_RE.match(content):
        return _Cond(_COND_CMP[m["cmp"]], Decimal(m["num"]), ratio=True)
    if m := _RANGE_RE.match(content):
        return _Cond(None, lo=Decimal(m["lo"]), hi=Decimal(m["hi"]))
    if m := _COND_RE.match(content):
        cmp = _COND_CMP.get(m["cmp"] or m["post"] or "", None)
        return _Cond(cmp, Decimal(m["num"]))
    if _REACH_RE.match(content) and ctx.numeric:
        return _Cond(ctx.target.comparator if ctx.target.comparator in ("<=", "<") else ">=", ctx.target.value)
    if _MISS_RE.match(content) and ctx.numeric:
        return _Cond("<" if ctx.target.comparator != "<=" else ">", ctx.target.value)
    return None


def _expression(content: str) -> str | None:
    """A level's arithmetic (合格之上: 60+40*(实际值-80%)/10%) as a formula, or None."""
    if "实际值" not in content:
        return None
    expr = content.split(":")[-1].rstrip("。;,")
    expr = expr.replace("实际值", "actual").replace("标准值", "target").replace("指标值", "target").replace("目标值", "target")
    expr = re.sub(rf"({NUM})%", r"\1", expr)
    expr = re.sub(r"^[\u4e00-\u9fff]+", "", expr)
    try:
        compile_formula(expr)
    except FormulaError:
        return None
    return expr


_Segments = dict[str, tuple[str, Decimal | None]]  # level label → (its text, its stated points)


def _levels(ctx: _Ctx) -> Found:
    """满分:≥90% 合格(1分):≥80% 零分:≤50% 其他: 合格之上 … → formula, bands, binary or graded."""
    marks = [m for m in _LEVEL_RE.finditer(ctx.text) if m["colon"] or m["label"] in ("合格之上", "合格之下")]
    if len(marks) < 2 or not any(m["label"] in ("满分", "零分") for m in marks):
        return None
    segs: _Segments = {}
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(ctx.text)
        content = ctx.text[m.end():end].strip(",;。")
        pts = Decimal(m["pts"]) if m["pts"] else None
        if pts is None and (tail := re.search(rf"\((?:得)?({NUM})分\)$", content)):
            pts, content = Decimal(tail[1]), content[:tail.start()]
        label = "合格" if m["label"] == "及格" else m["label"]
        segs.setdefault(label, (content, pts))
    exprs = {k: e for k in ("合格之上", "合格之下", "其他") if k in segs and (e := _expression(segs[k][0]))}
    conds = {k: _condition(segs[k][0], ctx) for k in ("满分", "合格", "零分") if k in segs}
    if exprs:
        return _levels_formula(ctx, segs, conds, exprs)
    full = conds.get("满分")
    pass_numeric = "合格" not in segs or conds.get("合格") is not None
    if full is not None and not full.ratio and pass_numeric:
        if "合格" not in segs and full.lo is None:
            rule: dict[str, Any] = {"type": "binary", "comparator": full.cmp or _up_or_down(ctx)}
            if full.value != ctx.target.value:
                rule["value"] = _plain(full.value)
            return rule, "high", "满分/零分两档，按是否达到条件计分"
        return _levels_bands(ctx, segs, conds)
    return _levels_graded(ctx, segs)


def _up_or_down(ctx: _Ctx) -> str:
    return "<=" if ctx.target.comparator in ("<=", "<") else ">="


def _levels_formula(ctx: _Ctx, segs: _Segments, conds: dict[str, _Cond | None], exprs: dict[str, str]) -> Found:
    default = exprs.get("合格之下") or exprs.get("其他") or exprs.get("合格之上")
    ratio = re.fullmatch(rf"\(?actual/target\)?\*({NUM})", default or "")
    if ratio and "合格之上" not in exprs:
        rule: dict[str, Any] = {"type": "proportional"}
        zero = conds.get("零分")
        if zero is not None and zero.ratio:
            rule["zero_at_or_below"] = _plain(zero.value / HUNDRED)
        note, conf = "按实际值与标准值的比值乘以分值计分", "high"
        if Decimal(ratio[1]) != ctx.weight:
            note, conf = f"公式乘数{ratio[1]}分与分值{fmt(ctx.weight)}分不符，按分值计", "low"
        return _with_target(ctx, rule, conf, note)
    percent = any(re.search(r"(?<![\d.])60[+\-]", e) for e in exprs.values())
    full_score = "100" if percent else "weight"
    cases: list[dict[str, str]] = []
    if (full := conds.get("满分")) is not None:
        cases.append({"when": full.expr(), "score": full_score, "label": "满分"})
    if (zero := conds.get("零分")) is not None:
        cases.append({"when": zero.expr(), "score": "0", "label": "零分"})
    passed = conds.get("合格")
    if "合格之上" in exprs and passed is not None:
        cases.append({"when": passed.expr(), "score": exprs["合格之上"], "label": "合格之上"})
    if default and default != exprs.get("合格之上"):
        label = "合格之下" if "合格之下" in exprs else "其他"
        cases.append({"score": default, "label": label})
    elif not cases or cases[-1].get("when"):
        cases.append({"score": "0", "label": "其他"})
    rule = {"type": "formula", "scale": "percent" if percent else "points", "cases": cases}
    if not ctx.numeric and any("target" in c.get("when", "") + c["score"] for c in cases):
        return None
    return rule, "medium", "满分/合格/零分分段公式" + ("（按分值的百分比计）" if percent else "")


def _levels_bands(ctx: _Ctx, segs: _Segments, conds: dict[str, _Cond | None]) -> Found:
    full, passed = conds["满分"], conds.get("合格")
    down = (full.cmp in ("<=", "<")) or (full.cmp is None and ctx.target.comparator in ("<=", "<"))
    bands: list[dict[str, Any]] = []

    def award(label: str, default_percent: int) -> dict[str, Any]:
        pts = segs[label][1]
        return {"points": _plain(pts)} if pts is not None else {"percent": default_percent}

    if full.lo is not None:
        bands.append({"min": _plain(full.lo), "max": _plain(full.hi), "max_inclusive": True, **award("满分", 100),
                      "label": "满分"})
    elif down:
        bands.append({"max": _plain(full.value), "max_inclusive": full.cmp != "<", **award("满分", 100), "label": "满分"})
    else:
        bands.append({"min": _plain(full.value), "min_inclusive": full.cmp != ">", **award("满分", 100), "label": "满分"})
    if passed is None:
        return {"type": "bands", "bands": bands}, "high", "满分区间得满分，否则不得分"
    if passed.lo is not None:
        bands.append({"min": _plain(passed.lo), "max": _plain(passed.hi), **award("合格", 60), "label": "合格"})
    elif down:
        bands.append({"min": _plain(full.value), "min_inclusive": full.cmp == "<", "max": _plain(passed.value),
                      "max_inclusive": passed.cmp != "<", **award("合格", 60), "label": "合格"})
    else:
        upper = full.lo if full.lo is not None else full.value
        bands.append({"min": _plain(passed.value), "min_inclusive": passed.cmp != ">", "max": _plain(upper),
                      "max_inclusive": full.cmp == ">", **award("合格", 60), "label": "合格"})
    unstated = "" if segs["合格"][1] is not None else "；合格档分值未标明，按分值的60%计"
    return {"type": "bands", "bands": bands}, "medium" if unstated else "high", "满分/合格/零分分档" + unstated


def _levels_graded(ctx: _Ctx, segs: _Segments) -> Found:
    levels: list[dict[str, Any]] = []
    seen: set[str] = set()
    for key, default in (("满分", Decimal(1)), ("合格", Decimal("0.6")), ("零分", ZERO)):
        if key not in segs:
            continue
        content, pts = segs[key]
        label = content.split("其他")[0].strip(",;。") or key
        if label in seen:
            label = f"{key}：{label}"
        seen.add(label)
        level: dict[str, Any] = {"label": label, "aliases": [key]}
        if pts is not None:
            level["points"] = _plain(pts)
        elif key == "零分":
            level["points"] = 0
        else:
            level["fraction"] = _plain(default)
        levels.append(level)
    unstated = "合格" in segs and segs["合格"][1] is None
    note = "满分/合格/零分定性分档，由评价人评定等级" + ("；合格档分值未标明，按分值的60%计" if unstated else "")
    return {"type": "graded", "levels": levels}, "medium", note


# --- other recognisers --------------------------------------------------------------------

def _questionnaire(ctx: _Ctx) -> Found:
    if "问卷" not in ctx.text or "折算" not in ctx.text:
        return None
    full = re.search(rf"({NUM})分满分|满分({NUM})分", ctx.text)
    rule: dict[str, Any] = {"type": "questionnaire"}
    if full and Decimal(full[1] or full[2]) != HUNDRED:
        rule["full_marks"] = _plain(Decimal(full[1] or full[2]))
    to = re.search(rf"折算为({NUM})分", ctx.text)
    if to and Decimal(to[1]) != ctx.weight:
        return rule, "medium", f"问卷得分折算为{to[1]}分，与分值{fmt(ctx.weight)}分不符，按分值折算"
    return rule, "high", "按问卷综合得分折算"


def _saturating(ctx: _Ctx) -> Found:
    if not re.search(r"执行数/.{0,10}?预算数", ctx.text):
        return None
    sat = re.search(rf"(?:≥|不低于|达到|高于)({NUM})%", ctx.text)
    mult = re.search(rf"预算数\*({NUM})分?", ctx.text)
    rule = {"type": "saturating_rate", "saturation": _plain(Decimal(sat[1])) if sat else 90}
    if mult and Decimal(mult[1]) != ctx.weight:
        return rule, "low", f"公式乘数{mult[1]}分与分值{fmt(ctx.weight)}分不符，按分值计"
    return rule, "high" if sat else "medium", "执行率乘以分值，达到饱和点按满分计"


_SHARE_RE = re.compile(r"[,;。]?(?:职工、?城乡居民|职工居民|[\u4e00-\u9fff、]{0,12})?分别(?:计算|考核|计分)[,]?各占(?:1/2|一半|50%)[。;,]?")


def _shares(ctx: _Ctx) -> Found:
    m = _SHARE_RE.search(ctx.text)
    if not m:
        return None
    names = ["职工", "城乡居民"] if re.search(r"职工[、和与及]?(?:城乡)?居民", ctx.text) else ["第1部分", "第2部分"]
    half = ctx.weight / 2
    rest = (ctx.text[:m.start()] + ctx.text[m.end():]).strip(",;。")
    sub = parse_criteria(rest, half, ctx.target)
    part_rule = sub.rule or {"type": "binary"}
    parts = [{"name": n, "weight": _plain(half), "rule": part_rule} for n in names]
    return {"type": "sum", "parts": parts}, weakest("medium", sub.confidence), f"{names[0]}、{names[1]}分别计算，各占1/2"


_BAND_COND = (
    (re.compile(rf"(?:大于等于|≥|不低于)({NUM})%?(?:且)?(?:小于等于|≤)({NUM})%"), lambda a, b: (a, True, b, True)),
    (re.compile(rf"(?:大于等于|≥|不低于)({NUM})%?(?:且)?(?:小于|<)({NUM})%"), lambda a, b: (a, True, b, False)),
    (re.compile(rf"({NUM})%?[~\-至]({NUM})%"), lambda a, b: (a, True, b, False)),
    (re.compile(rf"({NUM})%(?:\(含\))?(?:及)?以上"), lambda a: (a, True, None, False)),
    (re.compile(rf"({NUM})%(?:及)?以下"), lambda a: (None, True, a, False)),
    (re.compile(rf"(?:大于等于|≥|不低于)({NUM})%"), lambda a: (a, True, None, False)),
    (re.compile(rf"(?:小于等于|≤)({NUM})%"), lambda a: (None, True, a, True)),
    (re.compile(rf"(?:小于|<|低于)({NUM})%"), lambda a: (None, True, a, False)),
    (re.compile(rf"(?:大于|>|高于)({NUM})%"), lambda a: (a, False, None, False)),
)
_BAND_AWARD = re.compile(rf"^\(?(?:的)?(?:(?:得|计)({NUM})分|(不得分|不计分|得0分))\)?")


def _band_items(text: str) -> list[tuple[int, int, tuple, Decimal]]:
    """Every "condition + award" pair in the text, in order, as (start, end, bounds, points)."""
    items, pos = [], 0
    while pos < len(text):
        best = None
        for regex, make in _BAND_COND:
            m = regex.search(text, pos)
            if m and (best is None or m.start() < best[0].start()):
                best = (m, make)
        if best is None:
            break
        m, make = best
        award = _BAND_AWARD.match(text[m.end():])
        if award:
            pts = Decimal(award[1]) if award[1] else ZERO
            items.append((m.start(), m.end() + award.end(), make(*(Decimal(g) for g in m.groups())), pts))
            pos = m.end() + award.end()
        else:
            pos = m.end()
    return items


def _bands(ctx: _Ctx) -> Found:
    """完成99%以上(得1分)、98%~99%(得0.5分)、98%以下(不得分); several banded parts are a sum."""
    items = _band_items(ctx.text)
    if len(items) < 2:
        return None
    parts: list[list] = [[]]
    for item in items:
        parts[-1].append(item)
        if item[3] == 0:
            parts.append([])
    parts = [p for p in parts if p]

    def band(bounds, pts) -> dict[str, Any]:
        lo, lo_inc, hi, hi_inc = bounds
        b: dict[str, Any] = {"points": _plain(pts)}
        if lo is not None:
            b["min"] = _plain(lo)
            if not lo_inc:
                b["min_inclusive"] = False
        if hi is not None:
            b["max"] = _plain(hi)
            if hi_inc:
                b["max_inclusive"] = True
        return b

    def rule_of(part) -> dict[str, Any]:
        return {"type": "bands", "unit": "%", "bands": [band(b, p) for _, _, b, p in part if p or b[0] is not None]}

    if len(parts) == 1:
        return rule_of(parts[0]), "high", "按实际值所在区间计分"
    built, prev_end = [], 0
    for i, part in enumerate(parts, 1):
        pieces = [re.sub(r"^(?:各省|完成)|完成$", "", p) for p in re.split(r"[:,;。、]", ctx.text[prev_end:part[0][0]])]
        label = next((p for p in reversed(pieces) if p), f"第{i}部分")
        built.append({"name": label, "weight": _plain(max(p for *_, p in part)), "input": label, "rule": rule_of(part)})
        prev_end = part[-1][1]
    return {"type": "sum", "parts": built}, "medium", f"{len(built)}个分档部分之和，各部分按其实际值计分"


_BONUS_RE = re.compile(rf"每(?:超|超过|超出|上升|提高|增加)(?P<step>{NUM}|一)?个?(?:百分点|%|个点|点)[^加;。]{{0,30}}?加(?P<pts>{NUM})分")
_CAP_RE = re.compile(rf"加分(?:以|最高|最多|上限为?)({NUM})分(?:封顶)?|最多加({NUM})分|(?:总分|得分)?以({NUM})分封顶")


def _bonus(ctx: _Ctx) -> Found:
    """A base rule plus points per step above the target, capped (加分以2分封顶) or not (上不封顶)."""
    bonuses = list(_BONUS_RE.finditer(ctx.text))
    if not bonuses:
        return None
    first = bonuses[0]
    cut = re.search(r"[,;。][^,;。]*?(?:超额|对超过|增幅高于)", ctx.text[:first.start()])
    base_text = ctx.text[:cut.start()] if cut else ctx.text[:first.start()]
    base = parse_criteria(base_text, ctx.weight, ctx.target) if base_text else None
    base_rule = base.rule if base and base.rule else None
    if base_rule is None:
        if not re.search(r"满分|计满分|得满分", ctx.text):
            return None
        base_rule = {"type": "binary"}
    rule: dict[str, Any] = {"type": "bonus", "base": base_rule, "points": _plain(Decimal(first["pts"]))}
    step = number(first["step"]) if first["step"] else Decimal(1)
    if step != 1:
        rule["step"] = _plain(step)
    notes = []
    basis = ctx.text[cut.start() if cut else 0:first.start()]
    if re.search(r"增幅|较上年|与上年|上年完成数", basis):
        # 超额完成任务的,以当年完成数与上年完成数相比的增幅计算,每超一个百分点加0.2分: the bonus
        # is on the growth over last year, a figure of its own, not on the completion rate.
        rule["input"], rule["over"] = "较上年增幅", 0
        notes.append("加分按较上年增幅计算，增幅未公布时不加分")
    elif base_rule.get("type") == "binary" and "value" in base_rule:
        rule["over"] = base_rule["value"]
    elif "threshold" in base_rule:
        rule["over"] = base_rule["threshold"]
    cap = _CAP_RE.search(ctx.text)
    if cap:
        rule["cap"] = _plain(Decimal(next(g for g in cap.groups() if g)))
    elif "不封顶" not in ctx.text:
        notes.append("未写明加分上限，按不封顶")
    if len(bonuses) > 1:
        notes.append(f"有{len(bonuses)}档加分，按第一档（每{fmt(step)}个百分点加{first['pts']}分）")
    if re.search(r"扣分下不保底|可扣至负分", ctx.text):
        notes.append("另有扣分事项（扣分下不保底）未纳入规则")
    conf: Confidence = "medium" if not notes else "low"
    return rule, weakest(conf, base.confidence if base else "medium"), "；".join(["基础规则加超额加分", *notes])


def _reference(ctx: _Ctx) -> Found:
    """不低于全市平均 (at_least) / 排名前五 (rank); both at once are a sum of two parts."""
    avg = re.search(r"(?:达到或高于|不低于|高于|达到)全(?:市|省|县|区|国)(?:平均|人均)", ctx.text)
    rank = re.search(rf"排名前(\d+|[一二三四五六七八九十])名?(?:的|以内)?[,]?(?:计|得)(?:{NUM}分|满分)", ctx.text)
    if not avg and not rank:
        return None
    below = "proportional" if re.search(r"低于[^,;。]{0,8}按比例", ctx.text) else "zero"
    at_least: dict[str, Any] = {"type": "reference", "mode": "at_least", "below": below}
    ranked: dict[str, Any] = {"type": "reference", "mode": "rank", "top": int(number(rank[1]))} if rank else {}
    if avg and rank:
        pts = [Decimal(p) for p in re.findall(rf"计({NUM})分", ctx.text)]
        w1 = pts[0] if pts else ctx.weight
        w2 = pts[1] if len(pts) > 1 else ctx.weight - w1
        parts = [{"name": "与平均水平比较", "weight": _plain(w1), "rule": at_least},
                 {"name": "排名", "weight": _plain(w2), "input": "排名", "rule": ranked}]
        return {"type": "sum", "parts": parts}, "low", "与平均水平比较和排名两部分之和"
    if avg:
        return at_least, "medium", "与平均水平比较（需填报参照值）"
    return ranked, "medium", f"排名前{ranked['top']}名得满分"


_POINTS_RE = re.compile(rf"(?<![扣除加减过超满以至\-~分\d.])\(?(?:得|计)?({NUM})分\)?(?!钟|及以上|以上|以下|及以下|满分|封顶|\d)")
_ZERO_RE = re.compile(r"不得分|不计分|得0分|计0分|为0分")
_MARK_RE = re.compile(r"^[;,。、\s]*(?:[①②③④⑤⑥⑦⑧⑨⑩]|\(\d+\)|\d+[、.](?!\d))?[;,。、\s]*")
_EXTRA_RE = re.compile(rf"(?:额外|可|另)加({NUM})分")
_SUM_CAP_RE = re.compile(rf"(?:此项|本项)?总分不超(?:过)?({NUM})分")


def _point_items(text: str) -> list[tuple[str, Decimal]]:
    """The text cut after every stated award ("得1分", "(2分)", "计0.5分", "不得分"): each piece
    is (its text, its points); deductions and thresholds are not awards."""
    hits = [(m.start(), m.end(), Decimal(m[1])) for m in _POINTS_RE.finditer(text)]
    hits += [(m.start(), m.end(), ZERO) for m in _ZERO_RE.finditer(text)]
    hits.sort()
    items, prev = [], 0
    for start, end, pts in hits:
        if start < prev:
            continue
        piece = text[prev:start]
        items.append((piece, pts))
        prev = end
    return items


def _label(piece: str, limit: int = 24) -> str:
    piece = _MARK_RE.sub("", piece)
    piece = re.sub(r"^(?:[;,。、]|否则|则)+", "", piece).strip(";,。、:()")
    return piece[:limit]


def _items(ctx: _Ctx) -> Found:
    """①…(2分) ②…(1分) / …得1分；…得1分 → checklist; 明确2/不足1/不明确0 → graded;
    达到得满分、未达到得0分 → binary. A "总分不超过X分" cap makes a capped sum of parts."""
    pieces = _point_items(ctx.text)
    positive = [(p, v) for p, v in pieces if v > 0]
    zeros = [(p, v) for p, v in pieces if v == 0]
    extras = [Decimal(m[1]) for m in _EXTRA_RE.finditer(ctx.text)]
    cap = _SUM_CAP_RE.search(ctx.text)
    if not positive or (len(positive) == 1 and not (zeros and positive[0][1] == ctx.weight)):
        return None
    values = [v for _, v in positive]
    total = sum(values, ZERO)
    if len(positive) == 1:
        return _two_levels(ctx, _label(positive[0][0]) or "达到", _label(zeros[0][0]) or "未达到")
    decreasing = all(a > b for a, b in zip(values, values[1:]))
    order = [v for _, v in pieces]
    first, last = order.index(values[0]), len(order) - 1 - order[::-1].index(values[-1])
    alternatives = decreasing and ZERO not in order[first:last] and order[-1] == 0
    if total != ctx.weight and alternatives and values[0] == ctx.weight:
        levels, seen = [], set()
        prev_label = ""
        for piece, v in pieces:
            label = _label(piece) or prev_label or f"{fmt(v)}分档"
            prev_label = label
            if label in seen:
                continue
            seen.add(label)
            levels.append({"label": label, "points": _plain(v)})
        return {"type": "graded", "levels": levels}, "medium", "按评定等级计分"
    item_list = [{"id": str(i), "text": _label(p, 40) or f"第{i}项", "points": _plain(v)}
                 for i, (p, v) in enumerate(positive, 1)]
    if cap or extras:
        parts = [{"name": f"{it['id']}.{it['text'][:16]}", "weight": it["points"], "rule": {"type": "binary"}}
                 for it in item_list]
        parts += [{"name": f"加分{i}", "weight": _plain(v), "rule": {"type": "binary"}} for i, v in enumerate(extras, 1)]
        rule: dict[str, Any] = {"type": "sum", "parts": parts}
        if cap:
            rule["cap"] = _plain(Decimal(cap[1]))
        most = Decimal(cap[1]) if cap else total + sum(extras, ZERO)
        conf: Confidence = "medium" if most == ctx.weight else "low"
        return rule, conf, f"{len(parts)}项之和" + (f"，总分不超过{cap[1]}分" if cap else "")
    if total == ctx.weight:
        return {"type": "checklist", "items": item_list}, "high", f"{len(item_list)}个评分要点之和"
    return ({"type": "checklist", "items": item_list}, "low",
            f"评分要点合计{fmt(total)}分，与分值{fmt(ctx.weight)}分不符")


def _two_levels(ctx: _Ctx, yes: str, no: str) -> Found:
    """Full points or nothing: binary against a numeric target, else a two-level judgement."""
    if ctx.numeric:
        rule: dict[str, Any] = {"type": "binary"}
        if ctx.target.comparator is None and _lower_is_better(ctx):
            rule["comparator"] = "<="
        elif ctx.target.value == 0 and ctx.target.comparator is None:
            rule["comparator"] = "<="
        return rule, "high", "达到目标得满分，否则不得分"
    levels = [{"label": yes, "points": _plain(ctx.weight), "aliases": ["满分"]},
              {"label": no if no != yes else f"未{yes}", "points": 0, "aliases": ["零分"]}]
    return {"type": "graded", "levels": levels}, "medium", "达到得满分、未达到得0分（定性，由评价人评定）"


def _lower_is_better(ctx: _Ctx) -> bool:
    value = fmt(ctx.target.value) if ctx.target.value is not None else ""
    return bool(re.search(rf"{re.escape(value)}%?(?:\(含\))?(?:以内|以下)|不超过|不高于|≤|控制在", ctx.text))


_DEDUCT_RE = re.compile(
    rf"每(?P<dir>低于|低|少|下降|降低|减少|超出|超过|高于|上升|增加)(?:目标)?(?P<step>{NUM}|一)?个?(?P<unit>%|百分点|个点|点)"
    rf"[,]?扣(?:除)?(?P<amount>{NUM})(?P<kind>%|分)(?:的|得)?(?P<weight>权重)?")
_SHORT = {"低于", "低", "少", "下降", "降低", "减少"}


def _threshold(ctx: _Ctx) -> tuple[Decimal | None, str]:
    """The threshold of a per-unit rule when the target is not a number: from the text
    (达到100%) or, for "complete the task" wording, 100%."""
    if m := re.search(rf"(?:达到|达|为|不低于|不少于)({NUM})%", ctx.text):
        return Decimal(m[1]), f"阈值{m[1]}%取自评分标准"
    if _completion_fallback(ctx):
        return HUNDRED, "目标值非数值，按完成率100%计"
    return None, ""


def _deduct(ctx: _Ctx) -> Found:
    """每低1%扣除5%的权重分 / 每下降一个百分点扣0.5分 / 每超出1%扣除5%的权重."""
    m = _DEDUCT_RE.search(ctx.text)
    if not m:
        return None
    rule: dict[str, Any] = {"type": "deduct_per_unit", "direction": "short" if m["dir"] in _SHORT else "over"}
    step = number(m["step"]) if m["step"] else Decimal(1)
    if step != 1:
        rule["step"] = _plain(step)
    amount = Decimal(m["amount"])
    if m["kind"] == "%":
        rule["fraction_of_weight"] = _plain(amount / HUNDRED)
    else:
        rule["points"] = _plain(amount)
    if re.search(r"可扣至负分|扣分下不保底|不保底", ctx.text):
        rule["floor"] = None
    note = "每" + ("低于" if rule["direction"] == "short" else "超出") + "一个单位按比例扣分"
    conf: Confidence = "high"
    if not ctx.numeric:
        threshold, why = _threshold(ctx)
        if threshold is not None:
            rule["threshold"] = _plain(threshold)
            note, conf = f"{note}；{why}", "low"
    return rule, conf, note


_DEDUCTION_RE = re.compile(rf"扣(?:除)?({NUM})(?:-({NUM}))?分")
_NOISE_RE = re.compile(r"每次|每例|每起|每项|每个|一次|一例|一起|一项|一个|每出现|出现|每发现|发现|每|的|均要|分别")
_ZERO_CLAUSE_RE = re.compile(r"([^,;。]*?)[,]?(?:该项|本项|此项)?(?:不得分|不计分|得0分)")


def _incidents(ctx: _Ctx) -> Found:
    """迟报扣0.2分、错报一次扣0.5分 / 每缺失一个模块扣除0.2分; 可扣至负分 → no floor."""
    hits = list(_DEDUCTION_RE.finditer(ctx.text))
    if not hits:
        return None
    deductions: list[dict[str, Any]] = []
    kinds: set[str] = set()
    prev_end = 0
    carry = ""
    for m in hits:
        before = ctx.text[prev_end:m.start()]
        clauses = [_NOISE_RE.sub("", c) for c in re.split(r"[,;。]", before)]
        kind = clauses[-1] if clauses else ""
        if not kind and carry:
            kind = carry
        if not kind and len(clauses) > 1:
            kind = next((c for c in reversed(clauses[:-1]) if c), "")
        kind = re.sub(r"^(?:否则|如|对|若|凡|经确认为|因)", "", kind)[-14:].strip("、") or f"扣分事项{len(deductions) + 1}"
        while kind in kinds:
            kind += "'"
        kinds.add(kind)
        item: dict[str, Any] = {"kind": kind}
        if m[2]:
            item["text"] = f"每次扣{m[1]}-{m[2]}分（按严重程度，由评价人填报扣分）"
        else:
            item["points"] = _plain(Decimal(m[1]))
        deductions.append(item)
        rest = ctx.text[m.end():]
        tail = re.split(r"[,;。]", rest, maxsplit=1)[0]
        carry = _NOISE_RE.sub("", tail.lstrip("、")) if tail.startswith("、") else ""
        prev_end = m.end()
    for m in _ZERO_CLAUSE_RE.finditer(ctx.text):
        cond = re.sub(r"^(?:否则|如|若|凡|如存在)", "", m[1]).strip("、")
        if cond and not re.search(r"计满分|得满分", cond) and len(deductions) < 12:
            kind = cond[-14:].strip("、").removesuffix("的")
            if kind not in kinds:
                kinds.add(kind)
                deductions.append({"kind": kind, "zero": True})
    rule: dict[str, Any] = {"type": "per_incident", "deductions": deductions}
    base = re.search(rf"(?:计|得|基础分)({NUM})分", ctx.text)
    conf: Confidence = "high"
    note = f"{len(deductions)}类扣分事项，按次扣分"
    if base and Decimal(base[1]) != ctx.weight and Decimal(base[1]) > 0:
        rule["base"] = _plain(Decimal(base[1]))
        conf, note = "low", f"{note}；评分标准基础分{base[1]}分与分值{fmt(ctx.weight)}分不符"
    if re.search(r"可扣至负分|扣分下不保底|不保底", ctx.text):
        rule["floor"] = None
        note += "，可扣至负分"
    elif "扣完为止" in ctx.text:
        note += "，扣完为止"
    return rule, conf, note


def _growth(ctx: _Ctx) -> Found:
    if re.search(r"较(?:去年|上年)(?:同期)?增长|同比增长", ctx.text) and re.search(r"满分|权重分|得\d", ctx.text):
        return {"type": "growth"}, "high", "同比增长得满分，否则不得分"
    return None


_PROPORTIONAL_RE = re.compile(r"按比例(?:得分|计分|计算)|比值[,]?(?:乘以|\*)|比重[,]?乘以|实际完成值与目标值的比|实际值/(?:标准值|目标值)\)?\*")


def _proportional(ctx: _Ctx) -> Found:
    if not _PROPORTIONAL_RE.search(ctx.text):
        return None
    if ctx.numeric and ctx.target.value <= 0:
        return {"type": "binary", "comparator": ctx.target.comparator or ">"}, "medium", \
            "目标值为0，无法按比例计分，按是否达到目标计"
    mult = re.search(rf"乘以(?:权重)?({NUM})分", ctx.text)
    note, conf = "达到目标得满分，否则按实际值与目标值的比例得分", "high"
    if mult and Decimal(mult[1]) != ctx.weight:
        note, conf = f"{note}；评分标准乘数{mult[1]}分与分值{fmt(ctx.weight)}分不符", "low"
    return _with_target(ctx, {"type": "proportional"}, conf, note)


def _with_target(ctx: _Ctx, rule: dict[str, Any], conf: Confidence, note: str) -> Found:
    """Give a proportional rule a 100% target when the published target is words."""
    if ctx.numeric:
        return rule, conf, note
    if not _completion_fallback(ctx):
        return None
    return {**rule, "target": 100}, "low", f"{note}；目标值非数值，按完成率（%）计"


_FULL_RE = re.compile(rf"计满分|得满分|得权重分|满分|(?:得|计)({NUM})分|\(({NUM})分\)")


def _binary(ctx: _Ctx) -> Found:
    """达标得X分，否则不得分 / 未达到不得分 / 计满分,否则不得分; a lone "(X分)" item = weight."""
    zero = _ZERO_RE.search(ctx.text) or re.search(r"(?<![\d.])0分", ctx.text)
    full = [m for m in _FULL_RE.finditer(ctx.text) if not (m[1] or m[2]) or Decimal(m[1] or m[2]) == ctx.weight]
    if not full:
        return None
    if not zero:
        lone = _point_items(ctx.text)
        if not (len(lone) == 1 and lone[0][1] == ctx.weight):
            return None
    rule: dict[str, Any] = {"type": "binary"}
    note = "达到目标得满分，否则不得分"
    if ctx.numeric:
        if ctx.target.comparator is None and (_lower_is_better(ctx) or ctx.target.value == 0):
            rule["comparator"] = "<="
        return rule, "high", note
    if m := re.search(rf"(?P<cmp>不少于|不低于|达到|≥)[^,;。]{{0,16}}?({NUM})%", ctx.text):
        rule.update({"comparator": ">=", "value": _plain(Decimal(m[2]))})
        return rule, "medium", f"{note}；标准{m[2]}%取自评分标准"
    return rule, "medium", f"{note}（定性，按是否达到评定）"


RECOGNISERS: tuple[tuple[str, Callable[[_Ctx], Found]], ...] = (
    ("questionnaire", _questionnaire),
    ("saturating_rate", _saturating),
    ("shares", _shares),
    ("levels", _levels),
    ("reference", _reference),
    ("bonus", _bonus),
    ("bands", _bands),
    ("items", _items),
    ("deduct_per_unit", _deduct),
    ("per_incident", _incidents),
    ("growth", _growth),
    ("proportional", _proportional),
    ("binary", _binary),
)


# --- executability -----------------------------------------------------------------------

def _names(rule: dict[str, Any]) -> Iterable[str]:
    for key in ("input",):
        if rule.get(key):
            yield rule[key]
    for part in rule.get("parts", ()):
        if part.get("input"):
            yield part["input"]
        yield from _names(part["rule"])
    if isinstance(rule.get("base"), dict):
        yield from _names(rule["base"])


def unexecutable_reason(rule: dict[str, Any], weight: Decimal, target: Target) -> str | None:
    """Why a rule cannot run against this target (a numeric target it lacks), or None.

    The rule is tried with stand-in inputs of every kind; an error about the target on every
    try means the rule can never be computed for this indicator."""
    try:
        parsed = parse_rule(rule)
    except Exception as exc:  # a malformed rule is a recogniser bug, reported as a reason
        return f"规则无效：{exc}"
    values = {name: Decimal(1) for name in _names(rule)}
    probes = (IndicatorInput(actual=Decimal(1), values=values), IndicatorInput(met=True, values=values),
              IndicatorInput(values=values, reference=Decimal(1)))
    reasons = []
    for probe in probes:
        try:
            parsed.score(Context(weight=weight, target=target, input=probe))
            return None
        except MissingInput:
            return None
        except (RuleError, ZeroDivisionError, InvalidOperation, ArithmeticError) as exc:
            reasons.append(str(exc))
    return reasons[0] if reasons else None


def parse_criteria(text: str, weight: Decimal, target: Target | None = None) -> ParsedCriteria:
    """Read a criteria text as a rule for an indicator of ``weight`` points and ``target``."""
    target = target or Target()
    norm = normalize(text)
    if not norm:
        return ParsedCriteria(None, "high", "无评分标准（评价人判断）")
    ctx = _Ctx(norm, Decimal(weight), target)
    for shape, recognise in RECOGNISERS:
        found = recognise(ctx)
        if found is None:
            continue
        rule, confidence, note = found
        reason = unexecutable_reason(rule, ctx.weight, target)
        if reason:
            return ParsedCriteria(None, "low", f"识别为{note}，但无法执行：{reason}", shape=rule["type"])
        actual_target = Target.model_validate("100%") if not ctx.numeric and _mentions_percent_target(rule) else None
        return ParsedCriteria(rule, confidence, note, shape=rule["type"], actual_target=actual_target)
    return ParsedCriteria(None, "medium", "未识别出可执行的评分规则（评价人判断）")


def _mentions_percent_target(rule: dict[str, Any]) -> bool:
    if rule.get("target") == 100 or rule.get("threshold") == 100:
        return True
    base = rule.get("base")
    return isinstance(base, dict) and _mentions_percent_target(base)


# --- actual values from evidence text --------------------------------------------------------

_VALUE_RE = re.compile(
    rf"(?<![\d.])(?P<num>{NUM})(?P<unit>%|‰|万人次|万人|人次|万元|亿元|元|个月|分钟|小时|人|个|次|条|家|天|篇|项|月|年|日|号|分|倍|户|所|例|期|批)?")
_CONVERSIONS: dict[tuple[str, str], Decimal] = {
    ("人", "万人"): Decimal("0.0001"), ("人次", "万人次"): Decimal("0.0001"), ("万人", "人"): Decimal(10000),
    ("万人次", "人次"): Decimal(10000), ("元", "万元"): Decimal("0.0001"), ("万元", "元"): Decimal(10000),
    ("亿元", "万元"): Decimal(10000), ("人", "人次"): Decimal(1), ("人次", "人"): Decimal(1),
}
_NOT_VALUES = {"年", "日", "号", "期", "批"}
_RATE_BEFORE = re.compile(r"(?:率|比例|比重|占比|满意度|得分)(?:为|达到|达|是|约)?$")


@dataclass(frozen=True)
class Figure:
    """A number found in text, with its unit and where it starts."""

    value: Decimal
    unit: str
    start: int


def figures(text: str) -> list[Figure]:
    """Every number in a text with its unit, leaving out years, dates and document numbers."""
    norm = normalize(text)
    found = []
    for m in _VALUE_RE.finditer(norm):
        unit = m["unit"] or ""
        before = norm[max(0, m.start() - 1):m.start()]
        after = norm[m.end():m.end() + 1]
        if unit in _NOT_VALUES or before in ("〔", "[", "第", "(") and after in ("〕", "]", ")"):
            continue
        if unit == "月" and (after == "底" or after == "份" or re.match(r"\d", after or "")):
            continue
        if before == "第" or after in ("〕", "]", "号"):
            continue
        found.append(Figure(Decimal(m["num"]), unit, m.start()))
    return found


def target_unit(target: Target) -> str:
    """The unit of a target, without trailing words (``%左右`` → ``%``)."""
    unit = normalize(target.unit)
    for known in ("%", "‰", "万人次", "万人", "人次", "万元", "亿元", "元", "个月", "分钟", "小时", "人", "个", "次",
                  "条", "家", "天", "篇", "项", "月", "户", "所", "例"):
        if unit.startswith(known):
            return known
    return unit


#: A number that restates the target (``未达到目标“0”``, ``低于目标值≥90%``, ``标准值100%``), not a result.
_QUOTED_TARGET = re.compile(r"(?:目标|目标值|标准值|指标值)[为是:]?[“\"「『]?(?:[≥≤><=]|>=|<=)?$")


def extract_actual(evidence: str, target: Target) -> Decimal | None:
    """The actual value in the target's unit from 实际完成情况 / 评分过程 text, or None.

    A number in the target's unit wins ("预算执行率为99.81%" → 99.81 for a % target;
    "参保人数549.05万人" → 549.05 for 万人); people are converted to 万人 and back
    ("135809人" → 13.5809万人); with no unit match a lone bare number is taken ("预算执行率
    80.76" → 80.76). Years, dates and document numbers are never values."""
    norm = normalize(evidence)
    found = [f for f in figures(evidence) if not _QUOTED_TARGET.search(norm[max(0, f.start - 8):f.start])]
    if not found:
        return None
    unit = target_unit(target)
    if unit:
        same = [f for f in found if f.unit == unit]
        if same:
            return same[0].value
        for f in found:
            factor = _CONVERSIONS.get((f.unit, unit))
            if factor is not None:
                return f.value * factor
        if unit in ("%", "‰"):
            norm = normalize(evidence)
            bare = [f for f in found if f.unit == "" and _RATE_BEFORE.search(norm[max(0, f.start - 8):f.start])]
        else:
            bare = [f for f in found if f.unit == ""]
        return bare[0].value if len(bare) == 1 else None
    percent = [f for f in found if f.unit == "%"]
    if percent:
        return percent[0].value
    bare = [f for f in found if f.unit in ("", "次", "个", "条", "家", "人", "万人", "篇", "项")]
    return bare[0].value if bare else None


def extract_values(evidence: str, names: list[str], unit: str = "%") -> dict[str, Decimal] | None:
    """Named values for a rule of several banded parts: the numbers in ``unit`` in the order
    the parts are listed, when there are exactly as many ("98.90%, 101.27%, 49.74%")."""
    found = [f.value for f in figures(evidence) if f.unit == unit]
    if len(found) != len(names):
        return None
    return dict(zip(names, found))


# --- inputs a rule can take from a declared score ------------------------------------------

def max_award(rule: dict[str, Any], weight: Decimal) -> Decimal:
    """The most a rule can give, for sub-set searches (parts and items)."""
    return parse_rule(rule).bounds(weight)[1] or weight


def subset_for(values: list[Decimal], goal: Decimal) -> tuple[list[int], bool]:
    """Indices of ``values`` whose sum is ``goal`` (exact: True) or, failing that, the
    largest sum not above it (False). Lists longer than 16 fall back to a greedy pick."""
    n = len(values)
    if n <= 16:
        best: tuple[Decimal, list[int]] = (Decimal(-1), [])
        for size in range(n, -1, -1):
            for combo in combinations(range(n), size):
                s = sum((values[i] for i in combo), ZERO)
                if s == goal:
                    return list(combo), True
                if best[0] < s <= goal:
                    best = (s, list(combo))
        return best[1], False
    chosen, total = [], ZERO
    for i in sorted(range(n), key=lambda i: -values[i]):
        if total + values[i] <= goal:
            chosen.append(i)
            total += values[i]
    return sorted(chosen), total == goal
