"""The submit / approve / return step shared by target tables, monitoring reports and project
forms (草稿/退回 → 已提交 → 审核通过 or 退回). Evaluations have their own, longer workflow
(``views.transition``)."""

from __future__ import annotations

from typing import Callable

from django.contrib import messages
from django.db import transaction
from django.http import Http404

ACTIONS = {"submit": "提交", "approve": "审核通过", "return": "退回"}


def permission(model, action: str) -> str:
    """The object permission an action needs: ``jixiao.submit_<model>`` for a submission,
    ``jixiao.review_<model>`` for approve / return; 404 for any other action."""
    if action not in ACTIONS:
        raise Http404()
    return f"jixiao.{'submit' if action == 'submit' else 'review'}_{model._meta.model_name}"


def transition(request, obj, action: str, back, *, checks: Callable[[object], list[str]] | None = None,
               clear_comment_on_submit: bool = False):
    """Move ``obj`` (whose permission for ``action`` the caller has checked) to its next state
    and return ``back``. A return needs the reviewer's comment. The state is read again under a
    row lock and must still be the one the permission was checked on, so a crafted or raced
    POST cannot skip a state. ``checks(locked)`` lists what blocks a submission."""
    model = type(obj)
    comment = request.POST.get("comment", "").strip()
    if action == "return" and not comment:
        messages.error(request, "退回时须填写审核意见")
        return back
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=obj.pk)
        if locked.state != obj.state:
            messages.error(request, f"{model._meta.verbose_name}状态已被他人修改，请刷新后重试")
            return back
        if action == "submit" and checks is not None:
            problems = checks(locked)
            if problems:
                for p in problems:
                    messages.error(request, p)
                return back
        locked.state = {"submit": model.SUBMITTED, "approve": model.APPROVED, "return": model.RETURNED}[action]
        if action != "submit":
            locked.review_comment = comment
        elif clear_comment_on_submit:
            locked.review_comment = ""
        locked._change_reason = ACTIONS[action]
        locked.save()
    messages.success(request, f"已{locked._change_reason}")
    return back
