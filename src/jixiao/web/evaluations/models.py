"""Framework versions, evaluations and their indicator values, attachments, report jobs and
assignments. Scores are never computed here: ``bridge`` rebuilds the core objects from these
records and asks ``jixiao.core`` to score them; the cached totals exist only for listing."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from jixiao.web.accounts.models import Unit

__all__ = ["FrameworkVersion", "Evaluation", "IndicatorValue",
           "attachment_path", "Attachment", "ReportJob", "Assignment"]


class FrameworkVersion(models.Model):
    """One version of an indicator framework, kept as the YAML it was loaded from.

    Versions are immutable once evaluations use them: editing creates a new version."""

    key = models.CharField("标识", max_length=100)
    version = models.CharField("版本", max_length=50)
    name = models.CharField("名称", max_length=300)
    kind = models.CharField("类型", max_length=10)
    fund = models.CharField("资金", max_length=200, blank=True)
    yaml_text = models.TextField("指标体系（YAML）")
    rules_hash = models.CharField("规则指纹", max_length=64)
    builtin = models.BooleanField("内置", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = "指标体系版本"
        verbose_name_plural = "指标体系版本"
        unique_together = [("key", "version")]
        ordering = ["key", "-created_at"]

    def __str__(self) -> str:
        return f"{self.name}（{self.version}）"


class Evaluation(models.Model):
    """One unit's self-evaluation for one year against one framework version."""

    DRAFT, SUBMITTED, RETURNED, APPROVED, PUBLISHED = "draft", "submitted", "returned", "approved", "published"
    STATES = [(DRAFT, "草稿"), (SUBMITTED, "已提交"), (RETURNED, "退回"), (APPROVED, "审核通过"), (PUBLISHED, "已公开")]
    EDITABLE = (DRAFT, RETURNED)

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="evaluations")
    year = models.PositiveIntegerField("年度")
    framework = models.ForeignKey(FrameworkVersion, verbose_name="指标体系", on_delete=models.PROTECT,
                                  related_name="evaluations")
    title = models.CharField("标题", max_length=300, blank=True)
    state = models.CharField("状态", max_length=10, choices=STATES, default=DRAFT)
    extra = models.JSONField("其他内容", default=dict, blank=True)  # team, finance, questionnaires, narrative…
    review_comment = models.TextField("审核意见", blank=True)
    total = models.DecimalField("得分", max_digits=9, decimal_places=4, null=True, blank=True)
    grade = models.CharField("等级", max_length=20, blank=True)
    declared_total = models.DecimalField("申报总分", max_digits=9, decimal_places=4, null=True, blank=True)
    findings_count = models.PositiveIntegerField("核查发现", default=0)
    summary = models.JSONField("评分摘要", default=dict, blank=True)  # cache: points lost per level 1, finding kinds
    lock_version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at", "lock_version"])

    class Meta:
        verbose_name = "绩效自评"
        verbose_name_plural = "绩效自评"
        unique_together = [("unit", "year", "framework")]
        ordering = ["-year", "unit__path"]
        indexes = [models.Index(fields=["state", "year"])]

    def __str__(self) -> str:
        return self.title or f"{self.unit} {self.year}年 {self.framework.name}"

    @property
    def editable(self) -> bool:
        return self.state in self.EDITABLE


class IndicatorValue(models.Model):
    """What was recorded for one indicator or sub-row: the core ``IndicatorInput`` as JSON
    (numbers kept as exact decimal strings), the reviewer's comment for this row, and the
    score and explanation the core last gave (a cache)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="values")
    code = models.CharField("指标编码", max_length=50)
    data = models.JSONField("填报内容", default=dict, blank=True)
    reviewer_comment = models.TextField("审核意见", blank=True)
    score = models.DecimalField("得分", max_digits=9, decimal_places=4, null=True, blank=True)
    explanation = models.TextField("计分说明", blank=True)
    version = models.PositiveIntegerField(default=0)
    history = HistoricalRecords(excluded_fields=["score", "explanation"])

    class Meta:
        verbose_name = "指标填报"
        verbose_name_plural = "指标填报"
        unique_together = [("evaluation", "code")]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.evaluation_id}:{self.code}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"attachments/{instance.evaluation_id}/{filename}"


class Attachment(models.Model):
    """A working paper (工作底稿) or evidence file attached to an evaluation row."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="attachments")
    code = models.CharField("指标编码", max_length=50, blank=True)
    file = models.FileField("文件", upload_to=attachment_path)
    name = models.CharField("文件名", max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    uploaded_at = models.DateTimeField(auto_now_add=True)


class ReportJob(models.Model):
    """A background job producing document packages (one evaluation, or a whole sub-tree)."""

    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATUSES = [(QUEUED, "排队中"), (RUNNING, "生成中"), (DONE, "已完成"), (FAILED, "失败")]

    evaluations = models.ManyToManyField(Evaluation, related_name="report_jobs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    pdf = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=STATUSES, default=QUEUED)
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    result = models.CharField(max_length=500, blank=True)  # path of the zip under MEDIA_ROOT
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)


class Assignment(models.Model):
    """A framework version assigned to a unit (and, with ``include_subtree``, every unit below
    it) for a year and fund; preparers start their evaluations from it."""

    framework = models.ForeignKey(FrameworkVersion, verbose_name="指标体系", on_delete=models.PROTECT,
                                  related_name="assignments")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="assignments")
    include_subtree = models.BooleanField("含下级单位", default=True)
    year = models.PositiveIntegerField("年度")
    fund = models.CharField("资金", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "指标体系分配"
        verbose_name_plural = "指标体系分配"
        unique_together = [("framework", "unit", "year")]

    def covers(self, unit: Unit) -> bool:
        return unit.pk == self.unit_id or (self.include_subtree and unit.path.startswith(self.unit.path))
