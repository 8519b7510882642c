"""A reviewer uploads a published report on the site and sees its findings."""

import re
from html.parser import HTMLParser

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


# --- the rows as read, under each table's summary ------------------------------------------------

REAL = ROOT / "tests" / "fixtures" / "published" / "real"


class _RowsRead(HTMLParser):
    """The rows of each ``table.rows-read`` of a page: id, classes and the text of each cell."""

    def __init__(self):
        super().__init__()
        self.tables: list[list[dict]] = []
        self._in = False
        self._row = self._cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "rows-read" in (a.get("class") or "").split():
            self._in = True
            self.tables.append([])
        elif self._in and tag == "tr":
            self._row = {"id": a.get("id"), "class": (a.get("class") or "").split(), "cells": [], "links": []}
        elif self._in and tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif self._in and tag == "a" and self._row is not None:
            self._row["links"].append(a.get("href"))

    def handle_endtag(self, tag):
        if not self._in:
            return
        if tag in ("td", "th") and self._cell is not None:
            self._row["cells"].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row["cells"] and self._row["id"]:  # the header row has no id
                self.tables[-1].append(self._row)
            self._row = None
        elif tag == "table":
            self._in = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def rows_read(page: str) -> list[list[dict]]:
    parser = _RowsRead()
    parser.feed(page)
    return parser.tables


def by_name(rows: list[dict]) -> dict[str, dict]:
    return {r["cells"][1]: r for r in rows}


COLUMNS = ("code", "name", "weight", "declared", "actual", "computed", "confidence", "rule", "input")


def cells(row: dict) -> dict[str, str]:
    return dict(zip(COLUMNS, row["cells"]))


def test_hubei_block_rows_are_listed_under_their_heading_without_weight(demo, login):
    name = "12_huanggang_shuitubaochi_jiance_2020.txt"
    page = login("sheng_shenhe").post("/audit/", {"file": SimpleUploadedFile(name, (REAL / name).read_bytes())}) \
        .content.decode()
    assert '<details class="rows-read"' in page and "读取的指标行（8行" in page
    [rows] = rows_read(page)
    assert [r["cells"][1] for r in rows][:3] == ["预算执行率", "年度绩效目标1（40分）各项指标（3项，各行分值未印出）",
                                                 "监测数据必须合格"]
    rate = cells(rows[0])
    assert (rate["weight"], rate["declared"], rate["computed"], rate["actual"]) == ("20", "20", "20", "100")
    assert "分值×执行率" in rate["rule"] and rate["input"] == "执行率由项目资金表计算"
    block = rows[1]
    assert "head" in block["class"] and "subrow" not in block["class"]
    assert (cells(block)["weight"], cells(block)["declared"], cells(block)["computed"]) == ("40", "39.6", "39.6")
    # the block has the finding, at 中, and its row links to it (and the finding back to the row)
    assert "flagged" in block["class"] and cells(block)["code"] == "T1-02 1处问题"
    finding_anchor = block["links"][0]
    assert re.search(rf'<tr id="{finding_anchor[1:]}"><td><a href="#{block["id"]}"[^>]*>T1-02</a></td>'
                     r"<td>目标下各指标均达到年度指标值，目标却失分</td><td>[^<]*失分0.4分[^<]*</td><td>中</td>", page)
    listed = {r["cells"][1]: cells(r) for r in rows[2:5]}
    assert {n: (c["weight"], c["declared"], c["computed"]) for n, c in listed.items()} == {
        "监测数据必须合格": ("未印出", "10", "计入所属标题"),
        "取得2018-2022监测资料": ("未印出", "10", "计入所属标题"),
        "整编资料审核": ("未印出", "19.6", "计入所属标题")}
    assert all("subrow" in r["class"] and "listed" in r["class"] for r in rows[2:5])
    assert "年初目标值98%，实际完成值98" in listed["整编资料审核"]["input"]
    assert listed["整编资料审核"]["confidence"] == "中"
    total = rows[-1]
    assert total["id"] == "t1-total" and total["cells"][:6] == ["总分", "分值合计与总分", "100", "99.6", "", "99.6"]


def test_ordinary_table_rows_show_weight_declared_actual_and_computed(demo, login):
    page = login("sheng_shenhe").post("/audit/", {"file": SimpleUploadedFile("000.txt", SEED_000.read_bytes())}) \
        .content.decode()
    [rows] = rows_read(page)
    assert len(rows) == 45 + 1  # 45 rows read and the total
    row = {r["cells"][0].split()[0]: r for r in rows}
    b11 = cells(row["B11"])
    assert (b11["name"], b11["weight"], b11["declared"], b11["actual"], b11["computed"], b11["confidence"]) == \
        ("部门预算执行率", "2", "1.98", "99.81", "1.98", "高")
    assert b11["rule"] == "每低于一个单位按比例扣分" and b11["input"] == "实际值取自评分过程"
    assert "flagged" not in row["B11"]["class"] and not any("subrow" in r["class"] for r in rows)
    # C22 is declared 3 but scores 0 under its rule: marked, with its two findings
    c22 = row["C22"]
    assert "flagged" in c22["class"] and cells(c22)["code"] == "C22 2处问题"
    assert (cells(c22)["weight"], cells(c22)["declared"], cells(c22)["computed"]) == ("3", "3", "0")
    # the total: 分值 100, declared 99.85, computed 96.85, with its total-mismatch finding
    assert row["总分"]["cells"][2:6] == ["100", "99.85", "", "96.85"] and "flagged" in row["总分"]["class"]
    # a reading with little certainty says so
    assert cells(row["A11"])["confidence"] == "低" and cells(row["A11"])["input"] == "按申报得分确定满足的评分要点"


def test_scored_subrows_come_under_their_parent_from_the_sheet(demo, login):
    seed = ROOT / "tests" / "fixtures" / "published" / "002_1222604dfb85d547.txt"
    page = login("sheng_shenhe").post("/audit/", {"file": SimpleUploadedFile("002.txt", seed.read_bytes())}) \
        .content.decode()
    [rows] = rows_read(page)
    codes = [r["cells"][0].split()[0] for r in rows]
    i = codes.index("A21")
    assert codes[i:i + 4] == ["A21", "A21-1", "A21-2", "A21-3"]
    parent = cells(rows[i])
    assert "head" in rows[i]["class"] and (parent["weight"], parent["computed"]) == ("6", "6")
    assert parent["rule"] == "分项合计：2＋2＋2＝6分"
    assert all("subrow" in r["class"] and "listed" not in r["class"] for r in rows[i + 1:i + 4])
    assert cells(rows[i + 1])["weight"] == "2"


def test_a_flattened_doc_copy_is_read_and_its_wrong_total_shown(demo, login):
    """34: a Hubei form from a .doc flattened to one line, its labels after its rows — the site
    reads its nine rows and shows the certain total (rows 120, 总分 100) at 高."""
    name = "34_hubeiform_shangwu_fuwumaoyi_2020.txt"
    page = login("sheng_shenhe").post("/audit/", {"file": SimpleUploadedFile(name, (REAL / name).read_bytes())}) \
        .content.decode()
    [rows] = rows_read(page)
    names = [r["cells"][1] for r in rows]
    assert names[0] == "预算执行率" and "服务外包在岸(万美元)" in names and "资金拨付及时性" in names
    assert re.search(r"<td>申报总分与各指标申报得分合计不符</td><td>申报总分100分，各指标申报得分合计120分</td><td>高</td>", page)
