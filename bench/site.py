"""The whole site database scored at national scale: what ``jixiao score --site`` does.

The data set of bench/generate.py is loaded, untimed, into a site database as the site stores
it (``bench.web.load``: units, framework versions, evaluations with their finance data and
questionnaires, one row per indicator with its cached score and explanation). SQLite by
default (the embedded database), PostgreSQL with ``--postgres`` (``scripts/postgres``, its own
database ``jixiao_bench_site``, dropped and made again). Each timed run is a fresh process that
sets Django up and runs ``web.evaluations.bulk.score_site``: every evaluation read (two queries
per chunk of 500), scored, audited, compared with what the database holds and what changed
written back. The first run writes back what the loader's cache holds differently; the runs
after it write nothing, and the best of those is reported, with the first, both with peak
memory and the totals digest.

    .venv/bin/python -m bench.site --size 1000 [--workers 1 2] [--repeat 3] [--postgres]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import loadavg, save
from .pipeline import vm_hwm_mb
from .web import _env, postgres_url, recreate_database

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "jixiao_bench_site"


def _child(args: list[str], env: dict) -> dict:
    proc = subprocess.run([sys.executable, "-m", "bench.site", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def timed_run(workers: int) -> dict:
    """One ``score_site`` in this process (Django set up first, untimed)."""
    import django

    django.setup()
    from jixiao.web.evaluations.bulk import score_site

    start, cpu = time.perf_counter(), time.process_time()
    outcomes, stats = score_site(workers=workers)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    digest = hashlib.sha256()
    for o in outcomes:
        digest.update(format(o.total, "f").encode() if o.total is not None else b"-")
    rows = sum(o.rows for o in outcomes)
    return {"workers": workers, "seconds": round(seconds, 3), "cpu_seconds_parent": round(cpu, 3),
            "evaluations": len(outcomes), "rows": rows, "rows_per_s": round(rows / seconds),
            "load_errors": sum(1 for o in outcomes if not o.ok), "findings": sum(o.findings for o in outcomes),
            "written": {k: stats[k] for k in ("evaluations_updated", "values_updated")},
            "records_read_whole": stats["read_whole"], "queries_parent": stats["queries"], "totals_digest": digest.hexdigest(), "peak_rss_mb": vm_hwm_mb()}


def run(size: int, workers: list[int], repeat: int = 3, postgres: bool = False) -> dict:
    work = Path(tempfile.mkdtemp(prefix="jixiao-bench-site-"))
    try:
        if postgres:
            url = postgres_url(DB_NAME)
            recreate_database(url)
        else:
            url = f"sqlite:///{work / 'db.sqlite3'}"
        env = _env(url, work)
        out = {"size": size, "database": "postgresql" if postgres else "sqlite", "loadavg_start": loadavg()}
        load = subprocess.run([sys.executable, "-m", "bench.web", "--load-only", str(size), "--targets", str(work)],
                              env=env, cwd=ROOT, capture_output=True, text=True, check=False)
        if load.returncode != 0:
            raise RuntimeError(load.stderr)
        out["load"] = json.loads(load.stdout.strip().splitlines()[-1])
        out["first_run"] = _child(["--run", "--workers", str(workers[0])], env)  # writes back what differs
        out["runs"] = []
        for w in workers:
            best = None
            for _ in range(repeat):
                before = loadavg()
                r = _child(["--run", "--workers", str(w)], env)
                r["loadavg_before"], r["loadavg"] = before, loadavg()
                if best is None or r["seconds"] < best["seconds"]:
                    best = r
            out["runs"].append(best)
        out["digests_agree"] = len({out["first_run"]["totals_digest"], *(r["totals_digest"] for r in out["runs"])}) == 1
        out["loadavg_end"] = loadavg()
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--run", action="store_true", help=argparse.SUPPRESS)  # the timed child process
    args = parser.parse_args(argv)
    if args.run:
        print(json.dumps(timed_run(args.workers[0])))
        return
    result = run(args.size, args.workers, args.repeat, args.postgres)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    save(f"site-{result['database']}-{args.size}", result)


if __name__ == "__main__":
    main()
