"""Run the benchmarks, or print the result tables of earlier runs.

    .venv/bin/python -m bench.run --size 1000                 # pipeline and scoring (+ LibreOffice), documents, web
    .venv/bin/python -m bench.run --size 300 --only scoring
    .venv/bin/python -m bench.run --report                    # Markdown tables from bench/results/*.json

Results are written to bench/results/<benchmark>-<size>.json.
"""

from __future__ import annotations

import argparse
import json

from .common import RESULTS, machine, save, table


def report() -> str:
    out = []
    m = machine()
    out.append(f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, Python {m['python']}, {m['libreoffice']}")
    scoring = sorted((json.loads(p.read_text()) for p in RESULTS.glob("scoring-*.json")), key=lambda r: r["size"])
    for r in scoring:
        r["load"] = _load(r.get("loadavg_start"), r.get("loadavg_end"))
    if scoring:
        out.append("\n### Scoring\n")
        out.append(table(scoring, [
            ("size", "units"), ("evaluations", "evaluations"), ("indicator_rows", "indicator rows"),
            ("generate_seconds", "generate s"), ("validate_seconds", "validate s"),
            ("score_seconds_1core", "score s (1 core)"), ("rows_per_s_1core", "rows/s (1 core)"),
            ("rows_per_s_1core_explained", "rows/s (1 core, every explanation built)"),
            ("rows_per_s_parallel", "rows/s (2 procs)"), ("rss_peak_mb", "peak RSS MiB"),
            ("sheets_kb_per_evaluation", "KiB per score sheet (lazy)"),
            ("sheets_kb_per_evaluation_explained", "KiB per score sheet (explained)"),
            ("load", "load avg (start → end)")]))
        lo = [{"size": r["size"], **r["libreoffice"], "engine": r["rows_per_s_1core"],
               "ratio_marginal": r.get("engine_vs_libreoffice_marginal"), "ratio_total": r.get("engine_vs_libreoffice_total"),
               "small_rows": r["libreoffice"]["small"]["rows"], "small_s": r["libreoffice"]["small"]["seconds"],
               "large_rows": r["libreoffice"]["large"]["rows"], "large_s": r["libreoffice"]["large"]["seconds"],
               "values_s": r["libreoffice"]["values"]["seconds"]} for r in scoring if "libreoffice" in r]
        if lo:
            out.append("\n### Engine vs. Excel formulas recalculated by LibreOffice\n")
            out.append(table(lo, [
                ("size", "data set"), ("small_rows", "rows (small)"), ("small_s", "LO s"), ("large_rows", "rows (large)"),
                ("large_s", "LO s"), ("values_s", "LO s, values only"), ("lo_rows_per_s_marginal", "LO rows/s (marginal)"),
                ("lo_rows_per_s_total", "LO rows/s (whole run)"), ("engine", "engine rows/s"),
                ("ratio_marginal", "engine ÷ LO (marginal)"), ("ratio_total", "engine ÷ LO (whole run)"),
                ("mismatches", "score mismatches")]))
    pipeline = sorted((json.loads(p.read_text()) for p in RESULTS.glob("pipeline-*.json")), key=lambda r: r["size"])
    if pipeline:
        out.append("\n### End to end: load → validate → score → audit → totals written\n")
        rows = []
        for r in pipeline:
            lo = r.get("libreoffice", {})
            for run in r["runs"]:
                rows.append({"size": r["size"], "evaluations": r["evaluations"], "rows": run["rows"],
                             "workers": run["workers"], "seconds": run["seconds"], "rows_per_s": run["rows_per_s"],
                             "median": run.get("seconds_median"), "runs": len(run.get("seconds_each_run") or [1]),
                             "us_per_row": run.get("cpu_us_per_row"), "rows_per_cpu_s": run.get("rows_per_cpu_s"),
                             "peak": run["peak_rss_mb"], "peak_all": run.get("peak_rss_mb_all_processes"), "digest": "yes" if run["digest_matches_reference"] else "NO",
                             "lo_rows": lo.get("large", {}).get("rows"), "lo_s": lo.get("large", {}).get("seconds"),
                             "lo_rps": lo.get("lo_rows_per_s_total"), "ratio": run.get("vs_libreoffice_whole_run"),
                             "ratio_marginal": run.get("vs_libreoffice_marginal"),
                             "load": _load(run.get("loadavg_before") or r.get("loadavg_start"), run.get("loadavg"))})
        out.append(table(rows, [
            ("size", "units"), ("evaluations", "evaluations"), ("rows", "indicator rows"), ("workers", "processes"),
            ("seconds", "wall s (best)"), ("median", "wall s (median)"), ("runs", "runs"),
            ("rows_per_s", "rows/s end to end"), ("us_per_row", "CPU µs per row"),
            ("rows_per_cpu_s", "rows per CPU-second"),
            ("peak", "peak RSS MiB (largest process)"), ("peak_all", "peak RSS MiB (all processes)"), ("digest", "totals digest unchanged"), ("lo_rows", "LO rows"),
            ("lo_s", "LO s (start, load, calculate, save)"), ("lo_rps", "LO rows/s"),
            ("ratio", "engine ÷ LO (whole run)"), ("ratio_marginal", "engine ÷ LO (marginal)"),
            ("load", "load avg")]))
    site = sorted((json.loads(p.read_text()) for p in RESULTS.glob("site-*.json")), key=lambda r: (r["database"], r["size"]))
    if site:
        out.append("\n### The site database scored in bulk: `jixiao score --site` (bench/site.py)\n")
        rows = []
        for r in site:
            for label, run in (("first (writes back)", r["first_run"]), *(("again", x) for x in r["runs"])):
                rows.append({"db": r["database"], "size": r["size"], "evaluations": run["evaluations"], "rows": run["rows"],
                             "run": label, "workers": run["workers"], "seconds": run["seconds"],
                             "rows_per_s": run["rows_per_s"], "written": run["written"]["values_updated"],
                             "peak": run["peak_rss_mb"], "digest": "yes" if r["digests_agree"] else "NO",
                             "load": _load(run.get("loadavg_before"), run.get("loadavg"))})
        out.append(table(rows, [
            ("db", "database"), ("size", "units"), ("evaluations", "evaluations"), ("rows", "indicator rows"),
            ("run", "run"), ("workers", "processes"), ("seconds", "wall s"), ("rows_per_s", "rows/s"),
            ("written", "row scores written back"), ("peak", "peak RSS MiB (parent)"), ("digest", "same totals every run"),
            ("load", "load avg")]))
    docs = RESULTS / "documents.json"
    if docs.exists():
        d = json.loads(docs.read_text())
        out.append("\n### Documents (docx + xlsx + pdf per package)\n")
        single = [{"run": k, **v} for k, v in d["single"].items()]
        out.append(table(single, [("run", "one package"), ("score_audit_s", "score+audit s"), ("docx_s", "docx s"),
                                  ("xlsx_s", "xlsx s"), ("pdf_s", "pdf s (own LibreOffice run)")]))
        out.append("")
        out.append(table(d["batches"], [
            ("packages", "packages"), ("workers", "workers"), ("seconds", "wall s"), ("packages_per_min", "packages/min"),
            ("render_seconds_max", "docx+xlsx s (slowest worker)"), ("pdf_seconds_max", "pdf s (one LO run per worker)"),
            ("worker_rss_peak_mb", "worker peak RSS MiB"), ("libreoffice_rss_peak_mb", "LibreOffice peak RSS MiB")]))
    web = sorted((json.loads(p.read_text()) for p in RESULTS.glob("web-*.json")), key=lambda r: r["size"])
    if web:
        out.append("\n### Web (PostgreSQL + gunicorn, wrk)\n")
        loads = [{"size": w["size"], **w["load"]["counts"], **w["load"]["timings"],
                  "province_evaluations": w["load"]["province_evaluations"], "workers": w["gunicorn_workers"]} for w in web]
        out.append(table(loads, [("size", "units"), ("evaluations", "evaluations"), ("indicator_values", "indicator rows"),
                                 ("history_rows", "history rows"), ("load_s", "bulk load s"),
                                 ("province_evaluations", "evaluations in the province"), ("workers", "gunicorn workers")]))
        rows = [{"size": w["size"], **r, "load": _load(r.get("loadavg_before"), r.get("loadavg_after"))}
                for w in web for r in w["results"]]
        out.append("\nClosed loop (each client sends its next request as soon as it has the answer):\n")
        out.append(table(rows, [("size", "units"), ("endpoint", "endpoint"), ("clients", "clients"), ("rps", "req/s"),
                                ("p50_ms", "p50 ms"), ("p95_ms", "p95 ms"), ("p99_ms", "p99 ms"), ("errors", "errors"),
                                ("cpu_app_ms", "CPU ms/req (site)"), ("cpu_db_ms", "CPU ms/req (PostgreSQL)"),
                                ("capacity_rps_2cores", "req/s 2 idle cores could serve"), ("load", "load avg")]))
        users = [{"size": w["size"], **r, "load": _load(r.get("loadavg_before"), r.get("loadavg_after"))}
                 for w in web for r in w.get("realistic", [])]
        if users:
            out.append("\nRealistic users (each waits 1–3 s after an answer, then connects and sends its next "
                       "request; `mixed`: four row saves per page view):\n")
            out.append(table(users, [("size", "units"), ("endpoint", "endpoint"), ("users", "users"),
                                     ("rps", "req/s"), ("requests", "requests"), ("p50_ms", "p50 ms"),
                                     ("p95_ms", "p95 ms"), ("p99_ms", "p99 ms"), ("max_ms", "max ms"),
                                     ("errors", "errors"), ("cpu_app_ms", "CPU ms/req (site)"),
                                     ("cpu_db_ms", "CPU ms/req (PostgreSQL)"), ("load", "load avg")]))
    return "\n".join(out)


def _load(before, after) -> str | None:
    """The 1-minute load average before → after a run (2 CPUs; the machine is shared)."""
    if not before:
        return None
    return f"{before[0]:.1f} → {after[0]:.1f}" if after else f"{before[0]:.1f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--only", choices=("scoring", "pipeline", "documents", "web"), action="append")
    parser.add_argument("--lo-rows", type=int, default=20000)
    parser.add_argument("--packages", type=int, nargs="+", default=[10, 30, 100])
    parser.add_argument("--report", action="store_true")
    args = parser.parse_args(argv)
    if args.report:
        print(report())
        return
    only = set(args.only or ("scoring", "pipeline", "documents", "web"))
    if "pipeline" in only:
        from . import pipeline

        save(f"pipeline-{args.size}", pipeline.run(args.size, [1, 2], lo_rows=args.lo_rows, repeat=3))
    if "scoring" in only:
        from . import scoring

        save(f"scoring-{args.size}", scoring.run(args.size, workers=2, lo_rows=args.lo_rows, repeat=3))
    if "documents" in only:
        from . import documents

        save("documents", documents.run(args.packages, workers=2))
    if "web" in only:
        from . import web

        save(f"web-{args.size}", web.run(args.size, n_users=50))
    print(report())


if __name__ == "__main__":
    main()
