"""Rule versions: a content hash of everything in a framework that decides a score.

Two score sheets are comparable only when computed under the same rules; the hash covers
weights, targets, directions, rules, sub-rows, group structure, rounding, grades, pass line,
not-applicable policy and default rule — not names, criteria text or source locations, which
change no score.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from .model import Framework, Group, Indicator

_SCORING_FIELDS_OF_INDICATOR = ("code", "weight", "direction")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value != 0 else "0"
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _indicator(ind: Indicator) -> dict:
    data = {f: getattr(ind, f) for f in _SCORING_FIELDS_OF_INDICATOR}
    data["target"] = {"comparator": ind.target.comparator, "value": ind.target.value, "unit": ind.target.unit}
    data["rule"] = None if ind.rule is None else ind.rule.model_dump(mode="python")
    data["subrows"] = [_indicator(s) for s in ind.subrows]
    return data


def _group(group: Group) -> dict:
    return {"code": group.code, "groups": [_group(g) for g in group.groups],
            "indicators": [_indicator(i) for i in group.indicators]}


def rules_hash(framework: Framework) -> str:
    """SHA-256 (hex) of the scoring content of a framework."""
    content = {
        "total": framework.total, "places": framework.places, "rounding": framework.rounding,
        "grades": [(g.name, g.min) for g in framework.grades], "pass_line": framework.pass_line,
        "not_applicable": framework.not_applicable, "default_rule": framework.default_rule,
        "groups": [_group(g) for g in framework.groups],
    }
    text = json.dumps(_plain(content), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_code(digest: str) -> str:
    """The short check code people read and compare: the first 8 hex digits of the rules
    hash, upper case, in two groups (``3620-9923``).

    Users compare rules by eye — the site's total panel against a printed report, two
    agencies on the phone — and a 64-digit hex string is neither readable nor something
    anyone compares. Eight digits (4.3 billion values) make an accidental match of two
    different rule sets practically impossible for that purpose, while every machine
    comparison (imports, ``compare``, ``--json``, the API) keeps using the full hash.
    """
    head = (digest or "")[:8].upper()
    return f"{head[:4]}-{head[4:]}" if len(head) == 8 else head


def rules_label(framework_id: str, version: str, digest: str) -> str:
    """How the rules of a score are named to users: 规则版本 <framework> v<version> · 校验码 XXXX-XXXX.

    The framework id and version say which rules; the check code (``check_code``) shows at a
    glance that two places computed with exactly the same rules — the CLI, the site and the
    report print the same label for the same framework, because all three take it from the
    same ``rules_hash``."""
    return f"规则版本 {framework_id} v{version} · 校验码 {check_code(digest)}"
