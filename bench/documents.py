"""Document packages: per evaluation a Word report (docx), the score table (xlsx) and the PDF.

Times one package, then batches of packages: each worker process renders its share of the
Word and Excel files and converts all its Word files with one LibreOffice run
(``jixiao.reports.to_pdf``), as the site's background job does. Reports packages per minute
and peak memory (this process and its children, LibreOffice included).

    .venv/bin/python -m bench.documents --packages 100 --workers 2 [--no-pdf]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import tempfile
import time
from pathlib import Path

from .common import max_rss_mb, save, timer
from .generate import dataset


def _evaluations(n: int):
    ds = dataset(max(31, (n + 4) // 5))
    return [ds.core(spec) for spec in ds.evaluations[:n]]


def _package_files(ev, directory: Path, index: int) -> Path:
    from jixiao.core.audit import audit
    from jixiao.core.scoring import score
    from jixiao.io.excel import export_score_table
    from jixiao.reports import render_report

    sheet = score(ev)
    findings = audit(sheet)
    stem = f"{index:04d}-{ev.framework.id}"
    docx = render_report(sheet, findings, directory / f"{stem}.docx")
    layout = "004" if sheet.framework.kind == "项目支出" else "000"
    export_score_table(sheet, directory / f"{stem}.xlsx", layout=layout, findings=findings)
    return docx


def _batch(args) -> dict:
    """One worker: render its evaluations' docx + xlsx, then one LibreOffice run for the PDFs."""
    evaluations, offset, directory, pdf = args
    from jixiao.reports import to_pdf

    directory = Path(directory)
    t0 = time.perf_counter()
    docs = [_package_files(ev, directory, offset + i) for i, ev in enumerate(evaluations)]
    t1 = time.perf_counter()
    if pdf and docs:
        to_pdf(docs, directory)
    t2 = time.perf_counter()
    return {"n": len(docs), "render_seconds": t1 - t0, "pdf_seconds": t2 - t1,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "children_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def single(pdf: bool = True) -> dict:
    """One package, timed part by part (first call: includes imports and template loading)."""
    from jixiao.core.audit import audit
    from jixiao.core.scoring import score
    from jixiao.io.excel import export_score_table
    from jixiao.reports import render_report, to_pdf

    ev = _evaluations(1)[0]
    out = {}
    with tempfile.TemporaryDirectory(prefix="jixiao-bench-doc-") as work:
        d = Path(work)
        for attempt in ("cold", "warm"):
            with timer() as t:
                sheet = score(ev)
                findings = audit(sheet)
            with timer() as td:
                docx = render_report(sheet, findings, d / f"{attempt}.docx")
            with timer() as tx:
                export_score_table(sheet, d / f"{attempt}.xlsx", findings=findings)
            tp = {"seconds": None}
            if pdf:
                with timer() as tp:
                    to_pdf([docx], d)
            out[attempt] = {"score_audit_s": round(t["seconds"], 3), "docx_s": round(td["seconds"], 3),
                            "xlsx_s": round(tx["seconds"], 3),
                            "pdf_s": round(tp["seconds"], 2) if tp["seconds"] is not None else None}
    return out


def batch(packages: int, workers: int, pdf: bool = True) -> dict:
    evaluations = _evaluations(packages)
    ctx = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory(prefix="jixiao-bench-docs-") as work:
        chunks = []
        for w in range(workers):
            lo, hi = w * packages // workers, (w + 1) * packages // workers
            chunks.append((evaluations[lo:hi], lo, work, pdf))
        start = time.perf_counter()
        with ctx.Pool(workers, maxtasksperchild=1) as pool:
            parts = pool.map(_batch, chunks)
        wall = time.perf_counter() - start
        files = sorted(p.suffix for p in Path(work).iterdir())
    return {"packages": packages, "workers": workers, "pdf": pdf, "seconds": round(wall, 2),
            "packages_per_min": round(packages / wall * 60, 1),
            "render_seconds_max": round(max(p["render_seconds"] for p in parts), 2),
            "pdf_seconds_max": round(max(p["pdf_seconds"] for p in parts), 2),
            "worker_rss_peak_mb": round(max(p["rss_mb"] for p in parts), 1),
            "libreoffice_rss_peak_mb": round(max(p["children_rss_mb"] for p in parts), 1),
            "files": {s: files.count(s) for s in sorted(set(files))}}


def run(sizes: list[int], workers: int = 2, pdf: bool = True) -> dict:
    out = {"single": single(pdf), "batches": [batch(n, workers, pdf) for n in sizes]}
    out["rss_peak_mb"] = round(max_rss_mb(), 1)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, nargs="+", default=[10, 30, 100])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-pdf", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.packages, args.workers, not args.no_pdf)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    save("documents", result)


if __name__ == "__main__":
    main()
