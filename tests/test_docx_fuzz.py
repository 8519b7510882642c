"""Word and Excel importers against broken and hostile files: real .docx/.xlsx files (the
published-report fixtures, a report jixiao rendered, a filled entry workbook) truncated,
byte-flipped (in the ZIP and inside the XML), turned into zip bombs, given billion-laughs
and external entities, stripped of parts, re-encoded, and given table cells spanning
billions of columns. Every case must end in a correct import or a located Chinese error
(``LoadError`` naming the file) — never an exception, a hang or gigabytes of memory.

The cases run in one child process under a 2 GB address-space limit, so a regression that
unpacks a bomb fails this test instead of taking the machine's memory."""

from __future__ import annotations

import importlib.util
import io
import json
import random
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import EXAMPLES

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "published"
CJK = re.compile(r"[\u4e00-\u9fff]")
SEED = 20261123
MEMORY_LIMIT = 2 * 1024 ** 3
MAX_SECONDS_PER_CASE = 5.0

# Random mutations per real file; the figures in docs/reliability.md come from these.
TRUNCATIONS, ZIP_FLIPS, XML_FLIPS = 8, 12, 12


# --- building the cases ---------------------------------------------------------------------

def rezip(data: bytes, change) -> bytes:
    """The archive with ``change(name, bytes)`` applied to each part (None drops the part)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            new = change(info.filename, source.read(info))
            if new is not None:
                target.writestr(info.filename, new)
    return out.getvalue()


def main_part(data: bytes) -> str:
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    return "word/document.xml" if "word/document.xml" in names else "xl/worksheets/sheet1.xml"


def in_part(data: bytes, part: str, change) -> bytes:
    return rezip(data, lambda name, body: change(body) if name == part else body)


LAUGHS = (b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">' + b"".join(
    b'<!ENTITY %c "%s">' % (chr(98 + i).encode(), (b"&" + chr(97 + i).encode() + b";") * 10) for i in range(8))
    + b"]>")


def with_doctype(xml: bytes, doctype: bytes, entity: bytes) -> bytes:
    """XML with a DOCTYPE after the declaration and ``entity`` referenced in the first text."""
    end = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
    xml = xml[:end] + doctype + xml[end:]
    for tag in (b"<w:t>", b"<t>", b'<t xml:space="preserve">'):
        if tag in xml:
            return xml.replace(tag, tag + entity, 1)
    return xml


def declare(xml: bytes, encoding: str) -> str:
    """The XML as text, its declaration naming ``encoding`` (added when it has none)."""
    text = xml.decode("utf-8")
    if text.startswith("<?xml"):
        return re.sub(r"""encoding=(["'])[^"']+\1""", f'encoding="{encoding}"', text, count=1)
    return f'<?xml version="1.0" encoding="{encoding}"?>' + text


def bomb(data: bytes, part: str, megabytes: int) -> bytes:
    """``part`` padded with ``megabytes`` of repeated XML: a few hundred kB unpacking to a lot."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename != part:
                target.writestr(info.filename, body)
                continue
            with target.open(part, "w", force_zip64=True) as f:
                cut = body.rindex(b"</")
                f.write(body[:cut])
                chunk = b"<!-- jixiao -->" * 70000  # ~1 MB
                for _ in range(megabytes):
                    f.write(chunk)
                f.write(body[cut:])
    return out.getvalue()


def declared_sizes(data: bytes, part: str, size: int) -> bytes:
    """The central directory (and local header) claim ``size`` bytes for ``part``."""
    buf = bytearray(data)
    name = part.encode()
    for signature, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        start = 0
        while (i := buf.find(signature, start)) >= 0:
            start = i + 4
            name_at = i + (46 if signature == b"PK\x01\x02" else 30)
            if buf[name_at:name_at + len(name)] == name:
                buf[i + offset:i + offset + 4] = size.to_bytes(4, "little")
    return bytes(buf)


def many_entries(data: bytes, n: int) -> bytes:
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_STORED) as z:
        for i in range(n):
            z.writestr(f"jixiao-fuzz/item{i}.xml", b"<a/>")
    return out.getvalue()


def structured_cases(data: bytes, kind: str) -> dict[str, tuple[bytes, str]]:
    """Named hostile variants of one real file, each with what it must produce: ``ok`` (the
    same rows as the original), ``error`` (a located Chinese error) or ``error:TEXT``."""
    part = main_part(data)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    strings = "xl/sharedStrings.xml" if "xl/sharedStrings.xml" in names else part  # openpyxl: inline strings
    cases = {
        "empty": (b"", "error:不是ZIP格式"),
        "not-a-zip": (b"%PDF-1.7 not an office file" * 10, "error:不是ZIP格式"),
        "half": (data[: len(data) // 2], "error"),
        # a workbook missing its first sheet still has the others to read
        "missing-main-part": (rezip(data, lambda n, b: None if n == part else b), "error" if kind == "docx" else "located"),
        "missing-content-types": (rezip(data, lambda n, b: None if n == "[Content_Types].xml" else b), "error"),
        "billion-laughs": (in_part(data, strings, lambda x: with_doctype(x, LAUGHS, b"&i;")), "error"),
        "external-entity-file": (in_part(data, strings, lambda x: with_doctype(
            x, b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>', b"&x;")), "no-leak"),
        "external-entity-http": (in_part(data, strings, lambda x: with_doctype(
            x, b'<!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>', b"&x;")), "no-leak"),
        "external-dtd": (in_part(data, part, lambda x: with_doctype(
            x, b'<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">', b"")), "no-leak"),
        # libxml2 (Word) refuses depth over 256; openpyxl's streaming reader skips unknown elements
        "deep-nesting": (in_part(data, part, lambda x: x[: x.rindex(b"</")] + b"<x>" * 50000 + b"</x>" * 50000
                                 + x[x.rindex(b"</"):]), "error" if kind == "docx" else "ok"),
        "utf16": (in_part(data, part, lambda x: declare(x, "UTF-16").encode("utf-16")), "ok"),
        # Word reads a declared GB18030 part; Excel's reader (expat) refuses multi-byte encodings
        "gbk-declared": (in_part(data, strings, lambda x: declare(with_doctype(x, b"", "中文".encode()), "GB18030")
                                 .encode("gb18030")), "ok" if kind == "docx" else "error"),
        "gbk-undeclared": (in_part(data, strings, lambda x: with_doctype(x, b"", "非法编码".encode("gb18030"))), "error"),
        "zip-bomb": (bomb(data, part, 30), "error:压缩炸弹"),
        "huge-declared-size": (declared_sizes(data, part, 0xFFFFFFF0), "error"),
        "small-declared-size": (declared_sizes(data, part, 100), "error"),
        "many-entries": (many_entries(data, 3000), "error:部件"),
        "encrypted-flag": (_encrypted(data), "error:加密"),
    }
    if kind == "docx":
        cases["cell-spans-2e9-columns"] = (in_part(data, part, lambda x: x.replace(
            b"<w:tcPr>", b'<w:tcPr><w:gridSpan w:val="2000000000"/>', 1)), "error:gridSpan")
        cases["row-skips-2e9-columns"] = (in_part(data, part, lambda x: re.sub(
            rb"<w:tr( [^>]*)?>", lambda m: m.group(0) + b'<w:trPr><w:gridBefore w:val="2000000000"/></w:trPr>',
            x, count=1)), "error:gridBefore")
        cases["ragged-table"] = (in_part(data, part, _ragged), "located")
    else:
        cases["used-range-XFD1048576"] = (in_part(data, part, lambda x: x.replace(
            b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row></sheetData>')
            .replace(b'<dimension ref="', b'<dimension ref="A1:XFD1048576" x="')), "error:使用范围过大")
    return cases


def _encrypted(data: bytes) -> bytes:
    buf = bytearray(data)
    i = buf.find(b"PK\x01\x02")
    buf[i + 8] |= 1
    return bytes(buf)


def _ragged(xml: bytes) -> bytes:
    """Table rows of the wrong shape: every third cell of the first table dropped."""
    count = 0

    def drop(m):
        nonlocal count
        count += 1
        return b"" if count % 3 == 0 and count < 60 else m.group(0)
    return re.sub(rb"<w:tc>.*?</w:tc>", drop, xml, flags=re.S)


def random_cases(data: bytes, rng: random.Random) -> dict[str, bytes]:
    part = main_part(data)
    cases = {}
    for i in range(TRUNCATIONS):
        cases[f"truncated-{i}"] = data[: rng.randrange(len(data))]
    for i in range(ZIP_FLIPS):
        buf = bytearray(data)
        for _ in range(rng.choice((1, 4, 32))):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        cases[f"zip-flip-{i}"] = bytes(buf)
    xml = zipfile.ZipFile(io.BytesIO(data)).read(part)
    for i in range(XML_FLIPS):
        buf = bytearray(xml)
        for _ in range(rng.choice((1, 3, 10))):
            at = rng.randrange(len(buf))
            buf[at] = rng.choice(b"<>&\"'/=;!?[]x\x00\xff\xe4")
        mutated = bytes(buf)
        cases[f"xml-flip-{i}"] = in_part(data, part, lambda _: mutated)
    return cases


@pytest.fixture(scope="module")
def originals(tmp_path_factory) -> dict[str, tuple[Path, str]]:
    return build_originals(tmp_path_factory.mktemp("originals"))


def build_originals(folder: Path) -> dict[str, tuple[Path, str]]:
    """Real files: name → (path, importer)."""
    spec = importlib.util.spec_from_file_location("published_build", FIXTURES / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    built = build.build_all(folder)

    from jixiao.core.audit import audit
    from jixiao.core.scoring import score
    from jixiao.io.excel import export_entry_workbook
    from jixiao.io.yamlio import load_evaluation
    from jixiao.reports.render import render_report
    from test_excel import fill_from

    evaluation, errors = load_evaluation(EXAMPLES / "nanjing-2023-department.yaml")
    assert not errors
    sheet = score(evaluation)
    report = render_report(sheet, audit(sheet), folder / "南京-自评报告.docx")
    entry = export_entry_workbook(evaluation.framework, folder / "南京-填报表.xlsx")
    fill_from(entry, evaluation)
    from openpyxl import Workbook

    answers = Workbook()
    sheet = answers.active
    sheet.title = "答卷"
    sheet.append(["序号", "问题1", "问题2"])
    for i in range(1, 31):
        sheet.append([i, "ABC"[i % 3], "AB"[i % 2]])
    answers.save(folder / "问卷答卷.xlsx")
    return {"department": (built["department"], "published"), "split": (built["split"], "published"),
            "project": (built["project"], "published"), "report": (Path(report), "published"),
            "entry": (entry, "entry"), "answers": (folder / "问卷答卷.xlsx", "responses")}


CHILD = r"""
import json, resource, signal, sys, time
resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


class CaseTimeout(BaseException):  # not an Exception: no importer may swallow it
    pass


def alarm(signum, frame):
    raise CaseTimeout()


signal.signal(signal.SIGALRM, alarm)
from pathlib import Path
from jixiao.io.excel import import_entry_workbook
from jixiao.io.published import import_published
from jixiao.io.questionnaire import read_responses
from jixiao.io.yamlio import load_evaluation
from jixiao.core.model import Question

OPTIONS = [{"label": "A.满意", "points": 10}, {"label": "B.基本满意", "points": 5}, {"label": "C.不满意", "points": 0}]
QUESTIONS = [Question.model_validate({"text": f"问题{i}", "options": OPTIONS}) for i in (1, 2)]
framework = load_evaluation(Path(sys.argv[2]))[0].framework
for case in json.loads(Path(sys.argv[1]).read_text()):
    start = time.perf_counter()
    out = {"name": case["name"]}
    signal.setitimer(signal.ITIMER_REAL, SECONDS)
    try:
        if case["importer"] == "responses":
            questionnaire, errors = read_responses(Path(case["path"]), QUESTIONS, "satisfaction")
            out["rows"] = None if questionnaire is None else [questionnaire.model_dump_json()]
            out["text"] = ""
        elif case["importer"] == "entry":
            evaluation, errors = import_entry_workbook(Path(case["path"]), framework)
            out["rows"] = None if evaluation is None else sorted(evaluation.inputs)
            out["text"] = "" if evaluation is None else json.dumps(
                [(k, v.evidence) for k, v in evaluation.inputs.items()], ensure_ascii=False, default=str)
        else:
            published = import_published(Path(case["path"]))
            errors = list(published.errors)
            out["rows"] = [[r.code for r in t.rows] for t in published.tables] if published.tables else None
            out["text"] = "\n".join(l.text for l in published.narrative) + json.dumps(
                [[r.evidence for r in t.rows] for t in published.tables], ensure_ascii=False, default=str)
        out["errors"] = [[e.file, e.message] for e in errors]
    except BaseException as exc:
        out["crash"] = f"{type(exc).__name__}: {exc}"[:300]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    out["seconds"] = time.perf_counter() - start
    print(json.dumps(out, ensure_ascii=False), flush=True)
print(json.dumps({"maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
"""


def run_cases(cases: list[dict], tmp_path: Path) -> tuple[dict[str, dict], int]:
    listing = tmp_path / "cases.json"
    listing.write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", CHILD.replace("MEMORY_CAP", str(MEMORY_LIMIT)).replace("SECONDS", str(MAX_SECONDS_PER_CASE)), str(listing),
         str(EXAMPLES / "nanjing-2023-department.yaml")],
        capture_output=True, text=True, timeout=600)
    lines = [json.loads(l) for l in result.stdout.splitlines() if l.startswith("{")]
    assert result.returncode == 0 and lines and "maxrss_mb" in lines[-1], result.stderr[-3000:]
    return {l["name"]: l for l in lines[:-1]}, lines[-1]["maxrss_mb"]


def write_cases(originals, tmp_path) -> tuple[list[dict], dict[str, str]]:
    rng = random.Random(SEED)
    cases, expect = [], {}
    for source, (path, importer) in originals.items():
        data = path.read_bytes()
        kind = "docx" if path.suffix == ".docx" else "xlsx"
        generated = {f"{source}/original": (data, "ok")}
        generated.update({f"{source}/{k}": v for k, v in structured_cases(data, kind).items()})
        generated.update({f"{source}/{k}": (v, "any") for k, v in random_cases(data, rng).items()})
        for i, (name, (content, expected)) in enumerate(generated.items()):
            file = tmp_path / f"{source}-{i}{path.suffix}"
            file.write_bytes(content)
            cases.append({"name": name, "path": str(file), "importer": importer})
            expect[name] = expected
    return cases, expect


def test_hostile_and_broken_office_files(originals, tmp_path):
    cases, expect = write_cases(originals, tmp_path)
    results, maxrss = run_cases(cases, tmp_path)
    assert len(results) == len(cases) > 300
    assert maxrss < 1500, f"the child used {maxrss} MB"
    paths = {c["name"]: c["path"] for c in cases}
    outcomes = {"import": 0, "error": 0}
    for name, out in results.items():
        assert "crash" not in out, (name, out["crash"])
        assert out["seconds"] < MAX_SECONDS_PER_CASE, (name, out["seconds"])
        source = name.split("/")[0]
        original = results[f"{source}/original"]
        expected = expect[name]
        if out["errors"] and out["rows"] is None:
            outcomes["error"] += 1
        else:
            outcomes["import"] += 1
        # every error is located at the file (a sheet/table/line of it) and says why in Chinese
        for file, message in out["errors"]:
            assert file.startswith(paths[name]) or file.startswith(Path(paths[name]).name), (name, file)
            assert CJK.search(message), (name, message)
        if out["rows"] is None:
            assert out["errors"], (name, "neither rows nor an error")
        assert "root:x:0:0" not in out.get("text", ""), (name, "external entity resolved")
        assert "aaaaaaaaaaaaaaaaaaaa" not in out.get("text", ""), (name, "entities expanded")
        if expected == "ok":
            assert out["rows"] == original["rows"] and out["rows"], (name, out["errors"][:3])
        elif expected.startswith("error"):
            assert out["rows"] is None and out["errors"], (name, out["rows"])
            wanted = expected.partition(":")[2]
            assert not wanted or any(wanted in m for _, m in out["errors"]), (name, out["errors"])
        elif expected == "no-leak":
            assert out["rows"] is None or out["rows"] == original["rows"], name
    for source in originals:
        assert results[f"{source}/original"]["rows"], source
    # both outcomes occur, so the random cases are not all trivially refused
    assert outcomes["import"] >= 10 and outcomes["error"] >= 100, outcomes
    print(f"\nOffice files: {len(results)} cases ({outcomes}), child max RSS {maxrss} MB")
