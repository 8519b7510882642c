"""Background jobs (Huey): document packages are produced outside the request, with their
progress recorded on the ReportJob so the page can show it.

Who gets what (issue 17): every package holds the agency's report — the one a unit hands in,
without audit findings, declared scores or the tool's name. Reviewers, finance reviewers and
administrators also get the reviewer's copy (复核底稿: the same report with the attachments
核查发现 and 评分复核说明, and the score table with its 核查发现 sheet); preparers get the
clean report only. ``reviewer_copy_for(user)`` decides; the job page says which
(``copies_text``). Both come from ``jixiao.reports.package.write_package``, as on the CLI."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from huey.contrib.djhuey import db_task

from jixiao.web.models import Evaluation, ReportJob


def reviewer_copy_for(user) -> bool:
    """Whether ``user``'s packages include the reviewer's copy (复核底稿): reviewers, finance
    reviewers, administrators and superusers; not preparers (nor a job nobody requested)."""
    from jixiao.web.models import Account
    from jixiao.web.rules import account_of

    if user is None:
        return False
    if user.is_superuser:
        return True
    account = account_of(user)
    return account is not None and account.role in (Account.REVIEWER, Account.FINANCE, Account.ADMIN)


def copies_text(user) -> str:
    """What the package of ``user`` contains, as the job page says it."""
    if reviewer_copy_for(user):
        return ("报告包含报送版自评报告（Word、Excel评分表，可报送公开）和复核底稿（文件名带“复核底稿”，"
                "附核查发现与评分复核说明，审核人留存，不对外报送）。")
    return "报告包含报送版自评报告（Word、Excel评分表），可直接报送；核查发现由审核人在复核底稿中查看。"


def enqueue_report(evaluations: list[Evaluation], user, pdf: bool = True) -> ReportJob:
    job = ReportJob.objects.create(requested_by=user, pdf=pdf, total=len(evaluations))
    job.evaluations.set(evaluations)
    build_reports(job.pk)
    return job


@db_task()
def build_reports(job_id: int) -> None:
    build_reports_now(job_id)


def build_reports_now(job_id: int) -> None:
    """Write the package of each evaluation — the agency's report, and the reviewer's copy for
    reviewers (``reviewer_copy_for``) — docx + xlsx (+ pdf, one LibreOffice run for the batch),
    into one zip."""
    from jixiao.core.audit import audit
    from jixiao.core.scoring import score
    from jixiao.reports import to_pdf
    from jixiao.reports.package import write_package

    from jixiao.web.bridge import core_evaluation

    job = ReportJob.objects.select_related("requested_by").get(pk=job_id)
    reviewer = reviewer_copy_for(job.requested_by)
    job.status, job.progress = ReportJob.RUNNING, 0
    job.save(update_fields=["status", "progress"])
    work = Path(tempfile.mkdtemp(prefix="jixiao-job-"))
    try:
        docs = []
        for evaluation in job.evaluations.select_related("unit", "framework"):
            sheet = score(core_evaluation(evaluation))
            findings = audit(sheet)
            stem = f"{evaluation.unit.name}-{evaluation.year}-{evaluation.framework.key}"
            package = write_package(sheet, findings, work, stem, reviewer=reviewer)
            docs += package.docx
            job.progress += 1
            job.message = f"已生成 {job.progress}/{job.total} 份评价的Word和Excel"
            job.save(update_fields=["progress", "message"])
        if job.pdf and docs:
            job.message = "正在转换PDF…"
            job.save(update_fields=["message"])
            to_pdf(docs, work)
        out_dir = Path(settings.MEDIA_ROOT) / "reports"
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / f"jixiao-reports-{job.pk}.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(work.iterdir()):
                zf.write(path, path.name)
        job.status, job.result = ReportJob.DONE, str(target.relative_to(settings.MEDIA_ROOT))
        job.message = f"完成：{job.total}份评价（{'报送版报告和复核底稿' if reviewer else '报送版报告'}）"
    except Exception as exc:  # the job records the failure for the user instead of dying silently
        job.status, job.message = ReportJob.FAILED, f"生成失败：{exc}"
        raise
    finally:
        job.finished_at = timezone.now()
        job.save()
        shutil.rmtree(work, ignore_errors=True)
