"""Scoring throughput: the whole synthetic national data set through ``jixiao.core.scoring``.

Reports generation and validation time, indicator rows per second on one core (and on
``--workers`` processes) — with explanations left lazy, as totals, listings and audits use
scores, and with every row's Chinese explanation built (as the entry page and reports show
them) — peak memory, and the same rows scored by Excel formulas recalculated
by LibreOffice headless, with the ratio.

    .venv/bin/python -m bench.scoring --size 1000 [--workers 2] [--lo-rows 50000] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import io
import multiprocessing
import pstats
import tempfile
import time
import tracemalloc
from pathlib import Path

from jixiao.core.scoring import score

from . import libreoffice
from .common import loadavg, max_rss_mb, save, timer
from .generate import dataset

_EVALUATIONS: list = []  # inherited by forked workers


def _score_range(bounds: tuple[int, int], explain: bool = False) -> tuple[int, float, str]:
    start, stop = bounds
    h = hashlib.sha256()
    rows = 0
    t = time.perf_counter()
    for ev in _EVALUATIONS[start:stop]:
        sheet = score(ev)
        rows += len(sheet.rows)
        h.update(format(sheet.total, "f").encode())
        if explain:  # build every explanation (they are otherwise built on first access)
            for row in sheet.rows:
                row.explanation
    return rows, time.perf_counter() - t, h.hexdigest()


def _explanations_digest(evaluations) -> str:
    h = hashlib.sha256()
    for ev in evaluations:
        for row in score(ev).rows:
            h.update(f"{row.code}\t{row.score}\t{row.explanation}\n".encode())
    return h.hexdigest()


def run(size: int, workers: int = 1, lo_rows: int = 0, profile: bool = False, repeat: int = 1) -> dict:
    global _EVALUATIONS
    out: dict = {"size": size, "loadavg_start": loadavg()}
    with timer() as t:
        ds = dataset(size)
    out["generate_seconds"] = round(t["seconds"], 2)
    out["units"], out["evaluations"] = len(ds.units), len(ds.evaluations)
    out["digest"] = ds.digest()
    with timer() as t:
        _EVALUATIONS = list(ds.core_evaluations())
    out["validate_seconds"] = round(t["seconds"], 2)
    out["rss_after_load_mb"] = round(max_rss_mb(), 1)

    gc.collect()
    gc.disable()  # scored sheets are dropped at once; the collector only adds noise here
    try:
        best = None
        for _ in range(repeat):
            rows, seconds, totals_digest = _score_range((0, len(_EVALUATIONS)))
            best = seconds if best is None else min(best, seconds)
    finally:
        gc.enable()
    out["indicator_rows"] = rows
    out["score_seconds_1core"] = round(best, 3)
    out["rows_per_s_1core"] = round(rows / best)
    out["evaluations_per_s_1core"] = round(len(_EVALUATIONS) / best)
    out["totals_digest"] = totals_digest
    gc.collect()
    gc.disable()
    try:
        best_explained = None
        for _ in range(repeat):
            _, seconds, _ = _score_range((0, len(_EVALUATIONS)), explain=True)
            best_explained = seconds if best_explained is None else min(best_explained, seconds)
    finally:
        gc.enable()
    out["score_seconds_1core_explained"] = round(best_explained, 3)
    out["rows_per_s_1core_explained"] = round(rows / best_explained)
    out["explanations_digest"] = _explanations_digest(_EVALUATIONS[: max(1, len(_EVALUATIONS) // 10)])
    out["rss_peak_mb"] = round(max_rss_mb(), 1)

    # allocations while scoring a slice (tracemalloc slows Python down; timed runs are above)
    sample = _EVALUATIONS[: max(1, len(_EVALUATIONS) // 10)]
    tracemalloc.start()
    kept = [score(ev) for ev in sample]  # kept: the memory one batch of score sheets needs
    current, peak = tracemalloc.get_traced_memory()
    for sheet in kept:  # once read, a row keeps its text instead of what builds it
        for row in sheet.rows:
            row.explanation
    gc.collect()
    explained, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out["sheets_kb_per_evaluation"] = round(current / len(kept) / 1024, 1)
    out["sheets_kb_per_evaluation_explained"] = round(explained / len(kept) / 1024, 1)
    del kept

    if workers > 1:
        ctx = multiprocessing.get_context("fork")
        n = len(_EVALUATIONS)
        chunks = [(i * n // workers, (i + 1) * n // workers) for i in range(workers)]
        start = time.perf_counter()
        with ctx.Pool(workers) as pool:
            parts = pool.map(_score_range, chunks)
        wall = time.perf_counter() - start
        out["workers"] = workers
        out["score_seconds_parallel"] = round(wall, 3)
        out["rows_per_s_parallel"] = round(sum(p[0] for p in parts) / wall)
        out["rows_per_s_per_core_parallel"] = round(sum(p[0] for p in parts) / wall / workers)

    if profile:
        prof = cProfile.Profile()
        prof.enable()
        for ev in _EVALUATIONS[:2000]:
            score(ev)
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(15)
        out["profile_top"] = buf.getvalue()

    if lo_rows:
        rows_for_lo = []
        for ev in _EVALUATIONS:
            sheet = score(ev)
            rows_for_lo.extend(r for r in sheet.rows if libreoffice.excel_row(r, 2) is not None)
            if len(rows_for_lo) >= lo_rows:
                break
        rows_for_lo = rows_for_lo[:lo_rows]
        with tempfile.TemporaryDirectory(prefix="jixiao-bench-") as work:
            lo = libreoffice.compare(rows_for_lo, Path(work), Path(work), small=max(1, len(rows_for_lo) // 10))
        out["libreoffice"] = lo
        if lo.get("lo_rows_per_s_marginal"):
            out["engine_vs_libreoffice_marginal"] = round(out["rows_per_s_1core"] / lo["lo_rows_per_s_marginal"], 1)
        out["engine_vs_libreoffice_total"] = round(out["rows_per_s_1core"] / lo["lo_rows_per_s_total"], 1)
    _EVALUATIONS = []
    out["loadavg_end"] = loadavg()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--lo-rows", type=int, default=0, help="rows for the LibreOffice comparison (0: skip)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.size, args.workers, args.lo_rows, args.profile, args.repeat)
    profile = result.pop("profile_top", None)
    import json

    print(json.dumps(result, ensure_ascii=False, indent=1))
    if profile:
        print(profile)
    save(f"scoring-{args.size}", result)


if __name__ == "__main__":
    main()
