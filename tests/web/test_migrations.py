"""Migrations apply from an empty database (SQLite and PostgreSQL) and from the previous
release's schema, with every record of that release surviving; no model change lacks its
migration.

Each migration runs in a separate ``python`` process on its own database (a copied SQLite
file or a fresh PostgreSQL database), the way an operator upgrades a site: ``migrate`` with
the current code. ``tests/fixtures/release-0.1/site.sqlite3`` was written by the release's
code (see the README beside it); whatever migrations the current code has are applied."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings as django_settings

EXACT = {"jixiao_evaluation", "jixiao_indicatorvalue", "jixiao_historicalevaluation", "jixiao_historicalindicatorvalue",
         "jixiao_unit", "jixiao_account", "jixiao_frameworkversion", "auth_user"}
RELEASE = Path(__file__).resolve().parents[1] / "fixtures" / "release-0.1" / "site.sqlite3"
ON_POSTGRES = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def django_run(database_url: str, tmp_path: Path, *args: str, code: str | None = None) -> subprocess.CompletedProcess:
    """``python -m django ARGS`` (or ``python -c CODE`` after django.setup()) on one database."""
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "jixiao.web.settings",
           "JIXIAO_DATA": str(tmp_path / "data"), "JIXIAO_MEDIA": str(tmp_path / "media")}
    if code is not None:
        command = [sys.executable, "-c", "import django; django.setup()\n" + code]
    else:
        command = [sys.executable, "-m", "django", *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def sqlite_rows(path: Path) -> dict[str, dict[str, list]]:
    """Every table of a SQLite file: its columns and its rows (as lists), rows sorted."""
    con = sqlite3.connect(path)
    try:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                             "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        out = {}
        for table in tables:
            cursor = con.execute(f'SELECT * FROM "{table}"')
            columns = [d[0] for d in cursor.description]
            out[table] = {"columns": columns, "rows": sorted(map(list, cursor.fetchall()), key=repr)}
        return out
    finally:
        con.close()


# What the upgraded site must still say, read through the current models and pages.
UPGRADED_CHECK = r"""
import json
from django.test import Client
from jixiao.web.models import Evaluation, IndicatorValue

out = {}
nanjing = Evaluation.objects.get(unit__name="南京市医疗保险管理中心")
xundian = Evaluation.objects.get(unit__name__startswith="寻甸")
c22 = IndicatorValue.objects.get(evaluation=nanjing, code="C22")
out["nanjing"] = [nanjing.state, format(nanjing.total, "f"), nanjing.review_comment, nanjing.history.count()]
out["xundian"] = [xundian.state, format(xundian.total, "f"), xundian.history.count()]
out["c22"] = [c22.data.get("actual"), c22.reviewer_comment, c22.version,
              [h.history_change_reason for h in c22.history.order_by("history_id")]]
pages = {}
for username, urls in {
    "nanjing_tianbao": ["/", f"/evaluations/{nanjing.pk}/", f"/api/evaluations/{nanjing.pk}"],
    "sheng_shenhe": ["/", f"/evaluations/{xundian.pk}/", "/dashboard/", "/frameworks/"],
    "admin": ["/", "/api/evaluations"],
}.items():
    client = Client()
    assert client.login(username=username, password="jixiao2024"), username
    for url in urls:
        response = client.get(url)
        pages[username + " " + url] = [response.status_code, response.content.decode()]
