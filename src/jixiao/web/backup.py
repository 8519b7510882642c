"""Backup and restore of a whole site: every table (including the change trail) as JSON,
plus the media files (attachments, report packages), in one zip.

Restore refuses a non-empty database unless asked to replace it, and runs in one
transaction: a failed restore leaves the database as it was."""

from __future__ import annotations

import datetime
import json
import zipfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

FORMAT = 1
SKIP = {"contenttypes.contenttype", "auth.permission", "sessions.session", "admin.logentry"}


def _models():
    for model in apps.get_models():
        label = model._meta.label_lower
        if label not in SKIP and model._meta.managed and not model._meta.proxy:
            yield model


class _ExactEncoder(DjangoJSONEncoder):
    """Datetimes and times with their microseconds: Django's encoder cuts them to
    milliseconds, and a restored change trail must equal the original to the microsecond."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        if isinstance(o, datetime.time) and o.tzinfo is None:
            return o.isoformat()
        return super().default(o)


def backup(path: Path) -> dict[str, int]:
    """Write the zip; returns the number of records per model."""
    counts: dict[str, int] = {}
    records = []
    for model in _models():  # as dumpdata: the base manager, by primary key
        records += json.loads(serializers.serialize("json", model._base_manager.order_by(model._meta.pk.name),
                                                    cls=_ExactEncoder))
    for r in records:
        counts[r["model"]] = counts.get(r["model"], 0) + 1
    media = Path(settings.MEDIA_ROOT)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("jixiao-backup.json", json.dumps({"format": FORMAT, "counts": counts}, ensure_ascii=False))
        zf.writestr("data.json", json.dumps(records, ensure_ascii=False))
        if media.exists():
            for file in sorted(media.rglob("*")):
                if file.is_file():
                    zf.write(file, f"media/{file.relative_to(media)}")
    return counts


class RestoreError(Exception):
    pass


def restore(path: Path, replace: bool = False) -> dict[str, int]:
    """Load a backup zip into this database (and MEDIA_ROOT)."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, FileNotFoundError, OSError) as exc:
        raise RestoreError(f"{path}：不是jixiao备份文件（{exc}）") from None
    with zf:
        try:
            meta = json.loads(zf.read("jixiao-backup.json"))
            data = zf.read("data.json").decode("utf-8")
        except KeyError:
            raise RestoreError(f"{path}：不是jixiao备份文件（缺少 data.json）") from None
        if meta.get("format") != FORMAT:
            raise RestoreError(f"{path}：备份格式{meta.get('format')}不受支持")
        from jixiao.web.models import Unit

        with transaction.atomic():
            if Unit.objects.exists():
                if not replace:
                    raise RestoreError("数据库不为空；如确需用备份替换现有数据，请加 --replace")
                call_command("flush", interactive=False, verbosity=0)
            objects = list(serializers.deserialize("json", data))
            for obj in objects:
                obj.save()
            _reset_sequences()
        media = Path(settings.MEDIA_ROOT)
        for name in zf.namelist():
            if name.startswith("media/") and not name.endswith("/"):
                target = (media / name[len("media/"):]).resolve()
                if not str(target).startswith(str(media.resolve())):
                    raise RestoreError(f"备份中的文件路径不安全：{name}")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(name))
    return meta["counts"]


def _reset_sequences() -> None:
    from django.core.management.color import no_style

    sql = connection.ops.sequence_reset_sql(no_style(), list(_models()))
    with connection.cursor() as cursor:
        for statement in sql:
            cursor.execute(statement)
