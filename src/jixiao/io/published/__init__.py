"""Import indicator score tables as published (Word, Excel, or a text dump of either).

A published self-evaluation ends with its filled indicator table: 一级/二级/三级指标, 权重,
目标值, 评分标准, 评分过程 or 实际完成情况, 得分. This module reads such tables *as printed*
into a (Framework, Evaluation) pair per table, so the rules can recompute every score and
the audit can say where the published figures depart from them.

Sources and layouts:

- text dumps in three layouts, detected from the header row: one cell per line (each cell on
  a line starting with a TAB, rows separated by blank lines, a cell's own line breaks kept as
  untabbed lines), pipe rows (``a | b | c |``, merged cells simply left out), and TAB rows
  (blank = merged);
- ``.docx`` tables (vertically merged cells read as blank, horizontally merged as one);
- ``.xlsx`` sheets (merged ranges: only the top-left cell holds a value).

What printed tables do and how it is read: a blank level cell is the same as the one above;
a heading may carry its points (``项目决策 (18分)``, ``A部门\\n决策（15\\n分）``); the header
row repeats at page breaks; a row split across pages continues on a row with only trailing
text; a level-1 heading may be printed on a later page than the first of its rows (its
merged cell is centred), in which case it starts at the level-2 group it is printed in; a
row without a name but with points is a sub-row of the indicator above; a 合计/总分/总计 row,
or a row holding only the total score, closes the table. A file may hold several tables.

Each row's criteria become a rule (``jixiao.core.criteria``), its actual value is read from
the evidence text, and its 得分 is kept as the declared score. Where the evidence gives no
figure a rule can use, the inputs that do not need one (checklist items, a graded level, a
count of incidents, met or not) are taken to be those that give the declared score — or the
nearest one below when no input can give it — so the recomputation shows only what the
published rule itself contradicts; rows whose rule needs a figure that is not published are
kept at their declared score and listed as not verified.
"""


from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Iterable

from jixiao.core.model import SourceRef
from jixiao.io.form_lines import form_line_rows
from jixiao.io.published.build import build_table
from jixiao.io.published.columns import align, COLUMN_ROLES, header_roles, is_number
from jixiao.io.published.facts import detect_unit, detect_year, header_total as printed_header_total
from jixiao.io.published.result import PublishedFile, PublishedRow, PublishedTable, UNVERIFIED
from jixiao.io.published.rows import parse_heading
from jixiao.io.published.streams import docx_stream, Line, Row, Stream, text_stream, xlsx_stream
from jixiao.io.published.tables import find_tables
from jixiao.io.yamlio import LoadError


def _finish(path: str, stream: Stream, layout: str | None, text: str, year: int | None) -> PublishedFile:
    notes: list[LoadError] = []
    raws, narrative = find_tables(stream)
    if not raws:
        from jixiao.io.flat_form import flat_rows

        if rows := flat_rows(text, Path(path).name):
            raws, _ = find_tables(rows)
            layout = "flat-form"
            notes.append(LoadError(path, None, "", "表格的单元格已并成连续文字，按项目支出绩效自评表的列序（三级指标、年度指标值、"
                                                   "实际完成值、分值、得分）重新切分读取；读数有选择，发现的可信度不标为高"))
        elif (lined := form_line_rows(text, Path(path).name))[0] and (raws := find_tables(lined[0])[0]):
            layout = "flat-lines"
            notes.extend(LoadError(path, None, "", m) for m in lined[1])
        else:
            from jixiao.io.chongqing_text import chongqing_rows

            rows, said = chongqing_rows(text, Path(path).name)
            if rows:
                raws, _ = find_tables(rows)
                layout = "flat-chongqing"
                if raws:  # its 自评总分 is printed in the header block, not in a 总分 row
                    raws[0].header_total = printed_header_total(text)
            else:
                from jixiao.io.ningxia_text import ningxia_rows

                rows, said_nx, more = ningxia_rows(text, Path(path).name)
                said = [*said, *said_nx]
                if rows:
                    raws, _ = find_tables(rows)
                    layout = "flat-ningxia"
                    if raws:  # no 合计 row: the 自评得分 in the header is the declared total of a whole table
                        raws[0].header_total = more.get("total")
                        raws[0].header_total_declared = bool(more.get("whole"))
                        if more.get("unread") is not None and raws[0].truncated is None:
                            raws[0].truncated = more["unread"]
                            raws[0].truncated_note = more.get("unread_note")
                else:
                    from jixiao.io.published.flat_hubei import flat_hubei_rows
                    from jixiao.io.published.runon import hubei_rows, run_together_rows, spaced_rows

                    for reader, name in ((spaced_rows, "spaced-rows"), (run_together_rows, "run-together-rows"),
                                         (hubei_rows, "hubei"), (flat_hubei_rows, "hubei-doc")):
                        rows, said_ro, more = reader(text, Path(path).name)
                        said = [*said, *said_ro]
                        if rows and (raws := find_tables(rows)[0]):
                            layout = f"flat-{name}"
                            raws[0].header_total = more.get("total") or printed_header_total(text)
                            raws[0].header_total_declared = bool(more.get("whole"))
                            if more.get("unread") is not None:  # parts not read: only the rows read are checked
                                raws[0].truncated = more["unread"]
                                raws[0].truncated_note = more.get("unread_note")
                            break
            notes.extend(LoadError(path, None, "", m) for m in said)
    year = year or detect_year(text)
    if year is None:
        notes.append(LoadError(path, None, "year", "无法从文中确定评价年度，按2023年计"))
        year = 2023
    unit = detect_unit(text, Path(path).stem)
    tables = []
    for raw in raws:
        table = build_table(raw, len(tables) + 1, file=path, text=text, year=year, unit=unit, notes=notes)
        if table is not None:
            tables.append(table)
    if not tables:
        notes.extend(_unplaced(stream, path))
        notes.append(LoadError(path, None, "", "未找到指标得分表（需含一级/三级指标及分值或得分列的表头）"))
    else:
        for table in tables:
            if table.rows_read and not table.rows_with_rule and not any(r.weight is None for r in table.rows):
                notes.append(LoadError(table.loc.file or path, table.loc.line, "",
                                       f"表{table.index}读出{table.rows_read}行，但没有一行读出可执行的评分规则"
                                       "（无评分标准列，且无年度指标值/实际完成值可按通用规则计分）"))
    return PublishedFile(path=path, tables=tuple(tables), narrative=tuple(narrative), errors=tuple(notes),
                         layout=layout, year=year, unit=unit)