out["status"] = {k: v[0] for k, v in pages.items()}
detail = pages[f"nanjing_tianbao /evaluations/{nanjing.pk}/"][1]
out["detail_shows"] = ["请补充佐证" in detail, "7.24" in detail, "退回" in detail]
out["api_total"] = json.loads(pages[f"nanjing_tianbao /api/evaluations/{nanjing.pk}"][1])["total"]
out["public"] = Client().get("/public/").status_code
print("RESULT" + json.dumps(out, ensure_ascii=False))
"""


SQLITE_STAGE = pytest.mark.skipif(ON_POSTGRES, reason="file-based SQLite: runs once, in the SQLite stage")


def result_of(completed: subprocess.CompletedProcess) -> dict:
    line = next(l for l in completed.stdout.splitlines() if l.startswith("RESULT"))
    return json.loads(line[len("RESULT"):])


@SQLITE_STAGE
def test_release_0_1_site_upgrades_with_every_record(tmp_path):
    site = tmp_path / "site.sqlite3"
    shutil.copyfile(RELEASE, site)
    before = sqlite_rows(site)
    assert [r[1] for r in before["django_migrations"]["rows"] if r[1] == "jixiao"] == ["jixiao"] * 4

    migrated = django_run(f"sqlite:///{site}", tmp_path, "migrate", "--no-input")
    after = sqlite_rows(site)
    applied = {r[2] for r in after["django_migrations"]["rows"] if r[1] == "jixiao"}
    current = {p.stem for p in (Path(__file__).resolve().parents[2] / "src/jixiao/web/migrations").glob("0*.py")}
    assert applied == current, migrated.stdout

    # every row of every table of the release is still there with the same values in the
    # release's columns (new columns and new tables may be added, and new rows where a
    # migration adds them — permissions and content types of new models; the evaluations,
    # their rows, units, accounts and the change trail hold exactly the release's rows)
    checked = 0
    for table, old in before.items():
        if table == "django_migrations":
            continue
        assert table in after, f"table {table} disappeared"
        new = after[table]
        keep = [new["columns"].index(c) for c in old["columns"]]
        projected = Counter(repr([row[i] for i in keep]) for row in new["rows"])
        missing = Counter(map(repr, old["rows"])) - projected
        assert not missing, f"{table}: {len(missing)} rows lost or changed, e.g. {next(iter(missing))}"
        if table in EXACT:
            assert sum(projected.values()) == len(old["rows"]), f"{table}: rows added by a migration"
        checked += len(old["rows"])
    assert checked == 627

    out = result_of(django_run(f"sqlite:///{site}", tmp_path, code=UPGRADED_CHECK))
    assert out["nanjing"] == ["returned", "96.6500", "C22佐证不足", 3]
    assert out["xundian"] == ["approved", "95.8700", 3]
    assert out["c22"] == ["7.24", "请补充佐证", 2, ["导入", "填报", "填报", "退回意见"]]
    assert set(out["status"].values()) == {200}, out["status"]
    assert out["detail_shows"] == [True, True, True]
    assert out["api_total"] == "96.65" and out["public"] == 200


MIGRATED_TABLES = r"""
import json
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

executor = MigrationExecutor(connection)
plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
tables = set(connection.introspection.table_names())
models = [m._meta.db_table for m in apps.get_models(include_auto_created=True) if m._meta.managed]
print("RESULT" + json.dumps({"unapplied": [str(m) for m, _ in plan], "missing": sorted(set(models) - tables),
                             "models": len(models)}))
"""


def _check_empty_database(url: str, tmp_path: Path) -> None:
    django_run(url, tmp_path, "migrate", "--no-input")
    out = result_of(django_run(url, tmp_path, code=MIGRATED_TABLES))
    assert out["unapplied"] == [] and out["missing"] == [] and out["models"] > 30, out


@SQLITE_STAGE
def test_migrate_from_an_empty_sqlite_database(tmp_path):
    _check_empty_database(f"sqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path)


@pytest.mark.skipif(not ON_POSTGRES, reason="runs in the PostgreSQL stage (DATABASE_URL=postgres://…)")
def test_migrate_from_an_empty_postgres_database(tmp_path):
    import psycopg

    server = dict(django_settings.DATABASES["default"])
    name = f"jixiao_migr_{uuid.uuid4().hex[:8]}"
    conninfo = dict(host=server["HOST"], port=server["PORT"] or 5432, user=server["USER"],
                    password=server["PASSWORD"] or None, dbname="postgres", autocommit=True)
    with psycopg.connect(**conninfo) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgres://{server['USER']}@{server['HOST']}:{server['PORT'] or 5432}/{name}"
        _check_empty_database(url, tmp_path)
    finally:
        with psycopg.connect(**conninfo) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@SQLITE_STAGE
def test_no_model_change_lacks_a_migration(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "django", "makemigrations", "--check", "--dry-run", "-v", "3"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "jixiao.web.settings",
             "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "JIXIAO_DATA": str(tmp_path / "data")},
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, "makemigrations would create:\n" + result.stdout + result.stderr
