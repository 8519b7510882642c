"""The web site under load: PostgreSQL (scripts/postgres) and gunicorn on 127.0.0.1, loaded
with the synthetic national data set, measured with wrk.

Steps: start PostgreSQL, (re)create the database ``jixiao_bench``, migrate, bulk-load the
units, framework versions, evaluations (scored by the core, with cached totals and summaries)
and indicator rows with their history (``bulk_create`` in batches, not one save per row),
create preparer sessions for 50 county units plus a provincial reviewer and a national
administrator, start gunicorn, then run wrk against

* ``entry``: the evaluation entry page (GET ``/evaluations/<pk>/``) of a random preparer;
* ``save``: the live-scoring row save (POST ``/evaluations/<pk>/rows/C21/``, a new actual value:
  validate, save with history, re-score, re-render the row);
* ``dashboard_province``: the dashboard of a provincial reviewer (the largest province);
* ``dashboard_national``: the dashboard of the national administrator (every unit);

at 1, 10 and 50 concurrent connections, reporting requests/s, p50, p95 and p99 latency.
That is a closed loop: each connection sends its next request as soon as the last one is
answered, so 50 connections saturate 2 cores and measure throughput as much as latency.

``--users`` adds the realistic-users mode: that many users, each waiting a random 1–3 s
(``--think``) after a response before its next request, as locust users do. They are Python
threads that connect, send and read one request after each think time (``users()``): wrk's
own delay keeps its connection open and idle during the think time, which ties up a sync
gunicorn worker waiting for the request, so wrk is not used for this mode. The latency runs
from connecting to the last byte of the answer. Besides the four endpoints it runs ``mixed``:
preparers filling in their own evaluation, four row saves for every view of the entry page
(a page viewed after a save is re-rendered: the cached grid's key changed).

    .venv/bin/python -m bench.web --size 1000 [--duration 10] [--users 50 --think 1000-3000 --users-duration 30] [--keep]
    .venv/bin/python -m bench.web --size 1000 --users 50 --users-only   # realistic users only, into the same result file
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from .common import loadavg, save, timer

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "jixiao_bench"
PORT = 8765
CONCURRENCY = (1, 10, 50)

LUA = r"""
local targets = {}
local body = nil
local method = "GET"
function init(args)
  method = args[1]
  for line in io.lines(args[2]) do
    local path, cookie, token, m = line:match("([^\t]+)\t([^\t]+)\t([^\t]+)\t?([A-Z]*)")
    table.insert(targets, {path, cookie, token, (m ~= "" and m) or method})
  end
