"""Working papers (工作底稿) attached to an evaluation, its whole change trail, and report
batches for a sub-tree. Working papers and the trail are the unit's and its overseers' only
(``jixiao.view_evaluation``), also once the evaluation is published.

Uploads are limited by size and type and are always sent back as downloads
(Content-Disposition: attachment, nosniff), never rendered inline as HTML."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from jixiao.web.models import Attachment, Evaluation

ATTACHMENT_TYPES = {".pdf", ".docx", ".doc", ".xlsx", ".xls", ".jpg", ".jpeg", ".png", ".txt", ".zip", ".ofd"}
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024


def _evaluation(request, pk: int, perm: str) -> Evaluation:
    evaluation = get_object_or_404(Evaluation.objects.select_related("unit"), pk=pk)
    if not request.user.has_perm(perm, evaluation):
        raise PermissionDenied("无权操作该评价")
    return evaluation


@login_required
@require_POST
def upload_attachment(request, pk: int):
    evaluation = _evaluation(request, pk, "jixiao.change_evaluation")
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择文件")
    else:
        suffix = Path(upload.name).suffix.lower()
        if suffix not in ATTACHMENT_TYPES:
            messages.error(request, f"{upload.name}：不接受该类型文件（可上传：{'、'.join(sorted(ATTACHMENT_TYPES))}）")
        elif upload.size > ATTACHMENT_MAX_BYTES:
            messages.error(request, f"{upload.name}：文件超过{ATTACHMENT_MAX_BYTES // 1024 // 1024}MB")
        else:
            Attachment.objects.create(evaluation=evaluation, code=request.POST.get("code", "").strip()[:50],
                                      file=upload, name=Path(upload.name).name[:255], uploaded_by=request.user)
            messages.success(request, f"已上传：{upload.name}")
    return redirect("evaluation", pk=pk)


@login_required
def download_attachment(request, pk: int, attachment_id: int):
    evaluation = _evaluation(request, pk, "jixiao.view_evaluation")
    attachment = get_object_or_404(Attachment, pk=attachment_id, evaluation=evaluation)
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name,
                            content_type="application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def history(request, pk: int):
    """The evaluation's whole change trail (its page shows the latest 50 entries); read only."""
    from jixiao.web.evaluations.views import _history

    evaluation = _evaluation(request, pk, "jixiao.view_evaluation")
    return render(request, "jixiao/history.html", {"evaluation": evaluation, "history": _history(evaluation)})


@login_required
@require_POST
def batch_reports(request):
    """One background job producing the packages of every evaluation in the user's sub-tree."""
    if not request.user.has_perm("jixiao.view_dashboard"):
        raise PermissionDenied("仅审核人、财政复核和管理员可批量生成报告")
    from jixiao.web.tasks import enqueue_report
    from jixiao.web.evaluations.views import visible_evaluations

    evaluations = list(visible_evaluations(request.user).filter(year=request.POST.get("year") or None)
                       if request.POST.get("year") else visible_evaluations(request.user))
    if not evaluations:
        messages.error(request, "没有可生成报告的评价")
        return redirect("dashboard")
    job = enqueue_report(evaluations, request.user, pdf=request.POST.get("pdf") == "1")
    return redirect("job", pk=job.pk)
