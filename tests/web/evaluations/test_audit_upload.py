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


def test_findings_name_the_uploaded_file_and_give_no_command_hints(demo, login):
    import re

    text = re.sub(r"20\d\d", "某", SEED_000.read_text(encoding="utf-8"))  # no year: the reader notes it
    page = login("sheng_shenhe").post("/audit/", {"file": SimpleUploadedFile("南京中心自评.txt", text.encode())}) \
        .content.decode()
    assert "南京中心自评.txt" in page and "无法从文中确定评价年度" in page
    assert "/tmp" not in page and "tmp" not in page.split("南京中心自评.txt")[0][-40:]
    assert "--year" not in page and "运行 jixiao" not in page and "jixiao audit" not in page


def test_pdf_is_accepted_and_a_scan_is_named(demo, login, tmp_path):
    from PIL import Image

    scan = tmp_path / "scan.pdf"
    Image.new("RGB", (600, 300), "white").save(scan, "PDF", resolution=100)
    page = login("sheng_shenhe").post("/audit/", {"file": SimpleUploadedFile("2023年自评.pdf", scan.read_bytes())}) \
        .content.decode()
    assert "只接受" not in page
    assert "该PDF为扫描图像，没有可读取的文字层，无法核查" in page and "2023年自评.pdf" in page and "/tmp" not in page
