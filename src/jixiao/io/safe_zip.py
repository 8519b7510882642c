"""Opening untrusted Word (.docx) and Excel (.xlsx) files: both are ZIP archives of XML, so
a small upload can unpack to gigabytes (a zip bomb: a 400 kB .docx whose document.xml is
180 MB took 4 GB of memory in python-docx), declare sizes it does not have, or hold
thousands of entries. The archive's directory is checked before any part is unpacked, and
every failure of the parser on hostile bytes becomes one ``ArchiveError`` with a Chinese
reason (the importers add the file name).

XML entity attacks need no check here: python-docx parses with ``resolve_entities=False``
(external entities are never fetched) and libxml2 and expat refuse exponential entity
expansion; the tests in tests/test_docx_fuzz.py keep both true."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

MAX_ENTRIES = 2000
MAX_TOTAL_BYTES = 256 * 1024 * 1024   # everything unpacked (pictures included)
MAX_XML_BYTES = 20 * 1024 * 1024      # one XML part: a thousand-page report is ~10 MB
MAX_RATIO = 100                       # unpacked/packed, for parts over 1 MB (text XML: ~5–20)
RATIO_FLOOR = 1024 * 1024
MAX_SHEET_ROWS = 20_000               # a worksheet's used range (entry workbooks: < 1,000 rows)
MAX_SHEET_CELLS = 1_000_000           # rows × columns of the used range
MAX_WORD_COLUMNS = 63                 # Word's own limit for a table

DOCX = "Word文档（.docx）"
XLSX = "Excel工作簿（.xlsx）"


class ArchiveError(ValueError):
    """An Office file that cannot be opened safely; the message is Chinese and names why."""


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f}MB"


def check_archive(path: Path | str, kind: str) -> None:
    """Refuse a file that is not a ZIP archive, is encrypted, or would unpack too large."""
    path = Path(path)
    if not path.is_file():
        raise ArchiveError("文件不存在" if not path.exists() else "这是一个文件夹，不是文件")
    hint = "（.doc/.xls 等旧格式请用Office另存为 .docx/.xlsx）"
    if not zipfile.is_zipfile(path):
        raise ArchiveError(f"不是有效的{kind}：文件不是ZIP格式，可能不完整或已损坏{hint}")
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ArchiveError(f"不是有效的{kind}：ZIP目录已损坏（{type(exc).__name__}）") from exc
    if len(entries) > MAX_ENTRIES:
        raise ArchiveError(f"{kind}内含{len(entries)}个部件，超过上限{MAX_ENTRIES}个，疑似恶意文件")
    total = 0
    for info in entries:
        if info.flag_bits & 0x1:
            raise ArchiveError(f"{kind}已加密（{info.filename}），请取消密码保护后再上传")
        total += info.file_size
        if info.filename.lower().endswith((".xml", ".rels")) and info.file_size > MAX_XML_BYTES:
            raise ArchiveError(f"{kind}的部件{info.filename}解压后{_mb(info.file_size)}，"
                               f"超过上限{_mb(MAX_XML_BYTES)}，疑似压缩炸弹")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ArchiveError(f"{kind}的部件{info.filename}压缩比异常（{info.compress_size}字节解压为"
                               f"{_mb(info.file_size)}），疑似压缩炸弹")
    if total > MAX_TOTAL_BYTES:
        raise ArchiveError(f"{kind}解压后共{_mb(total)}，超过上限{_mb(MAX_TOTAL_BYTES)}，疑似压缩炸弹")


def _unreadable(kind: str, exc: Exception) -> ArchiveError:
    while exc.__cause__ is not None and isinstance(exc.__cause__, Exception):  # openpyxl wraps the parser's error
        exc = exc.__cause__
    if isinstance(exc, ValueError) and "encoding" in str(exc):
        reason = "XML编码不受支持（应为UTF-8）"
    elif isinstance(exc, KeyError):
        named = re.search(r"'([^']+)'", str(exc))
        reason = f"缺少必需的部件{named.group(1) if named else ''}"
    elif isinstance(exc, zipfile.BadZipFile):
        reason = "压缩数据损坏（校验失败）"
    elif type(exc).__name__ in ("XMLSyntaxError", "ParseError", "ExpatError"):
        reason = "XML内容损坏或含不允许的实体定义"
    elif isinstance(exc, (UnicodeError, LookupError)):
        reason = "XML编码无效"
    else:
        reason = "内容无法解析"
    return ArchiveError(f"不是有效的{kind}：{reason}（{type(exc).__name__}）")


def open_docx(path: Path | str):
    """A python-docx Document of a checked archive; ArchiveError for anything unreadable."""
    import docx

    check_archive(path, DOCX)
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # any parser failure on untrusted bytes (MemoryError and RecursionError included)
        raise _unreadable(DOCX, exc) from exc
    _check_table_grid(document)
    return document


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _check_table_grid(document) -> None:
    """Word tables have at most 63 columns; a cell spanning two billion of them (a 150 kB
    file) made the table reader allocate gigabytes."""
    for element in document.element.body.iter(f"{_W}gridSpan", f"{_W}gridBefore", f"{_W}gridAfter"):
        value = element.get(f"{_W}val", "")
        low = 1 if element.tag == f"{_W}gridSpan" else 0
        if not value.isdigit() or not low <= int(value) <= MAX_WORD_COLUMNS:
            name = element.tag[len(_W):]
            raise ArchiveError(f"不是有效的{DOCX}：表格的{name}值“{value[:20]}”无效"
                               f"（应为{low}～{MAX_WORD_COLUMNS}，Word表格最多{MAX_WORD_COLUMNS}列）")


def open_workbook(path: Path | str, **options):
    """An openpyxl workbook of a checked archive (``options`` go to load_workbook) whose
    worksheets' used ranges are of a sane size; ArchiveError for anything unreadable."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    check_archive(path, XLSX)
    try:
        workbook = load_workbook(str(path), **options)
    except Exception as exc:  # any parser failure on untrusted bytes (MemoryError and RecursionError included)
        raise _unreadable(XLSX, exc) from exc
    if not workbook.worksheets:  # every reader takes the first sheet or looks one up
        workbook.close()
        raise ArchiveError(f"不是有效的{XLSX}：没有可读取的工作表")
    for sheet in workbook.worksheets:
        rows, columns = sheet.max_row or 0, sheet.max_column or 0
        if rows > MAX_SHEET_ROWS or rows * columns > MAX_SHEET_CELLS:
            workbook.close()
            raise ArchiveError(f"工作表“{sheet.title}”的使用范围过大（A1:{get_column_letter(columns)}{rows}，"
                               f"上限{MAX_SHEET_ROWS}行、{MAX_SHEET_CELLS}个单元格），请删除多余的行列后再上传")
    return workbook
