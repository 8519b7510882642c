"""How well ``jixiao audit`` reads a corpus of real published tables, against its truth.yaml.

``python -m jixiao.io.corpus [FOLDER] [--json] [-v]`` (default: tests/fixtures/published/real)
prints, per table entry and in total: rows read vs rows present, rows with a rule, whether the
published total was found, certain inconsistencies found (recall) and high-confidence findings
on rows marked correct (false alarms), all through ``jixiao.io.published_audit.audit_file`` — what the
command and the site do. ``tests/test_published_real.py`` and docs/audit.md use ``measure()``
and ``summary()``. truth.yaml is described at its top.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "published" / "real"

#: Finding kinds that name a row's score as wrong.
ROW_KINDS = {"score-mismatch", "above-weight", "met-but-lost", "target-missed-full", "money-rate", "money-sum",
             "below-zero"}
#: Finding kinds about the table's total.
TOTAL_KINDS = {"declared-total", "total-mismatch"}


def key(name: str) -> str:
    """A row name compared loosely: no whitespace, no leading 指标N:, full-width folded, the
    truth's traditional characters with pinyin (as a re-publishing site printed them) simplified."""
    from jixiao.io.traditional import simplified

    text = re.sub(r"\s+", "", simplified(str(name or ""))).replace("：", ":").replace("（", "(").replace("）", ")")
    return re.sub(r"^指标\d+[:、.]?", "", text)


@dataclass
class Entry:
    file: str
    table: int
    rows_present: int
    rows_read: int = 0
    rows_with_rule: int = 0
    rows_matched: int = 0
    total_expected: str | None = None
    total_found: str | None = None
    certain: list[str] = field(default_factory=list)
    certain_found: list[str] = field(default_factory=list)
    correct_rows: int = 0
    false_alarms: list[str] = field(default_factory=list)
    error: str = ""
    notes: list[str] = field(default_factory=list)  # what the audit says it could not read

    @property
    def total_ok(self) -> bool:
        return self.total_expected is None or self.total_found == self.total_expected


