"""Records of the performance cycle (issue 9): thresholds, target tables and rows, monitoring
reports and rows, problems and allocations. The core (``jixiao.core.cycle``) computes lights,
texts and amounts; these records hold what was entered. Views in ``jixiao.web.cycle.views``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from jixiao.web.accounts.models import Unit
from jixiao.web.evaluations.models import Evaluation, FrameworkVersion

__all__ = ["ThresholdSetting", "TargetTable", "TargetRow",
           "MonitoringReport", "MonitoringRow", "Problem", "Allocation"]


class ThresholdSetting(models.Model):
    """Traffic-light thresholds for monitoring: for a unit and year (applies to the unit and
    every unit below it, the nearest setting winning), or for a framework version (``unit``
    empty). A target table's own thresholds win over both; see ``cycle.views.thresholds_for``."""

    framework = models.OneToOneField(FrameworkVersion, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="thresholds")
    unit = models.ForeignKey(Unit, verbose_name="单位", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="threshold_settings")
    year = models.PositiveIntegerField("年度", null=True, blank=True)
    yellow = models.DecimalField("黄灯阈值（落后百分点）", max_digits=6, decimal_places=2)
    red = models.DecimalField("红灯阈值（落后百分点）", max_digits=6, decimal_places=2)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True, null=True)

    class Meta:
        verbose_name = "监控阈值"
        verbose_name_plural = "监控阈值"
        ordering = ["-year", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="threshold_unit_year"),
            models.CheckConstraint(condition=models.Q(red__gte=models.F("yellow")), name="threshold_red_gte_yellow"),
            models.CheckConstraint(condition=models.Q(yellow__gte=0), name="threshold_yellow_nonnegative"),
        ]


class TargetTable(models.Model):
    """绩效目标表 of a unit, year and fund; draft → submitted → approved (or returned), like
    ``Evaluation``. Once approved the year-end evaluation is started from it (``evaluation``)."""

    DRAFT, SUBMITTED, RETURNED, APPROVED = "draft", "submitted", "returned", "approved"
    STATES = [(DRAFT, "草稿"), (SUBMITTED, "已提交"), (RETURNED, "退回"), (APPROVED, "审核通过")]
    EDITABLE = (DRAFT, RETURNED)

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="target_tables")
    year = models.PositiveIntegerField("年度")
    fund = models.CharField("资金（项目）", max_length=200, blank=True)
    framework = models.ForeignKey(FrameworkVersion, verbose_name="指标体系", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="target_tables")
    overall_goal = models.TextField("总体目标", blank=True)
    state = models.CharField("状态", max_length=10, choices=STATES, default=DRAFT)
    review_comment = models.TextField("审核意见", blank=True)
    yellow = models.DecimalField("黄灯阈值", max_digits=6, decimal_places=2, null=True, blank=True)
    red = models.DecimalField("红灯阈值", max_digits=6, decimal_places=2, null=True, blank=True)
    evaluation = models.ForeignKey(Evaluation, verbose_name="年终自评", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="target_tables")
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "绩效目标表"
        verbose_name_plural = "绩效目标表"
        unique_together = [("unit", "year", "fund")]
        ordering = ["-year", "unit__path"]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}年 {self.fund or '绩效目标'}"

    @property
    def editable(self) -> bool:
        return self.state in self.EDITABLE


class TargetRow(models.Model):
    """One indicator target of a target table (a framework code, or a free row)."""

    table = models.ForeignKey(TargetTable, on_delete=models.CASCADE, related_name="rows")
    code = models.CharField("指标编码", max_length=50)
    level1 = models.CharField("一级指标", max_length=100, blank=True)
    level2 = models.CharField("二级指标", max_length=100, blank=True)
    name = models.CharField("指标名称", max_length=300)
    target = models.CharField("目标值", max_length=300, blank=True)
    free = models.BooleanField("自设指标", default=False)
    order = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "指标目标"
        verbose_name_plural = "指标目标"
        unique_together = [("table", "code")]
        ordering = ["order", "id"]


