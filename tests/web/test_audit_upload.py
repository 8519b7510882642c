"""A reviewer uploads a published report on the site and sees its findings."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import ROOT

pytestmark = pytest.mark.django_db
SEED_000 = ROOT / "tests" / "fixtures" / "published" / "000_81e9f6194e317fea.txt"


def test_reviewer_uploads_seed_000_and_sees_findings(demo, login):
    response = login("sheng_shenhe").post("/audit/", {"file": SimpleUploadedFile("000.txt", SEED_000.read_bytes())})
    page = response.content.decode()
    assert response.status_code == 200
    assert "按规则计算 <b>96.85</b> 分" in page
    assert "C22" in page and "申报3分，按规则应得0分" in page


def test_upload_type_size_and_role_are_checked(demo, login):
    reviewer = login("sheng_shenhe")
    page = reviewer.post("/audit/", {"file": SimpleUploadedFile("x.html", b"<script>alert(1)</script>")}).content.decode()
    assert "只接受" in page and "<script>alert(1)</script>" not in page
    assert login("nanjing_tianbao").get("/audit/").status_code == 403