def _same(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except Exception:
        return False


def measure(folder: Path = HERE) -> list[Entry]:
    from jixiao.io.published_audit import audit_file

    truth = yaml.safe_load((folder / "truth.yaml").read_text(encoding="utf-8"))["tables"]
    cache: dict[str, tuple] = {}
    entries = []
    for t in truth:
        file = t["file"]
        if file not in cache:
            try:
                cache[file] = audit_file(folder / file, int(t["year"]) if t.get("year") else None)
            except Exception as exc:  # a crash is a result to report, not to hide
                cache[file] = (None, [], f"{type(exc).__name__}: {exc}")
        published, audits, *err = cache[file]
        index = int(t.get("table", 1))
        e = Entry(file=file, table=index, rows_present=int(t["rows_present"]),
                  total_expected=str(t["published_total"]) if t.get("published_total") is not None else None)
        if err:
            e.error = err[0]
        e.notes = [x.message for x in (published.errors if published else ())]
        rows = t.get("rows") or []
        e.certain = [r["name"] for r in rows if r.get("verdict") == "certain"]
        if t.get("total_verdict") == "certain":
            e.certain.append("总分")
        e.correct_rows = sum(1 for r in rows if r.get("verdict") == "correct")
        ta = audits[index - 1] if len(audits) >= index else None
        if ta is None:
            e.error = e.error or "；".join(x.message for x in (published.errors if published else ()))[:200] or "未读出该表"
            entries.append(e)
            continue
        # the rows the table prints: not sub-rows, except rows printed without 分值 under a block row
        read = [r for r in ta.table.printed_rows if r.parent is None or r.weight is None]
        e.rows_read = len(read)
        e.rows_with_rule = sum(1 for r in read if r.parsed.executable)
        # the total as printed (总分 row or 自评总分 above the table), also when a cut table cannot check it
        printed = ta.table.printed_total if ta.table.printed_total is not None else ta.table.declared_total
        e.total_found = str(printed) if printed is not None else None
        if _same(e.total_found, e.total_expected):
            e.total_found = e.total_expected
        by_key = {key(r.name): r for r in read}
        used: set[str] = set()  # codes of the rows read already matched

        def find(name: str):
            """The row read under this name: the same name, or one holding it (a name the truth
            shortens) or held by it — but not a fragment of it (``率``); each row read stands for one
            row of the truth (several names run together match only the first)."""
            k = key(name)
            if k in by_key and by_key[k].code not in used:
                return by_key[k]
            return next((r for kk, r in by_key.items() if k and kk and (k in kk or (kk in k and 2 * len(kk) >= len(k)))
                         and r.code not in used), None)

        matched: dict[str, object] = {}
        for r in rows:
            found = find(r["name"])
            if found is not None:
                used.add(found.code)
                matched.setdefault(r["name"], found)
                e.rows_matched += 1
        match = matched.get
        for name in e.certain:
            if name == "总分":
                if any(f.kind in TOTAL_KINDS for f in ta.findings):
                    e.certain_found.append(name)
                continue
            row = match(name)
            if row is not None and any(f.code == row.code and f.kind in ROW_KINDS for f in ta.findings):
                e.certain_found.append(name)
        for r in rows:
            if r.get("verdict") != "correct":
                continue
            row = match(r["name"])
            if row is not None and any(f.code == row.code and f.confidence == "high" and f.kind in ROW_KINDS
                                       for f in ta.findings):
                e.false_alarms.append(r["name"])
        entries.append(e)
    return entries


def summary(entries: list[Entry]) -> dict:
    present = sum(e.rows_present for e in entries)
    # a row counts as read when a row of that name was read (rows read beyond those present
    # — sub-rows, misplaced cells — do not count)
    read = sum(min(e.rows_matched, e.rows_read, e.rows_present) for e in entries)
    ruled = sum(min(e.rows_with_rule, e.rows_matched, e.rows_present) for e in entries)
    certain = sum(len(e.certain) for e in entries)
    found = sum(len(e.certain_found) for e in entries)
    totals = [e for e in entries if e.total_expected is not None]
    return {
        "files": len({e.file for e in entries}), "tables": len(entries),
        "files_read": len({e.file for e in entries if e.rows_read}),
        "rows_present": present, "rows_read": read, "rows_with_rule": ruled,
        "rows_read_pct": round(100 * read / present, 1) if present else 0.0,
        "rows_with_rule_pct": round(100 * ruled / present, 1) if present else 0.0,
        "totals_printed": len(totals), "totals_found": sum(1 for e in totals if e.total_ok),
        "certain": certain, "certain_found": found,
        "recall_pct": round(100 * found / certain, 1) if certain else 100.0,
        "correct_rows": sum(e.correct_rows for e in entries),
        "false_alarms": sum(len(e.false_alarms) for e in entries),
    }


def main(argv: list[str]) -> None:
    folders = [Path(a) for a in argv if not a.startswith("-")]
    entries = measure(folders[0] if folders else HERE)
    if "--json" in argv:
        print(json.dumps({"summary": summary(entries), "entries": [asdict(e) for e in entries]}, ensure_ascii=False,
                         indent=2))
        return
    for e in entries:
        print(f"{e.file} 表{e.table}: 行 {e.rows_read}/{e.rows_present}，有规则 {e.rows_with_rule}，"
              f"总分 {e.total_found}/{e.total_expected}，确定问题 {len(e.certain_found)}/{len(e.certain)}，"
              f"误报 {len(e.false_alarms)}" + (f"  [{e.error[:80]}]" if e.error else ""))
        if "-v" in argv:
            missed = [c for c in e.certain if c not in e.certain_found]
            if missed:
                print("    未发现：", "、".join(missed))
            if e.false_alarms:
                print("    误报：", "、".join(e.false_alarms))
    print(json.dumps(summary(entries), ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