class MonitoringReport(models.Model):
    """A monitoring report of a target table for one period (2024-Q2 or 2024-07). ``warnings``
    caches the number of yellow and red rows for the reviewer's page. Like an evaluation it is
    a draft (or returned) while the preparer edits it, then submitted (read-only), then
    returned or approved by a reviewer of a unit above."""

    DRAFT, SUBMITTED, RETURNED, APPROVED = "draft", "submitted", "returned", "approved"
    STATES = [(DRAFT, "草稿"), (SUBMITTED, "已提交"), (RETURNED, "退回"), (APPROVED, "审核通过")]
    EDITABLE = (DRAFT, RETURNED)

    table = models.ForeignKey(TargetTable, verbose_name="目标表", on_delete=models.CASCADE, related_name="reports")
    period = models.CharField("监控期间", max_length=10)
    budget = models.DecimalField("全年预算（元）", max_digits=16, decimal_places=2, null=True, blank=True)
    spent = models.DecimalField("累计支出（元）", max_digits=16, decimal_places=2, null=True, blank=True)
    spending_reason = models.TextField("支出偏差原因", blank=True)
    spending_measures = models.TextField("支出纠偏措施", blank=True)
    spending_light = models.CharField("支出监控结果", max_length=10, blank=True)
    warnings = models.PositiveIntegerField("预警数", default=0)
    state = models.CharField("状态", max_length=10, choices=STATES, default=DRAFT)
    review_comment = models.TextField("审核意见", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "绩效监控"
        verbose_name_plural = "绩效监控"
        unique_together = [("table", "period")]
        ordering = ["table", "-period"]

    @property
    def unit(self) -> Unit:
        return self.table.unit

    @property
    def editable(self) -> bool:
        return self.state in self.EDITABLE


class MonitoringRow(models.Model):
    """Progress of one indicator in a monitoring report, with its light (cached)."""

    report = models.ForeignKey(MonitoringReport, on_delete=models.CASCADE, related_name="rows")
    code = models.CharField("指标编码", max_length=50)
    actual = models.CharField("累计完成", max_length=100, blank=True)
    completion = models.DecimalField("完成进度（%）", max_digits=9, decimal_places=4, null=True, blank=True)
    expected = models.DecimalField("应完成进度（%）", max_digits=9, decimal_places=4, null=True, blank=True)
    light = models.CharField("监控结果", max_length=10, blank=True)
    reason = models.TextField("偏差原因", blank=True)
    measures = models.TextField("纠偏措施", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "监控指标"
        verbose_name_plural = "监控指标"
        unique_together = [("report", "code")]
        ordering = ["id"]


class Problem(models.Model):
    """A problem found in monitoring, self-evaluation or audit, tracked until fixed."""

    SOURCES = [("monitoring", "运行监控"), ("evaluation", "绩效自评"), ("audit", "审计")]
    STATUSES = [("open", "未整改"), ("in_progress", "整改中"), ("done", "已整改")]

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="problems")
    year = models.PositiveIntegerField("发现年度")
    source = models.CharField("来源", max_length=12, choices=SOURCES)
    title = models.CharField("问题", max_length=300)
    description = models.TextField("问题说明", blank=True)
    owner = models.CharField("责任人", max_length=100, blank=True)
    due = models.DateField("整改期限", null=True, blank=True)
    measures = models.TextField("整改措施", blank=True)
    status = models.CharField("状态", max_length=12, choices=STATUSES, default="open")
    result = models.TextField("整改结果", blank=True)
    # Where an automatically created problem came from, so the same light or finding updates
    # its problem instead of adding another: "monitoring:<table>:<code>" for a red light,
    # "finding:<evaluation>:<code>:<kind>" for an audit finding; empty for a problem typed in.
    origin = models.CharField("来源标识", max_length=200, blank=True, default="")
    report = models.ForeignKey(MonitoringReport, verbose_name="监控报告", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="problems")
    evaluation = models.ForeignKey(Evaluation, verbose_name="绩效自评", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="problems")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "整改问题"
        verbose_name_plural = "整改问题"
        ordering = ["-year", "unit__path", "id"]
        constraints = [models.UniqueConstraint(fields=["unit", "origin"], condition=~models.Q(origin=""),
                                               name="problem_unique_origin")]

    def __str__(self) -> str:
        return self.title


class Allocation(models.Model):
    """A factor allocation of ``amount`` (元) by ``unit`` among its child units. ``factors`` is
    the core factor list (key, name, weight, unit, kind); ``data`` maps a child unit's pk to its
    values per data factor; the score factor comes from each child's latest evaluation."""

    unit = models.ForeignKey(Unit, verbose_name="分配单位", on_delete=models.PROTECT, related_name="allocations")
    year = models.PositiveIntegerField("分配年度")
    fund = models.CharField("资金", max_length=200)
    amount = models.DecimalField("待分配金额（元）", max_digits=16, decimal_places=2)
    factors = models.JSONField("分配因素", default=list)
    data = models.JSONField("因素数据", default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "因素法分配"
        verbose_name_plural = "因素法分配"
        ordering = ["-year", "unit__path"]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}年 {self.fund}"
