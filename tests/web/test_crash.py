"""An import or save killed halfway (``kill -9`` of the worker) leaves the database exactly as
it was: every table's rows, the change trail (history tables) included.

How: a worker server process (``python`` with Django set up on a file-based SQLite database,
or on PostgreSQL in the PostgreSQL stage) forks one worker per run, as gunicorn forks its
workers. The worker patches — in itself only, no hook in the product — the database cursor
(or ``IndicatorValue.save``, called once per row) so that after the N-th write statement (or
row) it writes a marker file and sleeps inside the open transaction. The test waits for the
marker, sends SIGKILL, then compares every table with the snapshot taken before. Operations:

- ``import``: ``bridge.import_evaluation_file`` (an evaluation YAML with its 36 rows and their
  history, then the scores cached);
- ``return``: the reviewer's 退回 through ``views.transition`` with comments on twelve rows
  (a multi-row save: each row and its history record, then the evaluation's state);
- ``restore``: ``jixiao restore --replace`` of a backup (flush, thousands of rows, sequences).

Each runs to completion once first (counting its writes, and showing it does change the
database), then is killed at several points spread over its writes; after the last kill the
same operation runs to completion on the crashed database (nothing left locked or half-done).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings

ON_POSTGRES = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
EXAMPLE = Path(__file__).resolve().parents[2] / "src" / "jixiao" / "examples" / "nanjing-2023-department.yaml"

SETUP = r"""
import sys
import django
django.setup()
from pathlib import Path
from django.core.management import call_command
call_command("migrate", verbosity=0)
from jixiao.web.backup import backup
from jixiao.web.demo import setup_demo
from jixiao.web.models import Evaluation
setup_demo()
backup(Path(sys.argv[1]))  # before the submission below, so restoring it changes the site
nanjing = Evaluation.objects.get(unit__name="南京市医疗保险管理中心")
nanjing.state = Evaluation.SUBMITTED
nanjing._change_reason = "提交"
nanjing.save()
"""

WORKER_SERVER = r"""
import json, os, sys, time, traceback
import django
django.setup()
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.messages.storage.fallback import FallbackStorage
from django.db.backends import utils as db_utils
from django.test import RequestFactory

from jixiao.web import backup, bridge
from jixiao.web.evaluations import views
from jixiao.web.models import Evaluation, IndicatorValue, Unit

EXAMPLE, BACKUP = sys.argv[1], sys.argv[2]
WRITES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE")


def install(point, marker):
    kind, n = point.split(":")
    n = int(n)
    state = {"writes": 0, "rows": 0}

    def pause():
        Path(marker).write_text(json.dumps(state))
        time.sleep(300)  # inside the open transaction, until the test kills this process
        os._exit(3)

    for name in ("execute", "executemany"):
        original = getattr(db_utils.CursorWrapper, name)

        def wrapped(self, sql, *args, _original=original, **kwargs):
            result = _original(self, sql, *args, **kwargs)
            if sql.lstrip()[:8].upper().startswith(WRITES):
                state["writes"] += 1
                state["last"] = sql.lstrip()[:60]
                if kind == "sql" and state["writes"] == n:
                    pause()
            return result
        setattr(db_utils.CursorWrapper, name, wrapped)
    save = IndicatorValue.save

    def counted_save(self, *args, **kwargs):
        save(self, *args, **kwargs)
        state["rows"] += 1
        if kind == "row" and state["rows"] == n:
            pause()
    IndicatorValue.save = counted_save
    return state


def op_import():
    bridge.import_evaluation_file(Path(EXAMPLE), Unit.objects.get(name="宿州市医疗保障局"))


def op_return():
    evaluation = Evaluation.objects.get(unit__name="南京市医疗保险管理中心")
    codes = list(evaluation.values.order_by("id").values_list("code", flat=True)[:12])
    data = {"comment": "佐证材料不全，请补充", **{f"comment:{c}": f"请核实{c}的佐证" for c in codes}}
    request = RequestFactory().post(f"/evaluations/{evaluation.pk}/return/", data)
    request.user = get_user_model().objects.get(username="sheng_shenhe")
    request.session = {}
    request._messages = FallbackStorage(request)
    response = views.transition(request, evaluation.pk, "return")
    assert response.status_code == 302, response.status_code
    assert Evaluation.objects.get(pk=evaluation.pk).state == Evaluation.RETURNED


def op_restore():
    backup.restore(Path(BACKUP), replace=True)


OPS = {"import": op_import, "return": op_return, "restore": op_restore}

for line in sys.stdin:
    command = json.loads(line)
    pid = os.fork()
    if pid == 0:  # the worker: no database connection is inherited (none was opened above)
        code = 0
        try:
            state = install(command["point"], command["marker"])
            OPS[command["op"]]()
            Path(command["marker"]).write_text(json.dumps({**state, "finished": True}))
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        os._exit(code)
    print(json.dumps({"pid": pid}), flush=True)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"status": status}), flush=True)
