"""Check a user's Word template before rendering: ``check_template(path)``.

Word often splits what a person typed as one tag over several runs (a spelling mark, a
change of formatting, an autocorrected quote): ``{{ unit.name }}`` may be stored as ``{{``,
`` unit.na`` and ``me }}``. docxtpl joins such pieces inside one paragraph, but the tag takes the
formatting of its first piece, and a tag spread over two paragraphs breaks the document. The
check reports, with the place (正文第N段, 第T个表格第R行第C列, 页眉/页脚):

* ``split-tag`` (warning) — a tag stored in several runs; retype it in one go;
* ``unclosed-tag`` (error) — ``{{``/``{%`` without its closing ``}}``/``%}`` in the same paragraph;
* ``syntax`` (error) — Jinja syntax errors (unclosed ``{% if %}``, a stray ``}}``…);
* ``unknown-field`` (error) — a name or attribute the report context does not have
  (``{{ unit.nmae }}``), with the closest existing field as a suggestion;
* ``rich-text`` (error) — a RichText field (``*.rich``, ``placeholder.*``) used without ``{{r``,
  or an image (``charts.*``) used with it; either would corrupt the document.

Fields are compared with the context ``build_context`` produces for a reference evaluation
that has every optional part (finance, 决算表, questionnaire, team, findings), so the check
knows the fields of list items too (``{% for r in score_rows %}{{ r.weight }}``).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from jinja2 import TemplateSyntaxError, nodes

from jixiao.core.audit import Finding, audit
from jixiao.core.scoring import score

from .context import build_context
from .render import jinja_env

Severity = Literal["error", "warning"]
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_OPEN = re.compile(r"\{\{|\{%|\{#")
_XML_TAGS = re.compile(r"<[^>]+>")
_DICT_METHODS = {"items", "keys", "values", "get"}
_JINJA_GLOBALS = {"range", "dict", "lipsum", "cycler", "joiner", "namespace", "loop", "true", "false", "none",
                  "True", "False", "None"}


@dataclass(frozen=True)
class TemplateProblem:
    """One problem in a template: kind, severity, where (Chinese), the tag, the message."""

    kind: str
    severity: Severity
    where: str
    message: str
    tag: str = ""

    def __str__(self) -> str:
        return f"{self.where}：{self.message}" + (f"（{self.tag}）" if self.tag else "")


# --- the reference context ----------------------------------------------------------------

class _List:
    """Schema of a list: the union of its items' schemas."""

    def __init__(self, item: Any):
        self.item = item


class _Leaf:
    """A value without fields (text, number, image…); ``kind`` is rich, image or plain."""

    def __init__(self, kind: str = "plain"):
        self.kind = kind


_UNKNOWN = _Leaf("unknown")


