"""Template tags for rules versions and report packages.

``{{ hash|check_code }}`` shows a rules hash as the short check code users compare
(``3620-9923``, see ``jixiao.core.versioning.check_code``); ``{% rules_label framework_id
version hash %}`` the whole 规则版本 … · 校验码 … label; ``{% report_copies user %}`` what a
report job of ``user`` contains (agency's report only, or with the reviewer's copy).
"""

from django import template

from jixiao.core.versioning import check_code as _check_code
from jixiao.core.versioning import rules_label as _rules_label

register = template.Library()


@register.filter
def check_code(digest: str) -> str:
    return _check_code(digest or "")


@register.simple_tag
def rules_label(framework_id: str, version: str, digest: str) -> str:
    return _rules_label(framework_id, version, digest or "")


@register.simple_tag
def report_copies(user) -> str:
    from jixiao.web.tasks import copies_text

    return copies_text(user)