end
request = function()
  local t = targets[math.random(#targets)]
  local headers = {["Cookie"] = t[2], ["X-CSRFToken"] = t[3], ["Host"] = "127.0.0.1"}
  if t[4] == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return wrk.format("POST", t[1], headers, "actual=" .. string.format("%.2f", 5 + math.random() * 25))
  end
  return wrk.format("GET", t[1], headers)
end
done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format('RESULT {"requests": %d, "seconds": %.3f, "errors": %d, "p50_ms": %.1f, "p95_ms": %.1f, "p99_ms": %.1f, "max_ms": %.1f}\n',
    summary.requests, summary.duration / 1e6, bad, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    k = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def users(targets: Path, n: int, duration: float, think: tuple[int, int], seed: int = 11) -> dict:
    """``n`` users for ``duration`` seconds: each thinks ``think`` ms (uniform), then connects,
    sends one request of the targets file (a random line; POST lines carry a new actual value,
    as wrk's script does) and reads the whole answer. Latency: connect → last byte."""
    import http.client
    import threading

    lines = [line.split("\t") for line in targets.read_text(encoding="utf-8").splitlines() if line.strip()]
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def user(k: int) -> None:
        rng = random.Random(seed * 1000 + k)
        while True:
            time.sleep(rng.uniform(think[0], think[1]) / 1000)
            if time.monotonic() >= stop_at:
                return
            path, cookie, token, *rest = rng.choice(lines)
            method = rest[0] if rest and rest[0] else ("POST" if "/rows/" in path else "GET")
            headers = {"Cookie": cookie, "X-CSRFToken": token, "Host": "127.0.0.1"}
            body = None
            if method == "POST":
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                body = f"actual={5 + rng.random() * 25:.2f}"
            start = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
                conn.close()
            except OSError:
                ok = False
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors[0] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=user, args=(k,), daemon=True) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    values = sorted(latencies)
    return {"requests": len(values), "seconds": round(seconds, 3), "errors": errors[0],
            "p50_ms": round(_percentile(values, 50), 1), "p95_ms": round(_percentile(values, 95), 1),
            "p99_ms": round(_percentile(values, 99), 1), "max_ms": round(values[-1], 1) if values else 0.0,
            "rps": round(len(values) / seconds, 1)}


def postgres_url(name: str = DB_NAME) -> str:
    """The URL of the database ``name`` on the project's PostgreSQL server (scripts/postgres)."""
    base = subprocess.run([str(ROOT / "scripts" / "postgres")], capture_output=True, text=True, check=True).stdout.strip()
    return base.rsplit("/", 1)[0] + "/" + name


def recreate_database(url: str) -> None:
    """Drop and create the database ``url`` names (its last path part)."""
    import psycopg

    admin, name = url.rsplit("/", 1)
    with psycopg.connect(admin + "/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


def _env(url: str, data_dir: str) -> dict:
    """The environment of a child process on the bench database; a PYTHONPATH already set (another
    checkout's src, to measure its engine) is kept after this checkout's root (the bench package)."""
    return {**os.environ, "DATABASE_URL": url, "JIXIAO_DATA": str(data_dir), "DJANGO_SETTINGS_MODULE": "jixiao.web.settings",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def load(size: int, targets_dir: Path) -> dict:
    """Run inside a process whose environment points Django at the bench database."""
    import django

    django.setup()
    import yaml
    from django.contrib.auth import get_user_model
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from simple_history.utils import bulk_create_with_history

    from jixiao.core.audit import audit
    from jixiao.core.scoring import score
    from jixiao.web import bridge
    from jixiao.web.models import Account, Evaluation, FrameworkVersion, IndicatorValue, Unit

    from .generate import COVERAGE, dataset

    _plain = getattr(bridge, "plain", None) or getattr(bridge, "_plain")
    timings = {}
    with timer() as t:
        call_command("migrate", verbosity=0)
    timings["migrate_s"] = round(t["seconds"], 1)
    ds = dataset(size)
    with timer() as t, transaction.atomic():
        # units with explicit keys so the materialised path is known without a save per unit
        paths: dict[int, str] = {}
        objs = []
        for u in ds.units:
            pk = u.index + 1
            paths[u.index] = f"{paths[u.parent] if u.parent is not None else '/'}{pk}/"
            objs.append(Unit(pk=pk, name=u.name, level=u.level, region=u.region,
                             parent_id=None if u.parent is None else u.parent + 1, path=paths[u.index]))
        Unit.objects.bulk_create(objs, batch_size=2000)
        # framework versions: built-in files as they are, the department frameworks as the importer stores them
        versions = {}
        for fid, fw in ds.frameworks.items():
            if fid.startswith("national-"):
                text = (ROOT / "src" / "jixiao" / "frameworks" / f"{fid}.yaml").read_text(encoding="utf-8")
            elif fid == "bench-coverage-fund-2023":
                text = COVERAGE.read_text(encoding="utf-8")
            else:
                text = yaml.safe_dump(_plain(fw.model_dump(exclude_none=True)), allow_unicode=True, sort_keys=False)
            versions[fid] = bridge.store_framework(text, fid, builtin=True)
        extras = {fid: {k: _plain(v.model_dump(exclude_none=True) if hasattr(v, "model_dump") else
                                         [q.model_dump(exclude_none=True) for q in v])
                        for k, v in extra.items()} for fid, extra in ds.extras.items()}
        codes = {fid: [c for i in fw.indicators() for c in (i.code, *(s.code for s in i.subrows))]
                 for fid, fw in ds.frameworks.items()}
        batch_e, batch_v = [], []

        def flush():
            created = bulk_create_with_history([e for e, _ in batch_e], Evaluation, batch_size=1000,
                                               default_change_reason="导入")
            values = []
            for ev, rows in zip(created, (r for _, r in batch_e)):
                for code, data, score_, explanation in rows:
                    values.append(IndicatorValue(evaluation=ev, code=code, data=data, score=score_,
                                                 explanation=explanation))
            bulk_create_with_history(values, IndicatorValue, batch_size=5000, default_change_reason="导入")
            batch_e.clear()

        for spec in ds.evaluations:
            core = ds.core(spec)
            sheet = score(core)
            findings = audit(sheet)
            by_code = {r.code: r for r in sheet.rows}
            extra = {k: extras[spec.framework][k] for k in spec.extra_keys}
            if spec.declared_total is not None:
                extra["declared_total"] = spec.declared_total
            ev = Evaluation(unit_id=spec.unit + 1, year=2023, framework=versions[spec.framework], title=spec.title,
                            extra=extra, total=sheet.total, grade=sheet.grade, declared_total=sheet.declared_total,
                            findings_count=len(findings), summary=bridge.summary_of(sheet, findings))
            rows = [(c, bridge.compact_input(spec.inputs.get(c, {})), by_code[c].score, by_code[c].explanation)
                    for c in codes[spec.framework]]
            batch_e.append((ev, rows))
            if len(batch_e) >= 500:
                flush()
        if batch_e:
            flush()
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Unit]):
                cursor.execute(sql)
    timings["load_s"] = round(t["seconds"], 1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    counts = {"units": Unit.objects.count(), "evaluations": Evaluation.objects.count(),
              "indicator_values": IndicatorValue.objects.count(),
              "history_rows": IndicatorValue.history.count()}

    # accounts and sessions
    User = get_user_model()
    rng = random.Random(7)

    def session_for(user) -> tuple[str, str]:
        s = SessionStore()
        s[SESSION_KEY] = str(user.pk)
        s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        s[HASH_SESSION_KEY] = user.get_session_auth_hash()
        s.create()
        token = secrets.token_hex(16)  # a 32-character CSRF secret, sent as cookie and header
        return f"sessionid={s.session_key}; csrftoken={token}", token

    counties = [u for u in ds.units if u.level == "县"] or ds.units
    picked = rng.sample(counties, min(50, len(counties)))
    entry_lines, save_lines, mixed_lines = [], [], []
    evs = {(e.unit_id, e.framework.key): e.pk for e in Evaluation.objects.select_related("framework")}
    for i, u in enumerate(picked):
        user = User.objects.create_user(username=f"preparer{i}", password="x")
        Account.objects.create(user=user, unit_id=u.index + 1, role=Account.PREPARER)
        cookie, token = session_for(user)
        for (unit_id, key), pk in evs.items():
            if unit_id == u.index + 1:
                entry_lines.append(f"/evaluations/{pk}/\t{cookie}\t{token}")
                if key == "bench-coverage-fund-2023":
                    save_lines.append(f"/evaluations/{pk}/rows/C21/\t{cookie}\t{token}")
                    mixed_lines.append(f"/evaluations/{pk}/\t{cookie}\t{token}\tGET")
                    mixed_lines.extend([f"/evaluations/{pk}/rows/C21/\t{cookie}\t{token}\tPOST"] * 4)
    province_sizes = {}
    for u in ds.units:
        province_sizes[u.province] = province_sizes.get(u.province, 0) + 1
    big = max(province_sizes, key=province_sizes.get)
    reviewer = User.objects.create_user(username="province_reviewer", password="x")
    Account.objects.create(user=reviewer, unit_id=big + 1, role=Account.REVIEWER)
    admin = User.objects.create_user(username="national_admin", password="x")
    Account.objects.create(user=admin, unit_id=1, role=Account.ADMIN)
    rc, rt = session_for(reviewer)
    ac, at = session_for(admin)
    files = {"entry": entry_lines, "save": save_lines, "mixed": mixed_lines,
             "dashboard_province": [f"/dashboard/\t{rc}\t{rt}"], "dashboard_national": [f"/dashboard/\t{ac}\t{at}"]}
    for name, lines in files.items():
        (targets_dir / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"timings": timings, "counts": counts, "province_units": province_sizes[big],
            "province_evaluations": Evaluation.objects.filter(unit__path__startswith=f"/{big + 1}/").count()}


def _wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _server_processes(master: int) -> dict[str, list[int]]:
    """gunicorn's workers, and the PostgreSQL backends connected to the bench database (other
    databases on the same server, e.g. other people's tests, are not counted)."""
    app, db = [], []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if stat.rsplit(")", 1)[1].split()[1] == str(master):
            app.append(int(entry.name))
        elif cmdline.startswith(b"postgres: ") and f" {DB_NAME} ".encode() in cmdline:
            db.append(int(entry.name))
    return {"app": app, "db": db}


def cpu_snapshot(master: int) -> dict[str, dict[int, float]]:
    return {kind: {pid: _cpu(pid) for pid in pids} for kind, pids in _server_processes(master).items()}


def cpu_per_request(before: dict, after: dict, requests: int) -> dict:
    """CPU milliseconds per request spent by the site (gunicorn workers) and by PostgreSQL:
    what a request costs whatever else the shared machine is doing, and so the requests/s two
    otherwise idle cores could serve."""
    out = {}
    for kind in ("app", "db"):
        used = sum(cpu - before[kind].get(pid, 0.0) for pid, cpu in after[kind].items())
        out[f"cpu_{kind}_ms"] = round(used / max(requests, 1) * 1000, 2)
    total = out["cpu_app_ms"] + out["cpu_db_ms"]
    out["capacity_rps_2cores"] = round(2000 / total, 1) if total else None
    return out


def wrk(script: Path, method: str, targets: Path, connections: int, duration: int) -> dict:
    threads = max(1, min(2, connections))
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "-s", str(script),
           f"http://127.0.0.1:{PORT}", "--", method, str(targets)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {proc.stdout}\n{proc.stderr}")
    result = json.loads(line[7:])
    result["rps"] = round(result["requests"] / result["seconds"], 1)
    return result


def run(size: int, duration: int = 10, workers: int | None = None, keep: bool = False,
        concurrency=CONCURRENCY, n_users: int = 0, think: tuple[int, int] = (1000, 3000),
        users_duration: int = 30, users_only: bool = False) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    workers = workers or (2 * (os.cpu_count() or 1) + 1)
    url = postgres_url()
    recreate_database(url)
    work = Path(tempfile.mkdtemp(prefix="jixiao-bench-web-"))
    env = _env(url, str(work))
    out = {"size": size, "gunicorn_workers": workers, "duration_s": duration, "loadavg_start": loadavg()}
    proc = subprocess.run([sys.executable, "-m", "bench.web", "--load-only", str(size), "--targets", str(work)],
                          env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)
    out["load"] = json.loads(proc.stdout.strip().splitlines()[-1])
    script = work / "bench.lua"
    script.write_text(LUA, encoding="utf-8")
    gunicorn = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "jixiao.web.wsgi:application",
                                 "-b", f"127.0.0.1:{PORT}", "-w", str(workers), "--log-level", "warning"],
                                env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(work / "gunicorn.log", "w"))
    try:
        _wait_http(f"http://127.0.0.1:{PORT}/login/")
        results = []
        for name, method in (("entry", "GET"), ("save", "POST"), ("dashboard_province", "GET"),
                             ("dashboard_national", "GET")):
            targets = work / f"{name}.txt"
            wrk(script, method, targets, workers, 3)  # warm every worker (framework cache, connections)
            for c in (() if users_only else concurrency):
                before, cpu = loadavg(), cpu_snapshot(gunicorn.pid)
                r = wrk(script, method, targets, c, duration)
                r.update(cpu_per_request(cpu, cpu_snapshot(gunicorn.pid), r["requests"]))
                r.update(endpoint=name, clients=c, loadavg_before=before, loadavg_after=loadavg())
                results.append(r)
                print(json.dumps(r, ensure_ascii=False), flush=True)
        out["results"] = results
        if n_users:
            realistic = []
            for name in ("entry", "save", "mixed", "dashboard_province", "dashboard_national"):
                before, cpu = loadavg(), cpu_snapshot(gunicorn.pid)
                r = users(work / f"{name}.txt", n_users, users_duration, think)
                r.update(cpu_per_request(cpu, cpu_snapshot(gunicorn.pid), r["requests"]))
                r.update(endpoint=name, users=n_users, think_ms=f"{think[0]}–{think[1]}", loadavg_before=before,
                         loadavg_after=loadavg())
                realistic.append(r)
                print(json.dumps(r, ensure_ascii=False), flush=True)
            out["realistic"] = realistic
        out["loadavg_end"] = loadavg()
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--users", type=int, default=0, help="realistic-users mode: users with think time (0: skip)")
    parser.add_argument("--think", default="1000-3000", help="think time between requests, ms (lo-hi)")
    parser.add_argument("--users-duration", type=int, default=30)
    parser.add_argument("--users-only", action="store_true",
                        help="only the realistic-users mode, added to the existing result file")
    parser.add_argument("--load-only", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--targets", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.load_only is not None:
        print(json.dumps(load(args.load_only, Path(args.targets)), ensure_ascii=False))
        return
    lo, hi = (int(x) for x in args.think.split("-"))
    result = run(args.size, args.duration, args.workers, args.keep, n_users=args.users, think=(lo, hi),
                 users_duration=args.users_duration, users_only=args.users_only)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if args.users_only:
        from .common import RESULTS

        previous = RESULTS / f"web-{args.size}.json"
        if previous.exists():
            merged = json.loads(previous.read_text(encoding="utf-8"))
            merged["realistic"] = result.get("realistic", [])
            merged["realistic_loadavg"] = [result["loadavg_start"], result["loadavg_end"]]
            result = merged
    save(f"web-{args.size}", result)


if __name__ == "__main__":
    main()