_TABLE_WORDS = ("一级指标", "二级指标", "三级指标", "分值", "权重", "得分", "指标值", "实际完成值", "完成值", "评分标准",
                "偏差原因", "年度指标值", "自评分")


def _unplaced(stream: Stream, path: str, limit: int = 3) -> list[LoadError]:
    """What a file the reader could not place holds: where table words stand and why they
    could not be read as an indicator table (issue 14.5: never a silent empty result)."""
    whole = "".join(i.text if isinstance(i, Line) else "".join(i.cells) for i in stream)
    if (len(re.findall(r"[項標績評預實]", whole)) >= 5 or
            len(re.findall(r"[\(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}[\)）]", whole)) >= 5):
        first = next((i.loc for i in stream), SourceRef(file=path))
        return [LoadError(first.file or path, first.line, "",
                          "文字被转为繁体字并插入了拼音（如“項(xiàng)目”“指標(biāo)”），表头字样无法识别，无法读取；"
                          "请提供原发布的简体文本、Word/Excel原件或PDF")]
    found: list[LoadError] = []
    for item in stream:
        text = item.text if isinstance(item, Line) else " ".join(item.cells)
        flat = re.sub(r"\s+", "", text)
        words = [w for w in _TABLE_WORDS if w in flat]
        if len(words) < 3:
            continue
        shown = "、".join(words[:6])
        if isinstance(item, Line) or (isinstance(item, Row) and len([c for c in item.cells if c.strip()]) <= 2):
            numbers = len(re.findall(r"\d+(?:\.\d+)?", text))
            why = (f"表格的单元格已并成连续文字（{len(text)}字，含{numbers}个数字），无法确定每个数字属于哪一列、哪一行；"
                   "请提供Word/Excel原件或按单元格分隔的文本")
        else:
            roles = [r for r in (header_roles(item.cells) or []) if r]
            cells = [re.sub(r"\s+", "", c) for c in item.cells if c.strip()]
            have = {r for c in cells for r, regex in COLUMN_ROLES if regex.match(c.replace("（", "(").replace("）", ")"))}
            missing = [label for role, label in (("level3", "三级指标"), ("weight", "分值/权重"), ("score", "得分"))
                       if role not in have]
            why = (f"该行有{len(cells)}格（{'|'.join(cells[:8])}{'…' if len(cells) > 8 else ''}），"
                   f"未识别为指标表表头" + (f"：缺少{'、'.join(missing)}列" if missing else "")) if not roles else "表头已识别，但其下没有可读的指标行"
        found.append(LoadError(item.loc.file or path, item.loc.line, "", f"找到含“{shown}”的表格文字，但无法读取：{why}"))
        if len(found) >= limit:
            break
    if not found:  # table words spread over many lines: cells broken over lines
        items = [i for i in stream if (i.text if isinstance(i, Line) else "".join(i.cells)).strip()]
        for start in range(0, len(items), 10):
            window = items[start:start + 40]
            flat = re.sub(r"\s+", "", "".join(i.text if isinstance(i, Line) else "".join(i.cells) for i in window))
            words = [w for w in _TABLE_WORDS if w in flat]
            if len(words) >= 3:
                first, last = window[0].loc, window[-1].loc
                found.append(LoadError(first.file or path, first.line, "",
                                       f"第{first.line}–{last.line}行有表格文字（含“{'、'.join(words[:6])}”），但每格的文字"
                                       "分散在多行，未能对齐成表头与指标行，无法读取"))
                break
    return found