"""


# --- the databases ------------------------------------------------------------------------------

class SqliteSite:
    def __init__(self, folder: Path):
        self.base = folder / "base.sqlite3"
        self.run = folder / "run.sqlite3"
        self.url = f"sqlite:///{self.run}"
        self.setup_url = f"sqlite:///{self.base}"

    def reset(self) -> None:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(str(self.run) + suffix).unlink(missing_ok=True)
        shutil.copyfile(self.base, self.run)

    def snapshot(self, which: str = "run") -> dict[str, list]:
        # opening the file after a kill rolls back the hot journal the worker left
        con = sqlite3.connect(self.base if which == "base" else self.run)
        try:
            tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
            return {t: sorted(repr(r) for r in con.execute(f'SELECT * FROM "{t}"')) for t in tables}
        finally:
            con.close()

    def close(self) -> None:
        pass


class PostgresSite:
    def __init__(self, folder: Path):
        server = django_settings.DATABASES["default"]
        self.conninfo = dict(host=server["HOST"], port=server["PORT"] or 5432, user=server["USER"],
                             password=server["PASSWORD"] or None)
        tag = uuid.uuid4().hex[:8]
        self.base_name, self.run_name = f"jixiao_crash_base_{tag}", f"jixiao_crash_run_{tag}"
        where = f"{server['USER']}@{server['HOST']}:{self.conninfo['port']}"
        self.url, self.setup_url = f"postgres://{where}/{self.run_name}", f"postgres://{where}/{self.base_name}"
        self._admin(f'CREATE DATABASE "{self.base_name}"')

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(**self.conninfo, dbname="postgres", autocommit=True) as con:
            con.execute(sql)

    def reset(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.run_name}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{self.run_name}" TEMPLATE "{self.base_name}"')

    def snapshot(self, which: str = "run") -> dict[str, list]:
        import psycopg

        name = self.base_name if which == "base" else self.run_name
        with psycopg.connect(**self.conninfo, dbname=name) as con:
            tables = [t for (t,) in con.execute("SELECT tablename FROM pg_tables WHERE schemaname='public' ORDER BY 1")]
            return {t: sorted(repr(r) for r in con.execute(f'SELECT * FROM "{t}"')) for t in tables}

    def close(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.run_name}" WITH (FORCE)')
        self._admin(f'DROP DATABASE IF EXISTS "{self.base_name}" WITH (FORCE)')


def _env(url: str, folder: Path) -> dict:
    return {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "jixiao.web.settings",
            "JIXIAO_DATA": str(folder / "data"), "JIXIAO_MEDIA": str(folder / "media")}


class Workers:
    """The worker server: forks a worker per command and reports its pid and exit status."""

    def __init__(self, site, folder: Path, backup_file: Path):
        self.folder = folder
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER_SERVER, str(EXAMPLE), str(backup_file)], env=_env(site.url, folder),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def _send(self, op: str, point: str) -> tuple[int, Path]:
        marker = self.folder / f"marker-{uuid.uuid4().hex[:8]}"
        self.process.stdin.write(json.dumps({"op": op, "point": point, "marker": str(marker)}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, self.process.stderr.read()
        return json.loads(line)["pid"], marker

    def _status(self) -> int:
        line = self.process.stdout.readline()
        assert line, self.process.stderr.read()
        return json.loads(line)["status"]

    def complete(self, op: str) -> dict:
        """Run an operation to the end; its counts of write statements and saved rows."""
        _, marker = self._send(op, "count:0")
        status = self._status()
        assert status == 0 and marker.exists(), f"{op} failed (status {status})"
        state = json.loads(marker.read_text())
        assert state["finished"]
        return state

    def kill_at(self, op: str, point: str) -> dict:
        """Run an operation, SIGKILL it when it reaches ``point``; what it had done by then."""
        pid, marker = self._send(op, point)
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert time.monotonic() < deadline, f"{op} never reached {point}"
            time.sleep(0.01)
        time.sleep(0.05)  # the marker is written; the worker is asleep in its transaction
        os.kill(pid, signal.SIGKILL)
        status = self._status()
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status
        return json.loads(marker.read_text())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crash")
    site = PostgresSite(folder) if ON_POSTGRES else SqliteSite(folder)
    backup_file = folder / "backup.zip"
    try:
        result = subprocess.run([sys.executable, "-c", SETUP, str(backup_file)], env=_env(site.setup_url, folder),
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        workers = Workers(site, folder, backup_file)
        yield site, workers
        workers.close()
    finally:
        site.close()


def _differences(before: dict, after: dict) -> list[str]:
    return [f"{t}: {len(before.get(t, []))} → {len(after.get(t, []))} rows"
            for t in sorted(set(before) | set(after)) if before.get(t) != after.get(t)]


def _crash_points(op: str, counts: dict) -> list[str]:
    """Every write of the import; the first, middle and last writes (and rows) of the others.
    The last write is followed only by COMMIT."""
    writes = counts["writes"]
    if op == "import":
        return [f"sql:{n}" for n in range(1, writes + 1)]
    points = [f"sql:{n}" for n in sorted({1, writes // 2, writes})]
    if op == "return":
        points += [f"row:{n}" for n in (1, counts["rows"] // 2, counts["rows"])]
    return points


CRASHES: list[tuple[str, str, dict]] = []


@pytest.mark.parametrize("op", ["import", "return", "restore"])
def test_killed_halfway_changes_nothing(site, op):
    site_db, workers = site
    site_db.reset()
    before = site_db.snapshot()
    assert sum(map(len, before.values())) > 1000 and any(t.endswith("historicalindicatorvalue") for t in before)

    counts = workers.complete(op)  # the whole operation, once: it does write
    changed = _differences(before, site_db.snapshot())
    assert counts["writes"] >= 5 and changed, (op, counts)
    if op == "return":
        assert counts["rows"] == 12

    for point in _crash_points(op, counts):
        site_db.reset()
        done = workers.kill_at(op, point)
        assert done["writes"] >= 1
        after = site_db.snapshot()
        assert after == before, f"{op} killed at {point} ({done}): {_differences(before, after)}"
        CRASHES.append((op, point, done))

    # the crashed database is usable: the same operation now runs to completion on it
    assert workers.complete(op)["writes"] == counts["writes"]
    assert _differences(before, site_db.snapshot()) == changed
    print(f"\n{op}: {counts['writes']} writes, {counts['rows']} row saves; killed at "
          + ", ".join(p for o, p, _ in CRASHES if o == op) + "; nothing changed after any kill")