def _schema(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _schema(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        merged: Any = None
        for item in value:
            merged = _merge(merged, _schema(item))
        return _List(merged if merged is not None else _UNKNOWN)
    if value is None:
        return None
    return _Leaf("rich" if type(value).__name__ == "RichText" else "plain")


def _merge(a: Any, b: Any) -> Any:
    """Union of two schemas; fields win over leaves (a value that is None in one item)."""
    if a is None or (isinstance(a, _Leaf) and not isinstance(b, _Leaf) and b is not None):
        return b
    if b is None or isinstance(b, _Leaf):
        return a
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: _merge(a.get(k), b.get(k)) for k in {*a, *b}}
    if isinstance(a, _List) and isinstance(b, _List):
        return _List(_merge(a.item, b.item))
    return a


@lru_cache(maxsize=1)
def reference_schema() -> dict[str, Any]:
    """The shape of the report context, from a reference evaluation with every optional part."""
    from jixiao.core.finance import FinalAccounts
    from jixiao.core.model import Questionnaire, TeamMember
    from jixiao.io.yamlio import load_evaluation_or_raise

    with resources.as_file(resources.files("jixiao") / "examples" / "nanjing-2023-department.yaml") as path:
        evaluation = load_evaluation_or_raise(path)
    questionnaire = Questionnaire.model_validate({
        "id": "reference", "title": "满意度调查问卷", "issued": 1, "returned": 1, "valid": 1,
        "questions": [{"text": "您对该部门的服务是否满意？",
                       "options": [{"label": "A.满意", "points": 10, "count": 1}, {"label": "B.不满意", "points": 0}]}]})
    row = {"code": "2101501", "name": "行政运行", "values": {"本年支出": Decimal(1)}}
    accounts = FinalAccounts.model_validate({"columns": ["本年支出"], "total": {"本年支出": Decimal(1)}, "rows": [row]})
    finance = evaluation.finance.model_copy(update={"final_accounts": accounts})
    evaluation = evaluation.model_copy(update={
        "questionnaires": (questionnaire,), "finance": finance,
        "team": evaluation.team or (TeamMember(role="组长", name="—"),)})
    sheet = score(evaluation)
    findings = audit(sheet) or [Finding("总分", "total-mismatch", "—")]
    context = build_context(sheet, findings, reviewer=True)
    schema = _schema(context)
    schema["charts"] = {name: _Leaf("image") for name in context["charts"]}
    return schema


def context_fields() -> list[str]:
    """Every field path of the report context (``unit.name``, ``score_rows[].weight``…)."""
    out: list[str] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key in sorted(value):
                walk(f"{prefix}.{key}" if prefix else key, value[key])
        elif isinstance(value, _List):
            walk(prefix + "[]", value.item)
        else:
            out.append(prefix)

    walk("", reference_schema())
    return out


# --- locating text in the document --------------------------------------------------------

@dataclass
class _Paragraph:
    where: str
    runs: list[tuple[int, str]]  # (run index, text of one w:t)

    @property
    def text(self) -> str:
        return "".join(t for _, t in self.runs)


def _paragraphs(document) -> list[_Paragraph]:
    out: list[_Paragraph] = []
    body = document.element.body
    tables = list(body.iter(qn("w:tbl")))
    count = 0
    for p in body.iter(qn("w:p")):
        cell = next((a for a in p.iterancestors(qn("w:tc"))), None)
        if cell is not None:
            row = cell.getparent()
            tbl = row.getparent()
            where = (f"第{tables.index(tbl) + 1}个表格第{tbl.findall(qn('w:tr')).index(row) + 1}行"
                     f"第{row.findall(qn('w:tc')).index(cell) + 1}列")
        else:
            count += 1
            where = f"正文第{count}段"
        out.append(_Paragraph(where, _runs(p)))
    for section_no, section in enumerate(document.sections, 1):
        for label, part in (("页眉", section.header), ("页脚", section.footer)):
            if part.is_linked_to_previous and section_no > 1:
                continue
            for p in part._element.iter(qn("w:p")):
                out.append(_Paragraph(f"第{section_no}节{label}", _runs(p)))
    return out


def _runs(p) -> list[tuple[int, str]]:
    runs = []
    for index, r in enumerate(p.iter(qn("w:r"))):
        for t in r.iter(qn("w:t")):
            runs.append((index, t.text or ""))
    return runs


def _scan_tags(paragraphs: list[_Paragraph]) -> tuple[list[TemplateProblem], list[tuple[str, str]]]:
    """Split and unclosed tags; also every (where, tag) found, for the other checks."""
    problems, tags = [], []
    for para in paragraphs:
        text = para.text
        owners = [run for run, piece in para.runs for _ in piece]
        end = 0
        for match in _TAG.finditer(text):
            end = match.end()
            tag = match.group(0)
            tags.append((para.where, tag))
            spanned = sorted(set(owners[match.start():match.end()]))
            if len(spanned) > 1:
                problems.append(TemplateProblem(
                    "split-tag", "warning", para.where,
                    f"标签被Word拆分为{len(spanned)}段（run），格式以第一段为准；建议删除后一次性重新输入", tag))
        rest = text[end:]
        opener = _OPEN.search(rest)
        if opener:
            snippet = rest[opener.start():opener.start() + 30]
            problems.append(TemplateProblem("unclosed-tag", "error", para.where,
                                            "标签在本段内没有闭合（}} 或 %} 缺失，或被拆到了下一段）", snippet))
    return problems, tags


# --- Jinja: syntax and fields -------------------------------------------------------------

def _template_source(path: Path) -> str:
    """The Jinja source docxtpl renders: document body, headers and footers, tags joined."""
    tpl = DocxTemplate(str(path))
    tpl.init_docx()
    parts = [tpl.patch_xml(tpl.xml_to_string(tpl.docx._element.body))]
    for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
        for rel in tpl.docx._part.rels.values():
            if rel.reltype == uri and rel.target_part.blob:
                parts.append(tpl.patch_xml(tpl.xml_to_string(parse_xml(rel.target_part.blob))))
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", "".join(parts))


def _line_text(source: str, lineno: int | None) -> str:
    if not lineno:
        return ""
    lines = source.splitlines()
    if 1 <= lineno <= len(lines):
        return _XML_TAGS.sub("", lines[lineno - 1]).strip()[:60]
    return ""


def _locate(paragraphs: list[_Paragraph], snippet: str) -> str:
    """Where in the document a piece of text is (the first paragraph containing it)."""
    probe = snippet.strip()
    for para in paragraphs:
        if probe and probe in para.text:
            return para.where
    return "模板"


def _locate_name(tags: list[tuple[str, str]], name: str, snippet: str) -> tuple[str, str] | None:
    """(where, tag) of the tag naming ``name``; among several, one in the paragraph ``snippet``."""
    word = re.compile(rf"(?<![\w]){re.escape(name)}(?![\w])")
    found = [(where, tag) for where, tag in tags if word.search(tag)]
    for where, tag in found:
        if tag.replace("“", '"').replace("”", '"') in snippet or _strip_kind(tag) in snippet:
            return where, tag
    return found[0] if found else None


def _strip_kind(tag: str) -> str:
    """``{%tr for … %}`` as docxtpl rewrites it: ``{% for … %}``."""
    return re.sub(r"^(\{[{%#])(?:tr|tc|p|r) ", r"\1 ", tag)


class _FieldChecker:
    """Walks a Jinja AST and reports names and attributes the context does not have."""

    def __init__(self, schema: dict[str, Any], report):
        self.schema = schema
        self.report = report  # report(node, message, tag)

    def check(self, template: nodes.Template) -> None:
        self.visit_all(template.body, {})

    def visit_all(self, items, scope: dict[str, Any]) -> None:
        for item in items:
            self.visit(item, scope)

    def visit(self, node: nodes.Node, scope: dict[str, Any]) -> None:
        if isinstance(node, nodes.For):
            element = self.expr(node.iter, scope)
            inner = dict(scope, loop=_UNKNOWN)
            item = element.item if isinstance(element, _List) else _UNKNOWN
            for name in self._targets(node.target):
                inner[name] = item if isinstance(node.target, nodes.Name) else _UNKNOWN
            if node.test is not None:
                self.expr(node.test, inner)
            self.visit_all(node.body, inner)
            self.visit_all(node.else_, scope)
        elif isinstance(node, nodes.Assign):
            value = self.expr(node.node, scope)
            for name in self._targets(node.target):
                scope[name] = value if isinstance(node.target, nodes.Name) else _UNKNOWN
        elif isinstance(node, nodes.AssignBlock):
            for name in self._targets(node.target):
                scope[name] = _UNKNOWN
            self.visit_all(node.body, scope)
        elif isinstance(node, (nodes.Macro, nodes.CallBlock)):
            inner = dict(scope, caller=_UNKNOWN, varargs=_UNKNOWN, kwargs=_UNKNOWN)
            for arg in node.args:
                inner[arg.name] = _UNKNOWN
            for default in node.defaults:
                self.expr(default, scope)
            if isinstance(node, nodes.Macro):
                scope[node.name] = _UNKNOWN
            else:
                self.expr(node.call, scope)
            self.visit_all(node.body, inner)
        elif isinstance(node, nodes.With):
            inner = dict(scope)
            for target, value in zip(node.targets, node.values):
                schema = self.expr(value, scope)
                for name in self._targets(target):
                    inner[name] = schema if isinstance(target, nodes.Name) else _UNKNOWN
            self.visit_all(node.body, inner)
        elif isinstance(node, nodes.Expr):
            self.expr(node, scope)
        else:
            for child in node.iter_child_nodes():
                self.visit(child, scope)

    @staticmethod
    def _targets(target: nodes.Node) -> list[str]:
        if isinstance(target, nodes.Name):
            return [target.name]
        return [n.name for n in target.find_all(nodes.Name)]

    def expr(self, node: nodes.Node, scope: dict[str, Any]) -> Any:
        if isinstance(node, nodes.Name):
            if node.name in scope:
                return scope[node.name]
            if node.name in self.schema:
                return self.schema[node.name]
            if node.name not in _JINJA_GLOBALS:
                self.report(node, f"报告数据中没有字段“{node.name}”" + _suggest(node.name, self.schema, ""),
                            node.name)
            return _UNKNOWN
        if isinstance(node, (nodes.Getattr, nodes.Getitem)):
            base = self.expr(node.node, scope)
            if isinstance(node, nodes.Getattr):
                key = node.attr
            elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                key = node.arg.value
            else:
                self.expr(node.arg, scope)
                return base.item if isinstance(base, _List) else _UNKNOWN
            if isinstance(base, dict):
                if key in base:
                    return base[key]
                if key not in _DICT_METHODS:
                    prefix = _dotted(node.node)
                    self.report(node, f"报告数据中没有字段“{prefix}.{key}”" + _suggest(key, base, prefix + "."), key)
            return _UNKNOWN
        if isinstance(node, nodes.Filter):
            base = self.expr(node.node, scope) if node.node is not None else _UNKNOWN
            self._walk_args(node, scope)
            if node.name in ("first", "last", "random") and isinstance(base, _List):
                return base.item
            if node.name in ("default", "d", "sort", "reverse", "list", "unique", "selectattr", "rejectattr",
                             "batch", "slice"):
                return base
            return _UNKNOWN
        if isinstance(node, nodes.Call):
            self.expr(node.node, scope)
            self._walk_args(node, scope)
            return _UNKNOWN
        for child in node.iter_child_nodes():
            if isinstance(child, nodes.Expr):
                self.expr(child, scope)
            else:
                self.visit(child, scope)
        return _UNKNOWN

    def _walk_args(self, node, scope) -> None:
        for arg in node.args:
            self.expr(arg, scope)
        for kwarg in node.kwargs:
            self.expr(kwarg.value, scope)
        for extra in (node.dyn_args, node.dyn_kwargs):
            if extra is not None:
                self.expr(extra, scope)


def _dotted(node: nodes.Node) -> str:
    """``unit.nmae`` for the expression node of ``unit.nmae`` (``…`` for other bases)."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_dotted(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return f"{_dotted(node.node)}.{node.arg.value}"
    return "…"


def _suggest(name: str, fields: dict[str, Any], prefix: str) -> str:
    close = difflib.get_close_matches(name, list(fields), n=1, cutoff=0.6)
    return f"，是否应为“{prefix}{close[0]}”？" if close else ""


def _rich_problems(tags: list[tuple[str, str]]) -> list[TemplateProblem]:
    """RichText fields need ``{{r``; images must not have it."""
    out = []
    for where, tag in tags:
        if not tag.startswith("{{"):
            continue
        body = tag[2:-2].strip()
        with_r = body.startswith("r ")
        expr = body[2:].strip() if with_r else body
        head = re.match(r"[\w.]+", expr)
        field = head.group(0) if head else ""
        rich = field.endswith(".rich") or field.startswith("placeholder.")
        image = field.startswith("charts.")
        if rich and not with_r:
            out.append(TemplateProblem("rich-text", "error", where, "富文本字段须写作 {{r 字段 }}，否则文档会损坏", tag))
        elif image and with_r:
            out.append(TemplateProblem("rich-text", "error", where, "图片字段须写作 {{ 字段 }}，不能加 r", tag))
    return out


def check_template(path: Path | str) -> list[TemplateProblem]:
    """Every problem found in the template at ``path``: split or unclosed tags, Jinja syntax
    errors, unknown context fields and RichText misuse (see the module docstring)."""
    path = Path(path)
    try:
        document = Document(str(path))
    except Exception as exc:  # python-docx raises several types for non-docx input
        return [TemplateProblem("unreadable", "error", str(path), f"无法作为Word文档（.docx）打开：{exc}")]
    paragraphs = _paragraphs(document)
    problems, tags = _scan_tags(paragraphs)
    problems += _rich_problems(tags)
    source = _template_source(path)
    env = jinja_env()
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        snippet = _line_text(source, exc.lineno)
        problems.append(TemplateProblem("syntax", "error", _locate(paragraphs, snippet) if snippet else "模板",
                                        f"模板语法错误：{exc.message}", snippet))
        return problems
    seen: set[tuple[str, str]] = set()

    def report(node: nodes.Node, message: str, name: str) -> None:
        snippet = _line_text(source, getattr(node, "lineno", None))
        where, tag = _locate_name(tags, name, snippet) or (_locate(paragraphs, snippet) if snippet else "模板", snippet)
        if (where, message) not in seen:
            seen.add((where, message))
            problems.append(TemplateProblem("unknown-field", "error", where, message, tag))

    _FieldChecker(reference_schema(), report).check(tree)
    return problems