def import_text(text: str, file: str = "<text>", year: int | None = None) -> PublishedFile:
    """Tables of a text dump (one-cell-per-line, pipe or TAB layout, detected). Text in which
    no indicator table header can be placed may still hold the standard 项目支出绩效自评表 with
    its cells run together: ``jixiao.io.form_text`` rebuilds it (its unplaced rows and cells
    listed as notes); failing that, ``jixiao.io.flat_form`` re-cuts it by the form's column order.
    Text a re-publishing site turned into traditional characters with pinyin (項(xiàng)目) is read
    after ``jixiao.io.traditional`` takes the pinyin out and maps the characters back."""
    from jixiao.io.traditional import is_converted, to_simplified

    result = _import_text(text, file, year)
    if result.tables or not is_converted(text):
        return result  # read as printed (the form reader knows the pinyin-laden labels): kept so
    converted = _import_text(to_simplified(text), file, year)
    note = LoadError(file, None, "", "文字被转为繁体字并插入了拼音（如“項(xiàng)目”），已去掉拼音、转回简体后读取")
    return replace(converted, errors=(note, *converted.errors))


def _import_text(text: str, file: str, year: int | None) -> PublishedFile:
    stream, layout = text_stream(text, file)
    if not find_tables(stream)[0]:
        from jixiao.io.form_text import published_form_text

        try:
            form = published_form_text(text, file)
        except Exception as exc:  # a reader's failure on odd text must not lose the generic result
            form = None
            note = LoadError(file, None, "", f"按项目支出绩效自评表文本读取失败：{type(exc).__name__}")
        else:
            note = None
        if form is not None and form.tables:
            return form
        result = _finish(file, stream, layout, text, year)
        return replace(result, errors=(note, *result.errors)) if note else result
    return _finish(file, stream, layout, text, year)


def _stream_text(stream: Stream) -> str:
    return "\n".join(item.text if isinstance(item, Line) else " | ".join(item.cells) for item in stream)


def import_docx(path: Path, year: int | None = None) -> PublishedFile:
    """Tables of a Word document."""
    stream = docx_stream(Path(path))
    return _finish(str(path), stream, "docx", _stream_text(stream), year)


def import_xlsx(path: Path, year: int | None = None) -> PublishedFile:
    """Tables of an Excel workbook, sheet by sheet."""
    stream = xlsx_stream(Path(path))
    return _finish(str(path), stream, "xlsx", _stream_text(stream), year)


def import_pdf(path: Path, year: int | None = None) -> PublishedFile:
    """Tables of a text-layer PDF (``jixiao.io.pdf_text``): ruled tables as table rows, else
    the page text through the text-dump reader. A scan comes back with the error that says so."""
    from jixiao.io.pdf_text import PdfError, ScannedPdf, read_pdf

    path = Path(path)
    try:
        read = read_pdf(path)
    except ScannedPdf as exc:
        return _failed(path, f"{exc}（共{exc.pages}页，均为图像）")
    except PdfError as exc:
        return _failed(path, str(exc))
    if read.ruled:
        return _finish(str(path), read.stream, "pdf", read.text, year)
    text = "\n".join(item.text for item in read.stream if isinstance(item, Line))
    result = import_text(text, str(path), year)
    return replace(result, layout=f"pdf-{result.layout}" if result.layout else "pdf")


SUFFIXES = (".txt", ".text", ".md", ".docx", ".xlsx", ".xlsm", ".pdf")


def import_published(path: Path | str, year: int | None = None) -> PublishedFile:
    """Import a published file by its suffix; unreadable files come back with an error."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".docx", ".xlsx", ".xlsm") and (form := _project_form(path, year)) is not None:
            return form
        if suffix == ".docx":
            return import_docx(path, year)
        if suffix in (".xlsx", ".xlsm"):
            return import_xlsx(path, year)
        if suffix == ".pdf":
            return import_pdf(path, year)
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return _failed(path, "文件不存在")
    except UnicodeDecodeError as exc:
        return _failed(path, f"不是UTF-8编码的文本文件（第{exc.start}字节）")
    except Exception as exc:  # a corrupt docx/xlsx: report, do not crash the batch
        return _failed(path, f"无法读取：{exc}")
    return import_text(text, str(path), year)


def _project_form(path: Path, year: int | None) -> PublishedFile | None:
    """A filled 项目支出绩效自评表 read by its own importer (``jixiao.io.project_form_audit``);
    None when the file is not drawn as one."""
    from jixiao.io.project_form_audit import published_project_form

    return published_project_form(path, year)


def _failed(path: Path, message: str) -> PublishedFile:
    return PublishedFile(path=str(path), tables=(), narrative=(), errors=(LoadError(str(path), None, "", message),),
                         layout=None, year=None, unit=path.stem)


def narrative_text(published: PublishedFile) -> Iterable[tuple[str, SourceRef]]:
    for line in published.narrative:
        yield line.text, line.loc
