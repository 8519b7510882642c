"""What the public sees of a published evaluation, anonymous visitors included: its page with
the score table, and the report to download (Word, PDF, the Excel score table).

What is public and what is not (issue 17):

- public, for everyone: a *published* evaluation's report and score table — what the
  agency hands in and the finance bureau publishes (预算绩效信息公开);
- private to the unit and those above it (its reviewers, the finance bureau over it, admins):
  drafts and evaluations under review, the entry page, the financial data and questionnaire
  pages, the working papers (attachments) and the change trail.

The report files are made by the report code (``jixiao.reports``, the same as a report job)
the first time someone asks for them, and kept under ``MEDIA_ROOT/public/<pk>/<stamp>/``
where ``stamp`` changes with the evaluation, so an anonymous download needs no job and no
account, and the second download of a report costs nothing. A published evaluation is
final (no role may edit or return it), so a kept file stays right."""

from __future__ import annotations

import fcntl
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from jixiao.web import bridge
from jixiao.web.models import Evaluation

# kind → (file name suffix, what the link says)
DOWNLOADS = {"docx": ("报告.docx", "Word报告"), "pdf": ("报告.pdf", "PDF报告"), "xlsx": ("评分表.xlsx", "评分表（Excel）")}


def published_evaluation(pk: int) -> Evaluation:
    """A published evaluation; 404 for any other state (a draft's existence is not public)."""
    return get_object_or_404(Evaluation.objects.select_related("unit", "framework"), pk=pk,
                             state=Evaluation.PUBLISHED)


def download_name(evaluation: Evaluation, kind: str) -> str:
    return f"{evaluation.unit.name}{evaluation.year}年度{DOWNLOADS[kind][0]}"


def _stamp(evaluation: Evaluation) -> str:
    changed = evaluation.updated_at.strftime("%Y%m%d%H%M%S%f") if evaluation.updated_at else "0"
    return f"{evaluation.lock_version}-{changed}"


def _write(evaluation: Evaluation, kind: str, folder: Path) -> Path:
    """Make one file of the public package in ``folder``: the agency's report and score table
    (``reports.package.write_package``, as a report job writes them; never the reviewer's
    复核底稿 with its audit findings), the PDF converted from that report."""
    from jixiao.reports import to_pdf
    from jixiao.reports.package import write_package

    sheet, findings = bridge.score_and_cache(evaluation)
    package = write_package(sheet, findings, folder, f"report-{evaluation.pk}", excel=kind == "xlsx")
    if kind == "pdf":
        return to_pdf(package.docx, folder)[0]
    return next(path for _, path in package.files if path.suffix == f".{kind}")


def public_file(evaluation: Evaluation, kind: str) -> Path:
    """The kept file of ``kind`` for a published evaluation, made first when missing. One
    process makes it at a time (a lock file per evaluation); it is written aside and moved in
    place, so a reader never gets half a file."""
    folder = Path(settings.MEDIA_ROOT) / "public" / str(evaluation.pk)
    target = folder / _stamp(evaluation) / f"report.{kind}"
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.is_file():
            for old in folder.iterdir():  # files of an earlier state of the evaluation
                if old.is_dir() and old.name != target.parent.name:
                    shutil.rmtree(old, ignore_errors=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(prefix="jixiao-public-", dir=folder) as work:
                made = _write(evaluation, kind, Path(work))
                made.replace(target)
    return target


@require_GET
def published_detail(request, pk: int):
    """The public page of a published evaluation: total, grade and the score table."""
    evaluation = published_evaluation(pk)
    sheet, _ = bridge.score_and_cache(evaluation)
    rows = [{"code": r.code, "level1": r.path[0].name if r.path else "",
             "level2": r.path[1].name if len(r.path) > 1 else "", "name": r.name, "weight": r.weight,
             "score": r.score, "explanation": r.explanation, "sub": bool(r.parent)} for r in sheet.rows]
    return render(request, "jixiao/public_detail.html", {
        "evaluation": evaluation, "sheet": sheet, "rows": rows,
        "downloads": [(kind, label) for kind, (_, label) in DOWNLOADS.items()]})


@require_GET
def published_download(request, pk: int, kind: str):
    """Download the published report (docx, pdf) or score table (xlsx); no account needed."""
    if kind not in DOWNLOADS:
        raise Http404("没有该格式")
    evaluation = published_evaluation(pk)
    from jixiao.reports.pdf import PdfError

    try:
        path = public_file(evaluation, kind)
    except PdfError:
        return HttpResponse("PDF报告暂时无法生成，请下载Word报告。", status=503,
                            content_type="text/plain; charset=utf-8")
    return FileResponse(open(path, "rb"), as_attachment=True, filename=download_name(evaluation, kind))
