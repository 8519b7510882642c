"""Background jobs (Huey): document packages are produced outside the request, with their
progress recorded on the ReportJob so the page can show it."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from huey.contrib.djhuey import db_task

from .models import Evaluation, ReportJob


def enqueue_report(evaluations: list[Evaluation], user, pdf: bool = True) -> ReportJob:
    job = ReportJob.objects.create(requested_by=user, pdf=pdf, total=len(evaluations))
    job.evaluations.set(evaluations)
    build_reports(job.pk)
    return job


@db_task()
def build_reports(job_id: int) -> None:
    build_reports_now(job_id)


def build_reports_now(job_id: int) -> None:
    """Write docx + xlsx (+ pdf, one LibreOffice run for the batch) per evaluation into a zip."""
    from jixiao.core.audit import audit
    from jixiao.core.scoring import score
    from jixiao.io.excel import export_score_table
    from jixiao.reports import render_report, to_pdf

    from .bridge import core_evaluation

    job = ReportJob.objects.get(pk=job_id)
    job.status, job.progress = ReportJob.RUNNING, 0
    job.save(update_fields=["status", "progress"])
    work = Path(tempfile.mkdtemp(prefix="jixiao-job-"))
    try:
        docs = []
        for evaluation in job.evaluations.select_related("unit", "framework"):
            sheet = score(core_evaluation(evaluation))
            findings = audit(sheet)
            stem = f"{evaluation.unit.name}-{evaluation.year}-{evaluation.framework.key}"
            docs.append(render_report(sheet, findings, work / f"{stem}.docx"))
            kind_layout = "004" if sheet.framework.kind == "项目支出" else "000"
            export_score_table(sheet, work / f"{stem}.xlsx", layout=kind_layout, findings=findings)
            job.progress += 1
            job.message = f"已生成 {job.progress}/{job.total} 份Word和Excel"
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
        job.message = f"完成：{job.total}份评价"
    except Exception as exc:  # the job records the failure for the user instead of dying silently
        job.status, job.message = ReportJob.FAILED, f"生成失败：{exc}"
        raise
    finally:
        job.finished_at = timezone.now()
        job.save()
        shutil.rmtree(work, ignore_errors=True)
