"""Attachments: type and size limits, permission-checked download as a file; batch jobs."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jixiao.web.models import Attachment, ReportJob
from ..conftest import nanjing

pytestmark = pytest.mark.django_db


def test_attachment_upload_and_download(demo, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ev = nanjing(demo)
    preparer = login("nanjing_tianbao")
    preparer.post(f"/evaluations/{ev.pk}/attachments/", {"code": "B11", "file": SimpleUploadedFile("底稿.pdf", b"%PDF-1.4 x")})
    attachment = Attachment.objects.get(evaluation=ev)
    assert attachment.name == "底稿.pdf" and attachment.code == "B11"
    response = login("sheng_shenhe").get(f"/evaluations/{ev.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment") and response["X-Content-Type-Options"] == "nosniff"
    assert login("zhongwei_tianbao").get(f"/evaluations/{ev.pk}/attachments/{attachment.pk}/").status_code == 403


def test_attachment_type_and_role_limits(demo, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ev = nanjing(demo)
    page = login("nanjing_tianbao").post(f"/evaluations/{ev.pk}/attachments/",
                                         {"file": SimpleUploadedFile("x.html", b"<script>1</script>")}, follow=True)
    assert "不接受该类型文件" in page.content.decode() and not Attachment.objects.exists()
    assert login("zhongwei_tianbao").post(f"/evaluations/{ev.pk}/attachments/",
                                          {"file": SimpleUploadedFile("a.pdf", b"x")}).status_code == 403


def test_batch_job_for_the_subtree(demo, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = login("kunming_shenhe").post("/reports/batch/", {})
    job = ReportJob.objects.get()
    assert response.status_code == 302 and job.total == 1  # only 寻甸 lies under 昆明
    assert job.status == "done", job.message
    assert login("nanjing_tianbao").post("/reports/batch/", {}).status_code == 403
