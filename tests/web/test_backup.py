"""Backup and restore round-trip a loaded demo site with every record equal."""

import json

import pytest
from django.core import serializers
from django.core.files.uploadedfile import SimpleUploadedFile

from jixiao.web.backup import RestoreError, _models, backup, restore
from jixiao.web.models import IndicatorValue
from .conftest import nanjing

pytestmark = pytest.mark.django_db(transaction=True)


def _snapshot():
    return {m._meta.label_lower: sorted(json.dumps(o, sort_keys=True, ensure_ascii=False)
                                        for o in json.loads(serializers.serialize("json", m._base_manager.all())))
            for m in _models()}


def test_backup_restore_round_trip(demo, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    ev = nanjing(demo)
    preparer = login("nanjing_tianbao")
    preparer.post(f"/evaluations/{ev.pk}/rows/C22/", {"version": 0, "actual": "10.5"})
    preparer.post(f"/evaluations/{ev.pk}/attachments/", {"file": SimpleUploadedFile("底稿.txt", "工作底稿".encode())})
    # a change-trail time with microseconds below a millisecond must come back exactly
    first = IndicatorValue.history.order_by("history_id").first()
    IndicatorValue.history.filter(history_id=first.history_id).update(
        history_date=first.history_date.replace(microsecond=123))
    before = _snapshot()
    assert len(before["jixiao.historicalindicatorvalue"]) > 200
    counts = backup(tmp_path / "b.zip")
    assert counts["jixiao.evaluation"] == 6
    with pytest.raises(RestoreError, match="数据库不为空"):
        restore(tmp_path / "b.zip")
    (tmp_path / "media").rename(tmp_path / "media-old")
    restore(tmp_path / "b.zip", replace=True)
    assert _snapshot() == before
    assert IndicatorValue.history.get(history_id=first.history_id).history_date.microsecond == 123
    attachment = next((tmp_path / "media").rglob("底稿.txt"))
    assert attachment.read_text(encoding="utf-8") == "工作底稿"
    assert login("nanjing_tianbao").get(f"/evaluations/{ev.pk}/").status_code == 200


def test_restore_refuses_a_broken_file(db, tmp_path):
    (tmp_path / "x.zip").write_bytes(b"not a zip")
    with pytest.raises(RestoreError, match="不是jixiao备份文件"):
        restore(tmp_path / "x.zip")
