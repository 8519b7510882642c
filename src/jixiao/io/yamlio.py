"""Load frameworks and evaluations from YAML, exactly (Decimal) and with located errors.

Like beancount's loader, loading returns the object *and* a list of errors instead of
stopping at the first one; each error names the file, the line and the field. Every YAML
float is read from its text as a Decimal, so ``99.81`` is exactly 99.81.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from jixiao.core.model import Evaluation, Framework

BUILTIN_PREFIX = "builtin:"


@dataclass(frozen=True)
class LoadError:
    """One problem in an input file: where (file, line, field path) and why (Chinese)."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field + ': ' if self.field else ''}{self.message}"


class InputError(Exception):
    """Raised by the ``*_or_raise`` helpers; carries every LoadError found."""

    def __init__(self, errors: list[LoadError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


Lines = dict[tuple, int]

MAX_BYTES = 20 * 1024 * 1024  # an evaluation file is a few hundred KB; refuse absurd inputs
MAX_NODES = 500_000  # bounds alias expansion ("billion laughs") as well as sheer size
MAX_DEPTH = 100


class _TooLarge(Exception):
    pass


class _Loader(yaml.SafeLoader):
    pass


# libyaml's parser, when PyYAML was built with it, composes the same nodes (same tags, same
# line marks) about ten times faster; the construction below is the same Python code. Used
# only for text jixiao wrote or ships (``parse_yaml(…, fast=True)``: built-in frameworks,
# frameworks stored by the bulk pipeline): on hand-written text the two parsers may accept
# and refuse different odd inputs. Any error met on the way is reported by parsing again in
# Python, with its texts.
_CLoader = type("_CLoader", (yaml.CSafeLoader,), {}) if getattr(yaml, "__with_libyaml__", False) else None


def plain(value: Any) -> Any:
    """Model dumps as data to write out: Decimals as exact strings, no source locations."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items() if k != "loc"}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def framework_data(framework: Any) -> Any:
    """A framework as data to write out and load again to the same rules (the same rules hash):
    only what was set, not "everything but None" — an explicit ``floor: null`` (可扣至负分)
    dropped would load back as the default floor 0, other rules than the file's."""
    return plain(framework.model_dump(exclude_unset=True))


def compact(value: Any) -> Any:
    """Model dumps without source locations and empty values (Decimals kept as Decimals)."""
    if isinstance(value, dict):
        return {k: compact(v) for k, v in value.items() if k != "loc" and v not in (None, "", {}, [], ())}
    if isinstance(value, (list, tuple)):
        return [compact(v) for v in value]
    return value


def _construct(loader: yaml.SafeLoader, node: yaml.Node, path: tuple, lines: Lines, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge(f"YAML结构过于庞大（超过{MAX_NODES}个节点，可能含有别名炸弹）")
    if len(path) > MAX_DEPTH:
        raise _TooLarge(f"YAML嵌套过深（超过{MAX_DEPTH}层）")
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in (
            "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:omap"):
        raise yaml.constructor.ConstructorError(None, None, f"不支持的YAML标签：{node.tag}", node.start_mark)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node)
            if isinstance(key, (dict, list)):
                raise yaml.constructor.ConstructorError(None, None, "映射的键不能是复合值", key_node.start_mark)
            if key in result:
                raise yaml.constructor.ConstructorError(None, None, f"重复的键：{key}", key_node.start_mark)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(None, None, "映射的键不能是复合值", key_node.start_mark) from None
            result[key] = _construct(loader, value_node, path + (key,), lines, budget)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(loader, child, path + (i,), lines, budget) for i, child in enumerate(node.value)]
    if node.tag == "tag:yaml.org,2002:float":
        text = node.value.replace("_", "")
        try:
            value = Decimal(text)
        except Exception:
            value = text
        if isinstance(value, Decimal) and not value.is_finite():
            raise yaml.constructor.ConstructorError(None, None, f"不是有限数字：{node.value}", node.start_mark)
        return value
    return loader.construct_object(node)


def _parse(loader_class, text: str, lines: Lines) -> Any:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _construct(loader, node, (), lines, [MAX_NODES])
    finally:
        loader.dispose()


def parse_yaml(text: str, file: str, fast: bool = False) -> tuple[Any, Lines, list[LoadError]]:
    """Parse YAML text into plain data (Decimals for non-integers) and a path → line map;
    ``fast``: with libyaml, for text jixiao wrote or ships (see ``_CLoader``)."""
    lines: Lines = {}
    if len(text) > MAX_BYTES:
        return None, lines, [LoadError(file, None, "", f"文件过大（超过{MAX_BYTES // 1024 // 1024}MB）")]
    if fast and _CLoader is not None:
        try:
            return _parse(_CLoader, text, lines), lines, []
        except Exception:  # the error as the Python parser words it (below)
            lines = {}
    try:
        data = _parse(_Loader, text, lines)
    except _TooLarge as exc:
        return None, lines, [LoadError(file, None, "", str(exc))]
    except RecursionError:
        return None, lines, [LoadError(file, None, "", "YAML嵌套过深")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        return None, lines, [LoadError(file, line, "", f"YAML格式错误：{exc.problem or exc}")]
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        return None, lines, [LoadError(file, None, "", f"YAML格式错误：{exc}")]
    return data, lines, []


def read_text(path: Path) -> tuple[str | None, list[LoadError]]:
    try:
        return path.read_text(encoding="utf-8"), []
    except FileNotFoundError:
        return None, [LoadError(str(path), None, "", "文件不存在")]
    except UnicodeDecodeError as exc:
        return None, [LoadError(str(path), None, "", f"不是UTF-8编码的文本文件（第{exc.start}字节）")]
    except OSError as exc:
        return None, [LoadError(str(path), None, "", f"无法读取：{exc.strerror}")]


# --- locating pydantic errors --------------------------------------------------------

_MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不允许的字段（拼写错误？）",
    "decimal_parsing": "不是有效数字",
    "decimal_type": "须为数字",
    "int_parsing": "须为整数",
    "int_type": "须为整数",
    "int_from_float": "须为整数",
    "bool_parsing": "须为 true 或 false",
    "bool_type": "须为 true 或 false",
    "string_type": "须为文本",
    "dict_type": "须为映射（键: 值）",
    "tuple_type": "须为列表",
    "list_type": "须为列表",
    "model_type": "须为映射（键: 值）",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "finite_number": "须为有限数字",
}


def _message(err: dict) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "literal_error":
        return f"取值须为 {ctx.get('expected', '')}，实际为 {err.get('input')!r}"
    if kind == "union_tag_invalid":
        return f"未知的规则类型“{ctx.get('tag')}”（可选：{ctx.get('expected_tags')}）"
    if kind == "union_tag_not_found":
        return "规则须给出 type（规则类型）"
    if kind == "too_short":
        return f"至少需要{ctx.get('min_length')}项"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", err["msg"]))
    if kind in ("greater_than_equal", "less_than_equal"):
        limit = ctx.get("ge", ctx.get("le"))
        return f"{_MESSAGES[kind]}（界限 {limit}）"
    return _MESSAGES.get(kind, err["msg"])


def _data_path(loc: tuple, data: Any) -> tuple:
    """Drop the discriminator tags pydantic puts into locations (``rule.sum.parts``)."""
    path, node = [], data
    for part in loc:
        if isinstance(node, dict) and part not in node and node.get("type") == part:
            continue
        path.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(path)


def located_errors(exc: ValidationError, data: Any, lines: Lines, file: str,
                   prefix: tuple = (), rename: dict[str, str] | None = None) -> list[LoadError]:
    raw = exc.errors()
    # A list that lost an invalid item also reports "too short"; the item's error suffices.
    locs = [e["loc"] for e in raw]
    raw = [e for e in raw if not (e["type"] == "too_short" and any(
        len(o) > len(e["loc"]) and o[: len(e["loc"])] == e["loc"] for o in locs))]
    errors = []
    for err in raw:
        path = prefix + _data_path(err["loc"], data)
        if rename and path and path[0] in rename:
            path = (rename[path[0]],) + path[1:]
        line, probe = None, path
        while probe not in lines and probe:
            probe = probe[:-1]
        line = lines.get(probe)
        field = ".".join(str(p) for p in path)
        errors.append(LoadError(file, line, field, _message(err)))
    return errors


# --- frameworks ----------------------------------------------------------------------


def _tag_locations(data: Any, lines: Lines, file: str, path: tuple, keys: tuple[str, ...]) -> None:
    """Put ``loc`` (file, line) into every mapping under the given list keys, recursively."""
    if not isinstance(data, dict):
        return
    data.setdefault("loc", {"file": file, "line": lines.get(path)})
    for key in keys:
        items = data.get(key)
        if isinstance(items, list):
            for i, item in enumerate(items):
                _tag_locations(item, lines, file, path + (key, i), keys)


def builtin_framework_names() -> list[str]:
    folder = resources.files("jixiao") / "frameworks"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def _framework_text(ref: str, base: Path | None) -> tuple[str | None, str, list[LoadError]]:
    if ref.startswith(BUILTIN_PREFIX):
        name = ref[len(BUILTIN_PREFIX):]
        resource = resources.files("jixiao") / "frameworks" / f"{name}.yaml"
        if not resource.is_file():
            known = "、".join(builtin_framework_names())
            return None, ref, [LoadError(ref, None, "", f"没有内置指标体系“{name}”（可选：{known}）")]
        return resource.read_text(encoding="utf-8"), f"{BUILTIN_PREFIX}{name}", []
    path = (base / ref) if base and not Path(ref).is_absolute() else Path(ref)
    text, errors = read_text(path)
    return text, str(path), errors


def framework_from_data(data: Any, lines: Lines, file: str, prefix: tuple = ()) -> tuple[Framework | None, list[LoadError]]:
    if not isinstance(data, dict):
        return None, [LoadError(file, lines.get(prefix), ".".join(map(str, prefix)), "指标体系须为映射")]
    data = dict(data)
    _tag_locations(data, lines, file, prefix, ("groups", "indicators", "subrows"))
    try:
        return Framework.model_validate(data), []
    except ValidationError as exc:
        return None, located_errors(exc, data, lines, file, prefix)


def load_framework(ref: str | Path, base: Path | None = None, stored: bool = False) -> tuple[Framework | None, list[LoadError]]:
    """Load a framework from a path or ``builtin:NAME``; returns (framework, errors).
    ``stored``: the file was written by jixiao (the bulk pipeline's frameworks), so it is
    parsed as the built-in ones are (``parse_yaml(…, fast=True)``)."""
    text, file, errors = _framework_text(str(ref), base)
    if text is None:
        return None, errors
    data, lines, errors = parse_yaml(text, file, fast=stored or str(ref).startswith(BUILTIN_PREFIX))
    if errors:
        return None, errors
    if isinstance(data, dict) and "framework" in data and "groups" not in data:
        return framework_from_data(data["framework"], lines, file, ("framework",))
    return framework_from_data(data, lines, file)


# --- evaluations ---------------------------------------------------------------------

_EVALUATION_KEYS = {"framework", "unit", "year", "title", "team", "indicators", "questionnaires", "finance",
                    "narrative", "evaluator", "report_date",
                    "declared_total", "declared_grade", "declared_groups"}


def framework_key(ref: str, base: Path | None) -> str:
    """The key of a framework reference: ``builtin:NAME``, or the resolved path of the file."""
    if ref.startswith(BUILTIN_PREFIX):
        return ref
    path = (base / ref) if base and not Path(ref).is_absolute() else Path(ref)
    try:
        return str(path.resolve())
    except OSError:
        return str(path)


FrameworkCache = dict[str, tuple[Framework | None, list[LoadError]]]


def shared_framework(ref: str | Path, base: Path | None, cache: FrameworkCache | None) -> tuple[Framework | None, list[LoadError]]:
    """``load_framework(ref, base)``, read and validated once per ``cache``: every evaluation
    that names the same framework then shares one object (and the scorer's compiled rules)."""
    if cache is None:
        return load_framework(ref, base)
    key = framework_key(str(ref), base)
    found = cache.get(key)
    if found is None:
        found = cache[key] = load_framework(ref, base)
    return found[0], list(found[1])


def load_evaluation(path: str | Path, frameworks: FrameworkCache | None = None) -> tuple[Evaluation | None, list[LoadError]]:
    """Load an evaluation file (framework inline, by path or ``builtin:NAME``). With
    ``frameworks`` (a dict kept across calls) a framework named by reference is loaded once
    and shared by every evaluation that names it."""
    path = Path(path)
    file = str(path)
    text, errors = read_text(path)
    if text is None:
        return None, errors
    data, lines, errors = parse_yaml(text, file)
    if errors:
        return None, errors
    if not isinstance(data, dict):
        return None, [LoadError(file, 1, "", "评价文件须为映射（键: 值）")]
    errors = [LoadError(file, lines.get((k,)), str(k), "不允许的字段（拼写错误？）")
              for k in data if k not in _EVALUATION_KEYS]
    ref = data.get("framework")
    if ref is None:
        return None, errors + [LoadError(file, 1, "framework", "缺少指标体系（framework）")]
    if isinstance(ref, str):
        framework, fw_errors = shared_framework(ref, path.parent, frameworks)
    else:
        framework, fw_errors = framework_from_data(ref, lines, file, ("framework",))
    errors += fw_errors
    inputs = data.get("indicators") or {}
    if not isinstance(inputs, dict):
        errors.append(LoadError(file, lines.get(("indicators",)), "indicators", "须为映射：指标编码: 填报内容"))
        inputs = {}
    shaped = {}
    for code, item in inputs.items():
        if not isinstance(item, dict):
            item = {"actual": item}  # shorthand: "B11: 99.81"
        shaped[str(code)] = {**item, "loc": {"file": file, "line": lines.get(("indicators", code))}}
    questionnaires = data.get("questionnaires") or []
    if isinstance(questionnaires, list):
        for i, q in enumerate(questionnaires):
            if isinstance(q, dict):
                q.setdefault("loc", {"file": file, "line": lines.get(("questionnaires", i))})
                if "responses" in q:
                    built, q_errors = _questionnaire_from_sheet(q, path.parent, lines, file, i)
                    errors += q_errors
                    if built is not None:
                        questionnaires[i] = built
    if framework is None or errors:
        return None, errors
    body = {k: v for k, v in data.items() if k not in ("framework", "indicators")}
    body.update(framework=framework, inputs=shaped, loc={"file": file, "line": 1})
    try:
        return Evaluation.model_validate(body), []
    except ValidationError as exc:
        view = {**data, "inputs": data.get("indicators")}
        return None, located_errors(exc, view, lines, file, rename={"inputs": "indicators"})


def _questionnaire_from_sheet(q: dict, base: Path, lines: Lines, file: str, index: int):
    """A questionnaire whose answers are an Excel sheet of respondents (``responses:
    {file: 答卷.xlsx, sheet: 答卷}``): validate the questions, then count the answers."""
    from jixiao.core.model import Question

    from .questionnaire import read_responses

    where = ("questionnaires", index)
    spec = q.get("responses")
    if not isinstance(spec, dict) or "file" not in spec:
        return None, [LoadError(file, lines.get(where + ("responses",)), "questionnaires.%d.responses" % index,
                                "须为 {file: 答卷.xlsx, sheet: 工作表名}")]
    try:
        questions = [Question.model_validate(x) for x in q.get("questions") or []]
    except ValidationError as exc:
        return None, located_errors(exc, q.get("questions"), lines, file, where + ("questions",))
    if not questions:
        return None, [LoadError(file, lines.get(where), "questionnaires.%d.questions" % index, "缺少问题")]
    built, errors = read_responses(base / str(spec["file"]), questions, str(q.get("id", "")), spec.get("sheet"),
                                   title=str(q.get("title", "")), issued=q.get("issued"))
    if built is None:
        return None, errors
    declared = {k: q[k] for k in ("declared_total", "declared_score", "returned") if k in q}
    data = {**built.model_dump(), **declared, "loc": q["loc"]}
    return data, []


def load_evaluation_or_raise(path: str | Path) -> Evaluation:
    evaluation, errors = load_evaluation(path)
    if errors or evaluation is None:
        raise InputError(errors)
    return evaluation
