"""Deterministic synthetic national data set for the benchmarks.

``units(n)`` builds a 省/市/县 tree of ``n`` agencies (31 provinces, about one city for every
nine counties, the proportions of China's ~3,200 healthcare-security agencies); ``dataset(n)``
gives every unit five evaluations for 2023:

* the department (部门整体) evaluation — the Nanjing framework for 省 and 市 agencies, the
  Xundian framework for 县 agencies, with the example's finance data and questionnaire, so
  rows take their actual values from computed figures (``actual_from``) or a questionnaire;
* the three built-in national fund frameworks (capability, medical aid, resident insurance);
* ``bench/frameworks/bench-coverage-fund-2023.yaml``, a synthetic fund framework that covers
  the rule types and branches the four published frameworks do not reach.

Actual values are drawn around each rule's threshold so every branch is hit (full points,
partial, zero, floors, caps, bonuses, bands and none, missing input, 不适用, overrides). All
numbers are exact decimal strings (the stored JSON form of ``IndicatorInput``). Everything
is derived from ``random.Random`` seeded per unit, so the same seed and size give the same data.

    .venv/bin/python -m bench.generate --size 300     # prints counts and a digest
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from jixiao.core.model import Evaluation, Framework, Indicator
from jixiao.core.rules import PROVINCIAL_VERDICTS
from jixiao.io.yamlio import load_evaluation_or_raise, load_framework

ROOT = Path(__file__).resolve().parent
EXAMPLES = ROOT.parent / "src" / "jixiao" / "examples"
COVERAGE = ROOT / "frameworks" / "bench-coverage-fund-2023.yaml"
SIZES = (300, 1000, 3000)
YEAR = 2023
SEED = 20241123

PROVINCES = [
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "上海市", "江苏省",
    "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "广西壮族自治区",
    "海南省", "重庆市", "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省", "青海省",
    "宁夏回族自治区", "新疆维吾尔自治区",
]
_SYLLABLES = "安宁平昌东西南北新华兴和永丰阳山川江河湖林泉城石德寿福康泰嘉庆云海"


@dataclass(frozen=True)
class UnitSpec:
    index: int  # 0-based; parents always come first
    name: str
    level: str  # 省 / 市 / 县
    region: str
    parent: int | None
    province: int  # index of the province unit


@dataclass
class EvaluationSpec:
    unit: int
    framework: str  # framework id
    inputs: dict[str, dict[str, Any]]
    title: str = ""
    declared_total: str | None = None
    extra_keys: tuple[str, ...] = ()  # finance / questionnaires copied from the example
    rows: int = 0


@dataclass
class Dataset:
    size: int
    seed: int
    units: list[UnitSpec]
    evaluations: list[EvaluationSpec]
    frameworks: dict[str, Framework]
    extras: dict[str, dict[str, Any]] = field(default_factory=dict)  # framework id → finance, questionnaires…

    @property
    def rows(self) -> int:
        return sum(e.rows for e in self.evaluations)

    def digest(self) -> str:
        """SHA-256 of the units and inputs: equal for equal seed and size."""
        h = hashlib.sha256()
        for u in self.units:
            h.update(f"{u.index}|{u.name}|{u.level}|{u.parent}\n".encode())
        for e in self.evaluations:
            h.update(json.dumps([e.unit, e.framework, e.inputs, e.declared_total], ensure_ascii=False,
                                sort_keys=True).encode())
        return h.hexdigest()

    def core(self, spec: EvaluationSpec) -> Evaluation:
        """The core Evaluation of one spec (validated by pydantic, as loaded files are)."""
        unit = self.units[spec.unit]
        extra = self.extras.get(spec.framework, {})
        return Evaluation.model_validate({
            **{k: extra[k] for k in spec.extra_keys},
            "unit": {"name": unit.name, "level": unit.level, "region": unit.region},
            "year": YEAR, "title": spec.title, "framework": self.frameworks[spec.framework],
            "inputs": spec.inputs, "declared_total": spec.declared_total,
        })

    def core_evaluations(self):
        for spec in self.evaluations:
            yield self.core(spec)


# --- the unit tree ------------------------------------------------------------------------

def _place(rng: random.Random, suffix: str) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(2)) + suffix


def units(n: int, seed: int = SEED) -> list[UnitSpec]:
    """``n`` agencies: 31 provinces (fewer if n < 31), ~10% cities, the rest counties."""
    rng = random.Random(f"{seed}:units")
    n_prov = min(31, n)
    rest = n - n_prov
    n_city = min(rest, max(1, round(rest * 0.1))) if rest else 0
    n_county = rest - n_city
    out: list[UnitSpec] = []
    for i in range(n_prov):
        out.append(UnitSpec(i, f"{PROVINCES[i]}医疗保障局", "省", PROVINCES[i], None, i))
    cities = []
    for k in range(n_city):
        prov = out[k % n_prov]
        name = _place(rng, "市")
        spec = UnitSpec(len(out), f"{name}医疗保障局（{k + 1}）", "市", prov.region + name, prov.index, prov.province)
        out.append(spec)
        cities.append(spec)
    for k in range(n_county):
        parent = cities[k % len(cities)] if cities else out[k % n_prov]
        name = _place(rng, rng.choice("县区"))
        out.append(UnitSpec(len(out), f"{name}医疗保障局（{k + 1}）", "县", parent.region + name, parent.index,
                            parent.province))
    return out


# --- inputs per rule ------------------------------------------------------------------------

def _num(value: Decimal | float | int) -> str:
    """An exact two-place decimal string (trailing zeros dropped)."""
    d = Decimal(str(value)).quantize(Decimal("0.01"))
    text = format(d, "f").rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def _base(rule, target) -> Decimal:
    for attr in ("value", "target", "threshold"):
        v = getattr(rule, attr, None)
        if isinstance(v, Decimal):
            return v
    if target is not None and target.value is not None and target.value > 0:
        return target.value
    return Decimal(100)


AROUND = (Decimal("1.05"), Decimal(1), Decimal("0.98"), Decimal("0.9"), Decimal("0.7"), Decimal("0.45"), Decimal("0.2"))


def rule_input(rule, weight: Decimal, target, direction: str, default_rule: str, rng: random.Random) -> dict:
    """An input for ``rule`` drawn so that, over many units, every branch of it is taken."""
    kind = rule.type if rule is not None else default_rule
    base = _base(rule, target)
    if kind == "binary":
        numeric = getattr(rule, "value", None) is not None or (target is not None and target.value is not None)
        if not numeric or rng.random() < 0.15:
            return {"met": rng.random() < 0.7}
        if rule is not None and rule.comparator == "=":
            return {"actual": _num(rng.choice((base, base, base - 1)))}
        return {"actual": _num(base * rng.choice((Decimal("1.02"), Decimal(1), Decimal("0.98"), Decimal("0.9"))))}
    if kind in ("proportional", "generic") and not (kind == "generic" and (direction == "定性" or target is None
                                                                           or target.value is None)):
        if kind == "generic" and (direction == "反向" or (target.comparator in ("<=", "<"))):
            return {"actual": _num(base * rng.choice((Decimal("0.8"), Decimal(1), Decimal("1.3"), Decimal("2.5"))))}
        return {"actual": _num(base * rng.choice(AROUND))}
    if kind == "deduct_per_unit":
        gap = rule.step * rng.choice((Decimal(0), Decimal("0.5"), Decimal(2), Decimal("3.5"), Decimal(40)))
        return {"actual": _num(base - gap if rule.direction == "short" else base + gap)}
    if kind == "checklist":
        if rng.random() < 0.1:
            return {"met": rng.random() < 0.5}
        return {"checks": [i.id for i in rule.items if rng.random() < 0.75]}
    if kind == "per_incident":
        incidents = {}
        for d in rule.deductions:
            if d.zero:
                if rng.random() < 0.05:
                    incidents[d.kind] = "1"
            elif rng.random() < 0.35:
                incidents[d.kind] = _num(rng.choice((1, 2, 3, 8))) if d.points is not None else \
                    _num(rng.choice(("0.1", "0.3", "0.5", "5")))
        return {"incidents": incidents} if incidents else {}
    if kind == "bands":
        band = rng.choice(rule.bands)
        lo = band.min if band.min is not None else (band.max - 10 if band.max is not None else Decimal(50))
        hi = band.max if band.max is not None else lo + 10
        value = rng.choice((lo, (lo + hi) / 2, hi))
        if rng.random() < 0.1:
            mins = [b.min for b in rule.bands if b.min is not None]
            value = (min(mins) - 5) if mins else Decimal(-1)
        value = _num(value)
        return {"values": {rule.input: value}} if rule.input not in (None, "actual") else {"actual": value}
    if kind == "formula":
        names = set()
        for case in rule.cases:
            for f in (case._when, case._score):
                if f is not None:
                    names |= f.names
        data: dict[str, Any] = {}
        if "actual" in names or not names - {"weight", "target"}:
            data["actual"] = _num(base * rng.choice(AROUND + (Decimal("1.2"), Decimal("0.8"))))
        if "reference" in names:
            data["reference"] = _num(base * Decimal("0.95"))
        others = sorted(names - {"actual", "target", "weight", "reference"})
        if others:
            data["values"] = {n: _num(rng.uniform(1, 200)) for n in others}
        return data
    if kind == "lower_is_better":
        return {"actual": _num(base * rng.choice((Decimal("0.8"), Decimal(1), Decimal("1.2"), Decimal("1.6"),
                                                  Decimal("2.5"))))}
    if kind == "graded":
        level = rng.choice(rule.levels)
        label = rng.choice(level.aliases) if level.aliases and rng.random() < 0.3 else level.label
        return {"judgement": label}
    if kind == "bonus":
        data = rule_input(rule.base, weight, target, direction, default_rule, rng)
        over = rule.over if rule.over is not None else base
        value = _num(over * rng.choice((Decimal("0.9"), Decimal(1), Decimal("1.03"), Decimal("1.2"), Decimal(2))))
        if rule.input in (None, "actual"):
            data["actual"] = value
        elif rng.random() < 0.9:
            data.setdefault("values", {})[rule.input] = value
        return data
    if kind == "sum":
        data = {}
        for part in rule.parts:
            p_weight = weight if part.weight is None else part.weight
            p_target = part.target or target
            if part.input is not None:
                part_base = _base(part.rule, p_target)
                data.setdefault("values", {})[part.input] = _num(part_base * rng.choice(AROUND))
                if part.rule.type == "reference" and part.rule.mode == "at_least":
                    if part.rule.reference == "reference":
                        data["reference"] = _num(part_base)
                    else:
                        data.setdefault("values", {})[part.rule.reference] = _num(part_base)
            else:
                data.setdefault("parts", {})[part.name] = rule_input(part.rule, p_weight, p_target, direction,
                                                                     default_rule, rng)
        return data
    if kind == "reference":
        if rule.mode == "rank":
            return {"actual": str(rng.randint(1, (rule.top or 5) * 3))}
        ref = Decimal(rng.randint(60, 100))
        return {"actual": _num(ref * rng.choice((Decimal("1.1"), Decimal(1), Decimal("0.9"), Decimal("0.5")))),
                "reference": _num(ref)}
    if kind == "questionnaire":
        return {"actual": _num(rng.uniform(55, 100))}
    if kind == "growth":
        if rng.random() < 0.5:
            return {"actual": _num(rng.uniform(-5, 10))}
        previous = Decimal(rng.randint(1000, 5000))
        return {"values": {"current": _num(previous * rng.choice((Decimal("1.05"), Decimal(1), Decimal("0.97")))),
                           "previous": _num(previous)}}
    if kind == "saturating_rate":
        return {"actual": _num(rng.choice((100, 96, 95, 90, 80, 60, 45)))}
    if kind == "manual":
        return {"manual": _num(weight * rng.choice((Decimal(1), Decimal("0.8"), Decimal("0.5"), Decimal(0))))}
    # qualitative, or generic on a 定性 row: a verdict and a score inside its band
    verdicts = getattr(rule, "verdicts", None) or PROVINCIAL_VERDICTS
    verdict = rng.choice(verdicts)
    lo = weight * verdict.min_percent / 100
    hi = weight * verdict.max_percent / 100
    return {"judgement": verdict.label, "manual": _num(lo + (hi - lo) * Decimal("0.5"))}


def indicator_inputs(framework: Framework, rng: random.Random, example: dict[str, dict] | None = None) -> dict:
    """Inputs for every row of ``framework``: rule-driven values, a few missing, overridden,
    declared or 不适用 rows; rows the example fills from finance data or a questionnaire keep
    that source half the time."""
    example = example or {}
    inputs: dict[str, dict] = {}
    leaves: list[Indicator] = []
    for ind in framework.indicators():
        for row in (ind.subrows or (ind,)):
            leaves.append(row)
    for row in leaves:
        source = example.get(row.code, {})
        if ("actual_from" in source or "questionnaire" in source) and rng.random() < 0.5:
            data = {k: source[k] for k in ("actual_from", "questionnaire") if k in source}
        else:
            data = rule_input(row.rule, row.weight, row.target, row.direction, framework.default_rule, rng)
        roll = rng.random()
        if roll < 0.01:
            data = {}  # nothing entered: the rule reports the missing input
        elif roll < 0.02:
            data["override"] = {"score": _num(row.weight * Decimal("0.9")), "reason": "复核后按实际情况调整"}
        elif roll < 0.12:
            data["declared"] = _num(row.weight * rng.choice((Decimal(1), Decimal("0.9"), Decimal("0.5"))))
        inputs[row.code] = data
    if rng.random() < 0.1:  # one 不适用 indicator (never a sub-row)
        candidates = [i for i in framework.indicators() if not i.subrows]
        pick = rng.choice(candidates)
        inputs[pick.code] = {"not_applicable": "本年度未发生该项业务"}
    return {k: v for k, v in inputs.items() if v}


# --- the data set ---------------------------------------------------------------------------

def frameworks() -> tuple[dict[str, Framework], dict[str, dict], dict[str, dict]]:
    """(framework id → framework, framework id → example extras, framework id → example inputs)."""
    fws: dict[str, Framework] = {}
    extras: dict[str, dict] = {}
    example_inputs: dict[str, dict] = {}
    for name in ("nanjing-2023-department", "xundian-2023-department"):
        ev = load_evaluation_or_raise(EXAMPLES / f"{name}.yaml")
        fws[ev.framework.id] = ev.framework
        extras[ev.framework.id] = {"finance": ev.finance, "questionnaires": ev.questionnaires}
        example_inputs[ev.framework.id] = {c: i.model_dump(exclude_none=True, exclude_defaults=True)
                                           for c, i in ev.inputs.items()}
    for ref in ("builtin:national-capability-2023", "builtin:national-medical-aid-2023",
                "builtin:national-resident-insurance-2023", COVERAGE):
        fw, errors = load_framework(ref)
        if errors or fw is None:
            raise RuntimeError(f"{ref}: {errors}")
        fws[fw.id] = fw
    return fws, extras, example_inputs


FUNDS = ("national-capability-2023", "national-medical-aid-2023", "national-resident-insurance-2023",
         "bench-coverage-fund-2023")


def dataset(size: int, seed: int = SEED) -> Dataset:
    """Units and their five evaluations each, deterministic for (size, seed)."""
    fws, extras, example_inputs = frameworks()
    tree = units(size, seed)
    specs: list[EvaluationSpec] = []
    rows_of = {fid: sum(1 + len(i.subrows) for i in fw.indicators()) for fid, fw in fws.items()}
    for unit in tree:
        rng = random.Random(f"{seed}:{unit.index}")
        department = "nanjing-2023-department" if unit.level in ("省", "市") else "xundian-2023-department"
        for fid in (department, *FUNDS):
            fw = fws[fid]
            inputs = indicator_inputs(fw, rng, example_inputs.get(fid))
            declared = _num(Decimal(rng.randint(7000, 10000)) / 100) if rng.random() < 0.6 else None
            specs.append(EvaluationSpec(unit.index, fid, inputs, title=f"{unit.name}{YEAR}年度{fw.name}自评",
                                        declared_total=declared,
                                        extra_keys=tuple(extras.get(fid, {})), rows=rows_of[fid]))
    return Dataset(size, seed, tree, specs, fws, extras)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    ds = dataset(args.size, args.seed)
    levels = {lvl: sum(1 for u in ds.units if u.level == lvl) for lvl in ("省", "市", "县")}
    print(json.dumps({"units": len(ds.units), "levels": levels, "evaluations": len(ds.evaluations),
                      "indicator_rows": ds.rows, "digest": ds.digest()}, ensure_ascii=False))


if __name__ == "__main__":
    main()
