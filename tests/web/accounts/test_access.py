"""Who sees what of an evaluation (issue 17, point 5): every demo account and an anonymous
visitor × the own unit's and another unit's evaluation × draft and published × the entry page,
the finance page, the change trail, a working paper, the public report and the score table.

Public (everyone, anonymous included): a published evaluation's score table and report.
Private (the unit, its reviewers and finance bureau, admins): the entry page, the finance and
questionnaire page, the change trail and the working papers — also once published; drafts."""

import io

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from jixiao.web.demo import ACCOUNTS
from jixiao.web.models import Attachment, Evaluation

from ..conftest import nanjing, xundian

pytestmark = pytest.mark.django_db

USERS = [username for username, _, _ in ACCOUNTS] + ["anonymous"]
# N = 南京 (a city under the province), X = 寻甸 (a county under 昆明). Who may open each
# evaluation's private pages: its preparer, the reviewers above it, the province's finance
# bureau, the admin. Everyone else signed in gets 403; anonymous visitors go to the login page.
OWNERS = {
    "N": {"nanjing_tianbao", "sheng_shenhe", "sheng_caizheng", "admin"},
    "X": {"xundian_tianbao", "kunming_shenhe", "sheng_shenhe", "sheng_caizheng", "admin"},
}
PRIVATE = ("page", "finance", "trail", "attachment")
PUBLIC = ("report", "score_table", "score_xlsx")


def expected(user: str, obj: str, state: str, what: str) -> int:
    if what in PUBLIC:
        return 200 if state == "published" else 404
    if user == "anonymous":
        return 302
    return 200 if user in OWNERS[obj] else 403


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    """One folder for the whole module: the public files of an evaluation are made once."""
    return tmp_path_factory.mktemp("media")


def _urls(ev: Evaluation, attachment: Attachment) -> dict[str, str]:
    return {
        "page": f"/evaluations/{ev.pk}/",
        "finance": f"/evaluations/{ev.pk}/extra/",
        "trail": f"/evaluations/{ev.pk}/trail/",
        "attachment": f"/evaluations/{ev.pk}/attachments/{attachment.pk}/",
        "report": f"/public/{ev.pk}/download/docx/",
        "score_table": f"/public/{ev.pk}/",
        "score_xlsx": f"/public/{ev.pk}/download/xlsx/",
    }


@pytest.mark.parametrize("state", ["draft", "published"])
@pytest.mark.parametrize("user", USERS)
def test_access_matrix(demo, login, settings, media, user, state):
    settings.MEDIA_ROOT = media
    client = Client() if user == "anonymous" else login(user)
    seen = {}
    for obj, ev in (("N", nanjing(demo)), ("X", xundian(demo))):
        Evaluation.objects.filter(pk=ev.pk).update(state=state)
        ev.refresh_from_db()
        attachment = Attachment.objects.create(evaluation=ev, code="", name="底稿.txt",
                                               file=ContentFile("工作底稿".encode(), name="wp.txt"))
        for what, url in _urls(ev, attachment).items():
            response = client.get(url)
            seen[(obj, what)] = response.status_code
            if response.status_code == 302:
                assert response.url.startswith("/login/"), url
    assert seen == {(obj, what): expected(user, obj, state, what)
                    for obj in ("N", "X") for what in PRIVATE + PUBLIC}


def test_public_page_shows_the_score_table_and_the_report_opens(demo, settings, media):
    from docx import Document
    from openpyxl import load_workbook

    settings.MEDIA_ROOT = media
    ev = nanjing(demo)
    Evaluation.objects.filter(pk=ev.pk).update(state="published")
    client = Client()
    html = client.get(f"/public/{ev.pk}/").content.decode()
    assert 'id="public-total">96.65<' in html and "C22" in html
    listing = client.get("/public/").content.decode()
    assert f'href="/public/{ev.pk}/"' in listing and f'href="/public/{ev.pk}/download/docx/"' in listing
    response = client.get(f"/public/{ev.pk}/download/docx/")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    document = Document(io.BytesIO(b"".join(response.streaming_content)))
    text = "\n".join([p.text for p in document.paragraphs] +
                     [c.text for t in document.tables for r in t.rows for c in r.cells])
    assert "南京市医疗保险管理中心" in text and "96.65" in text
    assert "核查发现" not in text and "复核底稿" not in text  # the agency's report, not the reviewer's copy
    xlsx = client.get(f"/public/{ev.pk}/download/xlsx/")
    workbook = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert "核查发现" not in workbook.sheetnames
    values = [c for row in workbook.worksheets[0].iter_rows(values_only=True) for c in row if c is not None]
    assert any(str(v) in ("96.65", "96.650", "96.6500") for v in values)
    assert client.get(f"/public/{ev.pk}/download/exe/").status_code == 404


@pytest.mark.pdf
def test_public_pdf(demo, settings, media):
    settings.MEDIA_ROOT = media
    ev = xundian(demo)
    Evaluation.objects.filter(pk=ev.pk).update(state="published")
    response = Client().get(f"/public/{ev.pk}/download/pdf/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment")


def test_private_pages_of_a_published_evaluation_stay_closed_to_another_unit_and_the_api(demo, login):
    ev = nanjing(demo)
    Evaluation.objects.filter(pk=ev.pk).update(state="published")
    other = login("zhongwei_tianbao")
    assert other.get(f"/evaluations/{ev.pk}/radar.json").status_code == 403
    assert other.get(f"/api/evaluations/{ev.pk}").status_code == 403
    assert other.post(f"/evaluations/{ev.pk}/report/").status_code == 403
    # the owner's page links to the public page once published
    assert f'href="/public/{ev.pk}/"' in login("nanjing_tianbao").get(f"/evaluations/{ev.pk}/").content.decode()


def test_api_docs_work_offline(demo):
    import re

    html = Client().get("/api/docs").content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(u.endswith("swagger-ui-bundle.js") for u in urls) and any(u.endswith("swagger-ui.css") for u in urls)
    assert all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    assert "http://" not in html and "https://" not in html
    for url in urls:
        response = Client().get(url)
        assert response.status_code == 200, url
